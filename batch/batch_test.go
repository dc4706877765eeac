package batch

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	good := "defaults:\n  auth: certificate\n  clientId: app\n  certificate: app.pem\n  config: audit.yaml\n" +
		"tenants:\n  - {name: contoso, tenant: contoso.onmicrosoft.com}\n" +
		"  - {name: fabrikam, tenant: 6f1c2a9e-0b7d-4c3e-9a51-2d8e4f6b7c10, config: fabrikam.yaml, incidentUser: a@b.c}\n" +
		"  - {name: agency, tenant: agency.example.com, cloud: usgov, auth: token}\n"
	f, err := Parse("t.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tenants) != 3 || f.Tenants[0].ClientID != "app" || f.Tenants[1].Config != "fabrikam.yaml" ||
		f.Tenants[0].Config != "audit.yaml" || f.Tenants[2].Auth != "token" || f.Tenants[2].Cloud != "usgov" ||
		len(f.Tenants[1].IncidentUser) != 1 {
		t.Errorf("%+v", f.Tenants)
	}
	bad := []struct{ src, want string }{
		{"tenants:\n  - {name: a, tenant: a.com}\n  - name: b\n    tenant: b.com\n    clientSecrt: x\n", `t.yaml:5: unknown key "clientSecrt"`},
		{"defaults:\n  colud: usgov\ntenants:\n  - {name: a, tenant: a.com}\n", `t.yaml:2: unknown key "colud"`},
		{"tenant:\n  - {name: a}\n", `t.yaml:1: unknown key "tenant"`},
		{"tenants:\n  - {name: a, tenant: a.com}\n  - {name: a, tenant: b.com}\n", `t.yaml:3: name "a" already used on line 2`},
		{"tenants:\n  - {name: A B, tenant: a.com}\n", `t.yaml:2: name "A B"`},
		{"tenants:\n  - {name: a}\n", `t.yaml:2: tenant "a" has no tenant`},
		{"tenants:\n  - {name: a, tenant: a.com, concurrency: many}\n", "t.yaml: line 2"},
		{"tenants: []\n", "no tenants"},
		{"defaults: {tenant: x}\ntenants:\n  - {name: a, tenant: a.com}\n", "t.yaml:1: name and tenant belong"},
	}
	for _, b := range bad {
		_, err := Parse("t.yaml", []byte(b.src))
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%q: err = %v, want %q", b.src, err, b.want)
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, s := range []string{"2/2", "-1/2", "0/0", "x", "1/x"} {
		if _, err := ParseShard(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	if sh, err := ParseShard("1/3"); err != nil || sh != (Shard{1, 3}) {
		t.Errorf("1/3: %v %v", sh, err)
	}
}

// TestLimiterSharedAcrossTenants: two tenants' transports share one
// bucket; requests beyond it wait, requests to other hosts do not count.
func TestLimiterSharedAcrossTenants(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	lim := NewLimiter(4, 200*time.Millisecond)
	host := strings.TrimPrefix(srv.URL, "http://")
	a := &http.Client{Transport: &Transport{Next: http.DefaultTransport, Limiter: lim, Host: host}}
	b := &http.Client{Transport: &Transport{Next: http.DefaultTransport, Limiter: lim, Host: host}}
	other := &http.Client{Transport: &Transport{Next: http.DefaultTransport, Limiter: lim, Host: "graph.example"}}
	for i := 0; i < 3; i++ {
		for _, c := range []*http.Client{a, b, other} {
			resp, err := c.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
	}
	// 6 counted requests against a bucket of 4: at least 2 waited.
	if lim.Waited < 2 {
		t.Errorf("%d requests waited, want at least 2", lim.Waited)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	drained := NewLimiter(1, time.Hour)
	_ = drained.Wait(context.Background())
	if err := drained.Wait(ctx); err == nil {
		t.Error("a cancelled wait returned nil")
	}
}
