package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

const sampleDir = "../../testdata/contoso"

var fixedNow = func() time.Time { return time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC) }

func audit(t *testing.T, path string, o auditOptions) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	if o.Now == nil {
		o.Now = fixedNow
	}
	err := runAudit(context.Background(), path, o, &out, &errb)
	if err != nil {
		errb.WriteString(err.Error())
	}
	return exitCodeOf(err), out.String(), errb.String()
}

func TestAuditTableAndJSON(t *testing.T) {
	code, out, errs := audit(t, sampleDir, auditOptions{Version: "test"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, w := range []string{"Contoso Ltd", "Score:", "Coverage:", "ENTRA-EXT-001", "Failing and warning checks"} {
		if !strings.Contains(out, w) {
			t.Errorf("summary lacks %q", w)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour codes in piped output")
	}
	code, js, _ := audit(t, sampleDir, auditOptions{Format: "json", Version: "test"})
	if code != 0 {
		t.Fatalf("json exit %d", code)
	}
	var doc checks.Document
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tenant.DisplayName != "Contoso Ltd" || len(doc.Results) == 0 || doc.Incident == nil || !doc.GeneratedAt.Equal(fixedNow()) {
		t.Errorf("document %+v", doc.Tenant)
	}
}

func TestAuditOutWritesResults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	code, js, errs := audit(t, sampleDir, auditOptions{Format: "json", Out: dir})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != js {
		t.Error("results.json differs from --format json output")
	}
	for _, f := range []string{"report.xlsx", "report.pdf", "remediation.ps1"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) < 5 { // + one containment script for the sample's incident user
		t.Errorf("outputs: %v", ents)
	}
}

func TestAuditFailOn(t *testing.T) {
	code, _, errs := audit(t, sampleDir, auditOptions{FailOn: "high"})
	if code != exitFailOn || !strings.Contains(errs, "--fail-on high") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// Accepting every failing check clears the threshold.
	_, js, _ := audit(t, sampleDir, auditOptions{Format: "json"})
	var doc checks.Document
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	var cfg strings.Builder
	cfg.WriteString("accept:\n")
	for _, r := range doc.Results {
		if r.Status == checks.StatusFail {
			cfg.WriteString("  - {check: " + r.ID + ", reason: test, owner: me, expires: 2027-01-01}\n")
		}
	}
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := audit(t, sampleDir, auditOptions{FailOn: "info", ConfigPath: p}); code != 0 {
		t.Fatalf("accepted fails still trip --fail-on: %d %s", code, errs)
	}
	if code, _, _ := audit(t, sampleDir, auditOptions{FailOn: "severe"}); code != exitUsage {
		t.Errorf("bad --fail-on exit %d", code)
	}
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func TestAuditBadAndTamperedSnapshot(t *testing.T) {
	if code, _, errs := audit(t, filepath.Join(t.TempDir(), "missing"), auditOptions{}); code != exitCannotRun || !strings.Contains(errs, "missing") {
		t.Errorf("missing snapshot: %d %s", code, errs)
	}
	dir := copyDir(t, sampleDir)
	p := filepath.Join(dir, "authorizationPolicy.json")
	b, _ := os.ReadFile(p)
	b = bytes.Replace(b, []byte(`"everyone"`), []byte(`"none"`), 1)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := audit(t, dir, auditOptions{})
	if code != exitCannotRun || !strings.Contains(errs, "authorizationPolicy") {
		t.Fatalf("tampered snapshot: %d %s", code, errs)
	}
	code, out, errs := audit(t, dir, auditOptions{AllowTampered: true})
	if code != 0 || !strings.Contains(out, "SNAPSHOT INTEGRITY") || !strings.Contains(errs, "integrity") {
		t.Fatalf("allow-tampered: %d\n%s\n%s", code, out, errs)
	}
	_, js, _ := audit(t, dir, auditOptions{AllowTampered: true, Format: "json"})
	var doc checks.Document
	if err := json.Unmarshal([]byte(js), &doc); err != nil || len(doc.Integrity) == 0 {
		t.Fatalf("integrity not in JSON: %v", err)
	}
}

func TestAuditConfigAndIncidentErrors(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(p, []byte("breakGlass:\n  users: [a]\nexclusion: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := audit(t, sampleDir, auditOptions{ConfigPath: p}); code != exitCannotRun || !strings.Contains(errs, "bad.yaml:3: unknown key \"exclusion\"; allowed here: breakGlass, exclusions, accept, incident") {
		t.Errorf("bad config: %d %s", code, errs)
	}
	for _, tt := range []struct {
		o    auditOptions
		want string
		code int
	}{
		{auditOptions{IncidentStart: "2026-11-10T00:00:00Z"}, "needs at least one --incident-user", exitUsage},
		{auditOptions{IncidentUsers: []string{"a@contoso.com"}, IncidentStart: "yesterday"}, "RFC 3339", exitUsage},
		{auditOptions{IncidentUsers: []string{"a@contoso.com"}, IncidentStart: "2027-01-01T00:00:00Z"}, "after the snapshot", exitCannotRun},
	} {
		if code, _, errs := audit(t, sampleDir, tt.o); code != tt.code || !strings.Contains(errs, tt.want) {
			t.Errorf("%+v: %d %s", tt.o, code, errs)
		}
	}
	// The flag overrides the manifest incident; the start falls back to it.
	_, js, _ := audit(t, sampleDir, auditOptions{Format: "json", IncidentUsers: []string{"alex.wilber@contoso.com"}})
	var doc checks.Document
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Incident == nil || len(doc.Incident.Users) != 1 || doc.Incident.Users[0] != "alex.wilber@contoso.com" || doc.Incident.Start.IsZero() {
		t.Errorf("incident %+v", doc.Incident)
	}
}

func TestChecksCommand(t *testing.T) {
	var b bytes.Buffer
	if err := writeCatalog(&b, "json"); err != nil {
		t.Fatal(err)
	}
	var cat []checks.CatalogEntry
	if err := json.Unmarshal(b.Bytes(), &cat); err != nil || len(cat) != len(checks.All()) {
		t.Fatalf("json catalogue: %v, %d entries", err, len(cat))
	}
	b.Reset()
	if err := writeCatalog(&b, "markdown"); err != nil || !strings.Contains(b.String(), "| ENTRA-MFA-001 |") {
		t.Fatalf("markdown: %v", err)
	}
	b.Reset()
	if err := writeCatalog(&b, "table"); err != nil || !strings.Contains(b.String(), "ENTRA-CA-001") {
		t.Fatalf("table: %v", err)
	}
	if err := writeCatalog(&b, "yaml"); exitCodeOf(err) != exitUsage {
		t.Errorf("bad format: %v", err)
	}
	if mdCell("a|b") != `a\|b` {
		t.Error("markdown cell not escaped")
	}
}

var update = flag.Bool("update", false, "rewrite golden files")

// TestAuditSummaryGolden pins the console summary of the Contoso sample.
func TestAuditSummaryGolden(t *testing.T) {
	code, out, errs := audit(t, sampleDir, auditOptions{Version: "golden"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	path := filepath.Join("testdata", "contoso-summary.golden")
	if *update {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if out != string(want) {
		t.Errorf("summary differs from %s (-update to rewrite):\n%s", path, out)
	}
}

// TestAuditIncidentPrecedence: flag > config > manifest.
func TestAuditIncidentPrecedence(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte("incident: {users: [megan.bowen@contoso.com], start: 2026-11-18T00:00:00Z}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	get := func(o auditOptions) *checks.IncidentInfo {
		t.Helper()
		o.Format = "json"
		code, js, errs := audit(t, sampleDir, o)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var doc checks.Document
		if err := json.Unmarshal([]byte(js), &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Incident
	}
	if inc := get(auditOptions{}); inc == nil || inc.Users[0] != "adele.vance@contoso.com" {
		t.Errorf("manifest incident: %+v", inc)
	}
	if inc := get(auditOptions{ConfigPath: p}); inc == nil || inc.Users[0] != "megan.bowen@contoso.com" || inc.Start.Day() != 18 {
		t.Errorf("config incident: %+v", inc)
	}
	if inc := get(auditOptions{ConfigPath: p, IncidentUsers: []string{"alex.wilber@contoso.com"}, IncidentStart: "2026-11-19T00:00:00Z"}); inc == nil || inc.Users[0] != "alex.wilber@contoso.com" || inc.Start.Day() != 19 {
		t.Errorf("flag incident: %+v", inc)
	}
}

// TestAuditZipSnapshot: a .zip snapshot audits exactly like its directory.
func TestAuditZipSnapshot(t *testing.T) {
	zp := filepath.Join(t.TempDir(), "contoso.zip")
	f, err := os.Create(zp)
	if err != nil {
		t.Fatal(err)
	}
	if err := snapshot.Pack(sampleDir, f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	_, fromDir, _ := audit(t, sampleDir, auditOptions{Format: "json"})
	code, fromZip, errs := audit(t, zp, auditOptions{Format: "json"})
	if code != 0 || fromZip != fromDir {
		t.Fatalf("zip audit differs (exit %d): %s", code, errs)
	}
	// A truncated zip is refused with the loader's message.
	b, _ := os.ReadFile(zp)
	if err := os.WriteFile(zp, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := audit(t, zp, auditOptions{}); code != exitCannotRun || !strings.Contains(errs, "zip") {
		t.Errorf("truncated zip: %d %s", code, errs)
	}
}
