package pdf

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/report/diff"
)

func withChanges(t *testing.T, doc *checks.Document, d *diff.Document) *checks.Document {
	t.Helper()
	raw, err := json.Marshal(d.WithoutSchema())
	if err != nil {
		t.Fatal(err)
	}
	c := *doc
	c.Changes = raw
	return &c
}

func renderText(t *testing.T, doc *checks.Document) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(t.Context(), &buf, buildModel(t, doc, nil), Options{}); err != nil {
		t.Fatal(err)
	}
	return joined(extractText(t, buf.Bytes()))
}

// TestSinceTheLastReport: with a baseline the section follows the executive
// summary and lists the score then and now, fixed, regressed and the new
// risks; without one it is absent.
func TestSinceTheLastReport(t *testing.T) {
	doc := phishedDoc()
	if strings.Contains(renderText(t, doc), "Since the last report") {
		t.Fatal("section drawn without a baseline")
	}
	hostile := "<script>alert(1)</script> \u202e北京"
	d := &diff.Document{
		Tenant: diff.Tenant{ID: doc.Tenant.ID}, ObjectsCompared: true,
		From: diff.Side{CollectedAt: doc.CollectedAt.Add(-30 * 24 * time.Hour), Score: 61.5},
		To:   diff.Side{CollectedAt: doc.CollectedAt, Score: doc.Score.Percent},
		Checks: []diff.CheckChange{
			{ID: "EXO-PROTO-001", Title: "SMTP AUTH is disabled for the organisation", Severity: "high", From: "fail", To: "pass", Change: diff.Fixed,
				Because: []diff.Ref{{Dataset: "exoTransportConfig", Name: "Transport Settings", Change: diff.ObjectModified, Fields: []string{"SmtpClientAuthenticationDisabled"}}}},
			{ID: "ENTRA-EXT-001", Title: "Only admins / Guest Inviters can invite guests", Severity: "high", From: "pass", To: "fail", Change: diff.Regressed},
			{ID: "IR-MBX-001", Title: "Mailbox-level forwarding configured", Severity: "critical", From: "fail", ToNotRun: checks.NotRunNoIncident, Change: diff.Coverage},
			{ID: "ENTRA-MFA-003", Title: "MFA registration", Severity: "high", From: "fail", To: "unknown", Change: diff.Coverage},
		},
		Objects: []diff.ObjectChange{
			{Dataset: "roleAssignments", ID: "a", Name: "diego@contoso.com", Detail: "Global Administrator", Change: diff.ObjectAdded},
			{Dataset: "users", ID: "g", Name: hostile, Detail: "Guest", Change: diff.ObjectAdded},
			{Dataset: "authorizationPolicy", ID: "p", Name: "Authorization Policy", Change: diff.ObjectModified,
				Fields: []diff.FieldChange{{Path: "allowInvitesFrom", From: "adminsAndGuestInviters", To: "everyone"}}},
		},
	}
	text := renderText(t, withChanges(t, doc, d))
	for _, want := range []string{"Since the last report", "Score 61.5%", "Fixed (1)", "EXO-PROTO-001", "Because: Exchange transport settings Transport Settings modified",
		"Regressed (1)", "ENTRA-EXT-001", "New privileged role holders (1)", "diego@contoso.com", "Global Administrator",
		"New guests (1)", "Policy changes (1)", "allowInvitesFrom: adminsAndGuestInviters -> everyone",
		"1 incident check(s) ran in only one of the two audits, because the other had no incident", "1 other check(s) changed"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q", want)
		}
	}
	since, summary, findings := strings.Index(text, "Since the last report"), strings.Index(text, "Top risks"), strings.Index(text, "Coverage")
	if !(summary < since && findings < since) {
		t.Errorf("section not right after the executive summary: summary %d coverage %d since %d", summary, findings, since)
	}
	// Verdicts only: the section says so.
	d.ObjectsCompared, d.Objects = false, nil
	if text := renderText(t, withChanges(t, doc, d)); !strings.Contains(text, "Only verdicts were compared") {
		t.Error("verdict-only baseline not explained")
	}
	// Nothing changed.
	empty := &diff.Document{Tenant: d.Tenant, ObjectsCompared: true, From: d.From, To: d.To}
	if text := renderText(t, withChanges(t, doc, empty)); !strings.Contains(text, "Nothing changed since the last report") {
		t.Error("empty change set not said")
	}
}

