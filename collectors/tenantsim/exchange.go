package tenantsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// isExchangePath reports whether p is under /adminapi/.
func isExchangePath(p string) bool {
	return len(p) >= len("/adminapi/") && strings.EqualFold(p[:len("/adminapi/")], "/adminapi/")
}

type invokeBody struct {
	CmdletInput struct {
		CmdletName string         `json:"CmdletName"`
		Parameters map[string]any `json:"Parameters"`
	} `json:"CmdletInput"`
}

// serveExchange answers POST /adminapi/beta/{tenant}/InvokeCommand.
func (s *Server) serveExchange(w http.ResponseWriter, r *http.Request, rec RecordedRequest, body []byte, berr error) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(segs) != 4 || !strings.EqualFold(segs[1], "beta") || !strings.EqualFold(segs[3], "InvokeCommand") {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			s.refuse(rec)
		}
		resp := s.exoError(http.StatusNotFound, "NotFound", "The resource '"+r.URL.Path+"' was not found.", "")
		writeJSON(w, resp.status, resp.header, resp.body)
		return
	}
	if r.Method != http.MethodPost {
		s.refuse(rec)
		resp := s.exoError(http.StatusMethodNotAllowed, "MethodNotAllowed", "tenantsim is read-only: "+r.Method+" refused.", "")
		resp.header.Set("Allow", "POST")
		writeJSON(w, resp.status, resp.header, resp.body)
		return
	}
	var in invokeBody
	if berr != nil || json.Unmarshal(body, &in) != nil || in.CmdletInput.CmdletName == "" {
		resp := s.exoError(http.StatusBadRequest, "BadRequest", "The request body is not a valid CmdletInput.",
			"Microsoft.Exchange.Admin.OData.Core.ODataServiceException")
		writeJSON(w, resp.status, resp.header, resp.body)
		return
	}
	cmdlet := in.CmdletInput.CmdletName
	if !strings.HasPrefix(strings.ToLower(cmdlet), "get-") {
		// Only Get-* cmdlets read; anything else could change the tenant.
		s.refuse(rec)
		resp := s.exoError(http.StatusForbidden, "Forbidden",
			fmt.Sprintf("tenantsim is read-only: cmdlet %s refused.", cmdlet), "Microsoft.Exchange.Management.Tasks.AccessDeniedException")
		writeJSON(w, resp.status, resp.header, resp.body)
		return
	}
	if !checkToken(r, s.opt.ExchangeToken) {
		resp := s.exoError(http.StatusUnauthorized, "Unauthorized", "The access token is missing or not valid for this audience.", "")
		resp.header.Set("WWW-Authenticate", `Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="invalid_token"`)
		writeJSON(w, resp.status, resp.header, resp.body)
		return
	}
	tenant := segs[2]
	if !s.tenantIDs[strings.ToLower(tenant)] {
		resp := s.exoError(http.StatusNotFound, "NotFound", "Tenant '"+tenant+"' could not be found.", "")
		writeJSON(w, resp.status, resp.header, resp.body)
		return
	}
	sp, ok := s.exoBySpec[strings.ToLower(cmdlet)]
	if !ok {
		msg := fmt.Sprintf("The term '%s' is not recognized as a name of a cmdlet, function, script file, or executable program.", cmdlet)
		resp := s.exoError(http.StatusBadRequest, "BadRequest", msg, "System.Management.Automation.CommandNotFoundException")
		writeJSON(w, resp.status, resp.header, resp.body)
		return
	}
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		resp := s.exoError(http.StatusBadRequest, "BadRequest", err.Error(), "")
		writeJSON(w, resp.status, resp.header, resp.body)
		return
	}
	key := ""
	if sp.Shape == snapshot.ShapePerKey {
		id, _ := in.CmdletInput.Parameters["Identity"].(string)
		if id == "" {
			id, _ = in.CmdletInput.Parameters["Mailbox"].(string)
		}
		key = id
	}
	offset := 0
	if tok := q.get("$skiptoken"); tok != "" {
		t, err := decodeToken(tok)
		if err != nil || t.Dataset != sp.ID || t.Key != key {
			resp := s.exoError(http.StatusBadRequest, "BadRequest", "Expired or Invalid pagination request. Default Expiry time is 00:30:00",
				"Microsoft.Exchange.Admin.OData.Core.ODataServiceException")
			writeJSON(w, resp.status, resp.header, resp.body)
			return
		}
		offset = t.Offset
	}
	pageSize := exoPageSize(s.opt.ExchangePageSize, r.Header.Get("Prefer"))
	page := 1
	if pageSize > 0 {
		page = offset/pageSize + 1
	}
	if f := s.takeFault(sp.ID, r.URL.Path, page); f != nil {
		code, msg := f.Code, f.Message
		if code == "" {
			code, _ = defaultGraphError(f.Status)
		}
		if msg == "" {
			_, msg = defaultGraphError(f.Status)
		}
		resp := s.exoError(f.Status, code, msg, "")
		if f.RetryAfter != "" {
			resp.header.Set("Retry-After", f.RetryAfter)
		}
		writeJSON(w, resp.status, resp.header, resp.body)
		return
	}
	if resp, failed := s.exoStatus(sp); failed {
		writeJSON(w, resp.status, resp.header, resp.body)
		return
	}
	var rows []json.RawMessage
	if sp.Shape == snapshot.ShapePerKey {
		m, err := s.snap.RawPerKey(sp.ID)
		if err != nil {
			resp := s.exoError(http.StatusInternalServerError, "InternalServerError", err.Error(), "")
			writeJSON(w, resp.status, resp.header, resp.body)
			return
		}
		rows, ok = m[key]
		if !ok {
			if id, known := s.userID(key); known {
				rows, ok = m[id]
			}
		}
		if !ok {
			msg := fmt.Sprintf("The operation couldn't be performed because object '%s' couldn't be found on '%s'.", key, "tenantsim")
			resp := s.exoError(http.StatusNotFound, "NotFound", msg, "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException")
			writeJSON(w, resp.status, resp.header, resp.body)
			return
		}
	} else {
		rows, err = s.snap.RawItems(sp.ID)
		if err != nil {
			resp := s.exoError(http.StatusInternalServerError, "InternalServerError", err.Error(), "")
			writeJSON(w, resp.status, resp.header, resp.body)
			return
		}
	}
	if offset > len(rows) {
		offset = len(rows)
	}
	end := len(rows)
	if pageSize > 0 && offset+pageSize < end {
		end = offset + pageSize
	}
	base := s.baseURL(r)
	var b bytes.Buffer
	b.Grow(rawSize(rows[offset:end]) + 512)
	b.WriteString(`{"@odata.context":`)
	b.Write(marshal(base + "/adminapi/beta/" + tenant + "/$metadata#Collection(Exchange.GenericHashTable)"))
	b.WriteString(`,"adminapi.warnings@odata.type":"#Collection(String)","@adminapi.warnings":[]`)
	if end < len(rows) {
		next := base + r.URL.Path + "?" + withSkipToken(r.URL.RawQuery, encodeToken(pageToken{Dataset: sp.ID, Key: key, Offset: end}))
		b.WriteString(`,"@odata.nextLink":`)
		b.Write(marshal(next))
	}
	b.WriteString(`,"value":[`)
	for i, row := range rows[offset:end] {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(bytes.TrimSpace(row))
	}
	b.WriteString("]}")
	writeJSON(w, http.StatusOK, nil, b.Bytes())
}

