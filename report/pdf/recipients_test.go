package pdf

import (
	"strings"
	"testing"

	"github.com/m365audit/m365audit/checks"
)

// TestRecipientsSection: the incident part says who received the
// attacker's mail, and lists every recipient of the sample's burst, each
// once, and nobody else.
func TestRecipientsSection(t *testing.T) {
	t.Parallel()
	doc, snap := contoso(t)
	want := map[string]bool{}
	for _, r := range doc.Results {
		if r.ID != checks.IDIRMail001 {
			continue
		}
		for _, a := range r.Affected {
			if a.Message != nil && a.Message.Burst > 0 {
				for _, rc := range a.Message.Recipients {
					want[rc.Address] = true
				}
			}
		}
	}
	if len(want) == 0 {
		t.Fatal("the sample's burst has no recipients")
	}
	items := renderItems(t, doc, snap)
	sec := section(t, items, "Who received the attacker's mail", "What the attacker changed")
	if !strings.Contains(sec, squash("30 people received the attacker's mail, 25 outside the organisation")) ||
		!strings.Contains(sec, "recipients-adele.vance_contoso.com.csv") {
		t.Errorf("section: %s", sec)
	}
	for a := range want {
		if n := strings.Count(sec, squash(a)); n != 1 {
			// Addresses that are substrings of others would count twice:
			// none in the sample.
			t.Errorf("recipient %q shown %d times", a, n)
		}
	}
	// Nobody else: the ordinary mail before the window is not in it.
	if n := strings.Count(sec, "@"); n != len(want)+1 { // + the sender in the heading
		t.Errorf("%d addresses in the section, want %d recipients and the sender", n, len(want))
	}
}
