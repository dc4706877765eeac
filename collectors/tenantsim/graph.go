package tenantsim

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/jsonscan"
)

// graphRoute is one Graph dataset path, without its version prefix, split in
// segments; "{id}" segments capture the key of a per-key dataset.
type graphRoute struct {
	spec snapshot.Spec
	segs []string
}

func newGraphRoute(sp snapshot.Spec) graphRoute {
	_, rest := splitVersion(sp.Path)
	return graphRoute{spec: sp, segs: strings.Split(strings.Trim(rest, "/"), "/")}
}

func (g graphRoute) match(segs []string) (key string, ok bool) {
	if len(segs) != len(g.segs) {
		return "", false
	}
	for i, s := range g.segs {
		if s == "{id}" {
			key = segs[i]
			continue
		}
		if !strings.EqualFold(s, segs[i]) {
			return "", false
		}
	}
	return key, true
}

// splitVersion splits "/v1.0/users" into "/v1.0" and "/users". A path
// without a known version returns "" and "".
func splitVersion(p string) (version, rest string) {
	for _, v := range []string{"/v1.0", "/beta"} {
		if p == v {
			return v, "/"
		}
		if strings.HasPrefix(p, v+"/") {
			return v, p[len(v):]
		}
	}
	return "", ""
}

// response is one answer, shared by plain requests and $batch items.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request, rec RecordedRequest, body []byte, berr error) {
	if s.serveAuditQuery(w, r, rec, body) {
		return
	}
	version, rest := splitVersion(r.URL.Path)
	isBatch := version != "" && rest == "/$batch"
	if r.Method != http.MethodGet && !(isBatch && r.Method == http.MethodPost) {
		s.refuse(rec)
		resp := s.graphError(r.URL.Path, http.StatusMethodNotAllowed, "Request_BadRequest",
			fmt.Sprintf("tenantsim is read-only: %s %s refused.", r.Method, r.URL.Path), r.Header)
		resp.header.Set("Allow", "GET")
		writeJSON(w, resp.status, resp.header, resp.body)
		return
	}
	var batch *batchRequest
	if isBatch {
		if berr != nil {
			resp := s.graphError(r.URL.Path, http.StatusBadRequest, "BadRequest", "Invalid batch payload: "+berr.Error(), r.Header)
			writeJSON(w, resp.status, resp.header, resp.body)
			return
		}
		b, err := parseBatch(body)
		if err != nil {
			resp := s.graphError(r.URL.Path, http.StatusBadRequest, "BadRequest", err.Error(), r.Header)
			writeJSON(w, resp.status, resp.header, resp.body)
			return
		}
		for _, it := range b.Requests {
			if !strings.EqualFold(it.Method, http.MethodGet) {
				s.refuse(rec)
				resp := s.graphError(r.URL.Path, http.StatusForbidden, "Authorization_RequestDenied",
					fmt.Sprintf("tenantsim is read-only: batch item %q uses %s.", it.ID, it.Method), r.Header)
				writeJSON(w, resp.status, resp.header, resp.body)
				return
			}
		}
		batch = b
	}
	if !checkToken(r, s.opt.GraphToken) {
		msg := "Access token is empty."
		if r.Header.Get("Authorization") != "" {
			msg = "Access token validation failure. Invalid audience."
		}
		resp := s.graphError(r.URL.Path, http.StatusUnauthorized, "InvalidAuthenticationToken", msg, r.Header)
		resp.header.Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
		writeJSON(w, resp.status, resp.header, resp.body)
		return
	}
	base := s.baseURL(r)
	if batch != nil {
		resp := s.serveBatch(base, version, batch, r.Header)
		writeJSON(w, resp.status, resp.header, resp.body)
		return
	}
	resp := s.graphGet(base, r.URL.Path, r.URL.RawQuery, r.Header)
	writeJSON(w, resp.status, resp.header, resp.body)
}

