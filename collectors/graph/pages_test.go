package graph

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestScanPage(t *testing.T) {
	cases := []struct {
		name  string
		body  string
		items []string
		next  string
		count int64
		err   string
	}{
		{"items and next", `{"@odata.context":"x","@odata.nextLink":"https://h/v1.0/users?$skiptoken=a\u0026b","value":[{"id":"1","s":"a]}\"{"},{"id":"2","n":[1,{"x":[]}]}]}`,
			[]string{`{"id":"1","s":"a]}\"{"}`, `{"id":"2","n":[1,{"x":[]}]}`}, "https://h/v1.0/users?$skiptoken=a&b", -1, ""},
		{"value first, count, spaces", " {\n \"value\" : [ 1 , \"two\" , null ] , \"@odata.count\": 42 }\n", []string{"1", `"two"`, "null"}, "", 42, ""},
		{"empty value", `{"value":[]}`, []string{}, "", -1, ""},
		{"escaped key", `{"val\u0075e":[{}]}`, []string{"{}"}, "", -1, ""},
		{"no value", `{"id":"x"}`, nil, "", -1, `no "value"`},
		{"value not array", `{"value":{}}`, nil, "", -1, "not an array"},
		{"truncated", `{"value":[{"id":"1"},{"id":`, nil, "", -1, ""},
		{"not an object", `[1]`, nil, "", -1, "not a JSON object"},
		{"unterminated string", `{"value":["abc]}`, nil, "", -1, "unterminated"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ScanPage([]byte(tc.body))
			if tc.items == nil {
				if err == nil || (tc.err != "" && !strings.Contains(err.Error(), tc.err)) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) != len(tc.items) {
				t.Fatalf("items %q", p.Items)
			}
			for i := range p.Items {
				if string(p.Items[i]) != tc.items[i] {
					t.Errorf("item %d = %s, want %s", i, p.Items[i], tc.items[i])
				}
			}
			if p.Next != tc.next || p.Count != tc.count {
				t.Errorf("next %q count %d", p.Next, p.Count)
			}
		})
	}
}

// pagedServer serves /v1.0/users as n pages of one object; page failAt
// (1-based, 0 = none) answers 500. It records the order of requests and
// the most requests it ever had in flight at once.
type pagedServer struct {
	mu       sync.Mutex
	url      string
	arrived  []int // page numbers in arrival order
	inFlight int
	maxIn    int
	arrive   chan int
}

func newPagedServer(t *testing.T, n, failAt int) *pagedServer {
	t.Helper()
	ps := &pagedServer{arrive: make(chan int, 64)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := 1
		if s := r.URL.Query().Get("$skiptoken"); s != "" {
			k, _ = strconv.Atoi(s)
		}
		ps.mu.Lock()
		ps.arrived = append(ps.arrived, k)
		ps.inFlight++
		ps.maxIn = max(ps.maxIn, ps.inFlight)
		ps.mu.Unlock()
		defer func() { ps.mu.Lock(); ps.inFlight--; ps.mu.Unlock() }()
		ps.arrive <- k
		if k == failAt {
			w.WriteHeader(500)
			io.WriteString(w, `{"error":{"code":"InternalServerError","message":"boom"}}`)
			return
		}
		next := ""
		if k < n {
			next = fmt.Sprintf(`,"@odata.nextLink":"%s/v1.0/users?$skiptoken=%d"`, ps.url, k+1)
		}
		fmt.Fprintf(w, `{"value":[{"id":"%d"}]%s}`, k, next)
	}))
	t.Cleanup(srv.Close)
	ps.url = srv.URL
	return ps
}

// TestPagesRequestsNextPageWhileHandlingOne: the request for page k+1 is
// sent while f still handles page k (f waits until the server has seen
// it: without the request sent ahead it would wait forever), pages reach
// f in order, one request is in flight at a time, and a failing f or a
// failing page stops paging with the pages handled so far.
func TestPagesRequestsNextPageWhileHandlingOne(t *testing.T) {
	cases := []struct {
		name      string
		pages     int
		failAt    int // the server fails this page
		fErrAt    int // f fails on this page
		wantPages int
		wantErr   string
	}{
		{"every page", 5, 0, 0, 5, ""},
		{"one page", 1, 0, 0, 1, ""},
		{"page 3 fails", 5, 3, 0, 2, "500"},
		{"f fails on page 2", 5, 0, 2, 1, "stop"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps := newPagedServer(t, tc.pages, tc.failAt)
			rec := &recorder{}
			c := newClient(t, ps.url, rec.sleep)
			ri, err := c.RawRequest("/v1.0/users", "")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			seen := map[int]bool{}
			n, err := c.Pages(t.Context(), ri, "", func(p Page) error {
				k := len(got) + 1
				for _, it := range p.Items {
					got = append(got, string(it))
				}
				if k == tc.fErrAt {
					return errors.New("stop")
				}
				if p.Next == "" {
					return nil
				}
				// The next page's request arrives while this page is handled.
				for !seen[k+1] {
					select {
					case a := <-ps.arrive:
						seen[a] = true
					case <-time.After(10 * time.Second):
						return fmt.Errorf("page %d: the request for page %d was not sent while handling it", k, k+1)
					}
				}
				return nil
			})
			if n != tc.wantPages {
				t.Errorf("pages = %d, want %d (err %v)", n, tc.wantPages, err)
			}
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			want := min(tc.pages, max(tc.wantPages, tc.fErrAt))
			if len(got) != want {
				t.Fatalf("f saw %d objects, want %d: %v", len(got), want, got)
			}
			for i, g := range got {
				if g != fmt.Sprintf(`{"id":"%d"}`, i+1) {
					t.Errorf("object %d = %s (out of order)", i, g)
				}
			}
			ps.mu.Lock()
			defer ps.mu.Unlock()
			if ps.maxIn != 1 {
				t.Errorf("%d requests in flight at once, want 1", ps.maxIn)
			}
			// Never more than one page beyond the last one handed to f.
			last := 0
			for _, a := range ps.arrived {
				last = max(last, a)
			}
			if limit := len(got) + 1; last > limit {
				t.Errorf("requested page %d after f saw %d pages", last, len(got))
			}
		})
	}
}
