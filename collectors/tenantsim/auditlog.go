package tenantsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// The audit log query lifecycle of Graph's audit log query API, served
// from the snapshot's incidentAuditLog dataset:
//   - POST /v1.0/security/auditLog/queries with an auditLogQuery body
//     answers 201 with the query, status notStarted (the only POST besides
//     $batch the simulated tenant accepts; a body with other fields is
//     refused as a write);
//   - GET …/queries/{id} answers running on the first poll and succeeded
//     from the second;
//   - GET …/queries/{id}/records pages the records that match the query's
//     window, operations and users (only once the query succeeded).
//
// A tenant whose Get-AdminAuditLogConfig says UnifiedAuditLogIngestionEnabled
// is False, or whose incidentAuditLog is notFound for that reason, answers
// the POST with 400 and "AuditingDisabledTenant", as the service does.

// auditQueries holds the queries created on a server. Its zero value is
// ready to use.
type auditQueries struct {
	mu   sync.Mutex
	next int
	byID map[string]*auditQuery
}

type auditQuery struct {
	ID                       string    `json:"id"`
	DisplayName              string    `json:"displayName"`
	FilterStartDateTime      time.Time `json:"filterStartDateTime"`
	FilterEndDateTime        time.Time `json:"filterEndDateTime"`
	OperationFilters         []string  `json:"operationFilters"`
	UserPrincipalNameFilters []string  `json:"userPrincipalNameFilters"`
	RecordTypeFilters        []string  `json:"recordTypeFilters"`
	Status                   string    `json:"status"`
	polls                    int
}

var auditQueryFields = map[string]bool{"@odata.type": true, "displayName": true, "filterStartDateTime": true, "filterEndDateTime": true,
	"operationFilters": true, "userPrincipalNameFilters": true, "recordTypeFilters": true}

