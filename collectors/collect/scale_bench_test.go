package collect

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/m365audit/m365audit/collectors/auth"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/collectors/tenantsim"
)

// benchCollectScale collects a generated tenant of n members (n/5 guests,
// n mailboxes) served at 50 ms per request with Graph's resource-unit
// bucket (8,000 per 10 s) and one forced 429 on the second page of every
// large dataset. It reports the wall time as a ratio to the longest page
// chain (pages × latency of the longest dataset or throttling group), the
// peak Go heap during the run (collector and simulator together) and the
// process's peak RSS (which also holds the simulated tenant).
func benchCollectScale(b *testing.B, n int) {
	const latency = 50 * time.Millisecond
	sc := tenantsim.Scale{Members: n, Guests: n / 5, Mailboxes: n}
	src := tenantsim.Generate(sc)
	var faults []tenantsim.Fault
	for _, id := range []string{snapshot.DSUsers, snapshot.DSUserRegistrationDetails, snapshot.DSExoMailbox, snapshot.DSExoCASMailbox} {
		faults = append(faults, tenantsim.Fault{Match: id, Status: 429, RetryAfter: "0.05", Page: 2, Times: 1})
	}
	srv := startSim(b, src, tenantsim.Options{PageSize: 999, ExchangePageSize: 1000, Latency: latency,
		ResourceUnits: 8000, Faults: faults, GraphToken: fixGraph, ExchangeToken: fixExo})
	// The simulator decodes each list once, on its first page; do it now so
	// the peak heap below is the collector's (plus per-request buffers).
	for _, s := range snapshot.Specs() {
		if s.Shape == snapshot.ShapeList {
			_, _ = src.RawItems(s.ID)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		peak := uint64(0)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					if ms.HeapInuse > peak {
						peak = ms.HeapInuse
					}
				}
			}
		}()
		cfg := Config{GraphRoot: srv.URL(), ExchangeRoot: srv.URL(), Cloud: "global",
			Tokens: &auth.Tokens{Graph: auth.Static(fixGraph), Exchange: auth.Static(fixExo)},
			Tenant: "scale.example", Out: filepath.Join(b.TempDir(), "snap"), ToolVersion: "bench"}
		b.StartTimer()
		start := time.Now()
		rep, err := Run(b.Context(), cfg)
		wall := time.Since(start)
		b.StopTimer()
		close(stop)
		wg.Wait()
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.RefusedWrites) > 0 || len(srv.RefusedWrites()) > 0 {
			b.Fatal("a write was sent")
		}
		m := rep.Manifest
		for id, want := range map[string]int{snapshot.DSUsers: n + n/5, snapshot.DSUserRegistrationDetails: n + n/5,
			snapshot.DSExoMailbox: n, snapshot.DSExoCASMailbox: n} {
			d := m.Datasets[id]
			if d.Status != snapshot.StatusOK || d.Count != want || d.Retries < 1 {
				b.Fatalf("%s: %s count %d (want %d) retries %d", id, d.Status, d.Count, want, d.Retries)
			}
		}
		chain := longestChain(m)
		if testing.Verbose() {
			for id, d := range m.Datasets {
				b.Logf("%-36s %-8s n=%-7d req=%-4d retries=%d %dms throttled=%dms", id, d.Status, d.Count, d.Requests, d.Retries, d.DurationMs, d.ThrottledMs)
			}
		}
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		b.ReportMetric(wall.Seconds()/(float64(chain)*latency.Seconds()), "x-longest-chain")
		b.ReportMetric(float64(chain), "chain-pages")
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(float64(peak-min(peak, base.HeapInuse))/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss-MB")
		// The same collection by the m365audit binary in its own process:
		// its peak RSS is the collector's alone (the simulated tenant stays
		// in this process).
		cliWall, cliRSS := collectWithBinary(b, srv.URL())
		b.ReportMetric(cliWall.Seconds(), "cli-wall-s")
		b.ReportMetric(cliWall.Seconds()/(float64(chain)*latency.Seconds()), "cli-x-longest-chain")
		b.ReportMetric(cliRSS, "cli-maxrss-MB")
		b.StartTimer()
	}
}

// collectWithBinary builds cmd/m365audit and runs collect against root,
// returning the wall time and the child's peak RSS in MB.
func collectWithBinary(b *testing.B, root string) (time.Duration, float64) {
	bin := filepath.Join(b.TempDir(), "m365audit")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/m365audit/m365audit/cmd/m365audit").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	// The child's peak RSS is read by /usr/bin/time: a child forked from
	// this (large) test process would inherit its high-water mark.
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		b.Skip("needs /usr/bin/time to measure the binary's peak RSS")
	}
	rssFile := filepath.Join(b.TempDir(), "rss")
	cmd := exec.Command("/usr/bin/time", "-f", "%M", "-o", rssFile, bin, "collect", "--tenant", "scale.example", "--auth", "token",
		"--graph-endpoint", root, "--exchange-endpoint", root, "--out", filepath.Join(b.TempDir(), "cli-snap"))
	cmd.Env = append(os.Environ(), auth.EnvGraphToken+"="+fixGraph, auth.EnvExchangeToken+"="+fixExo)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		b.Fatalf("collect: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(rssFile)
	if err != nil {
		b.Fatal(err)
	}
	kb, err := strconv.ParseFloat(strings.TrimSpace(string(raw)), 64)
	if err != nil {
		b.Fatalf("peak RSS %q: %v", raw, err)
	}
	return wall, kb / 1024
}

