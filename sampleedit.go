package m365audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"testing/fstest"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Datasets is a snapshot's datasets decoded for editing: dataset ID ->
// value (a []any for list datasets, a map[string]any for object and
// per-key datasets). Numbers are json.Number, so untouched values are
// written back exactly.
type Datasets map[string]any

// List returns a list dataset's objects.
func (d Datasets) List(id string) []any {
	l, _ := d[id].([]any)
	return l
}

// Object returns an object dataset (or the first object of a list).
func (d Datasets) Object(id string) map[string]any {
	switch v := d[id].(type) {
	case map[string]any:
		return v
	case []any:
		if len(v) > 0 {
			m, _ := v[0].(map[string]any)
			return m
		}
	}
	return nil
}

// Find returns the object of a list dataset whose field equals value.
func (d Datasets) Find(id, field, value string) map[string]any {
	for _, o := range d.List(id) {
		if m, ok := o.(map[string]any); ok && m[field] == value {
			return m
		}
	}
	return nil
}

// EditSnapshot decodes a snapshot file system, lets edit change its
// datasets and manifest, and returns a new in-memory snapshot with the
// manifest's counts and hashes recomputed, so it loads and verifies like
// a collected one. It is how the demo builds another month of the sample
// tenant and how tests build changed tenants.
func EditSnapshot(base fs.FS, edit func(m *snapshot.Manifest, d Datasets) error) (fs.FS, error) {
	raw, err := fs.ReadFile(base, snapshot.ManifestFile)
	if err != nil {
		return nil, fmt.Errorf("edit snapshot: %w", err)
	}
	var m snapshot.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("edit snapshot: %s: %w", snapshot.ManifestFile, err)
	}
	d := Datasets{}
	for id, info := range m.Datasets {
		if !info.Status.HasData() {
			continue
		}
		b, err := fs.ReadFile(base, info.File)
		if err != nil {
			return nil, fmt.Errorf("edit snapshot: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("edit snapshot: %s: %w", info.File, err)
		}
		d[id] = v
	}
	if err := edit(&m, d); err != nil {
		return nil, err
	}
	out := fstest.MapFS{}
	for id, v := range d {
		info, ok := m.Datasets[id]
		if !ok {
			info = snapshot.DatasetInfo{Status: snapshot.StatusOK}
		}
		if info.File == "" {
			info.File = id + ".json"
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("edit snapshot: %s: %w", id, err)
		}
		sum := sha256.Sum256(b)
		info.SHA256 = hex.EncodeToString(sum[:])
		info.Count = count(v)
		m.Datasets[id] = info
		out[info.File] = &fstest.MapFile{Data: b, Mode: 0o644, ModTime: m.CollectedAt}
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("edit snapshot: manifest: %w", err)
	}
	out[snapshot.ManifestFile] = &fstest.MapFile{Data: mb, Mode: 0o644, ModTime: m.CollectedAt}
	return out, nil
}

// count counts objects as the snapshot writer does.
func count(v any) int {
	switch t := v.(type) {
	case []any:
		return len(t)
	case map[string]any:
		n := 0
		perKey := len(t) > 0
		for _, e := range t {
			l, ok := e.([]any)
			if !ok {
				perKey = false
				break
			}
			n += len(l)
		}
		if perKey {
			return n
		}
		return 1
	}
	return 0
}

// SetTenant makes the snapshot another tenant: the manifest's tenant id
// and name and the organization object agree, as in a real collection.
func (d Datasets) SetTenant(m *snapshot.Manifest, id, name string) {
	m.Tenant.ID, m.Tenant.DisplayName = id, name
	if m.Tenant.TokenTenantID != "" {
		m.Tenant.TokenTenantID = id
	}
	if org := d.Object(snapshot.DSOrganization); org != nil {
		org["id"], org["displayName"] = id, name
	}
}
