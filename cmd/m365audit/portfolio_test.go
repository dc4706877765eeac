package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/portfolio"
)

func TestPortfolioCommand(t *testing.T) {
	old := writeSnapshot(t, func(m *snapshot.Manifest, d m365audit.Datasets) {
		m.CollectedAt = m.CollectedAt.AddDate(0, -1, 0)
		m.Incident = nil
	})
	cur := writeSnapshot(t, func(m *snapshot.Manifest, d m365audit.Datasets) {
		d.Object(snapshot.DSExoTransportConfig)["SmtpClientAuthenticationDisabled"] = true
	})
	root := t.TempDir()
	a, b := filepath.Join(root, "old"), filepath.Join(root, "cur")
	for dir, snap := range map[string]string{a: old, b: cur} {
		if code, _, stderr := cli(t, "audit", snap, "--out", dir); code != 0 {
			t.Fatalf("audit: %d %s", code, stderr)
		}
	}
	out := filepath.Join(root, "pf")
	code, stdout, stderr := cli(t, "portfolio", "--out", out, "--stale-days", "100000", a, filepath.Join(b, "results.json"))
	if code != 0 || !strings.Contains(stdout, "portfolio.html") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	raw, err := os.ReadFile(filepath.Join(out, "portfolio.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d portfolio.Document
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	res, err := os.ReadFile(filepath.Join(b, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc checks.Document
	if err := json.Unmarshal(res, &doc); err != nil {
		t.Fatal(err)
	}
	if len(d.Tenants) != 1 || d.Tenants[0].Score != doc.Score.Percent || d.Tenants[0].Runs != 2 || d.Tenants[0].PreviousScore == nil || d.Tenants[0].Stale {
		t.Fatalf("portfolio: %s", raw)
	}
	if code, _, _ := cli(t, "portfolio", a); code != 2 {
		t.Errorf("without --out: exit %d, want 2", code)
	}
	if code, _, _ := cli(t, "portfolio", "--out", out, filepath.Join(root, "missing")); code != 1 {
		t.Errorf("missing run: exit %d, want 1", code)
	}
}
