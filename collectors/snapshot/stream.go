package snapshot

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
)

// PartialName is the file a list dataset is streamed into until it is
// committed as <id>.json.
func PartialName(id string) string { return id + ".json.partial" }

// ListWriter streams one list dataset to disk: the file is a JSON array
// written object by object, hashed while it is written, so a dataset of any
// size costs one page of memory. The bytes are those WriteList writes for
// the same objects. EndPage marks a checkpoint a resumed run can continue
// from. A ListWriter is used by one goroutine.
type ListWriter struct {
	w     *Writer
	id    string
	f     *os.File
	bw    *bufio.Writer
	h     hash.Hash
	n     int
	bytes int64
	pages int
	done  bool
}

// StartList starts streaming list dataset id (any earlier partial file of
// it is replaced).
func (w *Writer) StartList(id string) (*ListWriter, error) {
	f, err := os.OpenFile(filepath.Join(w.dir, PartialName(id)), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("write dataset %s: %w", id, err)
	}
	l := &ListWriter{w: w, id: id, f: f, bw: bufio.NewWriterSize(f, 256<<10), h: sha256.New()}
	if err := l.write([]byte("[")); err != nil {
		l.Abort()
		return nil, err
	}
	return l, nil
}

// ResumeList continues a list dataset from a checkpoint: the partial file
// is cut back to the checkpoint's bytes and the hash state restored.
func (w *Writer) ResumeList(id string, cp Checkpoint) (*ListWriter, error) {
	h, err := restoreHash(cp.HashState)
	if err != nil {
		return nil, fmt.Errorf("resume dataset %s: %w", id, err)
	}
	p := filepath.Join(w.dir, PartialName(id))
	f, err := os.OpenFile(p, os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("resume dataset %s: %w", id, err)
	}
	if err := f.Truncate(cp.Bytes); err != nil {
		f.Close()
		return nil, fmt.Errorf("resume dataset %s: %w", id, err)
	}
	if _, err := f.Seek(cp.Bytes, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("resume dataset %s: %w", id, err)
	}
	return &ListWriter{w: w, id: id, f: f, bw: bufio.NewWriterSize(f, 256<<10), h: h,
		n: cp.Count, bytes: cp.Bytes, pages: cp.Pages}, nil
}

func restoreHash(state []byte) (hash.Hash, error) {
	h := sha256.New()
	u, ok := h.(encoding.BinaryUnmarshaler)
	if !ok {
		return nil, errors.New("sha256 state cannot be restored")
	}
	if err := u.UnmarshalBinary(state); err != nil {
		return nil, fmt.Errorf("bad hash state: %w", err)
	}
	return h, nil
}

func (l *ListWriter) write(b []byte) error {
	if _, err := l.bw.Write(b); err != nil {
		return fmt.Errorf("write dataset %s: %w", l.id, err)
	}
	l.h.Write(b)
	l.bytes += int64(len(b))
	return nil
}

var (
	sepFirst = []byte("\n")
	sepNext  = []byte(",\n")
)

// Add appends one raw JSON value (whitespace around it is dropped). A value
// that is not valid JSON is refused: the file must stay loadable.
func (l *ListWriter) Add(item []byte) error {
	item = bytes.TrimSpace(item)
	if !json.Valid(item) {
		return fmt.Errorf("write dataset %s: object %d is not valid JSON", l.id, l.n+1)
	}
	sep := sepNext
	if l.n == 0 {
		sep = sepFirst
	}
	if err := l.write(sep); err != nil {
		return err
	}
	if err := l.write(item); err != nil {
		return err
	}
	l.n++
	return nil
}

// Count is the number of objects written so far.
func (l *ListWriter) Count() int { return l.n }

// Pages is the number of pages ended so far.
func (l *ListWriter) Pages() int { return l.pages }

// Bytes is the number of bytes written so far.
func (l *ListWriter) Bytes() int64 { return l.bytes }

