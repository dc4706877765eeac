package m365audit

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const modulePath = "github.com/m365audit/m365audit"

// layerViolation says why the Go file at path (slash-separated, relative to
// the module root) may not import imp, or "" when it may. Data flows one
// way: checks and report read the snapshot contract and nothing else of
// collectors; checks (its tests included) know nothing of report; the
// snapshot contract imports neither.
func layerViolation(path, imp string) string {
	if !strings.HasPrefix(imp, modulePath+"/") {
		return ""
	}
	pkg := strings.TrimPrefix(imp, modulePath+"/")
	under := func(dir string) bool { return strings.HasPrefix(path, dir+"/") }
	is := func(p string) bool { return pkg == p || strings.HasPrefix(pkg, p+"/") }
	switch {
	case under("checks"):
		if is("checks") || is("internal") || pkg == "collectors/snapshot" {
			return ""
		}
		return "checks may import only checks, internal and collectors/snapshot of this module"
	case under("report"):
		if is("collectors") && pkg != "collectors/snapshot" {
			return "report may import only collectors/snapshot of collectors"
		}
		if is("cmd") || is("batch") || is("preflight") || is("setup") {
			return "report may not import the commands around it"
		}
	case under("collectors/snapshot"):
		if is("checks") || is("report") || (is("collectors") && pkg != "collectors/snapshot") {
			return "the snapshot contract imports no collector, check or report"
		}
	}
	return ""
}

// TestLayerViolationRule: the rule itself flags what it exists to catch.
func TestLayerViolationRule(t *testing.T) {
	for _, tc := range []struct {
		path, imp string
		bad       bool
	}{
		{"checks/golden_test.go", modulePath + "/report/pwsh", true},
		{"checks/entra_mfa_001.go", modulePath + "/collectors/graph", true},
		{"checks/knowledge/roles.go", modulePath + "/report/describe", true},
		{"checks/entra_mfa_001.go", modulePath + "/collectors/snapshot", false},
		{"checks/entra_mfa_001.go", modulePath + "/checks/knowledge", false},
		{"checks/golden_test.go", modulePath, false},
		{"report/pdf/pdf.go", modulePath + "/collectors/tenantsim", true},
		{"report/xlsx/xlsx_test.go", modulePath + "/collectors/exchange", true},
		{"report/report.go", modulePath + "/preflight", true},
		{"report/pdf/pdf.go", modulePath + "/report/model", false},
		{"report/pdf/pdf.go", modulePath + "/checks", false},
		{"collectors/snapshot/load.go", modulePath + "/checks", true},
		{"collectors/collect/collector.go", modulePath + "/collectors/graph", false},
		{"checks/x.go", "github.com/other/report", false},
	} {
		if got := layerViolation(tc.path, tc.imp) != ""; got != tc.bad {
			t.Errorf("%s importing %s: violation %v, want %v", tc.path, tc.imp, got, tc.bad)
		}
	}
}

// TestLayering reads the imports of every Go file of the module, tests
// included, and fails on an import the layering forbids.
func TestLayering(t *testing.T) {
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return err
			}
			if why := layerViolation(filepath.ToSlash(p), path); why != "" {
				t.Errorf("%s imports %s: %s", p, path, why)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("only %d Go files read: the walk looked in the wrong place", files)
	}
}
