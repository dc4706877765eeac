package report

import (
	"bytes"
	"encoding/json"
	"errors"
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
	want := []string{"incident-adele.vance_contoso.com.ps1", "recipients-adele.vance_contoso.com.csv", RemediationFile, HTMLFile, PDFFile, WorkbookFile, ResultsFile}
	var got []string
	for _, f := range files {
		got = append(got, filepath.Base(f))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("files = %v, want %v", got, want)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(want)+1 { // + the outputs manifest
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

// TestRemediationExcludesResolvedBreakGlass: the script excludes the
// break-glass accounts as the configuration resolved them (a UPN becomes
// the user's object id), and none without a configuration.
func TestRemediationExcludesResolvedBreakGlass(t *testing.T) {
	doc, snap := contoso(t)
	users, _ := snap.Users()
	var upn, id string
	for _, u := range users {
		if !u.IsGuest() {
			upn, id = u.UserPrincipalName, u.ID
			break
		}
	}
	res, err := checks.ResolveConfig(&checks.Config{BreakGlass: checks.Principals{Users: []string{strings.ToUpper(upn)}}}, snap, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		cfg  *checks.Resolved
		want string
	}{
		{"resolved UPN", res, "$BreakGlassUserIds = @('" + strings.ToLower(id) + "')"},
		{"no configuration", nil, "$BreakGlassUserIds = @()"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			if _, err := WriteAll(t.Context(), dir, doc, snap, Options{Config: tt.cfg}); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(dir, RemediationFile))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tt.want) {
				t.Errorf("remediation.ps1 lacks %q", tt.want)
			}
		})
	}
}