// EndPage flushes what was added and returns the checkpoint after this page;
// next is the link of the following page ("" on the last page).
func (l *ListWriter) EndPage(next string) (Checkpoint, error) {
	l.pages++
	if err := l.bw.Flush(); err != nil {
		return Checkpoint{}, fmt.Errorf("write dataset %s: %w", l.id, err)
	}
	state, err := l.h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return Checkpoint{}, fmt.Errorf("write dataset %s: hash state: %w", l.id, err)
	}
	return Checkpoint{File: PartialName(l.id), NextLink: next, Bytes: l.bytes, Count: l.n, Pages: l.pages, HashState: state}, nil
}

// Commit closes the array, moves the file into place as <id>.json and
// records info with the count and hash. It returns the recorded entry.
func (l *ListWriter) Commit(info DatasetInfo) (DatasetInfo, error) {
	if l.done {
		return info, fmt.Errorf("write dataset %s: already closed", l.id)
	}
	l.done = true
	end := []byte("]\n")
	if l.n > 0 {
		end = []byte("\n]\n")
	}
	err := l.write(end)
	if err == nil {
		err = l.bw.Flush()
	}
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(l.f.Name())
		return info, fmt.Errorf("write dataset %s: %w", l.id, err)
	}
	if info.Status == "" {
		info.Status = StatusOK
	}
	if !info.Status.HasData() {
		os.Remove(l.f.Name())
		return info, fmt.Errorf("write dataset %s: status %q carries no data", l.id, info.Status)
	}
	name := l.id + ".json"
	if err := os.Rename(l.f.Name(), filepath.Join(l.w.dir, name)); err != nil {
		os.Remove(l.f.Name())
		return info, fmt.Errorf("write dataset %s: %w", l.id, err)
	}
	info.File, info.Count, info.SHA256, info.Checkpoint = name, l.n, hex.EncodeToString(l.h.Sum(nil)), nil
	l.w.mu.Lock()
	l.w.m.Datasets[l.id] = info
	l.w.mu.Unlock()
	return info, nil
}

// Suspend keeps the partial file up to checkpoint cp and records the
// dataset as interrupted with it, so a resumed run continues from there.
// Without a usable checkpoint (no page finished) the file is removed.
func (l *ListWriter) Suspend(cp *Checkpoint, info DatasetInfo) {
	if l.done {
		return
	}
	l.done = true
	l.f.Close()
	info.Status, info.File, info.SHA256 = StatusInterrupted, "", ""
	if info.Reason == "" {
		info.Reason = InterruptedReason
	}
	if cp == nil || cp.NextLink == "" {
		os.Remove(l.f.Name())
		cp = nil
	} else {
		info.Count = cp.Count
	}
	info.Checkpoint = cp
	l.w.mu.Lock()
	l.w.m.Datasets[l.id] = info
	l.w.mu.Unlock()
}

// Abort drops the dataset's partial file; nothing is recorded.
func (l *ListWriter) Abort() {
	if l.done {
		return
	}
	l.done = true
	l.f.Close()
	os.Remove(l.f.Name())
}

// EachItem reads a list dataset the writer already holds one object at a
// time, without holding the file in memory.
func (w *Writer) EachItem(id string, f func(raw json.RawMessage) error) error {
	w.mu.Lock()
	info, ok := w.m.Datasets[id]
	w.mu.Unlock()
	if !ok || !info.Status.HasData() || info.File == "" {
		return fmt.Errorf("dataset %s has no file", id)
	}
	fh, err := os.Open(filepath.Join(w.dir, info.File))
	if err != nil {
		return err
	}
	defer fh.Close()
	return EachListItem(bufio.NewReaderSize(fh, 256<<10), f)
}

// EachListItem decodes a JSON array from r one element at a time.
func EachListItem(r io.Reader, f func(raw json.RawMessage) error) error {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return errors.New("not a JSON array")
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if err := f(raw); err != nil {
			return err
		}
	}
	_, err = dec.Token()
	return err
}
