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
// text in the mail-merge file, and plain addresses that start with = + - or
// @ are kept verbatim so the warning reaches the real mailbox.
func TestRecipientsCSVFormulaSafe(t *testing.T) {
	at := time.Date(2026, 11, 18, 8, 4, 0, 0, time.UTC)
	for _, tc := range []struct {
		address  string
		subjects []string
		want     string // the address cell as written
	}{
		// Real mailboxes: plain addresses, written verbatim.
		{"=billing@adatum.com", []string{`=HYPERLINK("http://evil.example")`}, "=billing@adatum.com"},
		{"-ap@wingtiptoys.com", []string{"-1+2"}, "-ap@wingtiptoys.com"},
		{"megan.bowen@contoso.com", []string{"Invoice"}, "megan.bowen@contoso.com"},
		{"o'brien+news@contoso.com", []string{"@SUM(A1)"}, "o'brien+news@contoso.com"},
		// Arithmetic at most (no function, no DDE): plain, verbatim.
		{"-2+3@x.com", []string{"+1"}, "-2+3@x.com"},
		{"+44@x.example", []string{"\rcr"}, "+44@x.example"},
		// Formula or DDE payloads: defused.
		{`=HYPERLINK("http://x")@a.com`, []string{"x"}, `'=HYPERLINK("http://x")@a.com`},
		{`=cmd|'/C calc'!A0@x.com`, []string{"x"}, `'=cmd|'/C calc'!A0@x.com`},
		{"@SUM(1+1)@x.com", []string{"x"}, "'@SUM(1+1)@x.com"},
		{"=a@b@c.com", []string{"x"}, "'=a@b@c.com"},
		{"=billing@", []string{"x"}, "'=billing@"},
		{"= billing@adatum.com", []string{"x"}, "'= billing@adatum.com"},
		{"\tTab@x.example", []string{"陳大文 \u202eevil"}, "'\tTab@x.example"},
		{"-陳@x.example", []string{"x"}, "'-陳@x.example"},
	} {
		t.Run(tc.address, func(t *testing.T) {
			list := []checks.RecipientToWarn{{Address: tc.address, External: true, Messages: 2, First: at, Last: at.Add(time.Hour), Subjects: tc.subjects}}
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
			if len(rows) != 2 || rows[0][0] != "recipient" {
				t.Fatalf("rows %q", rows)
			}
			row := rows[1]
			if row[0] != tc.want {
				t.Errorf("address cell %q, want %q", row[0], tc.want)
			}
			if row[1] != "external" || row[2] != "2" {
				t.Errorf("row %q", row)
			}
			for _, cell := range row[1:] { // free text: always defused
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("cell %q would be evaluated", cell)
				}
			}
			if strings.Contains(tc.subjects[0], "陳大文") && !strings.Contains(row[5], "陳大文") {
				t.Errorf("names must survive: %q", row[5])
			}
		})
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
