package pwsh

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/pscheck"
	"github.com/m365audit/m365audit/report/model"
)

const adeleUPN = "adele.vance@contoso.com"

// contosoIncident runs the real engine on the embedded Contoso sample with
// the manifest's incident (Adele Vance from 2026-11-16).
func contosoIncident(t testing.TB) (*checks.Document, *snapshot.Snapshot) {
	t.Helper()
	fsys, err := m365audit.SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	snap, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
	if err != nil {
		t.Fatalf("load sample: %v", err)
	}
	inc := checks.IncidentFrom(snap.Manifest.CollectedAt, snap.Manifest.Incident)
	if inc == nil {
		t.Fatal("the sample has no incident in its manifest")
	}
	doc := checks.Run(snap, checks.RunOptions{ToolVersion: "test", GeneratedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), Incident: inc})
	return doc, snap
}

func genContainment(t testing.TB, doc *checks.Document, snap *snapshot.Snapshot, upn string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := writeContainmentDoc(context.Background(), &buf, doc, snap, upn, Options{ToolVersion: "test"}); err != nil {
		t.Fatalf("WriteContainment: %v", err)
	}
	return buf.String()
}

func TestContainmentGoldenAdele(t *testing.T) {
	doc, snap := contosoIncident(t)
	got := genContainment(t, doc, snap, adeleUPN)
	path := filepath.Join("testdata", "incident-adele.golden.ps1")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if got != string(want) {
		t.Fatalf("incident script differs from %s; run go test ./report/pwsh -run Containment -update and review the diff", path)
	}
	if again := genContainment(t, doc, snap, adeleUPN); again != got {
		t.Fatal("two runs gave different scripts")
	}
	if !strings.HasPrefix(got, utf8BOM+"#Requires -Version 5.1\n") {
		t.Fatal("script must start with a UTF-8 BOM and #Requires -Version")
	}
	for i, r := range got {
		if r < 0x20 && r != '\n' {
			t.Fatalf("control character %U at byte %d", r, i)
		}
	}
	checkInertNames(t, got)
}

// checkInertNames: the sample's hostile guest names (a quote injection and a
// spreadsheet formula) appear only inside single-quoted literals.
func checkInertNames(t *testing.T, script string) {
	t.Helper()
	toks, err := psLex(script)
	if err != nil {
		t.Fatalf("lex: %v", err)
	}
	n := 0
	for _, tk := range toks {
		if strings.Contains(tk.Value, "Remove-MgUser -UserId 'x'") || strings.Contains(tk.Value, "=HYPERLINK(") {
			if tk.Kind != tokSingle {
				t.Errorf("line %d: hostile name outside a literal (%v): %q", tk.Line, tk.Kind, tk.Value)
			}
			n++
		}
	}
	if n == 0 {
		t.Error("the sample's hostile names are not in the script: the check proves nothing")
	}
}

// changeLiterals returns, for a script, the single-quoted literal values on
// every change statement: each line holding a tenant-changing command and
// each if ($PSCmdlet.ShouldProcess(...)) line. It also returns all code
// lines.
func changeLiterals(t *testing.T, script string) (map[int][]string, []string) {
	t.Helper()
	toks, err := psLex(script)
	if err != nil {
		t.Fatalf("lex: %v", err)
	}
	muts, lines := mutations(t, script)
	change := map[int]bool{}
	for _, m := range muts {
		change[m.line] = true
	}
	for i, l := range lines {
		if strings.Contains(l, "$PSCmdlet.ShouldProcess(") {
			change[i+1] = true
		}
	}
	out := map[int][]string{}
	for _, tk := range toks {
		if tk.Kind == tokSingle && change[tk.Line] {
			out[tk.Line] = append(out[tk.Line], tk.Value)
		}
	}
	for l := range change {
		if _, ok := out[l]; !ok {
			out[l] = nil
		}
	}
	return out, lines
}

// attributedIDs are the object ids the checks attributed to the attacker
// for userID, per object kind, from the results document.
func attributedIDs(doc *checks.Document, userID string) map[string]string {
	out := map[string]string{}
	for _, r := range doc.Results {
		if !r.Incident || !model.SupportsContainment(r.ID) {
			continue
		}
		for _, a := range r.Affected {
			if !a.Attributed {
				continue
			}
			switch {
			case a.Method != nil:
				if strings.EqualFold(a.Method.UserID, userID) {
					out[a.Method.ID] = a.Kind
				}
			case a.RuleHistory != nil && !a.RuleHistory.Exists:
				// deleted already: evidence, nothing to act on
			case a.InboxRule != nil:
				if strings.EqualFold(a.InboxRule.UserID, userID) {
					out[a.InboxRule.ID] = a.Kind
				}
			case a.Grant != nil:
				if strings.EqualFold(a.Grant.PrincipalID, userID) {
					out[a.Grant.ID] = a.Kind
				}
			case a.Kind == "guest", a.Kind == "user":
				out[a.User.ID] = a.Kind
			}
		}
	}
	return out
}

// snapshotIDs are the ids of every object the containment script could
// touch, from the snapshot itself (not from the checks).
func snapshotIDs(t *testing.T, snap *snapshot.Snapshot) map[string]string {
	t.Helper()
	out := map[string]string{}
	users, err := snap.Users()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		out[u.ID] = "user " + u.UserPrincipalName
	}
	methods, err := snap.IncidentAuthMethods()
	if err != nil {
		t.Fatal(err)
	}
	for _, ms := range methods {
		for _, m := range ms {
			out[m.ID] = "authMethod " + m.Type()
		}
	}
	rules, err := snap.IncidentMessageRules()
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range rules {
		for _, r := range rs {
			out[r.ID] = "inboxRule " + r.DisplayName
		}
	}
	exoRules, err := snap.IncidentInboxRules()
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range exoRules {
		for _, r := range rs {
			out[r.RuleIdentity] = "inboxRule " + r.Name + " (Exchange)"
		}
	}
	grants, err := snap.OAuth2PermissionGrants()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range grants {
		out[g.ID] = "grant " + g.Scope
	}
	sps, err := snap.ServicePrincipals()
	if err != nil {
		t.Fatal(err)
	}
	for _, sp := range sps {
		out[sp.ID] = "servicePrincipal " + sp.DisplayName
	}
	return out
}

// regionOf returns the text of #region id … #endregion id ("" when absent).
func regionOf(script, id string) string {
	start := strings.Index(script, "#region "+id)
	end := strings.Index(script, "#endregion "+id)
	if start < 0 || end < start {
		return ""
	}
	return script[start:end]
}

