package pdf

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// TestRealResults renders the sample tenant's results (written by the
// engine, kept in testdata/golden) with its snapshot, and checks that every
// result shows up in the section its status belongs to.
func TestRealResults(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..", "testdata")
	data, err := os.ReadFile(filepath.Join(root, "golden", "contoso-results.json"))
	if err != nil {
		t.Fatalf("checked-in sample results: %v", err)
	}
	var doc checks.Document
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("decode results: %v", err)
	}
	snap, err := snapshot.Load(filepath.Join(root, "contoso"), snapshot.LoadOptions{})
	if err != nil {
		t.Fatalf("checked-in sample snapshot: %v", err)
	}
	out := render(t, &doc, snap)
	items := extractText(t, out)
	text := strings.ReplaceAll(joined(items), " ", "")
	for _, res := range doc.Results {
		if !strings.Contains(text, strings.ReplaceAll(res.ID, " ", "")) {
			t.Errorf("%s (%s) missing from the PDF", res.ID, res.Status)
		}
	}
}
