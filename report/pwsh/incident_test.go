package pwsh

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

const adeleUPN = "adele.vance@contoso.com"

// contosoIncident runs the real engine on the embedded Contoso sample with
// the manifest's incident (Adele Vance from 2026-11-16).
func contosoIncident(t testing.TB) (*checks.Document, *snapshot.Snapshot) {
	t.Helper()
	fsys, err := m365audit.SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	snap, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
	if err != nil {
		t.Fatalf("load sample: %v", err)
	}
	inc := checks.IncidentFrom(snap.Manifest.CollectedAt, snap.Manifest.Incident)
	if inc == nil {
		t.Fatal("the sample has no incident in its manifest")
	}
	doc := checks.Run(snap, checks.RunOptions{ToolVersion: "test", GeneratedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), Incident: inc})
	return doc, snap
}

func genContainment(t testing.TB, doc *checks.Document, snap *snapshot.Snapshot, upn string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteContainment(context.Background(), &buf, doc, snap, upn, Options{ToolVersion: "test"}); err != nil {
		t.Fatalf("WriteContainment: %v", err)
	}
	return buf.String()
}

func TestContainmentGoldenAdele(t *testing.T) {
	doc, snap := contosoIncident(t)
	got := genContainment(t, doc, snap, adeleUPN)
	path := filepath.Join("testdata", "incident-adele.golden.ps1")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if got != string(want) {
		t.Fatalf("incident script differs from %s; run go test ./report/pwsh -run Containment -update and review the diff", path)
	}
	if again := genContainment(t, doc, snap, adeleUPN); again != got {
		t.Fatal("two runs gave different scripts")
	}
}
