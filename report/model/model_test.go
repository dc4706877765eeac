package model

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

var generated = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// contoso audits the embedded sample tenant with the incident from its
// manifest.
func contoso(t testing.TB) (*checks.Document, *snapshot.Snapshot) {
	t.Helper()
	fsys, err := m365audit.SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	snap, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inc := checks.IncidentFrom(snap.Manifest.CollectedAt, snap.Manifest.Incident)
	if inc == nil {
		t.Fatal("the sample has no incident in its manifest")
	}
	return checks.Run(snap, checks.RunOptions{GeneratedAt: generated, Incident: inc}), snap
}

// testFixes stands in for the script writer's registry.
func testFixes() Fixes {
	return Fixes{
		checks.IDEntraMFA001: {ConditionalAccess: true},
		checks.IDEntraCA001:  {ConditionalAccess: true},
		checks.IDEntraCA002:  {ConditionalAccess: true},
		checks.IDEntraExt001: {OnWarn: true},
		checks.IDEXOProto001: {OnWarn: true},
		checks.IDEXOProto003: {OnWarn: true, Targets: TargetsMailboxes},
		checks.IDEntraID001:  {OnWarn: true, Targets: TargetsObjects},
	}
}

func TestBuildContosoIncident(t *testing.T) {
	doc, snap := contoso(t)
	rep, err := Build(doc, snap, Options{Fixes: testFixes()})
	if err != nil {
		t.Fatal(err)
	}
	m := rep.Incident
	if m == nil {
		t.Fatal("no incident part")
	}
	if len(m.Users) != 1 || m.Users[0].Label != "Adele Vance <adele.vance@contoso.com>" || m.SingleUser() != m.Users[0].Label {
		t.Fatalf("users: %+v", m.Users)
	}
	happened := strings.Join(m.Happened, "\n")
	for _, want := range []string{
		"Successful sign-ins with a password alone over",
		"203.0.113.45",
		"(IR-SIG-001)",
		"With the account, the attacker registered 2 authentication methods",
	} {
		if !strings.Contains(happened, want) {
			t.Errorf("narrative lacks %q:\n%s", want, happened)
		}
	}
	if m.Status.State != StateNotContained || len(m.Status.Accounts) == 0 {
		t.Errorf("containment status: %+v", m.Status)
	}
	if len(m.Posture) == 0 {
		t.Error("no posture gap explains why MFA did not stop the attack")
	}
	if len(m.Plans) != 1 || m.Plans[0].Containment == nil {
		t.Fatalf("plans: %+v", m.Plans)
	}
	p := m.Plans[0]
	if p.Script != "incident-adele.vance_contoso.com.ps1" {
		t.Errorf("script name %q", p.Script)
	}
	acts := p.Containment.Actions()
	if len(acts) < 2 || acts[0].What != WhatBlock || acts[1].What != WhatRevoke {
		t.Fatalf("the plan must stop the attacker first: %+v", acts)
	}
	kinds := map[string]int{}
	for _, a := range acts {
		kinds[a.Kind]++
	}
	if kinds["authMethod"] != 2 || kinds["inboxRule"] != 3 || kinds["grant"] != 1 || kinds["guest"] != 10 || kinds["restrictedSender"] != 1 {
		t.Errorf("actions by kind: %v", kinds)
	}
	if len(p.Steps) == 0 || p.Steps[0].Text != WhatBlock+"." {
		t.Errorf("plan steps: %+v", p.Steps)
	}
	for _, it := range p.Review {
		if it.Kind == "signIn" {
			t.Errorf("a sign-in is listed for review: %+v", it)
		}
	}
	marked := 0
	for _, e := range m.Timeline {
		if e.SignIn != nil && e.Attributed {
			marked++
			if !e.SignIn.Succeeded {
				t.Errorf("failed sign-in marked as the attacker's: %+v", e)
			}
		}
	}
	if marked < 6 {
		t.Errorf("%d attacker sign-ins marked in the timeline, want at least 6", marked)
	}
	if len(m.Hardening) == 0 || len(m.Hardening) != len(rep.Remediation.Blocks) {
		t.Errorf("hardening %d, remediation blocks %d", len(m.Hardening), len(rep.Remediation.Blocks))
	}
}

