package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/batch"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/collectors/tenantsim"
)

// variantTenant is the Contoso sample as another tenant: its tenant id
// replaced everywhere and the manifest's hashes recomputed.
func variantTenant(t *testing.T, newID string) *snapshot.Snapshot {
	t.Helper()
	fsys, err := m365audit.SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	orig := sample(t).Manifest.Tenant.ID
	dir := t.TempDir()
	files := map[string][]byte{}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files[p] = bytes.ReplaceAll(b, []byte(orig), []byte(newID))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(files[snapshot.ManifestFile], &m); err != nil {
		t.Fatal(err)
	}
	for _, v := range m["datasets"].(map[string]any) {
		ds := v.(map[string]any)
		if f, ok := ds["file"].(string); ok {
			sum := sha256.Sum256(files[f])
			ds["sha256"] = hex.EncodeToString(sum[:])
		}
	}
	if files[snapshot.ManifestFile], err = json.MarshalIndent(m, "", "  "); err != nil {
		t.Fatal(err)
	}
	for p, b := range files {
		if err := os.WriteFile(filepath.Join(dir, p), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, err := snapshot.Load(dir, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func closedPortURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "http://" + l.Addr().String()
}

// batchAt runs `batch` with the clock at now.
func batchAt(t *testing.T, now time.Time, env map[string]string, o batchOptions) (error, string) {
	t.Helper()
	var out, errb bytes.Buffer
	g := newGlobalOptions(&out, &errb)
	g.now = func() time.Time { return now }
	g.getenv = func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
	err := runBatch(t.Context(), g, o)
	return err, out.String() + errb.String()
}

func readSummary(t *testing.T, root string, started time.Time) batch.Summary {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "batch-"+started.UTC().Format("20060102T150405Z")+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var s batch.Summary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBatchThreeTenantsOneUnreachable: two simulated tenants and one that
// cannot be reached. The two finish with every report and the portfolio;
// the batch exits 1 naming the failed one. A month later the second batch
// compares each tenant with its first run.
func TestBatchThreeTenantsOneUnreachable(t *testing.T) {
	contoso := sample(t)
	fabrikam := variantTenant(t, "c0ffee00-1111-4222-8333-444455556666")
	simA := startTenant(t, contoso, tenantsim.Options{GraphToken: "g", ExchangeToken: "x", PageSize: 50})
	simB := startTenant(t, fabrikam, tenantsim.Options{GraphToken: "g", ExchangeToken: "x", PageSize: 50})
	t.Setenv("M365AUDIT_GRAPH_TOKEN", "g")
	t.Setenv("M365AUDIT_EXCHANGE_TOKEN", "x")
	dir := t.TempDir()
	yaml := "defaults: {auth: token, concurrency: 4}\n" +
		"tenants:\n" +
		"  - {name: contoso, tenant: " + contoso.Manifest.Tenant.ID + ", graphEndpoint: \"" + simA.URL() + "\", exchangeEndpoint: \"" + simA.URL() + "\"}\n" +
		"  - {name: fabrikam, tenant: c0ffee00-1111-4222-8333-444455556666, graphEndpoint: \"" + simB.URL() + "\", exchangeEndpoint: \"" + simB.URL() + "\"}\n" +
		"  - {name: lab, tenant: lab.example.com, graphEndpoint: \"" + closedPortURL(t) + "\"}\n"
	tenantsFile := filepath.Join(dir, "tenants.yaml")
	if err := os.WriteFile(tenantsFile, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "runs")
	first := time.Date(2026, 12, 4, 15, 30, 0, 0, time.UTC)
	err, out := batchAt(t, first, nil, batchOptions{Tenants: tenantsFile, Out: root, Concurrency: 4})
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitCannotRun || !strings.Contains(err.Error(), "1 of 3 tenant(s) failed: lab (cannot reach Microsoft Graph") {
		t.Fatalf("err = %v\n%s", err, out)
	}
	sum := readSummary(t, root, first)
	if sum.OK != 2 || sum.Failed != 1 || len(sum.Portfolio) == 0 {
		t.Fatalf("summary %+v", sum)
	}
	for _, e := range sum.Tenants {
		switch e.Name {
		case "lab":
			if e.Status != batch.StatusFailed || !strings.Contains(e.Reason, "connection was refused") {
				t.Errorf("lab: %+v", e)
			}
		default:
			if e.Status != batch.StatusOK || e.Score == nil || e.Baseline != "" {
				t.Errorf("%s: %+v", e.Name, e)
			}
			if res, err := os.ReadFile(filepath.Join(root, e.Name, "2026-12-04T1530Z", "results.json")); err != nil || strings.Contains(string(res), `"changes"`) {
				t.Errorf("%s: a first run has no baseline (%v)", e.Name, err)
			}
			want := e.Name + "/2026-12-04T1530Z"
			if e.Run != want {
				t.Errorf("%s: run %s, want %s", e.Name, e.Run, want)
			}
			for _, f := range []string{"snapshot.zip", "results.json"} {
				if _, err := os.Stat(filepath.Join(root, want, f)); err != nil {
					t.Errorf("%s: %v", e.Name, err)
				}
			}
			if len(e.Reports) < 3 {
				t.Errorf("%s: reports %v", e.Name, e.Reports)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(root, "lab")); err == nil {
		entries, _ := os.ReadDir(filepath.Join(root, "lab"))
		if len(entries) != 0 {
			t.Errorf("the failed tenant left %d entries behind", len(entries))
		}
	}
	var pf struct {
		Tenants []json.RawMessage `json:"tenants"`
	}
	data, err := os.ReadFile(filepath.Join(root, "portfolio", "portfolio.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &pf); err != nil || len(pf.Tenants) != 2 {
		t.Fatalf("portfolio: %d tenants, %v", len(pf.Tenants), err)
	}

	// A month later: the baseline section compares with the first run.
	second := first.AddDate(0, 1, 0)
	err, out = batchAt(t, second, nil, batchOptions{Tenants: tenantsFile, Out: root, Concurrency: 2})
	if err == nil || !strings.Contains(err.Error(), "lab") {
		t.Fatalf("second batch: %v\n%s", err, out)
	}
	sum = readSummary(t, root, second)
	for _, e := range sum.Tenants {
		if e.Name == "lab" {
			continue
		}
		if e.Status != batch.StatusOK || e.Baseline != e.Name+"/2027-01-04T1530Z/since-last-report.md" {
			t.Errorf("%s: %+v", e.Name, e)
			continue
		}
		md, err := os.ReadFile(filepath.Join(root, e.Baseline))
		if err != nil || len(md) == 0 {
			t.Errorf("%s: %v", e.Name, err)
		}
		if _, err := os.Stat(filepath.Join(root, e.Name, "2027-01-04T1530Z", "since-last-report.json")); err != nil {
			t.Error(err)
		}
		// The reports themselves carry the "since the last report" section
		// (audit --baseline with the first run).
		var res struct {
			Changes json.RawMessage `json:"changes"`
		}
		data, err := os.ReadFile(filepath.Join(root, e.Name, "2027-01-04T1530Z", "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &res); err != nil || len(res.Changes) == 0 {
			t.Errorf("%s: results.json has no changes since the first run (%v)", e.Name, err)
		}
	}
}

// TestBatchShards: --shard 0/2 and 1/2 (and --shards 2 with
// JOB_COMPLETION_INDEX) together cover every tenant exactly once.
func TestBatchShards(t *testing.T) {
	var b strings.Builder
	b.WriteString("defaults: {auth: token}\ntenants:\n")
	names := []string{"delta", "alpha", "echo", "charlie", "bravo"}
	for _, n := range names {
		b.WriteString("  - {name: " + n + ", tenant: " + n + ".example.com}\n")
	}
	f, err := batch.Parse("tenants.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for i := 0; i < 2; i++ {
		sh, err := batch.ParseShard(string(rune('0'+i)) + "/2")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range f.Select(sh) {
			seen[s.Name]++
		}
	}
	for _, n := range names {
		if seen[n] != 1 {
			t.Errorf("%s processed %d times", n, seen[n])
		}
	}
	if len(seen) != len(names) {
		t.Errorf("seen %v", seen)
	}
	// --shards without the index is a usage error; with it, a shard runs.
	dir := t.TempDir()
	tf := filepath.Join(dir, "tenants.yaml")
	if err := os.WriteFile(tf, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 4, 15, 30, 0, 0, time.UTC)
	err, _ = batchAt(t, now, map[string]string{envJobIndex: ""}, batchOptions{Tenants: tf, Out: filepath.Join(dir, "r"), Shards: 2, Concurrency: 1})
	var ue *usageError
	if !errors.As(err, &ue) {
		t.Errorf("--shards without %s: %v", envJobIndex, err)
	}
}
