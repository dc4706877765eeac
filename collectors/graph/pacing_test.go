package graph

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// TestPacing: a response saying 95 % of the resource-unit budget is used
// makes the next request wait (before any 429), and Conditional Access
// requests are spaced one second apart; both count as throttling time.
func TestPacing(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-ms-resource-unit", "1")
		if n.Add(1) == 1 {
			w.Header().Set("x-ms-throttle-limit-percentage", "0.95")
		}
		io.WriteString(w, `{"value":[]}`)
	}))
	defer srv.Close()
	rec := &recorder{}
	c := newClient(t, srv.URL, rec.sleep)
	c.setNow(func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) })
	spec, _ := snapshot.SpecByID(snapshot.DSDomains)
	st := &Stats{}
	ctx := WithStats(t.Context(), st)
	for i := 0; i < 2; i++ {
		ri, _ := c.FirstRequest(ctx, spec, "")
		if _, err := c.Pages(ctx, ri, "", func(Page) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if len(rec.d) != 1 || rec.d[0] < time.Second || rec.d[0] > 2*time.Second {
		t.Fatalf("waits %v, want one pause of 1.5 s after the 95 %% answer", rec.d)
	}
	ca, _ := snapshot.SpecByID(snapshot.DSConditionalAccessPolicies)
	rec.d = nil
	for i := 0; i < 3; i++ {
		ri, _ := c.FirstRequest(ctx, ca, "")
		if _, err := c.Pages(ctx, ri, "", func(Page) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	// The clock is frozen: the 2nd request waits 1 s (the pressure pause
	// of 1.5 s is still ahead: it waits that), the 3rd 1 s after it.
	if len(rec.d) != 3 || rec.d[1] < time.Second || rec.d[2] < 2*time.Second {
		t.Fatalf("CA waits %v", rec.d)
	}
	if st.ThrottledNs.Load() == 0 || st.Retries.Load() != 0 {
		t.Fatalf("throttled %d retries %d", st.ThrottledNs.Load(), st.Retries.Load())
	}
}
