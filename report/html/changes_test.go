package html

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/report/diff"
)

// TestSinceTheLastReport: with a baseline the section follows the executive
// summary, hostile object names in it stay inert; without one it is absent.
func TestSinceTheLastReport(t *testing.T) {
	doc, snap := contoso(t)
	if bytes.Contains(render(t, doc, snap), []byte("Since the last report")) {
		t.Fatal("section without a baseline")
	}
	d := &diff.Document{
		Tenant: diff.Tenant{ID: doc.Tenant.ID}, ObjectsCompared: true,
		From: diff.Side{CollectedAt: doc.CollectedAt.Add(-30 * 24 * time.Hour), Score: 61.5},
		To:   diff.Side{CollectedAt: doc.CollectedAt, Score: doc.Score.Percent},
		Checks: []diff.CheckChange{
			{ID: "EXO-PROTO-001", Title: "SMTP AUTH is disabled", Severity: "high", From: "fail", To: "pass", Change: diff.Fixed,
				Because: []diff.Ref{{Dataset: "exoTransportConfig", Name: hostile[2], Change: diff.ObjectModified, Fields: []string{"SmtpClientAuthenticationDisabled"}}}},
			{ID: "ENTRA-EXT-001", Title: "Only admins can invite guests", Severity: "high", From: "pass", To: "fail", Change: diff.Regressed},
			{ID: "IR-MBX-001", Title: "Mailbox-level forwarding configured", Severity: "critical", From: "fail", ToNotRun: checks.NotRunNoIncident, Change: diff.Coverage},
			{ID: "IR-SIG-001", Title: "Legacy-protocol sign-ins", Severity: "high", From: "fail", ToNotRun: checks.NotRunNoIncident, Change: diff.Coverage},
			{ID: "ENTRA-MFA-003", Title: "MFA registration", Severity: "high", From: "fail", To: "unknown", Change: diff.Coverage},
		},
		Objects: []diff.ObjectChange{
			{Dataset: "roleAssignments", ID: "a", Name: "diego@contoso.com", Detail: "Global Administrator", Change: diff.ObjectAdded},
			{Dataset: "users", ID: "g1", Name: hostile[3], Detail: "Guest", Change: diff.ObjectAdded},
			{Dataset: "users", ID: "g2", Name: hostile[4], Detail: "Guest", Change: diff.ObjectAdded},
			{Dataset: "conditionalAccessPolicies", ID: "p", Name: hostile[9], Change: diff.ObjectModified,
				Fields: []diff.FieldChange{{Path: "conditions.users.excludeUsers", From: []any{}, To: []any{hostile[2]}}}},
		},
	}
	raw, err := json.Marshal(d.WithoutSchema())
	if err != nil {
		t.Fatal(err)
	}
	doc.Changes = raw
	page := render(t, doc, snap)
	inert(t, page)
	for _, want := range []string{"Since the last report", "61.5%", "Fixed (1)", "Regressed (1)", "New privileged role holders (1)",
		"Global Administrator", "New guests (2)", "Policy changes (1)", "conditions.users.excludeUsers",
		"2 incident check(s) ran in only one of the two audits, because the other had no incident", "1 other check(s) changed"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("missing %q", want)
		}
	}
	summary, since, findings := bytes.Index(page, []byte(`<section id="summary">`)), bytes.Index(page, []byte(`<section id="changes">`)), bytes.Index(page, []byte(`<section id="findings">`))
	if !(summary < since && since < findings) {
		t.Errorf("order: summary %d, changes %d, findings %d", summary, since, findings)
	}
}

// TestComparableScoreLine: when the two audits evaluated different sets of
// checks, the like-for-like score follows the headline scores; with the
// same sets there is no such line.
func TestComparableScoreLine(t *testing.T) {
	notRun := diff.CheckChange{ID: "IR-MBX-001", Title: "Mailbox-level forwarding configured", Severity: "critical", From: "fail", ToNotRun: checks.NotRunNoIncident, Change: diff.Coverage}
	for _, tc := range []struct {
		name       string
		comparable *diff.Comparable
		checks     []diff.CheckChange
		want       string // "" = no such line
	}{
		{"incident checks not run", &diff.Comparable{Checks: 52, From: 31, To: 33.9, FromOnly: 1}, []diff.CheckChange{notRun},
			`<p class="comparable">On the 52 checks both audits evaluated: 31.0% → 33.9% (&#43;2.9); the rest of the difference comes from checks evaluated in only one of them (1 incident check not run this time because this audit has no incident).</p>`},
		{"same checks", &diff.Comparable{Checks: 52, From: 25.5, To: 31.1}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, snap := contoso(t)
			d := &diff.Document{Tenant: diff.Tenant{ID: doc.Tenant.ID}, ObjectsCompared: true,
				From:       diff.Side{CollectedAt: doc.CollectedAt.Add(-30 * 24 * time.Hour), Score: 25.5},
				To:         diff.Side{CollectedAt: doc.CollectedAt, Score: 31.1},
				Comparable: tc.comparable, Checks: tc.checks}
			raw, err := json.Marshal(d.WithoutSchema())
			if err != nil {
				t.Fatal(err)
			}
			doc.Changes = raw
			page := render(t, doc, snap)
			since, end := bytes.Index(page, []byte(`<section id="changes">`)), bytes.Index(page, []byte(`<section id="findings">`))
			if since < 0 || end < since {
				t.Fatalf("changes section at %d, findings at %d", since, end)
			}
			section := page[since:end]
			if !bytes.Contains(section, []byte("25.5%")) || !bytes.Contains(section, []byte("31.1%")) {
				t.Error("headline scores missing")
			}
			if bytes.Contains(section, []byte("ran in only one of the two audits")) {
				t.Error("incident checks not run said twice")
			}
			has := bytes.Contains(section, []byte("both audits evaluated"))
			switch {
			case tc.want == "" && has:
				t.Error("like-for-like line for the same evaluated checks")
			case tc.want != "" && !bytes.Contains(section, []byte(tc.want)):
				t.Errorf("section lacks %q:\n%s", tc.want, section)
			}
		})
	}
}
