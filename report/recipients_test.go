package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/checks"
)

// TestRecipientsCSVFormulaSafe: hostile addresses and subjects stay inert
// text in the mail-merge file.
func TestRecipientsCSVFormulaSafe(t *testing.T) {
	at := time.Date(2026, 11, 18, 8, 4, 0, 0, time.UTC)
	list := []checks.RecipientToWarn{
		{Address: "=billing@adatum.com", External: true, Messages: 1, First: at, Last: at, Subjects: []string{`=HYPERLINK("http://evil.example")`}},
		{Address: "+44@x.example", External: true, Messages: 2, First: at, Last: at.Add(time.Hour), Subjects: []string{"-1+2", "@SUM(A1)"}},
		{Address: "\tTab@x.example", Messages: 1, First: at, Last: at, Subjects: []string{"\rcr", "陳大文 \u202eevil"}},
		{Address: "megan.bowen@contoso.com", Messages: 1, First: at, Last: at, Subjects: []string{"Invoice"}},
	}
	var b bytes.Buffer
	if err := WriteRecipientsCSV(&b, list); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "\ufeff") {
		t.Fatal("no byte order mark")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || rows[0][0] != "recipient" {
		t.Fatalf("rows %v", rows)
	}
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q would be evaluated", cell)
			}
		}
	}
	if rows[1][0] != "'=billing@adatum.com" || rows[1][1] != "external" || rows[4][1] != "internal" || rows[2][2] != "2" {
		t.Errorf("rows %q", rows)
	}
	if !strings.Contains(rows[3][5], "陳大文") {
		t.Errorf("names must survive: %q", rows[3][5])
	}
}

// TestRecipientsFileForContoso: the sample's compromised account gets its
// list, and it equals the check's recipients.
func TestRecipientsFileForContoso(t *testing.T) {
	doc, snap := contoso(t)
	in := &Input{Doc: doc, Snap: snap}
	w := recipientsWriter{}
	files := w.Files(in)
	if len(files) != 1 || files[0] != "recipients-adele.vance_contoso.com.csv" {
		t.Fatalf("files %v", files)
	}
	var b bytes.Buffer
	if err := w.Write(t.Context(), in, files[0], &b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 31 {
		t.Fatalf("%d rows, want the header and the burst's 30 recipients", len(rows))
	}
}
