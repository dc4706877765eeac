package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/m365audit/m365audit/batch"
	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/auth"
	"github.com/m365audit/m365audit/collectors/collect"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/diff"
	"github.com/m365audit/m365audit/report/portfolio"
)

// batchOptions are the flags of `batch`.
type batchOptions struct {
	Tenants       string
	Out           string
	Concurrency   int
	Shard         string
	Shards        int
	PortfolioOnly bool
	// limiter replaces the shared Graph limiter (tests).
	limiter *batch.Limiter
}

// Files of one run directory.
const (
	batchSnapshotFile = "snapshot.zip"
	batchBaselineJSON = "since-last-report.json"
	batchBaselineMD   = "since-last-report.md"
	batchPortfolioDir = "portfolio"
	envJobIndex       = "JOB_COMPLETION_INDEX"
)

func newBatchCmd(g *globalOptions) *cobra.Command {
	o := batchOptions{Concurrency: 4}
	cmd := &cobra.Command{
		Use:   "batch --tenants tenants.yaml --out ROOT [--concurrency N] [--shard I/N | --shards N]",
		Short: "Collect, audit and report many tenants unattended, then roll them into a portfolio",
		Long: "For each tenant of the tenants file: collect, audit against that tenant's config, compare with the\n" +
			"tenant's newest earlier run under ROOT, and write every report into ROOT/<name>/<collectedAt>/\n" +
			"(the snapshot as snapshot.zip). Then a portfolio over ROOT (ROOT/portfolio/) and ROOT/batch-<time>.json.\n" +
			"One tenant's failure never stops the others. Exit 0 when every tenant succeeded, 1 when any failed.\n" +
			"--shard I/N processes the tenants whose position in the name-sorted list is I modulo N; --shards N\n" +
			"takes I from " + envJobIndex + " (a Kubernetes Indexed Job). Shards skip the portfolio: run\n" +
			"batch --portfolio-only --out ROOT once they are done.\n\n" +
			exitCodesHelp("every tenant succeeded", exitCode{exitCannotRun, "any tenant failed (the summary names which and why)"}),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBatch(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Tenants, "tenants", "", "tenants file (YAML: defaults and tenants; every collect flag as a camelCase key)")
	f.StringVar(&o.Out, "out", "", "root directory of the runs (required)")
	f.IntVar(&o.Concurrency, "concurrency", o.Concurrency, "tenants processed at once")
	f.StringVar(&o.Shard, "shard", "", "process only shard I of N (I/N, 0-based)")
	f.IntVar(&o.Shards, "shards", 0, "number of shards; the index comes from "+envJobIndex)
	f.BoolVar(&o.PortfolioOnly, "portfolio-only", false, "only write the portfolio over the runs under --out")
	return cmd
}

func runBatch(ctx context.Context, g *globalOptions, o batchOptions) error {
	if o.Out == "" {
		return usagef("--out ROOT is required")
	}
	if o.PortfolioOnly {
		written, err := writePortfolio(ctx, o.Out, g.now())
		if err != nil {
			return &exitError{exitCannotRun, err}
		}
		for _, w := range written {
			fmt.Fprintln(g.stdout, w)
		}
		return nil
	}
	if o.Tenants == "" {
		return usagef("--tenants FILE is required")
	}
	if o.Concurrency < 1 || o.Concurrency > 64 {
		return usagef("--concurrency %d: use 1 to 64", o.Concurrency)
	}
	shard := batch.Shard{Count: 1}
	switch {
	case o.Shard != "" && o.Shards != 0:
		return usagef("--shard and --shards exclude each other")
	case o.Shard != "":
		s, err := batch.ParseShard(o.Shard)
		if err != nil {
			return &usageError{err}
		}
		shard = s
	case o.Shards != 0:
		idx := strings.TrimSpace(g.getenv(envJobIndex))
		if idx == "" {
			return usagef("--shards %d needs %s (set by a Kubernetes Indexed Job)", o.Shards, envJobIndex)
		}
		s, err := batch.ParseShard(idx + "/" + strconv.Itoa(o.Shards))
		if err != nil {
			return usagef("%s=%s with --shards %d: %v", envJobIndex, idx, o.Shards, err)
		}
		shard = s
	}
	file, err := batch.Load(o.Tenants)
	if err != nil {
		return &usageError{err}
	}
	base := filepath.Dir(o.Tenants)
	tenants := file.Select(shard)
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return &exitError{exitCannotRun, fmt.Errorf("create %s: %w", o.Out, err)}
	}
	lim := o.limiter
	if lim == nil {
		lim = batch.NewLimiter(batch.GraphAppLimit, batch.GraphAppWindow)
	}
	started := g.now().UTC()
	sum := batch.Summary{StartedAt: started, Tenants: make([]batch.Entry, len(tenants))}
	if shard.Count > 1 {
		sum.Shard = fmt.Sprintf("%d/%d", shard.Index, shard.Count)
	}
	log := g.logger()
	eg, ectx := errgroup.WithContext(ctx)
	eg.SetLimit(o.Concurrency)
	var mu sync.Mutex // the output directory of one tenant is only its own; mu guards stderr lines
	for i, t := range tenants {
		eg.Go(func() error {
			e := runTenant(ectx, g, o.Out, base, t, lim)
			sum.Tenants[i] = e
			mu.Lock()
			defer mu.Unlock()
			log.Info("tenant done", "tenant", t.Name, "status", e.Status, "reason", e.Reason, "duration_ms", e.DurationMs)
			return nil
		})
	}
	_ = eg.Wait()
	var failed []string
	for _, e := range sum.Tenants {
		if e.Status == batch.StatusOK {
			sum.OK++
		} else {
			sum.Failed++
			failed = append(failed, e.Name+" ("+e.Reason+")")
		}
	}
	if shard.Count > 1 {
		sum.PortfolioSkipped = "a shard writes no portfolio; run batch --portfolio-only --out ROOT after all shards"
	} else if ctx.Err() == nil {
		written, err := writePortfolio(ctx, o.Out, g.now())
		if err != nil {
			sum.PortfolioSkipped = err.Error()
		}
		sum.Portfolio = rel(o.Out, written)
	}
	sum.FinishedAt = g.now().UTC()
	name := "batch-" + started.Format("20060102T150405Z")
	if shard.Count > 1 {
		name += fmt.Sprintf("-shard-%d-of-%d", shard.Index, shard.Count)
	}
	sumPath := filepath.Join(o.Out, name+".json")
	data, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return &exitError{exitCannotRun, err}
	}
	if err := os.WriteFile(sumPath, append(data, '\n'), 0o644); err != nil {
		return &exitError{exitCannotRun, fmt.Errorf("write %s: %w", sumPath, err)}
	}
	writeBatchSummary(g.stdout, sum, sumPath)
	if len(failed) > 0 {
		return &exitError{exitCannotRun, fmt.Errorf("%d of %d tenant(s) failed: %s", len(failed), len(tenants), strings.Join(failed, "; "))}
	}
	if sum.PortfolioSkipped != "" && shard.Count <= 1 {
		return &exitError{exitCannotRun, fmt.Errorf("portfolio: %s", sum.PortfolioSkipped)}
	}
	return nil
}

