package pdf

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// contosoGenerated is the fixed generation time of the sample renders.
var contosoGenerated = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// contoso audits the embedded sample tenant with the real engine, with the
// incident from its manifest.
func contoso(t testing.TB) (*checks.Document, *snapshot.Snapshot) {
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
	if inc == nil {
		t.Fatal("the sample has no incident in its manifest")
	}
	return checks.Run(snap, checks.RunOptions{GeneratedAt: contosoGenerated, Incident: inc}), snap
}

// TestWriteIncidentSample writes the Contoso sample for a person to look at:
//
//	INCIDENT_PDF=/tmp/incident.pdf go test ./report/pdf -run TestWriteIncidentSample
func TestWriteIncidentSample(t *testing.T) {
	path := os.Getenv("INCIDENT_PDF")
	if path == "" {
		t.Skip("set INCIDENT_PDF=/tmp/incident.pdf to write the sample")
	}
	doc, snap := contoso(t)
	var buf bytes.Buffer
	if err := Write(t.Context(), &buf, doc, snap, Options{Compress: true}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
