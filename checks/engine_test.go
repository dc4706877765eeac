package checks

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

var testGenerated = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func fakeCheck(id string, sev Severity, st Status, aff ...Affected) Check {
	return Check{Meta: Meta{ID: id, Title: id, Severity: sev},
		Eval: func(*Context) Outcome { return Outcome{Status: st, Summary: string(st), Affected: aff} }}
}

func TestRunSortsAndIsolatesPanics(t *testing.T) {
	s := testSnap(t, map[string]string{snapshot.DSUsers: "[]"}, map[string]snapshot.Status{snapshot.DSConditionalAccessPolicies: snapshot.StatusForbidden})
	boom := Check{Meta: Meta{ID: "X-PANIC", Severity: SeverityHigh}, Eval: func(*Context) Outcome { panic("nil map") }}
	needsCA := Check{Meta: Meta{ID: "X-CA", Severity: SeverityLow, Datasets: []string{snapshot.DSConditionalAccessPolicies}},
		Eval: func(*Context) Outcome { return Outcome{Status: StatusPass} }}
	inc := Check{Meta: Meta{ID: "IR-X", Severity: SeverityCritical, Incident: true}, Eval: func(*Context) Outcome { return Outcome{Status: StatusFail} }}
	checks := []Check{fakeCheck("B-2", SeverityLow, StatusPass), boom, fakeCheck("A-1", SeverityCritical, StatusFail,
		Affected{ID: "2", Name: "zed"}, Affected{ID: "1", Name: "amy"}), needsCA, inc}
	doc := Run(s, RunOptions{Checks: checks, GeneratedAt: testGenerated, ToolVersion: "test"})
	var ids []string
	for _, r := range doc.Results {
		ids = append(ids, r.ID)
	}
	if want := []string{"A-1", "X-PANIC", "B-2", "X-CA"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("order %v, want %v (incident check must be skipped without an incident)", ids, want)
	}
	if doc.Results[1].Status != StatusError || !strings.Contains(doc.Results[1].Summary, "nil map") {
		t.Errorf("panic: %+v", doc.Results[1])
	}
	if doc.Results[0].Affected[0].Name != "amy" {
		t.Errorf("affected not sorted: %+v", doc.Results[0].Affected)
	}
	if doc.Results[3].Status != StatusUnknown || !strings.Contains(doc.Results[3].Summary, "conditionalAccessPolicies") {
		t.Errorf("missing dataset: %+v", doc.Results[3])
	}
	if doc.Coverage.NotEvaluable != 1 || doc.Coverage.Evaluated != 2 {
		t.Errorf("coverage %+v", doc.Coverage)
	}
	var caCov *DatasetCoverage
	for i := range doc.Coverage.Datasets {
		if doc.Coverage.Datasets[i].ID == snapshot.DSConditionalAccessPolicies {
			caCov = &doc.Coverage.Datasets[i]
		}
	}
	if caCov == nil || caCov.Status != snapshot.StatusForbidden || !reflect.DeepEqual(caCov.Checks, []string{"X-CA"}) {
		t.Errorf("dataset coverage %+v", caCov)
	}
	if !doc.GeneratedAt.Equal(testGenerated) || !doc.CollectedAt.Equal(testNow) || doc.Tool.Version != "test" {
		t.Errorf("header %+v", doc)
	}
	withInc := Run(s, RunOptions{Checks: checks, Incident: &IncidentInfo{Users: []string{"a@contoso.com"}, Start: testNow.Add(-time.Hour), End: testNow}})
	if len(withInc.Results) != 5 || withInc.Results[1].ID != "IR-X" {
		t.Errorf("incident check not run with incident: %+v", withInc.Results)
	}
	// The document says which checks it did not run and why, so a
	// comparison can tell them from checks another version does not have.
	if want := []NotRun{{ID: "IR-X", Reason: NotRunNoIncident}}; !reflect.DeepEqual(doc.NotRun, want) {
		t.Errorf("not run without incident: %+v, want %+v", doc.NotRun, want)
	}
	if len(withInc.NotRun) != 0 {
		t.Errorf("not run with incident: %+v", withInc.NotRun)
	}
}

func TestRunDeterministicAllChecks(t *testing.T) {
	s := testSnap(t, map[string]string{snapshot.DSSubscribedSkus: skusP1, snapshot.DSConditionalAccessPolicies: "[]",
		snapshot.DSSecurityDefaults: `{"isEnabled":true}`, snapshot.DSUsers: users}, nil)
	a, _ := json.Marshal(Run(s, RunOptions{GeneratedAt: testGenerated}))
	b, _ := json.Marshal(Run(s, RunOptions{GeneratedAt: testGenerated}))
	if string(a) != string(b) {
		t.Fatal("two runs differ")
	}
}

