package collect

import (
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/m365audit/m365audit/collectors/auth"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/collectors/tenantsim"
	"github.com/m365audit/m365audit/collectors/transport"
)

// closedLoopback returns http://127.0.0.1:PORT where nothing listens.
func closedLoopback(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

type countingTransport struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// TestRun_UnreachableGraphEndsTheRunAtOnce: a closed port for Graph ends the
// run after the first request and its two quick retries, with a clear
// reason, instead of a minute of back-off per dataset.
func TestRun_UnreachableGraphEndsTheRunAtOnce(t *testing.T) {
	root := closedLoopback(t)
	dir := filepath.Join(t.TempDir(), "snap")
	sl := newSleeps()
	ct := &countingTransport{next: http.DefaultTransport.(*http.Transport).Clone()}
	cfg := Config{GraphRoot: root, ExchangeRoot: root, Cloud: "global",
		Tokens: &auth.Tokens{Graph: auth.Static(fixGraph), Exchange: auth.Static(fixExo)},
		Tenant: "contoso.com", Out: dir, ToolVersion: "test", Sleep: sl.sleep, Transport: ct}
	_, err := Run(t.Context(), cfg)
	var ue *transport.UnreachableError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want an UnreachableError", err)
	}
	host := strings.TrimPrefix(root, "http://")
	for _, want := range []string{"cannot reach Microsoft Graph at " + host, "connection was refused"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if n := ct.n.Load(); n != 1+transport.UnreachableRetries {
		t.Errorf("%d requests sent, want %d (one and two quick retries)", n, 1+transport.UnreachableRetries)
	}
	var waited time.Duration
	for _, d := range sl.all() {
		waited += d
	}
	if waited > 10*time.Second {
		t.Errorf("the run would have waited %s before giving up", waited)
	}
	if _, serr := os.Stat(dir); !os.IsNotExist(serr) {
		t.Errorf("a stopped run left %s behind", dir)
	}
}

// TestRun_UnreachableExchangeFailsOnlyItsDatasets: Graph answers, the
// Exchange endpoint does not; the Exchange datasets fail quickly with the
// reason, the Graph ones are collected.
func TestRun_UnreachableExchangeFailsOnlyItsDatasets(t *testing.T) {
	srv := startSim(t, fixture(3, true), tenantsim.Options{})
	dir := filepath.Join(t.TempDir(), "snap")
	sl := newSleeps()
	cfg := simConfig(t, srv, dir, sl)
	cfg.MaxRetries = 0 // the default (6), as a real run
	cfg.ExchangeRoot = closedLoopback(t)
	rep, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	exo := 0
	for _, s := range snapshot.Specs() {
		info := rep.Manifest.Datasets[s.ID]
		if s.Source != snapshot.SourceExchange || s.Incident {
			continue
		}
		exo++
		if info.Status != snapshot.StatusError || !strings.Contains(info.Reason, "cannot reach the Exchange admin API") {
			t.Errorf("%s: %s %q", s.ID, info.Status, info.Reason)
		}
		if info.Retries > transport.UnreachableRetries {
			t.Errorf("%s: %d retries against a closed port", s.ID, info.Retries)
		}
	}
	if exo == 0 {
		t.Fatal("no Exchange dataset in the registry")
	}
	if st := rep.Manifest.Datasets[snapshot.DSUsers].Status; st != snapshot.StatusOK {
		t.Errorf("users: %s", st)
	}
}
