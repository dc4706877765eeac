package batch

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Graph's per-app limit across all tenants, from Microsoft's throttling
// documentation: 130,000 requests per 10 seconds.
const (
	GraphAppLimit  = 130000
	GraphAppWindow = 10 * time.Second
)

// Limiter is a token bucket shared by every tenant of a batch: at most Burst
// requests at once, refilled at Burst per Window.
type Limiter struct {
	mu     sync.Mutex
	burst  float64
	rate   float64 // tokens per second
	tokens float64
	last   time.Time
	now    func() time.Time
	// Waited counts requests that had to wait (tests, logs).
	Waited int
}

// NewLimiter allows n requests per window.
func NewLimiter(n int, window time.Duration) *Limiter {
	return &Limiter{burst: float64(n), rate: float64(n) / window.Seconds(), tokens: float64(n), now: time.Now}
}

// Wait takes one token, waiting until one is available or ctx is done.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		l.mu.Lock()
		now := l.now()
		if !l.last.IsZero() {
			l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
		}
		l.last = now
		if l.tokens >= 1 {
			l.tokens--
			l.mu.Unlock()
			return nil
		}
		wait := time.Duration((1 - l.tokens) / l.rate * float64(time.Second))
		l.Waited++
		l.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Transport counts requests to one host against the shared limiter; other
// requests (Exchange, which has its own limits) pass through.
type Transport struct {
	Next    http.RoundTripper
	Limiter *Limiter
	Host    string
}

func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.Limiter != nil && r.URL.Host == t.Host {
		if err := t.Limiter.Wait(r.Context()); err != nil {
			return nil, err
		}
	}
	return t.Next.RoundTrip(r)
}