// serveAuditQuery answers the audit log query paths; it returns false for
// any other request (and for methods other than GET and POST, which the
// caller refuses as writes).
func (s *Server) serveAuditQuery(w http.ResponseWriter, r *http.Request, rec RecordedRequest, body []byte) bool {
	version, rest := splitVersion(r.URL.Path)
	const base = "/security/auditLog/queries"
	if version != "/v1.0" || !strings.HasPrefix(strings.ToLower(rest), strings.ToLower(base)) {
		return false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return false
	}
	segs := strings.Split(strings.Trim(rest[len(base):], "/"), "/")
	if segs[0] == "" {
		segs = nil
	}
	write := func(resp response) { writeJSON(w, resp.status, resp.header, resp.body) }
	if r.Method == http.MethodPost && len(segs) != 0 {
		return false // a POST anywhere else under the queries is a write
	}
	if !checkToken(r, s.opt.GraphToken) {
		write(s.graphError(r.URL.Path, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.", r.Header))
		return true
	}
	sp, _ := snapshot.SpecByID(snapshot.DSIncidentAuditLog)
	switch {
	case r.Method == http.MethodPost:
		q, err := parseAuditQuery(body)
		if err != nil {
			s.refuse(rec)
			write(s.graphError(r.URL.Path, http.StatusForbidden, "Authorization_RequestDenied",
				"tenantsim is read-only: only an audit log query of the documented shape may be created: "+err.Error(), r.Header))
			return true
		}
		if f := s.takeFault(sp.ID, r.URL.Path, 0); f != nil {
			write(s.faultResponse(r.URL.Path, *f, r.Header))
			return true
		}
		if s.auditIngestionOff() {
			write(s.graphError(r.URL.Path, http.StatusBadRequest, "BadRequest",
				`{"Status":"AuditingDisabledTenant","Message":"Auditing is disabled for the tenant."}`, r.Header))
			return true
		}
		if resp, failed := s.statusResponse(sp, r.URL.Path, r.Header); failed {
			write(resp)
			return true
		}
		s.audit.mu.Lock()
		if s.audit.byID == nil {
			s.audit.byID = map[string]*auditQuery{}
		}
		s.audit.next++
		q.ID = fmt.Sprintf("00000000-0000-0000-0000-a0d170%06d", s.audit.next)
		q.Status = "notStarted"
		s.audit.byID[q.ID] = q
		out := *q
		s.audit.mu.Unlock()
		b := marshal(out)
		write(response{status: http.StatusCreated, header: http.Header{}, body: withContext(b, s.baseURL(r)+"/v1.0/$metadata#security/auditLog/queries/$entity")})
		return true
	case len(segs) == 0:
		write(s.graphError(r.URL.Path, http.StatusBadRequest, "BadRequest", "tenantsim does not list audit log queries.", r.Header))
		return true
	}
	s.audit.mu.Lock()
	q, ok := s.audit.byID[segs[0]]
	var snap auditQuery
	if ok {
		if len(segs) == 1 {
			q.polls++
			switch {
			case q.polls >= 2:
				q.Status = "succeeded"
			default:
				q.Status = "running"
			}
		}
		snap = *q
	}
	s.audit.mu.Unlock()
	if !ok {
		write(s.graphError(r.URL.Path, http.StatusNotFound, "ResourceNotFound", "The audit log query does not exist.", r.Header))
		return true
	}
	switch {
	case len(segs) == 1:
		write(response{status: http.StatusOK, header: http.Header{}, body: withContext(marshal(snap), s.baseURL(r)+"/v1.0/$metadata#security/auditLog/queries/$entity")})
	case len(segs) == 2 && strings.EqualFold(segs[1], "records"):
		if snap.Status != "succeeded" {
			write(s.graphError(r.URL.Path, http.StatusBadRequest, "BadRequest", "The audit log query has not finished (status "+snap.Status+").", r.Header))
			return true
		}
		write(s.auditRecords(r, &snap))
	default:
		write(s.graphError(r.URL.Path, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+segs[len(segs)-1]+"'.", r.Header))
	}
	return true
}

func parseAuditQuery(body []byte) (*auditQuery, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, fmt.Errorf("the body is not a JSON object")
	}
	for k := range m {
		if !auditQueryFields[k] {
			return nil, fmt.Errorf("field %q", k)
		}
	}
	var q auditQuery
	if err := json.Unmarshal(body, &q); err != nil {
		return nil, err
	}
	if q.FilterStartDateTime.IsZero() || q.FilterEndDateTime.IsZero() {
		return nil, fmt.Errorf("filterStartDateTime and filterEndDateTime are required")
	}
	return &q, nil
}

// auditIngestionOff reports whether the snapshot says unified audit log
// ingestion is off.
func (s *Server) auditIngestionOff() bool {
	if cfg, err := s.snap.AdminAuditLogConfig(); err == nil && cfg.UnifiedAuditLogIngestionEnabled.False() {
		return true
	}
	return strings.Contains(s.snap.Info(snapshot.DSIncidentAuditLog).Reason, "AuditingDisabledTenant")
}

// auditRecords answers one page of a query's records.
func (s *Server) auditRecords(r *http.Request, q *auditQuery) response {
	sp, _ := snapshot.SpecByID(snapshot.DSIncidentAuditLog)
	qs, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return s.graphError(r.URL.Path, http.StatusBadRequest, "BadRequest", err.Error(), r.Header)
	}
	offset := 0
	if tok := qs.get("$skiptoken"); tok != "" {
		t, err := decodeToken(tok)
		if err != nil || t.Dataset != sp.ID || t.Key != q.ID {
			return s.graphError(r.URL.Path, http.StatusBadRequest, "Request_BadRequest", "Invalid $skiptoken value.", r.Header)
		}
		offset = t.Offset
	}
	size := s.opt.PageSize
	if top := qs.get("$top"); top != "" {
		n, err := strconv.Atoi(top)
		if err != nil || n <= 0 {
			return s.graphError(r.URL.Path, http.StatusBadRequest, "Request_BadRequest", fmt.Sprintf("Invalid value '%s' for $top.", top), r.Header)
		}
		if n < size {
			size = n
		}
	}
	if f := s.takeFault(sp.ID, r.URL.Path, offset/size+1); f != nil {
		return s.faultResponse(r.URL.Path, *f, r.Header)
	}
	items, err := s.snap.RawItems(sp.ID)
	if err != nil {
		return s.graphError(r.URL.Path, http.StatusInternalServerError, "generalException", err.Error(), r.Header)
	}
	ops := map[string]bool{}
	for _, o := range q.OperationFilters {
		ops[strings.ToLower(o)] = true
	}
	upns := map[string]bool{}
	for _, u := range q.UserPrincipalNameFilters {
		upns[strings.ToLower(u)] = true
	}
	var kept []json.RawMessage
	for _, raw := range items {
		var rec struct {
			CreatedDateTime   time.Time `json:"createdDateTime"`
			Operation         string    `json:"operation"`
			UserPrincipalName string    `json:"userPrincipalName"`
		}
		if json.Unmarshal(raw, &rec) != nil {
			continue
		}
		if rec.CreatedDateTime.Before(q.FilterStartDateTime) || rec.CreatedDateTime.After(q.FilterEndDateTime) {
			continue
		}
		if len(ops) > 0 && !ops[strings.ToLower(rec.Operation)] {
			continue
		}
		if len(upns) > 0 && !upns[strings.ToLower(rec.UserPrincipalName)] {
			continue
		}
		kept = append(kept, raw)
	}
	ctx := s.baseURL(r) + "/v1.0/$metadata#security/auditLog/queries('" + q.ID + "')/records"
	// listPage applies no $filter here (the query's filters were applied).
	delete(qs, "$filter")
	return s.listPage(s.baseURL(r), r.URL.Path, r.URL.RawQuery, ctx, sp.ID, q.ID, kept, qs, offset, size, nil, r.Header)
}