func TestAcceptance(t *testing.T) {
	exp := func(d string) time.Time { t, _ := time.Parse("2006-01-02", d); return t }
	aff := []Affected{{ID: "m1", Name: "scanner@contoso.com"}, {ID: "m2", Name: "printer@contoso.com"}}
	tests := []struct {
		name         string
		entries      []AcceptEntry
		status       Status
		wantAccepted bool
		wantExpired  bool
		wantObjects  []bool
		summary      string
	}{
		{name: "whole result", status: StatusFail, entries: []AcceptEntry{{Check: "C-1", Reason: "r", Owner: "o", Expires: exp("2027-01-31")}},
			wantAccepted: true, wantObjects: []bool{true, true}},
		{name: "all objects covered", status: StatusFail, entries: []AcceptEntry{
			{Check: "C-1", Objects: []string{"SCANNER@contoso.com"}, Reason: "r", Owner: "o", Expires: exp("2027-01-31")},
			{Check: "C-1", Objects: []string{"m2"}, Reason: "r2", Owner: "o", Expires: exp("2027-01-31")}},
			wantAccepted: true, wantObjects: []bool{true, true}},
		{name: "partial objects", status: StatusFail, entries: []AcceptEntry{{Check: "C-1", Objects: []string{"scanner@contoso.com"}, Reason: "scanner", Owner: "o", Expires: exp("2027-01-31")}},
			wantObjects: []bool{false, true}, summary: "covers 1 of 2 objects"},
		{name: "expired", status: StatusFail, entries: []AcceptEntry{{Check: "C-1", Reason: "r", Owner: "o", Expires: exp("2026-11-01")}},
			wantAccepted: false, wantExpired: true, wantObjects: []bool{false, false}, summary: "expired on 2026-11-01"},
		{name: "other check", status: StatusFail, entries: []AcceptEntry{{Check: "C-2", Reason: "r", Owner: "o", Expires: exp("2027-01-31")}},
			wantObjects: []bool{false, false}},
		{name: "pass is not marked", status: StatusPass, entries: []AcceptEntry{{Check: "C-1", Reason: "r", Owner: "o", Expires: exp("2027-01-31")}},
			wantObjects: []bool{false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSnap(t, nil, nil)
			a := append([]Affected(nil), aff...)
			// C-1 is not a catalogue check: its acceptances are not
			// resolved against the snapshot, only applied.
			res, err := ResolveConfig(&Config{Accept: tt.entries}, s, nil)
			if err != nil {
				t.Fatal(err)
			}
			doc := Run(s, RunOptions{Config: res, Checks: []Check{fakeCheck("C-1", SeverityHigh, tt.status, a...)}})
			r := doc.Results[0]
			if r.IsAccepted() != tt.wantAccepted {
				t.Errorf("accepted = %v (%+v)", r.IsAccepted(), r.Accepted)
			}
			if tt.wantExpired != (r.Accepted != nil && r.Accepted.Expired) {
				t.Errorf("expired: %+v", r.Accepted)
			}
			for i, w := range tt.wantObjects {
				if r.Affected[i].Accepted != w {
					t.Errorf("object %s accepted = %v, want %v", r.Affected[i].Name, r.Affected[i].Accepted, w)
				}
			}
			if tt.summary != "" && !strings.Contains(r.Summary, tt.summary) {
				t.Errorf("summary %q lacks %q", r.Summary, tt.summary)
			}
			if tt.wantAccepted && (doc.Score.Accepted != 1 || doc.Score.FailBySeverity[SeverityHigh] != 0) {
				t.Errorf("score %+v", doc.Score)
			}
		})
	}
}

