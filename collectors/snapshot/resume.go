package snapshot

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// ErrNotResumable marks a directory that is not an interrupted snapshot.
var ErrNotResumable = errors.New("not an interrupted snapshot")

// ReadManifest reads dir's manifest without verifying any dataset.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	raw, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, fmt.Errorf("%s is not valid JSON: %w", ManifestFile, err)
	}
	if m.SchemaVersion != SchemaVersion {
		return m, fmt.Errorf("%s: schema version %d is not supported (this build writes version %d)", ManifestFile, m.SchemaVersion, SchemaVersion)
	}
	return m, nil
}

// Resume reopens the interrupted snapshot in dir to continue it. Datasets
// that finished (status ok) and whose file still matches its SHA-256 are
// kept; every other entry is dropped so it is collected again, except
// interrupted entries that carry a checkpoint whose partial file is intact
// (ResumeList continues them). The resume time is appended to
// Manifest.Resumed. kept lists the datasets kept, sorted.
func Resume(dir string, now time.Time) (w *Writer, kept []string, err error) {
	m, err := ReadManifest(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("%w: %s has no %s", ErrNotResumable, dir, ManifestFile)
		}
		return nil, nil, fmt.Errorf("resume %s: %w", dir, err)
	}
	if !m.IsIncomplete() {
		return nil, nil, fmt.Errorf("%w: %s holds a complete snapshot; there is nothing to resume", ErrNotResumable, dir)
	}
	if m.Datasets == nil {
		m.Datasets = map[string]DatasetInfo{}
	}
	ids := make([]string, 0, len(m.Datasets))
	for id := range m.Datasets {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		info := m.Datasets[id]
		switch {
		case info.Status == StatusOK && fileMatches(dir, info):
			kept = append(kept, id)
			continue
		case info.Status == StatusInterrupted && info.Checkpoint != nil && partialIntact(dir, id, *info.Checkpoint):
			continue
		}
		delete(m.Datasets, id)
		if info.File != "" && info.File == filepath.Base(info.File) {
			os.Remove(filepath.Join(dir, info.File))
		}
		os.Remove(filepath.Join(dir, PartialName(id)))
	}
	m.Resumed = append(m.Resumed, now.UTC())
	m.Complete = nil
	return &Writer{dir: dir, m: m}, kept, nil
}

// fileMatches reports whether a dataset's file exists and has its hash.
func fileMatches(dir string, info DatasetInfo) bool {
	if info.File == "" || info.File != filepath.Base(info.File) || strings.Contains(info.File, "..") {
		return false
	}
	f, err := os.Open(filepath.Join(dir, info.File))
	if err != nil {
		return false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false
	}
	return strings.EqualFold(hex.EncodeToString(h.Sum(nil)), info.SHA256)
}

// partialIntact reports whether a checkpoint's partial file holds at least
// the bytes the checkpoint counts and its hash state matches them.
func partialIntact(dir, id string, cp Checkpoint) bool {
	if cp.File != PartialName(id) || cp.NextLink == "" {
		return false
	}
	f, err := os.Open(filepath.Join(dir, cp.File))
	if err != nil {
		return false
	}
	defer f.Close()
	h := sha256.New()
	if n, err := io.CopyN(h, f, cp.Bytes); err != nil || n != cp.Bytes {
		return false
	}
	want, err := restoreHash(cp.HashState)
	if err != nil {
		return false
	}
	return bytes.Equal(h.Sum(nil), want.Sum(nil))
}

// Kept reports whether the writer already holds a finished dataset (a
// resumed run keeps it rather than collecting it again).
func (w *Writer) Kept(id string) (DatasetInfo, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	info, ok := w.m.Datasets[id]
	return info, ok && info.Status == StatusOK
}

// ReadDataset returns the file of a dataset the writer already holds.
func (w *Writer) ReadDataset(id string) ([]byte, error) {
	w.mu.Lock()
	info, ok := w.m.Datasets[id]
	w.mu.Unlock()
	if !ok || !info.Status.HasData() || info.File == "" {
		return nil, fmt.Errorf("dataset %s has no file", id)
	}
	return os.ReadFile(filepath.Join(w.dir, info.File))
}

// Interrupted returns the entry of a dataset an interrupted run left
// unfinished with a checkpoint (kept by Resume).
func (w *Writer) Interrupted(id string) (DatasetInfo, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	info, ok := w.m.Datasets[id]
	return info, ok && info.Status == StatusInterrupted
}

// IsIncomplete is Incomplete without the list of datasets.
func (m Manifest) IsIncomplete() bool {
	inc, _ := m.Incomplete()
	return inc
}
