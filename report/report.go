// Package report writes the outputs of an audit through one registry of
// writers: results.json, report.xlsx, report.pdf, report.html,
// remediation.ps1 and one incident-<user>.ps1 per incident user, plus the
// console summary. Every writer renders the same checks.Document (and the
// snapshot for names); none re-derives a verdict, so no view can disagree
// with another. Nothing here touches the network or the clock.
//
// A command that writes outputs (audit --out, demo, and later ones) asks
// Default for the registry, selects formats by name and calls WriteDir,
// which owns the output directory: it records what it wrote in
// OutputsManifest and, on the next run into the same directory, removes the
// outputs of the earlier run that this run did not write again.
package report

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/html"
	"github.com/m365audit/m365audit/report/model"
	"github.com/m365audit/m365audit/report/pdf"
	"github.com/m365audit/m365audit/report/pwsh"
	"github.com/m365audit/m365audit/report/table"
	"github.com/m365audit/m365audit/report/xlsx"
)

// File names of the outputs.
const (
	ResultsFile     = "results.json"
	WorkbookFile    = "report.xlsx"
	PDFFile         = "report.pdf"
	HTMLFile        = html.FileName
	RemediationFile = "remediation.ps1"
	// OutputsManifest records, in the output directory, the files the last
	// run wrote there and their SHA-256, so the next run can remove the
	// ones it no longer writes (and nothing else).
	OutputsManifest = ".m365audit-outputs.json"
)

// FileMode is the mode of every output file: reports name people and hold
// IP addresses and phone numbers, like the snapshot they come from.
const FileMode os.FileMode = 0o600

// Options configure the writers.
type Options struct {
	// Config is the configuration resolved against the snapshot
	// (checks.ResolveConfig): the break-glass accounts new CA policies
	// exclude, as object ids. nil: none.
	Config *checks.Resolved
	// ToolVersion goes into script headers.
	ToolVersion string
	// AllowUnsafeScripts writes remediation.ps1 and incident-*.ps1 even
	// from a snapshot that is not trusted (tampered or incomplete), each
	// with a warning banner and a throw the admin removes by hand. Without
	// it those scripts are not written from such a snapshot.
	AllowUnsafeScripts bool
	// Log receives warnings (scripts not written); nil means slog.Default().
	Log *slog.Logger
}

// Model builds the report model every writer renders, with the script
// writer's fixes for the remediation plan.
func Model(doc *checks.Document, snap *snapshot.Snapshot, opt Options) (*model.Report, error) {
	return model.Build(doc, snap, model.Options{Fixes: pwsh.Fixes(), AllowUnsafeScripts: opt.AllowUnsafeScripts})
}

// Input is what every writer renders: the results document, the snapshot
// it was computed from (names, dataset details) and the options.
type Input struct {
	Doc  *checks.Document
	Snap *snapshot.Snapshot
	Opt  Options
	// Model is the report model built from Doc and Snap (WriteDir builds
	// it when nil).
	Model *model.Report
}

// model returns the report model, building it once.
func (in *Input) model() (*model.Report, error) {
	if in.Model == nil {
		rep, err := Model(in.Doc, in.Snap, in.Opt)
		if err != nil {
			return nil, err
		}
		in.Model = rep
	}
	return in.Model, nil
}

// Writer renders one output format.
type Writer interface {
	// Format is the name --formats selects it by (pdf, xlsx, html, json,
	// pwsh, …).
	Format() string
	// Files lists the file names (no directories) the writer produces for
	// in; an empty list means it has nothing to write for this audit.
	Files(in *Input) []string
	// Write renders file (one of Files(in)) to w.
	Write(ctx context.Context, in *Input, file string, w io.Writer) error
}

// ConsoleWriter is a writer that can also render to standard output
// (audit --format).
type ConsoleWriter interface {
	// Console names the --format value that selects it.
	Console() string
	// WriteConsole renders to w; color adds ANSI colours where the writer
	// has them.
	WriteConsole(in *Input, w io.Writer, color bool) error
}

// Registry holds the writers of every output format, in the order their
// files are written and listed.
type Registry struct {
	writers []Writer
}

// NewRegistry returns a registry of ws; two writers with the same format or
// the same file name are an error.
func NewRegistry(ws ...Writer) (*Registry, error) {
	seen := map[string]bool{}
	console := map[string]bool{}
	for _, w := range ws {
		if w == nil || w.Format() == "" {
			return nil, errors.New("report: a writer without a format name")
		}
		if seen[w.Format()] {
			return nil, fmt.Errorf("report: two writers for format %q", w.Format())
		}
		seen[w.Format()] = true
		if c, ok := w.(ConsoleWriter); ok {
			if console[c.Console()] {
				return nil, fmt.Errorf("report: two console writers named %q", c.Console())
			}
			console[c.Console()] = true
		}
	}
	return &Registry{writers: append([]Writer(nil), ws...)}, nil
}

