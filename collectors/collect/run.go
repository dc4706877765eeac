package collect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/m365audit/m365audit/collectors/auth"
	"github.com/m365audit/m365audit/collectors/exchange"
	"github.com/m365audit/m365audit/collectors/graph"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/collectors/transport"
)

// ToolName is the tool name recorded in manifests.
const ToolName = "m365audit"

// Config is a whole collection run as the CLI describes it.
type Config struct {
	// GraphRoot and ExchangeRoot are service roots (no path).
	GraphRoot, ExchangeRoot string
	Cloud                   string
	Tokens                  *auth.Tokens
	// Tenant is --tenant (GUID or verified domain).
	Tenant string
	// Out is a directory or a path ending in .zip; "" means
	// m365audit-<tenantdomain>-<UTC timestamp> in BaseDir.
	Out     string
	BaseDir string
	// Resume is the directory of an interrupted snapshot to continue
	// (collect --resume); Out is then ignored.
	Resume string
	// Incident enables the incident datasets.
	Incident *snapshot.Incident
	// PreviousTenant is the tenant GUID of an earlier snapshot whose counts
	// the caller uses (collect --previous): the run refuses a token that
	// reads another tenant.
	PreviousTenant string
	ToolVersion    string
	Concurrency    int
	MaxRetries     int
	// Sleep replaces the retry wait (tests).
	Sleep graph.SleepFunc
	// Transport is the base HTTP transport (tests; default: a clone of
	// http.DefaultTransport).
	Transport http.RoundTripper
	Logger    *slog.Logger
	Progress  Progress
	Now       func() time.Time
}

// Report is the outcome of a run.
type Report struct {
	// Path is the snapshot directory or zip written (for an interrupted
	// run: the directory to resume).
	Path string
	// Resumed is set when the run continued an interrupted snapshot; Kept
	// lists the datasets it kept from it.
	Resumed  bool
	Kept     []string
	Manifest snapshot.Manifest
	// RefusedWrites lists requests the read-only guards refused (must be
	// empty).
	RefusedWrites []string
}

// Run collects a tenant into a snapshot. A run that collected at least the
// organization returns a Report even when datasets were denied; an error
// means nothing usable was written (the output is removed).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Tokens == nil || cfg.Tokens.Graph == nil {
		return nil, errors.New("collect: no Graph token source")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.BaseDir == "" {
		cfg.BaseDir = "."
	}
	started := cfg.Now().UTC()
	base := cfg.Transport
	if base == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		defer tr.CloseIdleConnections()
		base = tr
	}
	// The tenant-wide one-request-per-second spacing of Conditional Access
	// and Identity Protection is a limit of Microsoft's service; a
	// simulated tenant on loopback has none.
	caEvery := time.Duration(0)
	if u, perr := url.Parse(cfg.GraphRoot); perr == nil && transport.IsLoopback(u.Hostname()) {
		caEvery = -1
	}
	gc, err := graph.New(graph.Options{Root: cfg.GraphRoot, Token: cfg.Tokens.Graph, Transport: base,
		MaxRetries: cfg.MaxRetries, Sleep: cfg.Sleep, Logger: cfg.Logger, CAInterval: caEvery})
	if err != nil {
		return nil, err
	}
	exoGuard := &ExchangeGuard{Next: base}
	var newExo func(string) (Exchange, error)
	skipWhy := cfg.Tokens.ExchangeMissing
	if cfg.Tokens.Exchange != nil && cfg.ExchangeRoot != "" {
		newExo = func(tenantID string) (Exchange, error) {
			jar, err := cookiejar.New(nil)
			if err != nil {
				return nil, err
			}
			return exchange.New(exchange.Options{Root: cfg.ExchangeRoot, TenantID: tenantID, Token: cfg.Tokens.Exchange,
				HTTPClient: &http.Client{Transport: exoGuard, Jar: jar}, MaxRetries: cfg.MaxRetries,
				Sleep: cfg.Sleep, Logger: cfg.Logger})
		}
	} else if skipWhy == "" {
		skipWhy = "no Exchange endpoint or token"
	}

	zipOut := strings.EqualFold(filepath.Ext(cfg.Out), ".zip")
	resumeDir, err := resumeTarget(cfg)
	if err != nil {
		return nil, err
	}
	var (
		w       *snapshot.Writer
		kept    []string
		dir     string
		created bool
	)
	if resumeDir != "" {
		w, kept, err = snapshot.Resume(resumeDir, started)
		if err != nil {
			return nil, err
		}
		dir, zipOut = resumeDir, false
		cfg.Out = resumeDir
		if m := w.Manifest(); m.Incident != nil {
			cfg.Incident = m.Incident
		}
		cfg.Logger.Info("resuming an interrupted collection", "snapshot", resumeDir, "kept", len(kept))
	} else {
		dir, created, err = workDir(cfg)
		if err != nil {
			return nil, err
		}
	}
	cleanup := func() {
		if created {
			os.RemoveAll(dir)
		}
	}
	if w == nil {
		w, err = snapshot.Create(dir, snapshot.Manifest{
			Tool:      snapshot.Tool{Name: ToolName, Version: cfg.ToolVersion},
			Cloud:     cfg.Cloud,
			StartedAt: &started,
			Endpoints: snapshot.Endpoints{Graph: cfg.GraphRoot, Exchange: cfg.ExchangeRoot},
			Incident:  cfg.Incident,
		})
		if err != nil {
			cleanup()
			return nil, err
		}
	}
	col, err := New(Options{Graph: gc, NewExchange: newExo, ExchangeSkipReason: skipWhy, Writer: w,
		Tenant: cfg.Tenant, PreviousTenant: cfg.PreviousTenant, GraphToken: cfg.Tokens.Graph, Incident: cfg.Incident, Concurrency: cfg.Concurrency,
		Logger: cfg.Logger, Progress: cfg.Progress, Now: cfg.Now})
	if err != nil {
		cleanup()
		return nil, err
	}
	m, err := col.Run(ctx)
	refused := append(gc.RefusedWrites(), exoGuard.Refused()...)
	if errors.Is(err, ErrInterrupted) && len(m.Datasets) > 0 {
		// Keep what was collected where a resumed run finds it: a directory
		// (a zip or a default name becomes a directory named by default).
		rep := &Report{Manifest: m, RefusedWrites: refused, Path: dir, Resumed: resumeDir != "", Kept: kept}
		if created && (zipOut || cfg.Out == "") {
			parent := cfg.BaseDir
			if zipOut {
				parent = filepath.Dir(cfg.Out)
			}
			final := filepath.Join(parent, DefaultName(m.Tenant, cfg.Tenant, m.CollectedAt))
			if rerr := os.Rename(dir, final); rerr == nil {
				rep.Path = final
			}
		}
		return rep, err
	}
	if err != nil {
		cleanup()
		return &Report{RefusedWrites: refused}, err
	}
	rep := &Report{Manifest: m, RefusedWrites: refused, Resumed: resumeDir != "", Kept: kept}
	switch {
	case zipOut:
		if err := packZip(dir, cfg.Out); err != nil {
			cleanup()
			return rep, err
		}
		os.RemoveAll(dir)
		rep.Path = cfg.Out
	case cfg.Out == "":
		final := filepath.Join(cfg.BaseDir, DefaultName(m.Tenant, cfg.Tenant, m.CollectedAt))
		if err := os.Rename(dir, final); err != nil {
			return rep, fmt.Errorf("move snapshot into place: %w (it is in %s)", err, dir)
		}
		rep.Path = final
	default:
		rep.Path = dir
	}
	return rep, nil
}

