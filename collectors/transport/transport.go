// Package transport holds the HTTP behaviour the Graph and Exchange
// collectors share: which statuses are retried, how Retry-After is read,
// the back-off used when none comes, context-aware waits, and which hosts
// count as loopback (the only ones allowed plain http and a bearer token
// over it). It imports no SDK.
package transport

import (
	"context"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Retryable reports whether a status is transient and worth retrying:
// 429 Too Many Requests, 503 Service Unavailable, 504 Gateway Timeout.
func Retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// RetryAfter parses a Retry-After value — delay seconds (fractions kept) or
// an HTTP date relative to now — capped at max. ok is false when the value
// is absent or unparsable, so the caller backs off itself (Conditional
// Access and Identity Protection send no Retry-After).
func RetryAfter(v string, now time.Time, max time.Duration) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f < 0 || f != f {
			return 0, false
		}
		if f > max.Seconds() {
			return max, true
		}
		return time.Duration(f * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(maxDur(t.Sub(now), 0), max), true
	}
	return 0, false
}

// Backoff is the wait before retry n (1-based) when the server sent no
// Retry-After: base·2^(n-1), capped at max, plus up to one second of jitter
// so parallel collectors do not retry in lockstep.
func Backoff(n int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max) + rand.N(time.Second)
}

// Sleep waits d, or until ctx is done (then it returns ctx.Err()).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// IsLoopback reports whether host (a name or an address, with or without
// brackets) names the local machine.
func IsLoopback(host string) bool {
	h := strings.Trim(strings.ToLower(host), "[]")
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func maxDur(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}
