package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"time"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report"
	"github.com/m365audit/m365audit/report/portfolio"
)

// The demo's further outputs, beside today's Contoso outputs in --out.
const (
	// demoNextMonthDir holds Contoso a month later, audited with today's
	// run as its baseline.
	demoNextMonthDir = "next-month"
	// demoSecondTenantDir holds the second, well-hardened tenant.
	demoSecondTenantDir = "cohowinery"
	// demoPortfolioDir holds the portfolio over all the demo's runs.
	demoPortfolioDir = "portfolio"
)

// demoFurther runs what the demo shows after today's audit of Contoso
// (its snapshot in todaySnap, its outputs in outDir): Contoso a month later
// compared with today, a second tenant, and the portfolio over all three
// runs. Every time is derived from today's collection, so reruns differ
// only by that time.
func demoFurther(ctx context.Context, g *globalOptions, o demoOptions, outDir, todaySnap string) error {
	today, err := snapshot.Load(todaySnap, snapshot.LoadOptions{})
	if err != nil {
		return &exitError{exitCannotRun, err}
	}
	nextAt := today.Manifest.CollectedAt.UTC().Truncate(time.Second).AddDate(0, 0, 30)

	// Contoso a month later: collected like today, audited against today.
	next, err := m365audit.SampleNextMonth(nextAt)
	if err != nil {
		return &exitError{exitCannotRun, err}
	}
	nextDir := filepath.Join(outDir, demoNextMonthDir)
	if err := demoRun(ctx, g, o, next, nextDir, nextAt, todaySnap); err != nil {
		return err
	}

	// The second tenant, collected the day before.
	hardened, err := m365audit.HardenedTenant()
	if err != nil {
		return &exitError{exitCannotRun, err}
	}
	secondDir := filepath.Join(outDir, demoSecondTenantDir)
	if err := demoRun(ctx, g, o, hardened, secondDir, nextAt.AddDate(0, 0, -1), ""); err != nil {
		return err
	}

	// The portfolio over today, next month and the second tenant, built
	// from their results.json.
	writers, err := report.Default().ParseFormats(o.Formats)
	if err != nil {
		return usagef("--formats: %v", err)
	}
	withJSON := false
	for _, w := range writers {
		withJSON = withJSON || w.Format() == "json"
	}
	if !withJSON {
		fmt.Fprintf(g.stdout, "\nNo portfolio: it is built from each run's results.json, which --formats %s leaves out.\n", o.Formats)
		return nil
	}
	var runs []portfolio.Run
	for _, dir := range []string{outDir, nextDir, secondDir} {
		r, err := portfolio.LoadRun(dir)
		if err != nil {
			return &exitError{exitCannotRun, err}
		}
		runs = append(runs, r)
	}
	pd, err := portfolio.Build(runs, portfolio.Options{GeneratedAt: nextAt.Add(time.Hour)})
	if err != nil {
		return &exitError{exitCannotRun, err}
	}
	written, err := portfolio.WriteAll(ctx, filepath.Join(outDir, demoPortfolioDir), pd)
	if err != nil {
		return &exitError{exitCannotRun, err}
	}
	fmt.Fprintf(g.stdout, "\nPortfolio of %d tenant(s):\n", pd.Summary.Tenants)
	for _, t := range pd.Tenants {
		fmt.Fprintf(g.stdout, "  %-24s score %5.1f%%  %s\n", t.DisplayName, t.Score, portfolio.DeltaText(t))
	}
	for _, w := range written {
		fmt.Fprintf(g.stdout, "  %s\n", w)
	}
	return nil
}

// demoRun collects the tenant fsys through the simulated tenant into
// dir/snapshot as of collectedAt and audits it into dir, against baseline
// when one is given. It prints one line per run; the full console summary
// is today's run's.
func demoRun(ctx context.Context, g *globalOptions, o demoOptions, fsys fs.FS, dir string, collectedAt time.Time, baseline string) error {
	snap, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
	if err != nil {
		return &exitError{exitCannotRun, fmt.Errorf("load the demo tenant: %w", err)}
	}
	snapDir := filepath.Join(dir, "snapshot")
	if err := clearDemoSnapshotOf(snapDir, snap.Manifest.Tenant.ID); err != nil {
		return &exitError{exitCannotRun, err}
	}
	co := o
	co.Out, co.Sample, co.Progress = snapDir, snap, nil
	co.Now = func() time.Time { return collectedAt }
	got, _, err := runDemoCollectReport(ctx, co)
	if err != nil {
		return err
	}
	auditedAt := collectedAt.Add(2 * time.Minute)
	err = runAudit(ctx, got, auditOptions{Version: o.Version, Out: dir, Formats: o.Formats, Baseline: baseline,
		Now: func() time.Time { return auditedAt }}, io.Discard, g.stderr)
	if err != nil {
		return err
	}
	what := "a second tenant"
	if baseline != "" {
		what = "a month later, compared with today"
	}
	fmt.Fprintf(g.stdout, "%s, %s (collected %s): %s\n", snap.Manifest.Tenant.DisplayName, what, collectedAt.Format("2006-01-02"), dir)
	return nil
}
