package checks_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenGeneratedAt is the fixed audit time of the golden results.
var goldenGeneratedAt = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// AuditSample audits the embedded Contoso sample the way `m365audit audit`
// does without a config: the incident comes from the manifest.
func auditSample(t *testing.T) *checks.Document {
	t.Helper()
	fsys, err := m365audit.SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	snap, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inc := checks.IncidentFrom(snap.Manifest.CollectedAt, snap.Manifest.Incident)
	return checks.Run(snap, checks.RunOptions{ToolVersion: "golden", GeneratedAt: goldenGeneratedAt, Incident: inc})
}

func TestGoldenContoso(t *testing.T) {
	doc := auditSample(t)
	got, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("..", "testdata", "golden", "contoso-results.json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("results differ from %s (run go test ./checks -run TestGoldenContoso -update and review the diff line by line)", path)
	}
	// The sample's key verdicts, stated here so a golden rewrite cannot
	// silently flip them.
	want2 := map[string]checks.Status{
		checks.IDEntraMFA001: checks.StatusFail, // security defaults on, but single-factor member sign-ins in the log
		checks.IDEntraCA001:  checks.StatusFail, // security defaults on, but IMAP/SMTP sign-ins in the log
		checks.IDEntraCA002:  checks.StatusPass, // no administrator signed in with a single factor
		checks.IDEntraCA011:  checks.StatusPass, // no CA policies at all
	}
	for _, r := range doc.Results {
		if w, ok := want2[r.ID]; ok && r.Status != w {
			t.Errorf("%s = %s, want %s: %s", r.ID, r.Status, w, r.Summary)
		}
		if r.Status == checks.StatusError {
			t.Errorf("%s errored: %s", r.ID, r.Summary)
		}
	}
}

// TestProductTextSpeaksToTheClient: no rationale, summary, detail or
// remediation text mentions how the product was designed.
func TestProductTextSpeaksToTheClient(t *testing.T) {
	doc := auditSample(t)
	b, err := json.Marshal(doc.Results)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ToLower(string(b))
	for _, bad := range []string{"seed", "check-semantics", "catalog.md", "the issue", "semantics.md"} {
		if strings.Contains(text, bad) {
			t.Errorf("results mention %q", bad)
		}
	}
}
