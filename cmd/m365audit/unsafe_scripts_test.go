package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// TestAuditUnsafeScripts: an incomplete snapshot audited with
// --allow-incomplete gets its reports but no script that changes the
// tenant; --allow-unsafe-scripts writes them behind a banner and a throw.
func TestAuditUnsafeScripts(t *testing.T) {
	dir := copyDir(t, sampleDir)
	no := false
	editSampleManifest(t, dir, func(m *snapshot.Manifest) {
		m.Complete = &no
		d := m.Datasets[snapshot.DSSignIns]
		m.Datasets[snapshot.DSSignIns] = snapshot.DatasetInfo{Status: snapshot.StatusInterrupted, Permission: d.Permission}
	})
	os.Remove(filepath.Join(dir, "signIns.json"))

	out := t.TempDir()
	code, _, errs := audit(t, dir, auditOptions{AllowIncomplete: true, Out: out})
	if code != 0 || !strings.Contains(errs, "--allow-unsafe-scripts") {
		t.Fatalf("exit %d, stderr does not name the override: %s", code, errs)
	}
	ps1, _ := filepath.Glob(filepath.Join(out, "*.ps1"))
	if len(ps1) != 0 {
		t.Errorf("scripts written from an incomplete snapshot: %v", ps1)
	}
	if _, err := os.Stat(filepath.Join(out, "report.pdf")); err != nil {
		t.Errorf("report.pdf: %v", err)
	}

	out = t.TempDir()
	code, _, errs = audit(t, dir, auditOptions{AllowIncomplete: true, AllowUnsafeScripts: true, Out: out})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	ps1, _ = filepath.Glob(filepath.Join(out, "*.ps1"))
	if len(ps1) == 0 {
		t.Fatal("--allow-unsafe-scripts wrote no script")
	}
	for _, p := range ps1 {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "NOT TRUSTED") || !strings.Contains(string(b), "\nthrow '") {
			t.Errorf("%s: no banner and throw", filepath.Base(p))
		}
	}
}