// TestContainmentTouchesOnlyAttributed scans the Contoso script for every
// id in the snapshot: ids the checks attributed to the attacker for Adele
// appear in change statements, every other id (the old authenticator, the
// Newsletters rule, guests invited by admins or before the window, the
// benign Microsoft grant, other users) appears in none, and nowhere outside
// the review list.
func TestContainmentTouchesOnlyAttributed(t *testing.T) {
	doc, snap := contosoIncident(t)
	script := genContainment(t, doc, snap, adeleUPN)
	plan, err := model.PlanContainment(doc, snap, adeleUPN)
	if err != nil {
		t.Fatal(err)
	}
	uid := plan.UserID
	attributed := attributedIDs(doc, uid)
	all := snapshotIDs(t, snap)
	for id := range attributed {
		if _, ok := all[id]; !ok {
			t.Errorf("attributed id %s is not in the snapshot", id)
		}
	}
	// The sample must mix attacker objects with legitimate ones, or this
	// test proves nothing.
	kinds := map[string]int{}
	for _, k := range attributed {
		kinds[k]++
	}
	if kinds["authMethod"] < 2 || kinds["inboxRule"] < 2 || kinds["guest"] < 3 || kinds["grant"] < 1 || kinds["user"] < 1 {
		t.Fatalf("the sample's attributed objects changed: %v", kinds)
	}
	legit := map[string]string{}
	for id, what := range all {
		if _, ok := attributed[id]; !ok {
			legit[id] = what
		}
	}
	for _, want := range []string{"AQAAAJ5dZqA=", "e6ae221c-914b-4ee5-bdb2-fc851f1adcc9"} { // Newsletters rule, Jun Park (invited by Megan)
		if _, ok := legit[want]; !ok {
			t.Fatalf("legitimate object %s missing from the sample", want)
		}
	}
	legitKinds := map[string]int{}
	for _, what := range legit {
		legitKinds[strings.Fields(what)[0]]++
	}
	if legitKinds["authMethod"] < 1 || legitKinds["inboxRule"] < 1 || legitKinds["grant"] < 1 || legitKinds["user"] < 5 {
		t.Fatalf("the sample lacks legitimate objects next to the attacker's: %v", legitKinds)
	}

	lits, _ := changeLiterals(t, script)
	if len(lits) < 20 {
		t.Fatalf("only %d change statements found", len(lits))
	}
	seen := map[string]bool{}
	for line, vals := range lits {
		for _, v := range vals {
			for id := range attributed {
				if strings.Contains(v, id) {
					seen[id] = true
				}
			}
			for id, what := range legit {
				if strings.Contains(v, id) {
					t.Errorf("line %d: change statement names %s (%s), which the checks did not attribute to the attacker", line, id, what)
				}
			}
		}
	}
	for id, kind := range attributed {
		if !seen[id] {
			t.Errorf("attributed %s %s is not acted on", kind, id)
		}
	}
	// Outside the review list, no legitimate id appears at all.
	outside := strings.Replace(script, regionOf(script, "ForReview"), "", 1)
	for id, what := range legit {
		if strings.Contains(outside, id) {
			t.Errorf("%s (%s) appears in the script outside the review list", id, what)
		}
	}
	review := regionOf(script, "ForReview")
	for _, want := range []string{"AQAAAJ5dZqA=", "e6ae221c-914b-4ee5-bdb2-fc851f1adcc9"} {
		if !strings.Contains(review, want) {
			t.Errorf("%s is not listed for review", want)
		}
	}
}

// TestContainmentGuardsAndOrder: every change is guarded by ShouldProcess,
// the tenant guards and the target-user check come before the first change,
// and the steps run in containment order.
func TestContainmentGuardsAndOrder(t *testing.T) {
	doc, snap := contosoIncident(t)
	script := genContainment(t, doc, snap, adeleUPN)
	muts, lines := mutations(t, script)
	if len(muts) < 20 {
		t.Fatalf("found only %d changes", len(muts))
	}
	for _, m := range muts {
		if !m.guarded {
			t.Errorf("line %d: %s is not inside if ($PSCmdlet.ShouldProcess(...))", m.line, m.command)
		}
	}
	find := func(sub string) int {
		for i, l := range lines {
			if strings.Contains(l, sub) {
				return i + 1
			}
		}
		return -1
	}
	guards := map[string]int{
		"graph tenant":    find("if ([string]$mgContext.TenantId -ne $ExpectedTenantId) {"),
		"graph scopes":    find("if ($missingScopes.Count -gt 0) {"),
		"exchange tenant": find("if ([string]$exoConnection.TenantID -ne $ExpectedTenantId) {"),
		"exchange org":    find("if ([string]$exoOrganization.Name -ne $ExpectedExchangeOrganization) {"),
		"target user":     find("if ($null -eq $IncidentUser -or [string]$IncidentUser.id -ne $IncidentUserId) {"),
	}
	for name, l := range guards {
		if l < 0 {
			t.Errorf("%s guard missing", name)
			continue
		}
		if !strings.HasPrefix(strings.TrimSpace(lines[l]), "throw") {
			t.Errorf("%s guard (line %d) does not throw", name, l)
		}
		if l > muts[0].line {
			t.Errorf("%s guard at line %d comes after the first change (line %d)", name, l, muts[0].line)
		}
	}
	// Containment order, by the ShouldProcess actions in script order.
	order := []string{model.WhatBlock, model.WhatRevoke, model.WhatRemoveMethodPf, model.WhatRemoveRule, model.WhatRemoveHidden, model.WhatForwarding, model.WhatRevokeGrant, model.WhatDisableGuest, model.WhatRemoveGuest, model.WhatResetPassword, model.WhatProtocols, model.WhatReleaseSender}
	var actions []string
	for _, p := range shouldProcessPairs(t, script) {
		actions = append(actions, p[1])
	}
	last := -1
	for _, want := range order {
		idx := -1
		for i, a := range actions {
			if strings.HasPrefix(a, want) {
				idx = i
				break
			}
		}
		if idx < 0 {
			t.Errorf("no %q step in the Contoso script", want)
			continue
		}
		if want == model.WhatRemoveGuest {
			continue // interleaved with the guest's block step
		}
		if idx < last {
			t.Errorf("%q comes before an earlier step", want)
		}
		last = idx
	}
	if len(actions) == 0 || actions[len(actions)-1] != model.WhatReleaseSender {
		t.Errorf("the restricted-sender release is not the last change: %q", actions)
	}
	if !strings.Contains(script, "[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]") {
		t.Error("missing CmdletBinding with SupportsShouldProcess")
	}
	// Every step is wrapped in try/catch: one failure does not stop the rest.
	for _, region := range []string{"Step1-StopAttacker", "Step2-AuthMethods", "Step3-InboxRules", "Step4-Forwarding", "Step5-OAuthConsents", "Step6-Guests", "Step7-Password", "Step8-Protocols", "Step9-RestrictedSender"} {
		body := regionOf(script, region)
		if body == "" {
			t.Errorf("region %s missing", region)
			continue
		}
		if strings.Count(body, "try {") != strings.Count(body, "} catch {") || strings.Count(body, "try {") == 0 {
			t.Errorf("region %s: steps not wrapped in try/catch", region)
		}
	}
}

