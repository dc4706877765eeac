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
	// AllowIncomplete audits a snapshot whose collection was interrupted
	// (manifest complete: false, datasets with status interrupted); the
	// snapshot is marked Incomplete so outputs can show it.
	AllowIncomplete bool
	// MaxFileBytes is the hard ceiling on one file's size; 0 means
	// DefaultMaxFileBytes. A file is also refused when it is far larger than
	// its manifest entry's object count can explain.
	MaxFileBytes int64
}

// Size bounds applied while loading, so a hostile archive (a zip bomb) fails
// before it is decompressed into memory.
const (
	// DefaultMaxFileBytes is the hard ceiling on one dataset file.
	DefaultMaxFileBytes int64 = 1 << 30
	// maxManifestBytes bounds manifest.json and manifest.sig.
	maxManifestBytes int64 = 64 << 20
	// fileSlackBytes and maxObjectBytes give a dataset file's expected
	// ceiling: slack plus count objects of at most maxObjectBytes each.
	fileSlackBytes int64 = 16 << 20
	maxObjectBytes int64 = 4 << 20
)

// SignatureFile is the detached Ed25519 signature of manifest.json.
const SignatureFile = "manifest.sig"

// ErrIncomplete marks a snapshot whose collection did not finish.
var ErrIncomplete = errors.New("snapshot is incomplete")

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
	// Incomplete is true when collection was interrupted (only loaded with
	// LoadOptions.AllowIncomplete); Interrupted names the datasets it left
	// unfinished.
	Incomplete  bool
	Interrupted []string
	// Unexpected lists files in the snapshot that its manifest does not
	// name (sorted); they are ignored, and audit warns about them.
	Unexpected []string
	// Digest is the hex SHA-256 of manifest.json as read: the manifest holds
	// every file's hash, so the digest identifies the whole snapshot.
	Digest string
	// Signature is the raw content of manifest.sig, nil when unsigned.
	Signature []byte
	// Source is the path it was loaded from (for messages).
	Source string

	manifestRaw []byte
	files       map[string][]byte // dataset ID -> file contents
	// lazy holds the verified datasets too large to keep in memory for the
	// whole run: Raw reads them again through reopen and checks that the
	// bytes still have the hash verified at load.
	lazy   map[string]lazyFile
	reopen func(name string, limit int64) ([]byte, error)
	counts map[string]int // list dataset ID -> elements counted at load

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
		if _, err := fs.Stat(fsys, ManifestFile); err != nil {
			entries, _ := os.ReadDir(p)
			if len(entries) == 0 {
				return nil, fmt.Errorf("load snapshot %s: not a snapshot (the directory is empty)", p)
			}
			return nil, fmt.Errorf("load snapshot %s: %w: the directory holds no %s (not a snapshot, or its manifest was removed)", p, ErrIntegrity, ManifestFile)
		}
	} else {
		zr, err := zip.OpenReader(p)
		if err != nil {
			return nil, fmt.Errorf("load snapshot %s: not a snapshot directory or zip archive: %w", p, err)
		}
		defer zr.Close()
		fsys = zipRoot(&zr.Reader)
	}
	s, err := loadFS(fsys, opt, reopenFrom(p, st.IsDir()))
	if err != nil {
		return nil, fmt.Errorf("load snapshot %s: %w", p, err)
	}
	s.Source = p
	return s, nil
}

// lazyThreshold is the size from which a verified dataset file is not kept
// in memory after Load but read again when a check or report decodes it
// (each typed view is decoded once and cached). A 100k-member tenant's
// users, mailboxes and registration details would otherwise stay resident
// as raw bytes beside their decoded copies.
const lazyThreshold = 1 << 20

// lazyFile is what Raw needs to read a dataset again and trust it.
type lazyFile struct {
	name   string
	sha256 string
	limit  int64
}

// reopenFrom opens the snapshot at p again for each read: a directory
// through os.DirFS, a zip by opening the archive anew (Load does not keep
// it open).
func reopenFrom(p string, dir bool) func(string, int64) ([]byte, error) {
	if dir {
		fsys := os.DirFS(p)
		return func(name string, limit int64) ([]byte, error) { return readBounded(fsys, name, limit) }
	}
	return func(name string, limit int64) ([]byte, error) {
		zr, err := zip.OpenReader(p)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		return readBounded(zipRoot(&zr.Reader), name, limit)
	}
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
	return loadFS(fsys, opt, nil)
}

