package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/collectors/auth"
	"github.com/m365audit/m365audit/collectors/collect"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/collectors/tenantsim"
	"github.com/m365audit/m365audit/report"
)

// demoOptions are the flags of `demo`.
type demoOptions struct {
	Out string
	// Formats selects the reports written beside the snapshot, as audit
	// --formats ("" or "all" for every one).
	Formats string
	// Sample overrides the embedded sample (tests).
	Sample *snapshot.Snapshot
	Logger *slog.Logger
	// Progress is shown on terminals.
	Progress collect.Progress
	Version  string
	// Now is the collection clock (nil: the wall clock).
	Now func() time.Time
}

// newDemoCmd builds `m365audit demo`.
func newDemoCmd(g *globalOptions) *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo [--out DIR] [--formats LIST]",
		Short: "Run the pipeline on the embedded Contoso sample tenant (no credentials, no network)",
		Long: "Start a simulated tenant on 127.0.0.1 serving the embedded Contoso sample (a phished user, with\n" +
			"the incident recorded), collect it through the real collectors with token authentication,\n" +
			"audit it, and write every output into --out (--formats chooses which, as in audit):\n" +
			"  snapshot/, " + strings.Join(report.Default().FilePatterns(), ", ") + "\n" +
			"Then, through the same pipeline: DIR/next-month (Contoso 30 days later, audited with today's run\n" +
			"as --baseline), DIR/cohowinery (a second, well-hardened tenant), and DIR/portfolio (the portfolio\n" +
			"over both tenants, built from results.json: written when --formats includes json).\n\n" + exitCodesHelp("written", exitCode{exitCannotRun, "could not run (the simulated tenant could not start on 127.0.0.1, or --out not writable)"}),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// A bad --formats is a usage error before anything is started.
			if _, err := report.Default().ParseFormats(o.Formats); err != nil {
				return usagef("--formats: %v", err)
			}
			o.Logger = g.logger()
			o.Version = g.version
			var prog *ttyProgress
			if g.interactive {
				prog = newTTYProgress(g.stderr, g.now)
				defer prog.Clear()
				o.Progress = prog
				o.Logger = g.loggerTo(prog.LogWriter())
			}
			outDir := o.Out
			if outDir == "" {
				d, err := os.MkdirTemp("", "m365audit-demo-*")
				if err != nil {
					return &exitError{exitCannotRun, fmt.Errorf("create demo directory: %w", err)}
				}
				outDir = d
			}
			snapDir := filepath.Join(outDir, "snapshot")
			if err := clearDemoSnapshot(snapDir); err != nil {
				return &exitError{exitCannotRun, err}
			}
			co := o
			co.Out = snapDir
			dir, rep, err := runDemoCollectReport(cmd.Context(), co)
			if prog != nil {
				prog.Clear() // the summary starts on a clean line
			}
			if err != nil {
				return err
			}
			if err := collect.WriteSummary(g.stderr, rep.Manifest, dir); err != nil {
				return err
			}
			if _, err := fmt.Fprintln(g.stdout, dir); err != nil {
				return err
			}
			// Audit the collected snapshot: summary on stdout, every output
			// beside the snapshot.
			if err := runAudit(cmd.Context(), dir, auditOptions{Version: g.version, Out: outDir, Formats: o.Formats}, g.stdout, g.stderr); err != nil {
				return err
			}
			// Then Contoso a month later, a second tenant and the
			// portfolio over them (demomonth.go).
			return demoFurther(cmd.Context(), g, o, outDir, dir)
		},
	}
	cmd.Flags().StringVar(&o.Out, "out", "", "output directory: the snapshot goes to DIR/snapshot, the reports to DIR (default: a new temporary directory, printed)")
	cmd.Flags().StringVar(&o.Formats, "formats", "all", "reports written beside the snapshot, comma-separated: "+strings.Join(report.Default().Formats(), ", ")+", or all")
	return cmd
}

