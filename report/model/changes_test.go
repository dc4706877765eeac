package model

import (
	"strings"
	"testing"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/report/diff"
)

// TestChangeRowStatuses: the Changes sheet says when a side did not run a
// check and why, and leaves a side empty when its tool version does not
// have the check.
func TestChangeRowStatuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		change   diff.CheckChange
		from, to string
		detail   string
		noIncid  bool // counted among the incident checks not run, not Other
	}{
		{"not run now: no incident", diff.CheckChange{ID: "IR-1", Change: diff.Coverage, From: checks.StatusFail, ToNotRun: checks.NotRunNoIncident}, "fail", "not run (no incident)", "Not run this time: this audit has no incident", true},
		{"not run last time: no incident", diff.CheckChange{ID: "IR-1", Change: diff.Coverage, FromNotRun: checks.NotRunNoIncident, To: checks.StatusPass}, "not run (no incident)", "pass", "Not run last time: that audit had no incident", true},
		{"a reason of another version is not echoed", diff.CheckChange{ID: "IR-1", Change: diff.Coverage, From: checks.StatusFail, ToNotRun: "=HYPERLINK(\"x\")"}, "fail", "not run", "Not run this time.", false},
		{"removed from the tool", diff.CheckChange{ID: "X-1", Change: diff.Removed, From: checks.StatusFail}, "fail", "", "", false},
		{"coverage", diff.CheckChange{ID: "X-3", Change: diff.Coverage, From: checks.StatusFail, To: checks.StatusUnknown}, "fail", "unknown", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := NewChanges(&diff.Document{Checks: []diff.CheckChange{tc.change}})
			if len(c.Rows) != 1 {
				t.Fatalf("rows = %+v", c.Rows)
			}
			if r := c.Rows[0]; r.From != tc.from || r.To != tc.to || r.Change != string(tc.change.Change) || !strings.HasPrefix(r.Detail, tc.detail) || (tc.detail == "" && r.Detail != "") {
				t.Errorf("row %+v, want %s %q -> %q, detail %q", r, tc.change.Change, tc.from, tc.to, tc.detail)
			}
			if n := len(c.NotRunNoIncident); (n == 1) != tc.noIncid || n+len(c.Other) != 1 {
				t.Errorf("not run (no incident) %d, other %d", n, len(c.Other))
			}
		})
	}
}
