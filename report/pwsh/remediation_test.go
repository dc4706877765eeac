package pwsh

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/model"
)

var update = flag.Bool("update", false, "rewrite golden files")

const fixtureTenant = "6f1c2a9e-0b7d-4c3e-9a51-2d8e4f6b7c10"

// Hostile values carry a marker (HX..) so tests can find every place they
// end up in the script.
func hostileFixture() map[string]string {
	return map[string]string{
		"tenant":  "Contoso'; Remove-MgUser -UserId 'HX01'; '",
		"domain":  "HX02$(Invoke-Expression 'calc').example",
		"domain2": "HX03 O’Neil’; Remove-MgDomain -DomainId x; ‘",
		"mbx1":    "HX04\nRemove-Mailbox -Identity boss@contoso.com #",
		"mbx2":    "HX05 a`nb \"$(calc)\" <# #> ‚‛",
		"mbx3":    "HX06 \u202Emoc.live@resu\u200F cr\rRemove-MgUser",
		"mbx4":    "HX07 管理者の受信箱 nel\u0085ls\u2028ps\u2029",
		"mbx5":    "HX08 " + strings.Repeat("x’", 124),
		"bypass":  "HX09'; Set-MailboxAuditBypassAssociation -Identity * -AuditBypassEnabled $true; '",
		"org":     "HX10 org''name",
		"cas":     "HX11 cas@contoso.com'; Remove-Mailbox x; '",
	}
}

func res(id, title string, st checks.Status, sev checks.Severity, aff ...checks.Affected) checks.Result {
	return checks.Result{ID: id, Title: title, Status: st, Severity: sev, Affected: aff,
		Summary:     "summary mentions " + hostileFixture()["tenant"],
		Remediation: checks.Remediation{Summary: "Fix it.", Steps: []string{"Open the admin center.", "Change the setting."}, Script: Supports(id)}}
}

func fixtureDoc() *checks.Document {
	h := hostileFixture()
	collected := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	return &checks.Document{
		SchemaVersion: 1,
		Tenant:        snapshot.Tenant{ID: fixtureTenant, DisplayName: h["tenant"], PrimaryDomain: h["domain"]},
		Cloud:         "global",
		CollectedAt:   collected,
		Licences:      checks.Licences{Known: true, P1: true},
		Results: []checks.Result{
			res("ENTRA-MFA-001", "MFA is enforced for all users", checks.StatusFail, checks.SeverityCritical),
			res("ENTRA-CA-001", "Legacy authentication blocked", checks.StatusFail, checks.SeverityCritical,
				checks.Affected{Kind: "policy", ID: "11111111-1111-1111-1111-111111111111", Name: "HX12 policy'; Remove-MgIdentityConditionalAccessPolicy x; '"}),
			res("ENTRA-CA-002", "MFA required for administrator roles", checks.StatusFail, checks.SeverityHigh),
			res("ENTRA-CA-004", "MFA required for guests", checks.StatusFail, checks.SeverityHigh),
			res("ENTRA-CA-008", "Security-information registration protected", checks.StatusWarn, checks.SeverityHigh),
			res("ENTRA-MFA-005", "SMS and voice call methods disabled", checks.StatusFail, checks.SeverityMedium),
			res("ENTRA-MFA-006", "Email one-time passcode disabled", checks.StatusFail, checks.SeverityLow),
			res("ENTRA-MFA-007", "Microsoft Authenticator shows app name and location", checks.StatusFail, checks.SeverityMedium),
			res("ENTRA-MFA-003", "Every enabled member user is MFA-capable", checks.StatusUnknown, checks.SeverityHigh),
			res("ENTRA-ID-001", "Passwords set to never expire", checks.StatusFail, checks.SeverityLow,
				checks.Affected{Kind: "domain", ID: h["domain"], Name: h["domain"]},
				checks.Affected{Kind: "domain", ID: h["domain2"], Name: h["domain2"]}),
			res("ENTRA-ID-004", "Non-admin default permissions locked down", checks.StatusFail, checks.SeverityLow),
			res("ENTRA-EXT-001", "Only admins / Guest Inviters can invite guests", checks.StatusFail, checks.SeverityHigh),
			res("ENTRA-EXT-002", "Guest directory access restricted", checks.StatusFail, checks.SeverityMedium),
			res("ENTRA-EXT-003", "Guest invitations limited to an allow-list of domains", checks.StatusFail, checks.SeverityLow),
			res("ENTRA-EXT-005", "No viral / self-service sign-up", checks.StatusFail, checks.SeverityLow),
			res("ENTRA-APP-001", "Users cannot consent to applications", checks.StatusWarn, checks.SeverityHigh),
			res("ENTRA-APP-002", "Admin consent workflow enabled with reviewers", checks.StatusFail, checks.SeverityMedium),
			res("ENTRA-APP-003", "Non-admins cannot register applications", checks.StatusFail, checks.SeverityMedium),
			res("ENTRA-PRIV-001", "Between two and four Global Administrators", checks.StatusPass, checks.SeverityMedium),
			res("EXO-PROTO-001", "SMTP AUTH disabled at organisation level", checks.StatusFail, checks.SeverityHigh),
			res("EXO-PROTO-002", "No per-mailbox SMTP AUTH overrides", checks.StatusFail, checks.SeverityHigh,
				checks.Affected{Kind: "mailbox", ID: "cas-object-id", Name: "casbox"},
				checks.Affected{Kind: "mailbox", ID: h["mbx1"], Name: h["mbx1"]}),
			res("EXO-PROTO-003", "POP3 and IMAP4 disabled for user mailboxes", checks.StatusFail, checks.SeverityMedium,
				checks.Affected{Kind: "mailbox", ID: h["mbx2"], Name: h["mbx2"]},
				checks.Affected{Kind: "mailbox", ID: h["mbx3"], Name: h["mbx3"]},
				checks.Affected{Kind: "mailbox", ID: h["mbx4"], Name: h["mbx4"], Accepted: true},
				checks.Affected{Kind: "mailbox", ID: "x", Name: "x", Exchange: &checks.ExchangeObject{Identity: h["mbx5"]}}),
			res("EXO-PROTO-004", "Modern authentication enabled", checks.StatusFail, checks.SeverityMedium),
			res("EXO-PROTO-005", "POP3 and IMAP4 disabled for new mailboxes", checks.StatusFail, checks.SeverityMedium),
			res("EXO-FWD-001", "Automatic forwarding to external domains disabled", checks.StatusFail, checks.SeverityHigh),
			res("EXO-FWD-002", "Outbound anti-spam policies block automatic forwarding", checks.StatusWarn, checks.SeverityHigh),
			res("EXO-MAIL-001", "Outbound spam limits and notifications", checks.StatusFail, checks.SeverityMedium),
			res("EXO-MAIL-003", "Direct Send rejected", checks.StatusFail, checks.SeverityLow),
			res("EXO-AUD-001", "Unified audit log ingestion enabled", checks.StatusFail, checks.SeverityCritical),
			res("EXO-AUD-002", "Mailbox auditing on by default", checks.StatusFail, checks.SeverityHigh),
			res("EXO-AUD-004", "No mailbox audit bypass associations", checks.StatusFail, checks.SeverityHigh,
				checks.Affected{Kind: "bypassAssociation", ID: h["bypass"], Name: h["bypass"]}),
			func() checks.Result {
				r := res("IR-INB-001", "Inbox rules that forward", checks.StatusFail, checks.SeverityCritical)
				r.Incident = true
				return r
			}(),
		},
	}
}