// resumeTarget returns the directory to resume: --resume, or an --out
// directory that holds an interrupted snapshot of the tenant asked for.
// Any other non-empty --out directory is refused by snapshot.Create.
func resumeTarget(cfg Config) (string, error) {
	if cfg.Resume != "" {
		m, err := snapshot.ReadManifest(cfg.Resume)
		if err != nil {
			return "", fmt.Errorf("--resume %s: %w: %v", cfg.Resume, snapshot.ErrNotResumable, err)
		}
		if !m.IsIncomplete() {
			return "", fmt.Errorf("--resume %s: %w: it holds a complete snapshot, there is nothing to resume", cfg.Resume, snapshot.ErrNotResumable)
		}
		if IsGUID(cfg.Tenant) && !sameTenant(m.Tenant, cfg.Tenant) {
			return "", fmt.Errorf("%w: --resume %s holds tenant %s (%s), not --tenant %s", ErrTenantMismatch, cfg.Resume, m.Tenant.ID, m.Tenant.PrimaryDomain, cfg.Tenant)
		}
		return cfg.Resume, nil
	}
	if cfg.Out == "" || strings.EqualFold(filepath.Ext(cfg.Out), ".zip") {
		return "", nil
	}
	m, err := snapshot.ReadManifest(cfg.Out)
	if err != nil || !m.IsIncomplete() || !sameTenant(m.Tenant, cfg.Tenant) {
		return "", nil
	}
	return cfg.Out, nil
}

// sameTenant reports whether a manifest's tenant is the one --tenant names
// (its GUID or one of its domains). A tenant the manifest does not know
// (interrupted before the organization was read) matches; the run binds it
// again against the organization.
func sameTenant(t snapshot.Tenant, flag string) bool {
	if t.ID == "" || flag == "" {
		return true
	}
	for _, v := range []string{t.ID, t.PrimaryDomain, t.InitialDomain} {
		if v != "" && strings.EqualFold(v, strings.TrimSpace(flag)) {
			return true
		}
	}
	return false
}

// workDir returns where to write: the --out directory, or a temporary
// directory (zip output, or a default name not known until the tenant is).
func workDir(cfg Config) (string, bool, error) {
	if cfg.Out != "" && !strings.EqualFold(filepath.Ext(cfg.Out), ".zip") {
		_, statErr := os.Stat(cfg.Out)
		return cfg.Out, os.IsNotExist(statErr), nil
	}
	parent := cfg.BaseDir
	if cfg.Out != "" {
		if _, err := os.Stat(cfg.Out); err == nil {
			return "", false, fmt.Errorf("%s already exists; choose a new --out", cfg.Out)
		}
		parent = filepath.Dir(cfg.Out)
	}
	d, err := os.MkdirTemp(parent, ".m365audit-collect-*")
	if err != nil {
		return "", false, fmt.Errorf("create work directory: %w", err)
	}
	return d, true, nil
}

func packZip(dir, out string) error {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".tmp-"+filepath.Base(out)+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := snapshot.Pack(dir, tmp); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", out, err)
	}
	return nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// DefaultName is m365audit-<tenantdomain>-<UTC timestamp>.
func DefaultName(t snapshot.Tenant, flag string, at time.Time) string {
	d := t.PrimaryDomain
	if d == "" {
		d = flag
	}
	if d == "" {
		d = t.ID
	}
	d = strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(d), "-"), "-.")
	if d == "" {
		d = "tenant"
	}
	return "m365audit-" + d + "-" + at.UTC().Format("20060102T150405Z")
}
