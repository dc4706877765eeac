package tenantsim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

func contoso(t *testing.T) *snapshot.Snapshot { return contosoB(t) }

func contosoB(t testing.TB) *snapshot.Snapshot {
	t.Helper()
	fsys, err := m365audit.SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	s, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func startSnap(t *testing.T, snap *snapshot.Snapshot, opt Options) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, snap, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = s.Close() })
	return s
}

// sameJSON compares two JSON texts semantically.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("not JSON: %v: %s", err, a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

func invoke(t *testing.T, s *Server, tenant, token, cmdlet string, params map[string]any) reply {
	t.Helper()
	if params == nil {
		params = map[string]any{}
	}
	body, _ := json.Marshal(map[string]any{"CmdletInput": map[string]any{"CmdletName": cmdlet, "Parameters": params}})
	return do(t, http.MethodPost, s.URL()+"/adminapi/beta/"+tenant+"/InvokeCommand", token, body, map[string]string{"Content-Type": "application/json"})
}

// collectExchange re-POSTs the same body to every nextLink, as CIPP and
// ExoHelper do.
func collectExchange(t *testing.T, s *Server, tenant, cmdlet string, params map[string]any) ([]json.RawMessage, int) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"CmdletInput": map[string]any{"CmdletName": cmdlet, "Parameters": params}})
	u := s.URL() + "/adminapi/beta/" + tenant + "/InvokeCommand"
	var all []json.RawMessage
	pages := 0
	for u != "" {
		r := do(t, http.MethodPost, u, "", body, nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", cmdlet, r.status, r.body)
		}
		var page struct {
			Value    []json.RawMessage `json:"value"`
			Next     string            `json:"@odata.nextLink"`
			Warnings []string          `json:"@adminapi.warnings"`
		}
		if err := json.Unmarshal(r.body, &page); err != nil {
			t.Fatal(err)
		}
		if page.Warnings == nil {
			t.Fatalf("%s: @adminapi.warnings missing: %s", cmdlet, r.body)
		}
		all = append(all, page.Value...)
		u = page.Next
		pages++
	}
	return all, pages
}

func requestURL(base string, sp snapshot.Spec, key string, start time.Time) string {
	p := strings.ReplaceAll(sp.Path, "{id}", url.PathEscape(key))
	u := base + p
	if sp.Query != "" {
		q := strings.ReplaceAll(sp.Query, "{start}", start.UTC().Format(time.RFC3339))
		u += "?" + strings.ReplaceAll(q, " ", "%20")
	}
	return u
}

// TestServeContosoReproducesEveryDataset fetches every dataset of the
// sample the way a collector does (spec path and query, following absolute
// nextLinks, re-POSTing Exchange pages) and compares with the snapshot.
func TestServeContosoReproducesEveryDataset(t *testing.T) {
	snap := contoso(t)
	start := snap.Manifest.Incident.Start
	for _, pageSize := range []int{0, 1, 5, 1000} {
		t.Run(fmt.Sprintf("pageSize=%d", pageSize), func(t *testing.T) {
			s := startSnap(t, snap, Options{PageSize: pageSize, ExchangePageSize: pageSize})
			eff := pageSize
			if eff == 0 {
				eff = 2
			}
			tenant := snap.Manifest.Tenant.ID
			for _, sp := range snapshot.Specs() {
				info := snap.Info(sp.ID)
				if !info.Status.HasData() {
					continue
				}
				switch {
				case sp.ID == snapshot.DSIncidentAuditLog:
					continue // served as a query lifecycle: auditlog_test.go
				case sp.ID == snapshot.DSIncidentMessageTrace:
					want, _ := snap.RawItems(sp.ID)
					got, _ := collectGraph(t, messageTraceURL(s.URL(), sp, snap), "")
					assertItems(t, sp.ID, got, want)
				case sp.Source == snapshot.SourceExchange && sp.Shape == snapshot.ShapePerKey:
					m, _ := snap.RawPerKey(sp.ID)
					for key, want := range m {
						got, _ := collectExchange(t, s, tenant, sp.Cmdlet, map[string]any{"Identity": key})
						assertItems(t, sp.ID+"/"+key, got, want)
					}
				case sp.Source == snapshot.SourceExchange:
					want, _ := snap.RawItems(sp.ID)
					got, pages := collectExchange(t, s, tenant, sp.Cmdlet, sp.Params)
					assertItems(t, sp.ID, got, want)
					wantPages := 1
					if pageSize > 0 {
						wantPages = pagesFor(len(want), pageSize)
					}
					if pages != wantPages {
						t.Errorf("%s: %d Exchange pages, want %d", sp.ID, pages, wantPages)
					}
				case sp.Shape == snapshot.ShapeObject:
					r := do(t, http.MethodGet, requestURL(s.URL(), sp, "", start), "", nil, nil)
					if r.status != http.StatusOK {
						t.Fatalf("%s: %d %s", sp.ID, r.status, r.body)
					}
					m := r.json(t)
					if ctx, _ := m["@odata.context"].(string); !strings.HasPrefix(ctx, s.URL()+"/v1.0/$metadata#") {
						t.Errorf("%s: @odata.context %q", sp.ID, ctx)
					}
					delete(m, "@odata.context")
					got, _ := json.Marshal(m)
					want, _ := snap.Raw(sp.ID)
					if !sameJSON(t, got, want) {
						t.Errorf("%s: object differs:\n got %s\nwant %s", sp.ID, got, want)
					}
				case sp.Shape == snapshot.ShapePerKey:
					m, _ := snap.RawPerKey(sp.ID)
					for key, want := range m {
						got, _ := collectGraph(t, requestURL(s.URL(), sp, key, start), "")
						assertItems(t, sp.ID+"/"+key, got, want)
					}
				default:
					want, _ := snap.RawItems(sp.ID)
					got, pages := collectGraph(t, requestURL(s.URL(), sp, "", start), "")
					assertItems(t, sp.ID, got, want)
					if wantPages := pagesFor(len(want), eff); pages != wantPages {
						t.Errorf("%s: %d pages, want %d", sp.ID, pages, wantPages)
					}
				}
			}
		})
	}
}