func acceptWhole(doc *checks.Document, id string) {
	for i := range doc.Results {
		if doc.Results[i].ID == id {
			doc.Results[i].Accepted = &checks.Acceptance{Reason: "device", Owner: "it", Expires: "2027-01-31"}
		}
	}
}

func fixtureSnap() *snapshot.Snapshot {
	h := hostileFixture()
	m := snapshot.Manifest{SchemaVersion: snapshot.SchemaVersion, CollectedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC),
		Tenant: snapshot.Tenant{ID: fixtureTenant}, Datasets: map[string]snapshot.DatasetInfo{}}
	files := map[string][]byte{}
	add := func(id string, v string) {
		files[id] = []byte(v)
		m.Datasets[id] = snapshot.DatasetInfo{Status: snapshot.StatusOK, File: id + ".json"}
	}
	add(snapshot.DSExoCASMailbox, `[{"Identity":"casbox","ExternalDirectoryObjectId":"cas-object-id","PrimarySmtpAddress":`+jsonString(h["cas"])+`}]`)
	add(snapshot.DSExoOrganizationConfig, `[{"Identity":"org","Name":`+jsonString(h["org"])+`}]`)
	return snapshot.FromFiles(m, files)
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x85 || r == 0x2028 || r == 0x2029:
			b.WriteString(`\u`)
			const hex = "0123456789abcdef"
			b.WriteByte(hex[r>>12&0xf])
			b.WriteByte(hex[r>>8&0xf])
			b.WriteByte(hex[r>>4&0xf])
			b.WriteByte(hex[r&0xf])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func generate(t *testing.T, doc *checks.Document, snap *snapshot.Snapshot, opt Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := writeRemediationDoc(context.Background(), &buf, doc, snap, opt); err != nil {
		t.Fatalf("WriteRemediation: %v", err)
	}
	return buf.String()
}

