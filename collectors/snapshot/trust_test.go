package snapshot

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTrustSample writes a snapshot with an organization dataset (so the
// manifest's tenant can be cross-checked) and a recorded token tenant.
func writeTrustSample(t *testing.T, complete *bool, interrupted ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "snap")
	w, err := Create(dir, Manifest{Tool: Tool{Name: "m365audit", Version: "test"}, Cloud: "global"})
	if err != nil {
		t.Fatal(err)
	}
	w.SetTenant(Tenant{ID: "b7f3a1c2-5d4e-4f60-9a8b-1c2d3e4f5a6b", DisplayName: "Contoso", PrimaryDomain: "contoso.com",
		TokenTenantID: "b7f3a1c2-5d4e-4f60-9a8b-1c2d3e4f5a6b"})
	org := json.RawMessage(`{"id":"b7f3a1c2-5d4e-4f60-9a8b-1c2d3e4f5a6b","displayName":"Contoso","verifiedDomains":[{"name":"contoso.com","isDefault":true}]}`)
	if err := w.WriteList(DSOrganization, []json.RawMessage{org}, DatasetInfo{}); err != nil {
		t.Fatal(err)
	}
	users := []json.RawMessage{json.RawMessage(`{"id":"u1","userPrincipalName":"adele@contoso.com"}`), json.RawMessage(`{"id":"u2","userPrincipalName":"bob@contoso.com"}`)}
	if err := w.WriteList(DSUsers, users, DatasetInfo{Permission: "User.Read.All"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range interrupted {
		w.Record(id, DatasetInfo{Status: StatusInterrupted, Permission: "AuditLog.Read.All"})
	}
	if err := w.Close(collectedAt); err != nil {
		t.Fatal(err)
	}
	if complete != nil {
		editManifest(t, dir, func(m *Manifest) { m.Complete = complete })
	}
	return dir
}

func editManifest(t *testing.T, dir string, f func(m *Manifest)) {
	t.Helper()
	p := filepath.Join(dir, ManifestFile)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	f(&m)
	b, _ = json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestIncompleteSnapshotRefusedUnlessAllowed(t *testing.T) {
	no := false
	tests := []struct {
		name        string
		complete    *bool
		interrupted []string
		want        string
	}{
		{"interrupted datasets", nil, []string{DSDirectoryAudits, DSSignIns}, "2 dataset(s) finished: directoryAudits, signIns"},
		{"complete false", &no, nil, "collection did not finish"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTrustSample(t, tt.complete, tt.interrupted...)
			_, err := Load(dir, LoadOptions{})
			if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "--allow-incomplete") {
				t.Fatalf("err = %v, want ErrIncomplete naming %q and --allow-incomplete", err, tt.want)
			}
			s, err := Load(dir, LoadOptions{AllowIncomplete: true})
			if err != nil {
				t.Fatal(err)
			}
			if !s.Incomplete || strings.Join(s.Interrupted, ",") != strings.Join(tt.interrupted, ",") {
				t.Errorf("Incomplete = %v, Interrupted = %v", s.Incomplete, s.Interrupted)
			}
		})
	}
	yes := true
	if s, err := Load(writeTrustSample(t, &yes), LoadOptions{}); err != nil || s.Incomplete {
		t.Fatalf("complete snapshot: %v", err)
	}
}

func TestInterruptedDatasetHasNoPermissionHint(t *testing.T) {
	d := DatasetInfo{Status: StatusInterrupted, Permission: "AuditLog.Read.All"}
	if got := d.Describe(); strings.Contains(got, "needs") || !strings.Contains(got, "interrupted") {
		t.Errorf("Describe = %q", got)
	}
	if !StatusInterrupted.Valid() || StatusInterrupted.HasData() {
		t.Error("interrupted is a valid status without data")
	}
}

func TestUnexpectedFilesAreListed(t *testing.T) {
	dir := writeTrustSample(t, nil)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	os.MkdirAll(filepath.Join(dir, "old"), 0o755)
	os.WriteFile(filepath.Join(dir, "old", "users.json"), []byte("[]"), 0o644)
	s, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.Unexpected, ","); got != "notes.txt,old/users.json" {
		t.Errorf("Unexpected = %q", got)
	}
	var buf bytes.Buffer
	if err := Pack(dir, &buf); err != nil {
		t.Fatal(err)
	}
	zp := filepath.Join(t.TempDir(), "s.zip")
	os.WriteFile(zp, buf.Bytes(), 0o644)
	if s, err := Load(zp, LoadOptions{}); err != nil || len(s.Unexpected) != 2 {
		t.Errorf("zip: %v %v", s, err)
	}
	clean, _ := Load(writeTrustSample(t, nil), LoadOptions{})
	if len(clean.Unexpected) != 0 {
		t.Errorf("clean snapshot lists %v", clean.Unexpected)
	}
}

