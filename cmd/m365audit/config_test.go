package main

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/batch"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/collectors/tenantsim"
)

// badConfigs are configurations with one entry the Contoso sample does not
// have, and the file:line message each must produce.
var badConfigs = []struct {
	name, yaml, want string
}{
	{"break-glass", "breakGlass:\n  users: [admin@contoso.onmicrosoft.com, nobody@contoso.com]\n",
		`:2: breakGlass.users[1]: "nobody@contoso.com" matches no user of the tenant`},
	{"exclusion", "exclusions:\n  ENTRA-MFA-001:\n    users: [ghost@contoso.com]\n",
		`:3: exclusions.ENTRA-MFA-001.users[0]: "ghost@contoso.com" matches no user of the tenant`},
	{"acceptance", "accept:\n  - check: EXO-PROTO-003\n    objects: [scaner@contoso.com]\n    reason: MFP\n    owner: IT\n    expires: 2099-01-31\n",
		`:3: accept[0].objects[0]: EXO-PROTO-003 object "scaner@contoso.com" matches nothing the check reports and no object of its data`},
}

func writeConfig(t *testing.T, name, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAuditUnknownBreakGlassEveryMode: a configuration entry that matches
// nothing in the snapshot (a break-glass account, an approved exclusion, an
// accepted object) stops every command that takes --config the same way:
// exit 1, the file:line of the entry, and no report written.
func TestAuditUnknownBreakGlassEveryMode(t *testing.T) {
	for _, bc := range badConfigs {
		p := writeConfig(t, bc.name, bc.yaml)
		want := filepath.Base(p) + bc.want
		out := filepath.Join(t.TempDir(), "out")
		for _, o := range []auditOptions{{ConfigPath: p}, {ConfigPath: p, Format: "json"}, {ConfigPath: p, Out: out}} {
			code, stdout, errs := audit(t, sampleDir, o)
			if code != exitCannotRun || !strings.Contains(errs, want) || strings.Contains(stdout, "ENTRA-MFA-001") {
				t.Errorf("%s, audit %+v: exit %d\n%s", bc.name, o, code, errs)
			}
		}
		if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: audit --out wrote %s despite the error (%v)", bc.name, out, err)
		}
		code, stdout, errs := cli(t, "diff", sampleDir, sampleDir, "--config", p)
		if code != exitCannotRun || !strings.Contains(errs, want) || stdout != "" {
			t.Errorf("%s, diff: exit %d\n%s\n%s", bc.name, code, stdout, errs)
		}
	}
}

