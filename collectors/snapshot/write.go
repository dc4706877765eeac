package snapshot

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Writer writes a snapshot directory one dataset at a time, so a large
// tenant is streamed to disk rather than held in memory. It is safe for
// concurrent use by several collectors.
type Writer struct {
	dir string
	mu  sync.Mutex
	m   Manifest
}

// Create starts a snapshot in dir (created if needed; it must be empty: a
// snapshot never mixes its files with others). m.Datasets may be nil.
func Create(dir string, m Manifest) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create snapshot dir: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); err == nil {
		return nil, fmt.Errorf("create snapshot: %s already holds a snapshot (%s exists)", dir, ManifestFile)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("create snapshot dir: %w", err)
	}
	if len(entries) > 0 {
		return nil, fmt.Errorf("create snapshot: %s is not empty (%d entries, e.g. %s); choose a new directory", dir, len(entries), entries[0].Name())
	}
	m.SchemaVersion = SchemaVersion
	if m.Datasets == nil {
		m.Datasets = map[string]DatasetInfo{}
	}
	return &Writer{dir: dir, m: m}, nil
}

// Dir returns the directory being written.
func (w *Writer) Dir() string { return w.dir }

// SetTenant records the tenant (known only after the organization dataset).
func (w *Writer) SetTenant(t Tenant) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.m.Tenant = t
}

// WriteList writes a list dataset: the raw objects in API order.
func (w *Writer) WriteList(id string, items []json.RawMessage, info DatasetInfo) error {
	var b bytes.Buffer
	b.WriteString("[")
	for i, it := range items {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n")
		b.Write(bytes.TrimSpace(it))
	}
	if len(items) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	info.Count = len(items)
	return w.writeFile(id, b.Bytes(), info)
}

// WriteObject writes a singleton dataset.
func (w *Writer) WriteObject(id string, obj json.RawMessage, info DatasetInfo) error {
	b := append(bytes.TrimSpace(append([]byte(nil), obj...)), '\n')
	info.Count = 1
	return w.writeFile(id, b, info)
}

// WritePerKey writes a per-key dataset: for each key, the raw objects its
// request returned. Keys are written sorted.
func (w *Writer) WritePerKey(id string, m map[string][]json.RawMessage, info DatasetInfo) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteString("{")
	n := 0
	for i, k := range keys {
		if i > 0 {
			b.WriteString(",")
		}
		kb, _ := json.Marshal(k)
		b.WriteString("\n")
		b.Write(kb)
		b.WriteString(": [")
		for j, it := range m[k] {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n  ")
			b.Write(bytes.TrimSpace(it))
			n++
		}
		b.WriteString("]")
	}
	if len(keys) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	info.Count = n
	return w.writeFile(id, b.Bytes(), info)
}

// Record notes a dataset that carries no file (forbidden, unlicensed, …).
func (w *Writer) Record(id string, info DatasetInfo) {
	info.File, info.SHA256, info.Count = "", "", 0
	w.mu.Lock()
	defer w.mu.Unlock()
	w.m.Datasets[id] = info
}

func (w *Writer) writeFile(id string, data []byte, info DatasetInfo) error {
	if !json.Valid(data) {
		return fmt.Errorf("write dataset %s: not valid JSON", id)
	}
	if info.Status == "" {
		info.Status = StatusOK
	}
	if !info.Status.HasData() {
		return fmt.Errorf("write dataset %s: status %q carries no data", id, info.Status)
	}
	name := id + ".json"
	sum := sha256.Sum256(data)
	info.File = name
	info.SHA256 = hex.EncodeToString(sum[:])
	if err := writeFileAtomic(filepath.Join(w.dir, name), data); err != nil {
		return fmt.Errorf("write dataset %s: %w", id, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.m.Datasets[id] = info
	return nil
}

// Manifest returns a copy of the manifest as written so far.
func (w *Writer) Manifest() Manifest {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.m
	m.Datasets = make(map[string]DatasetInfo, len(w.m.Datasets))
	for k, v := range w.m.Datasets {
		m.Datasets[k] = v
	}
	return m
}

// Close writes the manifest of a finished run with collectedAt as the
// collection time.
func (w *Writer) Close(collectedAt time.Time) error {
	complete := true
	w.mu.Lock()
	w.m.CollectedAt = collectedAt.UTC()
	w.m.Complete = &complete
	m := w.m
	w.mu.Unlock()
	return w.writeManifest(m)
}

// InterruptedReason is the reason recorded on datasets a stopped run did not
// finish.
const InterruptedReason = "the collection was interrupted before this dataset finished"

// CloseInterrupted writes the manifest of a stopped run: complete false,
// and every dataset of ids that has no entry yet marked interrupted (an
// entry already recorded as interrupted, e.g. with a checkpoint, is kept).
func (w *Writer) CloseInterrupted(at time.Time, ids []string) error {
	complete := false
	w.mu.Lock()
	w.m.CollectedAt = at.UTC()
	w.m.Complete = &complete
	for _, id := range ids {
		if _, ok := w.m.Datasets[id]; !ok {
			w.m.Datasets[id] = DatasetInfo{Status: StatusInterrupted, Reason: InterruptedReason}
		}
	}
	m := w.m
	w.mu.Unlock()
	return w.writeManifest(m)
}

func (w *Writer) writeManifest(m Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(w.dir, ManifestFile), append(b, '\n')); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Pack writes the snapshot in dir as a zip archive to out. Files are added in
// sorted order with a fixed timestamp so the archive is reproducible.
func Pack(dir string, out io.Writer) error {
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".tmp-") {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		names = append(names, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return fmt.Errorf("pack snapshot: %w", err)
	}
	sort.Strings(names)
	zw := zip.NewWriter(out)
	for _, n := range names {
		// Each file is copied through, not read whole: a large tenant's
		// lists are hundreds of megabytes.
		if err := packFile(zw, dir, n); err != nil {
			return fmt.Errorf("pack snapshot: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("pack snapshot: %w", err)
	}
	return nil
}

func packFile(zw *zip.Writer, dir, name string) error {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		return err
	}
	defer f.Close()
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}
	fw, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	_, err = io.Copy(fw, f)
	return err
}

// ErrIntegrity marks load failures caused by a tampered, truncated or missing
// file. errors.Is(err, ErrIntegrity) tells them from I/O errors.
var ErrIntegrity = errors.New("snapshot integrity check failed")
