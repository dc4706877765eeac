package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

func contoso(t *testing.T) (*checks.Document, *snapshot.Snapshot) {
	t.Helper()
	fsys, err := m365audit.SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	snap, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := snap.Manifest
	doc := checks.Run(snap, checks.RunOptions{ToolVersion: "test", GeneratedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC),
		Incident: checks.IncidentFrom(m.CollectedAt, m.Incident)})
	return doc, snap
}

// TestWriteAllWritesEveryOutputFromOneModel audits the sample tenant and
// checks that every output exists and that the views agree with the
// results document.
func TestWriteAllWritesEveryOutputFromOneModel(t *testing.T) {
	doc, snap := contoso(t)
	dir := t.TempDir()
	files, err := WriteAll(t.Context(), dir, doc, snap, Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"incident-adele.vance_contoso.com.ps1", RemediationFile, PDFFile, WorkbookFile, ResultsFile}
	var got []string
	for _, f := range files {
		got = append(got, filepath.Base(f))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("files = %v, want %v", got, want)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(want) {
		t.Errorf("directory holds %d entries (temporary files left behind?)", len(entries))
	}

	// results.json round-trips to the same statuses.
	raw, err := os.ReadFile(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	var back checks.Document
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	status := map[string]checks.Status{}
	for _, r := range doc.Results {
		status[r.ID] = r.Status
	}
	for _, r := range back.Results {
		if status[r.ID] != r.Status {
			t.Errorf("results.json %s = %s, document says %s", r.ID, r.Status, status[r.ID])
		}
	}

	// The workbook's Findings sheet shows the same status for every check.
	f, err := excelize.OpenFile(filepath.Join(dir, WorkbookFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Findings")
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.ToLower(h)] = i
	}
	seen := 0
	for _, row := range rows[1:] {
		if len(row) <= col["status"] {
			continue
		}
		id := row[col["id"]]
		if s, ok := status[id]; ok {
			seen++
			if !strings.EqualFold(strings.ReplaceAll(row[col["status"]], " ", "_"), string(s)) && !strings.EqualFold(row[col["status"]], strings.ReplaceAll(string(s), "_", " ")) {
				t.Errorf("workbook %s = %q, document says %s", id, row[col["status"]], s)
			}
		}
	}
	if seen != len(doc.Results) {
		t.Errorf("workbook lists %d of %d checks", seen, len(doc.Results))
	}

	pdfBytes, _ := os.ReadFile(filepath.Join(dir, PDFFile))
	if !bytes.HasPrefix(pdfBytes, []byte("%PDF-")) {
		t.Error("report.pdf is not a PDF")
	}
	for _, ps := range []string{RemediationFile, "incident-adele.vance_contoso.com.ps1"} {
		b, _ := os.ReadFile(filepath.Join(dir, ps))
		if !bytes.Contains(b, []byte("SupportsShouldProcess")) || !bytes.Contains(b, []byte(doc.Tenant.ID)) {
			t.Errorf("%s lacks ShouldProcess or the tenant guard", ps)
		}
	}
}

func TestWriteAllRefusesAnUnresolvableBreakGlassAndWritesNothing(t *testing.T) {
	doc, snap := contoso(t)
	dir := filepath.Join(t.TempDir(), "out")
	cfg := &checks.Config{BreakGlass: checks.Principals{Users: []string{"nobody@contoso.com"}}}
	_, err := WriteAll(t.Context(), dir, doc, snap, Options{Config: cfg})
	if err == nil || !strings.Contains(err.Error(), "nobody@contoso.com") {
		t.Fatalf("err = %v, want one naming the unresolved break-glass user", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("wrote %d files despite the error", len(entries))
	}
}

func TestBreakGlassIDsResolveUPNs(t *testing.T) {
	_, snap := contoso(t)
	users, _ := snap.Users()
	var upn, id string
	for _, u := range users {
		if !u.IsGuest() {
			upn, id = u.UserPrincipalName, u.ID
			break
		}
	}
	got, _, err := BreakGlassIDs(&checks.Config{BreakGlass: checks.Principals{Users: []string{strings.ToUpper(upn), "AAAAAAAA-0000-0000-0000-000000000001"}}}, snap)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1] != strings.ToLower(id) && got[0] != strings.ToLower(id) {
		t.Errorf("got %v, want the object id of %s and the lower-cased GUID", got, upn)
	}
	if _, _, err := BreakGlassIDs(&checks.Config{BreakGlass: checks.Principals{Groups: []string{"Break Glass Group"}}}, snap); err == nil {
		t.Error("a group name must be refused")
	}
}