// Default returns the registry of every built-in output. Commands that add
// outputs add their writer to this list.
func Default() *Registry {
	r, err := NewRegistry(
		jsonWriter{},
		xlsxWriter{},
		pdfWriter{},
		htmlWriter{},
		pwshWriter{},
		tableWriter{},
		recipientsWriter{}, // recipients.go
	)
	if err != nil {
		panic(err) // the built-in list is fixed; a test covers it
	}
	return r
}

// Named is a writer that names its files for help text: the file name, or
// a pattern (recipients-<user>.csv) when the names depend on the audit.
// Every built-in writer that writes files is Named (a test covers it).
type Named interface {
	FilePatterns() []string
}

// FilePatterns lists the files the registry's writers can write, in
// registry order (help text: what demo and audit put in --out).
func (r *Registry) FilePatterns() []string {
	var out []string
	for _, w := range r.writers {
		if n, ok := w.(Named); ok {
			out = append(out, n.FilePatterns()...)
		}
	}
	return out
}

// Formats lists the formats that write files, in registry order.
func (r *Registry) Formats() []string {
	var out []string
	for _, w := range r.writers {
		if _, fileless := w.(consoleOnly); fileless {
			continue
		}
		out = append(out, w.Format())
	}
	return out
}

// ConsoleFormats lists the formats that can be printed on standard output.
func (r *Registry) ConsoleFormats() []string {
	var out []string
	for _, w := range r.writers {
		if c, ok := w.(ConsoleWriter); ok {
			out = append(out, c.Console())
		}
	}
	return out
}

// UnknownFormatError is returned for a format name no writer has.
type UnknownFormatError struct {
	Name  string
	Known []string
}

func (e *UnknownFormatError) Error() string {
	return fmt.Sprintf("unknown format %q: use %s", e.Name, strings.Join(e.Known, ", "))
}

// ParseFormats splits a comma-separated --formats value into the registry's
// writers, in registry order. "" and "all" select every file format. An
// unknown name is an *UnknownFormatError.
func (r *Registry) ParseFormats(list string) ([]Writer, error) {
	known := r.Formats()
	want := map[string]bool{}
	all := strings.TrimSpace(list) == ""
	for _, f := range strings.Split(list, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		switch f {
		case "":
			continue
		case "all":
			all = true
			continue
		}
		found := false
		for _, k := range known {
			if k == f {
				found = true
			}
		}
		if !found {
			return nil, &UnknownFormatError{Name: f, Known: append(known, "all")}
		}
		want[f] = true
	}
	if !all && len(want) == 0 {
		return nil, &UnknownFormatError{Name: list, Known: append(known, "all")}
	}
	var out []Writer
	for _, w := range r.writers {
		if _, fileless := w.(consoleOnly); fileless {
			continue
		}
		if all || want[w.Format()] {
			out = append(out, w)
		}
	}
	return out, nil
}

// Console returns the writer printed on standard output for --format name.
func (r *Registry) Console(name string) (ConsoleWriter, error) {
	for _, w := range r.writers {
		if c, ok := w.(ConsoleWriter); ok && c.Console() == name {
			return c, nil
		}
	}
	return nil, &UnknownFormatError{Name: name, Known: r.ConsoleFormats()}
}

// Result says what WriteDir did.
type Result struct {
	// Written are the paths written, sorted.
	Written []string
	// Removed are outputs of an earlier run this run did not write again.
	Removed []string
	// Kept are outputs of an earlier run that were changed since (their
	// content no longer matches what was written), left in place.
	Kept []string
	// ScriptsRefused says why the scripts were not written (an untrusted
	// snapshot without AllowUnsafeScripts); nil when they were, or were
	// not asked for.
	ScriptsRefused error
}

// WriteAll writes every output into dir; see WriteDir.
func WriteAll(ctx context.Context, dir string, doc *checks.Document, snap *snapshot.Snapshot, opt Options) ([]string, error) {
	res, err := Default().WriteDir(ctx, dir, nil, &Input{Doc: doc, Snap: snap, Opt: opt})
	return res.Written, err
}

