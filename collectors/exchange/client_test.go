package exchange

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const testTenant = "11111111-2222-3333-4444-555555555555"

// recorded is one request as the fake server saw it.
type recorded struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   string
}

// fakeEXO is an httptest server whose handler answers from a script of
// responses; every request is recorded.
type fakeEXO struct {
	t    *testing.T
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []recorded
	// respond answers request n (0-based).
	respond func(n int, w http.ResponseWriter, r *http.Request)
}

func newFake(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request)) *fakeEXO {
	t.Helper()
	f := &fakeEXO{t: t, respond: respond}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		n := len(f.reqs)
		f.reqs = append(f.reqs, recorded{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
			Header: r.Header.Clone(), Body: string(b)})
		f.mu.Unlock()
		f.respond(n, w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeEXO) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// sleepRecorder is an injected Sleep that records the waits requested.
type sleepRecorder struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func newClient(t *testing.T, root string, sl *sleepRecorder, maxRetries int) *Client {
	t.Helper()
	opt := Options{
		Root:       root,
		TenantID:   testTenant,
		Token:      func(context.Context) (string, error) { return "tok-123", nil },
		MaxRetries: maxRetries,
	}
	if sl != nil {
		opt.Sleep = sl.sleep
	}
	c, err := New(opt)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

const okOneRow = `{"@odata.context":"x","adminapi.warnings@odata.type":"#Collection(String)","@adminapi.warnings":[],` +
	`"value":[{"Identity":"Transport","SmtpClientAuthenticationDisabled":true}]}`

func TestInvokeRequestShape(t *testing.T) {
	f := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, okOneRow) })
	c := newClient(t, f.srv.URL+"/", nil, 0)

	tests := []struct {
		name       string
		cmdlet     string
		params     map[string]any
		sel        []string
		wantBody   string
		wantQuery  string
		wantAnchor string
	}{
		{name: "nil params become {}", cmdlet: "Get-TransportConfig",
			wantBody:   `{"CmdletInput":{"CmdletName":"Get-TransportConfig","Parameters":{}}}`,
			wantAnchor: "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@" + testTenant},
		{name: "select and params", cmdlet: "Get-CASMailbox", params: map[string]any{"ResultSize": "Unlimited"},
			sel:        []string{"Identity", "PopEnabled", "ImapEnabled"},
			wantBody:   `{"CmdletInput":{"CmdletName":"Get-CASMailbox","Parameters":{"ResultSize":"Unlimited"}}}`,
			wantQuery:  "$select=Identity,PopEnabled,ImapEnabled",
			wantAnchor: "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@" + testTenant},
		{name: "per-mailbox anchor", cmdlet: "Get-InboxRule",
			params:     map[string]any{"Mailbox": "adele@contoso.com", "IncludeHidden": true},
			wantBody:   `{"CmdletInput":{"CmdletName":"Get-InboxRule","Parameters":{"IncludeHidden":true,"Mailbox":"adele@contoso.com"}}}`,
			wantAnchor: "UPN:adele@contoso.com"},
		{name: "identity that is not a mailbox", cmdlet: "Get-RemoteDomain", params: map[string]any{"Identity": "Default"},
			wantBody:   `{"CmdletInput":{"CmdletName":"Get-RemoteDomain","Parameters":{"Identity":"Default"}}}`,
			wantAnchor: "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@" + testTenant},
		{name: "folder identity anchors on the mailbox", cmdlet: "Get-MailboxFolderPermission",
			params:     map[string]any{"Identity": `adele@contoso.com:\Calendar`},
			wantBody:   `{"CmdletInput":{"CmdletName":"Get-MailboxFolderPermission","Parameters":{"Identity":"adele@contoso.com:\\Calendar"}}}`,
			wantAnchor: "UPN:adele@contoso.com"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := c.Invoke(context.Background(), tt.cmdlet, tt.params, tt.sel)
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			if len(res.Rows) != 1 || res.Requests != 1 || res.Retries != 0 || res.Truncated {
				t.Fatalf("result = %+v", res)
			}
			r := f.requests()[i]
			if r.Method != http.MethodPost || r.Path != "/adminapi/beta/"+testTenant+"/InvokeCommand" {
				t.Errorf("request line = %s %s", r.Method, r.Path)
			}
			if r.RawQuery != tt.wantQuery {
				t.Errorf("query = %q, want %q", r.RawQuery, tt.wantQuery)
			}
			if r.Body != tt.wantBody {
				t.Errorf("body = %s\nwant   %s", r.Body, tt.wantBody)
			}
			want := map[string]string{
				"Authorization":    "Bearer tok-123",
				"Content-Type":     "application/json",
				"Accept":           "application/json",
				"X-Cmdletname":     tt.cmdlet,
				"X-Responseformat": "json",
				"Prefer":           "odata.maxpagesize=1000",
				"X-Anchormailbox":  tt.wantAnchor,
			}
			for k, v := range want {
				if got := r.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			id := r.Header.Get("client-request-id")
			if len(id) != 36 || strings.Count(id, "-") != 4 || id[14] != '4' {
				t.Errorf("client-request-id = %q, want a v4 GUID", id)
			}
		})
	}
}

