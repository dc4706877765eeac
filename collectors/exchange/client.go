// Package exchange is a read-only client for the Exchange Online admin API
// (the undocumented InvokeCommand REST endpoint that the EXO V3 PowerShell
// module uses internally) and the home of the Exchange collectors.
//
// The client runs Get-* cmdlets only: the read-only rule is enforced here,
// before anything is sent, so no caller can change a tenant by mistake.
package exchange

import (
	"bytes"
	"context"
	cryptorand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/m365audit/m365audit/collectors/transport"
	"github.com/m365audit/m365audit/internal/jsonscan"
)

// systemMailboxAnchor is the routing hint for organisation-wide cmdlets in
// app-only mode (CIPP, ScubaGear). Exchange routes the request to the
// mailbox server that holds this arbitration mailbox.
const systemMailboxAnchor = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}"

const (
	defaultMaxRetries = 6
	// backoffBase and backoffMax shape the exponential backoff used when a
	// throttled answer carries no Retry-After (graph2otel saw none on 429).
	backoffBase = 2 * time.Second
	backoffMax  = 60 * time.Second
	// maxRetryAfter bounds a server-sent Retry-After so a garbled header
	// cannot park the collector for hours; ctx deadlines still apply.
	maxRetryAfter = 15 * time.Minute
	// maxRedirects bounds the regional-host redirect chain.
	maxRedirects = 5
	// maxPages guards against a server that keeps handing out nextLinks.
	maxPages = 100000
	// maxBodyBytes bounds one response body held in memory.
	maxBodyBytes = 512 << 20
	// paginationErrorText identifies the 400 Exchange returns when a
	// nextLink cannot be replayed (skiptoken bound to a backend server).
	paginationErrorText = "pagination request"
)

// Sentinel errors; errors.Is matches them against *Error by status or code.
var (
	// ErrUnauthorized: HTTP 401 (no Exchange.ManageAsApp grant, wrong token audience).
	ErrUnauthorized = errors.New("exchange: unauthorized")
	// ErrForbidden: HTTP 403 (app role without an Entra role, or a cmdlet the caller may not run).
	ErrForbidden = errors.New("exchange: forbidden")
	// ErrNotFound: HTTP 404.
	ErrNotFound = errors.New("exchange: not found")
	// ErrThrottled: still throttled (429 or 503) after every retry.
	ErrThrottled = errors.New("exchange: throttled")
	// ErrNotReadOnly: the cmdlet is not a Get-* cmdlet; nothing was sent.
	ErrNotReadOnly = errors.New("exchange: refusing a cmdlet that is not read-only (Get-*)")
)

// forbiddenHint is added to every 403 because Exchange usually answers it
// with an empty or non-JSON body that says nothing.
const forbiddenHint = "the app needs the Exchange.ManageAsApp application permission (admin consented) " +
	"plus an Entra role such as Global Reader assigned to its service principal"

// Error is a failed cmdlet invocation.
type Error struct {
	Status  int    // HTTP status, 0 when nothing was sent
	Cmdlet  string // cmdlet name as given
	Code    string // error.code of the envelope, or a local code (NotReadOnly)
	Message string // the most useful text of the envelope (see errorMessage)
}

// Error names the cmdlet, the status and the message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("exchange: ")
	b.WriteString(e.Cmdlet)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Is lets errors.Is match the package sentinels.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrThrottled:
		return e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable
	case ErrNotReadOnly:
		return e.Code == "NotReadOnly"
	}
	return false
}

// Options configure a Client.
type Options struct {
	// Root is the service root without path, e.g. "https://outlook.office365.com"
	// or "http://127.0.0.1:PORT" for a simulated tenant.
	Root string
	// TenantID is the tenant GUID or its initial onmicrosoft.com domain.
	TenantID string
	// Token returns a bearer token for the Exchange audience; it is called
	// before every request so long backoffs never send an expired token.
	Token func(ctx context.Context) (string, error)
	// HTTPClient sends the requests; nil means a client with no Timeout (use
	// ctx deadlines: a Timeout would also cut retry waits short) and a
	// cookie jar. Its redirect policy is replaced: redirects are followed by
	// this package so the Authorization header survives a regional host.
	HTTPClient *http.Client
	// MaxRetries bounds retries of throttled requests; 0 means 6.
	MaxRetries int
	// Sleep waits between retries; nil means a ctx-aware timer. Tests inject it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger receives one debug line per request; nil discards.
	Logger *slog.Logger
}