func TestBuildWithoutIncidentOrSnapshot(t *testing.T) {
	if _, err := Build(nil, nil, Options{}); !errors.Is(err, ErrNoDocument) {
		t.Errorf("nil document: %v", err)
	}
	doc := &checks.Document{Results: []checks.Result{{ID: checks.IDEXOProto001, Status: checks.StatusFail}}}
	rep, err := Build(doc, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Incident != nil {
		t.Error("incident part without an incident")
	}
	if len(rep.Remediation.Blocks) != 0 || len(rep.Remediation.Manual) != 1 {
		t.Errorf("without fixes every failing check is manual: %+v", rep.Remediation)
	}
	if _, err := rep.ContainmentPlan("x@y"); err == nil {
		t.Error("a containment plan without an incident")
	}
}

func TestPlanRemediation(t *testing.T) {
	res := func(id string, st checks.Status, aff ...checks.Affected) checks.Result {
		return checks.Result{ID: id, Status: st, Affected: aff}
	}
	mbx := checks.Affected{Kind: "mailbox", ID: "u1", Name: "Adele", Exchange: &checks.ExchangeObject{Identity: "adele@contoso.com"}}
	p1 := checks.Licences{Known: true, P1: true}
	free := checks.Licences{Known: true}
	tests := []struct {
		name     string
		lic      checks.Licences
		r        checks.Result
		block    bool
		variant  Variant
		manual   string // part of the reason
		category string // "unknown", "incident", "accepted", ""
	}{
		{name: "fail with fix", lic: p1, r: res(checks.IDEXOProto001, checks.StatusFail), block: true},
		{name: "warn with onWarn", lic: p1, r: res(checks.IDEXOProto001, checks.StatusWarn), block: true},
		{name: "warn without onWarn", lic: p1, r: res(checks.IDEntraCA001, checks.StatusWarn), manual: "partly configured"},
		{name: "no fix", lic: p1, r: res(checks.IDEntraMFA003, checks.StatusFail), manual: "not scriptable"},
		{name: "manual status", lic: p1, r: res(checks.IDEXOProto001, checks.StatusManual), manual: "not scriptable"},
		{name: "pass", lic: p1, r: res(checks.IDEXOProto001, checks.StatusPass)},
		{name: "unknown", lic: p1, r: res(checks.IDEXOProto001, checks.StatusUnknown), category: "unknown"},
		{name: "error", lic: p1, r: res(checks.IDEXOProto001, checks.StatusError), category: "unknown"},
		{name: "incident", lic: p1, r: checks.Result{ID: checks.IDIRUsr002, Status: checks.StatusFail, Incident: true}, category: "incident"},
		{name: "accepted", lic: p1, r: checks.Result{ID: checks.IDEXOProto001, Status: checks.StatusFail, Accepted: &checks.Acceptance{Reason: "x"}}, category: "accepted"},
		{name: "MFA-001 with P1", lic: p1, r: res(checks.IDEntraMFA001, checks.StatusFail), block: true},
		{name: "MFA-001 without P1", lic: free, r: res(checks.IDEntraMFA001, checks.StatusFail), block: true, variant: VariantSecurityDefaults},
		{name: "MFA-001 licences unknown", r: res(checks.IDEntraMFA001, checks.StatusFail), manual: "licences were not collected"},
		{name: "CA without P1", lic: free, r: res(checks.IDEntraCA001, checks.StatusFail), manual: "needs Entra ID P1"},
		{name: "objects fix without objects", lic: p1, r: res(checks.IDEXOProto003, checks.StatusFail), manual: "no objects"},
		{name: "objects fix with objects", lic: p1, r: res(checks.IDEXOProto003, checks.StatusFail, mbx), block: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := &checks.Document{Licences: tc.lic, Results: []checks.Result{tc.r}}
			p := PlanRemediation(doc, nil, testFixes())
			if got := p.Has(tc.r.ID); got != tc.block {
				t.Fatalf("block %v, want %v (%+v)", got, tc.block, p)
			}
			if tc.block && p.Blocks[0].Variant != tc.variant {
				t.Errorf("variant %v, want %v", p.Blocks[0].Variant, tc.variant)
			}
			switch {
			case tc.manual != "":
				if len(p.Manual) != 1 || !strings.Contains(p.Manual[0].Reason, tc.manual) {
					t.Errorf("manual %+v, want reason with %q", p.Manual, tc.manual)
				}
			case len(p.Manual) != 0:
				t.Errorf("unexpected manual step %+v", p.Manual)
			}
			cat := map[string][]string{"unknown": p.Unknown, "incident": p.Incident, "accepted": p.Accepted}
			for k, v := range cat {
				if (k == tc.category) != (len(v) == 1) {
					t.Errorf("%s = %v", k, v)
				}
			}
		})
	}
}

