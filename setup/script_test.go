package setup

import (
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/collectors/auth"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/pscheck"
	"github.com/m365audit/m365audit/report/pwsh"
)

func global(t *testing.T) auth.Cloud {
	t.Helper()
	c, err := auth.LookupCloud(auth.CloudGlobal)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// registryGraphPermissions is what the registry needs, computed here
// independently of AppPermissions.
func registryGraphPermissions(t *testing.T, incident bool) []string {
	t.Helper()
	set := map[string]bool{}
	for _, s := range snapshot.Specs() {
		if s.Incident && !incident {
			continue
		}
		n, err := snapshot.ParsePermission(s.Permission)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range append(n.Graph, n.Partial...) {
			set[p] = true
		}
	}
	var out []string
	for p := range set {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

var listLine = regexp.MustCompile(`(?m)^\$(GraphPermissions|ExchangePermissions|DirectoryRoleIds) = @\((.*)\)$`)

func scriptLists(t *testing.T, script string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, m := range listLine.FindAllStringSubmatch(script, -1) {
		var vals []string
		for _, v := range strings.Split(m[2], ", ") {
			if v != "" {
				vals = append(vals, strings.Trim(v, "'"))
			}
		}
		out[m[1]] = vals
	}
	return out
}

// TestScriptNamesExactlyTheRegistryPermissions: the script requests exactly
// the registry's Graph permissions (plus incident ones with --incident),
// Exchange.ManageAsApp and Global Reader.
func TestScriptNamesExactlyTheRegistryPermissions(t *testing.T) {
	for _, incident := range []bool{false, true} {
		s, err := Script(Options{Tenant: "contoso.onmicrosoft.com", Cloud: global(t), Incident: incident, KeyFile: "app.pem"}, NewPlan(incident))
		if err != nil {
			t.Fatal(err)
		}
		lists := scriptLists(t, string(s))
		if got, want := lists["GraphPermissions"], registryGraphPermissions(t, incident); !slices.Equal(got, want) {
			t.Errorf("incident=%v: script Graph permissions\n %v\nregistry\n %v", incident, got, want)
		}
		if got := lists["ExchangePermissions"]; !slices.Equal(got, []string{"Exchange.ManageAsApp"}) {
			t.Errorf("Exchange permissions %v", got)
		}
		if got := lists["DirectoryRoleIds"]; !slices.Equal(got, []string{roleTemplateIDs["Global Reader"]}) {
			t.Errorf("roles %v", got)
		}
	}
	plain := registryGraphPermissions(t, false)
	withInc := registryGraphPermissions(t, true)
	if len(withInc) <= len(plain) {
		t.Errorf("--incident adds no permission (%d vs %d)", len(withInc), len(plain))
	}
}

// TestScriptParsesAndKeepsHostileInputInert: the script parses with an
// independent PowerShell grammar, for a plain and a hostile app name and
// tenant, single- and multi-tenant, and the hostile text appears only as
// the quoted literal.
func TestScriptParsesAndKeepsHostileInputInert(t *testing.T) {
	tool := pscheck.Require(t)
	usgov, err := auth.LookupCloud(auth.CloudUSGov)
	if err != nil {
		t.Fatal(err)
	}
	hostile := "x'; Remove-MgUser -UserId 'a'; $(calc) \u202e<script>\u4e2d"
	cases := []Options{
		{Tenant: "contoso.onmicrosoft.com", Cloud: global(t), KeyFile: "app.pem"},
		{Tenant: "6f1c2a9e-0b7d-4c3e-9a51-2d8e4f6b7c10", Cloud: usgov, MultiTenant: true, Incident: true, KeyFile: "/keys/app.pem", AppName: hostile},
	}
	dir := t.TempDir()
	var paths []string
	for i, o := range cases {
		s, err := Script(o, NewPlan(o.Incident))
		if err != nil {
			t.Fatal(err)
		}
		text := string(s)
		if o.AppName == hostile {
			lit := pwsh.Quote(hostile)
			if !strings.Contains(text, "$AppDisplayName = "+lit+"\n") {
				t.Errorf("hostile app name not written as one literal")
			}
			if strings.Count(text, "Remove-MgUser") != 1 {
				t.Errorf("hostile text appears outside its literal")
			}
			if !strings.Contains(text, "$SignInAudience = 'AzureADMultipleOrgs'") || !strings.Contains(text, "$GraphEnvironment = 'USGov'") {
				t.Errorf("multi-tenant / cloud settings missing")
			}
		}
		for _, must := range []string{"SupportsShouldProcess = $true", "#region TenantGuard", "Write-SetupLogFile", "$PSCmdlet.ShouldProcess("} {
			if !strings.Contains(text, must) {
				t.Errorf("case %d lacks %q", i, must)
			}
		}
		p := filepath.Join(dir, "setup-"+string(rune('a'+i))+".ps1")
		if err := os.WriteFile(p, s, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	pscheck.AssertParses(t, tool, paths...)
}

// TestEveryChangeIsGuarded: every POST or PATCH in the script sits inside a
// ShouldProcess branch (so -WhatIf changes nothing) and after the tenant
// guard.
func TestEveryChangeIsGuarded(t *testing.T) {
	s, err := Script(Options{Tenant: "contoso.com", Cloud: global(t)}, NewPlan(true))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(s), "\n")
	guard := -1
	for i, l := range lines {
		if strings.Contains(l, "is not {1}. Nothing was changed.") {
			guard = i
		}
		if !strings.Contains(l, "-Method POST") && !strings.Contains(l, "-Method PATCH") && !strings.Contains(l, "-Method DELETE") {
			continue
		}
		if strings.Contains(l, "-Method DELETE") {
			t.Errorf("line %d deletes: %s", i+1, l)
		}
		if guard < 0 || i < guard {
			t.Errorf("line %d changes the tenant before the tenant guard", i+1)
		}
		guarded := false
		for j := i - 1; j >= 0 && j >= i-6; j-- {
			if strings.Contains(lines[j], "$PSCmdlet.ShouldProcess(") {
				guarded = true
				break
			}
		}
		if !guarded {
			t.Errorf("line %d is not inside a ShouldProcess branch: %s", i+1, strings.TrimSpace(l))
		}
	}
}

func TestCertificate(t *testing.T) {
	now := mustTime(t)
	c, err := GenerateCertificate("m365audit test", now, 24*60*60*1e9)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pemPath := filepath.Join(dir, "app.pem")
	if err := os.WriteFile(pemPath, c.KeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	// The PEM is what collect --auth certificate reads (through azidentity).
	if certs, key, err := azidentity.ParseCertificates(c.KeyPEM, nil); err != nil || len(certs) != 1 || key == nil {
		t.Fatalf("azidentity cannot read the generated PEM: %v", err)
	}
	got, err := LoadCertificate(pemPath)
	if err != nil {
		t.Fatal(err)
	}
	if got.Thumbprint != c.Thumbprint || len(c.Thumbprint) != 40 {
		t.Errorf("thumbprint %s vs %s", got.Thumbprint, c.Thumbprint)
	}
	derPath := filepath.Join(dir, "app.cer")
	if err := os.WriteFile(derPath, c.DER, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadCertificate(derPath); err != nil || got.Thumbprint != c.Thumbprint {
		t.Errorf("DER: %v %v", got, err)
	}
	if _, err := LoadCertificate(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file accepted")
	}
}

// TestWhatIfConnectsReadOnly: with -WhatIf the script signs in with read
// permissions only, so a dry run needs no consent to write.
func TestWhatIfConnectsReadOnly(t *testing.T) {
	s, err := Script(Options{Tenant: "contoso.com", Cloud: global(t)}, NewPlan(true))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^if \(\$WhatIfPreference\) \{\n\s+\$SetupGraphScopes = @\(([^)]*)\)\n\}\nConnect-MgGraph [^\n]*-Scopes \$SetupGraphScopes$`).FindStringSubmatch(string(s))
	if m == nil {
		t.Fatal("Connect-MgGraph does not take read scopes under -WhatIf")
	}
	for _, sc := range strings.Split(m[1], ", ") {
		if sc = strings.Trim(sc, "'"); !strings.Contains(sc, ".Read.") {
			t.Errorf("-WhatIf requests %s", sc)
		}
	}
	if n := strings.Count(string(s), "Connect-MgGraph "); n != 1 {
		t.Errorf("%d Connect-MgGraph calls, want 1", n)
	}
}
