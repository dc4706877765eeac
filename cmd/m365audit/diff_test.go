package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/diff"
)

// writeSnapshot writes an edited copy of the sample tenant into a new
// directory.
func writeSnapshot(t *testing.T, edit func(m *snapshot.Manifest, d m365audit.Datasets)) string {
	t.Helper()
	base, err := m365audit.SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	f, err := m365audit.EditSnapshot(base, func(m *snapshot.Manifest, d m365audit.Datasets) error {
		edit(m, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "snap")
	if err := os.CopyFS(dir, f); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDiffSameTenantCollectedTwice: the Contoso tenant collected twice
// through the simulated tenant gives no change at all.
func TestDiffSameTenantCollectedTwice(t *testing.T) {
	a, err := runDemoCollect(t.Context(), demoOptions{Out: filepath.Join(t.TempDir(), "a")})
	if err != nil {
		t.Fatal(err)
	}
	b, err := runDemoCollect(t.Context(), demoOptions{Out: filepath.Join(t.TempDir(), "b")})
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := cli(t, "diff", a, b, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var d diff.Document
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		t.Fatal(err)
	}
	if !d.Empty() || !d.ObjectsCompared || d.SchemaVersion != 1 || d.Counts.Unchanged == 0 {
		t.Fatalf("two collections of the unchanged tenant differ:\n%s", stdout)
	}
	code, stdout, _ = cli(t, "diff", a, b)
	if code != 0 || !strings.Contains(stdout, "No changes.") {
		t.Fatalf("table: exit %d\n%s", code, stdout)
	}
}

func TestDiffCommand(t *testing.T) {
	old := writeSnapshot(t, func(m *snapshot.Manifest, d m365audit.Datasets) {})
	cur := writeSnapshot(t, func(m *snapshot.Manifest, d m365audit.Datasets) {
		d.Object(snapshot.DSExoTransportConfig)["SmtpClientAuthenticationDisabled"] = true
	})
	for _, format := range []string{"table", "markdown", "json"} {
		code, stdout, stderr := cli(t, "diff", old, cur, "--format", format)
		if code != 0 || !strings.Contains(stdout, "EXO-PROTO-001") || !strings.Contains(stdout, "SmtpClientAuthenticationDisabled") {
			t.Errorf("%s: exit %d\n%s\n%s", format, code, stdout, stderr)
		}
	}
	// Another tenant is refused.
	other := writeSnapshot(t, func(m *snapshot.Manifest, d m365audit.Datasets) {
		m.Tenant.ID = "99999999-9999-4999-8999-999999999999"
		d.Object(snapshot.DSOrganization)["id"] = m.Tenant.ID // audit cross-checks the manifest against organization.json
	})
	if code, _, stderr := cli(t, "diff", old, other); code != 1 || !strings.Contains(stderr, "different tenants") {
		t.Errorf("other tenant: exit %d %s", code, stderr)
	}
	// A results.json side compares verdicts only, and says so.
	out := filepath.Join(t.TempDir(), "audit")
	if code, _, stderr := cli(t, "audit", old, "--out", out); code != 0 {
		t.Fatalf("audit: %d %s", code, stderr)
	}
	code, stdout, stderr := cli(t, "diff", filepath.Join(out, "results.json"), cur, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d %s", code, stderr)
	}
	var d diff.Document
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		t.Fatal(err)
	}
	if d.ObjectsCompared || d.Note == "" || len(d.Objects) != 0 || d.Counts.Fixed != 1 {
		t.Errorf("results side: %s", stdout)
	}
	// The incident checks of an audit with an incident, next to one
	// without: a coverage change (not run, no incident), not checks
	// removed from the tool.
	noIncident := writeSnapshot(t, func(m *snapshot.Manifest, d m365audit.Datasets) { m.Incident = nil })
	code, stdout, stderr = cli(t, "diff", old, noIncident, "--format", "json")
	if code != 0 {
		t.Fatalf("no incident: exit %d %s", code, stderr)
	}
	d = diff.Document{}
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		t.Fatal(err)
	}
	notRun := 0
	for _, c := range d.Checks {
		if strings.HasPrefix(c.ID, "IR-") {
			notRun++
			if c.Change != diff.Coverage || c.ToNotRun != checks.NotRunNoIncident || c.From == "" || c.To != "" {
				t.Errorf("no incident: %s change %s from %q to %q (not run %q)", c.ID, c.Change, c.From, c.To, c.ToNotRun)
			}
		}
	}
	if notRun == 0 || d.Counts.Removed != 0 || d.Counts.Coverage < notRun {
		t.Errorf("no incident: %d incident checks listed, counts %+v", notRun, d.Counts)
	}
	// Nothing changed in the tenant: the headline scores differ (the
	// incident checks were evaluated on one side only), the like-for-like
	// score does not.
	if c := d.Comparable; c == nil || c.From != c.To || c.FromOnly == 0 || c.ToOnly != 0 || c.Checks == 0 || d.From.Score == d.To.Score || c.To != d.To.Score {
		t.Errorf("no incident: headline %.1f -> %.1f, comparable %+v", d.From.Score, d.To.Score, c)
	}
	for _, tc := range []struct {
		name, old, new string
		line           bool
	}{{"incident then none", old, noIncident, true}, {"same checks", old, cur, false}} {
		for _, format := range []string{"table", "markdown"} {
			code, stdout, _ := cli(t, "diff", tc.old, tc.new, "--format", format)
			if has := strings.Contains(stdout, "checks both audits evaluated"); code != 0 || has != tc.line {
				t.Errorf("%s, %s: exit %d, like-for-like line %v, want %v\n%s", tc.name, format, code, has, tc.line, stdout)
			}
		}
	}
	removedRow := regexp.MustCompile(`\|\s*removed\s*\|`)
	for _, format := range []string{"table", "markdown"} {
		if code, stdout, _ := cli(t, "diff", old, noIncident, "--format", format); code != 0 || !strings.Contains(stdout, "not run (no incident)") || removedRow.MatchString(stdout) {
			t.Errorf("no incident, %s: exit %d\n%s", format, code, stdout)
		}
	}
	if code, _, _ := cli(t, "diff", old, cur, "--format", "xml"); code != 2 {
		t.Errorf("bad format: exit %d, want 2", code)
	}
	if code, _, stderr := cli(t, "diff", old, filepath.Join(t.TempDir(), "missing")); code != 1 || stderr == "" {
		t.Errorf("missing side: exit %d", code)
	}
}