func fixtureScript(t *testing.T) string {
	doc := fixtureDoc()
	acceptWhole(doc, "EXO-PROTO-004")
	return generate(t, doc, fixtureSnap(), Options{
		BreakGlassUserIDs:  []string{"AAAAAAAA-0000-0000-0000-000000000001", "aaaaaaaa-0000-0000-0000-000000000002"},
		BreakGlassGroupIDs: []string{"bbbbbbbb-0000-0000-0000-000000000003"},
		ToolVersion:        "1.2.3",
	})
}

func TestRemediationGolden(t *testing.T) {
	got := fixtureScript(t)
	path := filepath.Join("testdata", "remediation.golden.ps1")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if got != string(want) {
		t.Fatalf("remediation.ps1 differs from %s; run go test ./report/pwsh -run Golden -update and review the diff", path)
	}
	// Deterministic: a second run gives the same bytes.
	if again := fixtureScript(t); again != got {
		t.Fatal("two runs gave different scripts")
	}
	if !strings.HasPrefix(got, utf8BOM+"#Requires -Version 5.1\n") {
		t.Fatal("script must start with a UTF-8 BOM and #Requires -Version")
	}
}

// markerRE finds the markers of hostileFixture values.
var markerRE = regexp.MustCompile(`HX[0-9]{2}`)

// TestHostileNamesStayInert: every marker of a hostile value appears only
// inside single-quoted literals, each such literal decodes to exactly one
// whole hostile value, and code, comments and double-quoted strings carry
// none of them.
func TestHostileNamesStayInert(t *testing.T) {
	script := fixtureScript(t)
	toks, err := psLex(script)
	if err != nil {
		t.Fatalf("lex: %v", err)
	}
	values := map[string]bool{}
	for _, v := range hostileFixture() {
		values[validUTF8(v)] = true
	}
	seen := map[string]bool{}
	for _, tk := range toks {
		ms := markerRE.FindAllString(tk.Value, -1)
		if len(ms) == 0 {
			continue
		}
		if tk.Kind != tokSingle {
			t.Errorf("line %d: hostile marker %v outside a single-quoted literal (%v): %q", tk.Line, ms, tk.Kind, tk.Value)
			continue
		}
		if !values[tk.Value] {
			t.Errorf("line %d: literal %q is not exactly one hostile value (tenant text was concatenated or altered)", tk.Line, tk.Value)
		}
		for _, m := range ms {
			seen[m] = true
		}
	}
	// Every hostile value the script acts on is present (else the test proves nothing).
	for _, m := range []string{"HX01", "HX02", "HX03", "HX04", "HX05", "HX06", "HX07", "HX08", "HX09", "HX10", "HX11"} {
		if !seen[m] {
			t.Errorf("hostile value %s does not appear in the script at all", m)
		}
	}
	// HX12 is a policy name in a CA finding: the script has no reason to carry it.
	if seen["HX12"] {
		t.Error("CA policy name from a finding was written into the script")
	}
	// The audit summary (with tenant text) is never copied into the script.
	if strings.Contains(script, "summary mentions") {
		t.Error("result summary copied into the script")
	}
	lines := codeLines(toks)
	depth := 0
	for _, l := range lines {
		depth += strings.Count(l, "{") - strings.Count(l, "}")
	}
	if depth != 0 {
		t.Errorf("unbalanced braces in code: %d", depth)
	}
	if !strings.Contains(strings.ReplaceAll(script, "\n# ", " "), "control or invisible formatting characters") {
		t.Error("no header note about invisible characters although literals carry some")
	}
}

// TestHostileEverywhere puts one hostile value into every tenant field in
// turn and checks the same property with every hostile string of the quote
// tests (including newlines, NUL, invalid UTF-8 and 256-character names).
func TestHostileEverywhere(t *testing.T) {
	for i, hv := range hostileStrings() {
		v := "HX99" + hv
		doc := fixtureDoc()
		doc.Tenant.DisplayName = v
		doc.Tenant.PrimaryDomain = v
		for ri := range doc.Results {
			for ai := range doc.Results[ri].Affected {
				doc.Results[ri].Affected[ai].ID = v
				doc.Results[ri].Affected[ai].Name = v
				doc.Results[ri].Affected[ai].Exchange = nil
			}
			doc.Results[ri].Title = v // titles are ours, but must not break comments either
			doc.Results[ri].Remediation.Steps = []string{v}
		}
		script := generate(t, doc, nil, Options{ToolVersion: v})
		toks, err := psLex(script)
		if err != nil {
			t.Fatalf("value %d: lex: %v", i, err)
		}
		found := false
		for _, tk := range toks {
			if !strings.Contains(tk.Value, "HX99") {
				continue
			}
			switch tk.Kind {
			case tokSingle:
				if tk.Value != validUTF8(v) {
					t.Errorf("value %d: literal %q is not the whole value", i, tk.Value)
				}
				found = true
			case tokComment:
				// Titles and steps are our text, sanitised onto one comment
				// line; they must still be one comment (no line break).
				if strings.ContainsAny(tk.Value, "\n\r\u0085\u2028\u2029") {
					t.Errorf("value %d: comment spans lines: %q", i, tk.Value)
				}
			default:
				t.Errorf("value %d: line %d: value in %v token: %q", i, tk.Line, tk.Kind, tk.Value)
			}
		}
		if !found {
			t.Errorf("value %d: not written as a literal anywhere", i)
		}
	}
}

