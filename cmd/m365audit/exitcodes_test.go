package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestBadFlagValuesAreUsageErrors: a flag value outside what the flag
// allows is a usage error (exit 2) in every command, never "could not run".
func TestBadFlagValuesAreUsageErrors(t *testing.T) {
	tmp := t.TempDir()
	for _, args := range [][]string{
		{"audit", sampleDir, "--format", "xml"},
		{"audit", sampleDir, "--fail-on", "severe"},
		{"audit", sampleDir, "--incident-start", "yesterday", "--incident-user", "a@contoso.com"},
		{"audit", sampleDir, "--incident-start", "2026-11-10T00:00:00Z"},
		{"audit", sampleDir, "--verify-key", filepath.Join(tmp, "missing.pub")},
		{"audit", sampleDir, "--out", filepath.Join(tmp, "o"), "--formats", "docx"},
		{"checks", "--format", "csv"},
		{"diff", sampleDir, sampleDir, "--format", "csv"},
		{"portfolio", "--out", filepath.Join(tmp, "p"), "--stale-days", "0", sampleDir},
		{"setup", "--print-permissions", "--format", "csv"},
		{"collect", "--tenant", "contoso.com", "--auth", "token", "--cloud", "mars"},
		{"collect", "--tenant", "contoso.com", "--auth", "nope"},
		{"batch", "--out", tmp, "--tenants", filepath.Join(tmp, "t.yaml"), "--concurrency", "0"},
		{"version", "extra"},
		{"--log-level", "loud", "checks"},
		{"audit", sampleDir, "--no-such-flag"},
	} {
		code, _, errs := runCLI(t, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d (usage error)\n%s", args, code, exitUsage, errs)
		}
	}
}

// TestHelpListsEveryExitCode: every command's help lists the exit codes it
// can end with, including the signal codes run() maps.
func TestHelpListsEveryExitCode(t *testing.T) {
	for _, tt := range []struct {
		cmd  []string
		want []string
	}{
		{[]string{"--help"}, []string{"0 ", "1 ", "2 ", "3 ", "130 ", "143 "}},
		{[]string{"audit", "--help"}, []string{"0 ", "1 ", "2 ", "3    --fail-on", "130 ", "143 "}},
		{[]string{"collect", "--help"}, []string{"0 ", "1 ", "2 ", "3    --preflight", "130 ", "143 "}},
		{[]string{"batch", "--help"}, []string{"0 ", "1    any tenant failed", "2 ", "130 ", "143 "}},
		{[]string{"checks", "--help"}, []string{"0 ", "1    could not write the catalogue", "2 ", "130 ", "143 "}},
		{[]string{"diff", "--help"}, []string{"0 ", "1 ", "2 ", "130 ", "143 "}},
		{[]string{"keygen", "--help"}, []string{"0 ", "1    could not write the key pair", "2 ", "130 ", "143 "}},
		{[]string{"demo", "--help"}, []string{"0 ", "1    could not run (the simulated tenant", "2 ", "130 ", "143 "}},
		{[]string{"portfolio", "--help"}, []string{"0 ", "1    could not run (a RUN", "2 ", "130 ", "143 "}},
		{[]string{"setup", "--help"}, []string{"0 ", "1    could not write setup-app.ps1", "2 ", "130 ", "143 "}},
		{[]string{"version", "--help"}, []string{"0    printed", "1    could not write to standard output", "2 ", "130 ", "143 "}},
	} {
		code, out, errs := runCLI(t, tt.cmd...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", tt.cmd, code, errs)
		}
		i := strings.Index(out, "Exit codes:")
		if i < 0 {
			t.Errorf("%v: no exit codes in the help:\n%s", tt.cmd, out)
			continue
		}
		block := out[i:]
		for _, w := range tt.want {
			if !strings.Contains(block, "\n  "+w) {
				t.Errorf("%v: exit code %q not listed:\n%s", tt.cmd, w, block)
			}
		}
	}
	// The snapshot and config meaning of code 1 belongs to the commands
	// that read a snapshot or a config file, not to the others.
	for _, c := range []string{"checks", "keygen", "demo", "portfolio", "setup", "version"} {
		if _, out, _ := runCLI(t, c, "--help"); strings.Contains(out, exitCodeCannotRun.meaning) {
			t.Errorf("%s --help gives code 1 the snapshot meaning:\n%s", c, out)
		}
	}
	if _, out, _ := runCLI(t, "batch", "--help"); strings.Count(out, "\n  1 ") != 1 {
		t.Errorf("batch lists exit code 1 twice:\n%s", out)
	}
}

// TestDemoHelpNamesEveryOutput: demo --help names every file the report
// writers can put in --out, recipients list and HTML report included.
func TestDemoHelpNamesEveryOutput(t *testing.T) {
	_, out, _ := runCLI(t, "demo", "--help")
	for _, want := range []string{"snapshot/", "results.json", "report.xlsx", "report.pdf", "report.html", "remediation.ps1", "incident-<user>.ps1", "recipients-<user>.csv"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo --help lacks %s:\n%s", want, out)
		}
	}
}
