package checks

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestOneCheckOneFile keeps the layout convention: every check of All()
// lives in a file named by its ID (ENTRA-MFA-005 -> entra_mfa_005.go) that
// holds its ID constant, its constructor and its evaluation, named the same
// way for every check (IDEntraMFA005, entraMFA005, evalEntraMFA005).
func TestOneCheckOneFile(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range All() {
		if seen[c.ID] {
			t.Errorf("%s listed twice in All()", c.ID)
		}
		seen[c.ID] = true
		file := strings.ToLower(strings.ReplaceAll(c.ID, "-", "_")) + ".go"
		b, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("%s: %v", c.ID, err)
			continue
		}
		src := string(b)
		m := regexp.MustCompile(`(?m)^const (ID\w+) = "` + regexp.QuoteMeta(c.ID) + `"$`).FindStringSubmatch(src)
		if m == nil {
			t.Errorf("%s: %s does not declare the check's ID constant", c.ID, file)
			continue
		}
		name := strings.TrimPrefix(m[1], "ID")
		for _, want := range []string{"func eval" + name + "(c *Context) Outcome {", "Eval: eval" + name, "ID: " + m[1]} {
			if !strings.Contains(src, want) {
				t.Errorf("%s: %s lacks %q", c.ID, file, want)
			}
		}
	}
}