func pagesFor(n, size int) int {
	if n == 0 {
		return 1
	}
	return (n + size - 1) / size
}

func assertItems(t *testing.T, what string, got, want []json.RawMessage) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d items, want %d", what, len(got), len(want))
		return
	}
	for i := range got {
		if !bytes.Equal(bytes.TrimSpace(got[i]), bytes.TrimSpace(want[i])) {
			t.Errorf("%s: item %d differs:\n got %s\nwant %s", what, i, got[i], want[i])
			return
		}
	}
}

func TestPagingAbsoluteNextLinksAndTop(t *testing.T) {
	s := startMini(t, true, Options{PageSize: 3})
	for _, tc := range []struct {
		query     string
		wantPages int
	}{
		{"", 3},         // 7 users at 3 per page
		{"$top=999", 3}, // $top above PageSize: still paged at PageSize
		{"$top=2", 4},   // $top below PageSize bounds the page
		{"%24top=1", 7}, // encoded $
		{"$TOP=1", 7},   // system query options are case-insensitive
		{"$top=3&$select=id,displayName", 3},
	} {
		t.Run(tc.query, func(t *testing.T) {
			u := s.URL() + "/v1.0/users"
			if tc.query != "" {
				u += "?" + tc.query
			}
			r := do(t, http.MethodGet, u, "", nil, nil)
			next, _ := r.json(t)["@odata.nextLink"].(string)
			if !strings.HasPrefix(next, s.URL()+"/v1.0/users?") || !strings.Contains(next, "$skiptoken=") {
				t.Fatalf("nextLink %q is not an absolute link to this server", next)
			}
			items, pages := collectGraph(t, u, "")
			if len(items) != 7 || pages != tc.wantPages {
				t.Errorf("items %d pages %d, want 7 and %d", len(items), pages, tc.wantPages)
			}
		})
	}
	for _, bad := range []string{"$top=0", "$top=x", "$skiptoken=nope", "$skiptoken=" + encodeToken(pageToken{Dataset: "domains", Offset: 1})} {
		r := do(t, http.MethodGet, s.URL()+"/v1.0/users?"+bad, "", nil, nil)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", bad, r.status)
		}
	}
}

