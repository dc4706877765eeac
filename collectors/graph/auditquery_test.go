package graph

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
)

// TestGuardAdmitsOnlyTheAuditLogQueryCreation: the one POST that is not a
// $batch is the audit log query creation, at exactly its path and with
// exactly its body shape; every near miss is refused without being sent.
func TestGuardAdmitsOnlyTheAuditLogQueryCreation(t *testing.T) {
	var hits atomic.Int64
	var gotBody atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		gotBody.Store(string(b))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"q1","status":"notStarted"}`)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, nil)

	// The collector's own request passes.
	start := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	obj, err := c.CreateAuditLogQuery(t.Context(), AuditLogQuery{DisplayName: "m365audit incident", FilterStartDateTime: start,
		FilterEndDateTime: start.Add(96 * time.Hour), OperationFilters: []string{"New-InboxRule"}, UserPrincipalNameFilters: []string{"adele@contoso.com"}})
	if err != nil || string(obj) != `{"id":"q1","status":"notStarted"}` {
		t.Fatalf("create: %s %v", obj, err)
	}
	if hits.Load() != 1 {
		t.Fatalf("hits = %d", hits.Load())
	}
	if b, _ := gotBody.Load().(string); b == "" || !strings.Contains(b, `"filterStartDateTime":"2026-11-16T00:00:00Z"`) {
		t.Fatalf("body = %s", b)
	}

	good := `{"displayName":"x","filterStartDateTime":"2026-11-16T00:00:00Z","filterEndDateTime":"2026-11-20T00:00:00Z","operationFilters":["Send"]}`
	cases := []struct {
		name, method, path, body string
	}{
		{"another path", "POST", "/v1.0/security/auditLog/queries/q1", good},
		{"another version", "POST", "/beta/security/auditLog/queries", good},
		{"a query string", "POST", "/v1.0/security/auditLog/queries?x=1", good},
		{"PATCH of the query", "PATCH", "/v1.0/security/auditLog/queries", good},
		{"DELETE of the query", "DELETE", "/v1.0/security/auditLog/queries/q1", ""},
		{"an extra field", "POST", "/v1.0/security/auditLog/queries", `{"filterStartDateTime":"2026-11-16T00:00:00Z","filterEndDateTime":"2026-11-20T00:00:00Z","status":"succeeded"}`},
		{"no end time", "POST", "/v1.0/security/auditLog/queries", `{"filterStartDateTime":"2026-11-16T00:00:00Z"}`},
		{"a filter that is not a list", "POST", "/v1.0/security/auditLog/queries", `{"filterStartDateTime":"2026-11-16T00:00:00Z","filterEndDateTime":"2026-11-20T00:00:00Z","operationFilters":"Send"}`},
		{"another @odata.type", "POST", "/v1.0/security/auditLog/queries", `{"@odata.type":"#microsoft.graph.user","filterStartDateTime":"2026-11-16T00:00:00Z","filterEndDateTime":"2026-11-20T00:00:00Z"}`},
		{"not JSON", "POST", "/v1.0/security/auditLog/queries", `not json`},
		{"two objects", "POST", "/v1.0/security/auditLog/queries", good + good},
		{"an empty body", "POST", "/v1.0/security/auditLog/queries", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, _ := url.Parse(srv.URL + tc.path)
			ri := abs.NewRequestInformation()
			ri.Method = map[string]abs.HttpMethod{"POST": abs.POST, "PATCH": abs.PATCH, "DELETE": abs.DELETE}[tc.method]
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
	if hits.Load() != 1 {
		t.Fatalf("server saw %d requests; refused requests must not be sent", hits.Load())
	}
	if n := len(c.RefusedWrites()); n != len(cases) {
		t.Fatalf("RefusedWrites = %d, want %d", n, len(cases))
	}
}

// TestGuardAuditQueryUnderARootPath: a service root with a path keeps the
// exception bound to that root.
func TestGuardAuditQueryUnderARootPath(t *testing.T) {
	body := []byte(`{"filterStartDateTime":"2026-11-16T00:00:00Z","filterEndDateTime":"2026-11-20T00:00:00Z"}`)
	if err := checkAuditQuery("/graph", "/graph/v1.0/security/auditLog/queries", "", body); err != nil {
		t.Fatal(err)
	}
	if err := checkAuditQuery("/graph", "/v1.0/security/auditLog/queries", "", body); err == nil {
		t.Fatal("the path outside the root must be refused")
	}
}
