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
	"github.com/m365audit/m365audit/collectors/auth"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/collectors/tenantsim"
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

// TestKeygenSignVerifyEndToEnd: keygen writes a key pair, collect
// --sign-key signs what it collects (directory and zip) and prints the
// digest, audit --verify-key proves it; another key, a missing signature
// or an edited manifest is exit 1.
func TestKeygenSignVerifyEndToEnd(t *testing.T) {
	keys := t.TempDir()
	code, out, errs := cli(t, "keygen", "--out", filepath.Join(keys, "collector"))
	if code != 0 || !strings.Contains(out, "SHA256:") {
		t.Fatalf("keygen: exit %d %s %s", code, out, errs)
	}
	st, err := os.Stat(filepath.Join(keys, "collector.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode: %v %v", st, err)
	}
	if code, _, errs := cli(t, "keygen", "--out", filepath.Join(keys, "collector")); code != 1 || !strings.Contains(errs, "already exists") {
		t.Errorf("keygen over existing keys: exit %d %s", code, errs)
	}
	if code, _, _ := cli(t, "keygen"); code != exitUsage {
		t.Errorf("keygen without --out: exit %d", code)
	}
	cli(t, "keygen", "--out", filepath.Join(keys, "other"))

	srv := startTenant(t, sample(t), tenantsim.Options{GraphToken: "gt", ExchangeToken: "xt"})
	t.Setenv(auth.EnvGraphToken, "gt")
	t.Setenv(auth.EnvExchangeToken, "xt")
	if code, _, errs := cli(t, "collect", "--tenant", "contoso.com", "--auth", "token", "--sign-key", filepath.Join(keys, "collector.pub")); code != exitUsage || !strings.Contains(errs, "--sign-key") {
		t.Errorf("collect with a public key as --sign-key: exit %d %s", code, errs)
	}
	for _, name := range []string{"snap", "snap.zip"} {
		snap := filepath.Join(t.TempDir(), name)
		code, _, errs := cli(t, "collect", "--tenant", "contoso.com", "--auth", "token", "--graph-endpoint", srv.URL(),
			"--exchange-endpoint", srv.URL(), "--out", snap, "--sign-key", filepath.Join(keys, "collector.key"))
		if code != 0 {
			t.Fatalf("collect %s: exit %d\n%s", name, code, errs)
		}
		loaded, err := snapshot.Load(snap, snapshot.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(errs, "Snapshot digest (SHA-256 of manifest.json): "+loaded.Digest) || !strings.Contains(errs, "Signed with Ed25519 key SHA256:") {
			t.Errorf("collect %s does not print digest and key:\n%s", name, errs)
		}
		code, js, errs := cli(t, "audit", snap, "--format", "json", "--verify-key", filepath.Join(keys, "collector.pub"))
		if code != 0 {
			t.Fatalf("audit --verify-key %s: exit %d %s", name, code, errs)
		}
		var doc checks.Document
		if err := json.Unmarshal([]byte(js), &doc); err != nil {
			t.Fatal(err)
		}
		if !doc.Evidence.Signed || !doc.Evidence.Verified || !strings.HasPrefix(doc.Evidence.KeyFingerprint, "SHA256:") || doc.Evidence.Digest != loaded.Digest {
			t.Errorf("evidence = %+v", doc.Evidence)
		}
		if code, _, errs := cli(t, "audit", snap, "--verify-key", filepath.Join(keys, "other.pub")); code != 1 || !strings.Contains(errs, "not with the given key") {
			t.Errorf("other key: exit %d %s", code, errs)
		}
	}
	// Unsigned snapshot with --verify-key: exit 1.
	if code, _, errs := cli(t, "audit", sampleDir, "--verify-key", filepath.Join(keys, "collector.pub")); code != 1 || !strings.Contains(errs, "not signed") {
		t.Errorf("unsigned: exit %d %s", code, errs)
	}
	// A signed snapshot whose manifest was edited: refused, and still
	// unverifiable with --allow-tampered.
	dir := copyDir(t, sampleDir)
	priv, _ := os.ReadFile(filepath.Join(keys, "collector.key"))
	k, _ := parsePrivateKey(priv)
	if _, err := snapshot.SignPath(dir, k); err != nil {
		t.Fatal(err)
	}
	editSampleManifest(t, dir, func(m *snapshot.Manifest) { m.Cloud = "usgov" })
	if code, _, errs := cli(t, "audit", dir, "--allow-tampered", "--verify-key", filepath.Join(keys, "collector.pub")); code != 1 || !strings.Contains(errs, "signature") {
		t.Errorf("edited signed manifest: exit %d %s", code, errs)
	}
}
