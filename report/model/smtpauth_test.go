package model

import (
	"strings"
	"testing"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// TestPlanRemediationSMTPAuthInUse: a mailbox the sign-in log shows still
// sending through SMTP AUTH keeps its override (EXO-PROTO-002 leaves it
// out and lists it as a manual step with the evidence), and the org-wide
// EXO-PROTO-001 block names it; an account that would be stopped by the
// org-wide change holds EXO-PROTO-001 back. The attacker's SMTP AUTH
// sign-ins and failed ones are no reason to keep anything.
func TestPlanRemediationSMTPAuthInUse(t *testing.T) {
	t.Parallel()
	const cas = `[
{"Identity":"scanner","ExternalDirectoryObjectId":"s1","PrimarySmtpAddress":"scanner@contoso.com","SmtpClientAuthenticationDisabled":false},
{"Identity":"bob","ExternalDirectoryObjectId":"b1","PrimarySmtpAddress":"bob@contoso.com","SmtpClientAuthenticationDisabled":false},
{"Identity":"printer","ExternalDirectoryObjectId":"p1","PrimarySmtpAddress":"printer@contoso.com","SmtpClientAuthenticationDisabled":null}]`
	signIn := func(upn, id, client, ip, at string, code int) string {
		return `{"id":"x","createdDateTime":"` + at + `","userId":"` + id + `","userPrincipalName":"` + upn + `","clientAppUsed":"` + client +
			`","ipAddress":"` + ip + `","status":{"errorCode":` + map[bool]string{true: "0", false: "50126"}[code == 0] + `}}`
	}
	scanner := []string{
		signIn("scanner@contoso.com", "s1", "Authenticated SMTP", "192.0.2.10", "2026-11-19T06:00:00Z", 0),
		signIn("scanner@contoso.com", "s1", "Authenticated SMTP", "192.0.2.10", "2026-11-20T06:00:00Z", 0),
	}
	bobAttacker := signIn("bob@contoso.com", "b1", "Authenticated SMTP", "203.0.113.45", "2026-11-21T06:00:00Z", 0)
	bobFailed := signIn("bob@contoso.com", "b1", "Authenticated SMTP", "192.0.2.10", "2026-11-21T06:00:00Z", 50126)
	printer := signIn("printer@contoso.com", "p1", "Authenticated SMTP", "192.0.2.11", "2026-11-18T06:00:00Z", 0)
	attackerSig := checks.Result{ID: checks.IDIRSig001, Status: checks.StatusFail, Incident: true, Affected: []checks.Affected{
		{Kind: "signIn", Attributed: true, SignIn: &checks.SignInEvidence{UPN: "bob@contoso.com", Client: "Authenticated SMTP", IP: "203.0.113.45", Succeeded: 1}}}}
	proto002 := checks.Result{ID: checks.IDEXOProto002, Status: checks.StatusFail, Affected: []checks.Affected{
		{Kind: "mailbox", ID: "s1", Name: "scanner"}, {Kind: "mailbox", ID: "b1", Name: "bob"}}}
	proto001 := checks.Result{ID: checks.IDEXOProto001, Status: checks.StatusFail}
	fixes := Fixes{checks.IDEXOProto001: {OnWarn: true}, checks.IDEXOProto002: {OnWarn: true, Targets: TargetsMailboxes}}

	for _, tc := range []struct {
		name     string
		signIns  []string // nil: the sign-in log was not collected
		targets  []string // EXO-PROTO-002's targets ("" when no block)
		held     []string
		keep     []string // EXO-PROTO-001's KeepSMTPAuth
		no001    bool     // EXO-PROTO-001 left to a person
		manual   []string // parts of the manual reasons, in order
		extraRes []checks.Result
	}{
		{name: "sign-ins not collected", targets: []string{"bob@contoso.com", "scanner@contoso.com"}},
		{name: "nobody uses SMTP AUTH", signIns: []string{}, targets: []string{"bob@contoso.com", "scanner@contoso.com"}},
		{name: "scanner in use", signIns: scanner, targets: []string{"bob@contoso.com"}, held: []string{"scanner@contoso.com"},
			keep: []string{"scanner@contoso.com"}, manual: []string{"scanner@contoso.com sent through SMTP AUTH 2 times, last 2026-11-20: move the device"}},
		{name: "attacker's and failed sign-ins do not count", signIns: append([]string{bobAttacker, bobFailed}, scanner...), extraRes: []checks.Result{attackerSig},
			targets: []string{"bob@contoso.com"}, held: []string{"scanner@contoso.com"}, keep: []string{"scanner@contoso.com"},
			manual: []string{"scanner@contoso.com sent through SMTP AUTH 2 times"}},
		{name: "an account without override would be stopped", signIns: []string{printer}, no001: true,
			targets: []string{"bob@contoso.com", "scanner@contoso.com"},
			manual:  []string{"would stop sending: printer@contoso.com sent through SMTP AUTH 1 time, last 2026-11-18"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string][]byte{snapshot.DSExoCASMailbox: []byte(cas)}
			if tc.signIns != nil {
				files[snapshot.DSSignIns] = []byte("[" + strings.Join(tc.signIns, ",") + "]")
			}
			snap := snapshot.FromFiles(snapshot.Manifest{SchemaVersion: 1}, files)
			doc := &checks.Document{Results: append([]checks.Result{proto001, proto002}, tc.extraRes...)}
			p := PlanRemediation(doc, snap, fixes)
			var b001, b002 *Block
			for i := range p.Blocks {
				switch p.Blocks[i].Result.ID {
				case checks.IDEXOProto001:
					b001 = &p.Blocks[i]
				case checks.IDEXOProto002:
					b002 = &p.Blocks[i]
				}
			}
			var got, held, keep []string
			if b002 != nil {
				for _, tg := range b002.Targets {
					got = append(got, tg.Identity)
				}
				for _, h := range b002.Held {
					held = append(held, h.Identity)
				}
			}
			if (b001 == nil) != tc.no001 {
				t.Fatalf("EXO-PROTO-001 block %v, want left to a person %v", b001 != nil, tc.no001)
			}
			if b001 != nil {
				for _, u := range b001.KeepSMTPAuth {
					keep = append(keep, u.Account)
				}
			}
			for _, c := range []struct {
				what      string
				got, want []string
			}{{"targets", got, tc.targets}, {"held", held, tc.held}, {"kept by EXO-PROTO-001", keep, tc.keep}} {
				if strings.Join(c.got, ",") != strings.Join(c.want, ",") {
					t.Errorf("%s %q, want %q", c.what, c.got, c.want)
				}
			}
			if len(p.Manual) != len(tc.manual) {
				t.Fatalf("manual %+v, want %d", p.Manual, len(tc.manual))
			}
			for i, m := range tc.manual {
				if !strings.Contains(p.Manual[i].Reason, m) {
					t.Errorf("manual %d: %q, want %q in it", i, p.Manual[i].Reason, m)
				}
			}
		})
	}
}

