package pdf

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// poppler runs a poppler-utils tool (pdftotext, pdffonts), an independent
// PDF reader, on pdf and returns what it prints. args come before the
// file; pdftotext also gets "-" (stdout) after it.
func poppler(t *testing.T, tool string, pdf []byte, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath(tool)
	if err != nil {
		t.Skipf("%s not installed (apt-get install poppler-utils)", tool)
	}
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	args = append(args, in)
	if tool == "pdftotext" {
		args = append(args, "-")
	}
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", tool, args, err)
	}
	return string(out)
}