func TestPlanRemediationTargets(t *testing.T) {
	snap := snapshot.FromFiles(snapshot.Manifest{SchemaVersion: 1}, map[string][]byte{
		snapshot.DSExoCASMailbox: []byte(`[{"Identity":"Adele Vance","ExternalDirectoryObjectId":"u1","PrimarySmtpAddress":"adele@contoso.com","Name":"adele"}]`),
	})
	doc := &checks.Document{Licences: checks.Licences{Known: true, P1: true}, Results: []checks.Result{
		{ID: checks.IDEXOProto003, Status: checks.StatusFail, Affected: []checks.Affected{
			{Kind: "mailbox", ID: "u1", Name: "Adele"},
			{Kind: "mailbox", ID: "U1", Name: "Adele again"},
			{Kind: "mailbox", ID: "u2", Name: "Bob", Accepted: true},
		}},
		{ID: checks.IDEntraID001, Status: checks.StatusFail, Affected: []checks.Affected{{Kind: "domain", ID: "contoso.com"}}},
	}}
	p := PlanRemediation(doc, snap, testFixes())
	if len(p.Blocks) != 2 {
		t.Fatalf("blocks: %+v", p.Blocks)
	}
	id001, proto := p.Blocks[0], p.Blocks[1]
	if len(id001.Targets) != 1 || id001.Targets[0].Identity != "contoso.com" {
		t.Errorf("ID-001 targets %+v", id001.Targets)
	}
	want := []Target{{Identity: "adele@contoso.com"}, {Identity: "u2", Accepted: true}}
	if len(proto.Targets) != len(want) || proto.Targets[0] != want[0] || proto.Targets[1] != want[1] {
		t.Errorf("PROTO-003 targets %+v, want %+v", proto.Targets, want)
	}
}

func TestScriptPolicyAndEvidence(t *testing.T) {
	tests := []struct {
		name      string
		ev        checks.Evidence
		allow     bool
		refused   bool
		unsafe    bool
		signature string
	}{
		{name: "trusted", ev: checks.Evidence{Digest: "ab"}, signature: "not signed"},
		{name: "trusted, allowed anyway", ev: checks.Evidence{}, allow: true, signature: "not signed"},
		{name: "verified", ev: checks.Evidence{Signed: true, Verified: true, KeyFingerprint: "SHA256:xyz"}, signature: "signed, verified with key SHA256:xyz"},
		{name: "signed only", ev: checks.Evidence{Signed: true}, signature: "signed, signature not verified (no key given to the audit)"},
		{name: "tampered", ev: checks.Evidence{Tampered: true}, refused: true, signature: "not signed"},
		{name: "incomplete", ev: checks.Evidence{Incomplete: true}, refused: true, signature: "not signed"},
		{name: "tampered, allowed", ev: checks.Evidence{Tampered: true}, allow: true, unsafe: true, signature: "not signed"},
		{name: "incomplete, allowed", ev: checks.Evidence{Incomplete: true}, allow: true, unsafe: true, signature: "not signed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Build(&checks.Document{Evidence: tc.ev}, nil, Options{AllowUnsafeScripts: tc.allow})
			if err != nil {
				t.Fatal(err)
			}
			sp := rep.Scripts
			if (sp.Refused != nil) != tc.refused || sp.Unsafe != tc.unsafe || (len(sp.Banner) > 0) != tc.unsafe {
				t.Errorf("policy %+v", sp)
			}
			if tc.refused && (!errors.Is(sp.Refused, ErrUntrustedScripts) || !strings.Contains(sp.Refused.Error(), "--allow-unsafe-scripts")) {
				t.Errorf("refusal does not name the override: %v", sp.Refused)
			}
			if rep.Evidence.Signature != tc.signature || rep.Evidence.Trusted != tc.ev.Trusted() || rep.Evidence.Digest != tc.ev.Digest {
				t.Errorf("evidence %+v", rep.Evidence)
			}
			if (len(rep.Evidence.Warnings) > 0) == tc.ev.Trusted() {
				t.Errorf("warnings %v for trusted=%v", rep.Evidence.Warnings, tc.ev.Trusted())
			}
		})
	}
}

