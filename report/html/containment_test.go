package html

import (
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"

	"github.com/m365audit/m365audit/checks"
)

// TestIncidentMailAndContainmentParts: the restriction is shown with the
// account's state, the deleted rule as evidence under the plan, the hidden
// rule and the release as steps; the attacker's messages and the
// restriction are not repeated as changes. A hostile name on the deleted
// rule stays text.
func TestIncidentMailAndContainmentParts(t *testing.T) {
	doc, snap := contoso(t)
	evil := `ndr <script>document.title="pwned"</script> =HYPERLINK("x")`
	for i := range doc.Results {
		r := &doc.Results[i]
		if r.ID != checks.IDIRInb002 {
			continue
		}
		for j := range r.Affected {
			if strings.Contains(r.Affected[j].Name, "“ndr”") {
				r.Affected[j].Name = "Adele Vance <adele.vance@contoso.com>: rule “" + evil + "”"
			}
		}
	}
	page := render(t, doc, snap)
	inert(t, page)
	root, err := xhtml.Parse(strings.NewReader(string(page)))
	if err != nil {
		t.Fatal(err)
	}
	byID := func(id string) string {
		for n := range root.Descendants() {
			if n.Type != xhtml.ElementNode {
				continue
			}
			for _, a := range n.Attr {
				if a.Key == "id" && a.Val == id {
					var b strings.Builder
					for c := range n.Descendants() {
						if c.Type == xhtml.TextNode {
							b.WriteString(c.Data)
						}
					}
					return b.String()
				}
			}
		}
		t.Fatalf("no element with id %s", id)
		return ""
	}
	state := byID("containment-state")
	if !strings.Contains(state, "Exchange Online restricted from sending:") || !strings.Contains(state, "Adele Vance <adele.vance@contoso.com>: restricted from sending since 2026-11-18 08:31 UTC") {
		t.Errorf("containment state lacks the restriction: %s", state)
	}
	incident := byID("incident")
	changes := incident[strings.Index(incident, "Changes attributed to the attacker"):strings.Index(incident, "Still open")]
	for _, not := range []string{"Other changes", "Remittance Advice", "IR-MAIL-001", "IR-MAIL-002"} {
		if strings.Contains(changes, not) {
			t.Errorf("%q repeated under the attacker's changes", not)
		}
	}
	plan := incident[strings.Index(incident, "Containment\n"):strings.Index(incident, "Timeline")]
	for _, want := range []string{"Remove hidden inbox rule through Exchange Online", "rule “Mailbox maintenance”",
		"Release the account from the restricted senders list", "Already deleted, evidence only",
		"rule “" + evil + "” — created 2026-11-18 08:01 UTC, deleted 2026-11-18 08:41 UTC"} {
		if !strings.Contains(plan, want) {
			t.Errorf("containment part lacks %q", want)
		}
	}
	if strings.Contains(plan, "Remittance Advice") {
		t.Error("the attacker's messages are listed for review")
	}
}
