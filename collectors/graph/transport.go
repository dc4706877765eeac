package graph

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/m365audit/m365audit/collectors/transport"
)

// Stats counts the HTTP requests and retries made for one dataset. The
// transport finds it in the request context (WithStats), so concurrent
// datasets are counted separately without shared mutable state.
type Stats struct {
	Requests atomic.Int64
	Retries  atomic.Int64
	// ThrottledNs is the time spent waiting on throttling (429/503/504
	// waits and pacing), in nanoseconds.
	ThrottledNs atomic.Int64
}

type statsKey struct{}

// WithStats returns a context whose requests are counted in s.
func WithStats(ctx context.Context, s *Stats) context.Context {
	return context.WithValue(ctx, statsKey{}, s)
}

func statsFrom(ctx context.Context) *Stats {
	s, _ := ctx.Value(statsKey{}).(*Stats)
	return s
}

// SleepFunc waits for d or until ctx is done.
type SleepFunc func(ctx context.Context, d time.Duration) error

// Sleep is the real SleepFunc: a select on ctx.Done() and a timer.
func Sleep(ctx context.Context, d time.Duration) error { return transport.Sleep(ctx, d) }

// maxRetryAfter caps a server-sent wait; a larger value is more likely a
// bug than a real throttle window.
const maxRetryAfter = 10 * time.Minute

// retryTransport retries 429/503/504 and transport errors. It replaces
// kiota's RetryHandler (removed from the middleware list) because the run
// needs an injectable, context-aware wait and per-dataset retry counts;
// having both would stack two retry loops.
type retryTransport struct {
	next       http.RoundTripper
	maxRetries int
	sleep      SleepFunc
	log        *slog.Logger
	now        func() time.Time
	pacer      *pacer
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("read request body: %w", err)
		}
		body = b
	}
	ctx := req.Context()
	st := statsFrom(ctx)
	for attempt := 0; ; attempt++ {
		r := req.Clone(ctx)
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
			r.ContentLength = int64(len(body))
		}
		if attempt > 0 {
			r.Header.Set("Retry-Attempt", strconv.Itoa(attempt))
		}
		if err := t.pace(ctx, req.URL.Path, st); err != nil {
			return nil, err
		}
		if st != nil {
			st.Requests.Add(1)
		}
		resp, err := t.next.RoundTrip(r)
		if err == nil {
			if t.pacer != nil {
				t.pacer.observe(resp.Header, t.now())
			}
			t.log.Debug("graph request", "path", req.URL.Path, "status", resp.StatusCode,
				"request_id", resp.Header.Get("request-id"), "attempt", attempt+1,
				"resource_units", resp.Header.Get("x-ms-resource-unit"),
				"throttle_pct", resp.Header.Get("x-ms-throttle-limit-percentage"))
		}
		var wait time.Duration
		switch {
		case err != nil:
			if errors.Is(err, ErrWriteRefused) || ctx.Err() != nil || attempt >= t.maxRetries {
				return nil, err
			}
			if transport.Unreachable(err) {
				// A host that is not there: two quick retries for a blip,
				// then a clear error (retries are for throttling and 5xx).
				if attempt >= transport.UnreachableRetries {
					return nil, &transport.UnreachableError{Service: "Microsoft Graph", Host: req.URL.Host, Err: err}
				}
			}
			wait = backoff(attempt)
			t.log.Debug("request failed, retrying", "path", req.URL.Path, "attempt", attempt+1, "err", err)
		case transport.Retryable(resp.StatusCode) && attempt < t.maxRetries:
			wait = RetryAfter(resp.Header.Get("Retry-After"), t.now())
			if wait < 0 {
				wait = backoff(attempt)
			}
			io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			t.log.Debug("throttled, waiting", "path", req.URL.Path, "status", resp.StatusCode,
				"attempt", attempt+1, "retry_after", wait)
		default:
			captureFailure(ctx, resp)
			return resp, nil
		}
		if st != nil {
			st.Retries.Add(1)
			if err == nil {
				st.ThrottledNs.Add(int64(wait))
			}
		}
		if err := t.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// RetryAfter parses a Retry-After value (delay seconds, possibly
