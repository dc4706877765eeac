package html

import (
	"bytes"
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"

	"github.com/m365audit/m365audit/checks"
)

// TestRecipientsSection: the incident part lists who received the
// attacker's mail, one row per recipient of the burst, and hostile
// addresses and subjects stay text.
func TestRecipientsSection(t *testing.T) {
	doc, snap := contoso(t)
	want := map[string]bool{}
	for i := range doc.Results {
		r := &doc.Results[i]
		if r.ID != checks.IDIRMail001 {
			continue
		}
		for j := range r.Affected {
			m := r.Affected[j].Message
			if m == nil || m.Burst == 0 {
				continue
			}
			if j == 0 {
				m.Subject = hostile[2]
				m.Recipients = append(m.Recipients, checks.MessageRecipient{Address: hostile[3], External: true})
			}
			for _, rc := range m.Recipients {
				want[rc.Address] = true
			}
		}
	}
	if len(want) < 10 {
		t.Fatalf("the sample's burst has %d recipients", len(want))
	}
	page := render(t, doc, snap)
	inert(t, page)
	root, err := xhtml.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var heading bool
	got := map[string]bool{}
	var subjects strings.Builder
	for n := range root.Descendants() {
		if n.Type == xhtml.ElementNode && n.Data == "h3" && n.FirstChild != nil && n.FirstChild.Data == "Who received the attacker's mail" {
			heading = true
		}
		if n.Type != xhtml.ElementNode || n.Data != "table" || attr(n, "class") != "recipients" {
			continue
		}
		for tr := range n.Descendants() {
			if tr.Type != xhtml.ElementNode || tr.Data != "tr" || tr.Parent.Data != "tbody" {
				continue
			}
			var cells []string
			for td := tr.FirstChild; td != nil; td = td.NextSibling {
				if td.Type == xhtml.ElementNode && td.FirstChild != nil {
					cells = append(cells, td.FirstChild.Data)
				}
			}
			if len(cells) != 6 {
				t.Fatalf("row %q", cells)
			}
			if got[cells[0]] {
				t.Errorf("%s listed twice", cells[0])
			}
			got[cells[0]] = true
			subjects.WriteString(cells[5])
		}
	}
	if !heading {
		t.Error("no section heading")
	}
	if len(got) != len(want) {
		t.Errorf("%d rows, want the burst's %d recipients", len(got), len(want))
	}
	for a := range want {
		if !got[a] {
			t.Errorf("recipient %q missing", a)
		}
	}
	if !strings.Contains(subjects.String(), hostile[2]) {
		t.Error("the hostile subject is not shown as text")
	}
}
