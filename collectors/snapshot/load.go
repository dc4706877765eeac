package snapshot

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
)

// LoadOptions control how strictly a snapshot is verified.
type LoadOptions struct {
	// AllowIntegrityErrors audits a snapshot whose files fail verification
	// anyway: a file whose hash differs but still parses is used, a missing
	// or unparsable file makes its dataset status "error". Every problem is
	// listed in Snapshot.Integrity so outputs can show it.
	AllowIntegrityErrors bool
}

// IntegrityProblem is one file that failed verification.
type IntegrityProblem struct {
	File    string `json:"file"`
	Dataset string `json:"dataset,omitempty"`
	Problem string `json:"problem"`
}

// Snapshot is a loaded, verified snapshot.
type Snapshot struct {
	Manifest Manifest
	// Integrity lists files that failed verification; it is empty unless
	// LoadOptions.AllowIntegrityErrors was set.
	Integrity []IntegrityProblem
	// Source is the path it was loaded from (for messages).
	Source string

	files map[string][]byte // dataset ID -> file contents

	mu    sync.Mutex
	cache map[string]any
}

// Load reads a snapshot from a directory or a .zip file.
func Load(p string, opt LoadOptions) (*Snapshot, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("load snapshot: %w", err)
	}
	var fsys fs.FS
	if st.IsDir() {
		fsys = os.DirFS(p)
	} else {
		zr, err := zip.OpenReader(p)
		if err != nil {
			return nil, fmt.Errorf("load snapshot %s: not a snapshot directory or zip archive: %w", p, err)
		}
		defer zr.Close()
		fsys = zipRoot(&zr.Reader)
	}
	s, err := LoadFS(fsys, opt)
	if err != nil {
		return nil, fmt.Errorf("load snapshot %s: %w", p, err)
	}
	s.Source = p
	return s, nil
}

// zipRoot returns the zip's file system, descending into a single top-level
// folder when the archive wraps the snapshot in one.
func zipRoot(zr *zip.Reader) fs.FS {
	var fsys fs.FS = zr
	if _, err := fs.Stat(fsys, ManifestFile); err == nil {
		return fsys
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err == nil && len(entries) == 1 && entries[0].IsDir() {
		if sub, err := fs.Sub(fsys, entries[0].Name()); err == nil {
			return sub
		}
	}
	return fsys
}

// LoadFS reads and verifies a snapshot from a file system (a directory, a
// zip, or an embedded tree).
func LoadFS(fsys fs.FS, opt LoadOptions) (*Snapshot, error) {
	raw, err := fs.ReadFile(fsys, ManifestFile)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrIntegrity, ManifestFile, err)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %s is not valid JSON (truncated or edited?): %v", ErrIntegrity, ManifestFile, err)
	}
	if m.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("%s: schema version %d is not supported (this build reads version %d)", ManifestFile, m.SchemaVersion, SchemaVersion)
	}
	if m.Datasets == nil {
		return nil, fmt.Errorf("%w: %s lists no datasets", ErrIntegrity, ManifestFile)
	}
	s := &Snapshot{Manifest: m, files: map[string][]byte{}, cache: map[string]any{}}
	ids := make([]string, 0, len(m.Datasets))
	for id := range m.Datasets {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		info := m.Datasets[id]
		if !info.Status.Valid() {
			return nil, fmt.Errorf("%s: dataset %s has unknown status %q", ManifestFile, id, info.Status)
		}
		if !info.Status.HasData() {
			continue
		}
		problem, data := verifyFile(fsys, id, info)
		if problem == "" {
			s.files[id] = data
			continue
		}
		if !opt.AllowIntegrityErrors {
			return nil, fmt.Errorf("%w: %s (dataset %s): %s; refusing to audit it (an override flag can audit it anyway)", ErrIntegrity, info.File, id, problem)
		}
		s.Integrity = append(s.Integrity, IntegrityProblem{File: info.File, Dataset: id, Problem: problem})
		if data != nil && json.Valid(data) {
			s.files[id] = data
			continue
		}
		info.Status = StatusError
		info.Reason = "file failed verification: " + problem
		s.Manifest.Datasets[id] = info
	}
	return s, nil
}

func verifyFile(fsys fs.FS, id string, info DatasetInfo) (problem string, data []byte) {
	if info.File == "" {
		return "manifest names no file for a dataset with data", nil
	}
	if info.File != path.Base(info.File) || strings.Contains(info.File, "..") {
		return "file name is not a plain name inside the snapshot", nil
	}
	data, err := fs.ReadFile(fsys, info.File)
	if err != nil {
		return "missing: " + err.Error(), nil
	}
	sum := sha256.Sum256(data)
	got := hex.EncodeToString(sum[:])
	if !json.Valid(data) {
		return "not valid JSON (truncated?)", data
	}
	if !strings.EqualFold(got, info.SHA256) {
		return fmt.Sprintf("sha256 mismatch: manifest says %s, file has %s (modified after collection)", short(info.SHA256), short(got)), data
	}
	return "", data
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}