// Client invokes read-only Exchange Online cmdlets. It is safe for
// concurrent use.
type Client struct {
	root       *url.URL
	tenant     string
	token      func(ctx context.Context) (string, error)
	hc         *http.Client
	maxRetries int
	sleep      func(ctx context.Context, d time.Duration) error
	log        *slog.Logger

	mu     sync.Mutex
	pinned *url.URL // regional scheme+host learnt from a redirect
}

// Result is the outcome of one cmdlet invocation across all its pages.
type Result struct {
	// Rows are the "value" items exactly as the server sent them.
	Rows []json.RawMessage
	// Warnings are @adminapi.warnings of every page, plus a note when the
	// result is truncated.
	Warnings []string
	// Throttled is the time spent waiting after throttled answers.
	Throttled time.Duration
	// Count is the number of rows received (Rows or handed to InvokePages).
	Count int
	// Truncated is true when a later page could not be fetched; Rows then
	// hold only the pages before it and the dataset must be marked partial.
	Truncated bool
	// Requests counts HTTP requests sent (pages, retries and redirects);
	// Retries counts the retried ones.
	Requests, Retries int
}

// New checks the options and returns a client.
func New(opt Options) (*Client, error) {
	if opt.Root == "" {
		return nil, errors.New("exchange: Options.Root is required")
	}
	root, err := url.Parse(strings.TrimRight(opt.Root, "/"))
	if err != nil {
		return nil, fmt.Errorf("exchange: bad root %q: %w", opt.Root, err)
	}
	if root.Host == "" || (root.Scheme != "https" && root.Scheme != "http") {
		return nil, fmt.Errorf("exchange: root %q must be an absolute http(s) URL", opt.Root)
	}
	if root.Scheme == "http" && !transport.IsLoopback(root.Hostname()) {
		// A bearer token must never travel in clear text over a network.
		return nil, fmt.Errorf("exchange: root %q: plain http is allowed only for loopback hosts", opt.Root)
	}
	if strings.TrimSpace(opt.TenantID) == "" {
		return nil, errors.New("exchange: Options.TenantID is required")
	}
	if opt.Token == nil {
		return nil, errors.New("exchange: Options.Token is required")
	}
	c := &Client{
		root:       root,
		tenant:     opt.TenantID,
		token:      opt.Token,
		maxRetries: opt.MaxRetries,
		sleep:      opt.Sleep,
		log:        opt.Logger,
	}
	if c.maxRetries <= 0 {
		c.maxRetries = defaultMaxRetries
	}
	if c.sleep == nil {
		c.sleep = transport.Sleep
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if opt.HTTPClient != nil {
		hc := *opt.HTTPClient // copy: never mutate the caller's client
		c.hc = &hc
	} else {
		jar, err := cookiejar.New(nil)
		if err != nil {
			return nil, fmt.Errorf("exchange: cookie jar: %w", err)
		}
		c.hc = &http.Client{Jar: jar}
	}
	c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c, nil
}

// IsReadOnly reports whether cmdlet is one the client will run: a Get-*
// cmdlet name made of letters and digits only.
func IsReadOnly(cmdlet string) bool {
	if len(cmdlet) <= 4 || !strings.EqualFold(cmdlet[:4], "get-") {
		return false
	}
	for _, r := range cmdlet[4:] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Invoke runs a Get-* cmdlet with params (nil = none) and an optional
// property selection, following every page. On a failure after the first
// page it returns the rows so far (Truncated set) together with the error,
// so the caller can keep them as a partial dataset.
func (c *Client) Invoke(ctx context.Context, cmdlet string, params map[string]any, sel []string) (*Result, error) {
	var rows []json.RawMessage
	res, err := c.InvokePages(ctx, cmdlet, params, sel, func(page []json.RawMessage) error {
		rows = append(rows, page...)
		return nil
	})
	if res != nil {
		res.Rows = rows
	}
	return res, err
}

// InvokePages is Invoke handing each page's rows to f as they arrive
// instead of collecting them (Result.Rows stays empty; Result.Count counts
// the rows), so a large cmdlet output is streamed. An error from f stops
// paging and is returned.
func (c *Client) InvokePages(ctx context.Context, cmdlet string, params map[string]any, sel []string, f func(rows []json.RawMessage) error) (*Result, error) {
	if !IsReadOnly(cmdlet) {
		return nil, &Error{Cmdlet: cmdlet, Code: "NotReadOnly",
			Message: "only Get-* cmdlets are sent (read-only tool); nothing was sent"}
	}
	if params == nil {
		params = map[string]any{}
	}
	body, err := json.Marshal(map[string]any{
		"CmdletInput": map[string]any{"CmdletName": cmdlet, "Parameters": params},
	})
	if err != nil {
		return nil, fmt.Errorf("exchange: %s: encode parameters: %w", cmdlet, err)
	}
	target := c.endpoint(sel)
	anchor := anchorFor(c.tenant, params)
	res := &Result{}
	seen := map[string]bool{}
	for page := 0; ; page++ {
		if page >= maxPages {
			return res, truncate(res, &Error{Cmdlet: cmdlet, Code: "TooManyPages",
				Message: fmt.Sprintf("stopped after %d pages", maxPages)})
		}
		data, err := c.post(ctx, target, cmdlet, anchor, body, res)
		if err != nil {
			if page == 0 {
				return nil, err
			}
			var ee *Error
			if errors.As(err, &ee) && ee.Status == http.StatusBadRequest &&
				strings.Contains(strings.ToLower(ee.Message), paginationErrorText) {
				// Known limitation of the API: keep what we have, say so.
				res.Truncated = true
				res.Warnings = append(res.Warnings, fmt.Sprintf(
					"result truncated after %d rows on page %d: %s", res.Count, page+1, ee.Message))
				return res, nil
			}
			return res, truncate(res, err)
		}
		env, err := scanPage(data)
		if err != nil {
			err = fmt.Errorf("exchange: %s: response is not JSON: %w", cmdlet, err)
			if page == 0 {
				return nil, err
			}
			return res, truncate(res, err)
		}
		if !env.hasValue {
			// A missing "value" must not read as "no rows": an empty list
			// could turn into a passing check.
			err := &Error{Status: http.StatusOK, Cmdlet: cmdlet, Code: "NoValue",
				Message: "response has no value array"}
			if page == 0 {
				return nil, err
			}
			return res, truncate(res, err)
		}
		if err := f(env.Value); err != nil {
			return res, err
		}
		res.Count += len(env.Value)
		for _, w := range env.Warnings {
			var s string
			if json.Unmarshal(w, &s) == nil {
				res.Warnings = append(res.Warnings, s)
			} else {
				res.Warnings = append(res.Warnings, string(w))
			}
		}
		if env.NextLink == "" {
			return res, nil
		}
		next, err := c.resolveNext(target, env.NextLink)
		if err == nil && seen[next.String()] {
			err = fmt.Errorf("exchange: %s: nextLink repeats %s", cmdlet, next.Redacted())
		}
		if err != nil {
			return res, truncate(res, err)
		}
		seen[next.String()] = true
		target = next
	}
}

// page is one InvokeCommand response: its rows (slices of the response
// body), warnings and next link.
type page struct {
	Value    []json.RawMessage
	hasValue bool
	Warnings []json.RawMessage
	NextLink string
}

// scanPage splits a response into its members without decoding the rows
// (a page of a thousand mailboxes would otherwise be copied row by row):
// the body must be valid JSON, an object whose "value" is an array (or
// null, or missing: no value). Names match case-insensitively, the last of
// a repeated name wins, as with encoding/json. Each row is validated again
// by whoever keeps it.
func scanPage(data []byte) (page, error) {
	var p page
	if !json.Valid(data) {
		return p, errors.New("invalid JSON")
	}
	err := jsonscan.Members(data, func(name string, val []byte) error {
		switch {
		case strings.EqualFold(name, "value"):
			p.Value, p.hasValue = nil, false
			if string(val) == "null" {
				return nil
			}
			if val[0] != '[' {
				return errors.New(`"value" is not an array`)
			}
			rows, _, err := jsonscan.Array(val, 0)
			if err != nil {
				return err
			}
			p.Value, p.hasValue = make([]json.RawMessage, len(rows)), true
			for i, r := range rows {
				p.Value[i] = r
			}
		case strings.EqualFold(name, "@adminapi.warnings"):
			p.Warnings = nil
			if string(val) == "null" {
				return nil
			}
			if val[0] != '[' {
				return errors.New(`"@adminapi.warnings" is not an array`)
			}
			ws, _, err := jsonscan.Array(val, 0)
			if err != nil {
				return err
			}
			for _, w := range ws {
				p.Warnings = append(p.Warnings, w)
			}
		case strings.EqualFold(name, "@odata.nextLink"):
			p.NextLink = ""
			if string(val) == "null" {
				return nil
			}
			return json.Unmarshal(val, &p.NextLink)
		}
		return nil
	})
	return p, err
}

// truncate marks res as partial and adds the reason to its warnings.
func truncate(res *Result, err error) error {
	res.Truncated = true
	res.Warnings = append(res.Warnings, fmt.Sprintf("result truncated after %d rows: %v", res.Count, err))
	return err
}

// endpoint builds the InvokeCommand URL on the pinned regional host if one
// was learnt, else on the root.
func (c *Client) endpoint(sel []string) *url.URL {
	c.mu.Lock()
	base := c.root
	if c.pinned != nil {
		base = c.pinned
	}
	c.mu.Unlock()
	u := *base
	u.Path = strings.TrimRight(base.Path, "/") + "/adminapi/beta/" + c.tenant + "/InvokeCommand"
	u.RawPath = ""
	u.RawQuery = ""
	if len(sel) > 0 {
		parts := make([]string, 0, len(sel))
		for _, s := range sel {
			if s = strings.TrimSpace(s); s != "" {
				parts = append(parts, url.QueryEscape(s))
			}
		}
		if len(parts) > 0 {
			u.RawQuery = "$select=" + strings.Join(parts, ",")
		}
	}
	return &u
}

// resolveNext resolves a nextLink against the current URL and checks that a
// bearer token may be sent to it.
func (c *Client) resolveNext(cur *url.URL, link string) (*url.URL, error) {
	u, err := cur.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("exchange: bad nextLink: %w", err)
	}
	if !tokenSafe(u) {
		return nil, fmt.Errorf("exchange: refusing nextLink to %s (https or loopback only)", u.Redacted())
	}
	return u, nil
}

// post sends one page request with retries and redirects and returns the
// 200 body.
func (c *Client) post(ctx context.Context, target *url.URL, cmdlet, anchor string, body []byte, res *Result) ([]byte, error) {
	redirects := 0
	for attempt := 0; ; {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("exchange: %s: %w", cmdlet, err)
		}
		resp, data, sent, err := c.send(ctx, target, cmdlet, anchor, body)
		if sent {
			res.Requests++
		}
		if err != nil {
			if !sent {
				// No token or no request: retrying cannot help (azidentity
				// retries its own token calls).
				return nil, err
			}
			if ctx.Err() != nil {
				return nil, fmt.Errorf("exchange: %s: %w", cmdlet, ctx.Err())
			}
			// Transport failures (reset, EOF) are retried: the request is
			// a read and replaying it is harmless.
			if attempt >= c.maxRetries {
				return nil, err
			}
			// A host that is not there gets two quick retries, not a
			// minute of back-off.
			if transport.Unreachable(err) && attempt >= transport.UnreachableRetries {
				return nil, &transport.UnreachableError{Service: "the Exchange admin API", Host: target.Host, Err: err}
			}
			attempt++
			res.Retries++
			if err := c.wait(ctx, cmdlet, c.backoff(attempt), err.Error()); err != nil {
				return nil, err
			}
			continue
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			return data, nil
		case isRedirect(resp.StatusCode):
			next, err := c.redirectTarget(target, resp)
			if err != nil {
				return nil, &Error{Status: resp.StatusCode, Cmdlet: cmdlet, Code: "Redirect", Message: err.Error()}
			}
			if redirects++; redirects > maxRedirects {
				return nil, &Error{Status: resp.StatusCode, Cmdlet: cmdlet, Code: "Redirect", Message: "too many redirects"}
			}
			c.pin(target, next)
			target = next
			continue
		case transport.Retryable(resp.StatusCode) && attempt < c.maxRetries:
			attempt++
			res.Retries++
			d, ok := transport.RetryAfter(resp.Header.Get("Retry-After"), time.Now(), maxRetryAfter)
			if !ok {
				d = c.backoff(attempt)
			}
			res.Throttled += d
			if err := c.wait(ctx, cmdlet, d, resp.Status); err != nil {
				return nil, err
			}
			continue
		}
		return nil, newError(cmdlet, resp.StatusCode, data)
	}
}