// WriteDir writes the outputs of ws (every file format when ws is nil) into
// dir (created 0700 if needed). Each file is written to a temporary file
// with mode 0600 and renamed, so a failed run never leaves a half-written
// report behind. The run then removes the outputs an earlier run recorded
// in dir's OutputsManifest that it did not write again (only when their
// content is still what was written) and records its own.
func (r *Registry) WriteDir(ctx context.Context, dir string, ws []Writer, in *Input) (Result, error) {
	var res Result
	if in == nil || in.Doc == nil {
		return res, fmt.Errorf("write reports: no results document")
	}
	if ws == nil {
		var err error
		if ws, err = r.ParseFormats(""); err != nil {
			return res, err
		}
	}
	rep, err := in.model()
	if err != nil {
		return res, err
	}
	if err := rep.Scripts.Refused; err != nil {
		for _, w := range ws {
			if w.Format() == (pwshWriter{}).Format() {
				log := in.Opt.Log
				if log == nil {
					log = slog.Default()
				}
				log.Warn("remediation.ps1 and the containment scripts were not written", "reason", err)
				res.ScriptsRefused = err
			}
		}
	}
	type job struct {
		w    Writer
		file string
	}
	var jobs []job
	names := map[string]bool{}
	for _, w := range ws {
		for _, f := range w.Files(in) {
			if !safeName(f) {
				return res, fmt.Errorf("write reports: writer %s names an unsafe file %q", w.Format(), f)
			}
			if names[f] {
				return res, fmt.Errorf("write reports: two outputs named %s", f)
			}
			names[f] = true
			jobs = append(jobs, job{w, f})
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, fmt.Errorf("create output directory: %w", err)
	}
	prev, err := readOutputs(dir)
	if err != nil {
		return res, err
	}
	written := map[string]string{}
	for _, j := range jobs {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		p := filepath.Join(dir, j.file)
		sum, err := writeFileAtomic(p, func(w io.Writer) error { return j.w.Write(ctx, in, j.file, w) })
		if err != nil {
			// Record what was written so far, so a later run can clean it.
			_ = writeOutputs(dir, mergeOutputs(prev, written))
			return res, err
		}
		written[j.file] = sum
		res.Written = append(res.Written, p)
	}
	for _, name := range sortedKeys(prev.Files) {
		if _, again := written[name]; again {
			continue
		}
		p := filepath.Join(dir, name)
		st, err := os.Lstat(p)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		sum, err := fileSHA256(p)
		if err != nil || sum != prev.Files[name] {
			res.Kept = append(res.Kept, p)
			continue
		}
		if err := os.Remove(p); err != nil {
			return res, fmt.Errorf("remove the earlier run's %s: %w", p, err)
		}
		res.Removed = append(res.Removed, p)
	}
	if err := writeOutputs(dir, outputsFile{Files: written}); err != nil {
		return res, err
	}
	sort.Strings(res.Written)
	return res, nil
}

// outputsFile is the OutputsManifest: file name -> SHA-256 (hex).
type outputsFile struct {
	Files map[string]string `json:"files"`
}

func readOutputs(dir string) (outputsFile, error) {
	var o outputsFile
	raw, err := os.ReadFile(filepath.Join(dir, OutputsManifest))
	if errors.Is(err, os.ErrNotExist) {
		return o, nil
	}
	if err != nil {
		return o, fmt.Errorf("read %s: %w", filepath.Join(dir, OutputsManifest), err)
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return o, fmt.Errorf("%s is damaged (%v); remove it to write reports into %s", filepath.Join(dir, OutputsManifest), err, dir)
	}
	for name := range o.Files {
		if !safeName(name) {
			delete(o.Files, name)
		}
	}
	return o, nil
}

func writeOutputs(dir string, o outputsFile) error {
	if o.Files == nil {
		o.Files = map[string]string{}
	}
	_, err := writeFileAtomic(filepath.Join(dir, OutputsManifest), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(o)
	})
	return err
}

func mergeOutputs(prev outputsFile, written map[string]string) outputsFile {
	m := map[string]string{}
	for k, v := range prev.Files {
		m[k] = v
	}
	for k, v := range written {
		m[k] = v
	}
	return outputsFile{Files: m}
}