func TestInvokeKeepsRawRowsAndWarnings(t *testing.T) {
	row1 := `{"Identity" : "a@contoso.com",  "ExchangeGuid@odata.type":"#Guid","ExchangeGuid":"2be92a50-0000-0000-0000-000000000000","PopEnabled":"True"}`
	row2 := `{"Identity":"عربي‏ 名前","Note":"=HYPERLINK(\"x\")"}`
	body := `{"@adminapi.warnings":["WARNING: The object has been corrupted"],"value":[` + row1 + `, ` + row2 + `]}`
	f := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, body) })
	res, err := newClient(t, f.srv.URL, nil, 0).Invoke(context.Background(), "Get-CASMailbox", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 2 || string(res.Rows[0]) != row1 || string(res.Rows[1]) != row2 {
		t.Fatalf("rows not kept verbatim: %q", res.Rows)
	}
	if len(res.Warnings) != 1 || res.Warnings[0] != "WARNING: The object has been corrupted" {
		t.Errorf("warnings = %q", res.Warnings)
	}
}

func TestInvokeRefusesNonGetCmdlets(t *testing.T) {
	f := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, okOneRow) })
	c := newClient(t, f.srv.URL, nil, 0)
	for _, cmd := range []string{"Set-Mailbox", "New-InboxRule", "Remove-MailboxPermission", "Get", "Get-",
		"Getaway-Mailbox", "Get-Mailbox;Set-Mailbox", "Get-Mailbox | Set-Mailbox", " Get-Mailbox", "", "Invoke-Command"} {
		res, err := c.Invoke(context.Background(), cmd, map[string]any{"Identity": "x@contoso.com"}, nil)
		if !errors.Is(err, ErrNotReadOnly) || res != nil {
			t.Errorf("Invoke(%q) = %v, %v; want ErrNotReadOnly", cmd, res, err)
		}
		if err != nil && !strings.Contains(err.Error(), cmd) {
			t.Errorf("error %q does not name the cmdlet %q", err, cmd)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Fatalf("%d requests sent for refused cmdlets", n)
	}
	if _, err := c.Invoke(context.Background(), "get-mailbox", nil, nil); err != nil {
		t.Errorf("lower-case get- refused: %v", err)
	}
}

func TestInvokeRetryAfterHonoured(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			w.Header().Set("Retry-After", "7")
			writeJSON(w, 429, `{"error":{"code":"TooManyRequests","message":"throttled"}}`)
			return
		}
		writeJSON(w, 200, okOneRow)
	})
	sl := &sleepRecorder{}
	res, err := newClient(t, f.srv.URL, sl, 0).Invoke(context.Background(), "Get-TransportConfig", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sl.d) != 1 || sl.d[0] != 7*time.Second {
		t.Errorf("sleeps = %v, want [7s]", sl.d)
	}
	if res.Requests != 2 || res.Retries != 1 || len(res.Rows) != 1 {
		t.Errorf("result = %+v", res)
	}
	r := f.requests()
	if r[0].Body != r[1].Body || r[1].Header.Get("Authorization") != "Bearer tok-123" {
		t.Errorf("retry changed the request: %q vs %q", r[0].Body, r[1].Body)
	}
}

