package snapshot

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadManifestChecksOnlyTheManifest: LoadManifest reads a directory or
// a zip, applies Load's manifest checks (JSON, schema version, dataset
// list, statuses) and reads no dataset file, so a snapshot whose users
// file was removed still gives its manifest while Load refuses it.
// PathDigest gives the digest Load gives, from the manifest alone.
func TestLoadManifestChecksOnlyTheManifest(t *testing.T) {
	cases := []struct {
		name string
		make func(t *testing.T) string
		want string // error text; "" = loads with users count 2
	}{
		{"directory", writeSample, ""},
		{"zip", func(t *testing.T) string {
			var buf bytes.Buffer
			if err := Pack(writeSample(t), &buf); err != nil {
				t.Fatal(err)
			}
			zp := filepath.Join(t.TempDir(), "snap.zip")
			if err := os.WriteFile(zp, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			return zp
		}, ""},
		{"dataset file removed", func(t *testing.T) string {
			dir := writeSample(t)
			if err := os.Remove(filepath.Join(dir, "users.json")); err != nil {
				t.Fatal(err)
			}
			return dir
		}, ""},
		{"no manifest", func(t *testing.T) string { return t.TempDir() }, "manifest.json"},
		{"missing path", func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope") }, "no such file"},
		{"not a zip", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "x.zip")
			os.WriteFile(p, []byte("not a zip"), 0o644)
			return p
		}, "not a snapshot directory or zip"},
		{"manifest not JSON", func(t *testing.T) string {
			dir := writeSample(t)
			os.WriteFile(filepath.Join(dir, ManifestFile), []byte(`{"schemaVersion":`), 0o644)
			return dir
		}, "not valid JSON"},
		{"other schema version", func(t *testing.T) string {
			dir := writeSample(t)
			editManifest(t, dir, func(m *Manifest) { m.SchemaVersion = SchemaVersion + 1 })
			return dir
		}, "schema version"},
		{"no datasets", func(t *testing.T) string {
			dir := writeSample(t)
			editManifest(t, dir, func(m *Manifest) { m.Datasets = nil })
			return dir
		}, "lists no datasets"},
		{"unknown status", func(t *testing.T) string {
			dir := writeSample(t)
			editManifest(t, dir, func(m *Manifest) { d := m.Datasets[DSUsers]; d.Status = "great"; m.Datasets[DSUsers] = d })
			return dir
		}, "unknown status"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.make(t)
			m, err := LoadManifest(p)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Tenant.PrimaryDomain != "contoso.com" || m.Datasets[DSUsers].Count != 2 || m.Datasets[DSUsers].Status != StatusOK {
				t.Fatalf("manifest %+v", m)
			}
			// PathDigest reads the same manifest: the digest Load gives.
			digest, err := PathDigest(p)
			if err != nil {
				t.Fatal(err)
			}
			if tc.name == "dataset file removed" {
				if _, err := Load(p, LoadOptions{}); err == nil {
					t.Error("Load accepted a snapshot without its users file")
				}
				return
			}
			s, err := Load(p, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if digest != s.Digest || len(digest) != 64 {
				t.Errorf("PathDigest %s, Load's digest %s", digest, s.Digest)
			}
		})
	}
}