// shouldProcessPairs returns (target, action) of every ShouldProcess call,
// in script order, decoded from their literals.
func shouldProcessPairs(t *testing.T, script string) [][2]string {
	t.Helper()
	toks, err := psLex(script)
	if err != nil {
		t.Fatalf("lex: %v", err)
	}
	var out [][2]string
	for i, tk := range toks {
		if tk.Kind != tokCode || !strings.HasSuffix(tk.Value, "$PSCmdlet.ShouldProcess(") {
			continue
		}
		if i+3 >= len(toks) || toks[i+1].Kind != tokSingle || toks[i+3].Kind != tokSingle || strings.TrimSpace(toks[i+2].Value) != "," {
			t.Fatalf("line %d: ShouldProcess without two literal arguments", tk.Line)
		}
		out = append(out, [2]string{toks[i+1].Value, toks[i+3].Value})
	}
	return out
}

// TestContainmentActionsMatchScript: the list the PDF prints is the list of
// changes the script makes, in the same order (the -KeepRulesDisabled
// variant of a rule step is the same action).
func TestContainmentActionsMatchScript(t *testing.T) {
	doc, snap := contosoIncident(t)
	for _, tc := range []struct {
		name string
		doc  *checks.Document
		snap *snapshot.Snapshot
		upn  string
	}{
		{"contoso", doc, snap, adeleUPN},
		{"mixed-a", mixedDoc(), nil, mixedA},
		{"mixed-b", mixedDoc(), nil, mixedB},
	} {
		t.Run(tc.name, func(t *testing.T) {
			script := genContainment(t, tc.doc, tc.snap, tc.upn)
			actions := containmentActions(tc.doc, tc.snap, tc.upn)
			if len(actions) == 0 {
				t.Fatal("no actions")
			}
			var pairs [][2]string
			for _, p := range shouldProcessPairs(t, script) {
				switch p[1] {
				case model.WhatDisableRule, model.WhatRemoveRuleExo, model.WhatDisableRuleExo:
					continue // variants of the same rule step (-KeepRulesDisabled, Exchange fallback)
				}
				pairs = append(pairs, p)
			}
			if len(pairs) != len(actions) {
				t.Fatalf("script has %d changes, ContainmentActions %d", len(pairs), len(actions))
			}
			for i, a := range actions {
				want := CommentText(a.TargetID)
				if name := CommentText(a.TargetName); name != "" && name != want {
					want = name + " [" + want + "]"
				}
				if pairs[i][0] != want || pairs[i][1] != a.What {
					t.Errorf("change %d: script (%q, %q), list (%q, %q)", i, pairs[i][0], pairs[i][1], want, a.What)
				}
				if a.CheckID == "" || a.Kind == "" || a.TargetID == "" {
					t.Errorf("action %d incomplete: %+v", i, a)
				}
			}
		})
	}
}

// Two incident users in one audit, objects of both mixed with legitimate
// ones and hostile names (markers HX2x).
const (
	mixedA   = "o'brien@fabrikam.example"
	mixedB   = "bob@fabrikam.example"
	mixedAID = "aaaaaaaa-1111-4111-8111-000000000001"
	mixedBID = "bbbbbbbb-2222-4222-8222-000000000002"
)