// longestChain is the number of pages of the longest chain: a dataset on
// its own, or a throttling group's datasets one after another (forced
// retries not counted).
func longestChain(m snapshot.Manifest) int {
	groups := map[string]int{}
	best := 0
	for id, d := range m.Datasets {
		pages := d.Requests - d.Retries
		if g := throttleGroup(id); g != "" {
			groups[g] += pages
			continue
		}
		best = max(best, pages)
	}
	for _, p := range groups {
		best = max(best, p)
	}
	return best
}

func BenchmarkCollect10k(b *testing.B)  { benchCollectScale(b, 10000) }
func BenchmarkCollect100k(b *testing.B) { benchCollectScale(b, 100000) }

// BenchmarkResume100k: the simulated 100k tenant (50 ms per request, the
// resource-unit bucket) collected once uninterrupted, then interrupted
// when the users list has half its pages and resumed. It fails unless the
// resumed snapshot has the same count and SHA-256 per dataset as the
// uninterrupted one and the resumed run fetched exactly the users pages
// after the checkpoint. It reports the checkpoint page, the pages fetched
// again, and the walls of the three runs.
func BenchmarkResume100k(b *testing.B) {
	const latency = 50 * time.Millisecond
	n := 100000
	src := tenantsim.Generate(tenantsim.Scale{Members: n, Guests: n / 5, Mailboxes: n})
	srv := startSim(b, src, tenantsim.Options{PageSize: 999, ExchangePageSize: 1000, Latency: latency,
		ResourceUnits: 8000, GraphToken: fixGraph, ExchangeToken: fixExo})
	for _, s := range snapshot.Specs() {
		if s.Shape == snapshot.ShapeList {
			_, _ = src.RawItems(s.ID)
		}
	}
	config := func(dir string) Config {
		return Config{GraphRoot: srv.URL(), ExchangeRoot: srv.URL(), Cloud: "global",
			Tokens: &auth.Tokens{Graph: auth.Static(fixGraph), Exchange: auth.Static(fixExo)},
			Tenant: "scale.example", Out: dir, ToolVersion: "bench"}
	}
	usersPages := func(from int) int {
		k := 0
		for _, r := range srv.Requests()[from:] {
			if r.Path == "/v1.0/users" {
				k++
			}
		}
		return k
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		whole, err := Run(b.Context(), config(filepath.Join(b.TempDir(), "whole")))
		if err != nil {
			b.Fatal(err)
		}
		wholeWall := time.Since(start)
		total := whole.Manifest.Datasets[snapshot.DSUsers].Requests

		dir := filepath.Join(b.TempDir(), "resumed")
		ctx, cancel := context.WithCancel(b.Context())
		cfg := config(dir)
		cfg.Progress = &cancelAt{id: snapshot.DSUsers, pages: total / 2, cancel: cancel}
		start = time.Now()
		_, err = Run(ctx, cfg)
		cutWall := time.Since(start)
		cancel()
		if !errors.Is(err, ErrInterrupted) {
			b.Fatalf("interrupted run: %v", err)
		}
		m, err := snapshot.ReadManifest(dir)
		if err != nil {
			b.Fatal(err)
		}
		cp := m.Datasets[snapshot.DSUsers].Checkpoint
		if cp == nil {
			b.Fatalf("users has no checkpoint: %+v", m.Datasets[snapshot.DSUsers])
		}
		before := len(srv.Requests())
		cfg = config("")
		cfg.Resume = dir
		start = time.Now()
		rep, err := Run(b.Context(), cfg)
		if err != nil {
			b.Fatalf("resume: %v", err)
		}
		resumeWall := time.Since(start)
		refetched := usersPages(before)
		if refetched != total-cp.Pages {
			b.Errorf("resume fetched %d users pages, want %d (%d pages, checkpoint after page %d)", refetched, total-cp.Pages, total, cp.Pages)
		}
		for _, s := range snapshot.Specs() {
			a, c := whole.Manifest.Datasets[s.ID], rep.Manifest.Datasets[s.ID]
			if a.Status != c.Status || a.Count != c.Count || a.SHA256 != c.SHA256 {
				b.Errorf("%s: resumed %s %d %.12s, uninterrupted %s %d %.12s", s.ID, c.Status, c.Count, c.SHA256, a.Status, a.Count, a.SHA256)
			}
		}
		b.ReportMetric(float64(total), "users-pages")
		b.ReportMetric(float64(cp.Pages), "checkpoint-page")
		b.ReportMetric(float64(refetched), "refetched-pages")
		b.ReportMetric(float64(rep.Manifest.Datasets[snapshot.DSUsers].Count), "users-objects")
		b.ReportMetric(wholeWall.Seconds(), "whole-wall-s")
		b.ReportMetric(cutWall.Seconds(), "interrupted-wall-s")
		b.ReportMetric(resumeWall.Seconds(), "resume-wall-s")
	}
}
