package model

import (
	"encoding/json"
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

// TestChangesComparable: when the two audits evaluated different sets of
// checks, the section carries the like-for-like score and where the rest
// of the headline change comes from; with the same sets, or a document of
// an older version without it, it carries nothing.
func TestChangesComparable(t *testing.T) {
	t.Parallel()
	notRunNow := diff.CheckChange{ID: "IR-1", Change: diff.Coverage, From: checks.StatusFail, ToNotRun: checks.NotRunNoIncident}
	unknownThen := diff.CheckChange{ID: "X-2", Change: diff.Coverage, From: checks.StatusUnknown, To: checks.StatusPass}
	for _, tc := range []struct {
		name string
		json string
		want []string // in ComparableText; nil = no text
	}{
		{"incident checks not run", `{"from":{"score":25.5},"to":{"score":28.4},"comparable":{"checks":52,"from":31.0,"to":33.9,"fromOnly":1,"toOnly":0},"checks":[` + mustMarshal(t, notRunNow) + `]}`,
			[]string{"On the 52 checks both audits evaluated: 31.0% → 33.9% (+2.9)", "1 incident check not run this time because this audit has no incident"}},
		{"data not collected last time", `{"comparable":{"checks":40,"from":50,"to":48.5,"fromOnly":0,"toOnly":1},"checks":[` + mustMarshal(t, unknownThen) + `]}`,
			[]string{"On the 40 checks both audits evaluated: 50.0% → 48.5% (-1.5)", "1 check whose data was not collected last time"}},
		{"same checks", `{"comparable":{"checks":52,"from":31.0,"to":33.9,"fromOnly":0,"toOnly":0},"checks":[]}`, nil},
		{"older document without it", `{"checks":[` + mustMarshal(t, notRunNow) + `]}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := ChangesOf(&checks.Document{Changes: []byte(tc.json)})
			if err != nil {
				t.Fatal(err)
			}
			// The incident checks not run are said once: by the
			// comparable line when there is one, else by the note.
			if wantNote := len(c.NotRunNoIncident) > 0 && tc.want == nil; (c.NotRunNote != "") != wantNote {
				t.Errorf("not-run note %q, want one: %v", c.NotRunNote, wantNote)
			}
			if tc.want == nil {
				if c.ComparableText != "" || c.Comparable != nil {
					t.Errorf("comparable %+v %q, want none", c.Comparable, c.ComparableText)
				}
				return
			}
			if c.Comparable == nil {
				t.Fatal("no comparable score")
			}
			for _, w := range tc.want {
				if !strings.Contains(c.ComparableText, w) {
					t.Errorf("%q lacks %q", c.ComparableText, w)
				}
			}
		})
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