// safeName accepts a plain file name in the output directory.
func safeName(name string) bool {
	return name != "" && name != "." && name != ".." && name != OutputsManifest &&
		!strings.ContainsAny(name, `/\`) && filepath.Base(name) == name
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// WriteJSON writes the results document as indented JSON.
func WriteJSON(w io.Writer, doc *checks.Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// The built-in writers.

type jsonWriter struct{}

func (jsonWriter) Format() string         { return "json" }
func (jsonWriter) Files(*Input) []string  { return []string{ResultsFile} }
func (jsonWriter) FilePatterns() []string { return []string{ResultsFile} }
func (jsonWriter) Console() string        { return "json" }
func (jsonWriter) Write(_ context.Context, in *Input, _ string, w io.Writer) error {
	return WriteJSON(w, in.Doc)
}
func (jsonWriter) WriteConsole(in *Input, w io.Writer, _ bool) error { return WriteJSON(w, in.Doc) }

type xlsxWriter struct{}

func (xlsxWriter) Format() string         { return "xlsx" }
func (xlsxWriter) Files(*Input) []string  { return []string{WorkbookFile} }
func (xlsxWriter) FilePatterns() []string { return []string{WorkbookFile} }
func (xlsxWriter) Write(ctx context.Context, in *Input, _ string, w io.Writer) error {
	return xlsx.Write(ctx, w, in.Doc, in.Snap, xlsx.Options{})
}

type pdfWriter struct{}

func (pdfWriter) Format() string         { return "pdf" }
func (pdfWriter) Files(*Input) []string  { return []string{PDFFile} }
func (pdfWriter) FilePatterns() []string { return []string{PDFFile} }
func (pdfWriter) Write(ctx context.Context, in *Input, _ string, w io.Writer) error {
	rep, err := in.model()
	if err != nil {
		return err
	}
	return pdf.Write(ctx, w, rep, pdf.Options{Compress: true})
}

type htmlWriter struct{}

func (htmlWriter) Format() string         { return "html" }
func (htmlWriter) Files(*Input) []string  { return []string{HTMLFile} }
func (htmlWriter) FilePatterns() []string { return []string{HTMLFile} }
func (htmlWriter) Write(ctx context.Context, in *Input, _ string, w io.Writer) error {
	rep, err := in.model()
	if err != nil {
		return err
	}
	return html.Write(ctx, w, rep)
}

// pwshWriter writes remediation.ps1 and one containment script per
// incident user.
type pwshWriter struct{}

func (pwshWriter) Format() string { return "pwsh" }
func (pwshWriter) FilePatterns() []string {
	return []string{RemediationFile, "incident-<user>.ps1"}
}
func (pwshWriter) Files(in *Input) []string {
	if rep, err := in.model(); err != nil || rep.Scripts.Refused != nil {
		return nil
	}
	out := []string{RemediationFile}
	if in.Doc.Incident != nil {
		for _, upn := range in.Doc.Incident.Users {
			out = append(out, pwsh.ContainmentFileName(upn))
		}
	}
	return out
}

func (pwshWriter) Write(ctx context.Context, in *Input, file string, w io.Writer) error {
	rep, err := in.model()
	if err != nil {
		return err
	}
	popt := pwsh.Options{BreakGlassUserIDs: in.Opt.Config.BreakGlassUserIDs(), BreakGlassGroupIDs: in.Opt.Config.BreakGlassGroupIDs(), ToolVersion: in.Opt.ToolVersion}
	if file == RemediationFile {
		return pwsh.WriteRemediation(ctx, w, rep, popt)
	}
	if in.Doc.Incident != nil {
		for _, upn := range in.Doc.Incident.Users {
			if pwsh.ContainmentFileName(upn) == file {
				return pwsh.WriteContainment(ctx, w, rep, upn, popt)
			}
		}
	}
	return fmt.Errorf("pwsh: no script named %s", file)
}

// consoleOnly marks writers that write no file.
type consoleOnly interface{ consoleOnly() }

// tableWriter is the console summary (audit --format table).
type tableWriter struct{}

func (tableWriter) Format() string        { return "table" }
func (tableWriter) Files(*Input) []string { return nil }
func (tableWriter) Console() string       { return "table" }
func (tableWriter) consoleOnly()          {}
func (tableWriter) Write(context.Context, *Input, string, io.Writer) error {
	return errors.New("table: the console summary has no file")
}
func (tableWriter) WriteConsole(in *Input, w io.Writer, color bool) error {
	if err := table.Write(w, in.Doc, table.Options{Color: color}); err != nil {
		return fmt.Errorf("print summary: %w", err)
	}
	return nil
}

// writeFileAtomic writes path through a temporary file in the same
// directory (mode 0600) renamed into place, and returns the SHA-256 of what
// it wrote.
func writeFileAtomic(path string, write func(io.Writer) error) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(tmp)
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(FileMode); err != nil {
		return fail(err)
	}
	h := sha256.New()
	if err := write(io.MultiWriter(f, h)); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
