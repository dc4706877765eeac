package tenantsim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// messageTraceURL is the message trace request of the sample's incident
// user over the dataset's whole window.
func messageTraceURL(base string, sp snapshot.Spec, snap *snapshot.Snapshot) string {
	w := snap.Info(sp.ID).Window
	q := strings.NewReplacer("{sender}", snap.Manifest.Incident.Users[0], "{from}", w.From.Format(time.RFC3339),
		"{to}", w.To.Format(time.RFC3339)).Replace(sp.Query)
	return base + sp.Path + "?" + strings.ReplaceAll(q, " ", "%20")
}

func TestMessageTraceFilteredBySenderAndTime(t *testing.T) {
	snap := contoso(t)
	s := startSnap(t, snap, Options{PageSize: 5})
	sp, _ := snapshot.SpecByID(snapshot.DSIncidentMessageTrace)
	q := "$filter=" + url.QueryEscape("senderAddress eq 'adele.vance@contoso.com' and receivedDateTime ge 2026-11-18T00:00:00Z and receivedDateTime le 2026-11-18T23:59:59Z") + "&$top=5000"
	got, pages := collectGraph(t, s.URL()+sp.Path+"?"+q, "")
	if len(got) != 30 || pages != 6 {
		t.Fatalf("the burst day holds 30 rows in 6 pages of 5; got %d rows in %d pages", len(got), pages)
	}
	q = "$filter=" + url.QueryEscape("senderAddress eq 'megan.bowen@contoso.com' and receivedDateTime ge 2026-11-18T00:00:00Z and receivedDateTime le 2026-11-18T23:59:59Z")
	if got, _ := collectGraph(t, s.URL()+sp.Path+"?"+q, ""); len(got) != 0 {
		t.Fatalf("another sender: %d rows", len(got))
	}
}

func auditBody(extra string) []byte {
	return []byte(`{"@odata.type":"#microsoft.graph.security.auditLogQuery","displayName":"t","filterStartDateTime":"2026-11-16T00:00:00Z",` +
		`"filterEndDateTime":"2026-11-20T09:00:00Z","operationFilters":["New-InboxRule","Remove-InboxRule"],"userPrincipalNameFilters":["adele.vance@contoso.com"]` + extra + `}`)
}

// TestAuditLogQueryLifecycle: created (notStarted), running, succeeded,
// then the matching records in pages with absolute nextLinks.
func TestAuditLogQueryLifecycle(t *testing.T) {
	s := startSnap(t, contoso(t), Options{PageSize: 2, GraphToken: "g"})
	base := s.URL() + "/v1.0/security/auditLog/queries"
	r := do(t, http.MethodPost, base, "g", auditBody(""), map[string]string{"Content-Type": "application/json"})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	m := r.json(t)
	id, _ := m["id"].(string)
	if id == "" || m["status"] != "notStarted" {
		t.Fatalf("created: %v", m)
	}
	if r := do(t, http.MethodGet, base+"/"+id+"/records", "g", nil, nil); r.status != http.StatusBadRequest {
		t.Fatalf("records before the query finished: %d", r.status)
	}
	for _, want := range []string{"running", "succeeded", "succeeded"} {
		r := do(t, http.MethodGet, base+"/"+id, "g", nil, nil)
		if got := r.json(t)["status"]; got != want {
			t.Fatalf("status %v, want %s", got, want)
		}
	}
	got, pages := collectGraph(t, base+"/"+id+"/records", "g")
	if len(got) != 4 || pages != 2 {
		t.Fatalf("records: %d in %d pages, want 4 (3 New-InboxRule, 1 Remove-InboxRule) in 2", len(got), pages)
	}
	for _, raw := range got {
		var rec snapshot.AuditLogRecord
		if err := json.Unmarshal(raw, &rec); err != nil || (rec.Operation != "New-InboxRule" && rec.Operation != "Remove-InboxRule") {
			t.Errorf("record outside the query's operations: %s", raw)
		}
	}
	if r := do(t, http.MethodGet, base+"/unknown-id", "g", nil, nil); r.status != http.StatusNotFound {
		t.Errorf("unknown query: %d", r.status)
	}
	if n := len(s.RefusedWrites()); n != 0 {
		t.Fatalf("the audit log query creation was recorded as a refused write (%d)", n)
	}
}

// TestAuditLogQueryAnyOtherPostRefused: only the documented creation is
// accepted; every other POST (another path, another body) is a refused
// write, as before.
func TestAuditLogQueryAnyOtherPostRefused(t *testing.T) {
	s := startSnap(t, contoso(t), Options{GraphToken: "g"})
	base := s.URL() + "/v1.0/security/auditLog/queries"
	cases := []struct {
		url  string
		body []byte
	}{
		{base, auditBody(`,"status":"succeeded"`)},
		{base, []byte(`{"displayName":"no window"}`)},
		{base, []byte(`not json`)},
		{base + "/q1", auditBody("")},
		{base + "/q1/records", auditBody("")},
		{s.URL() + "/beta/security/auditLog/queries", auditBody("")},
		{s.URL() + "/v1.0/users", []byte(`{"accountEnabled":true}`)},
	}
	for _, c := range cases {
		r := do(t, http.MethodPost, c.url, "g", c.body, nil)
		if r.status < 400 {
			t.Errorf("POST %s %s: %d", c.url, c.body, r.status)
		}
	}
	for _, m := range []string{http.MethodPatch, http.MethodDelete, http.MethodPut} {
		if r := do(t, m, base, "g", auditBody(""), nil); r.status != http.StatusMethodNotAllowed {
			t.Errorf("%s: %d", m, r.status)
		}
	}
	if got, want := len(s.RefusedWrites()), len(cases)+3; got != want {
		t.Fatalf("refused %d writes, want %d", got, want)
	}
}

// TestAuditLogQueryIngestionOff: a tenant whose unified audit ingestion is
// off answers the creation with AuditingDisabledTenant.
func TestAuditLogQueryIngestionOff(t *testing.T) {
	src := contoso(t)
	files := map[string][]byte{}
	for _, sp := range snapshot.Specs() {
		if raw, err := src.Raw(sp.ID); err == nil {
			files[sp.ID] = raw
		}
	}
	files[snapshot.DSExoAdminAuditLogConfig] = []byte(`[{"Identity":"Admin Audit Log Settings","UnifiedAuditLogIngestionEnabled":false}]`)
	m := src.Manifest
	snap := snapshot.FromFiles(m, files)
	s := startSnap(t, snap, Options{})
	r := do(t, http.MethodPost, s.URL()+"/v1.0/security/auditLog/queries", "", auditBody(""), nil)
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "AuditingDisabledTenant") {
		t.Fatalf("ingestion off: %d %s", r.status, r.body)
	}
}
