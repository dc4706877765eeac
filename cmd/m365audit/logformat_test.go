package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/collectors/tenantsim"
)

func TestLogFormatJSON(t *testing.T) {
	snap := sample(t)
	srv := startTenant(t, snap, tenantsim.Options{GraphToken: "g", ExchangeToken: "x", PageSize: 50})
	t.Setenv("M365AUDIT_GRAPH_TOKEN", "g")
	t.Setenv("M365AUDIT_EXCHANGE_TOKEN", "x")
	code, _, stderr := cli(t, "--log-format", "json", "--log-level", "debug", "collect", "--auth", "token",
		"--tenant", snap.Manifest.Tenant.ID, "--graph-endpoint", srv.URL(), "--exchange-endpoint", srv.URL(),
		"--out", filepath.Join(t.TempDir(), "snap"))
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	n := 0
	for _, l := range strings.Split(stderr, "\n") {
		if !strings.HasPrefix(l, "{") {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, l)
		}
		if rec["level"] == nil || rec["msg"] == nil || rec["time"] == nil {
			t.Errorf("log record lacks level/msg/time: %s", l)
		}
		n++
	}
	if n == 0 {
		t.Fatalf("no JSON log lines:\n%s", stderr)
	}
	if strings.Contains(stderr, "level=DEBUG") {
		t.Error("text log lines mixed in")
	}
	if code, _, _ := cli(t, "--log-format", "xml", "version"); code != 2 {
		t.Errorf("--log-format xml: exit %d, want 2", code)
	}
}