func TestMarkAttackerSignIns(t *testing.T) {
	ev := func(client, ip string, ok, single bool) TimelineEvent {
		return TimelineEvent{SignIn: &TimelineSignIn{Client: client, IP: ip, Succeeded: ok, SingleFactor: single}}
	}
	sig := func(id, client, ip string, mfa bool) checks.Result {
		return checks.Result{ID: id, Incident: true, Affected: []checks.Affected{{Kind: "signIn", Attributed: true,
			SignIn: &checks.SignInEvidence{UserID: "u", Client: client, IP: ip, MFA: mfa}}}}
	}
	tests := []struct {
		name string
		r    checks.Result
		e    TimelineEvent
		want bool
	}{
		{"legacy group marks every success", sig(checks.IDIRSig001, "IMAP4", "1.1.1.1", false), ev("imap4", "1.1.1.1", true, false), true},
		{"failed attempt stays unmarked", sig(checks.IDIRSig001, "IMAP4", "1.1.1.1", false), ev("IMAP4", "1.1.1.1", false, true), false},
		{"other address", sig(checks.IDIRSig001, "IMAP4", "1.1.1.1", false), ev("IMAP4", "2.2.2.2", true, true), false},
		{"password-only group marks password-only", sig(checks.IDIRSig002, "Browser", "1.1.1.1", false), ev("Browser", "1.1.1.1", true, true), true},
		{"password-only group leaves MFA sign-ins", sig(checks.IDIRSig002, "Browser", "1.1.1.1", false), ev("Browser", "1.1.1.1", true, false), false},
		{"MFA group marks nothing here", sig(checks.IDIRSig002, "Browser", "1.1.1.1", true), ev("Browser", "1.1.1.1", true, true), false},
		{"audit event", sig(checks.IDIRSig001, "IMAP4", "1.1.1.1", false), TimelineEvent{Event: "Sign-in via IMAP4 succeeded"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			evs := []TimelineEvent{tc.e}
			markAttackerSignIns(evs, &checks.Document{Results: []checks.Result{tc.r}})
			if evs[0].Attributed != tc.want {
				t.Errorf("attributed %v, want %v", evs[0].Attributed, tc.want)
			}
		})
	}
}

func TestContainmentPlanErrors(t *testing.T) {
	doc, snap := contoso(t)
	rep, err := Build(doc, snap, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rep.ContainmentPlan("ADELE.VANCE@contoso.com"); err != nil {
		t.Errorf("the incident user, case aside: %v", err)
	}
	if _, err := rep.ContainmentPlan("megan.bowen@contoso.com"); err == nil || !strings.Contains(err.Error(), "not an incident user") {
		t.Errorf("not an incident user: %v", err)
	}
	doc.Incident.Users = append(doc.Incident.Users, "ghost@contoso.com")
	rep, err = Build(doc, snap, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rep.ContainmentPlan("ghost@contoso.com"); err == nil || !strings.Contains(err.Error(), "not in the snapshot's directory") {
		t.Errorf("unknown user: %v", err)
	}
	for _, p := range rep.Incident.Plans {
		if p.User.Given == "ghost@contoso.com" && (p.Containment != nil || p.PlanError == "") {
			t.Errorf("ghost plan %+v", p)
		}
	}
}