// mutating matches commands that change the tenant.
var mutatingRE = regexp.MustCompile(`\b((Set|New|Update|Remove|Enable|Disable|Revoke|Add|Reset|Clear|Confirm|Grant|Restore|Start|Stop)-[A-Za-z]+|Invoke-MgGraphRequest\s+-Method\s+(POST|PATCH|PUT|DELETE))\b`)

// localCommands are commands that change nothing in the tenant.
func localCommands() map[string]bool {
	return map[string]bool{"Add-ChangeLog": true, "New-Object": true, "Set-Content": true}
}

type mutation struct {
	line    int
	command string
	guarded bool
}

// mutations lists every tenant-changing command in the script's code, and
// whether it sits inside an if ($PSCmdlet.ShouldProcess(...)) { } block.
func mutations(t *testing.T, script string) ([]mutation, []string) {
	t.Helper()
	toks, err := psLex(script)
	if err != nil {
		t.Fatalf("lex: %v", err)
	}
	lines := codeLines(toks)
	var stack []bool
	var out []mutation
	guarded := func() bool {
		for _, g := range stack {
			if g {
				return true
			}
		}
		return false
	}
	for i, l := range lines {
		for _, m := range mutatingRE.FindAllStringIndex(l, -1) {
			cmd := l[m[0]:m[1]]
			if localCommands()[cmd] {
				if cmd == "Set-Content" && !strings.Contains(l, "-WhatIf:$false") {
					t.Errorf("line %d: Set-Content without -WhatIf:$false", i+1)
				}
				continue
			}
			out = append(out, mutation{line: i + 1, command: cmd, guarded: guarded()})
		}
		for j, r := range l {
			switch r {
			case '{':
				stack = append(stack, strings.Contains(l[:j], "if ($PSCmdlet.ShouldProcess(") && !strings.Contains(l[:j], "else"))
			case '}':
				if len(stack) == 0 {
					t.Fatalf("line %d: unbalanced }", i+1)
				}
				stack = stack[:len(stack)-1]
			}
		}
	}
	return out, lines
}

func TestEveryChangeIsGuardedByShouldProcess(t *testing.T) {
	script := fixtureScript(t)
	muts, _ := mutations(t, script)
	if len(muts) < 20 {
		t.Fatalf("found only %d changes; the static check is not seeing the script", len(muts))
	}
	for _, m := range muts {
		if !m.guarded {
			t.Errorf("line %d: %s is not inside if ($PSCmdlet.ShouldProcess(...))", m.line, m.command)
		}
	}
	if !strings.Contains(script, "[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]") {
		t.Error("missing CmdletBinding with SupportsShouldProcess and ConfirmImpact High")
	}
	// Every block is fenced and wrapped in try/catch.
	for _, id := range []string{"ENTRA-MFA-005", "ENTRA-CA-001", "EXO-PROTO-003", "EXO-AUD-004"} {
		start := strings.Index(script, "#region "+id+" ")
		end := strings.Index(script, "#endregion "+id)
		if start < 0 || end < start {
			t.Errorf("%s: no #region/#endregion", id)
			continue
		}
		if !strings.Contains(script[start:end], "} catch {") {
			t.Errorf("%s: no try/catch", id)
		}
	}
}

func TestTenantGuardBeforeFirstChange(t *testing.T) {
	script := fixtureScript(t)
	muts, lines := mutations(t, script)
	guardGraph, guardExo, connectGraph, connectExo := -1, -1, -1, -1
	for i, l := range lines {
		switch {
		case strings.Contains(l, "Connect-MgGraph -TenantId"):
			connectGraph = i + 1
		case strings.Contains(l, "Connect-ExchangeOnline"):
			connectExo = i + 1
		case strings.Contains(l, "if ([string]$mgContext.TenantId -ne $ExpectedTenantId) {"):
			guardGraph = i + 1
		case strings.Contains(l, "if ([string]$exoConnection.TenantID -ne $ExpectedTenantId) {"):
			guardExo = i + 1
		}
	}
	if connectGraph < 0 || connectExo < 0 || guardGraph < connectGraph || guardExo < connectExo {
		t.Fatalf("connect/guard lines missing or out of order: graph %d/%d exchange %d/%d", connectGraph, guardGraph, connectExo, guardExo)
	}
	// The guard throws (the line after the if).
	for _, g := range []int{guardGraph, guardExo} {
		if !strings.HasPrefix(strings.TrimSpace(lines[g]), "throw") {
			t.Errorf("line %d: guard does not throw: %q", g+1, lines[g])
		}
	}
	first := muts[0].line
	if guardGraph > first || guardExo > first {
		t.Errorf("first change at line %d comes before the tenant guard (%d, %d)", first, guardGraph, guardExo)
	}
	if !strings.Contains(script, "$ExpectedTenantId = '"+fixtureTenant+"'") {
		t.Error("expected tenant id not written as a literal")
	}
	if !strings.Contains(script, "$ExpectedExchangeOrganization = ") {
		t.Error("Exchange organization check missing although the snapshot has it")
	}
}