// send performs one HTTP request and reads the body; sent is false when
// the request never left (token or request-building failure).
func (c *Client) send(ctx context.Context, target *url.URL, cmdlet, anchor string, body []byte) (resp *http.Response, data []byte, sent bool, err error) {
	tok, err := c.token(ctx)
	if err != nil {
		return nil, nil, false, fmt.Errorf("exchange: %s: token: %w", cmdlet, err)
	}
	if tok == "" {
		return nil, nil, false, fmt.Errorf("exchange: %s: token source returned an empty token", cmdlet)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, false, fmt.Errorf("exchange: %s: %w", cmdlet, err)
	}
	reqID := newGUID()
	h := req.Header
	h.Set("Authorization", "Bearer "+tok)
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	h.Set("X-CmdletName", cmdlet)
	h.Set("X-ResponseFormat", "json")
	h.Set("Prefer", "odata.maxpagesize=1000")
	h.Set("X-AnchorMailbox", anchor)
	h.Set("client-request-id", reqID)
	start := time.Now()
	resp, err = c.hc.Do(req)
	if err != nil {
		return nil, nil, true, fmt.Errorf("exchange: %s: %w", cmdlet, err)
	}
	defer resp.Body.Close()
	data, err = io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err == nil && len(data) > maxBodyBytes {
		err = fmt.Errorf("response body larger than %d bytes", maxBodyBytes)
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "exchange request",
		slog.String("cmdlet", cmdlet), slog.String("host", target.Host), slog.Int("status", resp.StatusCode),
		slog.Duration("duration", time.Since(start)), slog.String("clientRequestId", reqID),
		slog.String("requestId", resp.Header.Get("request-id")),
		slog.String("rateLimitRemaining", resp.Header.Get("Rate-Limit-Remaining")),
		slog.Int("bytes", len(data)))
	if err != nil {
		return nil, nil, true, fmt.Errorf("exchange: %s: read response: %w", cmdlet, err)
	}
	return resp, data, true, nil
}