func TestInvokeBackoffWithoutRetryAfter(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		switch n {
		case 0:
			writeJSON(w, 503, `{}`)
		case 1:
			w.WriteHeader(504)
		case 2:
			w.Header().Set("Retry-After", "garbage")
			writeJSON(w, 429, `{}`)
		default:
			writeJSON(w, 200, okOneRow)
		}
	})
	sl := &sleepRecorder{}
	res, err := newClient(t, f.srv.URL, sl, 0).Invoke(context.Background(), "Get-TransportConfig", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Retries != 3 || res.Requests != 4 {
		t.Errorf("retries/requests = %d/%d, want 3/4", res.Retries, res.Requests)
	}
	if len(sl.d) != 3 {
		t.Fatalf("sleeps = %v", sl.d)
	}
	for i, lo := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second} {
		if sl.d[i] < lo || sl.d[i] >= lo+time.Second {
			t.Errorf("sleep %d = %v, want in [%v, %v)", i, sl.d[i], lo, lo+time.Second)
		}
	}
}

func TestInvokeThrottledExhausted(t *testing.T) {
	f := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "1")
		writeJSON(w, 429, `{"error":{"code":"TooManyRequests","message":"Too many requests"}}`)
	})
	sl := &sleepRecorder{}
	res, err := newClient(t, f.srv.URL, sl, 2).Invoke(context.Background(), "Get-Mailbox", nil, nil)
	if !errors.Is(err, ErrThrottled) || res != nil {
		t.Fatalf("err = %v, res = %v; want ErrThrottled", err, res)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("requests = %d, want 1 + 2 retries", n)
	}
	var ee *Error
	if !errors.As(err, &ee) || ee.Status != 429 || ee.Cmdlet != "Get-Mailbox" || ee.Message != "Too many requests" {
		t.Errorf("error = %#v", ee)
	}
}

func TestInvokeFollowsNextLink(t *testing.T) {
	var srvURL string
	f := newFake(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		switch n {
		case 0:
			writeJSON(w, 200, `{"@adminapi.warnings":["page one"],"value":[{"N":1},{"N":2}],`+
				`"@odata.nextLink":"`+srvURL+`/adminapi/beta/`+testTenant+`/InvokeCommand?$skiptoken=abc%3D&$select=N"}`)
		case 1:
			writeJSON(w, 200, `{"@adminapi.warnings":[],"value":[{"N":3}],"@odata.nextLink":"/adminapi/beta/`+testTenant+`/InvokeCommand?$skiptoken=def"}`)
		default:
			writeJSON(w, 200, `{"value":[{"N":4}]}`)
		}
	})
	srvURL = f.srv.URL
	res, err := newClient(t, f.srv.URL, nil, 0).Invoke(context.Background(), "Get-CASMailbox",
		map[string]any{"ResultSize": "Unlimited"}, []string{"N"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Rows {
		got = append(got, string(r))
	}
	if strings.Join(got, "") != `{"N":1}{"N":2}{"N":3}{"N":4}` || res.Truncated || res.Requests != 3 {
		t.Fatalf("rows = %v, result = %+v", got, res)
	}
	if len(res.Warnings) != 1 || res.Warnings[0] != "page one" {
		t.Errorf("warnings = %q", res.Warnings)
	}
	reqs := f.requests()
	if reqs[1].RawQuery != "$skiptoken=abc%3D&$select=N" || reqs[2].RawQuery != "$skiptoken=def" {
		t.Errorf("nextLink queries = %q, %q", reqs[1].RawQuery, reqs[2].RawQuery)
	}
	for i, r := range reqs[1:] {
		if r.Method != http.MethodPost || r.Body != reqs[0].Body {
			t.Errorf("page %d: %s body %s; want the same POST body", i+2, r.Method, r.Body)
		}
		for _, h := range []string{"Authorization", "X-CmdletName", "X-AnchorMailbox", "Prefer", "X-ResponseFormat"} {
			if r.Header.Get(h) != reqs[0].Header.Get(h) {
				t.Errorf("page %d header %s = %q, want %q", i+2, h, r.Header.Get(h), reqs[0].Header.Get(h))
			}
		}
	}
}

func TestInvokePaginationErrorTruncates(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			writeJSON(w, 200, `{"@adminapi.warnings":[],"value":[{"N":1}],"@odata.nextLink":"/next?$skiptoken=x"}`)
			return
		}
		writeJSON(w, 400, `{"error":{"code":"BadRequest","message":"Expired or Invalid pagination request. Default Expiry time is 00:30:00"}}`)
	})
	res, err := newClient(t, f.srv.URL, nil, 0).Invoke(context.Background(), "Get-Mailbox", nil, nil)
	if err != nil {
		t.Fatalf("pagination error should not fail the call: %v", err)
	}
	if !res.Truncated || len(res.Rows) != 1 {
		t.Fatalf("result = %+v, want truncated with 1 row", res)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "Expired or Invalid pagination request") {
		t.Errorf("warnings = %q", res.Warnings)
	}
}