// fractional, or an HTTP date). It returns -1 when the header is absent or
// unparsable, so the caller backs off itself (CA and Identity Protection
// send no Retry-After).
func RetryAfter(v string, now time.Time) time.Duration {
	if d, ok := transport.RetryAfter(v, now, maxRetryAfter); ok {
		return d
	}
	return -1
}

// backoff is exponential from 1 s, capped at 60 s, plus up to 1 s jitter so
// parallel datasets do not retry in lockstep.
func backoff(attempt int) time.Duration {
	return transport.Backoff(attempt+1, time.Second, 60*time.Second)
}

// guardTransport is the innermost transport: every request that leaves the
// process passes it. It refuses, without sending, anything but GET, a POST
// to /$batch whose inner requests are all GET, and the one audit log query
// creation (auditquery.go: exact path, exact body shape).
type guardTransport struct {
	next http.RoundTripper
	// rootPath is the service root's path ("" for graph.microsoft.com).
	rootPath string
	mu       sync.Mutex
	refused  []string
}

func (g *guardTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := g.check(req); err != nil {
		g.mu.Lock()
		g.refused = append(g.refused, req.Method+" "+req.URL.Path)
		g.mu.Unlock()
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	return g.next.RoundTrip(req)
}

func (g *guardTransport) check(req *http.Request) error {
	if req.Method == http.MethodGet {
		return nil
	}
	if req.Method != http.MethodPost {
		return fmt.Errorf("%w: %s %s", ErrWriteRefused, req.Method, req.URL.Path)
	}
	batch := strings.HasSuffix(req.URL.Path, "/$batch")
	if !batch && req.URL.Path != g.rootPath+auditQueryPath {
		return fmt.Errorf("%w: %s %s", ErrWriteRefused, req.Method, req.URL.Path)
	}
	if req.Body == nil {
		return fmt.Errorf("%w: empty %s body", ErrWriteRefused, req.URL.Path)
	}
	raw, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return fmt.Errorf("%w: read %s body: %v", ErrWriteRefused, req.URL.Path, err)
	}
	req.Body = io.NopCloser(bytes.NewReader(raw))
	plain := raw
	if strings.EqualFold(req.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return fmt.Errorf("%w: %s body: %v", ErrWriteRefused, req.URL.Path, err)
		}
		if plain, err = io.ReadAll(zr); err != nil {
			return fmt.Errorf("%w: %s body: %v", ErrWriteRefused, req.URL.Path, err)
		}
	}
	if !batch {
		// The single non-GET exception: creating an audit log query.
		if err := checkAuditQuery(g.rootPath, req.URL.Path, req.URL.RawQuery, plain); err != nil {
			return fmt.Errorf("%w: POST %s: %v", ErrWriteRefused, req.URL.Path, err)
		}
		return nil
	}
	var b struct {
		Requests []struct {
			Method string `json:"method"`
			URL    string `json:"url"`
		} `json:"requests"`
	}
	if err := json.Unmarshal(plain, &b); err != nil {
		return fmt.Errorf("%w: $batch body is not JSON: %v", ErrWriteRefused, err)
	}
	for _, r := range b.Requests {
		if !strings.EqualFold(r.Method, http.MethodGet) {
			return fmt.Errorf("%w: $batch holds %s %s", ErrWriteRefused, r.Method, r.URL)
		}
	}
	return nil
}

// Refused returns the requests the guard refused, as "METHOD /path".
func (g *guardTransport) Refused() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.refused...)
}

// failure holds the status and body of a failed response, so errors are
// classified from the wire even when the SDK cannot parse the error body
// (a missing or non-JSON content type).
type failure struct {
	status int
	body   []byte
}

type failureKey struct{}

func withFailure(ctx context.Context, f *failure) context.Context {
	return context.WithValue(ctx, failureKey{}, f)
}

func captureFailure(ctx context.Context, resp *http.Response) {
	f, _ := ctx.Value(failureKey{}).(*failure)
	if f == nil || resp.StatusCode < 400 {
		return
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	f.status, f.body = resp.StatusCode, b
}
