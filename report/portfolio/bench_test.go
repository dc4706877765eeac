package portfolio_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/m365audit/m365audit/report/portfolio"
)

// BenchmarkPortfolio500: load 500 results files (250 tenants, two months
// each) from disk, build the portfolio and write all four formats.
func BenchmarkPortfolio500(b *testing.B) {
	base := run(b, nil)
	var raw bytes.Buffer
	if err := json.NewEncoder(&raw).Encode(base.Doc); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	var paths []string
	for i := 0; i < 500; i++ {
		doc := *base.Doc
		doc.Tenant.ID = fmt.Sprintf("%08d-0000-4000-8000-000000000000", i/2)
		doc.Tenant.DisplayName = fmt.Sprintf("Client %03d", i/2)
		doc.CollectedAt = base.Doc.CollectedAt.AddDate(0, -(i % 2), 0)
		doc.Score.Percent = float64(30 + i%60)
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(&doc); err != nil {
			b.Fatal(err)
		}
		p := filepath.Join(dir, fmt.Sprintf("r%03d.json", i))
		if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, p)
	}
	out := b.TempDir()
	b.ResetTimer()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var runs []portfolio.Run
		for _, p := range paths {
			r, err := portfolio.LoadRun(p)
			if err != nil {
				b.Fatal(err)
			}
			runs = append(runs, r)
		}
		d, err := portfolio.Build(runs, portfolio.Options{GeneratedAt: base.Doc.CollectedAt.Add(24 * time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		if len(d.Tenants) != 250 {
			b.Fatalf("%d tenants", len(d.Tenants))
		}
		if _, err := portfolio.WriteAll(b.Context(), out, d); err != nil {
			b.Fatal(err)
		}
	}
}
