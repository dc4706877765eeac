// Package tenantsim is a simulated Microsoft 365 tenant: it serves any
// snapshot over HTTP as Microsoft Graph (v1.0 and beta) and as the Exchange
// Online admin API (InvokeCommand), with paging, $batch, gzip request bodies,
// bearer-token checks, throttling and fault injection. It refuses every
// write and records it, so tests can prove collectors are read-only.
//
// Choices worth knowing when coding against it:
//   - Graph list pages hold min($top, Options.PageSize) items: $top is an
//     upper bound, but paging still happens at PageSize (default 2) so that
//     nextLink handling is always exercised. nextLinks are absolute URLs
//     pointing at this server with an opaque $skiptoken.
//   - $select is tolerated and does not project, except that signInActivity
//     is only returned on users when it is selected (as Graph does), and
//     selecting it on a tenant without Entra ID P1 is refused with 403
//     Authentication_RequestFromNonPremiumTenantOrB2CTenant.
//   - Singletons get an "@odata.context" key added; list pages carry
//     "@odata.context", "value" and, except on the last page, "@odata.nextLink".
//   - $filter understands comparisons (eq, ne, ge, gt, le, lt) joined by
//     "and" on properties the items have; anything else is a 400, never
//     silently ignored.
//   - Exchange answers one page unless Options.ExchangePageSize or a
//     "Prefer: odata.maxpagesize=N" header asks for smaller pages; a
//     nextLink is re-POSTed with the same body (another body is refused with
//     "Expired or Invalid pagination request").
//   - Faults are matched in the order added; the first that still has uses
//     answers. Page counts from 1 per dataset (and per key).
//   - Besides the dataset paths, GET /users/{id or UPN} answers one user from
//     the users dataset (to resolve an incident user), and per-key paths and
//     Get-MailboxPermission -Identity accept a UPN as well as an object id.
//   - Requests() records outer HTTP requests only (a $batch is one request).
//   - Nothing is served for datasets the manifest marks forbidden,
//     unlicensed, notFound, error or skipped: they answer the HTTP error
//     Graph or Exchange gave the collector (403, 404, 500).
package tenantsim

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Fault injects an error response into matching requests.
type Fault struct {
	// Match selects requests: a dataset ID from snapshot.Specs() (e.g.
	// "users", "exoCasMailbox"), or a Graph path prefix like "/v1.0/users"
	// (a prefix without a version, like "/users", matches both versions).
	Match string
	// Status is the HTTP status to answer: 429, 503, 504, 403, 404, 500.
	Status int
	// RetryAfter is the Retry-After header value ("" = none).
	RetryAfter string
	// Times is how many times to inject (0 = every time).
	Times int
	// Page injects only on this page number (0 = any page; 2 = the second
	// page), so tests can fail a page after the first.
	Page int
	// Code and Message are the Graph/Exchange error code and message
	// (defaults per status).
	Code, Message string
}

// Options configure a simulated tenant.
type Options struct {
	// GraphToken and ExchangeToken are the bearer tokens required on Graph
	// and Exchange paths ("" = not checked).
	GraphToken, ExchangeToken string
	// PageSize is the number of items per Graph page (default 2: small
	// pages exercise paging).
	PageSize int
	// ExchangePageSize is the number of rows per InvokeCommand page (0 = no
	// paging).
	ExchangePageSize int
	// Faults are injected into matching requests; more can be added with
	// AddFault.
	Faults []Fault
	// Latency is added to every response (the wait ends early when the
	// request's context is cancelled).
	Latency time.Duration
	// Logger receives one debug line per request (nil = discard).
	Logger *slog.Logger
	// ResourceUnits is Graph's resource-unit budget per 10 seconds for the
	// app and tenant (8,000 for a tenant over 500 users; 0 = unlimited).
	// Every Graph answer carries x-ms-resource-unit, and
	// x-ms-throttle-limit-percentage above 80 % of the budget; a request
	// over budget gets 429 with Retry-After.
	ResourceUnits int
}

// RecordedRequest is one request the server received.
type RecordedRequest struct {
	Method, Path, RawQuery string
	Header                 http.Header
	// Body is the decoded (gunzipped) request body.
	Body []byte
}

// Server is a simulated tenant. It is safe for concurrent use.
type Server struct {
	snap *snapshot.Snapshot
	opt  Options
	log  *slog.Logger

	graphRoutes []graphRoute
	exoBySpec   map[string]snapshot.Spec // lower-case cmdlet -> spec
	tenantIDs   map[string]bool          // lower-case tenant GUID and initial domain
	premium     bool                     // tenant has Entra ID P1 or P2

	// The user index (lower-case UPN or id -> object id) is built on first
	// use: only per-key and single-user requests need it, and decoding
	// every user up front would dominate serving a large tenant.
	usersOnce sync.Once
	userKeys  map[string]string

	audit auditQueries // audit log queries created (auditlog.go)

	ru *ruBucket // nil without Options.ResourceUnits

	mu          sync.Mutex
	faults      []*faultState
	filterCache map[string]filterResult
	requests    []RecordedRequest
	refused     []RecordedRequest
	url         string

	srv       *http.Server
	ln        net.Listener
	closed    chan struct{} // closed by Close: ends latency waits
	closeOnce sync.Once
}