// wait sleeps d before a retry.
func (c *Client) wait(ctx context.Context, cmdlet string, d time.Duration, why string) error {
	c.log.LogAttrs(ctx, slog.LevelInfo, "exchange retry",
		slog.String("cmdlet", cmdlet), slog.String("reason", why), slog.Duration("wait", d))
	if err := c.sleep(ctx, d); err != nil {
		return fmt.Errorf("exchange: %s: waiting to retry: %w", cmdlet, err)
	}
	return nil
}

// backoff is the wait before retry n (1-based) without Retry-After:
// base·2^(n-1), capped, plus up to one second of jitter so parallel
// collectors do not retry in lockstep.
func (c *Client) backoff(n int) time.Duration { return transport.Backoff(n, backoffBase, backoffMax) }

// redirectTarget validates the Location of a redirect.
func (c *Client) redirectTarget(cur *url.URL, resp *http.Response) (*url.URL, error) {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, errors.New("redirect without Location")
	}
	u, err := cur.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("bad redirect Location: %w", err)
	}
	// The EXO front door sometimes names the backend port 446; the public
	// listener is 443 (observed by the Go adminapi client).
	if u.Scheme == "https" && u.Port() == "446" {
		u.Host = u.Hostname()
	}
	if !tokenSafe(u) {
		return nil, fmt.Errorf("refusing redirect to %s (https or loopback only)", u.Redacted())
	}
	return u, nil
}

