// Package pscheck parses PowerShell with an independent grammar
// (tree-sitter-powershell, run by node from testdata/tools/pscheck) and
// reports the syntax errors it finds. Tests use it to prove that the scripts
// the product writes are valid PowerShell without needing PowerShell itself.
//
// The tool is available when node is on PATH and the npm packages are
// installed (`npm ci --ignore-scripts` in testdata/tools/pscheck; .ci/run does
// it). Tests call Require, which skips when the tool is missing unless
// M365AUDIT_REQUIRE_PSCHECK=1 is set (CI sets it), where it fails instead.
package pscheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// RequireEnv names the environment variable that turns a missing tool into
// a test failure instead of a skip.
const RequireEnv = "M365AUDIT_REQUIRE_PSCHECK"

// Problem is one ERROR or MISSING node of the parse tree.
type Problem struct {
	Kind      string `json:"kind"` // "ERROR" or "MISSING"
	Type      string `json:"type"` // node type (for MISSING: the token that is missing)
	Line      int    `json:"line"` // 1-based
	Column    int    `json:"column"`
	EndLine   int    `json:"endLine"`
	EndColumn int    `json:"endColumn"`
	Text      string `json:"text"` // the source the node covers, cut at 120 characters
}

func (p Problem) String() string {
	if p.Kind == "MISSING" {
		return fmt.Sprintf("%d:%d: missing %q", p.Line, p.Column, p.Type)
	}
	return fmt.Sprintf("%d:%d-%d:%d: syntax error at %q", p.Line, p.Column, p.EndLine, p.EndColumn, p.Text)
}

// File is the result for one parsed file.
type File struct {
	Path     string    `json:"path"`
	Problems []Problem `json:"problems"`
}

// Result is what the tool reports for one run.
type Result struct {
	Grammar string `json:"grammar"`
	Files   []File `json:"files"`
}

// Tool runs the parser.
type Tool struct {
	Node   string // path of the node executable
	Script string // path of pscheck.cjs
}

// ToolDir is the directory of the node tool inside the module:
// testdata/tools/pscheck, found from this source file's location.
func ToolDir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("pscheck: cannot locate the module directory")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "tools", "pscheck"), nil
}

// Find locates node and the installed tool. The error says what is missing
// and how to install it.
func Find() (*Tool, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("pscheck: node is not on PATH: %w", err)
	}
	dir, err := ToolDir()
	if err != nil {
		return nil, err
	}
	for _, need := range []string{
		filepath.Join(dir, "node_modules", "web-tree-sitter", "package.json"),
		filepath.Join(dir, "node_modules", "tree-sitter-powershell", "tree-sitter-powershell.wasm"),
	} {
		if _, err := os.Stat(need); err != nil {
			return nil, fmt.Errorf("pscheck: npm packages not installed (run `npm ci --ignore-scripts` in %s): %w", dir, err)
		}
	}
	return &Tool{Node: node, Script: filepath.Join(dir, "pscheck.cjs")}, nil
}

// Require returns the tool, or skips the test when it is missing. When
// M365AUDIT_REQUIRE_PSCHECK=1 a missing tool fails the test instead.
func Require(t testing.TB) *Tool {
	t.Helper()
	tool, err := Find()
	if err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%v (%s=1 requires it)", err, RequireEnv)
		}
		t.Skipf("%v", err)
	}
	return tool
}

// Check parses the files and returns one entry per file, in order.
func (t *Tool) Check(ctx context.Context, paths ...string) (*Result, error) {
	if len(paths) == 0 {
		return &Result{}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	// --liftoff-only: V8's optimising wasm compiler takes tens of seconds
	// of CPU on the grammar's large lexer function; the baseline compiler
	// parses the same files in about a second.
	args := append([]string{"--liftoff-only", t.Script}, paths...)
	cmd := exec.CommandContext(ctx, t.Node, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("pscheck: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var res Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("pscheck: decode the tool's output: %w", err)
	}
	if len(res.Files) != len(paths) {
		return nil, fmt.Errorf("pscheck: %d files parsed, %d asked", len(res.Files), len(paths))
	}
	return &res, nil
}

// CheckSource parses PowerShell source text (written to a temporary file).
func (t *Tool) CheckSource(ctx context.Context, src string) ([]Problem, error) {
	f, err := os.CreateTemp("", "pscheck-*.ps1")
	if err != nil {
		return nil, fmt.Errorf("pscheck: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(src); err != nil {
		f.Close()
		return nil, fmt.Errorf("pscheck: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("pscheck: %w", err)
	}
	res, err := t.Check(ctx, f.Name())
	if err != nil {
		return nil, err
	}
	return res.Files[0].Problems, nil
}

// AssertParses fails the test with every problem (and the offending lines)
// when a file does not parse cleanly.
func AssertParses(t testing.TB, tool *Tool, paths ...string) {
	t.Helper()
	res, err := tool.Check(t.Context(), paths...)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Files {
		if len(f.Problems) == 0 {
			continue
		}
		src, _ := os.ReadFile(f.Path)
		lines := strings.Split(string(src), "\n")
		var b strings.Builder
		for _, p := range f.Problems {
			fmt.Fprintf(&b, "\n  %s", p)
			if p.Line >= 1 && p.Line <= len(lines) {
				fmt.Fprintf(&b, "\n    | %s", lines[p.Line-1])
			}
		}
		t.Errorf("%s does not parse as PowerShell (%s):%s", f.Path, res.Grammar, b.String())
	}
}
