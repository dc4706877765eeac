package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// TestAuditFormatsChoosesOutputs: --formats writes exactly the chosen
// outputs; an unknown format, or --formats without --out, is a usage error
// (exit 2) that writes nothing.
func TestAuditFormatsChoosesOutputs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, errs := runCLI(t, "audit", sampleDir, "--out", out, "--formats", "html, PDF")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if got := strings.Join(dirNames(t, out), ","); got != ".m365audit-outputs.json,report.html,report.pdf" {
		t.Errorf("--formats html,pdf wrote %s", got)
	}
	if !strings.Contains(stdout, filepath.Join(out, "report.html")) {
		t.Errorf("the summary does not list report.html:\n%s", stdout)
	}
	for _, args := range [][]string{
		{"audit", sampleDir, "--out", filepath.Join(t.TempDir(), "x"), "--formats", "pdf,docx"},
		{"audit", sampleDir, "--out", filepath.Join(t.TempDir(), "x"), "--formats", ","},
		{"audit", sampleDir, "--formats", "pdf"},
		{"audit", sampleDir, "--format", "xml"},
	} {
		code, _, errs := runCLI(t, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d (usage)\n%s", args, code, exitUsage, errs)
		}
		if strings.Contains(strings.Join(args, " "), "docx") && !strings.Contains(errs, `"docx"`) {
			t.Errorf("the error does not name the unknown format: %s", errs)
		}
		if !strings.Contains(errs, "--format") {
			t.Errorf("%v: the error does not name the flag: %s", args, errs)
		}
	}
}

// TestAuditOutOwnsItsFiles: re-auditing into the same directory removes
// the earlier run's outputs this run does not write (a containment script
// for a user no longer investigated), and nothing the user put there;
// every output is 0600.
func TestAuditOutOwnsItsFiles(t *testing.T) {
	out := t.TempDir()
	mine := filepath.Join(out, "my-notes.txt")
	if err := os.WriteFile(mine, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, "audit", sampleDir, "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	script := filepath.Join(out, "incident-adele.vance_contoso.com.ps1")
	if _, err := os.Stat(script); err != nil {
		t.Fatalf("the first run wrote no containment script: %v", err)
	}
	for _, n := range dirNames(t, out) {
		st, err := os.Stat(filepath.Join(out, n))
		if err != nil {
			t.Fatal(err)
		}
		if n != "my-notes.txt" && st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", n, st.Mode().Perm())
		}
	}
	// The same snapshot re-audited for another incident user: the first
	// user's containment script is an output of the earlier run only.
	code, _, errs := runCLI(t, "audit", sampleDir, "--out", out, "--incident-user", "alex.wilber@contoso.com")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(script); !os.IsNotExist(err) {
		t.Errorf("the earlier run's containment script survived a re-audit for another user (err %v)", err)
	}
	if !strings.Contains(errs, "incident-adele.vance_contoso.com.ps1") {
		t.Errorf("the removal is not reported: %s", errs)
	}
	if b, err := os.ReadFile(mine); err != nil || string(b) != "keep me" {
		t.Errorf("the user's file was touched: %q %v", b, err)
	}
	// --formats pdf into the same directory leaves only the PDF (and the
	// user's file).
	if code, _, errs := runCLI(t, "audit", sampleDir, "--out", out, "--formats", "pdf"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if got := strings.Join(dirNames(t, out), ","); got != ".m365audit-outputs.json,my-notes.txt,report.pdf" {
		t.Errorf("after --formats pdf the directory holds %s", got)
	}
}

// TestDemoFormatsChoosesOutputs: demo --formats writes the snapshot and
// exactly the chosen reports, like audit --formats; an unknown format is a
// usage error (exit 2) before anything is collected or written.
func TestDemoFormatsChoosesOutputs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "demo")
	code, stdout, errs := runCLI(t, "demo", "--out", out, "--formats", "pdf, XLSX")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if got := strings.Join(dirNames(t, out), ","); got != ".m365audit-outputs.json,cohowinery,next-month,report.pdf,report.xlsx,snapshot" {
		t.Errorf("demo --formats pdf,xlsx wrote %s", got)
	}
	// The later runs write the same reports; without results.json there
	// is no portfolio.
	for _, sub := range []string{demoNextMonthDir, demoSecondTenantDir} {
		if got := strings.Join(dirNames(t, filepath.Join(out, sub)), ","); got != ".m365audit-outputs.json,report.pdf,report.xlsx,snapshot" {
			t.Errorf("demo --formats pdf,xlsx wrote %s in %s", got, sub)
		}
	}
	if !strings.Contains(stdout, filepath.Join(out, "report.xlsx")) {
		t.Errorf("the summary does not list report.xlsx:\n%s", stdout)
	}
	bad := filepath.Join(t.TempDir(), "bad")
	code, _, errs = runCLI(t, "demo", "--out", bad, "--formats", "pdf,docx")
	if code != exitUsage || !strings.Contains(errs, `"docx"`) || !strings.Contains(errs, "--formats") {
		t.Errorf("demo --formats pdf,docx: exit %d, want %d naming the flag and the format\n%s", code, exitUsage, errs)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("a rejected demo created %s (%v)", bad, err)
	}
}
