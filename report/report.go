// Package report writes every output of an audit from one results model:
// results.json, report.xlsx, report.pdf, remediation.ps1, and one
// incident-<user>.ps1 per incident user. No writer re-derives a verdict;
// all of them render the same checks.Document, so no view can disagree with
// another. Nothing here touches the network or the clock.
package report

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/model"
	"github.com/m365audit/m365audit/report/pdf"
	"github.com/m365audit/m365audit/report/pwsh"
	"github.com/m365audit/m365audit/report/xlsx"
)

// File names of the outputs.
const (
	ResultsFile     = "results.json"
	WorkbookFile    = "report.xlsx"
	PDFFile         = "report.pdf"
	RemediationFile = "remediation.ps1"
)

// Options configure WriteAll.
type Options struct {
	// Config supplies the break-glass accounts new CA policies exclude.
	Config *checks.Config
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

// WriteAll writes every output into dir (created if needed) and returns the
// paths written, sorted. Each file is written to a temporary file and
// renamed, so a failed run never leaves a half-written report behind.
func WriteAll(ctx context.Context, dir string, doc *checks.Document, snap *snapshot.Snapshot, opt Options) ([]string, error) {
	if doc == nil {
		return nil, fmt.Errorf("write reports: no results document")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create output directory: %w", err)
	}
	users, groups, err := BreakGlassIDs(opt.Config, snap)
	if err != nil {
		return nil, err
	}
	rep, err := Model(doc, snap, opt)
	if err != nil {
		return nil, err
	}
	log := opt.Log
	if log == nil {
		log = slog.Default()
	}
	popt := pwsh.Options{BreakGlassUserIDs: users, BreakGlassGroupIDs: groups, ToolVersion: opt.ToolVersion}
	outputs := []struct {
		name  string
		write func(io.Writer) error
	}{
		{ResultsFile, func(w io.Writer) error { return WriteJSON(w, doc) }},
		{WorkbookFile, func(w io.Writer) error { return xlsx.Write(ctx, w, doc, snap, xlsx.Options{}) }},
		{PDFFile, func(w io.Writer) error { return pdf.Write(ctx, w, rep, pdf.Options{Compress: true}) }},
	}
	if err := rep.Scripts.Refused; err != nil {
		log.Warn("remediation.ps1 and the containment scripts were not written", "reason", err)
	} else {
		outputs = append(outputs, struct {
			name  string
			write func(io.Writer) error
		}{RemediationFile, func(w io.Writer) error { return pwsh.WriteRemediation(ctx, w, rep, popt) }})
	}
	if doc.Incident != nil && rep.Scripts.Refused == nil {
		for _, upn := range doc.Incident.Users {
			upn := upn
			outputs = append(outputs, struct {
				name  string
				write func(io.Writer) error
			}{pwsh.ContainmentFileName(upn), func(w io.Writer) error {
				return pwsh.WriteContainment(ctx, w, rep, upn, popt)
			}})
		}
	}
	var written []string
	for _, o := range outputs {
		if err := ctx.Err(); err != nil {
			return written, err
		}
		p := filepath.Join(dir, o.name)
		if err := writeFileAtomic(p, o.write); err != nil {
			return written, err
		}
		written = append(written, p)
	}
	sort.Strings(written)
	return written, nil
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

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// BreakGlassIDs resolves the config's break-glass users (object ids or UPNs)
// to object ids through the snapshot's users. A UPN that cannot be resolved
// is an error: silently dropping it would create CA policies that lock the
// emergency account out.
func BreakGlassIDs(cfg *checks.Config, snap *snapshot.Snapshot) (users, groups []string, err error) {
	if cfg == nil {
		return nil, nil, nil
	}
	var dir []snapshot.User
	if snap != nil {
		dir, _ = snap.Users()
	}
	for _, u := range cfg.BreakGlass.Users {
		u = strings.TrimSpace(u)
		if guidRE.MatchString(u) {
			users = append(users, strings.ToLower(u))
			continue
		}
		found := ""
		for _, d := range dir {
			if strings.EqualFold(d.UserPrincipalName, u) {
				found = d.ID
				break
			}
		}
		if found == "" {
			return nil, nil, fmt.Errorf("break-glass user %q is not an object id and was not found in the snapshot's users; give its object id in the config", u)
		}
		users = append(users, strings.ToLower(found))
	}
	for _, g := range cfg.BreakGlass.Groups {
		g = strings.TrimSpace(g)
		if !guidRE.MatchString(g) {
			return nil, nil, fmt.Errorf("break-glass group %q must be an object id", g)
		}
		groups = append(groups, strings.ToLower(g))
	}
	sort.Strings(users)
	sort.Strings(groups)
	return users, groups, nil
}

func writeFileAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	if err := write(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