func mixedDoc() *checks.Document {
	collected := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	start := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	ir := func(id string, st checks.Status, aff ...checks.Affected) checks.Result {
		return checks.Result{ID: id, Title: "title " + id, Status: st, Severity: checks.SeverityCritical, Incident: true, Affected: aff,
			Remediation: checks.Remediation{Script: model.SupportsContainment(id)}}
	}
	return &checks.Document{
		SchemaVersion: 1,
		Tenant:        snapshot.Tenant{ID: fixtureTenant, DisplayName: "HX20 Fabrikam'; Remove-MgUser x; '", PrimaryDomain: "fabrikam.example"},
		CollectedAt:   collected,
		Incident:      &checks.IncidentInfo{Users: []string{mixedB, mixedA}, Start: start, End: collected},
		Results: []checks.Result{
			ir("IR-USR-002", checks.StatusFail,
				checks.Affected{Kind: "user", ID: mixedAID, Name: "HX21 O’Brien \u202E", Attributed: true, User: &checks.UserRef{ID: mixedAID, UPN: mixedA}},
				checks.Affected{Kind: "user", ID: mixedBID, Name: "Bob", Attributed: true, User: &checks.UserRef{ID: mixedBID, UPN: mixedB}}),
			ir("IR-USR-003", checks.StatusFail,
				checks.Affected{Kind: "authMethod", ID: "m-a-phone", Name: "HX22 phone\n+1'; Remove-MgUser", Attributed: true, Method: &checks.MethodEvidence{UserID: mixedAID, ID: "m-a-phone", Type: "phoneAuthenticationMethod"}},
				checks.Affected{Kind: "authMethod", ID: "m-a-odd", Name: "odd method", Attributed: true, Method: &checks.MethodEvidence{UserID: mixedAID, ID: "m-a-odd", Type: "hardwareOathAuthenticationMethod"}},
				checks.Affected{Kind: "authMethod", ID: "m-a-old", Name: "old", Method: &checks.MethodEvidence{UserID: mixedAID, ID: "m-a-old", Type: "phoneAuthenticationMethod"}},
				checks.Affected{Kind: "authMethod", ID: "m-b-fido", Name: "bob key", Attributed: true, Method: &checks.MethodEvidence{UserID: mixedBID, ID: "m-b-fido", Type: "#microsoft.graph.fido2AuthenticationMethod"}}),
			ir("IR-INB-001", checks.StatusFail,
				checks.Affected{Kind: "inboxRule", ID: "r-a-bad/+=", Name: "HX23 rule $(calc) `n", Attributed: true, InboxRule: &checks.InboxRuleEvidence{UserID: mixedAID, ID: "r-a-bad/+=", Name: "HX23 rule $(calc) `n"}},
				checks.Affected{Kind: "inboxRule", ID: "r-a-ok", Name: "HX24 Newsletters ‘x’", InboxRule: &checks.InboxRuleEvidence{UserID: mixedAID, ID: "r-a-ok", Name: "Newsletters"}},
				checks.Affected{Kind: "inboxRule", ID: "r-b-bad", Name: "bob rule", Attributed: true, InboxRule: &checks.InboxRuleEvidence{UserID: mixedBID, ID: "r-b-bad", Name: "."}}),
			ir("IR-INB-002", checks.StatusFail,
				checks.Affected{Kind: "inboxRule", ID: "4242", Name: "HX2A hidden'; Remove-InboxRule x; '", Attributed: true, User: &checks.UserRef{ID: mixedAID, UPN: mixedA},
					InboxRule: &checks.InboxRuleEvidence{UserID: mixedAID, ID: "4242", Name: "HX2A hidden'; Remove-InboxRule x; '"}, RuleHistory: &checks.RuleHistory{Exists: true, Hidden: true, Identity: "4242", Mailbox: mixedA}},
				checks.Affected{Kind: "inboxRule", ID: mixedA + `\HX2B gone`, Name: "HX2B gone =HYPERLINK(\"x\") \u202E", Attributed: true, User: &checks.UserRef{ID: mixedAID, UPN: mixedA},
					InboxRule: &checks.InboxRuleEvidence{UserID: mixedAID, Name: "HX2B gone"}, RuleHistory: &checks.RuleHistory{Created: &start, Removed: &collected, Mailbox: mixedA}},
				checks.Affected{Kind: "inboxRule", ID: "4343", Name: "bob hidden", Attributed: true, User: &checks.UserRef{ID: mixedBID, UPN: mixedB},
					InboxRule: &checks.InboxRuleEvidence{UserID: mixedBID, ID: "4343", Name: "bob hidden"}, RuleHistory: &checks.RuleHistory{Exists: true, Hidden: true, Identity: "4343", Mailbox: mixedB}}),
			ir("IR-MAIL-002", checks.StatusFail,
				checks.Affected{Kind: "restrictedSender", ID: mixedA, Name: "HX2C O’Brien", Attributed: true, User: &checks.UserRef{ID: mixedAID, UPN: mixedA}, Exchange: &checks.ExchangeObject{Identity: mixedA, Property: "BlockedSender"}},
				checks.Affected{Kind: "restrictedSender", ID: mixedB, Name: "Bob", Attributed: true, User: &checks.UserRef{ID: mixedBID, UPN: mixedB}, Exchange: &checks.ExchangeObject{Identity: mixedB, Property: "BlockedSender"}},
				checks.Affected{Kind: "restrictedSender", ID: "spam@fabrikam.example", Name: "HX2D other sender", Exchange: &checks.ExchangeObject{Identity: "spam@fabrikam.example", Property: "BlockedSender"}}),
			ir("IR-MBX-001", checks.StatusFail,
				checks.Affected{Kind: "mailbox", ID: mixedAID, Name: mixedA, Attributed: true, Exchange: &checks.ExchangeObject{Identity: mixedA}},
				checks.Affected{Kind: "mailbox", ID: "cccccccc-3333-4333-8333-000000000003", Name: "HX25 shared", Exchange: &checks.ExchangeObject{Identity: "shared-mbx@fabrikam.example"}}),
			ir("IR-APP-001", checks.StatusFail,
				checks.Affected{Kind: "grant", ID: "g-a", Name: "HX26 eM Client'; Remove-MgOauth2PermissionGrant x; '", Attributed: true, Grant: &checks.GrantEvidence{ID: "g-a", ClientID: "sp-1", PrincipalID: mixedAID}},
				checks.Affected{Kind: "grant", ID: "g-b", Name: "bob app", Attributed: true, Grant: &checks.GrantEvidence{ID: "g-b", ClientID: "sp-2", PrincipalID: mixedBID}},
				checks.Affected{Kind: "grant", ID: "g-admin", Name: "Graph CLI", Grant: &checks.GrantEvidence{ID: "g-admin", ClientID: "sp-3", PrincipalID: ""}}),
			ir("IR-GST-001", checks.StatusFail,
				checks.Affected{Kind: "guest", ID: "dddddddd-0000-4000-8000-00000000000a", Name: "HX27 =HYPERLINK(\"x\") \u200F", Actor: mixedA, Attributed: true, User: &checks.UserRef{ID: "dddddddd-0000-4000-8000-00000000000a"}},
				checks.Affected{Kind: "guest", ID: "dddddddd-0000-4000-8000-00000000000b", Name: "bob's guest", Actor: mixedB, Attributed: true, User: &checks.UserRef{ID: "dddddddd-0000-4000-8000-00000000000b"}},
				checks.Affected{Kind: "guest", ID: "dddddddd-0000-4000-8000-00000000000c", Name: "partner", Actor: "admin@fabrikam.example", User: &checks.UserRef{ID: "dddddddd-0000-4000-8000-00000000000c"}},
				checks.Affected{Kind: "guest", ID: "dddddddd-0000-4000-8000-00000000000d", Name: "nobody knows", Attributed: true, User: &checks.UserRef{ID: "dddddddd-0000-4000-8000-00000000000d"}},
				checks.Affected{Kind: "user", ID: "dddddddd-0000-4000-8000-00000000000e", Name: "new member", Actor: "Admin <" + mixedA + ">", Attributed: true, User: &checks.UserRef{ID: "dddddddd-0000-4000-8000-00000000000e"}}),
			ir("IR-SIG-001", checks.StatusFail,
				checks.Affected{Kind: "signIn", ID: mixedAID + "|IMAP4|203.0.113.9", Name: mixedA, Attributed: true, SignIn: &checks.SignInEvidence{UserID: mixedAID, Client: "IMAP4", IP: "203.0.113.9"}}),
			ir("IR-MBX-002", checks.StatusUnknown),
		},
	}
}