// graphGet answers one GET (a plain request or a $batch item).
func (s *Server) graphGet(base, fullPath, rawQuery string, hdr http.Header) response {
	version, rest := splitVersion(fullPath)
	if version == "" {
		return s.graphError(fullPath, http.StatusNotFound, "Request_ResourceNotFound",
			"Invalid version: the path must start with /v1.0 or /beta.", hdr)
	}
	q, err := parseQuery(rawQuery)
	if err != nil {
		return s.graphError(fullPath, http.StatusBadRequest, "BadRequest", err.Error(), hdr)
	}
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	var (
		route *graphRoute
		key   string
	)
	for i := range s.graphRoutes {
		if k, ok := s.graphRoutes[i].match(segs); ok {
			route, key = &s.graphRoutes[i], k
			break
		}
	}
	if route == nil {
		if len(segs) == 2 && strings.EqualFold(segs[0], "users") {
			return s.singleUser(base, version, segs[1], q, fullPath, hdr)
		}
		return s.graphError(fullPath, http.StatusBadRequest, "BadRequest",
			fmt.Sprintf("Resource not found for the segment '%s'.", segs[len(segs)-1]), hdr)
	}
	sp := route.spec
	ctx := base + version + "/$metadata#" + strings.Trim(rest, "/")

	offset := 0
	if tok := q.get("$skiptoken"); tok != "" {
		t, err := decodeToken(tok)
		if err != nil || t.Dataset != sp.ID || t.Key != key {
			return s.graphError(fullPath, http.StatusBadRequest, "Request_BadRequest", "Invalid $skiptoken value.", hdr)
		}
		offset = t.Offset
	}
	size := s.opt.PageSize
	if top := q.get("$top"); top != "" {
		n, err := strconv.Atoi(top)
		if err != nil || n <= 0 {
			return s.graphError(fullPath, http.StatusBadRequest, "Request_BadRequest", fmt.Sprintf("Invalid value '%s' for $top.", top), hdr)
		}
		if n < size {
			size = n
		}
	}
	page := offset/size + 1
	if f := s.takeFault(sp.ID, fullPath, page); f != nil {
		return s.faultResponse(fullPath, *f, hdr)
	}
	if resp, failed := s.statusResponse(sp, fullPath, hdr); failed {
		return resp
	}
	sel := q.selectSet()
	if sp.ID == snapshot.DSUsers && sel["signinactivity"] && !s.premium {
		return s.graphError(fullPath, http.StatusForbidden, "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
			"Neither tenant is B2C or tenant doesn't have premium license", hdr)
	}

	switch sp.Shape {
	case snapshot.ShapeObject:
		raw, err := s.snap.Raw(sp.ID)
		if err != nil {
			return s.graphError(fullPath, http.StatusInternalServerError, "generalException", err.Error(), hdr)
		}
		return response{status: http.StatusOK, header: http.Header{}, body: withContext(raw, ctx)}
	case snapshot.ShapePerKey:
		m, err := s.snap.RawPerKey(sp.ID)
		if err != nil {
			return s.graphError(fullPath, http.StatusInternalServerError, "generalException", err.Error(), hdr)
		}
		items, ok := m[key]
		if !ok {
			if id, known := s.userID(key); known {
				items, ok = m[id]
			}
		}
		if !ok {
			return s.graphError(fullPath, http.StatusNotFound, "Request_ResourceNotFound",
				fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", key), hdr)
		}
		return s.listPage(base, fullPath, rawQuery, ctx, sp.ID, key, items, q, offset, size, nil, hdr)
	default:
		items, err := s.snap.RawItems(sp.ID)
		if err != nil {
			return s.graphError(fullPath, http.StatusInternalServerError, "generalException", err.Error(), hdr)
		}
		var strip func([]json.RawMessage) []json.RawMessage
		if sp.ID == snapshot.DSUsers && !sel["signinactivity"] {
			strip = func(page []json.RawMessage) []json.RawMessage { return stripKey(page, "signInActivity") }
		}
		return s.listPage(base, fullPath, rawQuery, ctx, sp.ID, key, items, q, offset, size, strip, hdr)
	}
}

// statusResponse answers a dataset the snapshot does not hold as Graph would
// have answered the collector.
func (s *Server) statusResponse(sp snapshot.Spec, fullPath string, hdr http.Header) (response, bool) {
	info := s.snap.Info(sp.ID)
	switch info.Status {
	case snapshot.StatusOK, snapshot.StatusPartial:
		if _, err := s.snap.Raw(sp.ID); err != nil {
			return s.graphError(fullPath, http.StatusInternalServerError, "generalException", "dataset has no data: "+err.Error(), hdr), true
		}
		return response{}, false
	case snapshot.StatusForbidden:
		return s.graphError(fullPath, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.", hdr), true
	case snapshot.StatusUnlicensed:
		return s.graphError(fullPath, http.StatusForbidden, "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
			"Neither tenant is B2C or tenant doesn't have premium license", hdr), true
	case snapshot.StatusError:
		return s.graphError(fullPath, http.StatusInternalServerError, "generalException", "An internal server error occurred.", hdr), true
	default: // notFound, skipped, not in the manifest
		return s.graphError(fullPath, http.StatusNotFound, "Request_ResourceNotFound",
			fmt.Sprintf("Resource not found (dataset %s: %s).", sp.ID, info.Status), hdr), true
	}
}

// singleUser answers GET /users/{id|upn} from the users dataset, so
// collectors can resolve an incident user's object id.
func (s *Server) singleUser(base, version, key string, q query, fullPath string, hdr http.Header) response {
	sp, _ := snapshot.SpecByID(snapshot.DSUsers)
	if resp, failed := s.statusResponse(sp, fullPath, hdr); failed {
		return resp
	}
	if f := s.takeFault(snapshot.DSUsers, fullPath, 1); f != nil {
		return s.faultResponse(fullPath, *f, hdr)
	}
	sel := q.selectSet()
	if sel["signinactivity"] && !s.premium {
		return s.graphError(fullPath, http.StatusForbidden, "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
			"Neither tenant is B2C or tenant doesn't have premium license", hdr)
	}
	id, ok := s.userID(key)
	if !ok {
		return s.graphError(fullPath, http.StatusNotFound, "Request_ResourceNotFound",
			fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", key), hdr)
	}
	items, _ := s.snap.RawItems(snapshot.DSUsers)
	for _, raw := range items {
		var u struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(raw, &u) == nil && u.ID == id {
			if !sel["signinactivity"] {
				raw = stripKey([]json.RawMessage{raw}, "signInActivity")[0]
			}
			return response{status: http.StatusOK, header: http.Header{}, body: withContext(raw, base+version+"/$metadata#users/$entity")}
		}
	}
	return s.graphError(fullPath, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+key+"' does not exist.", hdr)
}

// listPage filters items and answers the page starting at offset; page, if
// set, rewrites the items of the page (never the whole list, so large
// snapshots stay cheap to page through).
func (s *Server) listPage(base, fullPath, rawQuery, ctx, dataset, key string, items []json.RawMessage, q query, offset, size int,
	page func([]json.RawMessage) []json.RawMessage, hdr http.Header) response {
	if f := q.get("$filter"); f != "" {
		kept, err := s.filtered(dataset, key, f, items)
		if err != nil {
			return s.graphError(fullPath, http.StatusBadRequest, "BadRequest", err.Error(), hdr)
		}
		items = kept
	}
	if offset > len(items) {
		offset = len(items)
	}
	end := offset + size
	if end > len(items) {
		end = len(items)
	}
	pageItems := items[offset:end]
	if page != nil {
		pageItems = page(pageItems)
	}
	var b bytes.Buffer
	b.Grow(rawSize(pageItems) + 512)
	b.WriteString(`{"@odata.context":`)
	b.Write(marshal(ctx))
	if strings.EqualFold(q.get("$count"), "true") && offset == 0 {
		fmt.Fprintf(&b, `,"@odata.count":%d`, len(items))
	}
	if end < len(items) {
		next := base + fullPath + "?" + withSkipToken(rawQuery, encodeToken(pageToken{Dataset: dataset, Key: key, Offset: end}))
		b.WriteString(`,"@odata.nextLink":`)
		b.Write(marshal(next))
	}
	b.WriteString(`,"value":[`)
	for i, it := range pageItems {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(bytes.TrimSpace(it))
	}
	b.WriteString("]}")
	return response{status: http.StatusOK, header: http.Header{}, body: b.Bytes()}
}

// rawSize is the total length of items (to size a response buffer once).
func rawSize(items []json.RawMessage) int {
	n := 0
	for _, it := range items {
		n += len(it) + 1
	}
	return n
}

// filtered applies a $filter once per dataset, key and filter text; later
// pages reuse the result, so paging a filtered list costs O(n), not O(n²).
func (s *Server) filtered(dataset, key, expr string, items []json.RawMessage) ([]json.RawMessage, error) {
	ck := dataset + "\x00" + key + "\x00" + expr
	s.mu.Lock()
	if r, ok := s.filterCache[ck]; ok {
		s.mu.Unlock()
		return r.items, r.err
	}
	s.mu.Unlock()
	kept, err := applyFilter(expr, items)
	s.mu.Lock()
	s.filterCache[ck] = filterResult{kept, err}
	s.mu.Unlock()
	return kept, err
}

type filterResult struct {
	items []json.RawMessage
	err   error
}

func applyFilter(expr string, items []json.RawMessage) ([]json.RawMessage, error) {
	flt, err := parseFilter(expr)
	if err != nil {
		return nil, err
	}
	if err := flt.checkProperties(items); err != nil {
		return nil, err
	}
	kept := make([]json.RawMessage, 0, len(items))
	for _, it := range items {
		ok, err := flt.match(it)
		if err != nil {
			return nil, err
		}
		if ok {
			kept = append(kept, it)
		}
	}
	return kept, nil
}

// withContext adds "@odata.context" to a raw object that lacks it.
func withContext(raw []byte, ctx string) []byte {
	raw = bytes.TrimSpace(raw)
	var probe map[string]json.RawMessage
	if json.Unmarshal(raw, &probe) != nil {
		return raw
	}
	if _, ok := probe["@odata.context"]; ok {
		return raw
	}
	var b bytes.Buffer
	b.WriteString(`{"@odata.context":`)
	b.Write(marshal(ctx))
	inner := bytes.TrimSpace(raw[1:])
	if len(inner) > 0 && inner[0] != '}' {
		b.WriteByte(',')
	}
	b.Write(inner)
	return b.Bytes()
}

// stripKey removes a top-level key from each object, keeping the order and
// bytes of everything else.
func stripKey(items []json.RawMessage, key string) []json.RawMessage {
	out := make([]json.RawMessage, len(items))
	for i, it := range items {
		out[i] = it
		if !bytes.Contains(it, []byte(`"`+key+`"`)) {
			continue
		}
		if r, err := removeTopKey(it, key); err == nil {
			out[i] = r
		}
	}
	return out
}

// removeTopKey drops one top-level member of a valid JSON object by
// scanning its bytes (the items come from a verified snapshot), which is
// far cheaper than tokenising with encoding/json on large tenants.
func removeTopKey(raw []byte, key string) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) < 2 || raw[0] != '{' {
		return nil, errors.New("not an object")
	}
	want := marshal(key)
	i := jsonscan.SkipWS(raw, 1)
	first := true
	for i < len(raw) && raw[i] != '}' {
		memberStart := i
		keyEnd, err := jsonscan.String(raw, i)
		if err != nil {
			return nil, err
		}
		k := raw[i:keyEnd]
		i = jsonscan.SkipWS(raw, keyEnd)
		if i >= len(raw) || raw[i] != ':' {
			return nil, errors.New("malformed object")
		}
		valEnd, err := jsonscan.Value(raw, jsonscan.SkipWS(raw, i+1))
		if err != nil {
			return nil, err
		}
		next := jsonscan.SkipWS(raw, valEnd)
		hasComma := next < len(raw) && raw[next] == ','
		if hasComma {
			next = jsonscan.SkipWS(raw, next+1)
		}
		if bytes.Equal(k, want) {
			out := make([]byte, 0, len(raw))
			switch {
			case hasComma:
				out = append(append(out, raw[:memberStart]...), raw[next:]...)
			case first:
				out = append(append(out, raw[:memberStart]...), raw[next:]...)
			default:
				// Last member: drop the comma before it.
				j := memberStart - 1
				for j > 0 && raw[j] != ',' {
					j--
				}
				out = append(append(out, raw[:j]...), raw[next:]...)
			}
			return out, nil
		}
		first = false
		i = next
	}
	return raw, nil
}

// pageToken is what an opaque $skiptoken carries.
type pageToken struct {
	Dataset string `json:"d"`
	Key     string `json:"k,omitempty"`
	Offset  int    `json:"o"`
}

func encodeToken(t pageToken) string {
	b := marshal(t)
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(append(b, sum[:4]...))
}

func decodeToken(s string) (pageToken, error) {
	var t pageToken
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) < 5 {
		return t, errors.New("bad token")
	}
	body, mac := raw[:len(raw)-4], raw[len(raw)-4:]
	sum := sha256.Sum256(body)
	if !bytes.Equal(sum[:4], mac) {
		return t, errors.New("bad token")
	}
	if err := json.Unmarshal(body, &t); err != nil || t.Offset < 0 {
		return t, errors.New("bad token")
	}
	return t, nil
}