func TestBatch(t *testing.T) {
	s := startMini(t, true, Options{})
	adele := "00000000-0000-0000-0000-000000000001"
	body := []byte(`{"requests":[
		{"id":"1","method":"GET","url":"/users/` + adele + `/authentication/methods"},
		{"id":"2","method":"GET","url":"policies/authorizationPolicy"},
		{"id":"3","method":"GET","url":"` + s.URL() + `/beta/users?$filter=userType%20eq%20'Guest'"},
		{"id":"4","method":"GET","url":"/users/nobody/authentication/methods"}]}`)
	for _, gz := range []bool{false, true} {
		t.Run(fmt.Sprintf("gzip=%v", gz), func(t *testing.T) {
			b, hdr := body, map[string]string{"Content-Type": "application/json"}
			if gz {
				b, hdr["Content-Encoding"] = gzipBytes(t, body), "gzip"
			}
			r := do(t, http.MethodPost, s.URL()+"/v1.0/$batch", "", b, hdr)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			var out struct {
				Responses []struct {
					ID      string            `json:"id"`
					Status  int               `json:"status"`
					Headers map[string]string `json:"headers"`
					Body    struct {
						Value []json.RawMessage `json:"value"`
						Error struct{ Code string }
						ID    string `json:"id"`
					} `json:"body"`
				} `json:"responses"`
			}
			if err := json.Unmarshal(r.body, &out); err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, it := range out.Responses {
				got[it.ID] = it.Status
				switch it.ID {
				case "1":
					if len(it.Body.Value) != 2 { // page size 2 of 3 methods
						t.Errorf("item 1: %d methods", len(it.Body.Value))
					}
				case "2":
					if it.Body.ID != "authorizationPolicy" {
						t.Errorf("item 2 body id %q", it.Body.ID)
					}
				case "3":
					if len(it.Body.Value) != 2 {
						t.Errorf("item 3: %d guests, want 2", len(it.Body.Value))
					}
				case "4":
					if it.Body.Error.Code != "Request_ResourceNotFound" {
						t.Errorf("item 4 error %q", it.Body.Error.Code)
					}
				}
			}
			if got["1"] != 200 || got["2"] != 200 || got["3"] != 200 || got["4"] != 404 {
				t.Errorf("statuses %v", got)
			}
			reqs := s.Requests()
			last := reqs[len(reqs)-1]
			if !bytes.Equal(last.Body, body) {
				t.Errorf("recorded body is not the decoded body: %q", last.Body)
			}
		})
	}

	t.Run("inner 429 with its own Retry-After", func(t *testing.T) {
		s.AddFault(Fault{Match: snapshot.DSAuthorizationPolicy, Status: 429, RetryAfter: "7", Times: 1})
		r := do(t, http.MethodPost, s.URL()+"/beta/$batch", "", body, nil)
		if r.status != 200 {
			t.Fatalf("outer status %d", r.status)
		}
		var out struct {
			Responses []struct {
				ID      string            `json:"id"`
				Status  int               `json:"status"`
				Headers map[string]string `json:"headers"`
			} `json:"responses"`
		}
		_ = json.Unmarshal(r.body, &out)
		for _, it := range out.Responses {
			if it.ID == "2" && (it.Status != 429 || it.Headers["Retry-After"] != "7") {
				t.Errorf("item 2: %d %v", it.Status, it.Headers)
			}
			if it.ID == "1" && it.Status != 200 {
				t.Errorf("item 1 affected by another item's fault: %d", it.Status)
			}
		}
	})

	t.Run("limits and writes", func(t *testing.T) {
		var many []string
		for i := 0; i < 21; i++ {
			many = append(many, fmt.Sprintf(`{"id":"%d","method":"GET","url":"/organization"}`, i))
		}
		r := do(t, http.MethodPost, s.URL()+"/v1.0/$batch", "", []byte(`{"requests":[`+strings.Join(many, ",")+`]}`), nil)
		if r.status != 400 {
			t.Errorf("21 requests: %d", r.status)
		}
		before := len(s.RefusedWrites())
		r = do(t, http.MethodPost, s.URL()+"/v1.0/$batch", "", []byte(`{"requests":[{"id":"1","method":"GET","url":"/organization"},{"id":"2","method":"PATCH","url":"/users/x","body":{"accountEnabled":false}}]}`), nil)
		if r.status != 403 || len(s.RefusedWrites()) != before+1 {
			t.Errorf("batch with a PATCH: %d, refused %d", r.status, len(s.RefusedWrites())-before)
		}
		r = do(t, http.MethodPost, s.URL()+"/v1.0/$batch", "", []byte(`{"requests":`), nil)
		if r.status != 400 {
			t.Errorf("truncated batch: %d", r.status)
		}
	})
}

func TestTokens(t *testing.T) {
	s := startMini(t, true, Options{GraphToken: "g-token", ExchangeToken: "x-token"})
	graph := s.URL() + "/v1.0/organization"
	for _, tc := range []struct {
		name, url, token string
		exchange         bool
		want             int
	}{
		{"graph none", graph, "", false, 401},
		{"graph wrong", graph, "nope", false, 401},
		{"graph exchange token", graph, "x-token", false, 401},
		{"graph ok", graph, "g-token", false, 200},
		{"exchange none", "", "", true, 401},
		{"exchange graph token", "", "g-token", true, 401},
		{"exchange ok", "", "x-token", true, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r reply
			if tc.exchange {
				r = invoke(t, s, "mini.onmicrosoft.com", tc.token, "Get-TransportConfig", nil)
			} else {
				r = do(t, http.MethodGet, tc.url, tc.token, nil, nil)
			}
			if r.status != tc.want {
				t.Fatalf("status %d, want %d: %s", r.status, tc.want, r.body)
			}
			if tc.want == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
			}
		})
	}
	// Batch checks the token once, on the outer request.
	r := do(t, http.MethodPost, s.URL()+"/v1.0/$batch", "", []byte(`{"requests":[{"id":"1","method":"GET","url":"/organization"}]}`), nil)
	if r.status != 401 {
		t.Errorf("batch without token: %d", r.status)
	}
}

