package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/collectors/auth"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/collectors/tenantsim"
)

const contosoID = "b7f3a1c2-5d4e-4f60-9a8b-1c2d3e4f5a6b"

// TestCollectPreviousSnapshot: --previous takes an earlier snapshot of the
// same tenant (directory or zip, its manifest checked, its datasets not
// read) and refuses another tenant's, an unreadable one, or one that
// records no tenant, before anything is sent (exit 2).
func TestCollectPreviousSnapshot(t *testing.T) {
	contoso := writeSnapshot(t, func(*snapshot.Manifest, m365audit.Datasets) {})
	fabrikam := writeSnapshot(t, func(m *snapshot.Manifest, _ m365audit.Datasets) {
		m.Tenant = snapshot.Tenant{ID: "99999999-2222-3333-4444-555555555555", DisplayName: "Fabrikam", PrimaryDomain: "fabrikam.com", InitialDomain: "fabrikam.onmicrosoft.com"}
	})
	hostile := writeSnapshot(t, func(m *snapshot.Manifest, _ m365audit.Datasets) {
		m.Tenant = snapshot.Tenant{ID: "99999999-2222-3333-4444-555555555555", PrimaryDomain: "evil\x1b[2J\u202e.com", InitialDomain: "'; Remove-MgUser x"}
	})
	noTenant := writeSnapshot(t, func(m *snapshot.Manifest, _ m365audit.Datasets) { m.Tenant = snapshot.Tenant{} })
	var zipped bytes.Buffer
	if err := snapshot.Pack(contoso, &zipped); err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(t.TempDir(), "contoso.zip")
	if err := os.WriteFile(zipPath, zipped.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// A previous snapshot whose users file is gone still gives its counts:
	// only the manifest is read.
	noUsersFile := writeSnapshot(t, func(*snapshot.Manifest, m365audit.Datasets) {})
	if err := os.Remove(filepath.Join(noUsersFile, "users.json")); err != nil {
		t.Fatal(err)
	}
	badManifest := writeSnapshot(t, func(*snapshot.Manifest, m365audit.Datasets) {})
	if err := os.WriteFile(filepath.Join(badManifest, snapshot.ManifestFile), []byte(`{"schemaVersion":`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(auth.EnvGraphToken, "gt")
	cases := []struct {
		name, tenant, previous string
		want                   string // stderr text of the refusal; "" = accepted
	}{
		{"same tenant by domain", "contoso.com", contoso, ""},
		{"same tenant by GUID, zip", contosoID, zipPath, ""},
		{"initial domain, any case", "Contoso.OnMicrosoft.com", contoso, ""},
		{"dataset file missing", "contoso.com", noUsersFile, ""},
		{"another tenant by GUID", contosoID, fabrikam, `holds tenant "99999999-2222-3333-4444-555555555555" ("fabrikam.com", "fabrikam.onmicrosoft.com"), not --tenant ` + contosoID},
		{"another tenant by domain", "contoso.com", fabrikam, "--tenant contoso.com is not one of its domains"},
		{"records no tenant", "contoso.com", noTenant, "records no tenant"},
		{"another tenant with hostile domains", "contoso.com", hostile, `("evil\x1b[2J\u202e.com", "'; Remove-MgUser x")`},
		{"not a snapshot", "contoso.com", t.TempDir(), "--previous: read snapshot manifest"},
		{"manifest not JSON", "contoso.com", badManifest, "not valid JSON"},
		{"missing path", "contoso.com", filepath.Join(t.TempDir(), "nope"), "--previous"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want != "" {
				code, out, errs := cli(t, "collect", "--tenant", tc.tenant, "--auth", "token", "--previous", tc.previous,
					"--graph-endpoint", "http://127.0.0.1:1")
				if code != exitUsage || !strings.Contains(errs, tc.want) || out != "" {
					t.Fatalf("exit %d, stderr %q; want exit 2 and %q", code, errs, tc.want)
				}
				if strings.ContainsAny(errs, "\x1b\u202e") {
					t.Errorf("control characters reach the terminal: %q", errs)
				}
				return
			}
			g := &globalOptions{stderr: &bytes.Buffer{}, getenv: func(k string) string { return map[string]string{auth.EnvGraphToken: "gt"}[k] },
				now: time.Now}
			p, err := collectOptions{Tenant: tc.tenant, Auth: "token", Cloud: "global", Previous: tc.previous}.validate(g)
			if err != nil {
				t.Fatal(err)
			}
			if p.previous == nil || p.previous.tenant.ID != contosoID || p.previous.counts[snapshot.DSUsers] != 25 {
				t.Fatalf("previous %+v", p.previous)
			}
		})
	}
}

// fakeClock advances one second at every reading.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// TestCollectPreviousGivesEstimatedETA: on a (fake) terminal, collecting
// with --previous shows an estimated ETA (~ETA) while the users list is
// paged; without it the service gives no total and no ETA is shown. The
// snapshot is the same either way, and no progress line stays behind the
// coverage summary.
func TestCollectPreviousGivesEstimatedETA(t *testing.T) {
	srv := startTenant(t, sample(t), tenantsim.Options{GraphToken: "gt", ExchangeToken: "xt", PageSize: 2})
	previous := writeSnapshot(t, func(*snapshot.Manifest, m365audit.Datasets) {})
	env := map[string]string{auth.EnvGraphToken: "gt", auth.EnvExchangeToken: "xt"}
	for _, tc := range []struct {
		name, previous string
		want, wantNot  string
	}{
		{"with --previous", previous, " ~ETA ", ""},
		{"without", "", "", "ETA "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			clock := &fakeClock{t: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
			g := &globalOptions{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return env[k] },
				now: clock.now, interactive: true, logLevel: "warn", logFormat: "text", version: "test"}
			out := filepath.Join(t.TempDir(), "snap")
			p, err := collectOptions{Tenant: "contoso.com", Auth: "token", Cloud: "global", GraphEndpoint: srv.URL(),
				ExchangeEndpoint: srv.URL(), Out: out, Previous: tc.previous}.validate(g)
			if err != nil {
				t.Fatal(err)
			}
			if err := runCollect(t.Context(), g, p); err != nil {
				t.Fatalf("collect: %v\n%s", err, stderr.String())
			}
			raw := stderr.String()
			if tc.want != "" && !strings.Contains(raw, " users ") {
				t.Fatalf("no progress for users:\n%q", raw)
			}
			if tc.want != "" && !strings.Contains(raw, tc.want) {
				t.Errorf("progress never showed %q:\n%q", tc.want, raw)
			}
			if tc.wantNot != "" && strings.Contains(raw, tc.wantNot) {
				t.Errorf("progress showed %q:\n%q", tc.wantNot, raw)
			}
			for _, l := range screen(raw) {
				if strings.HasPrefix(l, "[") {
					t.Errorf("progress line left on screen: %q", l)
				}
			}
			s, err := snapshot.Load(out, snapshot.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if s.Info(snapshot.DSUsers).Count != 25 {
				t.Errorf("users %+v", s.Info(snapshot.DSUsers))
			}
		})
	}
}