// clearDemoSnapshot removes the snapshot a previous demo run left in dir, so
// the demo can be run again into the same --out. It removes only a snapshot
// of the embedded sample tenant, never anything else.
func clearDemoSnapshot(dir string) error {
	fsys, err := m365audit.SampleTenant()
	if err != nil {
		return err
	}
	sample, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
	if err != nil {
		return err
	}
	return clearDemoSnapshotOf(dir, sample.Manifest.Tenant.ID)
}

// clearDemoSnapshotOf removes the snapshot of the demo tenant tenantID that
// a previous demo run left in dir, and nothing else.
func clearDemoSnapshotOf(dir, tenantID string) error {
	if _, err := os.Stat(filepath.Join(dir, snapshot.ManifestFile)); err != nil {
		return nil
	}
	prev, err := snapshot.Load(dir, snapshot.LoadOptions{AllowIntegrityErrors: true, AllowIncomplete: true})
	if err != nil {
		return fmt.Errorf("%s holds something that is not a demo snapshot; choose another --out: %w", dir, err)
	}
	if prev.Manifest.Tenant.ID != tenantID {
		return fmt.Errorf("%s holds a snapshot of tenant %s, not the demo tenant; choose another --out", dir, prev.Manifest.Tenant.ID)
	}
	return os.RemoveAll(dir)
}

// runDemoCollect collects the sample tenant through tenantsim into o.Out (or
// a new temporary directory) and returns the snapshot directory. Later
// steps of the demo (audit, reports) start from it.
func runDemoCollect(ctx context.Context, o demoOptions) (string, error) {
	dir, _, err := runDemoCollectReport(ctx, o)
	return dir, err
}

func runDemoCollectReport(ctx context.Context, o demoOptions) (string, *collect.Report, error) {
	snap := o.Sample
	if snap == nil {
		fsys, err := m365audit.SampleTenant()
		if err != nil {
			return "", nil, err
		}
		if snap, err = snapshot.LoadFS(fsys, snapshot.LoadOptions{}); err != nil {
			return "", nil, fmt.Errorf("load the embedded sample: %w", err)
		}
	}
	graphTok, err := randomToken()
	if err != nil {
		return "", nil, err
	}
	exoTok, err := randomToken()
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv, err := tenantsim.Start(ctx, snap, tenantsim.Options{GraphToken: graphTok, ExchangeToken: exoTok, PageSize: 50, ExchangePageSize: 100})
	if err != nil {
		return "", nil, fmt.Errorf("start the simulated tenant: %w", err)
	}
	defer srv.Close()

	dir := o.Out
	if dir == "" {
		parent, err := os.MkdirTemp("", "m365audit-demo-*")
		if err != nil {
			return "", nil, fmt.Errorf("create demo directory: %w", err)
		}
		dir = filepath.Join(parent, "snapshot")
	}
	tenant := snap.Manifest.Tenant.ID
	if tenant == "" {
		tenant = snap.Manifest.Tenant.PrimaryDomain
	}
	rep, err := collect.Run(ctx, collect.Config{
		GraphRoot: srv.URL(), ExchangeRoot: srv.URL(), Cloud: auth.CloudGlobal,
		Tokens: &auth.Tokens{Graph: auth.Static(graphTok), Exchange: auth.Static(exoTok)},
		Tenant: tenant, Out: dir, Incident: snap.Manifest.Incident, ToolVersion: o.Version,
		Logger: o.Logger, Progress: o.Progress, Now: o.Now,
	})
	if err != nil {
		return "", rep, fmt.Errorf("collect the demo tenant: %w", err)
	}
	if n := len(srv.RefusedWrites()) + len(rep.RefusedWrites); n > 0 {
		return "", rep, fmt.Errorf("the demo collection attempted %d write(s); the collectors must be read-only", n)
	}
	return rep.Path, rep, nil
}

func randomToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return "demo-" + hex.EncodeToString(b), nil
}
