package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

type recorder struct {
	mu sync.Mutex
	d  []time.Duration
}

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.d = append(r.d, d)
	r.mu.Unlock()
	return ctx.Err()
}

func newClient(t *testing.T, root string, sl SleepFunc) *Client {
	t.Helper()
	c, err := New(Options{Root: root, Token: func(context.Context) (string, error) { return "tok-123", nil }, Sleep: sl, MaxRetries: 3})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBearerTokenReachesLoopbackThroughSDK(t *testing.T) {
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"value":[{"id":"1"}]}`)
	}))
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server is not on 127.0.0.1: %s", srv.URL)
	}
	c := newClient(t, srv.URL, nil)
	spec, _ := snapshot.SpecByID(snapshot.DSDomains)
	ri, err := c.FirstRequest(t.Context(), spec, spec.Query)
	if err != nil {
		t.Fatal(err)
	}
	items, _, err := c.List(t.Context(), ri)
	if err != nil || len(items) != 1 {
		t.Fatalf("items %d err %v", len(items), err)
	}
	if got.Load() != "Bearer tok-123" {
		t.Fatalf("Authorization = %q, want the bearer token on plain-http loopback", got.Load())
	}
}

func TestTokenNeverSentToAnotherHost(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:1", nil)
	u, _ := url.Parse("https://graph.microsoft.com/v1.0/users")
	ri := abs.NewRequestInformation()
	ri.Method = abs.GET
	ri.SetUri(*u)
	_, err := c.send(t.Context(), ri)
	if err == nil || !strings.Contains(err.Error(), "refusing to send the token") {
		t.Fatalf("err = %v, want a refusal to send the token elsewhere", err)
	}
	if _, err := c.nextRequest(ri, "https://evil.example/v1.0/users?$skiptoken=x"); err == nil {
		t.Fatal("a nextLink to another host must not be followed")
	}
}

func TestGuardRefusesWritesWithoutSending(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, `{"responses":[]}`)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, nil)
	cases := []struct {
		name   string
		method abs.HttpMethod
		path   string
		body   string
	}{
		{"PATCH a policy", abs.PATCH, "/v1.0/policies/authorizationPolicy", `{"allowInvitesFrom":"none"}`},
		{"DELETE a user", abs.DELETE, "/v1.0/users/1", ""},
		{"POST an invitation", abs.POST, "/v1.0/invitations", `{}`},
		{"batch holding a PATCH", abs.POST, "/v1.0/$batch", `{"requests":[{"id":"1","method":"GET","url":"/users"},{"id":"2","method":"PATCH","url":"/users/1","body":{}}]}`},
		{"batch that is not JSON", abs.POST, "/v1.0/$batch", `not json`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, _ := url.Parse(srv.URL + tc.path)
			ri := abs.NewRequestInformation()
			ri.Method = tc.method
			ri.SetUri(*u)
			if tc.body != "" {
				ri.SetStreamContentAndContentType([]byte(tc.body), "application/json")
			}
			_, err := c.send(t.Context(), ri)
			if !errors.Is(err, ErrWriteRefused) {
				t.Fatalf("err = %v, want ErrWriteRefused", err)
			}
		})
	}
	if hits.Load() != 0 {
		t.Fatalf("server saw %d requests; refused writes must not be sent", hits.Load())
	}
	if n := len(c.RefusedWrites()); n != len(cases) {
		t.Fatalf("RefusedWrites = %d, want %d", n, len(cases))
	}
	// A batch of GETs passes.
	res, err := c.BatchGet(t.Context(), "v1.0", map[string]string{"k": "/users/1/authentication/methods"})
	if err != nil || hits.Load() != 1 {
		t.Fatalf("batch of GETs: err %v hits %d", err, hits.Load())
	}
	if res["k"].Err == nil {
		t.Fatal("a batch answer without the item must be a per-key error")
	}
}

func TestRetryAfterHonouredThenSuccess(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
			io.WriteString(w, `{"error":{"code":"TooManyRequests","message":"slow down"}}`)
		case 2:
			w.WriteHeader(503) // no Retry-After: exponential backoff
		default:
			io.WriteString(w, `{"id":"authorizationPolicy"}`)
		}
	}))
	defer srv.Close()
	rec := &recorder{}
	c := newClient(t, srv.URL, rec.sleep)
	spec, _ := snapshot.SpecByID(snapshot.DSAuthorizationPolicy)
	ri, _ := c.FirstRequest(t.Context(), spec, "")
	st := &Stats{}
	obj, err := c.Object(WithStats(t.Context(), st), ri)
	if err != nil || !strings.Contains(string(obj), "authorizationPolicy") {
		t.Fatalf("obj %s err %v", obj, err)
	}
	if len(rec.d) != 2 || rec.d[0] != 7*time.Second || rec.d[1] < time.Second || rec.d[1] >= 3*time.Second {
		t.Fatalf("waits = %v, want [7s, 1s..2s backoff]", rec.d)
	}
	if st.Requests.Load() != 3 || st.Retries.Load() != 2 {
		t.Fatalf("stats requests %d retries %d", st.Requests.Load(), st.Retries.Load())
	}
}

// TestThrottledAfterRetriesIsError also proves retries are not stacked:
// with MaxRetries 3 the server sees exactly 4 requests (kiota's own
// RetryHandler is not in the pipeline).
func TestThrottledAfterRetriesIsError(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(429)
		io.WriteString(w, `{"error":{"code":"TooManyRequests","message":"x"}}`)
	}))
	defer srv.Close()
	rec := &recorder{}
	c := newClient(t, srv.URL, rec.sleep)
	spec, _ := snapshot.SpecByID(snapshot.DSAuthorizationPolicy)
	ri, _ := c.FirstRequest(t.Context(), spec, "")
	_, err := c.Object(t.Context(), ri)
	if !errors.Is(err, ErrThrottled) || len(rec.d) != 3 || hits.Load() != 4 {
		t.Fatalf("err %v waits %v hits %d", err, rec.d, hits.Load())
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
	}{
		{"", -1}, {"0", 0}, {"1", time.Second}, {"1.5", 1500 * time.Millisecond}, {"-3", -1}, {"soon", -1},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"86400", maxRetryAfter},
	}
	for _, tc := range cases {
		if got := RetryAfter(tc.in, now); got != tc.want {
			t.Errorf("RetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestSleepHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestPagingKeepsHeadersAndFollowsNextLinkUnchanged(t *testing.T) {
	var mu sync.Mutex
	var seen []*http.Request
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Clone(context.Background()))
		mu.Unlock()
		tok := r.URL.Query().Get("$skiptoken")
		switch tok {
		case "":
			fmt.Fprintf(w, `{"value":[{"id":"1"},{"id":"2"}],"@odata.nextLink":"%s/v1.0/users?$select=id&$skiptoken=p%%2B2"}`, srvURL)
		case "p+2":
			fmt.Fprintf(w, `{"value":[{"id":"3"}],"@odata.nextLink":"%s/v1.0/users?$select=id&$skiptoken=p3"}`, srvURL)
		default:
			io.WriteString(w, `{"value":[{"id":"4", "x" : [1, 2]}]}`)
		}
	}))
	defer srv.Close()
	srvURL = srv.URL
	c := newClient(t, srv.URL, nil)
	ri, err := c.RawRequest("/v1.0/users", "$select=id&$count=true")
	if err != nil {
		t.Fatal(err)
	}
	ri.Headers.Add("ConsistencyLevel", "eventual")
	items, pages, err := c.List(t.Context(), ri)
	if err != nil || pages != 3 || len(items) != 4 {
		t.Fatalf("items %d pages %d err %v", len(items), pages, err)
	}
	if string(items[3]) != `{"id":"4", "x" : [1, 2]}` {
		t.Errorf("raw bytes not kept: %s", items[3])
	}
	for i, r := range seen {
		if r.Header.Get("ConsistencyLevel") != "eventual" {
			t.Errorf("page %d lost ConsistencyLevel", i+1)
		}
		if r.Header.Get("Authorization") != "Bearer tok-123" {
			t.Errorf("page %d Authorization %q", i+1, r.Header.Get("Authorization"))
		}
	}
	if seen[1].URL.RawQuery != "$select=id&$skiptoken=p%2B2" {
		t.Errorf("nextLink query changed: %s", seen[1].URL.RawQuery)
	}
}

func TestPartialPageFailureKeepsItems(t *testing.T) {
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("$skiptoken") == "" {
			fmt.Fprintf(w, `{"value":[{"id":"1"}],"@odata.nextLink":"%s/v1.0/users?$skiptoken=2"}`, srvURL)
			return
		}
		w.WriteHeader(500)
		io.WriteString(w, `{"error":{"code":"InternalServerError","message":"boom"}}`)
	}))
	defer srv.Close()
	srvURL = srv.URL
	c := newClient(t, srv.URL, nil)
	ri, _ := c.RawRequest("/v1.0/users", "")
	items, pages, err := c.List(t.Context(), ri)
	var ge *Error
	if !errors.As(err, &ge) || ge.Status != 500 || ge.Code != "InternalServerError" || pages != 1 || len(items) != 1 {
		t.Fatalf("items %d pages %d err %v", len(items), pages, err)
	}
}

func TestErrorClassification(t *testing.T) {
	cases := []struct {
		status int
		code   string
		want   error
	}{
		{401, "InvalidAuthenticationToken", ErrUnauthorized},
		{403, "Authorization_RequestDenied", ErrForbidden},
		{403, CodeNonPremium, ErrUnlicensed},
		{404, "Request_ResourceNotFound", ErrNotFound},
		{429, "TooManyRequests", ErrThrottled},
	}
	for _, tc := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(tc.status)
			fmt.Fprintf(w, `{"error":{"code":%q,"message":"msg %d"}}`, tc.code, tc.status)
		}))
		c := newClient(t, srv.URL, (&recorder{}).sleep)
		ri, _ := c.RawRequest("/v1.0/users", "")
		_, _, err := c.List(t.Context(), ri)
		srv.Close()
		var ge *Error
		if !errors.Is(err, tc.want) || !errors.As(err, &ge) || ge.Code != tc.code || ge.Message != fmt.Sprintf("msg %d", tc.status) {
			t.Errorf("%d %s: err %v", tc.status, tc.code, err)
		}
	}
}

// TestTypedBuildersComposeSpecQueries proves every v1.0 dataset with a
// typed builder gets the spec's exact path and query from the SDK.
func TestTypedBuildersComposeSpecQueries(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:9", nil)
	b := builders()
	used := 0
	for _, s := range snapshot.Specs() {
		if s.Source != snapshot.SourceGraph || s.Shape == snapshot.ShapePerKey || strings.Contains(s.Query, "{") || s.Path == snapshot.AuditLogQueriesPath {
			continue
		}
		if _, ok := b[s.Path]; !ok {
			t.Errorf("%s (%s): no typed builder", s.ID, s.Path)
			continue
		}
		used++
		ri, err := c.FirstRequest(t.Context(), s, s.Query)
		if err != nil {
			t.Errorf("%s: %v", s.ID, err)
			continue
		}
		u, err := ri.GetUri()
		if err != nil {
			t.Fatal(err)
		}
		if u.Path != s.Path {
			t.Errorf("%s: path %s, want %s", s.ID, u.Path, s.Path)
		}
		got, _ := url.ParseQuery(u.RawQuery)
		want, _ := url.ParseQuery(strings.ReplaceAll(s.Query, "+", "%2B"))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: query %v, want %v", s.ID, got, want)
		}
	}
	if used < 15 {
		t.Fatalf("only %d datasets used typed builders", used)
	}
}

func TestEncodeQuery(t *testing.T) {
	got := EncodeQuery("$filter=activityDateTime ge 2026-11-10T00:00:00Z&$top=999")
	want := "$filter=activityDateTime%20ge%202026-11-10T00%3A00%3A00Z&$top=999"
	if got != want {
		t.Fatalf("got %s", got)
	}
	q, _ := url.ParseQuery(got)
	if q.Get("$filter") != "activityDateTime ge 2026-11-10T00:00:00Z" {
		t.Fatalf("round trip %v", q)
	}
}

func TestStripCredentialSecrets(t *testing.T) {
	in := `{"id":"sp1","displayName":"=HYPERLINK(\"x\")","passwordCredentials":[{"keyId":"k","hint":"abc","secretText":"S3CRET","endDateTime":"2027-01-01T00:00:00Z"}],"keyCredentials":[{"keyId":"c","key":"MIIB","type":"AsymmetricX509Cert","usage":"Verify","customKeyIdentifier":"AA"}],"tags":[]}`
	out, err := StripCredentialSecrets(json.RawMessage(in))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"S3CRET", "abc", "MIIB", `"hint"`, `"key"`, `"secretText"`} {
		if bytes.Contains(out, []byte(bad)) {
			t.Errorf("%s kept: %s", bad, out)
		}
	}
	for _, keep := range []string{`"keyId":"k"`, `"endDateTime":"2027-01-01T00:00:00Z"`, `"customKeyIdentifier":"AA"`, `"usage":"Verify"`} {
		if !bytes.Contains(out, []byte(keep)) {
			t.Errorf("%s lost: %s", keep, out)
		}
	}
	if !bytes.HasPrefix(out, []byte(`{"id":"sp1","displayName":"=HYPERLINK(\"x\")","passwordCredentials":`)) {
		t.Errorf("property order or raw bytes changed: %s", out)
	}
	clean := json.RawMessage(`{"id":"x", "keyCredentials":[{"keyId":"k"}]}`)
	if got, _ := StripCredentialSecrets(clean); string(got) != string(clean) {
		t.Errorf("clean object rewritten: %s", got)
	}
}