// withSkipToken replaces $skiptoken in a raw query, leaving every other
// parameter byte for byte.
func withSkipToken(rawQuery, tok string) string {
	var parts []string
	for _, p := range strings.Split(rawQuery, "&") {
		if p == "" {
			continue
		}
		name := p
		if i := strings.IndexByte(p, '='); i >= 0 {
			name = p[:i]
		}
		if n, err := url.QueryUnescape(name); err == nil && strings.EqualFold(n, "$skiptoken") {
			continue
		}
		parts = append(parts, p)
	}
	parts = append(parts, "$skiptoken="+tok)
	return strings.Join(parts, "&")
}

// query holds the parameters with lower-cased names (Graph system query
// options are case-insensitive).
type query map[string]string

func parseQuery(raw string) (query, error) {
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid query string: %w", err)
	}
	q := query{}
	for k, v := range vals {
		if len(v) > 0 {
			q[strings.ToLower(k)] = v[0]
		}
	}
	return q, nil
}

func (q query) get(name string) string { return q[strings.ToLower(name)] }

func (q query) selectSet() map[string]bool {
	set := map[string]bool{}
	for _, f := range strings.Split(q.get("$select"), ",") {
		if f = strings.TrimSpace(f); f != "" {
			set[strings.ToLower(f)] = true
		}
	}
	return set
}