// TestContainmentMixedUsers: each user's script acts on that user's
// attributed objects only; the other incident user's objects, legitimate
// objects and unprovable ones are never in a change statement; hostile
// names stay inside single-quoted literals.
func TestContainmentMixedUsers(t *testing.T) {
	doc := mixedDoc()
	cases := []struct {
		upn       string
		want, not []string
	}{
		{mixedA,
			[]string{mixedAID, "m-a-phone", "r-a-bad/+=", "g-a", "dddddddd-0000-4000-8000-00000000000a", "dddddddd-0000-4000-8000-00000000000e", "4242", "HX2C"},
			[]string{mixedBID, "m-a-odd", "m-a-old", "m-b-fido", "r-a-ok", "r-b-bad", "g-b", "g-admin", "cccccccc-3333-4333-8333-000000000003", "shared-mbx@", "dddddddd-0000-4000-8000-00000000000b", "dddddddd-0000-4000-8000-00000000000c", "dddddddd-0000-4000-8000-00000000000d",
				"4343", "HX2B", "spam@", mixedB}},
		{mixedB,
			[]string{mixedBID, "m-b-fido", "r-b-bad", "g-b", "dddddddd-0000-4000-8000-00000000000b", "4343", mixedB},
			[]string{mixedAID, "m-a-phone", "m-a-odd", "m-a-old", "r-a-bad", "r-a-ok", "g-a", "g-admin", "dddddddd-0000-4000-8000-00000000000a", "dddddddd-0000-4000-8000-00000000000c", "dddddddd-0000-4000-8000-00000000000d", "dddddddd-0000-4000-8000-00000000000e",
				"4242", "HX2B", "HX2C", "spam@", "brien@"}},
	}
	for _, tc := range cases {
		t.Run(tc.upn, func(t *testing.T) {
			script := genContainment(t, doc, nil, tc.upn)
			lits, _ := changeLiterals(t, script)
			var all []string
			for _, vals := range lits {
				all = append(all, vals...)
			}
			joined := strings.Join(all, "\x00")
			for _, w := range tc.want {
				if !strings.Contains(joined, w) {
					t.Errorf("%s is not acted on", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(joined, n) {
					t.Errorf("%s appears in a change statement", n)
				}
			}
			muts, _ := mutations(t, script)
			for _, m := range muts {
				if !m.guarded {
					t.Errorf("line %d: %s not guarded", m.line, m.command)
				}
			}
			checkInert(t, script)
			if !strings.Contains(script, "'IR-MBX-002'") || !strings.Contains(script, "Not evaluated by the audit") {
				t.Error("the unevaluated incident check is not reported")
			}
		})
	}
	// A's unknown method type and the guest no one can tie to A are for review.
	rev := containmentReview(doc, nil, mixedA)
	got := map[string]bool{}
	for _, r := range rev {
		got[r.ID] = true
	}
	for _, id := range []string{"m-a-odd", "m-a-old", "r-a-ok", "g-admin", "dddddddd-0000-4000-8000-00000000000c", "dddddddd-0000-4000-8000-00000000000d", "dddddddd-0000-4000-8000-00000000000e"} {
		if !got[id] {
			t.Errorf("%s not listed for review", id)
		}
	}
	if !got["spam@fabrikam.example"] {
		t.Error("another restricted account is not listed for review")
	}
	if got["m-b-fido"] || got["r-b-bad"] || got["g-b"] || got["4343"] || got[mixedB] || got["4242"] || got[mixedA] {
		t.Error("an attributed object (this user's, acted on, or the other incident user's) is listed in this user's review")
	}
	// A's deleted rule is evidence only, in its own list and region.
	plan, err := model.PlanContainment(doc, nil, mixedA)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Evidence) != 1 || !strings.Contains(plan.Evidence[0].Name, "HX2B") {
		t.Errorf("evidence: %+v", plan.Evidence)
	}
	script := genContainment(t, doc, nil, mixedA)
	if ev := regionOf(script, "Evidence"); !strings.Contains(ev, "HX2B gone") || strings.Contains(regionOf(script, "ForReview"), "HX2B") {
		t.Errorf("the deleted rule is not (only) in the evidence region:\n%s", ev)
	}
}

// checkInert: every HX marker sits in a single-quoted literal; comments,
// code and double-quoted strings carry none.
func checkInert(t *testing.T, script string) {
	t.Helper()
	toks, err := psLex(script)
	if err != nil {
		t.Fatalf("lex: %v", err)
	}
	found := 0
	for _, tk := range toks {
		if !markerRE.MatchString(tk.Value) {
			continue
		}
		if tk.Kind != tokSingle {
			t.Errorf("line %d: hostile marker outside a single-quoted literal (%v): %q", tk.Line, tk.Kind, tk.Value)
		}
		found++
	}
	if found == 0 {
		t.Error("no hostile value in the script: the test proves nothing")
	}
	depth := 0
	for _, l := range codeLines(toks) {
		depth += strings.Count(l, "{") - strings.Count(l, "}")
	}
	if depth != 0 {
		t.Errorf("unbalanced braces in code: %d", depth)
	}
}

// TestContainmentHostileEverywhere puts each hostile string of the quote
// tests into every tenant field of the mixed document in turn.
func TestContainmentHostileEverywhere(t *testing.T) {
	for i, hv := range hostileStrings() {
		v := "HX99" + hv
		doc := mixedDoc()
		doc.Tenant.DisplayName = v
		for ri := range doc.Results {
			for ai := range doc.Results[ri].Affected {
				a := &doc.Results[ri].Affected[ai]
				a.Name = v
				a.Detail = v
				a.Actor = mixedA
				switch {
				case a.Method != nil:
					a.Method.ID = v
				case a.InboxRule != nil:
					a.InboxRule.ID, a.InboxRule.Name = v, v
				case a.Grant != nil:
					a.Grant.ID = v
				case a.Exchange != nil:
					a.Exchange.Identity = v
				}
				if a.RuleHistory != nil {
					a.RuleHistory.Identity = v
				}
			}
		}
		script := genContainment(t, doc, nil, mixedA)
		toks, err := psLex(script)
		if err != nil {
			t.Fatalf("value %d: lex: %v", i, err)
		}
		for _, tk := range toks {
			if strings.Contains(tk.Value, "HX99") && tk.Kind != tokSingle {
				t.Errorf("value %d: line %d: value in %v token: %q", i, tk.Line, tk.Kind, tk.Value)
			}
		}
		muts, _ := mutations(t, script)
		for _, m := range muts {
			if !m.guarded {
				t.Errorf("value %d: line %d: %s not guarded", i, m.line, m.command)
			}
		}
	}
}

// TestContainmentPasswordNeverLogged: the new password exists only in the
// generating assignment, the request body, one Write-Host and the line that
// clears it; no log, file or verbose stream ever sees it; it is generated
// with the cryptographic RNG inside the guarded reset step.
func TestContainmentPasswordNeverLogged(t *testing.T) {
	doc, snap := contosoIncident(t)
	script := genContainment(t, doc, snap, adeleUPN)
	toks, err := psLex(script)
	if err != nil {
		t.Fatal(err)
	}
	lines := codeLines(toks)
	allowed := []string{
		"$newPassword = Get-ContainmentPassword",
		"$newPassword = $null",
		"Write-Host ('S' + $newPassword) -ForegroundColor Yellow",
	}
	uses := 0
	for i, l := range lines {
		tl := strings.TrimSpace(l)
		if !strings.Contains(strings.ToLower(tl), "password") || !strings.Contains(tl, "$") {
			continue
		}
		if !strings.Contains(tl, "$newPassword") {
			if regexpPasswordVar.MatchString(tl) {
				t.Errorf("line %d: another password variable: %q", i+1, tl)
			}
			continue
		}
		uses++
		ok := false
		for _, a := range allowed {
			if tl == a {
				ok = true
			}
		}
		if strings.HasPrefix(tl, "Invoke-MgGraphRequest -Method PATCH") && strings.Contains(tl, "password = $newPassword") &&
			strings.Contains(tl, "-Verbose:$false -Debug:$false") && strings.HasSuffix(tl, "| Out-Null") {
			ok = true
		}
		if !ok {
			t.Errorf("line %d: $newPassword used in an unexpected statement: %q", i+1, tl)
		}
		for _, bad := range []string{"Add-ChangeLog", "Set-Content", "Out-File", "Add-Content", "Export-", "Tee-Object", "Write-Verbose", "Write-Output", "Write-Debug", "Write-Information", "ConvertTo-Json -InputObject $logDocument"} {
			if strings.Contains(tl, bad) {
				t.Errorf("line %d: password reaches %s", i+1, bad)
			}
		}
	}
	if uses != 4 {
		t.Errorf("$newPassword used on %d lines, want 4", uses)
	}
	// Generated inside the guarded reset step, never on -WhatIf.
	muts, _ := mutations(t, strings.ReplaceAll(script, "$newPassword = Get-ContainmentPassword", "Set-PasswordMarker"))
	guarded := false
	for _, m := range muts {
		if m.command == "Set-PasswordMarker" {
			guarded = m.guarded
		}
	}
	if !guarded {
		t.Error("the password is not generated inside the ShouldProcess block")
	}
	gen := regionOf(script, "ContainmentHelpers")
	if !strings.Contains(gen, "[System.Security.Cryptography.RandomNumberGenerator]::Create()") || strings.Contains(gen, "Get-Random ") {
		t.Error("the password is not drawn from the cryptographic RNG")
	}
	m := regexpLength.FindStringSubmatch(gen)
	if m == nil || len(m[1]) < 2 || m[1] < "24" {
		t.Errorf("default password length %v is below 24", m)
	}
	for _, class := range []string{"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!#%+-.:=?@_~"} {
		if !strings.Contains(gen, "'"+class+"'") {
			t.Errorf("character class %q missing", class)
		}
	}
	if !strings.Contains(script, "forceChangePasswordNextSignIn = $true") {
		t.Error("force change at next sign-in missing")
	}
}

var (
	regexpPasswordVar = regexp.MustCompile(`\$[A-Za-z]*[Pp]assword\b`)
	regexpLength      = regexp.MustCompile(`\[int\] \$Length = ([0-9]+)`)
)

func TestContainmentFileName(t *testing.T) {
	valid := regexp.MustCompile(`^incident-[a-z0-9._-]+\.ps1$`)
	cases := []struct{ upn, want string }{
		{"adele.vance@contoso.com", "incident-adele.vance_contoso.com.ps1"},
		{"Adele.Vance@Contoso.COM", "incident-adele.vance_contoso.com.ps1"},
		{"  adele.vance@contoso.com ", "incident-adele.vance_contoso.com.ps1"},
		{"../../etc/passwd@x.com", ""},
		{`..\..\Windows\System32@x.com`, ""},
		{"/abs/path@x.com", ""},
		{"C:\\temp\\x@y.com", ""},
		{".hidden@contoso.com", ""},
		{"...", ""},
		{"", ""},
		{"   ", ""},
		{"o'brien@contoso.com", ""},
		{"'; Remove-MgUser -UserId x; '@contoso.com", ""},
		{"a_b@c.com", ""},
		{"a@b_c.com", ""},
		{"管理者@contoso.com", ""},
		{"\u202Emoc.live@resu\u200F", ""},
		{"line\nbreak@contoso.com", ""},
		{"nul\x00@contoso.com", ""},
		{"\xff\xfe@contoso.com", ""},
		{"CON", ""},
		{strings.Repeat("a", 300) + "@contoso.com", ""},
		{strings.Repeat("a", 300) + "@contoso.org", ""},
	}
	seen := map[string]string{}
	for _, tc := range cases {
		got := ContainmentFileName(tc.upn)
		if tc.want != "" && got != tc.want {
			t.Errorf("ContainmentFileName(%q) = %q, want %q", tc.upn, got, tc.want)
		}
		if !valid.MatchString(got) || strings.ContainsAny(got, `/\:`) || filepath.Base(got) != got || strings.HasPrefix(got, ".") || len(got) > 120 {
			t.Errorf("ContainmentFileName(%q) = %q: not a safe file name", tc.upn, got)
		}
		key := strings.ToLower(strings.TrimSpace(tc.upn))
		if prev, ok := seen[got]; ok && prev != key {
			t.Errorf("%q and %q share the file name %q", prev, tc.upn, got)
		}
		seen[got] = key
	}
}

func TestContainmentBadInput(t *testing.T) {
	doc, snap := contosoIncident(t)
	noIncident := *doc
	noIncident.Incident = nil
	badTenant := *doc
	badTenant.Tenant.ID = "contoso.com'; Remove-MgUser x; '"
	badUserID := mixedDoc()
	badUserID.Results[0].Affected[0].User.ID = "not-a-guid'; Remove-MgUser x"
	cases := []struct {
		name string
		doc  *checks.Document
		snap *snapshot.Snapshot
		upn  string
		want string
	}{
		{"nil document", nil, snap, adeleUPN, "no results document"},
		{"no incident", &noIncident, snap, adeleUPN, "no incident context"},
		{"not an incident user", doc, snap, "megan.bowen@contoso.com", "not an incident user"},
		{"tenant id", &badTenant, snap, adeleUPN, "not a GUID"},
		{"unresolvable user", mixedDoc(), nil, "carol@fabrikam.example", "not an incident user"},
		{"user id not a GUID", badUserID, nil, mixedA, "not a GUID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := writeContainmentDoc(context.Background(), &buf, tc.doc, tc.snap, tc.upn, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if buf.Len() != 0 {
				t.Error("a partial script was written")
			}
			if tc.doc != nil && containmentActions(tc.doc, tc.snap, tc.upn) != nil && tc.name != "tenant id" {
				t.Error("ContainmentActions returned actions for an input WriteContainment refuses")
			}
		})
	}
	// An incident user missing from both the directory and IR-USR-002.
	d := mixedDoc()
	d.Incident.Users = append(d.Incident.Users, "carol@fabrikam.example")
	var buf bytes.Buffer
	if err := writeContainmentDoc(context.Background(), &buf, d, nil, "carol@fabrikam.example", Options{}); err == nil || !strings.Contains(err.Error(), "not in the snapshot's directory") {
		t.Fatalf("unresolved user: err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := writeContainmentDoc(ctx, &buf, doc, snap, adeleUPN, Options{}); err == nil {
		t.Fatal("cancelled context not reported")
	}
}