func TestWritesRefused(t *testing.T) {
	s := startMini(t, true, Options{GraphToken: "g", ExchangeToken: "x"})
	var n int
	for _, m := range []string{http.MethodPatch, http.MethodDelete, http.MethodPost, http.MethodPut} {
		r := do(t, m, s.URL()+"/v1.0/users/00000000-0000-0000-0000-000000000001", "g", []byte(`{"accountEnabled":false}`), nil)
		n++
		if r.status != http.StatusMethodNotAllowed {
			t.Errorf("%s: %d", m, r.status)
		}
	}
	// A write without a token is refused and recorded too.
	do(t, http.MethodDelete, s.URL()+"/beta/users/x", "", nil, nil)
	n++
	for _, c := range []string{"Set-Mailbox", "New-InboxRule", "Remove-MailboxPermission", "set-casmailbox"} {
		r := invoke(t, s, "mini.onmicrosoft.com", "x", c, map[string]any{"Identity": "u1", "ImapEnabled": false})
		n++
		if r.status != http.StatusForbidden {
			t.Errorf("%s: %d", c, r.status)
		}
	}
	r := do(t, http.MethodGet, s.URL()+"/adminapi/beta/mini.onmicrosoft.com/InvokeCommand", "x", nil, nil)
	n++
	if r.status != http.StatusMethodNotAllowed {
		t.Errorf("GET InvokeCommand: %d", r.status)
	}
	// Reads are not refused.
	do(t, http.MethodGet, s.URL()+"/v1.0/organization", "g", nil, nil)
	invoke(t, s, "mini.onmicrosoft.com", "x", "Get-CASMailbox", nil)
	refused := s.RefusedWrites()
	if len(refused) != n {
		t.Fatalf("refused %d, want %d: %+v", len(refused), n, refused)
	}
	if !strings.Contains(string(refused[len(refused)-2].Body), "set-casmailbox") {
		t.Errorf("refused body not recorded: %q", refused[len(refused)-2].Body)
	}
	if got := len(s.Requests()); got != n+2 {
		t.Errorf("recorded %d requests, want %d", got, n+2)
	}
}

func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault Fault
		// each step: request kind and expected status
		steps []int
		req   func(t *testing.T, s *Server, step int) reply
		check func(t *testing.T, r reply, step int)
	}{
		{name: "429 once with Retry-After", fault: Fault{Match: snapshot.DSUsers, Status: 429, RetryAfter: "2", Times: 1},
			steps: []int{429, 200, 200}, req: getUsers,
			check: func(t *testing.T, r reply, step int) {
				if step == 0 && (r.header.Get("Retry-After") != "2" || r.errorCode(t) != "TooManyRequests") {
					t.Errorf("Retry-After %q code %q", r.header.Get("Retry-After"), r.errorCode(t))
				}
			}},
		{name: "503 twice", fault: Fault{Match: "/v1.0/users", Status: 503, RetryAfter: "Wed, 21 Oct 2026 07:28:00 GMT", Times: 2},
			steps: []int{503, 503, 200}, req: getUsers},
		{name: "504 always by version-less prefix", fault: Fault{Match: "/users", Status: 504},
			steps: []int{504, 504, 504}, req: getUsers},
		{name: "403 denial of a dataset", fault: Fault{Match: snapshot.DSUsers, Status: 403, Code: "Authorization_RequestDenied", Message: "Insufficient privileges to complete the operation."},
			steps: []int{403, 403}, req: getUsers,
			check: func(t *testing.T, r reply, _ int) {
				if r.errorCode(t) != "Authorization_RequestDenied" {
					t.Errorf("code %q", r.errorCode(t))
				}
			}},
		{name: "other datasets unaffected", fault: Fault{Match: snapshot.DSDomains, Status: 500},
			steps: []int{200}, req: getUsers},
		{name: "Exchange 429 on one cmdlet", fault: Fault{Match: snapshot.DSExoCASMailbox, Status: 429, RetryAfter: "1", Times: 1},
			steps: []int{429, 200},
			req: func(t *testing.T, s *Server, _ int) reply {
				return invoke(t, s, "11111111-2222-3333-4444-555555555555", "", "Get-CASMailbox", map[string]any{"ResultSize": "Unlimited"})
			},
			check: func(t *testing.T, r reply, step int) {
				if step == 0 && r.header.Get("Retry-After") != "1" {
					t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
				}
			}},
		{name: "Exchange 403 denial", fault: Fault{Match: snapshot.DSExoTransportConfig, Status: 403},
			steps: []int{403, 403},
			req: func(t *testing.T, s *Server, _ int) reply {
				return invoke(t, s, "mini.onmicrosoft.com", "", "Get-TransportConfig", nil)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startMini(t, true, Options{Faults: []Fault{tc.fault}})
			for i, want := range tc.steps {
				r := tc.req(t, s, i)
				if r.status != want {
					t.Fatalf("step %d: status %d, want %d: %s", i, r.status, want, r.body)
				}
				if tc.check != nil {
					tc.check(t, r, i)
				}
			}
		})
	}
}

func getUsers(t *testing.T, s *Server, _ int) reply {
	return do(t, http.MethodGet, s.URL()+"/v1.0/users?$top=999", "", nil, nil)
}

