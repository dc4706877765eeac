package pwsh

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestParseWithPowerShell parses the generated script with PowerShell's own
// parser when pwsh is installed (it is not packaged in Debian, so this
// usually skips): no parse errors, and no hostile marker in any token other
// than a single-quoted string literal.
func TestParseWithPowerShell(t *testing.T) {
	pwsh, err := exec.LookPath("pwsh")
	if err != nil {
		t.Skip("pwsh not installed; the Go lexer tests cover the quoting rules")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "remediation.ps1")
	if err := os.WriteFile(script, []byte(fixtureScript(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	checker := filepath.Join(dir, "check.ps1")
	const check = `param([string]$Path)
$tokens = $null; $errors = $null
[void][System.Management.Automation.Language.Parser]::ParseFile($Path, [ref]$tokens, [ref]$errors)
foreach ($e in $errors) { 'PARSE ' + $e.ToString() }
foreach ($tk in $tokens) {
    if ($tk.Text -match 'HX[0-9][0-9]' -and $tk.Kind -ne 'StringLiteral') { 'LEAK ' + $tk.Kind + ' ' + $tk.Extent.StartLineNumber }
}
'DONE'
`
	if err := os.WriteFile(checker, []byte(check), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, pwsh, "-NoProfile", "-NonInteractive", "-File", checker, script).CombinedOutput()
	if err != nil {
		t.Fatalf("pwsh: %v\n%s", err, out)
	}
	text := string(out)
	if !strings.Contains(text, "DONE") {
		t.Fatalf("checker did not finish:\n%s", text)
	}
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "PARSE ") || strings.HasPrefix(l, "LEAK ") {
			t.Error(l)
		}
	}
}