// TestContainmentScopes: exactly the Graph permissions the steps need (least
// privilege, never User.ReadWrite.All), and Exchange only with an Exchange
// step.
func TestContainmentScopes(t *testing.T) {
	scopesOf := func(script string) []string {
		re := regexp.MustCompile(`(?m)^\s*\$RequiredGraphScopes = @\((.*)\)$`)
		m := re.FindStringSubmatch(script)
		if m == nil {
			return nil
		}
		var out []string
		for _, p := range strings.Split(m[1], ",") {
			out = append(out, strings.Trim(strings.TrimSpace(p), "'"))
		}
		return out
	}
	doc, snap := contosoIncident(t)
	adele := genContainment(t, doc, snap, adeleUPN)
	want := []string{"DelegatedPermissionGrant.ReadWrite.All", "MailboxSettings.ReadWrite", "User-PasswordProfile.ReadWrite.All", "User.DeleteRestore.All",
		"User.EnableDisableAccount.All", "User.Read.All", "User.RevokeSessions.All", "UserAuthenticationMethod.ReadWrite.All"}
	if got := scopesOf(adele); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("scopes = %v, want %v", got, want)
	}
	if strings.Contains(adele, "User.ReadWrite.All'") || strings.Contains(adele, "Directory.ReadWrite.All") {
		t.Error("broad write permission requested")
	}
	if got := strings.Join(requires(adele), " "); got != GraphAuthModule+"@"+GraphAuthMinVersion+" "+ExchangeModule+"@"+ExchangeMinVersion {
		t.Errorf("modules = %s", got)
	}

	// Account already contained, one suspicious rule: Graph only, two scopes.
	d := mixedDoc()
	for i := range d.Results {
		r := &d.Results[i]
		switch r.ID {
		case "IR-USR-002":
			r.Status = checks.StatusPass
			for j := range r.Affected {
				r.Affected[j].Attributed = false
			}
		case "IR-INB-001":
		default:
			r.Status = checks.StatusPass
			r.Affected = nil
		}
	}
	script := genContainment(t, d, nil, mixedA)
	if got := scopesOf(script); strings.Join(got, " ") != "MailboxSettings.ReadWrite User.Read.All" {
		t.Errorf("rule-only scopes = %v", got)
	}
	if !strings.Contains(script, "Connect-ExchangeOnline") {
		t.Error("inbox rules fall back to Exchange Online, which is not connected")
	}
	acts := containmentActions(d, nil, mixedA)
	if len(acts) != 1 || acts[0].Kind != "inboxRule" {
		t.Errorf("actions = %+v, want the one rule", acts)
	}
	if !strings.Contains(script, "already contained") {
		t.Error("the header does not say why the account is not blocked")
	}
	if strings.Contains(script, "stays BLOCKED") {
		t.Error("closing claims the account is blocked although the script does not block it")
	}

	// Only a consent to revoke: Graph only, no Exchange module.
	g := mixedDoc()
	for i := range g.Results {
		r := &g.Results[i]
		if r.ID != "IR-APP-001" {
			r.Status = checks.StatusPass
			for j := range r.Affected {
				r.Affected[j].Attributed = false
			}
		}
	}
	script = genContainment(t, g, nil, mixedA)
	if got := scopesOf(script); strings.Join(got, " ") != "DelegatedPermissionGrant.ReadWrite.All User.Read.All" {
		t.Errorf("grant-only scopes = %v", got)
	}
	if strings.Contains(script, "Connect-ExchangeOnline") || strings.Contains(strings.Join(requires(script), " "), ExchangeModule) {
		t.Error("Exchange connected without an Exchange step")
	}
}