type faultState struct {
	Fault
	used int
}

// New builds a simulated tenant serving snap.
func New(snap *snapshot.Snapshot, opt Options) (*Server, error) {
	if snap == nil {
		return nil, errors.New("tenantsim: nil snapshot")
	}
	if opt.PageSize <= 0 {
		opt.PageSize = 2
	}
	if opt.ExchangePageSize < 0 {
		opt.ExchangePageSize = 0
	}
	s := &Server{snap: snap, opt: opt, log: opt.Logger, exoBySpec: map[string]snapshot.Spec{},
		tenantIDs: map[string]bool{}, filterCache: map[string]filterResult{},
		closed: make(chan struct{})}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opt.ResourceUnits > 0 {
		s.ru = &ruBucket{limit: opt.ResourceUnits, window: 10 * time.Second}
	}
	for _, sp := range snapshot.Specs() {
		switch sp.Source {
		case snapshot.SourceGraph:
			s.graphRoutes = append(s.graphRoutes, newGraphRoute(sp))
		case snapshot.SourceExchange:
			s.exoBySpec[strings.ToLower(sp.Cmdlet)] = sp
		}
	}
	if err := s.indexTenant(); err != nil {
		return nil, err
	}
	for _, f := range opt.Faults {
		s.AddFault(f)
	}
	return s, nil
}

// indexTenant learns the tenant's identifiers and whether it holds Entra ID
// P1/P2.
func (s *Server) indexTenant() error {
	m := s.snap.Manifest
	if m.Tenant.ID != "" {
		s.tenantIDs[strings.ToLower(m.Tenant.ID)] = true
	}
	if m.Tenant.InitialDomain != "" {
		s.tenantIDs[strings.ToLower(m.Tenant.InitialDomain)] = true
	}
	if orgs, err := s.snap.RawItems(snapshot.DSOrganization); err == nil {
		for _, raw := range orgs {
			var o struct {
				ID              string `json:"id"`
				VerifiedDomains []struct {
					Name      string `json:"name"`
					IsInitial bool   `json:"isInitial"`
				} `json:"verifiedDomains"`
			}
			if json.Unmarshal(raw, &o) != nil {
				continue
			}
			if o.ID != "" {
				s.tenantIDs[strings.ToLower(o.ID)] = true
			}
			for _, d := range o.VerifiedDomains {
				if d.IsInitial {
					s.tenantIDs[strings.ToLower(d.Name)] = true
				}
			}
		}
	}
	if skus, err := s.snap.SubscribedSkus(); err == nil {
		// The audit's own rule decides whether the simulated tenant has P1.
		s.premium, _ = snapshot.EntraIDLicences(skus)
	} else {
		// Without the SKU list the only evidence is the data itself.
		s.premium = s.anySignInActivity()
	}
	return nil
}

// anySignInActivity reports whether some user carries signInActivity.
func (s *Server) anySignInActivity() bool {
	users, err := s.snap.RawItems(snapshot.DSUsers)
	if err != nil {
		return false
	}
	for _, raw := range users {
		var u struct {
			SIA json.RawMessage `json:"signInActivity"`
		}
		if json.Unmarshal(raw, &u) == nil && len(u.SIA) > 0 && string(u.SIA) != "null" {
			return true
		}
	}
	return false
}

// userID maps a user's object id or UPN (any case) to the object id.
func (s *Server) userID(key string) (string, bool) {
	s.usersOnce.Do(func() {
		s.userKeys = map[string]string{}
		users, err := s.snap.RawItems(snapshot.DSUsers)
		if err != nil {
			return
		}
		for _, raw := range users {
			var u struct {
				ID  string `json:"id"`
				UPN string `json:"userPrincipalName"`
			}
			if json.Unmarshal(raw, &u) != nil || u.ID == "" {
				continue
			}
			s.userKeys[strings.ToLower(u.ID)] = u.ID
			if u.UPN != "" {
				s.userKeys[strings.ToLower(u.UPN)] = u.ID
			}
		}
	})
	id, ok := s.userKeys[strings.ToLower(key)]
	return id, ok
}