// loadFS loads from fsys; with reopen set, large verified datasets are
// read again through it when used instead of being kept in memory.
func loadFS(fsys fs.FS, opt LoadOptions, reopen func(string, int64) ([]byte, error)) (*Snapshot, error) {
	m, raw, err := readManifestFS(fsys)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	s := &Snapshot{Manifest: m, files: map[string][]byte{}, counts: map[string]int{}, cache: map[string]any{},
		lazy: map[string]lazyFile{}, reopen: reopen,
		Digest: hex.EncodeToString(sum[:]), manifestRaw: raw}
	if incomplete, ids := m.Incomplete(); incomplete {
		if !opt.AllowIncomplete {
			what := "collection did not finish"
			if len(ids) > 0 {
				what = fmt.Sprintf("collection was interrupted before %d dataset(s) finished: %s", len(ids), strings.Join(ids, ", "))
			}
			return nil, fmt.Errorf("%w: %s; refusing to audit it (collect the tenant again, or audit it anyway with --allow-incomplete: every output is then marked incomplete)", ErrIncomplete, what)
		}
		s.Incomplete, s.Interrupted = true, ids
	}
	if sig, err := readBounded(fsys, SignatureFile, maxManifestBytes); err == nil {
		s.Signature = sig
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s: %v", ErrIntegrity, SignatureFile, err)
	}
	ceiling := opt.MaxFileBytes
	if ceiling <= 0 {
		ceiling = DefaultMaxFileBytes
	}
	ids := make([]string, 0, len(m.Datasets))
	for id := range m.Datasets {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var problems []IntegrityProblem
	for _, id := range ids {
		info := m.Datasets[id]
		if !info.Status.HasData() {
			continue
		}
		limit := expectedCeiling(info, ceiling)
		problem, data := verifyFile(fsys, id, info, limit)
		if problem == "" {
			problem = s.checkCount(id, info, data)
			if problem != "" {
				// The file matches its hash; the manifest's count was edited.
				problems = append(problems, IntegrityProblem{File: ManifestFile, Dataset: id, Problem: problem})
				s.files[id] = data
				continue
			}
		}
		if problem == "" {
			if reopen != nil && len(data) >= lazyThreshold && id != DSOrganization {
				s.lazy[id] = lazyFile{name: info.File, sha256: info.SHA256, limit: limit}
				continue
			}
			s.files[id] = data
			continue
		}
		problems = append(problems, IntegrityProblem{File: fileName(id, info), Dataset: id, Problem: problem})
		if data != nil && json.Valid(data) {
			s.files[id] = data
			continue
		}
		info.Status = StatusError
		info.Reason = "file failed verification: " + problem
		s.Manifest.Datasets[id] = info
	}
	problems = append(problems, s.checkTenant()...)
	if len(s.Signature) > 0 {
		if _, err := parseSignature(s.Signature, raw); err != nil {
			problems = append(problems, IntegrityProblem{File: SignatureFile, Problem: err.Error()})
		}
	}
	if len(problems) > 0 && !opt.AllowIntegrityErrors {
		p := problems[0]
		where := p.File
		if p.Dataset != "" {
			where += " (dataset " + p.Dataset + ")"
		}
		more := ""
		if len(problems) > 1 {
			more = fmt.Sprintf(" (and %d more problem(s))", len(problems)-1)
		}
		return nil, fmt.Errorf("%w: %s: %s%s; refusing to audit it (audit --allow-tampered audits it anyway and marks every output)", ErrIntegrity, where, p.Problem, more)
	}
	s.Integrity = problems
	s.Unexpected = unexpectedFiles(fsys, m)
	return s, nil
}

// readManifestFS reads and checks a snapshot's manifest: bounded size,
// valid JSON, the schema version this build reads, a dataset list, known
// statuses. It returns the manifest and its bytes as read.
func readManifestFS(fsys fs.FS) (Manifest, []byte, error) {
	var m Manifest
	raw, err := readBounded(fsys, ManifestFile, maxManifestBytes)
	if err != nil {
		return m, nil, fmt.Errorf("%w: %s: %v", ErrIntegrity, ManifestFile, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&m); err != nil {
		return m, nil, fmt.Errorf("%w: %s is not valid JSON (truncated or edited?): %v", ErrIntegrity, ManifestFile, err)
	}
	if m.SchemaVersion != SchemaVersion {
		return m, nil, fmt.Errorf("%s: schema version %d is not supported (this build reads version %d)", ManifestFile, m.SchemaVersion, SchemaVersion)
	}
	if m.Datasets == nil {
		return m, nil, fmt.Errorf("%w: %s lists no datasets", ErrIntegrity, ManifestFile)
	}
	ids := make([]string, 0, len(m.Datasets))
	for id := range m.Datasets {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if st := m.Datasets[id].Status; !st.Valid() {
			return m, nil, fmt.Errorf("%s: dataset %s has unknown status %q", ManifestFile, id, st)
		}
	}
	return m, raw, nil
}

// LoadManifest reads only the manifest of the snapshot at p (a directory
// or a .zip) with the checks Load applies to it; no dataset file is read
// or verified. It is for what needs the manifest's facts alone (the
// tenant, per-dataset counts), not for auditing.
func LoadManifest(p string) (Manifest, error) {
	m, _, err := loadManifest(p)
	return m, err
}

// loadManifest is LoadManifest, also returning the manifest's bytes.
func loadManifest(p string) (Manifest, []byte, error) {
	st, err := os.Stat(p)
	if err != nil {
		return Manifest{}, nil, fmt.Errorf("read snapshot manifest: %w", err)
	}
	var fsys fs.FS
	if st.IsDir() {
		fsys = os.DirFS(p)
	} else {
		zr, err := zip.OpenReader(p)
		if err != nil {
			return Manifest{}, nil, fmt.Errorf("read snapshot manifest %s: not a snapshot directory or zip archive: %w", p, err)
		}
		defer zr.Close()
		fsys = zipRoot(&zr.Reader)
	}
	m, raw, err := readManifestFS(fsys)
	if err != nil {
		return Manifest{}, nil, fmt.Errorf("read snapshot manifest %s: %w", p, err)
	}
	return m, raw, nil
}

// fileName names a dataset's file for messages, also when the manifest
// entry names none.
func fileName(id string, info DatasetInfo) string {
	if info.File != "" {
		return info.File
	}
	return ManifestFile
}

// expectedCeiling is the largest size a dataset file may have: slack plus
// its manifest count of objects, never above the hard ceiling.
func expectedCeiling(info DatasetInfo, ceiling int64) int64 {
	n := int64(info.Count)
	if n < 0 {
		n = 0
	}
	if n > ceiling/maxObjectBytes {
		return ceiling
	}
	return min(ceiling, fileSlackBytes+n*maxObjectBytes)
}

// readBounded reads a file of at most limit bytes; a larger one fails
// before it is read (or as soon as the limit is passed when its stated size
// lies).
func readBounded(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := int64(-1)
	if st, err := f.Stat(); err == nil {
		if st.IsDir() {
			return nil, fmt.Errorf("%s is a directory", name)
		}
		if st.Size() > limit {
			return nil, &tooLargeError{size: st.Size(), limit: limit}
		}
		size = st.Size()
	}
	var data []byte
	if size >= 0 {
		// Read into one buffer of the stated size (plus a byte to see the
		// end) rather than letting io.ReadAll double its way there: a
		// 100 MB file would otherwise allocate about twice its size.
		buf := make([]byte, size+1)
		n, err := io.ReadFull(f, buf)
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			data = buf[:n]
		case err != nil:
			return nil, err
		default: // longer than stated: read on, still bounded
			rest, err := io.ReadAll(io.LimitReader(f, limit+1-int64(n)))
			if err != nil {
				return nil, err
			}
			data = append(buf, rest...)
		}
	} else {
		var err error
		if data, err = io.ReadAll(io.LimitReader(f, limit+1)); err != nil {
			return nil, err
		}
	}
	if int64(len(data)) > limit {
		return nil, &tooLargeError{size: -1, limit: limit}
	}
	return data, nil
}

type tooLargeError struct{ size, limit int64 }

func (e *tooLargeError) Error() string {
	if e.size >= 0 {
		return fmt.Sprintf("too large: %d bytes where at most %d are expected (a damaged file or a zip bomb)", e.size, e.limit)
	}
	return fmt.Sprintf("too large: more than %d bytes, at most expected (a damaged file or a zip bomb)", e.limit)
}

func verifyFile(fsys fs.FS, id string, info DatasetInfo, limit int64) (problem string, data []byte) {
	if info.File == "" {
		return fmt.Sprintf("the manifest names no file for dataset %s, which has status %s (expected %s.json)", id, info.Status, id), nil
	}
	if info.File != path.Base(info.File) || strings.Contains(info.File, "..") {
		return "file name is not a plain name inside the snapshot", nil
	}
	data, err := readBounded(fsys, info.File, limit)
	if err != nil {
		var tl *tooLargeError
		if errors.As(err, &tl) {
			return tl.Error(), nil
		}
		if errors.Is(err, fs.ErrNotExist) {
			return "missing: " + err.Error(), nil
		}
		return "unreadable (damaged, or larger than its archive entry states): " + err.Error(), nil
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

// checkCount compares a dataset's manifest count with the objects its
// verified file holds.
func (s *Snapshot) checkCount(id string, info DatasetInfo, data []byte) string {
	shape := ShapeList
	if spec, ok := SpecByID(id); ok {
		shape = spec.Shape
	} else if t := bytes.TrimSpace(data); len(t) > 0 && t[0] != '[' {
		return "" // a dataset this build does not know: its layout is unknown
	}
	n := 0
	switch shape {
	case ShapeObject:
		n = 1
	case ShapePerKey:
		var m map[string][]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			return "not a per-key dataset: " + err.Error()
		}
		for _, v := range m {
			n += len(v)
		}
	default:
		c, ok := countArray(data)
		if !ok {
			var items []json.RawMessage
			if err := json.Unmarshal(data, &items); err != nil {
				return "not a list dataset: " + err.Error()
			}
			c = len(items)
		}
		n = c
		s.counts[id] = c
	}
	if n != info.Count {
		return fmt.Sprintf("count says %d but %s holds %d object(s) (manifest edited after collection)", info.Count, info.File, n)
	}
	return ""
}

// countArray counts the elements of a top-level JSON array without
// decoding or copying them (a 100k-member users file would otherwise be
// held twice). data must be valid JSON; ok is false when it is not an
// array, and the caller decodes it to explain why.
func countArray(data []byte) (n int, ok bool) {
	i := 0
	for i < len(data) && isJSONSpace(data[i]) {
		i++
	}
	if i == len(data) || data[i] != '[' {
		return 0, false
	}
	depth, inString, empty := 0, false, true
	for ; i < len(data); i++ {
		c := data[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			empty = false
		case '[', '{':
			if depth > 0 {
				empty = false
			}
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				if !empty {
					n++
				}
				return n, true
			}
		case ',':
			if depth == 1 {
				n++
			}
		default:
			if depth == 1 && !isJSONSpace(c) {
				empty = false
			}
		}
	}
	return 0, false
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// checkTenant compares the manifest's tenant with the organization dataset
// (whose file is hash-verified) and with the token's tenant recorded at
// collect.
func (s *Snapshot) checkTenant() []IntegrityProblem {
	var out []IntegrityProblem
	add := func(format string, a ...any) {
		out = append(out, IntegrityProblem{File: ManifestFile, Problem: fmt.Sprintf(format, a...)})
	}
	t := s.Manifest.Tenant
	if t.TokenTenantID != "" && !strings.EqualFold(t.TokenTenantID, t.ID) {
		add("tenant id %s differs from the tenant the access token was issued for (%s) (manifest edited after collection)", t.ID, t.TokenTenantID)
	}
	if _, ok := s.files[DSOrganization]; !ok {
		return out
	}
	orgs, err := s.Organizations()
	if err != nil || len(orgs) == 0 {
		return out
	}
	o := orgs[0]
	if !strings.EqualFold(o.ID, t.ID) {
		add("tenant id %s differs from organization.json (%s) (manifest edited after collection)", t.ID, o.ID)
	}
	if o.DisplayName != t.DisplayName {
		add("tenant displayName %q differs from organization.json (%q) (manifest edited after collection)", t.DisplayName, o.DisplayName)
	}
	if t.PrimaryDomain != "" && len(o.VerifiedDomains) > 0 {
		found := false
		for _, d := range o.VerifiedDomains {
			found = found || strings.EqualFold(d.Name, t.PrimaryDomain)
		}
		if !found {
			add("tenant primaryDomain %s is not a verified domain in organization.json (manifest edited after collection)", t.PrimaryDomain)
		}
	}
	return out
}

// unexpectedFiles lists the files of a snapshot its manifest does not name.
func unexpectedFiles(fsys fs.FS, m Manifest) []string {
	known := map[string]bool{ManifestFile: true, SignatureFile: true}
	for _, d := range m.Datasets {
		if d.File != "" {
			known[d.File] = true
		}
		if d.Checkpoint != nil && d.Checkpoint.File != "" {
			known[d.Checkpoint.File] = true // an interrupted dataset's partial file
		}
	}
	var out []string
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if !known[p] {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// ManifestBytes returns manifest.json exactly as read (what Digest and the
// signature cover).
func (s *Snapshot) ManifestBytes() []byte { return s.manifestRaw }

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
	if data, ok := s.files[id]; ok {
		return data, nil
	}
	if lf, ok := s.lazy[id]; ok {
		return s.readLazy(id, lf)
	}
	return nil, &NotCollectedError{Dataset: id, Info: s.Info(id)}
}

// readLazy reads a dataset verified at load again and refuses it when its
// bytes changed since.
func (s *Snapshot) readLazy(id string, lf lazyFile) ([]byte, error) {
	data, err := s.reopen(lf.name, lf.limit)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w: %s could not be read again after it was verified: %v", id, ErrIntegrity, lf.name, err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, lf.sha256) {
		return nil, fmt.Errorf("dataset %s: %w: %s changed after it was verified (sha256 %s, verified %s)", id, ErrIntegrity, lf.name, short(got), short(lf.sha256))
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
		if n, ok := s.counts[id]; ok && n > 0 {
			// The verified element count: decoding then fills one
			// allocation instead of growing the slice by doubling.
			out = make([]T, 0, n)
		}
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