// TestBatchConfigEntriesThatMatchNothing: in `batch`, a tenant whose
// configuration names something the tenant does not have fails with the
// entry's file:line (the others run), and a configuration file that does
// not parse fails its tenant before anything is collected.
func TestBatchConfigEntriesThatMatchNothing(t *testing.T) {
	contoso := sample(t)
	sim := startTenant(t, contoso, tenantsim.Options{GraphToken: "g", ExchangeToken: "x", PageSize: 100})
	t.Setenv("M365AUDIT_GRAPH_TOKEN", "g")
	t.Setenv("M365AUDIT_EXCHANGE_TOKEN", "x")
	dir := t.TempDir()
	tenant := func(name, cfg, endpoint string) string {
		return "  - {name: " + name + ", tenant: " + contoso.Manifest.Tenant.ID + ", config: " + cfg + ", graphEndpoint: \"" + endpoint + "\", exchangeEndpoint: \"" + endpoint + "\"}\n"
	}
	yaml := "defaults: {auth: token}\ntenants:\n"
	for _, bc := range badConfigs {
		if err := os.WriteFile(filepath.Join(dir, bc.name+".yaml"), []byte(bc.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		yaml += tenant(bc.name, bc.name+".yaml", sim.URL())
	}
	if err := os.WriteFile(filepath.Join(dir, "good.yaml"), []byte(readmeConfig(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	yaml += tenant("good", "good.yaml", sim.URL())
	if err := os.WriteFile(filepath.Join(dir, "typo.yaml"), []byte("breakGlas:\n  users: [x]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Unreachable: only a config checked before collecting names the typo.
	yaml += tenant("typo", "typo.yaml", closedPortURL(t))
	tenantsFile := filepath.Join(dir, "tenants.yaml")
	if err := os.WriteFile(tenantsFile, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "runs")
	started := time.Date(2026, 12, 4, 15, 30, 0, 0, time.UTC)
	err, out := batchAt(t, started, nil, batchOptions{Tenants: tenantsFile, Out: root, Concurrency: 2})
	if exitCodeOf(err) != exitCannotRun {
		t.Fatalf("exit %d (%v)\n%s", exitCodeOf(err), err, out)
	}
	sum := readSummary(t, root, started)
	got := map[string]batch.Entry{}
	for _, e := range sum.Tenants {
		got[e.Name] = e
	}
	for _, bc := range badConfigs {
		if e := got[bc.name]; e.Status != batch.StatusFailed || !strings.Contains(e.Reason, bc.name+".yaml"+bc.want) {
			t.Errorf("%s: %+v", bc.name, e)
		}
	}
	if e := got["typo"]; e.Status != batch.StatusFailed || !strings.Contains(e.Reason, `typo.yaml:1: unknown key "breakGlas"`) {
		t.Errorf("typo: %+v", e)
	}
	if e := got["good"]; e.Status != batch.StatusOK || e.Score == nil {
		t.Errorf("good: %+v", e)
	}
}

// readmeConfig is the README's configuration example with its placeholders
// filled in for the Contoso sample (a group id, a user's object id).
func readmeConfig(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)### Configuration \\(`--config`\\)\n\n```yaml\n(.*?)```").FindSubmatch(raw)
	if m == nil {
		t.Fatal("README has no configuration example")
	}
	y := strings.ReplaceAll(string(m[1]), "<group object id>", "7a1e0000-0000-4000-8000-0000000000b6")
	y = strings.ReplaceAll(y, "<object id>", "bc4fde8d-31a8-47f5-8bb4-d6a554e94b4a")
	if strings.Contains(y, "<") {
		t.Fatalf("README example has a placeholder this test does not fill:\n%s", y)
	}
	return y
}

// TestREADMEConfigResolvesOnSample: the README's example configuration
// resolves cleanly against the Contoso sample in every mode, and what it
// declares is applied (break-glass exclusions approved, the scanner's
// acceptance recorded).
func TestREADMEConfigResolvesOnSample(t *testing.T) {
	p := writeConfig(t, "audit", readmeConfig(t))
	out := filepath.Join(t.TempDir(), "out")
	for _, o := range []auditOptions{{ConfigPath: p}, {ConfigPath: p, Format: "json"}, {ConfigPath: p, Out: out}} {
		if code, _, errs := audit(t, sampleDir, o); code != 0 || strings.Contains(errs, "WARNING") {
			t.Errorf("audit %+v: exit %d\n%s", o, code, errs)
		}
	}
	ps, err := os.ReadFile(filepath.Join(out, "remediation.ps1"))
	if err != nil || !strings.Contains(string(ps), "$BreakGlassUserIds = @('5c44c1da-077e-43bd-8347-85b1be46b7d7')") ||
		!strings.Contains(string(ps), "$BreakGlassGroupIds = @('7a1e0000-0000-4000-8000-0000000000b6')") {
		t.Errorf("remediation.ps1 does not exclude the resolved break-glass ids (%v)", err)
	}
	if code, _, errs := cli(t, "diff", sampleDir, sampleDir, "--config", p); code != 0 || errs != "" {
		t.Errorf("diff: exit %d\n%s", code, errs)
	}
}

// TestDiffConfigAgainstTheNewerSnapshot: diff checks the configuration
// against the newer snapshot. A break-glass account created since the
// older snapshot is no error; one the newer snapshot no longer has is.
// Entries that cannot be checked are warned about.
func TestDiffConfigAgainstTheNewerSnapshot(t *testing.T) {
	const itAdmin = "it-admin@contoso.com"
	dropUser := func(m *snapshot.Manifest, d m365audit.Datasets) {
		var keep []any
		for _, u := range d.List(snapshot.DSUsers) {
			if u.(map[string]any)["userPrincipalName"] != itAdmin {
				keep = append(keep, u)
			}
		}
		d[snapshot.DSUsers] = keep
	}
	without := writeSnapshot(t, dropUser)
	with := writeSnapshot(t, func(*snapshot.Manifest, m365audit.Datasets) {})
	p := writeConfig(t, "bg", "breakGlass:\n  users: ["+itAdmin+"]\n")
	if code, _, errs := cli(t, "diff", without, with, "--config", p); code != 0 {
		t.Errorf("account created since the older snapshot: exit %d\n%s", code, errs)
	}
	if code, _, errs := cli(t, "diff", with, without, "--config", p); code != exitCannotRun || !strings.Contains(errs, `bg.yaml:2: breakGlass.users[0]: "`+itAdmin+`" matches no user`) {
		t.Errorf("account gone from the newer snapshot: exit %d\n%s", code, errs)
	}
	// NEW a results document: the older snapshot is the only tenant data,
	// and is checked.
	res := filepath.Join(t.TempDir(), "audit")
	if code, _, errs := cli(t, "audit", with, "--out", res, "--formats", "json"); code != 0 {
		t.Fatalf("audit: %d %s", code, errs)
	}
	if code, _, errs := cli(t, "diff", without, filepath.Join(res, "results.json"), "--config", p); code != exitCannotRun || !strings.Contains(errs, `bg.yaml:2: breakGlass.users[0]`) {
		t.Errorf("results document as NEW: exit %d\n%s", code, errs)
	}
	noCAS := writeSnapshot(t, func(m *snapshot.Manifest, d m365audit.Datasets) {
		info := m.Datasets[snapshot.DSExoCASMailbox]
		info.Status, info.Reason = snapshot.StatusForbidden, "denied"
		m.Datasets[snapshot.DSExoCASMailbox] = info
		delete(d, snapshot.DSExoCASMailbox)
	})
	acc := writeConfig(t, "acc", badConfigs[2].yaml)
	code, _, errs := cli(t, "diff", with, noCAS, "--config", acc)
	if code != 0 || !strings.HasPrefix(errs, "WARNING: config ") || !strings.Contains(errs, `acc.yaml:3: accept[0].objects[0]: EXO-PROTO-003 object "scaner@contoso.com" was not checked against the tenant`) {
		t.Errorf("unverifiable acceptance: exit %d\n%s", code, errs)
	}
}
