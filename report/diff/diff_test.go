package diff_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/diff"
)

const (
	gaRole     = "62e90394-69f5-4237-9190-012177145e10"
	caPolicyID = "5b0c8e53-4a5c-4c39-9a4a-0d7c3c1e7a01"
	newGAUser  = "c1ea27a3-9e93-4272-a433-81c895a8ee62" // Diego Siciliani, an existing member
)

func sample(t testing.TB) fs.FS {
	t.Helper()
	f, err := m365audit.SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func load(t testing.TB, f fs.FS) *snapshot.Snapshot {
	t.Helper()
	s, err := snapshot.LoadFS(f, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func edit(t testing.TB, base fs.FS, fn func(m *snapshot.Manifest, d m365audit.Datasets)) fs.FS {
	t.Helper()
	f, err := m365audit.EditSnapshot(base, func(m *snapshot.Manifest, d m365audit.Datasets) error {
		fn(m, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func audit(s *snapshot.Snapshot) diff.Input {
	return diff.Input{Doc: checks.Run(s, checks.RunOptions{GeneratedAt: s.Manifest.CollectedAt}), Snap: s}
}

func mustJSON(t testing.TB, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// baseline is the sample tenant a month earlier: guest invitations limited
// to admins and Guest Inviters, one enabled CA policy blocking legacy
// authentication instead of security defaults.
func baseline(t testing.TB) fs.FS {
	return edit(t, sample(t), func(m *snapshot.Manifest, d m365audit.Datasets) {
		m.CollectedAt = m.CollectedAt.Add(-30 * 24 * time.Hour)
		d.Object(snapshot.DSAuthorizationPolicy)["allowInvitesFrom"] = "adminsAndGuestInviters"
		d.Object(snapshot.DSSecurityDefaults)["isEnabled"] = false
		d[snapshot.DSConditionalAccessPolicies] = []any{mustJSON(t, `{"id":"`+caPolicyID+`","displayName":"Block legacy authentication","state":"enabled",
			"createdDateTime":"2025-01-10T10:00:00Z","modifiedDateTime":"2025-01-10T10:00:00Z",
			"conditions":{"clientAppTypes":["exchangeActiveSync","other"],"applications":{"includeApplications":["All"],"excludeApplications":[]},
			"users":{"includeUsers":["All"],"excludeUsers":[],"includeGroups":[],"excludeGroups":[],"includeRoles":[],"excludeRoles":[]}},
			"grantControls":{"operator":"OR","builtInControls":["block"]}}`)}
	})
}

// month applies the five known changes to the baseline: SMTP AUTH fixed,
// the CA policy gains an exclusion, a new Global Administrator, three new
// guests, guest invitations opened to everyone.
func month(t testing.TB, base fs.FS) fs.FS {
	return edit(t, base, func(m *snapshot.Manifest, d m365audit.Datasets) {
		m.CollectedAt = m.CollectedAt.Add(30 * 24 * time.Hour)
		d.Object(snapshot.DSExoTransportConfig)["SmtpClientAuthenticationDisabled"] = true
		ca := d.Find(snapshot.DSConditionalAccessPolicies, "id", caPolicyID)
		users := ca["conditions"].(map[string]any)["users"].(map[string]any)
		users["excludeUsers"] = []any{"782b4f2b-2285-4f4e-9583-bf83b1b66589"}
		ca["modifiedDateTime"] = "2026-12-01T10:00:00Z"
		d[snapshot.DSRoleAssignments] = append(d.List(snapshot.DSRoleAssignments), mustJSON(t, `{"id":"new-ga-assignment","condition":null,"directoryScopeId":"/",
			"principal":{"@odata.type":"#microsoft.graph.user","id":"`+newGAUser+`","displayName":"Diego Siciliani","userPrincipalName":"diego.siciliani@contoso.com","userType":"Member","accountEnabled":true},
			"principalId":"`+newGAUser+`","roleDefinitionId":"`+gaRole+`"}`))
		us := d.List(snapshot.DSUsers)
		for i, g := range []string{"g1", "g2", "g3"} {
			us = append(us, mustJSON(t, `{"id":"00000000-0000-4000-8000-00000000000`+string(rune('1'+i))+`","accountEnabled":true,"assignedLicenses":[],"createdDateTime":"2026-12-10T09:00:00Z","creationType":"Invitation","displayName":"Guest `+g+`","externalUserState":"PendingAcceptance","externalUserStateChangeDateTime":"2026-12-10T09:00:00Z","lastPasswordChangeDateTime":null,"mail":"`+g+`@partner.example","onPremisesSyncEnabled":null,"passwordPolicies":null,"signInSessionsValidFromDateTime":"2026-12-10T09:00:00Z","userPrincipalName":"`+g+`_partner.example#EXT#@contoso.onmicrosoft.com","userType":"Guest"}`))
		}
		d[snapshot.DSUsers] = us
		d.Object(snapshot.DSAuthorizationPolicy)["allowInvitesFrom"] = "everyone"
	})
}

func objectLines(d *diff.Document) []string {
	var objs []string
	for _, o := range d.Objects {
		s := string(o.Change) + " " + o.Dataset + " " + o.Name
		if o.Detail != "" {
			s += " [" + o.Detail + "]"
		}
		for _, f := range o.Fields {
			s += " " + f.Path + "=" + diff.Value(f.From, 0) + "->" + diff.Value(f.To, 0)
		}
		objs = append(objs, s)
	}
	sort.Strings(objs)
	return objs
}

func checkLines(d *diff.Document) []string {
	var out []string
	for _, c := range d.Checks {
		s := string(c.Change) + " " + c.ID + " " + string(c.From) + "->" + string(c.To)
		for _, a := range c.AffectedAdded {
			s += " +" + a
		}
		for _, a := range c.AffectedRemoved {
			s += " -" + a
		}
		var because []string
		for _, b := range c.Because {
			because = append(because, b.Dataset+":"+b.Name+":"+string(b.Change)+":"+strings.Join(b.Fields, ","))
		}
		s += " because " + strings.Join(because, " ")
		out = append(out, s)
	}
	return out
}

func same(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestKnownChanges: five known changes give exactly those object changes
// and the verdict changes they explain, nothing else.
func TestKnownChanges(t *testing.T) {
	base := baseline(t)
	old, cur := load(t, base), load(t, month(t, base))
	d, err := diff.Compare(audit(old), audit(cur))
	if err != nil {
		t.Fatal(err)
	}
	same(t, "objects", objectLines(d), []string{
		"added roleAssignments diego.siciliani@contoso.com [Global Administrator]",
		"added users g1_partner.example#EXT#@contoso.onmicrosoft.com [Guest]",
		"added users g2_partner.example#EXT#@contoso.onmicrosoft.com [Guest]",
		"added users g3_partner.example#EXT#@contoso.onmicrosoft.com [Guest]",
		"modified authorizationPolicy Authorization Policy allowInvitesFrom=adminsAndGuestInviters->everyone",
		`modified conditionalAccessPolicies Block legacy authentication conditions.users.excludeUsers=[]->["782b4f2b-2285-4f4e-9583-bf83b1b66589"]`,
		"modified exoTransportConfig Transport Settings SmtpClientAuthenticationDisabled=false->true",
	})
	same(t, "checks", checkLines(d), []string{
		"regressed ENTRA-EXT-001 pass->fail +allowInvitesFrom (authorizationPolicy.allowInvitesFrom) because authorizationPolicy:Authorization Policy:modified:allowInvitesFrom",
		"fixed EXO-PROTO-001 fail->pass -SmtpClientAuthenticationDisabled (Transport Settings.SmtpClientAuthenticationDisabled) because exoTransportConfig:Transport Settings:modified:SmtpClientAuthenticationDisabled",
		// ENTRA-CA-001 already fails in the first month on the sign-in
		// log's evidence (legacy sign-ins despite security defaults); the
		// second month fails it on the policy's new exclusion instead.
		"changed ENTRA-CA-001 fail->fail +Block legacy authentication (5b0c8e53-4a5c-4c39-9a4a-0d7c3c1e7a01) -adele.vance@contoso.com (477cc17f-1d98-48e0-9895-619b666be1f8|Authenticated SMTP|203.0.113.45) -adele.vance@contoso.com (477cc17f-1d98-48e0-9895-619b666be1f8|IMAP4|203.0.113.45) -scanner@contoso.com (193db16c-f29d-4040-85c7-c245f6413f95|Authenticated SMTP|192.0.2.10) because conditionalAccessPolicies:Block legacy authentication:modified:conditions.users.excludeUsers",
		"changed ENTRA-MFA-004 warn->warn +Diego Siciliani (c1ea27a3-9e93-4272-a433-81c895a8ee62) because roleAssignments:diego.siciliani@contoso.com:added:",
		// A fourth Global Administrator: ENTRA-PRIV-009 already fails (3
		// Global Administrators, 2 narrower administrators) and lists him.
		"changed ENTRA-PRIV-009 fail->fail +Diego Siciliani (c1ea27a3-9e93-4272-a433-81c895a8ee62) because roleAssignments:diego.siciliani@contoso.com:added:",
	})
	c := d.Counts
	if c.Fixed != 1 || c.Regressed != 1 || c.Changed != 3 || c.ObjectsAdded != 4 || c.ObjectsModified != 3 || c.ObjectsRemoved != 0 || c.Datasets != 0 {
		t.Errorf("counts = %+v", c)
	}
	if c.Unchanged+len(d.Checks) != len(audit(cur).Doc.Results) {
		t.Errorf("unchanged %d + listed %d != results", c.Unchanged, len(d.Checks))
	}
	if !d.ObjectsCompared || d.Note != "" || d.SchemaVersion != 1 {
		t.Errorf("objectsCompared %v note %q schema %d", d.ObjectsCompared, d.Note, d.SchemaVersion)
	}
	if d.From.Score < d.To.Score {
		t.Errorf("score %v -> %v: a regression and a fix of the same weight must not raise it", d.From.Score, d.To.Score)
	}
	h := d.Highlights()
	if len(h.NewGuests) != 3 || len(h.NewRoleHolders) != 1 || len(h.PolicyChanges) != 3 || len(h.Fixed) != 1 || len(h.Regressed) != 1 {
		t.Errorf("highlights: guests %d roles %d policies %d fixed %d regressed %d", len(h.NewGuests), len(h.NewRoleHolders), len(h.PolicyChanges), len(h.Fixed), len(h.Regressed))
	}
}

// TestUnchangedTenant: the same tenant collected again, with only the
// fields that change on their own touched, gives no change at all.
func TestUnchangedTenant(t *testing.T) {
	base := sample(t)
	d, err := diff.Compare(audit(load(t, base)), audit(load(t, touched(t, base, 2*time.Hour))))
	if err != nil {
		t.Fatal(err)
	}
	if !d.Empty() {
		b, _ := json.MarshalIndent(d, "", " ")
		t.Fatalf("unchanged tenant gave changes:\n%s", b)
	}
	if d.Counts.Unchanged == 0 {
		t.Error("unchanged checks not counted")
	}
}

// TestTimeOnly: a month later with nothing changed gives no object change;
// a verdict that changes with time alone (a guest becoming stale) is listed
// with nothing in because.
func TestTimeOnly(t *testing.T) {
	base := sample(t)
	d, err := diff.Compare(audit(load(t, base)), audit(load(t, touched(t, base, 31*24*time.Hour))))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Objects) != 0 || len(d.Datasets) != 0 {
		t.Fatalf("objects changed: %+v %+v", d.Objects, d.Datasets)
	}
	for _, c := range d.Checks {
		if len(c.Because) != 0 {
			t.Errorf("%s explained by %+v", c.ID, c.Because)
		}
	}
}

// touched is base collected again after shift: sign-in activity, service
// stamps, annotations, counts and member order differ, nothing else.
func touched(t *testing.T, base fs.FS, shift time.Duration) fs.FS {
	return edit(t, base, func(m *snapshot.Manifest, d m365audit.Datasets) {
		m.CollectedAt = m.CollectedAt.Add(shift)
		at := m.CollectedAt.Add(-time.Hour).Format(time.RFC3339)
		for _, u := range d.List(snapshot.DSUsers) {
			if sa, ok := u.(map[string]any)["signInActivity"].(map[string]any); ok {
				sa["lastNonInteractiveSignInDateTime"] = at
			}
		}
		d.Object(snapshot.DSExoTransportConfig)["WhenChanged"] = at
		d.Object(snapshot.DSAuthenticationMethodsPolicy)["lastModifiedDateTime"] = at
		d.Object(snapshot.DSAuthenticationMethodsPolicy)["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#x"
		for _, s := range d.List(snapshot.DSSubscribedSkus) {
			s.(map[string]any)["consumedUnits"] = json.Number("999")
		}
		// An API listing members in another order is not a change.
		ap := d.Object(snapshot.DSAuthorizationPolicy)
		l := ap["permissionGrantPolicyIdsAssignedToDefaultUserRole"].([]any)
		for i, j := 0, len(l)-1; i < j; i, j = i+1, j-1 {
			l[i], l[j] = l[j], l[i]
		}
	})
}

func TestTenantMismatch(t *testing.T) {
	base := sample(t)
	other := edit(t, base, func(m *snapshot.Manifest, d m365audit.Datasets) {
		m.Tenant.ID = "11111111-2222-3333-4444-555555555555"
		d.Object(snapshot.DSOrganization)["id"] = m.Tenant.ID // load cross-checks the manifest against organization.json
	})
	_, err := diff.Compare(audit(load(t, base)), audit(load(t, other)))
	if !errors.Is(err, diff.ErrTenantMismatch) {
		t.Fatalf("err = %v, want tenant mismatch", err)
	}
}

// TestResultsOnly: without a snapshot only verdicts are compared, and the
// document says so.
func TestResultsOnly(t *testing.T) {
	base := baseline(t)
	o, n := audit(load(t, base)), audit(load(t, month(t, base)))
	o.Snap = nil
	d, err := diff.Compare(o, n)
	if err != nil {
		t.Fatal(err)
	}
	if d.ObjectsCompared || d.Note == "" || len(d.Objects) != 0 || len(d.Checks) != 5 {
		t.Fatalf("objectsCompared %v note %q objects %d checks %d", d.ObjectsCompared, d.Note, len(d.Objects), len(d.Checks))
	}
	for _, c := range d.Checks {
		if len(c.Because) != 0 {
			t.Errorf("%s: because without objects: %+v", c.ID, c.Because)
		}
	}
	var buf bytes.Buffer
	if err := diff.WriteTable(&buf, d); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), diff.VerdictsOnlyNote) {
		t.Errorf("table does not say only verdicts were compared:\n%s", buf.String())
	}
}

// TestCoverageChange: a dataset collected on one side only is one coverage
// change, not every object added or removed.
func TestCoverageChange(t *testing.T) {
	base := sample(t)
	denied := edit(t, base, func(m *snapshot.Manifest, d m365audit.Datasets) {
		delete(d, snapshot.DSUsers)
		info := m.Datasets[snapshot.DSUsers]
		info.Status, info.Reason, info.File, info.SHA256, info.Count = snapshot.StatusForbidden, "Authorization_RequestDenied", "", "", 0
		m.Datasets[snapshot.DSUsers] = info
	})
	d, err := diff.Compare(audit(load(t, base)), audit(load(t, denied)))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Objects) != 0 {
		t.Errorf("objects listed for a dataset collected on one side: %d", len(d.Objects))
	}
	if len(d.Datasets) != 1 || d.Datasets[0].Dataset != snapshot.DSUsers || d.Datasets[0].To != snapshot.StatusForbidden {
		t.Fatalf("datasets = %+v", d.Datasets)
	}
	found := false
	for _, c := range d.Checks {
		if c.Change != diff.Coverage && c.Change != diff.Changed {
			t.Errorf("%s: change %s, want coverage (or changed findings)", c.ID, c.Change)
		}
		for _, b := range c.Because {
			if b.Dataset == snapshot.DSUsers && b.Coverage != "" {
				found = true
			}
		}
	}
	if !found {
		t.Error("no coverage change explained by the users dataset")
	}
}

// TestHostileText: tenant strings stay inert in the table and Markdown.
func TestHostileText(t *testing.T) {
	hostile := "=HYPERLINK(\"http://x\")<script>alert(1)</script>| \x1b[31mred\u202e'; Remove-MgUser"
	d := &diff.Document{SchemaVersion: 1, Tenant: diff.Tenant{ID: "t", DisplayName: hostile}, ObjectsCompared: true,
		Objects: []diff.ObjectChange{{Dataset: "users", ID: "1", Name: hostile, Change: diff.ObjectAdded}},
		Checks:  []diff.CheckChange{{ID: "X-1", Title: hostile, Change: diff.Fixed, From: "fail", To: "pass", AffectedRemoved: []string{hostile}}}}
	var tb, md bytes.Buffer
	if err := diff.WriteTable(&tb, d); err != nil {
		t.Fatal(err)
	}
	if err := diff.WriteMarkdown(&md, d); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(tb.String(), "\x1b") {
		t.Error("escape sequence reached the console table")
	}
	if strings.Contains(md.String(), "<script>") || strings.Contains(md.String(), "| \x1b") {
		t.Errorf("markdown not escaped:\n%s", md.String())
	}
	for _, line := range strings.Split(md.String(), "\n") {
		if strings.HasPrefix(line, "| added") && strings.Count(strings.ReplaceAll(line, "\\|", ""), "|") != 5 {
			t.Errorf("a name broke the Markdown table: %s", line)
		}
	}
}

// TestREADMEListsIgnoredFields keeps the one documented ignore list and the
// code's list the same.
func TestREADMEListsIgnoredFields(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(raw), "- Ignored fields")
	if !ok {
		t.Fatal("README has no ignored-fields paragraph")
	}
	para, _, _ := strings.Cut(after, "\n- ")
	for _, f := range diff.IgnoredFields() {
		if !strings.Contains(para, "`"+f+"`") {
			t.Errorf("README does not list ignored field %s", f)
		}
	}
	if n := strings.Count(para, "`") / 2; n != len(diff.IgnoredFields())+3 { // + the two annotation forms and diff.IgnoredFields
		t.Errorf("README lists %d code spans, want %d: keep it to the code's list", n, len(diff.IgnoredFields())+3)
	}
}

// TestCheckOnOneSide: a check with a result on one side only is a coverage
// change when the other audit says it did not run it (an incident check
// without an incident), and added or removed only when the other audit's
// tool version does not have it.
func TestCheckOnOneSide(t *testing.T) {
	at := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	res := func(id string, s checks.Status) checks.Result {
		return checks.Result{ID: id, Title: "t " + id, Severity: checks.SeverityHigh, Status: s, Affected: []checks.Affected{}, Datasets: []string{snapshot.DSSignIns}}
	}
	doc := func(results []checks.Result, notRun ...string) *checks.Document {
		d := &checks.Document{SchemaVersion: 1, Tenant: snapshot.Tenant{ID: "t"}, CollectedAt: at, Results: results}
		for _, id := range notRun {
			d.NotRun = append(d.NotRun, checks.NotRun{ID: id, Reason: checks.NotRunNoIncident})
		}
		return d
	}
	for _, tc := range []struct {
		name     string
		old, new *checks.Document
		want     diff.CheckChange
		table    string // the status column of the console table
	}{
		{"incident last time, none now", doc([]checks.Result{res("IR-1", checks.StatusFail)}), doc(nil, "IR-1"),
			diff.CheckChange{ID: "IR-1", Change: diff.Coverage, From: checks.StatusFail, ToNotRun: checks.NotRunNoIncident}, "fail -> not run (no incident)"},
		{"no incident last time, one now", doc(nil, "IR-1"), doc([]checks.Result{res("IR-1", checks.StatusPass)}),
			diff.CheckChange{ID: "IR-1", Change: diff.Coverage, FromNotRun: checks.NotRunNoIncident, To: checks.StatusPass}, "not run (no incident) -> pass"},
		{"not in the new tool version", doc([]checks.Result{res("X-1", checks.StatusFail)}), doc(nil),
			diff.CheckChange{ID: "X-1", Change: diff.Removed, From: checks.StatusFail}, "fail -> (absent)"},
		{"not in the old tool version", doc(nil), doc([]checks.Result{res("X-1", checks.StatusWarn)}),
			diff.CheckChange{ID: "X-1", Change: diff.Added, To: checks.StatusWarn}, "(absent) -> warn"},
		{"not run for another check is no excuse", doc([]checks.Result{res("X-1", checks.StatusFail)}), doc(nil, "IR-1"),
			diff.CheckChange{ID: "X-1", Change: diff.Removed, From: checks.StatusFail}, "fail -> (absent)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := diff.Compare(diff.Input{Doc: tc.old}, diff.Input{Doc: tc.new})
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Checks) != 1 {
				t.Fatalf("checks = %+v", d.Checks)
			}
			c := d.Checks[0]
			if c.ID != tc.want.ID || c.Change != tc.want.Change || c.From != tc.want.From || c.To != tc.want.To ||
				c.FromNotRun != tc.want.FromNotRun || c.ToNotRun != tc.want.ToNotRun || len(c.Because) != 0 {
				t.Errorf("got %+v, want %+v", c, tc.want)
			}
			counts := map[diff.Kind]int{diff.Coverage: d.Counts.Coverage, diff.Added: d.Counts.Added, diff.Removed: d.Counts.Removed}
			if counts[tc.want.Change] != 1 || d.Counts.Coverage+d.Counts.Added+d.Counts.Removed != 1 {
				t.Errorf("counts %+v", d.Counts)
			}
			var buf bytes.Buffer
			if err := diff.WriteTable(&buf, d); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(buf.String(), tc.table) {
				t.Errorf("table lacks %q:\n%s", tc.table, buf.String())
			}
		})
	}
}

// TestIncidentChecksNotRun: the sample tenant audited with its incident,
// then without one: every incident check is a coverage change (not run, no
// incident), none is removed.
func TestIncidentChecksNotRun(t *testing.T) {
	s := load(t, sample(t))
	withIncident := checks.Run(s, checks.RunOptions{GeneratedAt: s.Manifest.CollectedAt,
		Incident: checks.IncidentFrom(s.Manifest.CollectedAt, s.Manifest.Incident)})
	without := checks.Run(s, checks.RunOptions{GeneratedAt: s.Manifest.CollectedAt})
	ir := 0
	for _, r := range withIncident.Results {
		if r.Incident {
			ir++
		}
	}
	if ir == 0 || len(without.NotRun) != ir {
		t.Fatalf("%d incident checks run with the incident, %d listed as not run without it", ir, len(without.NotRun))
	}
	for _, n := range without.NotRun {
		if n.Reason != checks.NotRunNoIncident || !strings.HasPrefix(n.ID, "IR-") {
			t.Errorf("not run: %+v", n)
		}
	}
	for _, dir := range []struct {
		name     string
		old, new *checks.Document
	}{{"incident then none", withIncident, without}, {"none then incident", without, withIncident}} {
		t.Run(dir.name, func(t *testing.T) {
			d, err := diff.Compare(diff.Input{Doc: dir.old, Snap: s}, diff.Input{Doc: dir.new, Snap: s})
			if err != nil {
				t.Fatal(err)
			}
			if d.Counts.Removed != 0 || d.Counts.Added != 0 {
				t.Errorf("added %d removed %d, want 0", d.Counts.Added, d.Counts.Removed)
			}
			notRun := 0
			for _, c := range d.Checks {
				if c.FromNotRun != "" || c.ToNotRun != "" {
					notRun++
					if c.Change != diff.Coverage {
						t.Errorf("%s: change %s", c.ID, c.Change)
					}
				}
			}
			if notRun != ir {
				t.Errorf("%d checks not run on one side, want %d", notRun, ir)
			}
		})
	}
}

// TestAffectedAddedAndRemoved: a change with objects on both sides shows
// them as "+ … ; - …" in the table and Markdown, with no stray "?" from a
// line break between them.
func TestAffectedAddedAndRemoved(t *testing.T) {
	d := &diff.Document{SchemaVersion: 1, Tenant: diff.Tenant{ID: "t", DisplayName: "Contoso"},
		Checks: []diff.CheckChange{{ID: "X-1", Title: "t", Change: diff.Changed, From: "fail", To: "fail",
			AffectedAdded: []string{"adele@contoso.com"}, AffectedRemoved: []string{"alex@contoso.com", "megan@contoso.com"}}}}
	for _, tc := range []struct {
		name  string
		write func(io.Writer, *diff.Document) error
		want  string
	}{
		{"table", diff.WriteTable, "+ adele@contoso.com; - alex@contoso.com, megan@contoso.com"},
		{"markdown", diff.WriteMarkdown, "+ adele@contoso.com; - alex@contoso.com, megan@contoso.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.write(&b, d); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if !strings.Contains(strings.Join(strings.Fields(out), " "), tc.want) {
				t.Errorf("no %q in:\n%s", tc.want, out)
			}
			if strings.Contains(out, "?") {
				t.Errorf("stray ? in:\n%s", out)
			}
		})
	}
}