func TestInvokeLaterPageErrorKeepsRows(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			writeJSON(w, 200, `{"value":[{"N":1}],"@odata.nextLink":"/next?$skiptoken=x"}`)
			return
		}
		writeJSON(w, 500, `{"error":{"code":"InternalServerError","message":"boom"}}`)
	})
	res, err := newClient(t, f.srv.URL, nil, 0).Invoke(context.Background(), "Get-Mailbox", nil, nil)
	if err == nil || res == nil || !res.Truncated || len(res.Rows) != 1 {
		t.Fatalf("res = %+v, err = %v; want rows so far, Truncated and the error", res, err)
	}
}

func TestInvokeRejectsNextLinkToPlainHTTPHost(t *testing.T) {
	f := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, `{"value":[{"N":1}],"@odata.nextLink":"http://attacker.example/x"}`)
	})
	res, err := newClient(t, f.srv.URL, nil, 0).Invoke(context.Background(), "Get-Mailbox", nil, nil)
	if err == nil || res == nil || !res.Truncated {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("requests = %d", n)
	}
}

func TestInvokeRepeatedNextLinkStops(t *testing.T) {
	f := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, `{"value":[{"N":1}],"@odata.nextLink":"/same"}`)
	})
	res, err := newClient(t, f.srv.URL, nil, 0).Invoke(context.Background(), "Get-Mailbox", nil, nil)
	if err == nil || !res.Truncated || len(res.Rows) != 2 {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
}

// realEnvelope is a live-captured error (graph2otel fixture shape).
const realEnvelope = `{"error":{"code":"BadRequest","message":"Invalid Operation",
 "details":[{"code":"Client","target":"","message":"|Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException|Parameter set cannot be resolved using the specified named parameters."}],
 "innererror":{"message":"Invalid Operation","type":"Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
  "internalexception":{"message":"Cannot bind parameter 'ResultSize'. Cannot convert value \"x\".","type":"Microsoft.Exchange.AdminApi.CommandInvocation.ParameterTransformationException"}}}}`

func TestErrorTextPrecedence(t *testing.T) {
	tests := []struct {
		name, body, code, msg string
	}{
		{"internal exception first", realEnvelope, "BadRequest", `Cannot bind parameter 'ResultSize'. Cannot convert value "x".`},
		{"details without type prefix", `{"error":{"code":"BadRequest","message":"Invalid Operation",
			"details":[{"message":"|Microsoft.Exchange.Some.Exception|The operation couldn't be performed."}],
			"innererror":{"message":"Invalid Operation"}}}`, "BadRequest", "The operation couldn't be performed."},
		{"details without prefix kept", `{"error":{"code":"X","message":"Invalid Operation","details":[{"message":"plain text"}]}}`, "X", "plain text"},
		{"error.message last", `{"error":{"code":"BadRequest","message":"Invalid Operation"}}`, "BadRequest", "Invalid Operation"},
		{"empty body", ``, "", "Bad Request"},
		{"not JSON", "\x00\x00\x00", "", "Bad Request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 400, tt.body) })
			_, err := newClient(t, f.srv.URL, nil, 0).Invoke(context.Background(), "Get-Mailbox", nil, nil)
			var ee *Error
			if !errors.As(err, &ee) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if ee.Status != 400 || ee.Code != tt.code || ee.Message != tt.msg || ee.Cmdlet != "Get-Mailbox" {
				t.Errorf("error = %+v, want code %q message %q", ee, tt.code, tt.msg)
			}
			if !strings.Contains(err.Error(), "Get-Mailbox") {
				t.Errorf("Error() = %q does not name the cmdlet", err)
			}
		})
	}
}

func TestStatusErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		sentinel error
		contains []string
	}{
		{"403 non-JSON body", 403, "\x00\x00\x00\x00", ErrForbidden, []string{"Exchange.ManageAsApp", "Global Reader"}},
		{"403 JSON body", 403, `{"error":{"code":"Forbidden","message":"Access denied"}}`, ErrForbidden, []string{"Access denied", "Exchange.ManageAsApp"}},
		{"401", 401, ``, ErrUnauthorized, []string{"audience"}},
		{"404", 404, `<html>not found</html>`, ErrNotFound, []string{"Not Found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			res, err := newClient(t, f.srv.URL, nil, 0).Invoke(context.Background(), "Get-OrganizationConfig", nil, nil)
			if !errors.Is(err, tt.sentinel) || res != nil {
				t.Fatalf("err = %v, want %v", err, tt.sentinel)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			for _, other := range []error{ErrForbidden, ErrUnauthorized, ErrNotFound, ErrThrottled, ErrNotReadOnly} {
				if other != tt.sentinel && errors.Is(err, other) {
					t.Errorf("error also matches %v", other)
				}
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests: non-retryable status was retried", n)
			}
		})
	}
}

func TestInvokeMissingValueIsAnError(t *testing.T) {
	f := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, `{"@adminapi.warnings":[]}`) })
	if _, err := newClient(t, f.srv.URL, nil, 0).Invoke(context.Background(), "Get-CASMailbox", nil, nil); err == nil {
		t.Fatal("a response without value must not read as zero rows")
	}
	g := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, `{"value":[{"a":1}`) })
	if _, err := newClient(t, g.srv.URL, nil, 0).Invoke(context.Background(), "Get-CASMailbox", nil, nil); err == nil {
		t.Fatal("truncated JSON accepted")
	}
}

func TestInvokeCancelDuringWait(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "600")
		writeJSON(w, 429, `{}`)
		cancel() // the client is about to wait 600 s; cancel must end the wait
	})
	// Real (nil) Sleep: this exercises the ctx-aware timer.
	c, err := New(Options{Root: f.srv.URL, TenantID: testTenant,
		Token: func(context.Context) (string, error) { return "t", nil }})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Invoke(ctx, "Get-Mailbox", nil, nil)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("Invoke did not return after cancellation")
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

// Sleep, Retry-After parsing and back-off are tested in collectors/transport.

func TestRedirectToRegionalHostKeepsToken(t *testing.T) {
	regional := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, okOneRow) })
	front := newFake(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, regional.srv.URL+r.URL.RequestURI(), http.StatusFound)
	})
	// "localhost" vs 127.0.0.1 makes the hosts differ even by name, so Go's
	// own redirect logic would have dropped Authorization.
	root := strings.Replace(front.srv.URL, "127.0.0.1", "localhost", 1)
	c := newClient(t, root, nil, 0)
	for i := range 2 {
		res, err := c.Invoke(context.Background(), "Get-OrganizationConfig", nil, []string{"Identity"})
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if len(res.Rows) != 1 {
			t.Fatalf("call %d rows = %d", i, len(res.Rows))
		}
	}
	if n := len(front.requests()); n != 1 {
		t.Errorf("front door saw %d requests; the regional host should be pinned after the first redirect", n)
	}
	for i, r := range regional.requests() {
		if r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer tok-123" ||
			r.RawQuery != "$select=Identity" || !strings.Contains(r.Body, "Get-OrganizationConfig") {
			t.Errorf("regional request %d = %s %q auth %q body %s", i, r.Method, r.RawQuery, r.Header.Get("Authorization"), r.Body)
		}
	}
}

func TestRedirectToUnsafeHostRefused(t *testing.T) {
	front := newFake(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://evil.example.com/adminapi", http.StatusFound)
	})
	_, err := newClient(t, front.srv.URL, nil, 0).Invoke(context.Background(), "Get-OrganizationConfig", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "refusing redirect") {
		t.Fatalf("err = %v", err)
	}
}