// Start serves snap on 127.0.0.1 at a free port until ctx ends or Close is
// called.
func Start(ctx context.Context, snap *snapshot.Snapshot, opt Options) (*Server, error) {
	s, err := New(snap, opt)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("tenantsim: listen: %w", err)
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	s.url = "http://" + ln.Addr().String()
	s.mu.Unlock()
	go func() { _ = s.srv.Serve(ln) }()
	go func() {
		select {
		case <-ctx.Done():
			_ = s.Close()
		case <-s.closed:
		}
	}()
	return s, nil
}

// URL returns the service root for both Graph and Exchange
// ("http://127.0.0.1:PORT"), or "" when the server was not started with
// Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Close stops a server started with Start and ends any latency wait in
// progress; it is safe to call more than once.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.closed)
		if s.srv == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if e := s.srv.Shutdown(ctx); e != nil && !errors.Is(e, http.ErrServerClosed) {
			// A handler still running after the grace period: cut it off.
			if e2 := s.srv.Close(); e2 != nil && !errors.Is(e2, http.ErrServerClosed) {
				err = fmt.Errorf("tenantsim: close: %w", e2)
			}
		}
	})
	return err
}

// Requests returns a copy of every request received, in arrival order.
func (s *Server) Requests() []RecordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RecordedRequest(nil), s.requests...)
}

// RefusedWrites returns every non-read request the server refused.
func (s *Server) RefusedWrites() []RecordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RecordedRequest(nil), s.refused...)
}

// AddFault adds a fault; safe for concurrent use. A Status outside 400–599
// is answered as 500.
func (s *Server) AddFault(f Fault) {
	if f.Status < 400 || f.Status > 599 {
		f.Status = http.StatusInternalServerError
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f})
}

// takeFault returns the first fault matching the request and consumes one of
// its uses. dataset may be ""; page is 1-based.
func (s *Server) takeFault(dataset, path string, page int) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.Times > 0 && f.used >= f.Times {
			continue
		}
		if f.Page > 0 && f.Page != page {
			continue
		}
		if !faultMatches(f.Match, dataset, path) {
			continue
		}
		f.used++
		c := f.Fault
		s.log.Debug("tenantsim fault", "match", c.Match, "status", c.Status, "dataset", dataset, "path", path, "page", page)
		return &c
	}
	return nil
}

func faultMatches(match, dataset, path string) bool {
	if match == "" {
		return false
	}
	if !strings.HasPrefix(match, "/") {
		return dataset != "" && match == dataset
	}
	if path == "" {
		return false
	}
	if strings.HasPrefix(path, match) {
		return true
	}
	_, rest := splitVersion(path)
	return rest != "" && strings.HasPrefix(rest, match)
}

// baseURL is the absolute service root used in nextLinks and contexts.
func (s *Server) baseURL(r *http.Request) string {
	s.mu.Lock()
	u := s.url
	s.mu.Unlock()
	if u != "" {
		return u
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// ServeHTTP answers one Graph or Exchange request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, berr := readBody(r)
	rec := RecordedRequest{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.mu.Unlock()
	s.log.Debug("tenantsim request", "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery)

	if s.opt.Latency > 0 {
		t := time.NewTimer(s.opt.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		case <-s.closed:
			t.Stop()
			http.Error(w, "tenantsim: server closed", http.StatusServiceUnavailable)
			return
		}
	}
	if isExchangePath(r.URL.Path) {
		s.serveExchange(w, r, rec, body, berr)
		return
	}
	if !s.throttle(w, r) {
		return
	}
	s.serveGraph(w, r, rec, body, berr)
}

func (s *Server) refuse(rec RecordedRequest) {
	s.log.Warn("tenantsim refused a write", "method", rec.Method, "path", rec.Path, "bodyBytes", len(rec.Body))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused = append(s.refused, rec)
}

// checkToken reports whether the request carries the wanted bearer token.
func checkToken(r *http.Request, want string) bool {
	if want == "" {
		return true
	}
	h := r.Header.Get("Authorization")
	const p = "Bearer "
	if len(h) < len(p) || !strings.EqualFold(h[:len(p)], p) {
		return false
	}
	return h[len(p):] == want
}

// readBody reads the body, gunzipping it when Content-Encoding says gzip
// (msgraph-sdk-go compresses request bodies).
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if strings.EqualFold(strings.TrimSpace(r.Header.Get("Content-Encoding")), "gzip") && len(raw) > 0 {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return raw, fmt.Errorf("gunzip body: %w", err)
		}
		dec, err := io.ReadAll(io.LimitReader(zr, 64<<20))
		if err != nil {
			return raw, fmt.Errorf("gunzip body: %w", err)
		}
		return dec, nil
	}
	return raw, nil
}

// writeJSON writes v without HTML escaping (so nextLinks keep their '&').
func writeJSON(w http.ResponseWriter, status int, h http.Header, body []byte) {
	for k, vs := range h {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimRight(b.Bytes(), "\n")
}
