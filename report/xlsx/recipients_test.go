package xlsx

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/checks"
)

// TestRecipientsSheet: the Recipients to warn sheet lists each recipient of
// the attacker's mail once (outside the organisation first), with hostile
// addresses and subjects kept as inert text.
func TestRecipientsSheet(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 12, 8, 4, 0, 0, time.UTC)
	doc := fixtureDoc()
	msg := func(id, subject string, sent time.Time, burst int, attributed bool, rcpts ...checks.MessageRecipient) checks.Affected {
		return checks.Affected{Kind: "message", ID: id, Attributed: attributed, Time: ptime(sent),
			Message: &checks.MessageEvidence{MessageID: id, Sender: "adele@contoso.com", Subject: subject, Sent: sent, Burst: burst, Recipients: rcpts}}
	}
	hostileSubject := `=HYPERLINK("http://evil.example","Invoice")`
	doc.Results = append(doc.Results, checks.Result{ID: checks.IDIRMail001, Title: "Bulk or phishing mail", Category: "Incident", Severity: checks.SeverityCritical,
		Status: checks.StatusFail, Incident: true, Summary: "sent mail",
		Affected: []checks.Affected{
			msg("m1", hostileSubject, at, 1, true, checks.MessageRecipient{Address: "=cmd@evil.example", External: true}, checks.MessageRecipient{Address: "megan@contoso.com"}),
			msg("m2", "陳大文 <script>", at.Add(10*time.Minute), 1, true, checks.MessageRecipient{Address: "megan@contoso.com"}, checks.MessageRecipient{Address: "b@fabrikam.example", External: true}),
			msg("m3", "ordinary", at.Add(-48*time.Hour), 0, false, checks.MessageRecipient{Address: "not.warned@fabrikam.example", External: true}),
		}})
	f := open(t, write(t, doc, fixtureSnap(t), Options{}))
	rows, err := f.GetRows(sheetRecipients)
	if err != nil {
		t.Fatal(err)
	}
	h := -1
	for i, r := range rows {
		if len(r) > 0 && r[0] == "Recipient" {
			h = i
		}
	}
	if h < 0 {
		t.Fatalf("no header row: %q", rows)
	}
	data := rows[h+1:]
	var got []string
	for _, r := range data {
		got = append(got, r[0]+"|"+r[1]+"|"+r[2])
	}
	want := []string{"=cmd@evil.example|external|1", "b@fabrikam.example|external|1", "megan@contoso.com|internal|2"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(rows[0][0], "3 people") || !strings.Contains(rows[0][0], "2 outside") {
		t.Errorf("note %q", rows[0][0])
	}
	for i := range data {
		for _, col := range []string{"A", "F"} {
			cell := fmt.Sprintf("%s%d", col, h+2+i)
			if fm, err := f.GetCellFormula(sheetRecipients, cell); err != nil || fm != "" {
				t.Errorf("%s has formula %q (%v)", cell, fm, err)
			}
			v, _ := f.GetCellValue(sheetRecipients, cell)
			if q := quotePrefix(t, f, sheetRecipients, cell); q != formulaLike(v) {
				t.Errorf("%s %q quotePrefix = %v", cell, v, q)
			}
		}
	}
	if !quotePrefix(t, f, sheetRecipients, fmt.Sprintf("A%d", h+2)) {
		t.Error("the formula-like address must be quote-prefixed")
	}
	if data[0][5] != hostileSubject || !strings.Contains(data[2][5], "陳大文 <script>") || data[2][3] == data[2][4] {
		t.Errorf("subjects/times: %q", data)
	}
}