func TestFaultOnSecondPage(t *testing.T) {
	s := startMini(t, true, Options{})
	s.AddFault(Fault{Match: snapshot.DSUsers, Status: 503, RetryAfter: "1", Page: 2, Times: 1})
	r := do(t, http.MethodGet, s.URL()+"/v1.0/users", "", nil, nil)
	if r.status != 200 {
		t.Fatalf("page 1: %d", r.status)
	}
	next := r.json(t)["@odata.nextLink"].(string)
	if r2 := do(t, http.MethodGet, next, "", nil, nil); r2.status != 503 || r2.header.Get("Retry-After") != "1" {
		t.Fatalf("page 2: %d %q", r2.status, r2.header.Get("Retry-After"))
	}
	if r3 := do(t, http.MethodGet, next, "", nil, nil); r3.status != 200 {
		t.Fatalf("page 2 retried: %d", r3.status)
	}

	// Exchange pages count the same way.
	x := startMini(t, true, Options{ExchangePageSize: 1, Faults: []Fault{{Match: snapshot.DSExoCASMailbox, Status: 429, Page: 3}}})
	body, _ := json.Marshal(map[string]any{"CmdletInput": map[string]any{"CmdletName": "Get-CASMailbox", "Parameters": map[string]any{}}})
	u := x.URL() + "/adminapi/beta/mini.onmicrosoft.com/InvokeCommand"
	for page := 1; page <= 3; page++ {
		r := do(t, http.MethodPost, u, "", body, nil)
		want := 200
		if page == 3 {
			want = 429
		}
		if r.status != want {
			t.Fatalf("Exchange page %d: %d", page, r.status)
		}
		if page < 3 {
			u = r.json(t)["@odata.nextLink"].(string)
		}
	}
}