// exoPageSize is the rows per page: Options.ExchangePageSize, lowered by a
// "Prefer: odata.maxpagesize=N" header as the service honours it (0 = one
// page).
func exoPageSize(configured int, prefer string) int {
	size := configured
	for _, part := range strings.Split(prefer, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "odata.maxpagesize") {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err == nil && n > 0 && (size == 0 || n < size) {
			size = n
		}
	}
	return size
}

// exoStatus answers a dataset the snapshot does not hold.
func (s *Server) exoStatus(sp snapshot.Spec) (response, bool) {
	info := s.snap.Info(sp.ID)
	switch info.Status {
	case snapshot.StatusOK, snapshot.StatusPartial:
		if _, err := s.snap.Raw(sp.ID); err != nil {
			return s.exoError(http.StatusInternalServerError, "InternalServerError", "dataset has no data: "+err.Error(), ""), true
		}
		return response{}, false
	case snapshot.StatusForbidden, snapshot.StatusUnlicensed:
		return s.exoError(http.StatusForbidden, "Forbidden", "The user or application is not authorized to run "+sp.Cmdlet+".",
			"Microsoft.Exchange.Management.Tasks.AccessDeniedException"), true
	case snapshot.StatusError:
		return s.exoError(http.StatusInternalServerError, "InternalServerError", "An internal server error occurred.", ""), true
	default:
		return s.exoError(http.StatusNotFound, "NotFound", fmt.Sprintf("No data for %s (dataset %s: %s).", sp.Cmdlet, sp.ID, info.Status), ""), true
	}
}

// exoError builds the admin API error envelope (collection.md §3.3): the
// useful text sits in innererror.internalexception.message and in
// details[0].message after a |Type| prefix.
func (s *Server) exoError(status int, code, msg, exType string) response {
	if exType == "" {
		exType = "Microsoft.Exchange.Admin.OData.Core.ODataServiceException"
	}
	env := map[string]any{"error": map[string]any{
		"code":    code,
		"message": "Invalid Operation",
		"details": []any{map[string]any{"code": "Client", "target": "", "message": "|" + exType + "|" + msg}},
		"innererror": map[string]any{
			"message": "Invalid Operation",
			"type":    "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
			"internalexception": map[string]any{
				"message": msg,
				"type":    exType,
			},
		},
	}}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return response{status: status, header: h, body: marshal(env)}
}
