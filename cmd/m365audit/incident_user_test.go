package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/collectors/auth"
	"github.com/m365audit/m365audit/collectors/tenantsim"
)

// TestCollectUnknownIncidentUser: an --incident-user the tenant does not
// have is a usage error (exit 2) found by one lookup right after the tenant
// is bound, before any dataset is collected; nothing is left on disk.
func TestCollectUnknownIncidentUser(t *testing.T) {
	srv := startTenant(t, sample(t), tenantsim.Options{GraphToken: "gt", ExchangeToken: "xt"})
	t.Setenv(auth.EnvGraphToken, "gt")
	t.Setenv(auth.EnvExchangeToken, "xt")
	out := filepath.Join(t.TempDir(), "snap")
	code, _, errs := cli(t, "collect", "--tenant", "contoso.com", "--auth", "token",
		"--graph-endpoint", srv.URL(), "--exchange-endpoint", srv.URL(), "--out", out,
		"--incident-user", "adele.vance@contoso.com", "--incident-user", "nobody@contoso.com", "--incident-start", "2026-11-16T00:00:00Z")
	if code != exitUsage {
		t.Fatalf("exit %d, want %d\n%s", code, exitUsage, errs)
	}
	if !strings.Contains(errs, "--incident-user") || !strings.Contains(errs, "nobody@contoso.com") || strings.Contains(errs, "adele.vance") {
		t.Errorf("the message does not name exactly the unknown user:\n%s", errs)
	}
	if strings.Contains(errs, "ERROR") || strings.Contains(errs, "needs ") {
		t.Errorf("datasets were collected or a permission hint given:\n%s", errs)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a snapshot was left at %s (%v)", out, err)
	}
	for _, r := range srv.Requests() {
		p := strings.ToLower(r.Path)
		if !strings.HasSuffix(p, "/organization") && !strings.Contains(p, "/users/") {
			t.Errorf("request before the incident users were checked: %s %s", r.Method, r.Path)
		}
	}
}
