package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/internal/pscheck"
	"github.com/m365audit/m365audit/setup"
)

func TestSetupWritesScriptAndCertificate(t *testing.T) {
	out := filepath.Join(t.TempDir(), "setup")
	code, stdout, stderr := cli(t, "setup", "--tenant", "contoso.onmicrosoft.com", "--out", out, "--multi-tenant", "--incident")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"m365audit collect --tenant contoso.onmicrosoft.com --auth certificate", "/organizations/adminconsent?client_id=", "-WhatIf"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	st, err := os.Stat(filepath.Join(out, "app.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("app.pem mode %v, want 0600", st.Mode().Perm())
	}
	if _, err := setup.LoadCertificate(filepath.Join(out, "app.cer")); err != nil {
		t.Error(err)
	}
	if tool, err := pscheck.Find(); err == nil {
		pscheck.AssertParses(t, tool, filepath.Join(out, "setup-app.ps1"))
	}
	// A second run refuses to overwrite the key or the script.
	before, _ := os.ReadFile(filepath.Join(out, "app.pem"))
	if code, _, stderr := cli(t, "setup", "--tenant", "contoso.onmicrosoft.com", "--out", out); code == 0 || !strings.Contains(stderr, "already exists") {
		t.Errorf("second setup: exit %d %s", code, stderr)
	}
	after, _ := os.ReadFile(filepath.Join(out, "app.pem"))
	if !bytes.Equal(before, after) {
		t.Error("the private key was overwritten")
	}
}

func TestSetupUsage(t *testing.T) {
	for _, args := range [][]string{
		{"setup"},
		{"setup", "--tenant", "not a tenant"},
		{"setup", "--tenant", "contoso.com", "--cloud", "mars"},
		{"setup", "--print-permissions", "--format", "xml"},
		{"setup", "--tenant", "contoso.com", "--certificate-file", "/nonexistent.cer"},
	} {
		if code, _, _ := cli(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestSetupPrintPermissionsJSON(t *testing.T) {
	code, stdout, stderr := cli(t, "setup", "--print-permissions", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d %s", code, stderr)
	}
	var got setup.Plan
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	want := setup.NewPlan(false)
	if len(got.Permissions) != len(want.Permissions) || len(got.Permissions) == 0 {
		t.Fatalf("%d permissions, want %d", len(got.Permissions), len(want.Permissions))
	}
	for i := range want.Permissions {
		if got.Permissions[i].Name != want.Permissions[i].Name {
			t.Errorf("permission %d: %s, want %s", i, got.Permissions[i].Name, want.Permissions[i].Name)
		}
	}
}

// TestREADMESetupPermissions keeps the README's list of the app's
// permissions equal to `setup --print-permissions` (both come from the
// dataset registry, as do the permission table and the preflight).
func TestREADMESetupPermissions(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	const begin, end = "<!-- BEGIN SETUP PERMISSIONS", "<!-- END SETUP PERMISSIONS -->"
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatal("README has no setup permission markers")
	}
	var b strings.Builder
	b.WriteString("```\n")
	if err := printPermissions(&b, setup.NewPlan(true), "text"); err != nil {
		t.Fatal(err)
	}
	b.WriteString("```\n")
	head := readme[:i+strings.Index(readme[i:], "\n")+1]
	if readme[len(head):j] != b.String() {
		if *updateREADME {
			if err := os.WriteFile("../../README.md", []byte(head+b.String()+readme[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("README setup permissions are stale: run go test ./cmd/m365audit -run README -update-readme")
	}
}
