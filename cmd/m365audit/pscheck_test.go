package main

import (
	"path/filepath"
	"testing"

	"github.com/m365audit/m365audit/internal/pscheck"
)

// TestDemoScriptsParse runs the demo and parses every PowerShell script it
// writes (remediation.ps1 and the incident containment scripts) with an
// independent grammar (tree-sitter-powershell).
func TestDemoScriptsParse(t *testing.T) {
	tool := pscheck.Require(t)
	out := filepath.Join(t.TempDir(), "demo")
	if code, _, stderr := cli(t, "demo", "--out", out); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, stderr)
	}
	incident, err := filepath.Glob(filepath.Join(out, "incident-*.ps1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(incident) == 0 {
		t.Fatal("the demo wrote no incident-*.ps1")
	}
	pscheck.AssertParses(t, tool, append([]string{filepath.Join(out, "remediation.ps1")}, incident...)...)
}