func TestSnapshotMessages(t *testing.T) {
	empty := t.TempDir()
	if _, err := Load(empty, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "not a snapshot") {
		t.Errorf("empty dir: %v", err)
	}
	dir := writeTrustSample(t, nil)
	editManifest(t, dir, func(m *Manifest) {
		d := m.Datasets[DSUsers]
		d.File = ""
		m.Datasets[DSUsers] = d
	})
	_, err := Load(dir, LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "users.json") || !strings.Contains(err.Error(), "dataset users") || strings.Contains(err.Error(), ":  (") {
		t.Errorf("entry without file: %v", err)
	}
	if !strings.Contains(err.Error(), "--allow-tampered") {
		t.Errorf("refusal does not name --allow-tampered: %v", err)
	}
}

// TestManifestCrossChecks: an edited count or tenant is detected although
// every file still matches its hash.
func TestManifestCrossChecks(t *testing.T) {
	tests := []struct {
		name string
		edit func(m *Manifest)
		want string
	}{
		{"count", func(m *Manifest) { d := m.Datasets[DSUsers]; d.Count = 3; m.Datasets[DSUsers] = d }, "count says 3 but users.json holds 2"},
		{"displayName", func(m *Manifest) { m.Tenant.DisplayName = "Evil Corp" }, `displayName "Evil Corp" differs from organization.json ("Contoso")`},
		{"tenant id", func(m *Manifest) { m.Tenant.ID = "00000000-0000-0000-0000-000000000001" }, "differs from the tenant the access token was issued for"},
		{"primary domain", func(m *Manifest) { m.Tenant.PrimaryDomain = "evil.example" }, "evil.example is not a verified domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTrustSample(t, nil)
			editManifest(t, dir, tt.edit)
			_, err := Load(dir, LoadOptions{})
			if !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			s, err := Load(dir, LoadOptions{AllowIntegrityErrors: true})
			if err != nil || len(s.Integrity) == 0 || s.Integrity[0].File != ManifestFile {
				t.Fatalf("allowed: %+v %v", s, err)
			}
		})
	}
	if _, err := Load(writeTrustSample(t, nil), LoadOptions{}); err != nil {
		t.Fatalf("untouched snapshot: %v", err)
	}
}

// TestZipBombFailsFast: a small zip whose users.json inflates far beyond
// what its manifest count allows fails on the member's size, both when the
// zip header states it and when the header lies.
func TestZipBombFailsFast(t *testing.T) {
	dir := writeTrustSample(t, nil)
	manifest, _ := os.ReadFile(filepath.Join(dir, ManifestFile))
	org, _ := os.ReadFile(filepath.Join(dir, "organization.json"))
	const bomb = 64 << 20 // 64 MiB of spaces: valid JSON padding, tiny when deflated
	for _, lie := range []bool{false, true} {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, data := range map[string][]byte{ManifestFile: manifest, "organization.json": org} {
			fw, _ := zw.Create(name)
			fw.Write(data)
		}
		if lie {
			// Deflate first, then store it with a header that claims 10 bytes.
			var raw bytes.Buffer
			tmp := zip.NewWriter(&raw)
			fw, _ := tmp.CreateHeader(&zip.FileHeader{Name: "users.json", Method: zip.Deflate})
			io.Copy(fw, io.LimitReader(spaces{}, bomb))
			tmp.Close()
			zr, _ := zip.NewReader(bytes.NewReader(raw.Bytes()), int64(raw.Len()))
			rc, _ := zr.File[0].OpenRaw()
			h := zr.File[0].FileHeader
			h.UncompressedSize64 = 10
			rw, err := zw.CreateRaw(&h)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(rw, rc)
		} else {
			fw, _ := zw.Create("users.json")
			io.Copy(fw, io.LimitReader(spaces{}, bomb))
		}
		zw.Close()
		if buf.Len() > 1<<20 {
			t.Fatalf("bomb zip is %d bytes, want a small one", buf.Len())
		}
		zp := filepath.Join(t.TempDir(), "bomb.zip")
		os.WriteFile(zp, buf.Bytes(), 0o644)
		_, err := Load(zp, LoadOptions{})
		if err == nil || !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), "users.json") {
			t.Fatalf("lie=%v: err = %v", lie, err)
		}
		if !lie && !strings.Contains(err.Error(), "too large") {
			t.Errorf("stated size: err = %v, want too large", err)
		}
		t.Logf("lie=%v: %v", lie, err)
	}
	// A directory holding an oversized file fails on its size too.
	dir = writeTrustSample(t, nil)
	f, _ := os.OpenFile(filepath.Join(dir, "users.json"), os.O_WRONLY|os.O_APPEND, 0)
	f.Truncate(fileSlackBytes + 3*maxObjectBytes)
	f.Close()
	if _, err := Load(dir, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("oversized file in a directory: %v", err)
	}
	if _, err := Load(writeTrustSample(t, nil), LoadOptions{MaxFileBytes: 10}); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("hard ceiling: %v", err)
	}
}

type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}
