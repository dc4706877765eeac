package xlsx

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/report/diff"
)

// TestChangesComparable reads the Changes sheet back: when the two audits
// evaluated different sets of checks, its summary gives the like-for-like
// score after the headline scores; with the same sets it does not.
func TestChangesComparable(t *testing.T) {
	notRun := diff.CheckChange{ID: "IR-MBX-001", Title: "Mailbox-level forwarding configured", Severity: "critical", From: "fail", ToNotRun: checks.NotRunNoIncident, Change: diff.Coverage}
	for _, tc := range []struct {
		name       string
		comparable *diff.Comparable
		checks     []diff.CheckChange
		want       string // "" = no such line
	}{
		{"incident checks not run", &diff.Comparable{Checks: 52, From: 31, To: 33.9, FromOnly: 1}, []diff.CheckChange{notRun},
			"On the 52 checks both audits evaluated: 31.0% → 33.9% (+2.9); the rest of the difference comes from checks evaluated in only one of them (1 incident check not run this time because this audit has no incident)."},
		{"same checks", &diff.Comparable{Checks: 52, From: 25.5, To: 31.1}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := fixtureDoc()
			d := &diff.Document{Tenant: diff.Tenant{ID: doc.Tenant.ID}, ObjectsCompared: true,
				From:       diff.Side{CollectedAt: time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC), Score: 25.5},
				To:         diff.Side{CollectedAt: time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC), Score: 31.1},
				Comparable: tc.comparable, Checks: tc.checks, Objects: []diff.ObjectChange{}, Datasets: []diff.DatasetChange{}}
			raw, err := json.Marshal(d.WithoutSchema())
			if err != nil {
				t.Fatal(err)
			}
			doc.Changes = raw
			f := open(t, write(t, doc, fixtureSnap(t), Options{}))
			rows, err := f.GetRows(SheetChanges)
			if err != nil {
				t.Fatal(err)
			}
			var flat []string
			for _, r := range rows {
				flat = append(flat, strings.Join(r, "|"))
			}
			all := strings.Join(flat, "\n")
			if !strings.Contains(all, "score 25.5% then, 31.1% now (+5.6)") {
				t.Errorf("headline scores missing:\n%s", all)
			}
			has := strings.Contains(all, "both audits evaluated")
			switch {
			case tc.want == "" && has:
				t.Errorf("like-for-like line for the same evaluated checks:\n%s", all)
			case tc.want != "" && !strings.Contains(all, tc.want):
				t.Errorf("Changes sheet lacks %q:\n%s", tc.want, all)
			}
		})
	}
}