// requires parses the #Requires -Modules lines.
func requires(script string) []string {
	re := regexp.MustCompile(`(?m)^#Requires -Modules @\{ ModuleName = '([^']+)'; ModuleVersion = '([^']+)' \}$`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(script, -1) {
		out = append(out, m[1]+"@"+m[2])
	}
	return out
}

// graphScopes parses the $RequiredGraphScopes line and checks that
// Connect-MgGraph uses it.
func graphScopes(t *testing.T, script string) []string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^\s*\$RequiredGraphScopes = @\((.*)\)$`)
	m := re.FindStringSubmatch(script)
	if m == nil {
		if strings.Contains(script, "Connect-MgGraph") {
			t.Fatal("Connect-MgGraph without $RequiredGraphScopes")
		}
		return nil
	}
	if !strings.Contains(script, "Connect-MgGraph -TenantId '"+fixtureTenant+"' -Scopes $RequiredGraphScopes") || !strings.Contains(script, "-NoWelcome") {
		t.Fatal("Connect-MgGraph does not request $RequiredGraphScopes for the tenant")
	}
	var out []string
	for _, p := range strings.Split(m[1], ",") {
		out = append(out, strings.Trim(strings.TrimSpace(p), "'"))
	}
	return out
}

func onlyResult(id string, st checks.Status, p1 bool, aff ...checks.Affected) *checks.Document {
	doc := fixtureDoc()
	doc.Licences = checks.Licences{Known: true, P1: p1}
	doc.Results = []checks.Result{res(id, "title", st, checks.SeverityHigh, aff...)}
	return doc
}

func TestScopesAndModulesPerBlock(t *testing.T) {
	graphMod := GraphAuthModule + "@" + GraphAuthMinVersion
	exoMod := ExchangeModule + "@" + ExchangeMinVersion
	mbx := checks.Affected{Kind: "mailbox", ID: "a@contoso.com", Name: "a"}
	cases := []struct {
		id      string
		p1      bool
		aff     []checks.Affected
		scopes  []string
		modules []string
		exo     bool
	}{
		{"ENTRA-MFA-005", true, nil, []string{"Policy.ReadWrite.AuthenticationMethod"}, []string{graphMod}, false},
		{"ENTRA-MFA-006", true, nil, []string{"Policy.ReadWrite.AuthenticationMethod"}, []string{graphMod}, false},
		{"ENTRA-MFA-007", true, nil, []string{"Policy.ReadWrite.AuthenticationMethod"}, []string{graphMod}, false},
		{"ENTRA-EXT-001", true, nil, []string{"Policy.ReadWrite.Authorization"}, []string{graphMod}, false},
		{"ENTRA-EXT-002", true, nil, []string{"Policy.ReadWrite.Authorization"}, []string{graphMod}, false},
		{"ENTRA-EXT-005", true, nil, []string{"Policy.ReadWrite.Authorization"}, []string{graphMod}, false},
		{"ENTRA-ID-004", true, nil, []string{"Policy.ReadWrite.Authorization"}, []string{graphMod}, false},
		{"ENTRA-APP-001", true, nil, []string{"Policy.ReadWrite.Authorization"}, []string{graphMod}, false},
		{"ENTRA-APP-003", true, nil, []string{"Policy.ReadWrite.Authorization"}, []string{graphMod}, false},
		{"ENTRA-ID-001", true, []checks.Affected{{Kind: "domain", ID: "contoso.com"}}, []string{"Domain.ReadWrite.All"}, []string{graphMod}, false},
		{"ENTRA-MFA-001", true, nil, []string{"Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"}, []string{graphMod}, false},
		{"ENTRA-MFA-001", false, nil, []string{"Policy.ReadWrite.SecurityDefaults"}, []string{graphMod}, false},
		{"ENTRA-CA-001", true, nil, []string{"Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"}, []string{graphMod}, false},
		{"ENTRA-CA-001", false, nil, nil, nil, false}, // no P1: manual only
		{"ENTRA-APP-002", true, nil, nil, nil, false}, // commented template: connects to nothing
		{"EXO-PROTO-001", true, nil, nil, []string{exoMod}, true},
		{"EXO-PROTO-003", true, []checks.Affected{mbx}, nil, []string{exoMod}, true},
		{"EXO-AUD-004", true, []checks.Affected{{Kind: "bypassAssociation", ID: "svc"}}, nil, []string{exoMod}, true},
		{"EXO-PROTO-002", true, nil, nil, nil, false}, // no affected mailbox: manual
		{"ENTRA-EXT-003", true, nil, nil, nil, false}, // not scriptable
	}
	for _, c := range cases {
		name := c.id
		if !c.p1 {
			name += "/noP1"
		}
		t.Run(name, func(t *testing.T) {
			script := generate(t, onlyResult(c.id, checks.StatusFail, c.p1, c.aff...), nil, Options{})
			got := graphScopes(t, script)
			if strings.Join(got, ",") != strings.Join(c.scopes, ",") {
				t.Errorf("scopes %v, want %v", got, c.scopes)
			}
			if mods := requires(script); strings.Join(mods, ",") != strings.Join(c.modules, ",") {
				t.Errorf("#Requires modules %v, want %v", mods, c.modules)
			}
			if has := strings.Contains(script, "Connect-ExchangeOnline"); has != c.exo {
				t.Errorf("Connect-ExchangeOnline present %v, want %v", has, c.exo)
			}
			if strings.Contains(script, "Connect-MgGraph") != (len(c.scopes) > 0) {
				t.Error("Connect-MgGraph presence does not match the scopes")
			}
			muts, _ := mutations(t, script)
			for _, m := range muts {
				if !m.guarded {
					t.Errorf("line %d: %s not guarded by ShouldProcess", m.line, m.command)
				}
			}
			if strings.Contains(script, "#region "+c.id+" ") && len(muts) == 0 && c.id != "ENTRA-APP-002" {
				t.Error("block without any change statement")
			}
		})
	}
}

func TestFixtureScopesAndModules(t *testing.T) {
	script := fixtureScript(t)
	want := []string{"Domain.ReadWrite.All", "Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod", "Policy.ReadWrite.Authorization", "Policy.ReadWrite.ConditionalAccess"}
	if got := graphScopes(t, script); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("scopes %v, want %v", got, want)
	}
	mods := requires(script)
	if len(mods) != 2 || !strings.HasPrefix(mods[0], GraphAuthModule) || !strings.HasPrefix(mods[1], ExchangeModule) {
		t.Errorf("#Requires modules %v", mods)
	}
}

func TestConditionalAccessPolicies(t *testing.T) {
	script := fixtureScript(t)
	for _, id := range []string{"ENTRA-MFA-001", "ENTRA-CA-001", "ENTRA-CA-002", "ENTRA-CA-004"} {
		start := strings.Index(script, "#region "+id+" ")
		block := script[start:strings.Index(script, "#endregion "+id)]
		for _, want := range []string{"state         = 'enabledForReportingButNotEnforced'", "excludeUsers = @($BreakGlassUserIds)", "excludeGroups = @($BreakGlassGroupIds)", "Find-ConditionalAccessPolicy -DisplayName $policyName"} {
			if !strings.Contains(block, want) {
				t.Errorf("%s: missing %q", id, want)
			}
		}
	}
	if strings.Contains(script, "'enabled'") && strings.Contains(script, "state = 'enabled'") {
		t.Error("a policy is created enabled")
	}
	if !strings.Contains(script, "$BreakGlassUserIds = @('aaaaaaaa-0000-0000-0000-000000000001', 'aaaaaaaa-0000-0000-0000-000000000002')") {
		t.Error("break-glass ids not written")
	}
	if strings.Contains(script, "LOCKOUT RISK") {
		t.Error("lockout warning although break-glass accounts are configured")
	}
	if !strings.Contains(script, "Update-MgIdentityConditionalAccessPolicy -ConditionalAccessPolicyId ''{0}'' -State enabled") {
		t.Error("no enable instructions")
	}
	// CA-008 is warn: it is listed for review, not recreated.
	if strings.Contains(script, "#region ENTRA-CA-008 ") {
		t.Error("warn CA check got a new policy")
	}

	// Without break-glass accounts: loud warning in a comment and at run time.
	noBG := generate(t, onlyResult("ENTRA-CA-001", checks.StatusFail, true), nil, Options{})
	if strings.Count(noBG, "LOCKOUT RISK") < 3 || !strings.Contains(noBG, "Write-Warning 'LOCKOUT RISK") {
		t.Error("no lockout warning without break-glass accounts")
	}
}

func TestSecurityDefaultsWithoutP1(t *testing.T) {
	script := generate(t, onlyResult("ENTRA-MFA-001", checks.StatusFail, false), nil, Options{})
	if !strings.Contains(script, "identitySecurityDefaultsEnforcementPolicy") || strings.Contains(script, "conditionalAccess/policies") {
		t.Error("no-P1 tenant must get security defaults, not a CA policy")
	}
	if !strings.Contains(script, "if ($before -eq $true) {") {
		t.Error("security defaults already on must be a no-op")
	}
	unknown := onlyResult("ENTRA-MFA-001", checks.StatusFail, false)
	unknown.Licences = checks.Licences{}
	s2 := generate(t, unknown, nil, Options{})
	if strings.Contains(s2, "#region ENTRA-MFA-001") || !strings.Contains(s2, "licences were not collected") {
		t.Error("unknown licences must give a manual step")
	}
}

func TestManualAcceptedAndSkipped(t *testing.T) {
	script := fixtureScript(t)
	manual := script[strings.Index(script, "#region ManualSteps"):]
	for _, want := range []string{"# ENTRA-EXT-003 ", "# EXO-MAIL-003 ", "# ENTRA-CA-008 ", "1. Open the admin center.", "EXO-PROTO-004", "IR-INB-001", "ENTRA-MFA-003"} {
		if !strings.Contains(manual, want) {
			t.Errorf("manual steps region lacks %q", want)
		}
	}
	if strings.Contains(script, "#region EXO-PROTO-004") || strings.Contains(script, "#region ENTRA-PRIV-001") || strings.Contains(script, "#region IR-INB-001") {
		t.Error("block for an accepted, passing or incident check")
	}
	// The accepted mailbox is logged as skipped, not in the target list.
	h := hostileFixture()
	if !strings.Contains(script, "Add-ChangeLog -CheckId 'EXO-PROTO-003' -Target "+Quote(h["mbx4"])+" -Status 'skipped'") {
		t.Error("accepted mailbox not logged as skipped")
	}
	// PROTO-002 resolves the CAS mailbox to its primary SMTP address from the snapshot.
	if !strings.Contains(script, Quote(h["cas"])) {
		t.Error("CAS mailbox identity not resolved from the snapshot")
	}
}

func TestBadInput(t *testing.T) {
	doc := fixtureDoc()
	doc.Tenant.ID = "contoso.onmicrosoft.com"
	var buf bytes.Buffer
	if err := writeRemediationDoc(context.Background(), &buf, doc, nil, Options{}); err == nil || buf.Len() != 0 {
		t.Error("non-GUID tenant id accepted")
	}
	if err := writeRemediationDoc(context.Background(), &buf, fixtureDoc(), nil, Options{BreakGlassUserIDs: []string{"admin@contoso.com"}}); err == nil {
		t.Error("UPN accepted as break-glass object id")
	}
	doc = fixtureDoc()
	doc.Cloud = "mars"
	if err := writeRemediationDoc(context.Background(), &buf, doc, nil, Options{}); err == nil {
		t.Error("unknown cloud accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := writeRemediationDoc(ctx, &buf, fixtureDoc(), nil, Options{}); err == nil {
		t.Error("cancelled context ignored")
	}
	if err := writeRemediationDoc(context.Background(), &buf, nil, nil, Options{}); err == nil {
		t.Error("nil document accepted")
	}
}

func TestNationalCloud(t *testing.T) {
	doc := fixtureDoc()
	doc.Cloud = "usgov"
	script := generate(t, doc, nil, Options{})
	if !strings.Contains(script, "-Environment 'USGov' -NoWelcome") || !strings.Contains(script, "-ExchangeEnvironmentName 'O365USGovGCCHigh'") {
		t.Error("national cloud not passed to Connect-MgGraph / Connect-ExchangeOnline")
	}
}

func TestNothingToFix(t *testing.T) {
	doc := fixtureDoc()
	doc.Results = []checks.Result{res("ENTRA-PRIV-001", "x", checks.StatusPass, checks.SeverityLow)}
	script := generate(t, doc, nil, Options{})
	if strings.Contains(script, "Connect-") || len(requires(script)) != 0 {
		t.Error("a script with nothing to fix must connect to nothing")
	}
	muts, _ := mutations(t, script)
	if len(muts) != 0 {
		t.Errorf("changes in an empty script: %v", muts)
	}
}

// TestSupportsMatchesCatalogue: the fix registry names only checks that
// exist, and every check's Remediation.Script flag must say
// whether a script carries steps for it: remediation.ps1 (Supports) for
// configuration checks, the containment script incident-<user>.ps1
// (SupportsContainment) for incident checks. The flags are owned by the
// check authors; this test reports mismatches for them to fix. (It also
// covers the Conditional Access checks' flags, formerly compared in a
// checks test that had to import this package.)
func TestSupportsMatchesCatalogue(t *testing.T) {
	var mismatches, incident []string
	for _, c := range checks.All() {
		if c.Incident {
			if c.Remediation.Script != model.SupportsContainment(c.ID) {
				incident = append(incident, c.ID)
			}
			if Supports(c.ID) {
				t.Errorf("%s: incident check with a remediation.ps1 block; incident findings belong to the containment script", c.ID)
			}
			continue
		}
		if c.Remediation.Script == Supports(c.ID) {
			continue
		}
		mismatches = append(mismatches, c.ID)
	}
	if len(incident) > 0 {
		t.Errorf("Remediation.Script disagrees with pwsh.SupportsContainment for incident checks %v: set Remediation.Script in the check's own file, or add/remove the step in report/model/containment.go", incident)
	}
	if missing := unknownFixes(fixSpecs(), checks.All()); len(missing) > 0 {
		t.Errorf("fix registry entries for checks that do not exist in checks.All(): %v", missing)
	}
	if len(mismatches) > 0 {
		t.Errorf("Remediation.Script disagrees with pwsh.Supports for %v: set Remediation.Script in the check's own file, or add/remove the fix in fixSpecs (report/pwsh/remediation.go)", mismatches)
	}
}

// unknownFixes lists, sorted, the registry entries whose check is not in
// all.
func unknownFixes(reg map[string]fixSpec, all []checks.Check) []string {
	ids := map[string]bool{}
	for _, c := range all {
		ids[c.ID] = true
	}
	var missing []string
	for id := range reg {
		if !ids[id] {
			missing = append(missing, id)
		}
	}
	sort.Strings(missing)
	return missing
}

// TestUnknownFixesIsFound: a registry entry keyed to a check ID the
// catalogue does not have is reported (TestSupportsMatchesCatalogue fails
// on it), and the real registry's keys are all known.
func TestUnknownFixesIsFound(t *testing.T) {
	reg := fixSpecs()
	if got := unknownFixes(reg, checks.All()); len(got) != 0 {
		t.Errorf("unknown fixes in the registry: %v", got)
	}
	reg["ENTRA-NOPE-999"] = fixSpec{kind: fixGraph}
	reg["IR-NOPE-001"] = fixSpec{kind: fixExchange}
	if got := unknownFixes(reg, checks.All()); !slices.Equal(got, []string{"ENTRA-NOPE-999", "IR-NOPE-001"}) {
		t.Errorf("unknownFixes = %v, want the two unknown IDs", got)
	}
}

func BenchmarkWriteRemediation(b *testing.B) {
	doc := fixtureDoc()
	var boxes []checks.Affected
	for i := 0; i < 10000; i++ {
		id := "user" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "@contoso.com" + string(rune('0'+i%10)) + strings.Repeat("’", i%3)
		boxes = append(boxes, checks.Affected{Kind: "mailbox", ID: id + "-" + time.Duration(i).String(), Name: id})
	}
	for i := range doc.Results {
		if doc.Results[i].ID == "EXO-PROTO-003" {
			doc.Results[i].Affected = boxes
		}
	}
	snap := fixtureSnap()
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := writeRemediationDoc(context.Background(), &buf, doc, snap, Options{ToolVersion: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCheckersCanFail feeds the static checkers scripts with the mistakes
// they exist to catch, so a checker that sees nothing cannot pass silently.
func TestCheckersCanFail(t *testing.T) {
	bad := "if ($x) {\n    Set-CASMailbox -Identity 'a' -PopEnabled $false\n}\nif ($PSCmdlet.ShouldProcess('t', 'a')) {\n    Set-TransportConfig -SmtpClientAuthenticationDisabled $true\n} else {\n    Invoke-MgGraphRequest -Method PATCH -Uri '/v1.0/x'\n}\n"
	muts, _ := mutations(t, bad)
	if len(muts) != 3 || muts[0].guarded || !muts[1].guarded || muts[2].guarded {
		t.Fatalf("mutations = %+v, want unguarded, guarded, unguarded", muts)
	}
	// A command inside a string is not a change.
	if m, _ := mutations(t, "Write-Host 'Set-CASMailbox -Identity x'\n"); len(m) != 0 {
		t.Fatalf("string content counted as a change: %+v", m)
	}
	toks, err := psLex("Write-Host \"HX01 $(calc)\" # HX02\n$a = 'HX03'\n")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]tokKind{}
	for _, tk := range toks {
		for _, m := range markerRE.FindAllString(tk.Value, -1) {
			kinds[m] = tk.Kind
		}
	}
	if kinds["HX01"] != tokDouble || kinds["HX02"] != tokComment || kinds["HX03"] != tokSingle {
		t.Fatalf("lexer kinds = %v", kinds)
	}
	if _, err := psLex("$a = @'\nx\n'@\n"); err == nil {
		t.Fatal("here-string not reported")
	}
	// An undoubled typographic quote ends the literal early ("O"), and the
	// final quote then opens a string that never ends.
	if _, err := psLex("$a = 'O’Neil'\n"); err == nil {
		t.Fatal("literal broken by a typographic quote not reported")
	}
}