func TestLatencyHonoursContext(t *testing.T) {
	s := startMini(t, true, Options{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/v1.0/organization", nil)
	_, err := http.DefaultClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the client deadline to end the wait, got %v", err)
	}
	// Close must not hang on the handler that is still sleeping: the
	// cancelled request context released it.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFilters(t *testing.T) {
	s := startMini(t, true, Options{PageSize: 100})
	for _, tc := range []struct {
		path, filter string
		want         []string // ids, or nil with status
		status       int
	}{
		{"/v1.0/users", "userType eq 'Guest'", []string{"00000000-0000-0000-0000-000000000003", "00000000-0000-0000-0000-000000000006"}, 200},
		{"/v1.0/users", "userType eq 'guest'", []string{"00000000-0000-0000-0000-000000000003", "00000000-0000-0000-0000-000000000006"}, 200},
		{"/beta/users", "userType eq 'Member' and createdDateTime ge 2026-11-15T00:00:00Z", []string{"00000000-0000-0000-0000-000000000005", "00000000-0000-0000-0000-000000000007"}, 200},
		{"/v1.0/auditLogs/directoryAudits", "activityDateTime ge 2026-11-16T00:00:00Z", []string{"a2", "a3"}, 200},
		{"/v1.0/auditLogs/directoryAudits", "activityDateTime ge 2027-01-01T00:00:00Z", []string{}, 200},
		{"/v1.0/users", "startswith(displayName,'User')", nil, 400},
		{"/v1.0/users", "userType eq 'Guest' or userType eq 'Member'", nil, 400},
		{"/v1.0/users", "userType eq 'Guest", nil, 400},
		{"/v1.0/users", "userType has 'Guest'", nil, 400},
		{"/v1.0/users", "usertyp eq 'Guest'", nil, 400},
		{"/v1.0/users", "createdDateTime ge yesterday", nil, 400},
		{"/v1.0/users", "userType ge 'Guest'", nil, 400},
	} {
		t.Run(tc.path+" "+tc.filter, func(t *testing.T) {
			r := do(t, http.MethodGet, s.URL()+tc.path+"?$filter="+url.QueryEscape(tc.filter), "", nil, nil)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status != 200 {
				if r.errorCode(t) == "" {
					t.Errorf("no Graph error envelope: %s", r.body)
				}
				return
			}
			var page struct {
				Value []struct {
					ID string `json:"id"`
				} `json:"value"`
			}
			_ = json.Unmarshal(r.body, &page)
			got := []string{}
			for _, v := range page.Value {
				got = append(got, v.ID)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLicensingAndStatuses(t *testing.T) {
	for _, premium := range []bool{false, true} {
		t.Run(fmt.Sprintf("premium=%v", premium), func(t *testing.T) {
			s := startMini(t, premium, Options{})
			r := do(t, http.MethodGet, s.URL()+"/v1.0/users?$select="+snapshot.UserSelect+",signInActivity&$top=999", "", nil, nil)
			if !premium {
				if r.status != 403 || r.errorCode(t) != "Authentication_RequestFromNonPremiumTenantOrB2CTenant" {
					t.Fatalf("signInActivity without P1: %d %s", r.status, r.body)
				}
			} else if r.status != 200 || !bytes.Contains(r.body, []byte(`"signInActivity"`)) {
				t.Fatalf("signInActivity with P1: %d %s", r.status, r.body)
			}
			// The fallback without signInActivity works and does not leak it.
			r = do(t, http.MethodGet, s.URL()+"/v1.0/users?$select="+snapshot.UserSelect+"&$top=999", "", nil, nil)
			if r.status != 200 || bytes.Contains(r.body, []byte("signInActivity")) {
				t.Fatalf("fallback: %d %s", r.status, r.body)
			}
		})
	}
	s := startMini(t, true, Options{})
	for _, tc := range []struct {
		name, path string
		status     int
		code       string
	}{
		{"unlicensed", "/v1.0/identityProtection/riskyUsers", 403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant"},
		{"forbidden", "/v1.0/identity/conditionalAccess/policies", 403, "Authorization_RequestDenied"},
		{"error", "/v1.0/identity/conditionalAccess/namedLocations", 500, "generalException"},
		{"not in manifest", "/v1.0/domains", 404, "Request_ResourceNotFound"},
		{"unknown path", "/v1.0/nothingHere", 400, "BadRequest"},
		{"no version", "/users", 404, "Request_ResourceNotFound"},
		{"unknown key", "/v1.0/users/00000000-0000-0000-0000-000000000002/authentication/methods", 404, "Request_ResourceNotFound"},
		{"key by UPN", "/v1.0/users/u1@contoso.com/authentication/methods", 200, ""},
		{"single user by UPN", "/v1.0/users/U1@contoso.com", 200, ""},
		{"single user unknown", "/v1.0/users/nobody@contoso.com", 404, "Request_ResourceNotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, http.MethodGet, s.URL()+tc.path, "", nil, nil)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.code != "" && r.errorCode(t) != tc.code {
				t.Errorf("code %q, want %q", r.errorCode(t), tc.code)
			}
			if r.status >= 400 {
				inner, _ := r.json(t)["error"].(map[string]any)["innerError"].(map[string]any)
				if inner["request-id"] == nil || inner["date"] == nil {
					t.Errorf("innerError incomplete: %s", r.body)
				}
			}
		})
	}
}

func TestExchange(t *testing.T) {
	s := startMini(t, true, Options{})
	for _, tc := range []struct {
		name, tenant, cmdlet string
		params               map[string]any
		status               int
		rows                 int
		text                 string
	}{
		{"by tenant id", "11111111-2222-3333-4444-555555555555", "Get-CASMailbox", map[string]any{"ResultSize": "Unlimited"}, 200, 3, ""},
		{"by initial domain, any case", "MINI.onmicrosoft.com", "get-casmailbox", nil, 200, 3, ""},
		{"other tenant", "fabrikam.onmicrosoft.com", "Get-CASMailbox", nil, 404, 0, "could not be found"},
		{"unknown cmdlet", "mini.onmicrosoft.com", "Get-Nothing", nil, 400, 0, "is not recognized"},
		{"forbidden dataset", "mini.onmicrosoft.com", "Get-RemoteDomain", nil, 403, 0, "not authorized"},
		{"not collected", "mini.onmicrosoft.com", "Get-Mailbox", nil, 404, 0, "No data"},
		{"per key by UPN", "mini.onmicrosoft.com", "Get-MailboxPermission", map[string]any{"Identity": "u1@contoso.com"}, 200, 1, ""},
		{"per key by object id", "mini.onmicrosoft.com", "Get-MailboxPermission", map[string]any{"Identity": "00000000-0000-0000-0000-000000000001"}, 200, 1, ""},
		{"per key unknown", "mini.onmicrosoft.com", "Get-MailboxPermission", map[string]any{"Identity": "u2@contoso.com"}, 404, 0, "couldn't be found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := invoke(t, s, tc.tenant, "", tc.cmdlet, tc.params)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			m := r.json(t)
			if tc.status == 200 {
				if m["adminapi.warnings@odata.type"] != "#Collection(String)" || m["@adminapi.warnings"] == nil {
					t.Errorf("envelope: %s", r.body)
				}
				if rows, _ := m["value"].([]any); len(rows) != tc.rows {
					t.Errorf("rows %d, want %d", len(rows), tc.rows)
				}
				return
			}
			// The useful text is where clients look first (collection.md §3.3).
			e := m["error"].(map[string]any)
			ie := e["innererror"].(map[string]any)["internalexception"].(map[string]any)
			if msg, _ := ie["message"].(string); !strings.Contains(msg, tc.text) {
				t.Errorf("internalexception.message %q lacks %q", msg, tc.text)
			}
			d := e["details"].([]any)[0].(map[string]any)["message"].(string)
			if !strings.HasPrefix(d, "|") || !strings.Contains(d, tc.text) {
				t.Errorf("details[0].message %q", d)
			}
		})
	}
	for _, body := range []string{`{`, `{"CmdletInput":{}}`, `[]`} {
		r := do(t, http.MethodPost, s.URL()+"/adminapi/beta/mini.onmicrosoft.com/InvokeCommand", "", []byte(body), nil)
		if r.status != 400 {
			t.Errorf("body %s: %d", body, r.status)
		}
	}
}

func TestExchangePaging(t *testing.T) {
	s := startMini(t, true, Options{ExchangePageSize: 2})
	rows, pages := collectExchange(t, s, "mini.onmicrosoft.com", "Get-CASMailbox", map[string]any{"ResultSize": "Unlimited"})
	if len(rows) != 3 || pages != 2 {
		t.Fatalf("rows %d pages %d", len(rows), pages)
	}
	// A nextLink replayed with another cmdlet's body is refused, as the
	// service refuses an invalid pagination request.
	r := invoke(t, s, "mini.onmicrosoft.com", "", "Get-CASMailbox", nil)
	next := r.json(t)["@odata.nextLink"].(string)
	body, _ := json.Marshal(map[string]any{"CmdletInput": map[string]any{"CmdletName": "Get-TransportConfig", "Parameters": map[string]any{}}})
	r = do(t, http.MethodPost, next, "", body, nil)
	if r.status != 400 || !bytes.Contains(r.body, []byte("Expired or Invalid pagination request")) {
		t.Fatalf("mismatched replay: %d %s", r.status, r.body)
	}
}

// TestDeterministic serves the same requests from two servers built from the
// same snapshot through ServeHTTP directly (no listener).
func TestDeterministic(t *testing.T) {
	snap := contoso(t)
	reqs := []func() *http.Request{
		func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "http://sim.test/v1.0/users?$top=999", nil)
		},
		func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "http://sim.test/v1.0/auditLogs/directoryAudits?$filter=activityDateTime%20ge%202026-11-17T09:00:00Z", nil)
		},
		func() *http.Request { return httptest.NewRequest(http.MethodGet, "http://sim.test/v1.0/nowhere", nil) },
		func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "http://sim.test/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand",
				strings.NewReader(`{"CmdletInput":{"CmdletName":"Get-Mailbox","Parameters":{"ResultSize":"Unlimited"}}}`))
		},
	}
	var outs [2][]string
	for i := range outs {
		s, err := New(snap, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, mk := range reqs {
			w := httptest.NewRecorder()
			s.ServeHTTP(w, mk())
			outs[i] = append(outs[i], fmt.Sprintf("%d %s", w.Code, w.Body.String()))
		}
	}
	for i := range reqs {
		if outs[0][i] != outs[1][i] {
			t.Errorf("request %d differs:\n%s\n%s", i, outs[0][i], outs[1][i])
		}
	}
	if !strings.Contains(outs[0][0], `"@odata.nextLink":"http://sim.test/v1.0/users?$top=999&$skiptoken=`) {
		t.Errorf("nextLink does not point at the request host: %.300s", outs[0][0])
	}
}