// TestScoreLineSpaces reads the score line of "Since the last report" back
// with pdftotext: its coloured scores keep the spaces around them.
func TestScoreLineSpaces(t *testing.T) {
	doc := phishedDoc()
	d := &diff.Document{
		Tenant: diff.Tenant{ID: doc.Tenant.ID}, ObjectsCompared: true,
		From: diff.Side{CollectedAt: time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC), Score: 26.3},
		To:   diff.Side{CollectedAt: time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC), Score: 32.8},
	}
	var buf bytes.Buffer
	if err := Write(t.Context(), &buf, buildModel(t, withChanges(t, doc, d), nil), Options{Compress: true}); err != nil {
		t.Fatal(err)
	}
	text := poppler(t, "pdftotext", buf.Bytes(), "-enc", "UTF-8", "-raw")
	if want := "Score 26.3% on 2026-11-05 → 32.8% on 2026-12-05 (+6.5)"; !strings.Contains(text, want+"\n") {
		i := strings.Index(text, "Score 26.3%")
		t.Errorf("score line reads %q, want %q", text[max(i, 0):min(max(i, 0)+80, len(text))], want)
	}
}

// TestComparableScoreLine reads "Since the last report" back with
// pdftotext: when the two audits evaluated different sets of checks, the
// like-for-like score follows the headline scores (kept); with the same
// sets there is no such line.
func TestComparableScoreLine(t *testing.T) {
	doc := phishedDoc()
	notRun := diff.CheckChange{ID: "IR-MBX-001", Title: "Mailbox-level forwarding configured", Severity: "critical", From: "fail", ToNotRun: checks.NotRunNoIncident, Change: diff.Coverage}
	for _, tc := range []struct {
		name       string
		comparable *diff.Comparable
		checks     []diff.CheckChange
		want       string // "" = no line
	}{
		{"incident checks not run", &diff.Comparable{Checks: 52, From: 31, To: 33.9, FromOnly: 1}, []diff.CheckChange{notRun},
			"On the 52 checks both audits evaluated: 31.0% → 33.9% (+2.9); the rest of the difference comes from checks evaluated in only one of them (1 incident check not run this time because this audit has no incident)."},
		{"same checks", &diff.Comparable{Checks: 52, From: 26.3, To: 32.8}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &diff.Document{
				Tenant: diff.Tenant{ID: doc.Tenant.ID}, ObjectsCompared: true,
				From:       diff.Side{CollectedAt: time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC), Score: 25.5},
				To:         diff.Side{CollectedAt: time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC), Score: 31.1},
				Comparable: tc.comparable, Checks: tc.checks,
			}
			var buf bytes.Buffer
			if err := Write(t.Context(), &buf, buildModel(t, withChanges(t, doc, d), nil), Options{Compress: true}); err != nil {
				t.Fatal(err)
			}
			text := strings.Join(strings.Fields(poppler(t, "pdftotext", buf.Bytes(), "-enc", "UTF-8", "-raw")), " ")
			if want := "Score 25.5% on 2026-11-05 → 31.1% on 2026-12-05 (+5.6)"; !strings.Contains(text, want) {
				t.Errorf("headline score line %q missing", want)
			}
			if strings.Contains(text, "ran in only one of the two audits") {
				t.Error("incident checks not run said twice")
			}
			has := strings.Contains(text, "both audits evaluated")
			switch {
			case tc.want == "" && has:
				t.Error("like-for-like line drawn for the same evaluated checks")
			case tc.want != "" && !strings.Contains(text, tc.want):
				i := strings.Index(text, "On the ")
				t.Errorf("like-for-like line reads %q, want %q", text[max(i, 0):min(max(i, 0)+260, len(text))], tc.want)
			}
		})
	}
}
