package collect

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/m365audit/m365audit/collectors/exchange"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/collectors/tenantsim"
)

func TestExchangeGuardRefusesNonGetCmdlets(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, `{"value":[]}`)
	}))
	defer srv.Close()
	g := &ExchangeGuard{Next: http.DefaultTransport}
	hc := &http.Client{Transport: g}
	cases := []struct {
		name, method, path, body string
		ok                       bool
	}{
		{"Get cmdlet", "POST", "/adminapi/beta/t/InvokeCommand", `{"CmdletInput":{"CmdletName":"Get-Mailbox","Parameters":{}}}`, true},
		{"GET of the module file", "GET", "/adminapi/v1.0/t/EXOModuleFile", "", true},
		{"Set cmdlet", "POST", "/adminapi/beta/t/InvokeCommand", `{"CmdletInput":{"CmdletName":"Set-Mailbox","Parameters":{}}}`, false},
		{"Get with a pipeline trick", "POST", "/adminapi/beta/t/InvokeCommand", `{"CmdletInput":{"CmdletName":"Get-Mailbox;Remove-Mailbox","Parameters":{}}}`, false},
		{"other POST", "POST", "/adminapi/beta/t/Other", `{}`, false},
		{"DELETE", "DELETE", "/adminapi/beta/t/InvokeCommand", "", false},
	}
	for _, tc := range cases {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
		resp, err := hc.Do(req)
		if tc.ok != (err == nil) {
			t.Errorf("%s: err %v", tc.name, err)
		}
		if err == nil {
			resp.Body.Close()
		} else if !errors.Is(err, exchange.ErrNotReadOnly) {
			t.Errorf("%s: err %v, want ErrNotReadOnly", tc.name, err)
		}
	}
	if hits.Load() != 2 || len(g.Refused()) != 4 {
		t.Errorf("server hits %d refused %v", hits.Load(), g.Refused())
	}
}

func TestRun_IncidentWindowOlderThanRetention(t *testing.T) {
	srv := startSim(t, fixture(6, false), tenantsim.Options{})
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	got, _, _ := collectSim(t, srv, func(c *Config) {
		c.Incident = &snapshot.Incident{Users: []string{"adele@contoso.com"}, Start: now.AddDate(0, 0, -10)}
		c.Now = func() time.Time { return now }
	})
	info := got.Info(snapshot.DSDirectoryAudits)
	w := info.Window
	if w == nil || w.Retention != "7 days (Free)" || w.EarliestAvailable == nil || !w.EarliestAvailable.Equal(now.AddDate(0, 0, -7)) {
		t.Fatalf("window = %+v", w)
	}
	if len(info.Notes) != 1 || !strings.Contains(info.Notes[0], "older than the log retention") {
		t.Fatalf("notes = %v", info.Notes)
	}
}

func TestRun_NoExchangeTokenSkipsExchange(t *testing.T) {
	srv := startSim(t, fixture(3, true), tenantsim.Options{})
	got, rep, _ := collectSim(t, srv, func(c *Config) {
		c.Tokens.Exchange = nil
		c.Tokens.ExchangeMissing = "M365AUDIT_EXCHANGE_TOKEN is not set"
	})
	for _, s := range snapshot.Specs() {
		if s.Source == snapshot.SourceExchange && !s.Incident {
			if i := got.Info(s.ID); i.Status != snapshot.StatusSkipped || !strings.Contains(i.Reason, "M365AUDIT_EXCHANGE_TOKEN") {
				t.Errorf("%s: %+v", s.ID, i)
			}
		}
	}
	var b bytes.Buffer
	_ = WriteSummary(&b, rep.Manifest, "")
	if !strings.Contains(b.String(), "exoMailbox") {
		t.Errorf("summary does not name skipped Exchange datasets:\n%s", b.String())
	}
}

func TestRun_RejectedExchangeTokenMarksExchangeOnly(t *testing.T) {
	srv := startSim(t, fixture(3, true), tenantsim.Options{})
	got, _, _ := collectSim(t, srv, func(c *Config) { c.Tokens.Exchange = func(context.Context) (string, error) { return "wrong", nil } })
	for _, s := range snapshot.Specs() {
		i := got.Info(s.ID)
		switch {
		case s.Incident:
		case s.Source == snapshot.SourceExchange:
			if i.Status != snapshot.StatusForbidden || !strings.Contains(i.Reason, "401") || !strings.Contains(i.Reason, "Exchange token was rejected") {
				t.Errorf("%s: %+v", s.ID, i)
			}
		case i.Status != snapshot.StatusOK:
			t.Errorf("%s: %s", s.ID, i.Status)
		}
	}
}

func TestRun_OrganizationDenied(t *testing.T) {
	deny := tenantsim.Fault{Match: snapshot.DSOrganization, Status: 403, Code: "Authorization_RequestDenied", Message: "no"}
	t.Run("GUID tenant still binds Exchange", func(t *testing.T) {
		srv := startSim(t, fixture(3, true), tenantsim.Options{Faults: []tenantsim.Fault{deny}})
		got, rep, _ := collectSim(t, srv, func(c *Config) { c.Tenant = fixTenant })
		if got.Manifest.Tenant.ID != fixTenant || got.Info(snapshot.DSOrganization).Status != snapshot.StatusForbidden {
			t.Errorf("tenant %+v org %+v", got.Manifest.Tenant, got.Info(snapshot.DSOrganization))
		}
		if got.Info(snapshot.DSExoMailbox).Status != snapshot.StatusOK || got.Info(snapshot.DSUsers).Status != snapshot.StatusOK {
			t.Errorf("collection did not go on: %+v", rep.Manifest.Datasets)
		}
	})
	t.Run("domain tenant cannot address Exchange", func(t *testing.T) {
		srv := startSim(t, fixture(3, true), tenantsim.Options{Faults: []tenantsim.Fault{deny}})
		got, _, _ := collectSim(t, srv, nil)
		if i := got.Info(snapshot.DSExoMailbox); i.Status != snapshot.StatusSkipped || !strings.Contains(i.Reason, "tenant id unknown") {
			t.Errorf("exoMailbox %+v", i)
		}
		var b bytes.Buffer
		_ = WriteSummary(&b, got.Manifest, "")
		if strings.Count(b.String(), "skipped:") != 2 {
			t.Errorf("skipped datasets not grouped by reason:\n%s", b.String())
		}
	})
}

// BenchmarkCollectUsers collects a whole simulated tenant of 10,000 users
// (every third a guest) through the real pipeline: $top=999 pages, all
// other datasets, snapshot written to disk.
func BenchmarkCollectUsers(b *testing.B) {
	for _, pageSize := range []int{999, 100} {
		b.Run("pageSize="+strconv.Itoa(pageSize), func(b *testing.B) {
			srv := startSim(b, fixture(10000, true), tenantsim.Options{PageSize: pageSize})
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				cfg := simConfig(b, srv, filepath.Join(b.TempDir(), "snap"), newSleeps())
				rep, err := Run(b.Context(), cfg)
				if err != nil {
					b.Fatal(err)
				}
				if n := rep.Manifest.Datasets[snapshot.DSUsers].Count; n != 10000 {
					b.Fatalf("users %d", n)
				}
			}
			b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "users/s")
		})
	}
}