func TestScore(t *testing.T) {
	res := []Result{
		{Severity: SeverityCritical, Status: StatusPass},
		{Severity: SeverityHigh, Status: StatusWarn},
		{Severity: SeverityMedium, Status: StatusFail},
		{Severity: SeverityLow, Status: StatusFail, Accepted: &Acceptance{Reason: "r"}},
		{Severity: SeverityHigh, Status: StatusUnknown},
		{Severity: SeverityHigh, Status: StatusNotApplicable},
		{Severity: SeverityHigh, Status: StatusManual},
		{Severity: SeverityHigh, Status: StatusError},
		{Severity: SeverityInfo, Status: StatusFail},
	}
	s := ComputeScore(res)
	// possible 10+5+3+1+0 = 19; earned 10 + 2.5 = 12.5 -> 65.8
	if s.Possible != 19 || s.Earned != 12.5 || s.Percent != 65.8 {
		t.Errorf("score %+v", s)
	}
	if s.Accepted != 1 || s.Evaluated != 5 || s.Total != 9 || s.FailBySeverity[SeverityMedium] != 1 || s.FailBySeverity[SeverityLow] != 0 {
		t.Errorf("counts %+v", s)
	}
	if z := ComputeScore(nil); z.Percent != 0 || z.Formula == "" {
		t.Errorf("empty %+v", z)
	}
}

func TestIncidentFromPrecedence(t *testing.T) {
	flag := &snapshot.Incident{Users: []string{"b@x", "a@x", "A@x"}, Start: testNow.Add(-48 * time.Hour)}
	cfg := &snapshot.Incident{Users: []string{"c@x"}, Start: testNow.Add(-24 * time.Hour)}
	if got := IncidentFrom(testNow, nil, flag, cfg); !reflect.DeepEqual(got.Users, []string{"a@x", "b@x"}) || !got.End.Equal(testNow) {
		t.Errorf("%+v", got)
	}
	if got := IncidentFrom(testNow, &snapshot.Incident{}, cfg); got.Users[0] != "c@x" {
		t.Errorf("%+v", got)
	}
	if IncidentFrom(testNow, nil) != nil {
		t.Error("no source should give nil")
	}
}

func TestRunCheckUnlicensedIsNotApplicable(t *testing.T) {
	c := Check{Meta: Meta{ID: "X", Datasets: []string{snapshot.DSRiskyUsers}}, Eval: func(*Context) Outcome { return Outcome{Status: StatusPass} }}
	s := testSnap(t, nil, map[string]snapshot.Status{snapshot.DSRiskyUsers: snapshot.StatusUnlicensed})
	if r := RunCheck(c, testCtx(t, s, nil)); r.Status != StatusNotApplicable || !strings.Contains(r.Summary, "riskyUsers") {
		t.Errorf("%s: %s", r.Status, r.Summary)
	}
	c.Datasets = []string{snapshot.DSRiskyUsers, snapshot.DSSignIns}
	s = testSnap(t, nil, map[string]snapshot.Status{snapshot.DSRiskyUsers: snapshot.StatusUnlicensed, snapshot.DSSignIns: snapshot.StatusForbidden})
	if r := RunCheck(c, testCtx(t, s, nil)); r.Status != StatusUnknown {
		t.Errorf("forbidden beside unlicensed: %s", r.Status)
	}
}

