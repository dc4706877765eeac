package checks

import (
	"strings"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// entraCase is one table row of an Entra check test.
type entraCase struct {
	name     string
	files    map[string]string
	statuses map[string]snapshot.Status
	cfg      *Config
	want     Status
	// summary fragments that must appear in the summary.
	summary []string
	// affected lists "name|detail fragment" (detail part optional) that must
	// appear, in order, as the affected rows; nil skips the comparison and
	// an empty slice demands none.
	affected []string
}

// entraCheck returns one of the Entra checks by id.
func entraCheck(t *testing.T, id string) Check {
	t.Helper()
	for _, c := range entraChecks() {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("check %s not in entraChecks()", id)
	return Check{}
}

// runEntraCases runs a table against one check.
func runEntraCases(t *testing.T, id string, cases []entraCase) {
	t.Helper()
	c := entraCheck(t, id)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := testSnap(t, tc.files, tc.statuses)
			r := RunCheck(c, testCtx(t, s, tc.cfg))
			if r.Status != tc.want {
				t.Fatalf("status = %s, want %s; summary: %s; affected: %+v", r.Status, tc.want, r.Summary, r.Affected)
			}
			t.Logf("%s: %s", r.Status, r.Summary)
			if r.Summary == "" || !strings.HasSuffix(r.Summary, ".") {
				t.Errorf("summary %q is not a sentence", r.Summary)
			}
			for _, f := range tc.summary {
				if !strings.Contains(r.Summary, f) {
					t.Errorf("summary %q lacks %q", r.Summary, f)
				}
			}
			if r.Status == StatusFail && len(r.Affected) == 0 {
				t.Errorf("a fail must list its objects; summary: %s", r.Summary)
			}
			for _, a := range r.Affected {
				if a.ID == "" || a.Name == "" {
					t.Errorf("affected row without id or name: %+v", a)
				}
			}
			if tc.affected == nil {
				return
			}
			if len(r.Affected) != len(tc.affected) {
				t.Fatalf("affected = %s, want %d rows %v", entraDump(r.Affected), len(tc.affected), tc.affected)
			}
			for i, w := range tc.affected {
				name, detail, _ := strings.Cut(w, "|")
				if r.Affected[i].Name != name || !strings.Contains(r.Affected[i].Detail, detail) {
					t.Errorf("affected[%d] = %q / %q, want %q / …%q…", i, r.Affected[i].Name, r.Affected[i].Detail, name, detail)
				}
			}
		})
	}
}

// entraDump renders affected rows for failure messages.
func entraDump(a []Affected) string {
	var b strings.Builder
	for _, x := range a {
		b.WriteString("\n  " + x.Kind + " " + x.ID + " " + x.Name + " — " + x.Detail)
	}
	return b.String()
}

// forbidden is a statuses map marking one dataset forbidden.
func entraForbidden(id string) map[string]snapshot.Status {
	return map[string]snapshot.Status{id: snapshot.StatusForbidden}
}

// entraPartial marks one dataset partial.
func entraPartial(id string) map[string]snapshot.Status {
	return map[string]snapshot.Status{id: snapshot.StatusPartial}
}

// Hostile display names used across the Entra tests; they must reach
// Affected verbatim.
const (
	entraHostilePS   = `'; Remove-MgUser -UserId x #`
	entraHostileXLSX = `=HYPERLINK("http://evil","x")`
	entraHostileRTL  = "\u202Egnp.exe 管理者"
)
