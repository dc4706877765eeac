package pscheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDetectsSyntaxErrors proves the harness can fail: broken PowerShell
// yields problems with positions, valid PowerShell yields none.
func TestDetectsSyntaxErrors(t *testing.T) {
	tool := Require(t)
	tests := []struct {
		name     string
		src      string
		wantLine int // 0: must parse cleanly
	}{
		{"valid script", "[CmdletBinding(SupportsShouldProcess)]\nparam([string]$TenantId)\nif ($PSCmdlet.ShouldProcess('x', 'y')) {\n  Write-Host \"ok $TenantId\"\n}\n", 0},
		{"hashtable and splat", "$p = @{ Name = 'a''b'; Count = 2 }\nGet-Thing @p | ConvertTo-Json -Depth 5\n", 0},
		{"unclosed paren", "Write-Host 'a'\nif ($a { Write-Host 'x' }\n", 2},
		{"unterminated string", "Write-Host 'ok'\n$x = 'never closed\n", 2},
		{"stray brace", "function f {\n  Write-Host 1\n}\n}\n", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			probs, err := tool.CheckSource(t.Context(), tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantLine == 0 {
				if len(probs) != 0 {
					t.Fatalf("valid PowerShell reported: %v", probs)
				}
				return
			}
			if len(probs) == 0 {
				t.Fatalf("broken PowerShell parsed cleanly")
			}
			lines := map[int]bool{}
			for _, p := range probs {
				if p.Kind != "ERROR" && p.Kind != "MISSING" {
					t.Errorf("kind %q", p.Kind)
				}
				for l := p.Line; l <= p.EndLine; l++ {
					lines[l] = true
				}
			}
			if !lines[tt.wantLine] {
				t.Errorf("no problem covers line %d: %v", tt.wantLine, probs)
			}
		})
	}
}

func TestGrammarIsPinned(t *testing.T) {
	tool := Require(t)
	res, err := tool.Check(t.Context(), writeTemp(t, "Write-Host 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Grammar != "tree-sitter-powershell@0.26.4" {
		t.Errorf("grammar %q, want the pinned tree-sitter-powershell@0.26.4 (see testdata/tools/pscheck/package-lock.json)", res.Grammar)
	}
}

// TestScriptGoldens parses the checked-in golden scripts of report/pwsh.
func TestScriptGoldens(t *testing.T) {
	tool := Require(t)
	dir, err := ToolDir()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "..", "..", "..", "report", "pwsh", "testdata", "*.ps1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden scripts found under report/pwsh/testdata")
	}
	AssertParses(t, tool, files...)
}

func writeTemp(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x.ps1")
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(p, ".ps1") {
		t.Fatal(p)
	}
	return p
}
