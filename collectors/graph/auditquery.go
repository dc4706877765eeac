package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
)

// The one request collection sends that is not a GET: creating a unified
// audit log query (POST /v1.0/security/auditLog/queries). It writes nothing
// to the tenant's configuration, but it is a POST, so the read-only guard
// admits it only for exactly this path with exactly this body shape.

// auditQueryPath is the path (below the service root) of the exception.
const auditQueryPath = "/v1.0/security/auditLog/queries"

// AuditLogQuery is the body of the audit log query the collector creates.
// Its JSON is the only POST body the guard admits besides $batch.
type AuditLogQuery struct {
	ODataType                string    `json:"@odata.type"`
	DisplayName              string    `json:"displayName"`
	FilterStartDateTime      time.Time `json:"filterStartDateTime"`
	FilterEndDateTime        time.Time `json:"filterEndDateTime"`
	OperationFilters         []string  `json:"operationFilters,omitempty"`
	UserPrincipalNameFilters []string  `json:"userPrincipalNameFilters,omitempty"`
	RecordTypeFilters        []string  `json:"recordTypeFilters,omitempty"`
}

// auditQueryKeys are the body keys the guard admits; any other key (a
// status, records, or anything unknown) is refused.
var auditQueryKeys = map[string]string{
	"@odata.type": "string", "displayName": "string", "filterStartDateTime": "time", "filterEndDateTime": "time",
	"operationFilters": "strings", "userPrincipalNameFilters": "strings", "recordTypeFilters": "strings",
}

// checkAuditQuery admits POST /v1.0/security/auditLog/queries (below the
// root path) with no query string and a body of the AuditLogQuery shape:
// only the known keys, a start and an end time, string lists as lists of
// strings. Anything else is an error saying why, and the guard refuses it.
func checkAuditQuery(rootPath, path, rawQuery string, body []byte) error {
	if path != rootPath+auditQueryPath {
		return fmt.Errorf("not the audit log query path")
	}
	if rawQuery != "" {
		return fmt.Errorf("a query string on the audit log query creation")
	}
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil || m == nil {
		return fmt.Errorf("audit log query body is not a JSON object")
	}
	if dec.More() {
		return fmt.Errorf("audit log query body has trailing data")
	}
	for k, v := range m {
		kind, ok := auditQueryKeys[k]
		if !ok {
			return fmt.Errorf("audit log query body has a field %q outside the admitted shape", k)
		}
		switch kind {
		case "string":
			var s string
			if json.Unmarshal(v, &s) != nil {
				return fmt.Errorf("audit log query field %s is not a string", k)
			}
			if k == "@odata.type" && s != "#microsoft.graph.security.auditLogQuery" {
				return fmt.Errorf("audit log query @odata.type %q", s)
			}
		case "time":
			var t time.Time
			if json.Unmarshal(v, &t) != nil {
				return fmt.Errorf("audit log query field %s is not a time", k)
			}
		case "strings":
			var l []string
			if json.Unmarshal(v, &l) != nil {
				return fmt.Errorf("audit log query field %s is not a list of strings", k)
			}
		}
	}
	for _, k := range []string{"filterStartDateTime", "filterEndDateTime"} {
		if _, ok := m[k]; !ok {
			return fmt.Errorf("audit log query body lacks %s", k)
		}
	}
	return nil
}

// CreateAuditLogQuery creates a unified audit log query and returns the
// created query object (its id and status).
func (c *Client) CreateAuditLogQuery(ctx context.Context, q AuditLogQuery) (json.RawMessage, error) {
	q.ODataType = "#microsoft.graph.security.auditLogQuery"
	body, err := json.Marshal(q)
	if err != nil {
		return nil, fmt.Errorf("graph: audit log query body: %w", err)
	}
	ri, err := c.RawRequest(auditQueryPath, "")
	if err != nil {
		return nil, err
	}
	ri.Method = abs.POST
	ri.SetStreamContentAndContentType(body, "application/json")
	return c.Object(ctx, ri)
}

// AuditLogQueryStatus reads an audit log query (GET …/queries/{id}).
func (c *Client) AuditLogQueryStatus(ctx context.Context, id string) (json.RawMessage, error) {
	if id == "" || strings.ContainsAny(id, "/?#") {
		return nil, fmt.Errorf("graph: bad audit log query id %q", id)
	}
	ri, err := c.RawRequest(auditQueryPath+"/"+id, "")
	if err != nil {
		return nil, err
	}
	return c.Object(ctx, ri)
}

// AuditLogRecords reads every page of an audit log query's records.
func (c *Client) AuditLogRecords(ctx context.Context, id string, top int) ([]json.RawMessage, int, error) {
	if id == "" || strings.ContainsAny(id, "/?#") {
		return nil, 0, fmt.Errorf("graph: bad audit log query id %q", id)
	}
	q := ""
	if top > 0 {
		q = fmt.Sprintf("$top=%d", top)
	}
	ri, err := c.RawRequest(auditQueryPath+"/"+id+"/records", q)
	if err != nil {
		return nil, 0, err
	}
	return c.List(ctx, ri)
}

// Wait sleeps d with the client's sleep function (injected in tests), or
// returns early when ctx ends.
func (c *Client) Wait(ctx context.Context, d time.Duration) error { return c.sleep(ctx, d) }