// TestContainmentNothingAttributed: no attributed object, no connection,
// no change, and the review list still shows what was found.
func TestContainmentNothingAttributed(t *testing.T) {
	d := mixedDoc()
	for i := range d.Results {
		for j := range d.Results[i].Affected {
			d.Results[i].Affected[j].Attributed = false
		}
	}
	script := genContainment(t, d, nil, mixedA)
	if strings.Contains(script, "Connect-") || len(requires(script)) != 0 {
		t.Error("a script with nothing to contain must connect to nothing")
	}
	if muts, _ := mutations(t, script); len(muts) != 0 {
		t.Errorf("changes in an empty script: %v", muts)
	}
	if len(containmentActions(d, nil, mixedA)) != 0 {
		t.Error("actions without attributed objects")
	}
	if !strings.Contains(script, "#region ForReview") {
		t.Error("review list missing")
	}
	checkInert(t, script)
}

// TestContainmentPasswordGenerator runs the generated password function in
// PowerShell when pwsh is installed: 200 passwords of 28 characters with
// every class, all different.
func TestContainmentPasswordGenerator(t *testing.T) {
	pwsh, err := exec.LookPath("pwsh")
	if err != nil {
		t.Skip("pwsh not installed; TestContainmentPasswordNeverLogged checks the script text")
	}
	dir := t.TempDir()
	code := helperPassword + `
$seen = @{}
for ($n = 0; $n -lt 200; $n++) {
    $p = Get-ContainmentPassword
    if ($p.Length -lt 24) { 'SHORT ' + $p.Length }
    if ($p -cnotmatch '[A-Z]' -or $p -cnotmatch '[a-z]' -or $p -notmatch '[0-9]' -or $p -notmatch '[^A-Za-z0-9]') { 'CLASS' }
    if ($seen.ContainsKey($p)) { 'REPEAT' }
    $seen[$p] = $true
}
'DONE'
`
	path := filepath.Join(dir, "gen.ps1")
	if err := os.WriteFile(path, []byte(code), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, pwsh, "-NoProfile", "-NonInteractive", "-File", path).CombinedOutput()
	if err != nil {
		t.Fatalf("pwsh: %v\n%s", err, out)
	}
	if strings.TrimSpace(string(out)) != "DONE" {
		t.Fatalf("generator output:\n%s", out)
	}
}

