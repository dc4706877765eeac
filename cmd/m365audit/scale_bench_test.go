package main

import (
	"bytes"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/collectors/tenantsim"
)

// writeScaleSnapshot writes a generated tenant of n members (n/5 guests, n
// mailboxes) as a verified snapshot directory.
func writeScaleSnapshot(b *testing.B, n int) string {
	src := tenantsim.Generate(tenantsim.Scale{Members: n, Guests: n / 5, Mailboxes: n})
	dir := filepath.Join(b.TempDir(), "snap")
	w, err := snapshot.Create(dir, snapshot.Manifest{Tool: snapshot.Tool{Name: "m365audit", Version: "bench"},
		Cloud: "global", Endpoints: snapshot.Endpoints{Graph: "https://graph.microsoft.com"}})
	if err != nil {
		b.Fatal(err)
	}
	w.SetTenant(src.Manifest.Tenant)
	for _, s := range snapshot.Specs() {
		info := snapshot.DatasetInfo{Status: snapshot.StatusOK, Permission: s.Permission}
		raw, err := src.Raw(s.ID)
		if err != nil {
			w.Record(s.ID, snapshot.DatasetInfo{Status: snapshot.StatusSkipped, Reason: "not generated"})
			continue
		}
		switch s.Shape {
		case snapshot.ShapeObject:
			err = w.WriteObject(s.ID, raw, info)
		default:
			items, ierr := src.RawItems(s.ID)
			if ierr != nil {
				b.Fatal(ierr)
			}
			err = w.WriteList(s.ID, items, info)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(src.Manifest.CollectedAt); err != nil {
		b.Fatal(err)
	}
	return dir
}

// benchAudit runs `audit SNAPSHOT --out DIR` (every report) on a generated
// tenant and reports the wall time, the peak Go heap during the run and
// the process's peak RSS.
func benchAudit(b *testing.B, n int) {
	dir := writeScaleSnapshot(b, n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var peak uint64
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
					peak = max(peak, ms.HeapInuse)
				}
			}
		}()
		out := filepath.Join(b.TempDir(), "out")
		var so, se bytes.Buffer
		b.StartTimer()
		start := time.Now()
		code := run(b.Context(), []string{"audit", dir, "--out", out}, &so, &se)
		wall := time.Since(start)
		b.StopTimer()
		close(stop)
		wg.Wait()
		if code != 0 {
			b.Fatalf("audit exit %d: %s", code, se.String())
		}
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(float64(peak-min(peak, base.HeapInuse))/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss-MB")
		b.StartTimer()
	}
}

func BenchmarkAudit10k(b *testing.B)  { benchAudit(b, 10000) }
func BenchmarkAudit100k(b *testing.B) { benchAudit(b, 100000) }