func TestTokenErrorsAndOptions(t *testing.T) {
	f := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, okOneRow) })
	boom := errors.New("no credential")
	sl := &sleepRecorder{}
	calls := 0
	c, err := New(Options{Root: f.srv.URL, TenantID: testTenant,
		Token: func(context.Context) (string, error) { calls++; return "", boom }, Sleep: sl.sleep})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Invoke(context.Background(), "Get-Mailbox", nil, nil); !errors.Is(err, boom) {
		t.Errorf("token error not wrapped: %v", err)
	}
	if calls != 1 || len(sl.d) != 0 {
		t.Errorf("token failure retried: %d calls, sleeps %v", calls, sl.d)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("request sent without a token")
	}
	tok := func(context.Context) (string, error) { return "t", nil }
	bad := []Options{
		{TenantID: testTenant, Token: tok},
		{Root: "http://outlook.example.com", TenantID: testTenant, Token: tok},
		{Root: "ftp://127.0.0.1", TenantID: testTenant, Token: tok},
		{Root: "https://outlook.office365.com", Token: tok},
		{Root: "https://outlook.office365.com", TenantID: testTenant},
	}
	for i, o := range bad {
		if _, err := New(o); err == nil {
			t.Errorf("bad options %d accepted", i)
		}
	}
}

func TestParamsEncodeVerbatim(t *testing.T) {
	// Hostile values travel as JSON strings, never as script text.
	f := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, `{"value":[]}`) })
	evil := `x'; Remove-MgUser -UserId *; '`
	if _, err := newClient(t, f.srv.URL, nil, 0).Invoke(context.Background(), "Get-Mailbox",
		map[string]any{"Filter": evil}, nil); err != nil {
		t.Fatal(err)
	}
	var got struct {
		CmdletInput struct {
			Parameters map[string]string
		}
	}
	if err := json.Unmarshal([]byte(f.requests()[0].Body), &got); err != nil || got.CmdletInput.Parameters["Filter"] != evil {
		t.Fatalf("body = %s (%v)", f.requests()[0].Body, err)
	}
}

func ExampleClient_Invoke() {
	c, err := New(Options{
		Root:     "https://outlook.office365.com",
		TenantID: "contoso.onmicrosoft.com",
		Token:    func(context.Context) (string, error) { return "…", nil },
	})
	if err != nil {
		return
	}
	_, err = c.Invoke(context.Background(), "Set-Mailbox", nil, nil)
	fmt.Println(errors.Is(err, ErrNotReadOnly))
	// Output: true
}

func TestTransportErrorIsRetried(t *testing.T) {
	f := newFake(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			// Drop the connection without an answer (a reset mid-request).
			hj, ok := w.(http.Hijacker)
			if !ok {
				t.Error("no hijacker")
				return
			}
			conn, _, err := hj.Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		writeJSON(w, 200, okOneRow)
	})
	sl := &sleepRecorder{}
	res, err := newClient(t, f.srv.URL, sl, 0).Invoke(context.Background(), "Get-TransportConfig", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Retries != 1 || res.Requests != 2 || len(sl.d) != 1 {
		t.Errorf("result = %+v, sleeps %v", res, sl.d)
	}
}

func TestConcurrentInvokesWithRedirect(t *testing.T) {
	regional := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, okOneRow) })
	front := newFake(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, regional.srv.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	})
	c := newClient(t, front.srv.URL, nil, 0)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			res, err := c.Invoke(context.Background(), "Get-RemoteDomain", nil, nil)
			if err == nil && len(res.Rows) != 1 {
				err = fmt.Errorf("rows = %d", len(res.Rows))
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := len(regional.requests()); n != 8 {
		t.Errorf("regional host saw %d requests, want 8", n)
	}
}

// BenchmarkInvokePage measures one InvokeCommand page of 1000 Get-Mailbox
// sized rows (decode and copy of the raw rows) over loopback.
func BenchmarkInvokePage(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"@adminapi.warnings":[],"value":[`)
	for i := range 1000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"Identity":"user%d","UserPrincipalName":"user%d@contoso.com","ExchangeGuid@odata.type":"#Guid","ExchangeGuid":"2be92a50-0000-0000-0000-%012d","ForwardingSmtpAddress":null,"DeliverToMailboxAndForward":false,"AuditEnabled":true,"AuditOwner":["Update","MoveToDeletedItems","SoftDelete","HardDelete"]}`, i, i, i)
	}
	sb.WriteString(`]}`)
	body := sb.String()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, body) }))
	defer srv.Close()
	c, err := New(Options{Root: srv.URL, TenantID: testTenant, Token: func(context.Context) (string, error) { return "t", nil }})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.Invoke(context.Background(), "Get-Mailbox", nil, nil)
		if err != nil || len(res.Rows) != 1000 {
			b.Fatal(err)
		}
	}
}