func BenchmarkWriteContainment(b *testing.B) {
	doc, snap := contosoIncident(b)
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := writeContainmentDoc(context.Background(), &buf, doc, snap, adeleUPN, Options{ToolVersion: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestContainmentSyncedAccount: for an account synchronised from
// on-premises AD the script revokes sessions but neither blocks nor resets
// through Graph (both would fail), and says to do them in AD. Without a
// CAS mailbox row for the user there is no protocol step either.
func TestContainmentSyncedAccount(t *testing.T) {
	m := snapshot.Manifest{SchemaVersion: snapshot.SchemaVersion, CollectedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC),
		Tenant: snapshot.Tenant{ID: fixtureTenant}, Datasets: map[string]snapshot.DatasetInfo{}}
	files := map[string][]byte{}
	add := func(id, v string) {
		files[id] = []byte(v)
		m.Datasets[id] = snapshot.DatasetInfo{Status: snapshot.StatusOK, File: id + ".json"}
	}
	add(snapshot.DSUsers, `[{"id":"`+mixedAID+`","userPrincipalName":"`+mixedA+`","displayName":"A","onPremisesSyncEnabled":true},{"id":"`+mixedBID+`","userPrincipalName":"`+mixedB+`","displayName":"B"}]`)
	add(snapshot.DSExoCASMailbox, `[{"Identity":"b","ExternalDirectoryObjectId":"`+mixedBID+`","PrimarySmtpAddress":"`+mixedB+`"}]`)
	snap := snapshot.FromFiles(m, files)
	doc := mixedDoc()
	var whats []string
	for _, a := range containmentActions(doc, snap, mixedA) {
		if a.CheckID == "IR-USR-002" || a.What == model.WhatProtocols {
			whats = append(whats, a.What)
		}
	}
	if strings.Join(whats, "|") != model.WhatRevoke {
		t.Errorf("account steps for a synced user = %v, want only the session revocation", whats)
	}
	script := genContainment(t, doc, snap, mixedA)
	if !strings.Contains(script, "Disable-ADAccount") || !strings.Contains(script, "Start-ADSyncSyncCycle") {
		t.Error("the script does not say to block and reset in Active Directory")
	}
	if strings.Contains(script, "stays BLOCKED") {
		t.Error("closing claims the account is blocked")
	}
	// B is cloud-only and has a mailbox: full account containment.
	var b []string
	for _, a := range containmentActions(doc, snap, mixedB) {
		if a.CheckID == "IR-USR-002" || a.What == model.WhatProtocols {
			b = append(b, a.What)
		}
	}
	if strings.Join(b, "|") != strings.Join([]string{model.WhatBlock, model.WhatRevoke, model.WhatResetPassword, model.WhatProtocols}, "|") {
		t.Errorf("account steps for B = %v", b)
	}
}

// TestContainmentTwoContosoUsers: with Megan Bowen as a second incident
// user, the guest she invited inside the window (Jun Park) is hers to
// remove, and each script stays out of the other's objects.
func TestContainmentTwoContosoUsers(t *testing.T) {
	fsys, err := m365audit.SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	snap, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inc := checks.IncidentFrom(snap.Manifest.CollectedAt, &snapshot.Incident{Users: []string{adeleUPN, "megan.bowen@contoso.com"}, Start: snap.Manifest.Incident.Start})
	doc := checks.Run(snap, checks.RunOptions{ToolVersion: "test", Incident: inc})
	const junPark = "e6ae221c-914b-4ee5-bdb2-fc851f1adcc9"
	adeleGuests := []string{"8c8c025a-ed8c-4a1b-8953-ea8bc9710746", "ebf18f19-c635-4439-b384-b74b055e74c3", "81cbce77-5e68-4cdf-857f-00bd831e68cc", "17995679-f762-4c8b-b58d-aa9a1cfe1e40", "23825420-5f0f-41b4-aac3-deb251cce829"}
	changed := func(upn string) string {
		script := genContainment(t, doc, snap, upn)
		lits, _ := changeLiterals(t, script)
		var all []string
		for _, v := range lits {
			all = append(all, v...)
		}
		return strings.Join(all, "\x00")
	}
	adele, megan := changed(adeleUPN), changed("megan.bowen@contoso.com")
	if strings.Contains(adele, junPark) {
		t.Error("Adele's script acts on the guest Megan invited")
	}
	if !strings.Contains(megan, junPark) {
		t.Error("Megan's script does not act on the guest she invited in the window")
	}
	for _, g := range adeleGuests {
		if !strings.Contains(adele, g) {
			t.Errorf("Adele's script does not act on her guest %s", g)
		}
		if strings.Contains(megan, g) {
			t.Errorf("Megan's script acts on Adele's guest %s", g)
		}
	}
	if strings.Contains(megan, "AQAAAJ5dZq") || strings.Contains(megan, "MNPWnXTn3EWFYCYEKtYRxKVJGDiccmBCkADEhbiBK19") {
		t.Error("Megan's script acts on Adele's rules or consent")
	}
	// Findings without a step that are plainly Adele's stay in Adele's list.
	for _, it := range containmentReview(doc, snap, "megan.bowen@contoso.com") {
		if (it.CheckID == "IR-SIG-002" || it.CheckID == "IR-APP-002") && strings.Contains(it.Name+it.Detail, "adele.vance") {
			t.Errorf("Megan's review lists Adele's %s item %q", it.CheckID, it.Name)
		}
	}
	found := false
	for _, it := range containmentReview(doc, snap, adeleUPN) {
		if it.CheckID == "IR-APP-002" {
			found = true
		}
	}
	if !found {
		t.Error("Adele's review lost the eM Client app (IR-APP-002)")
	}
}

// TestContainmentHostileScriptsParse: the containment scripts of the mixed
// document (hostile hidden and deleted rule names, a quote in the restricted
// address) and of every hostile value in every field parse with the
// independent PowerShell grammar.
func TestContainmentHostileScriptsParse(t *testing.T) {
	tool := pscheck.Require(t)
	dir := t.TempDir()
	var paths []string
	write := func(name, script string) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(script), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	write("mixed-a.ps1", genContainment(t, mixedDoc(), nil, mixedA))
	write("mixed-b.ps1", genContainment(t, mixedDoc(), nil, mixedB))
	for i, hv := range hostileStrings() {
		if strings.ContainsRune(hv, 0) {
			// tree-sitter-powershell rejects a NUL inside any quoted
			// string (every literal of every script, not only these
			// steps); the lexer tests above cover that value.
			continue
		}
		doc := mixedDoc()
		for ri := range doc.Results {
			for ai := range doc.Results[ri].Affected {
				a := &doc.Results[ri].Affected[ai]
				a.Name, a.Detail = hv, hv
				if a.InboxRule != nil {
					a.InboxRule.Name = hv
				}
				if a.RuleHistory != nil && a.RuleHistory.Identity != "" {
					a.RuleHistory.Identity = hv
				}
				if a.Kind == "restrictedSender" && a.Exchange != nil {
					a.Exchange.Identity = hv
				}
			}
		}
		script := genContainment(t, doc, nil, mixedA)
		if !strings.Contains(script, "Remove-InboxRule -Mailbox") || !strings.Contains(script, "Remove-BlockedSenderAddress -SenderAddress") {
			t.Fatalf("value %d: the hidden-rule and release steps are missing, the parse proves nothing about them", i)
		}
		write(fmt.Sprintf("hostile-%02d.ps1", i), script)
	}
	pscheck.AssertParses(t, tool, paths...)
}