// Info returns the manifest entry of a dataset; a dataset the manifest does
// not list reads as skipped ("not collected by this version").
func (s *Snapshot) Info(id string) DatasetInfo {
	if d, ok := s.Manifest.Datasets[id]; ok {
		return d
	}
	return DatasetInfo{Status: StatusSkipped, Reason: "not in this snapshot"}
}

// Raw returns the raw file contents of a dataset, or a *NotCollectedError.
func (s *Snapshot) Raw(id string) ([]byte, error) {
	data, ok := s.files[id]
	if !ok {
		return nil, &NotCollectedError{Dataset: id, Info: s.Info(id)}
	}
	return data, nil
}

// RawItems returns the raw objects of a list dataset.
func (s *Snapshot) RawItems(id string) ([]json.RawMessage, error) {
	return cached(s, id+"#raw", func() ([]json.RawMessage, error) {
		data, err := s.Raw(id)
		if err != nil {
			return nil, err
		}
		var items []json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			return nil, fmt.Errorf("dataset %s: %w", id, err)
		}
		return items, nil
	})
}

// RawPerKey returns the raw objects of a per-key dataset, by key.
func (s *Snapshot) RawPerKey(id string) (map[string][]json.RawMessage, error) {
	return cached(s, id+"#rawkey", func() (map[string][]json.RawMessage, error) {
		data, err := s.Raw(id)
		if err != nil {
			return nil, err
		}
		m := map[string][]json.RawMessage{}
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("dataset %s: %w", id, err)
		}
		return m, nil
	})
}

// cached decodes a dataset once per snapshot.
func cached[T any](s *Snapshot, key string, f func() (T, error)) (T, error) {
	s.mu.Lock()
	if v, ok := s.cache[key]; ok {
		s.mu.Unlock()
		r := v.(cacheEntry[T])
		return r.v, r.err
	}
	s.mu.Unlock()
	v, err := f()
	s.mu.Lock()
	s.cache[key] = cacheEntry[T]{v, err}
	s.mu.Unlock()
	return v, err
}

type cacheEntry[T any] struct {
	v   T
	err error
}

// List decodes a list dataset into typed values.
func List[T any](s *Snapshot, id string) ([]T, error) {
	return cached(s, id+"#list", func() ([]T, error) {
		data, err := s.Raw(id)
		if err != nil {
			return nil, err
		}
		var out []T
		if err := json.Unmarshal(data, &out); err != nil {
			return nil, fmt.Errorf("dataset %s: %w", id, err)
		}
		return out, nil
	})
}

// Object decodes a singleton dataset.
func Object[T any](s *Snapshot, id string) (*T, error) {
	return cached(s, id+"#obj", func() (*T, error) {
		data, err := s.Raw(id)
		if err != nil {
			return nil, err
		}
		var out T
		if err := json.Unmarshal(data, &out); err != nil {
			return nil, fmt.Errorf("dataset %s: %w", id, err)
		}
		return &out, nil
	})
}

// First decodes the first row of a list dataset (Exchange cmdlets that
// return one settings object). An empty list is an error: the cmdlet always
// returns its object, so none means the data is unusable.
func First[T any](s *Snapshot, id string) (*T, error) {
	rows, err := List[T](s, id)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, &NotCollectedError{Dataset: id, Info: DatasetInfo{Status: StatusError, Reason: "the cmdlet returned no object"}}
	}
	return &rows[0], nil
}

// PerKey decodes a per-key dataset into typed values by key.
func PerKey[T any](s *Snapshot, id string) (map[string][]T, error) {
	return cached(s, id+"#perkey", func() (map[string][]T, error) {
		data, err := s.Raw(id)
		if err != nil {
			return nil, err
		}
		out := map[string][]T{}
		if err := json.Unmarshal(data, &out); err != nil {
			return nil, fmt.Errorf("dataset %s: %w", id, err)
		}
		return out, nil
	})
}

// FromFiles builds a snapshot in memory from a manifest and dataset contents
// (for tests and the simulated tenant). Hashes are not checked.
func FromFiles(m Manifest, files map[string][]byte) *Snapshot {
	if m.Datasets == nil {
		m.Datasets = map[string]DatasetInfo{}
	}
	s := &Snapshot{Manifest: m, files: map[string][]byte{}, cache: map[string]any{}}
	for id, b := range files {
		s.files[id] = b
		if _, ok := m.Datasets[id]; !ok {
			m.Datasets[id] = DatasetInfo{Status: StatusOK, File: id + ".json"}
		}
	}
	return s
}
