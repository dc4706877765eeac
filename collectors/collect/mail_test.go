package collect

import (
	"net/http"
	"strings"
	"testing"
	"time"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/collectors/tenantsim"
)

func contosoSource(t *testing.T, over map[string][]byte) *snapshot.Snapshot {
	t.Helper()
	fsys, err := m365audit.SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	src, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if over == nil {
		return src
	}
	files := map[string][]byte{}
	for _, sp := range snapshot.Specs() {
		if raw, err := src.Raw(sp.ID); err == nil {
			files[sp.ID] = raw
		}
	}
	for k, v := range over {
		files[k] = v
	}
	return snapshot.FromFiles(src.Manifest, files)
}

// TestRun_MailDatasets: the message trace is read per sender in ten-day
// queries from before the incident start, and the audit log through one
// query created with the one admitted POST, polled until it succeeded and
// read page by page; both record their window.
func TestRun_MailDatasets(t *testing.T) {
	src := contosoSource(t, nil)
	srv := startSim(t, src, tenantsim.Options{PageSize: 3})
	now := src.Manifest.CollectedAt
	got, _, sl := collectSim(t, srv, func(c *Config) {
		c.Incident = src.Manifest.Incident
		c.Now = func() time.Time { return now }
	})
	for _, id := range []string{snapshot.DSIncidentMessageTrace, snapshot.DSIncidentAuditLog, snapshot.DSIncidentInboxRules, snapshot.DSExoBlockedSenders} {
		info := got.Info(id)
		want, _ := src.Raw(id)
		have, _ := got.Raw(id)
		if info.Status != snapshot.StatusOK || info.Count != src.Info(id).Count {
			t.Errorf("%s: %s count %d (%s)", id, info.Status, info.Count, info.Reason)
		}
		if d := diffDataset(snapshot.Spec{ID: id}, want, have); d != "" && id != snapshot.DSIncidentInboxRules {
			t.Errorf("%s: %s", id, d)
		}
	}
	w := got.Info(snapshot.DSIncidentMessageTrace).Window
	if w == nil || !w.From.Equal(src.Manifest.Incident.Start.Add(-snapshot.MessageTraceBaseline)) || !w.To.Equal(now) {
		t.Errorf("message trace window %+v", w)
	}
	if w := got.Info(snapshot.DSIncidentAuditLog).Window; w == nil || !w.From.Equal(src.Manifest.Incident.Start) {
		t.Errorf("audit log window %+v", w)
	}
	var posts, traces, polls int
	for _, r := range srv.Requests() {
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/security/auditLog/queries"):
			posts++
			if !strings.Contains(string(r.Body), `"userPrincipalNameFilters":["adele.vance@contoso.com"]`) ||
				!strings.Contains(string(r.Body), `"MailItemsAccessed"`) {
				t.Errorf("audit query body %s", r.Body)
			}
		case strings.HasSuffix(r.Path, "/messageTraces") && !strings.Contains(r.RawQuery, "skiptoken"):
			traces++
			if !strings.Contains(r.RawQuery, "senderAddress") {
				t.Errorf("message trace without a sender filter: %s", r.RawQuery)
			}
		case r.Method == http.MethodGet && strings.Contains(r.Path, "/security/auditLog/queries/") && !strings.HasSuffix(r.Path, "/records"):
			polls++
		}
	}
	// 2026-11-06 .. 2026-11-20T09:00 is two ten-day queries.
	if posts != 1 || traces != 2 || polls != 2 {
		t.Errorf("posts %d, first trace requests %d, status polls %d", posts, traces, polls)
	}
	if len(sl.all()) < 2 {
		t.Errorf("the status polls did not wait: %v", sl.all())
	}
}

// TestRun_AuditIngestionOff: the audit log of a tenant with unified audit
// ingestion off is notFound with that reason, never an empty log.
func TestRun_AuditIngestionOff(t *testing.T) {
	src := contosoSource(t, map[string][]byte{
		snapshot.DSExoAdminAuditLogConfig: []byte(`[{"Identity":"Admin Audit Log Settings","UnifiedAuditLogIngestionEnabled":false}]`)})
	srv := startSim(t, src, tenantsim.Options{})
	got, _, _ := collectSim(t, srv, func(c *Config) { c.Incident = src.Manifest.Incident })
	info := got.Info(snapshot.DSIncidentAuditLog)
	if info.Status != snapshot.StatusNotFound || !strings.Contains(info.Reason, "AuditingDisabledTenant") {
		t.Fatalf("audit log: %s %q", info.Status, info.Reason)
	}
	if _, err := got.IncidentAuditLog(); err == nil {
		t.Fatal("a not-collected audit log must not read as an empty one")
	}
}

// TestRun_MailDatasetsGlobalCloudOnly: in other clouds the message trace
// and the audit log query are notFound with that reason, not requested.
func TestRun_MailDatasetsGlobalCloudOnly(t *testing.T) {
	src := contosoSource(t, nil)
	srv := startSim(t, src, tenantsim.Options{})
	got, _, _ := collectSim(t, srv, func(c *Config) { c.Incident = src.Manifest.Incident; c.Cloud = "usgov" })
	for _, id := range []string{snapshot.DSIncidentMessageTrace, snapshot.DSIncidentAuditLog} {
		info := got.Info(id)
		if info.Status != snapshot.StatusNotFound || !strings.Contains(info.Reason, "global cloud only") {
			t.Errorf("%s: %s %q", id, info.Status, info.Reason)
		}
	}
	for _, r := range srv.Requests() {
		if strings.Contains(r.Path, "messageTraces") || strings.Contains(r.Path, "/security/auditLog") {
			t.Errorf("requested %s in a national cloud", r.Path)
		}
	}
}
