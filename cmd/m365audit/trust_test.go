package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// editSampleManifest rewrites a copied snapshot's manifest.
func editSampleManifest(t *testing.T, dir string, f func(m *snapshot.Manifest)) {
	t.Helper()
	p := filepath.Join(dir, snapshot.ManifestFile)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var m snapshot.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	f(&m)
	b, _ = json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestAuditRefusesIncompleteUnlessAllowed(t *testing.T) {
	dir := copyDir(t, sampleDir)
	no := false
	editSampleManifest(t, dir, func(m *snapshot.Manifest) {
		m.Complete = &no
		d := m.Datasets[snapshot.DSSignIns]
		m.Datasets[snapshot.DSSignIns] = snapshot.DatasetInfo{Status: snapshot.StatusInterrupted, Permission: d.Permission}
	})
	os.Remove(filepath.Join(dir, "signIns.json"))
	code, _, errs := audit(t, dir, auditOptions{})
	if code != exitCannotRun || !strings.Contains(errs, "incomplete") || !strings.Contains(errs, "signIns") || !strings.Contains(errs, "--allow-incomplete") {
		t.Fatalf("incomplete snapshot: exit %d: %s", code, errs)
	}
	code, js, errs := audit(t, dir, auditOptions{AllowIncomplete: true, Format: "json"})
	if code != 0 || !strings.Contains(errs, "incomplete") {
		t.Fatalf("--allow-incomplete: exit %d: %s", code, errs)
	}
	var doc checks.Document
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	if !doc.Evidence.Incomplete || doc.Evidence.Trusted() {
		t.Errorf("evidence = %+v, want incomplete", doc.Evidence)
	}
}

func TestAuditEvidenceDigestAndUnexpectedFiles(t *testing.T) {
	dir := copyDir(t, sampleDir)
	os.WriteFile(filepath.Join(dir, "leftover.json"), []byte("[]"), 0o644)
	code, js, errs := audit(t, dir, auditOptions{Format: "json"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "WARNING") || !strings.Contains(errs, "leftover.json") {
		t.Errorf("unexpected file not named: %q", errs)
	}
	var doc checks.Document
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, snapshot.ManifestFile))
	sum := sha256.Sum256(raw)
	if doc.Evidence.Digest != hex.EncodeToString(sum[:]) || doc.Evidence.Incomplete || doc.Evidence.Tampered || doc.Evidence.Signed {
		t.Errorf("evidence = %+v", doc.Evidence)
	}
	_, _, errs = audit(t, sampleDir, auditOptions{Format: "json"})
	if strings.Contains(errs, "WARNING") {
		t.Errorf("clean snapshot warns: %s", errs)
	}
	code, js, _ = audit(t, copyTampered(t), auditOptions{Format: "json", AllowTampered: true})
	doc = checks.Document{}
	if err := json.Unmarshal([]byte(js), &doc); err != nil || code != 0 || !doc.Evidence.Tampered {
		t.Errorf("tampered evidence = %+v (%v)", doc.Evidence, err)
	}
}

func copyTampered(t *testing.T) string {
	dir := copyDir(t, sampleDir)
	editSampleManifest(t, dir, func(m *snapshot.Manifest) { m.Tenant.DisplayName = "Evil Corp" })
	return dir
}