func writeBatchSummary(w io.Writer, s batch.Summary, path string) {
	fmt.Fprintf(w, "%d tenant(s): %d ok, %d failed", len(s.Tenants), s.OK, s.Failed)
	if s.Shard != "" {
		fmt.Fprintf(w, " (shard %s)", s.Shard)
	}
	fmt.Fprintln(w)
	for _, e := range s.Tenants {
		score := ""
		if e.Score != nil {
			score = fmt.Sprintf(" score %.1f%%", *e.Score)
		}
		fmt.Fprintf(w, "  %-20s %-6s %6.1fs%s", e.Name, e.Status, float64(e.DurationMs)/1000, score)
		if e.Reason != "" {
			fmt.Fprintf(w, "  %s", e.Reason)
		} else if e.Run != "" {
			fmt.Fprintf(w, "  %s", e.Run)
		}
		fmt.Fprintln(w)
	}
	if len(s.Portfolio) > 0 {
		fmt.Fprintf(w, "Portfolio: %s\n", strings.Join(s.Portfolio, ", "))
	}
	fmt.Fprintf(w, "Summary: %s\n", path)
}

// runTenant collects, audits, compares and reports one tenant. It never
// panics the batch: every failure becomes the entry's reason.
func runTenant(ctx context.Context, g *globalOptions, root, base string, s batch.Settings, lim *batch.Limiter) (e batch.Entry) {
	start := time.Now()
	e = batch.Entry{Name: s.Name, Tenant: s.Tenant, Status: batch.StatusFailed}
	defer func() {
		if r := recover(); r != nil {
			e.Status, e.Reason = batch.StatusFailed, fmt.Sprintf("internal error: %v", r)
		}
		e.DurationMs = time.Since(start).Milliseconds()
	}()
	fail := func(err error) batch.Entry {
		e.Reason = strings.TrimPrefix(err.Error(), "collect: ")
		return e
	}
	co := collectOptions{Tenant: s.Tenant, Auth: s.Auth, Cloud: s.Cloud, GraphEndpoint: s.GraphEndpoint,
		ExchangeEndpoint: s.ExchangeEndpoint, IncidentUsers: s.IncidentUser, IncidentStart: s.IncidentStart,
		ClientID: s.ClientID, ClientSecret: s.ClientSecret, Certificate: resolve(base, s.Certificate),
		Concurrency: s.Concurrency, CloudChosen: s.Cloud != ""}
	if co.Cloud == "" {
		co.Cloud = auth.CloudGlobal
	}
	quiet := *g
	quiet.interactive = false
	p, err := co.validate(&quiet)
	if err != nil {
		return fail(err)
	}
	// A configuration file that does not parse fails the tenant before
	// anything is collected (its entries are resolved against the snapshot
	// by the audit).
	if s.Config != "" {
		if _, err := checks.LoadConfig(resolve(base, s.Config)); err != nil {
			return fail(err)
		}
	}
	// Each tenant has its own credential and token cache.
	tokens, err := auth.New(p.auth)
	if err != nil {
		return fail(err)
	}
	tenantDir := filepath.Join(root, s.Name)
	if err := os.MkdirAll(tenantDir, 0o755); err != nil {
		return fail(err)
	}
	work, err := os.MkdirTemp(tenantDir, ".run-*")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(work) // gone after the rename on success
	gu, err := url.Parse(p.graphRoot)
	if err != nil {
		return fail(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	log := g.logger().With("tenant", s.Name)
	rep, err := collect.Run(ctx, collect.Config{
		GraphRoot: p.graphRoot, ExchangeRoot: p.exchangeRoot, Cloud: p.cloud.Name, Tokens: tokens,
		Tenant: p.tenant, Out: filepath.Join(work, batchSnapshotFile), Incident: p.incident, ToolVersion: g.version,
		Concurrency: p.concurrency, Logger: log, Now: g.now,
		Transport: &batch.Transport{Next: tr, Limiter: lim, Host: gu.Host},
	})
	if err != nil {
		return fail(err)
	}
	if len(rep.RefusedWrites) > 0 {
		return fail(fmt.Errorf("read-only guard refused %d request(s)", len(rep.RefusedWrites)))
	}
	e.CollectedAt = rep.Manifest.CollectedAt.UTC()
	for _, spec := range snapshot.Specs() {
		if info, ok := rep.Manifest.Datasets[spec.ID]; ok && !info.Status.HasData() && info.Status != snapshot.StatusSkipped {
			e.NotCollected = append(e.NotCollected, spec.ID+" ("+string(info.Status)+")")
		}
	}
	stamp := batch.RunStamp(e.CollectedAt)
	runDir := filepath.Join(tenantDir, stamp)
	if _, err := os.Stat(runDir); err == nil {
		return fail(fmt.Errorf("%s already exists (a run collected in the same minute)", runDir))
	}
	if err := os.Rename(work, runDir); err != nil {
		return fail(fmt.Errorf("move the run into place: %w", err))
	}
	if err := os.Chmod(runDir, 0o755); err != nil {
		return fail(err)
	}
	e.Run = rel(root, []string{runDir})[0]
	snapPath := filepath.Join(runDir, batchSnapshotFile)
	e.Snapshot = rel(root, []string{snapPath})[0]
	var auditErr bytes.Buffer
	cfgPath := resolve(base, s.Config)
	// The newest earlier run is the baseline: every report gains its
	// "since the last report" section.
	prev := previousRun(tenantDir, stamp)
	baseline := ""
	if prev != "" {
		baseline = filepath.Join(prev, batchSnapshotFile)
	}
	if err := runAudit(ctx, snapPath, auditOptions{Out: runDir, ConfigPath: cfgPath, Version: g.version, Baseline: baseline,
		Now: func() time.Time { return g.now().UTC() }, Logger: log}, io.Discard, &auditErr); err != nil {
		return fail(fmt.Errorf("audit: %w", err))
	}
	// The audit's warnings (configuration entries it could not check
	// against the tenant, unexpected files) go to the batch log.
	for _, line := range strings.Split(auditErr.String(), "\n") {
		if w, ok := strings.CutPrefix(line, "WARNING: "); ok {
			log.Warn(w)
		}
	}
	resPath := filepath.Join(runDir, diff.ResultsFile)
	doc, err := diff.LoadResults(resPath)
	if err != nil {
		return fail(fmt.Errorf("audit: %w", err))
	}
	score := doc.Score.Percent
	e.Score = &score
	e.Results = rel(root, []string{resPath})[0]
	if prev != "" {
		if err := writeBaseline(prev, snapPath, runDir, cfgPath, g.version); err != nil {
			return fail(fmt.Errorf("compare with %s: %w", filepath.Base(prev), err))
		}
		e.Baseline = rel(root, []string{filepath.Join(runDir, batchBaselineMD)})[0]
	}
	entries, err := os.ReadDir(runDir)
	if err != nil {
		return fail(err)
	}
	for _, f := range entries {
		if !f.IsDir() {
			e.Reports = append(e.Reports, rel(root, []string{filepath.Join(runDir, f.Name())})[0])
		}
	}
	e.Status, e.Reason = batch.StatusOK, ""
	return e
}

// previousRun is the tenant's newest run before stamp that has results.
func previousRun(tenantDir, stamp string) string {
	entries, err := os.ReadDir(tenantDir)
	if err != nil {
		return ""
	}
	var names []string
	for _, d := range entries {
		n := d.Name()
		if d.IsDir() && !strings.HasPrefix(n, ".") && n < stamp {
			if _, err := os.Stat(filepath.Join(tenantDir, n, batchSnapshotFile)); err == nil {
				names = append(names, n)
			}
		}
	}
	if len(names) == 0 {
		return ""
	}
	sort.Strings(names)
	return filepath.Join(tenantDir, names[len(names)-1])
}

// writeBaseline compares the previous run's snapshot with this one and
// writes the "since the last report" documents beside the reports.
func writeBaseline(prevRun, snapPath, runDir, cfgPath, version string) error {
	// The audit of this run already resolved the configuration against
	// its snapshot and printed what it could not check.
	d, _, err := compareRuns(filepath.Join(prevRun, batchSnapshotFile), snapPath, cfgPath, version)
	if err != nil {
		return err
	}
	for name, write := range map[string]func(io.Writer, *diff.Document) error{
		batchBaselineJSON: diff.WriteJSON, batchBaselineMD: diff.WriteMarkdown,
	} {
		var b bytes.Buffer
		if err := write(&b, d); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(runDir, name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writePortfolio rolls every run under root into root/portfolio.
func writePortfolio(ctx context.Context, root string, now time.Time) ([]string, error) {
	tenants, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", root, err)
	}
	var runs []portfolio.Run
	for _, t := range tenants {
		if !t.IsDir() || t.Name() == batchPortfolioDir || strings.HasPrefix(t.Name(), ".") {
			continue
		}
		dirs, err := os.ReadDir(filepath.Join(root, t.Name()))
		if err != nil {
			return nil, err
		}
		for _, d := range dirs {
			dir := filepath.Join(root, t.Name(), d.Name())
			if !d.IsDir() || strings.HasPrefix(d.Name(), ".") {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, diff.ResultsFile)); err != nil {
				continue
			}
			r, err := portfolio.LoadRun(dir)
			if err != nil {
				return nil, err
			}
			runs = append(runs, r)
		}
	}
	if len(runs) == 0 {
		return nil, errors.New("no audited runs under " + root)
	}
	d, err := portfolio.Build(runs, portfolio.Options{GeneratedAt: now.UTC(), StaleDays: portfolio.DefaultStaleDays})
	if err != nil {
		return nil, err
	}
	return portfolio.WriteAll(ctx, filepath.Join(root, batchPortfolioDir), d)
}

func resolve(base, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}

func rel(root string, paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		if r, err := filepath.Rel(root, p); err == nil {
			out[i] = filepath.ToSlash(r)
		} else {
			out[i] = p
		}
	}
	return out
}