// pin remembers the regional host when the InvokeCommand endpoint itself
// was redirected, so later invocations skip the extra round trip.
func (c *Client) pin(from, to *url.URL) {
	if !strings.EqualFold(strings.TrimSuffix(from.Path, "/"), strings.TrimSuffix(to.Path, "/")) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pinned = &url.URL{Scheme: to.Scheme, Host: to.Host, Path: c.root.Path}
}

// anchorFor picks X-AnchorMailbox: the mailbox itself for a per-mailbox
// call (a Mailbox or Identity parameter holding an address; CIPP does the
// same for Get-InboxRule), else the tenant's system mailbox. Identity values
// without "@" ("Default", a policy name) are not mailboxes.
func anchorFor(tenant string, params map[string]any) string {
	for _, key := range []string{"Mailbox", "Identity"} {
		for k, v := range params {
			s, ok := v.(string)
			if !ok || !strings.EqualFold(k, key) || !strings.Contains(s, "@") {
				continue
			}
			// Folder identities look like "user@contoso.com:\Calendar".
			if i := strings.Index(s, ":\\"); i > 0 {
				s = s[:i]
			}
			return "UPN:" + strings.TrimSpace(s)
		}
	}
	return "APP:" + systemMailboxAnchor + "@" + tenant
}

// newError builds an *Error from a failed response body.
func newError(cmdlet string, status int, body []byte) *Error {
	code, msg := errorMessage(body)
	e := &Error{Status: status, Cmdlet: cmdlet, Code: code, Message: msg}
	switch status {
	case http.StatusForbidden:
		if e.Message == "" {
			e.Message = forbiddenHint
		} else {
			e.Message += " (" + forbiddenHint + ")"
		}
	case http.StatusUnauthorized:
		if e.Message == "" {
			e.Message = "token rejected: check the token audience (https://outlook.office365.com/.default) and the Exchange.ManageAsApp grant"
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// errorMessage extracts the error code and the most useful message from an
// admin API error envelope, in the order CIPP and ExoHelper use:
// innererror.internalexception.message, then details[0].message without its
// "|Type|" prefix, then error.message (almost always "Invalid Operation").
// A non-JSON body (403 often carries NUL bytes) yields no message.
func errorMessage(body []byte) (code, msg string) {
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Details []struct {
				Message string `json:"message"`
			} `json:"details"`
			InnerError struct {
				InternalException struct {
					Message string `json:"message"`
				} `json:"internalexception"`
			} `json:"innererror"`
		} `json:"error"`
	}
	if json.Unmarshal(bytes.TrimSpace(body), &env) != nil {
		return "", ""
	}
	e := env.Error
	if m := strings.TrimSpace(e.InnerError.InternalException.Message); m != "" {
		return e.Code, m
	}
	if len(e.Details) > 0 {
		if m := stripTypePrefix(e.Details[0].Message); m != "" {
			return e.Code, m
		}
	}
	return e.Code, strings.TrimSpace(e.Message)
}

// stripTypePrefix turns "|Some.Exception|text" into "text".
func stripTypePrefix(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "|") {
		if i := strings.Index(s[1:], "|"); i >= 0 {
			s = s[i+2:]
		}
	}
	return strings.TrimSpace(s)
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// tokenSafe reports whether a bearer token may be sent to u.
func tokenSafe(u *url.URL) bool {
	switch u.Scheme {
	case "https":
		return u.Host != ""
	case "http":
		return transport.IsLoopback(u.Hostname())
	}
	return false
}

// newGUID returns a random (version 4) GUID for client-request-id.
func newGUID() string {
	var b [16]byte
	_, _ = cryptorand.Read(b[:]) // documented never to fail
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