func TestConcurrentUse(t *testing.T) {
	s := startSnap(t, contoso(t), Options{PageSize: 3})
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			s.AddFault(Fault{Match: "/v1.0/nothing", Status: 500})
			for i := 0; i < 5; i++ {
				items, _ := collectGraph(t, s.URL()+"/v1.0/users", "")
				if len(items) == 0 {
					errs <- "no users"
				}
				_ = s.Requests()
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestNew(t *testing.T) {
	if _, err := New(nil, Options{}); err == nil {
		t.Fatal("nil snapshot accepted")
	}
	s, err := New(miniSnap(t, true), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.URL() != "" || s.Close() != nil {
		t.Error("a server not started has no URL and closes cleanly")
	}
}

func TestCloseEndsLatencyWaits(t *testing.T) {
	s := startMini(t, true, Options{Latency: time.Hour})
	done := make(chan int, 1)
	go func() {
		resp, err := http.Get(s.URL() + "/v1.0/organization")
		if err != nil {
			done <- -1
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	for len(s.Requests()) == 0 {
		time.Sleep(time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != http.StatusServiceUnavailable && code != -1 {
		t.Fatalf("request during Close: %d", code)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestFaultStatusNormalised(t *testing.T) {
	s := startMini(t, true, Options{Faults: []Fault{{Match: snapshot.DSOrganization}}})
	if r := do(t, http.MethodGet, s.URL()+"/v1.0/organization", "", nil, nil); r.status != 500 {
		t.Fatalf("fault without status: %d", r.status)
	}
}

func TestRemoveTopKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"a":1,"signInActivity":{"x":"}\"{"},"b":2}`, `{"a":1,"b":2}`},
		{`{"signInActivity":null,"b":[1,{"c":"]"}]}`, `{"b":[1,{"c":"]"}]}`},
		{`{"a":"x","signInActivity":{"lastSignInDateTime":"2026-11-19T00:00:00Z"}}`, `{"a":"x"}`},
		{`{"signInActivity":{}}`, `{}`},
		{`{ "a" : 1 , "signInActivity" : [ ] , "b" : true }`, `{ "a" : 1 , "b" : true }`},
		{`{"a":"signInActivity","b":{"signInActivity":1}}`, `{"a":"signInActivity","b":{"signInActivity":1}}`},
		{`{}`, `{}`},
	} {
		got, err := removeTopKey([]byte(tc.in), "signInActivity")
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if string(got) != tc.want || !json.Valid(got) {
			t.Errorf("%s:\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{`[]`, `{"a":"x`, `{"a" 1}`} {
		if _, err := removeTopKey([]byte(bad), "a"); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestHostileInput(t *testing.T) {
	snap := contoso(t)
	s := startSnap(t, snap, Options{})
	// A guest's UPN carries '#': escaped in the path, it still selects the key.
	upn := "j.moreau_proseware.com#EXT#@contoso.onmicrosoft.com"
	items, _ := collectGraph(t, s.URL()+"/beta/users/"+url.PathEscape(upn)+"/invitedBy", "")
	if len(items) != 1 || !bytes.Contains(items[0], []byte("adele.vance@contoso.com")) {
		t.Fatalf("invitedBy of the hostile-named guest: %s", items)
	}
	// Hostile display names come back exactly as stored (JSON-escaped, inert).
	r := do(t, http.MethodGet, s.URL()+"/v1.0/users?$filter="+url.QueryEscape("userType eq 'Guest'")+"&$top=999", "", nil, nil)
	all, _ := collectGraph(t, s.URL()+"/v1.0/users?$filter="+url.QueryEscape("userType eq 'Guest'"), "")
	var sb strings.Builder
	for _, it := range all {
		sb.Write(it)
	}
	joined := sb.String()
	for _, name := range []string{`'; Remove-MgUser -UserId 'x'; '`, `=HYPERLINK(\"http://evil.example\",\"click\")`, "陳大文", "山田太郎", "\u200fمحمد علي", "O’Neil"} {
		if !strings.Contains(joined, name) {
			t.Errorf("guest name %q not served verbatim", name)
		}
	}
	if r.status != 200 {
		t.Fatalf("guest filter: %d", r.status)
	}
	for _, tc := range []struct {
		name, method, path string
		body               []byte
		hdr                map[string]string
		want               int
	}{
		{"batch: gzip header on a plain body", http.MethodPost, "/v1.0/$batch", []byte(`{"requests":[]}`), map[string]string{"Content-Encoding": "gzip"}, 400},
		{"batch: truncated gzip", http.MethodPost, "/v1.0/$batch", gzipBytes(t, []byte(`{"requests":[{"id":"1","method":"GET","url":"/organization"}]}`))[:20], map[string]string{"Content-Encoding": "gzip"}, 400},
		{"batch: empty", http.MethodPost, "/v1.0/$batch", []byte(`{"requests":[]}`), nil, 400},
		{"batch: repeated ids", http.MethodPost, "/v1.0/$batch", []byte(`{"requests":[{"id":"1","method":"GET","url":"/organization"},{"id":"1","method":"GET","url":"/domains"}]}`), nil, 400},
		{"exchange: truncated gzip", http.MethodPost, "/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand", gzipBytes(t, []byte(`{"CmdletInput":{"CmdletName":"Get-Mailbox"}}`))[:15], map[string]string{"Content-Encoding": "gzip"}, 400},
		{"graph: bad query string", http.MethodGet, "/v1.0/users?$top=%zz", nil, nil, 400},
		{"graph: injection in a key", http.MethodGet, "/v1.0/users/" + url.PathEscape("x' or 1 eq 1") + "/authentication/methods", nil, nil, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, tc.method, s.URL()+tc.path, "", tc.body, tc.hdr)
			if r.status != tc.want {
				t.Fatalf("status %d, want %d: %s", r.status, tc.want, r.body)
			}
			if !json.Valid(r.body) {
				t.Errorf("error body is not JSON: %q", r.body)
			}
		})
	}
}

func TestExchangePreferMaxPageSize(t *testing.T) {
	for _, tc := range []struct {
		configured int
		prefer     string
		wantPages  int
	}{
		{0, "", 1},
		{0, "odata.maxpagesize=1000", 1},
		{0, "odata.maxpagesize=1", 3},
		{2, "odata.maxpagesize=1000", 2},
		{2, "respond-async, odata.maxpagesize=1", 3},
		{0, "odata.maxpagesize=zero", 1},
	} {
		t.Run(fmt.Sprintf("%d %s", tc.configured, tc.prefer), func(t *testing.T) {
			s := startMini(t, true, Options{ExchangePageSize: tc.configured})
			body, _ := json.Marshal(map[string]any{"CmdletInput": map[string]any{"CmdletName": "Get-CASMailbox", "Parameters": map[string]any{}}})
			u, pages, rows := s.URL()+"/adminapi/beta/mini.onmicrosoft.com/InvokeCommand", 0, 0
			for u != "" {
				r := do(t, http.MethodPost, u, "", body, map[string]string{"Prefer": tc.prefer})
				m := r.json(t)
				v, _ := m["value"].([]any)
				rows += len(v)
				u, _ = m["@odata.nextLink"].(string)
				pages++
			}
			if rows != 3 || pages != tc.wantPages {
				t.Errorf("rows %d pages %d, want 3 and %d", rows, pages, tc.wantPages)
			}
		})
	}
}

func TestLoggerSeesRefusedWrites(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := startMini(t, true, Options{Logger: logger, Faults: []Fault{{Match: snapshot.DSOrganization, Status: 503, Times: 1}}})
	do(t, http.MethodDelete, s.URL()+"/v1.0/users/x", "", nil, nil)
	do(t, http.MethodGet, s.URL()+"/v1.0/organization", "", nil, nil)
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	for _, want := range []string{"tenantsim refused a write", "method=DELETE", "tenantsim fault", "status=503", "tenantsim request"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
