package graph

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// pacer slows requests down before Graph throttles them.
//
//   - Every response's x-ms-throttle-limit-percentage (sent once more than
//     80 % of the app's resource-unit budget is used, as 0.8–1.8) sets a
//     pause before the next request of any dataset: nothing under 0.8,
//     rising to 2 s at 1.0 and above. x-ms-resource-unit is logged.
//   - Conditional Access, named locations and Identity Protection share a
//     tenant-wide limit of about one request per second and send no
//     Retry-After (collection.md §1.4, §5): their requests are spaced one
//     second apart.
//
// Waits go through the client's SleepFunc and count as throttling time.
type pacer struct {
	// interval spaces one-per-second resources (0: not spaced).
	interval time.Duration
	mu       sync.Mutex
	until    time.Time // no request before this (resource-unit pressure)
	lastSlow time.Time // last request to a one-per-second resource
}

// CAInterval is the default spacing of one-per-second resources.
const CAInterval = time.Second

// maxPressurePause is the pause at or above 100 % of the budget.
const maxPressurePause = 2 * time.Second

// slowPath reports whether a path is under the tenant-wide one request per
// second limit.
func slowPath(p string) bool {
	p = strings.ToLower(p)
	return strings.Contains(p, "/identity/conditionalaccess/") || strings.Contains(p, "/identityprotection/")
}

// wait returns how long to wait before sending a request to path now, and
// reserves the slot.
func (p *pacer) wait(path string, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	var d time.Duration
	if p.until.After(now) {
		d = p.until.Sub(now)
	}
	if p.interval > 0 && slowPath(path) {
		next := p.lastSlow.Add(p.interval)
		if next.After(now.Add(d)) {
			d = next.Sub(now)
		}
		p.lastSlow = now.Add(d)
	}
	return d
}

// observe reads the throttling headers of a response.
func (p *pacer) observe(h http.Header, now time.Time) {
	v := strings.TrimSpace(h.Get("x-ms-throttle-limit-percentage"))
	if v == "" {
		return
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0.8 {
		return
	}
	pause := time.Duration(float64(maxPressurePause) * min(1, (f-0.8)/0.2))
	p.mu.Lock()
	defer p.mu.Unlock()
	if u := now.Add(pause); u.After(p.until) {
		p.until = u
	}
}

// pace waits the pacer's delay for req, counting it as throttling.
func (t *retryTransport) pace(ctx context.Context, path string, st *Stats) error {
	if t.pacer == nil {
		return nil
	}
	d := t.pacer.wait(path, t.now())
	if d <= 0 {
		return nil
	}
	if st != nil {
		st.ThrottledNs.Add(int64(d))
	}
	t.log.Debug("pacing ahead of Graph throttling", "path", path, "wait", d)
	return t.sleep(ctx, d)
}

// setNow replaces the clock of retries and pacing (tests).
func (c *Client) setNow(now func() time.Time) { c.retry.now = now }