// TestWriteDirReplacesItsOwnOutputsOnly: a re-run without the incident
// removes the earlier containment script; a file the user added, a tool
// output the user has edited since, and names a damaged or hostile outputs
// manifest points outside the directory are all left alone.
func TestWriteDirReplacesItsOwnOutputsOnly(t *testing.T) {
	doc, snap := contoso(t)
	root := t.TempDir()
	dir := filepath.Join(root, "out")
	reg := Default()
	in := &Input{Doc: doc, Snap: snap}
	res, err := reg.WriteDir(t.Context(), dir, nil, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 7 || len(res.Removed) != 0 {
		t.Fatalf("first run: %+v", res)
	}
	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("output directory mode %v (%v), want 0700", st.Mode().Perm(), err)
	}
	for _, p := range append(res.Written, filepath.Join(dir, OutputsManifest)) {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm() != FileMode {
			t.Errorf("%s: mode %v (%v), want 0600", p, st.Mode().Perm(), err)
		}
	}
	script := filepath.Join(dir, "incident-adele.vance_contoso.com.ps1")
	user := filepath.Join(dir, "notes.txt")
	outside := filepath.Join(root, "outside.txt")
	for _, p := range []string{user, outside} {
		if err := os.WriteFile(p, []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The user edits the remediation script the tool wrote, and someone
	// adds entries to the outputs manifest that must never be followed.
	if err := os.WriteFile(filepath.Join(dir, RemediationFile), []byte("# edited by hand\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, OutputsManifest))
	var man outputsFile
	if err := json.Unmarshal(raw, &man); err != nil {
		t.Fatal(err)
	}
	sum, _ := fileSHA256(outside)
	man.Files["../outside.txt"] = sum
	usum, _ := fileSHA256(user)
	man.Files["notes.txt"+string(filepath.Separator)] = usum
	b, _ := json.Marshal(man)
	if err := os.WriteFile(filepath.Join(dir, OutputsManifest), b, 0o600); err != nil {
		t.Fatal(err)
	}

	noInc := *doc
	noInc.Incident = nil
	res, err = reg.WriteDir(t.Context(), dir, []Writer{pdfWriter{}, jsonWriter{}}, &Input{Doc: &noInc, Snap: snap})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(script); !os.IsNotExist(err) {
		t.Errorf("stale containment script survived (%v)", err)
	}
	for _, p := range []string{user, outside, filepath.Join(dir, RemediationFile)} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
	var removed []string
	for _, p := range res.Removed {
		removed = append(removed, filepath.Base(p))
	}
	if got := strings.Join(removed, ","); got != "incident-adele.vance_contoso.com.ps1,recipients-adele.vance_contoso.com.csv,report.html,report.xlsx" {
		t.Errorf("removed %s", got)
	}
	if len(res.Kept) != 1 || filepath.Base(res.Kept[0]) != RemediationFile {
		t.Errorf("kept %v, want the edited remediation.ps1", res.Kept)
	}
	raw, _ = os.ReadFile(filepath.Join(dir, OutputsManifest))
	man = outputsFile{}
	if err := json.Unmarshal(raw, &man); err != nil {
		t.Fatal(err)
	}
	if len(man.Files) != 2 || man.Files[PDFFile] == "" || man.Files[ResultsFile] == "" {
		t.Errorf("outputs manifest after the second run: %v", man.Files)
	}

	// A damaged manifest stops the run before anything is written.
	if err := os.WriteFile(filepath.Join(dir, OutputsManifest), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.WriteDir(t.Context(), dir, nil, in); err == nil || !strings.Contains(err.Error(), OutputsManifest) {
		t.Errorf("damaged outputs manifest: err = %v", err)
	}
}

func TestParseFormats(t *testing.T) {
	reg := Default()
	for _, tt := range []struct {
		in, want, err string
	}{
		{"", "json,xlsx,pdf,html,pwsh,recipients", ""},
		{"all", "json,xlsx,pdf,html,pwsh,recipients", ""},
		{"PDF, xlsx", "xlsx,pdf", ""},
		{"html,html", "html", ""},
		{"pdf,docx", "", `"docx"`},
		{"table", "", `"table"`},
		{",", "", "unknown format"},
	} {
		ws, err := reg.ParseFormats(tt.in)
		if tt.err != "" {
			var ue *UnknownFormatError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err = %v, want an unknown-format error naming %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		var got []string
		for _, w := range ws {
			got = append(got, w.Format())
		}
		if strings.Join(got, ",") != tt.want {
			t.Errorf("%q: %v, want %s", tt.in, got, tt.want)
		}
	}
	if _, err := reg.Console("json"); err != nil {
		t.Error(err)
	}
	if _, err := reg.Console("xml"); err == nil {
		t.Error("console format xml accepted")
	}
	if _, err := NewRegistry(pdfWriter{}, pdfWriter{}); err == nil {
		t.Error("two writers for one format accepted")
	}
}

// TestFilePatternsNameEveryFile: every writer that writes files names them
// for help text, and the names it writes for the Contoso sample match its
// patterns (so demo --help cannot leave an output out).
func TestFilePatternsNameEveryFile(t *testing.T) {
	doc, snap := contoso(t)
	in := &Input{Doc: doc, Snap: snap}
	for _, w := range Default().writers {
		if _, fileless := w.(consoleOnly); fileless {
			continue
		}
		t.Run(w.Format(), func(t *testing.T) {
			n, ok := w.(Named)
			if !ok {
				t.Fatalf("writer %s writes files but does not name them (FilePatterns)", w.Format())
			}
			files := w.Files(in)
			if len(files) == 0 {
				t.Fatalf("no files for the Contoso sample")
			}
			for _, f := range files {
				matched := false
				for _, p := range n.FilePatterns() {
					pre, suf, wild := strings.Cut(p, "<user>")
					if f == p || wild && strings.HasPrefix(f, pre) && strings.HasSuffix(f, suf) {
						matched = true
					}
				}
				if !matched {
					t.Errorf("file %s matches none of %v", f, n.FilePatterns())
				}
			}
		})
	}
	got := strings.Join(Default().FilePatterns(), " ")
	for _, want := range []string{"results.json", "report.xlsx", "report.pdf", "report.html", "remediation.ps1", "incident-<user>.ps1", "recipients-<user>.csv"} {
		if !strings.Contains(got, want) {
			t.Errorf("FilePatterns %q lacks %s", got, want)
		}
	}
}