func (s *Server) faultResponse(fullPath string, f Fault, hdr http.Header) response {
	code, msg := f.Code, f.Message
	if code == "" || msg == "" {
		dc, dm := defaultGraphError(f.Status)
		if code == "" {
			code = dc
		}
		if msg == "" {
			msg = dm
		}
	}
	resp := s.graphError(fullPath, f.Status, code, msg, hdr)
	if f.RetryAfter != "" {
		resp.header.Set("Retry-After", f.RetryAfter)
	}
	return resp
}

func defaultGraphError(status int) (code, msg string) {
	switch status {
	case http.StatusTooManyRequests:
		return "TooManyRequests", "Too many requests."
	case http.StatusServiceUnavailable:
		return "ServiceUnavailable", "The service is temporarily unavailable."
	case http.StatusGatewayTimeout:
		return "GatewayTimeout", "The gateway did not receive a response in time."
	case http.StatusForbidden:
		return "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
	case http.StatusNotFound:
		return "Request_ResourceNotFound", "Resource not found."
	case http.StatusUnauthorized:
		return "InvalidAuthenticationToken", "Access token validation failure."
	case http.StatusBadRequest:
		return "BadRequest", "Bad request."
	}
	return "generalException", "An internal server error occurred."
}

// graphError builds the Graph error envelope. The request-id is derived from
// the request so answers stay deterministic; the date is collectedAt.
func (s *Server) graphError(fullPath string, status int, code, msg string, hdr http.Header) response {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s|%d|%s", fullPath, status, code)))
	rid := uuidFrom(sum[:16])
	crid := rid
	if hdr != nil && hdr.Get("client-request-id") != "" {
		crid = hdr.Get("client-request-id")
	}
	env := map[string]any{"error": map[string]any{
		"code":    code,
		"message": msg,
		"innerError": map[string]any{
			"date":              s.snap.Manifest.CollectedAt.UTC().Format("2006-01-02T15:04:05"),
			"request-id":        rid,
			"client-request-id": crid,
		},
	}}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("request-id", rid)
	return response{status: status, header: h, body: marshal(env)}
}

func uuidFrom(b []byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