func TestParseConfig(t *testing.T) {
	good := `breakGlass:
  users: ["bg1@contoso.com", "11111111-0000-0000-0000-00000000b001"]
  groups: ["g-1"]
exclusions:
  ENTRA-MFA-001: {users: [], groups: ["g-2"]}
accept:
  - {check: ENTRA-CA-001, objects: ["scanner@contoso.com"], reason: "scanner", owner: "it@contoso.com", expires: 2027-01-31}
incident: {users: ["adele@contoso.com"], start: 2026-11-10T00:00:00Z}
`
	cfg, err := ParseConfig([]byte(good), "good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.BreakGlass.Users) != 2 || cfg.Exclusions["ENTRA-MFA-001"].Groups[0] != "g-2" || cfg.Accept[0].Expires.Format("2006-01-02") != "2027-01-31" ||
		cfg.Incident == nil || cfg.Incident.Start.Day() != 10 {
		t.Errorf("decoded %+v", cfg)
	}
	for _, empty := range []string{"", "  \n", "# only a comment\n", "---\n"} {
		if _, err := ParseConfig([]byte(empty), "empty.yaml"); err == nil || !strings.Contains(err.Error(), "empty.yaml:1: the file is empty") {
			t.Errorf("empty %q: %v", empty, err)
		}
	}
	bad := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown top key", "breakglass:\n  users: [a]\n", []string{"bad.yaml:1: unknown key \"breakglass\"; allowed here: breakGlass, exclusions, accept, incident"}},
		{"unknown nested key", "breakGlass:\n  users: [a]\n  admins: [b]\n", []string{"bad.yaml:3: unknown key \"admins\"; allowed here: users, groups"}},
		{"scalar for a list", "breakGlass:\n  users: admin@contoso.com\n", []string{"bad.yaml:2: a single value (\"admin@c", "where a list, e.g. [a, b] is expected"}},
		{"syntax", "breakGlass:\n  users: [a\n", []string{"bad.yaml:"}},
		{"bad date", "accept:\n  - {check: ENTRA-CA-001, reason: r, owner: o, expires: 2027-13-45}\n", []string{"bad.yaml:2:", "2027-13-45"}},
		{"bad start", "incident:\n  users: [a]\n  start: yesterday\n", []string{"bad.yaml:3:", "incident.start"}},
		{"unknown check in exclusions", "exclusions:\n  ENTRA-NOPE-001: {users: [a]}\n", []string{"bad.yaml:2:", "unknown check ID \"ENTRA-NOPE-001\""}},
		{"unknown check in accept", "accept:\n  - check: ENTRA-NOPE-002\n    reason: r\n    owner: o\n    expires: 2027-01-01\n", []string{"bad.yaml:2:", "ENTRA-NOPE-002"}},
		{"missing reason owner expires", "\naccept:\n  - check: ENTRA-CA-001\n", []string{"bad.yaml:3: accept[0]: reason is required", "owner is required", "expires is required"}},
		{"incident without start", "incident:\n  users: [a@contoso.com]\n", []string{"bad.yaml:2:", "start is required"}},
		{"not a mapping", "- a\n- b\n", []string{"bad.yaml:1: a list where a mapping with breakGlass, exclusions, accept, incident is expected"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.yaml), "bad.yaml")
			if err == nil {
				t.Fatal("no error")
			}
			for _, internal := range []string{"checks.", "!!", "[]string", "not found in type"} {
				if strings.Contains(err.Error(), internal) {
					t.Errorf("error %q exposes %q", err, internal)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestAcceptCoversTypedEvidence: an acceptance names an object by id, name,
// or the UPN or mail address of the user its typed evidence records.
func TestAcceptCoversTypedEvidence(t *testing.T) {
	guest := Affected{Kind: "guest", ID: "g1", Name: "Partner", User: &UserRef{ID: "g1", UPN: "p_partner.com#EXT#@contoso.onmicrosoft.com", Mail: "p@partner.com"}}
	signIn := Affected{Kind: "signIn", ID: "k", Name: "Sign-ins", SignIn: &SignInEvidence{UPN: "adele@contoso.com"}}
	for _, tt := range []struct {
		obj  string
		a    Affected
		want bool
	}{
		{"G1", guest, true},
		{"partner", guest, true},
		{"P@PARTNER.COM", guest, true},
		{"p_partner.com#ext#@contoso.onmicrosoft.com", guest, true},
		{"other@partner.com", guest, false},
		{"adele@contoso.com", signIn, true},
		{"", Affected{ID: "x", Name: "y", User: &UserRef{}}, false},
	} {
		if got := acceptCovers([]string{tt.obj}, tt.a); got != tt.want {
			t.Errorf("acceptCovers(%q, %s) = %v, want %v", tt.obj, tt.a.ID, got, tt.want)
		}
	}
}

// TestCoverageOmitted: the coverage of a dataset carries what the collector
// left out of it, and nothing for a dataset collected in full.
func TestCoverageOmitted(t *testing.T) {
	m := snapshot.Manifest{SchemaVersion: snapshot.SchemaVersion, CollectedAt: testNow, Datasets: map[string]snapshot.DatasetInfo{
		snapshot.DSUsers:        {Status: snapshot.StatusOK, File: "users.json", Count: 0, Omitted: []string{snapshot.PropSignInActivity}},
		snapshot.DSOrganization: {Status: snapshot.StatusOK, File: "organization.json", Count: 0},
	}}
	s := snapshot.FromFiles(m, map[string][]byte{snapshot.DSUsers: []byte("[]"), snapshot.DSOrganization: []byte("[]")})
	doc := Run(s, RunOptions{Checks: []Check{fakeCheck("A-1", SeverityLow, StatusPass)}, GeneratedAt: testGenerated, ToolVersion: "test"})
	got := map[string][]string{}
	for _, d := range doc.Coverage.Datasets {
		got[d.ID] = d.Omitted
	}
	if !reflect.DeepEqual(got[snapshot.DSUsers], []string{snapshot.PropSignInActivity}) || got[snapshot.DSOrganization] != nil {
		t.Errorf("coverage omitted: %v", got)
	}
}