// TestHardeningNamesOnlyBlocksThatChange: a block that is only a commented
// template (ENTRA-APP-002) is not among the blocks the incident part says
// remediation.ps1 applies; it is listed apart, as a template to complete.
func TestHardeningNamesOnlyBlocksThatChange(t *testing.T) {
	t.Parallel()
	doc, snap := contoso(t)
	for _, tc := range []struct {
		name          string
		template      bool
		wantHardening bool
	}{{"template", true, false}, {"a block that changes something", false, true}} {
		fixes := testFixes()
		fixes[checks.IDEntraApp002] = Fix{OnWarn: true, Template: tc.template}
		rep, err := Build(doc, snap, Options{Fixes: fixes})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Remediation.Has(checks.IDEntraApp002) {
			t.Fatalf("%s: the sample's ENTRA-APP-002 has no block", tc.name)
		}
		in := func(list []checks.Result) bool {
			for _, r := range list {
				if r.ID == checks.IDEntraApp002 {
					return true
				}
			}
			return false
		}
		m := rep.Incident
		if in(m.Hardening) != tc.wantHardening || in(m.Templates) == tc.wantHardening {
			t.Errorf("%s: in Hardening %v, in Templates %v", tc.name, in(m.Hardening), in(m.Templates))
		}
		if len(m.Hardening)+len(m.Templates) != len(rep.Remediation.Blocks) {
			t.Errorf("%s: %d + %d listed, %d blocks", tc.name, len(m.Hardening), len(m.Templates), len(rep.Remediation.Blocks))
		}
	}
}
