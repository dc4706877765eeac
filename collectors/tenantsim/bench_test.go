package tenantsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// bigSnap is a tenant with n users (every tenth a guest).
func bigSnap(n int) *snapshot.Snapshot {
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",\n")
		}
		typ := "Member"
		if i%10 == 0 {
			typ = "Guest"
		}
		fmt.Fprintf(&b, `{"id":"%08d-0000-4000-8000-000000000000","displayName":"User %d","userPrincipalName":"user%d@contoso.com","userType":%q,"accountEnabled":true,"createdDateTime":"2025-01-01T00:00:00Z","signInActivity":{"lastSignInDateTime":"2026-11-19T00:00:00Z"}}`, i, i, i, typ)
	}
	b.WriteString("]")
	m := snapshot.Manifest{SchemaVersion: snapshot.SchemaVersion, Tenant: snapshot.Tenant{ID: "11111111-2222-3333-4444-555555555555"},
		CollectedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	return snapshot.FromFiles(m, map[string][]byte{
		snapshot.DSUsers:          []byte(b.String()),
		snapshot.DSSubscribedSkus: []byte(`[{"capabilityStatus":"Enabled","servicePlans":[{"servicePlanName":"AAD_PREMIUM","provisioningStatus":"Success"}]}]`),
	})
}

// pageAll follows nextLinks through ServeHTTP (no sockets) and returns the
// number of items.
func pageAll(b *testing.B, s *Server, target string) int {
	n := 0
	for target != "" {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
		if w.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", target, w.Code, w.Body.String())
		}
		var page struct {
			Value []json.RawMessage `json:"value"`
			Next  string            `json:"@odata.nextLink"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil {
			b.Fatal(err)
		}
		n += len(page.Value)
		target = page.Next
	}
	return n
}

// BenchmarkPageUsers pages through 100,000 users at Graph's 999 per page,
// the way the users collector does.
func BenchmarkPageUsers(b *testing.B) {
	snap := bigSnap(100000)
	for _, tc := range []struct {
		name, query string
		want        int
	}{
		{"select-signInActivity", "$select=" + snapshot.UserSelect + ",signInActivity&$top=999", 100000},
		{"select-without-signInActivity", "$select=" + snapshot.UserSelect + "&$top=999", 100000},
		{"filter-guests", "$filter=userType%20eq%20'Guest'&$top=999", 10000},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				// A fresh server each time so the filter cache does not hide
				// the cost of the first request.
				s, err := New(snap, Options{PageSize: 999})
				if err != nil {
					b.Fatal(err)
				}
				if n := pageAll(b, s, "http://sim.test/v1.0/users?"+tc.query); n != tc.want {
					b.Fatalf("%d items, want %d", n, tc.want)
				}
			}
		})
	}
}

// BenchmarkBatch answers a gzip-compressed $batch of 20 per-user GETs.
func BenchmarkBatch(b *testing.B) {
	snap := contosoB(b)
	s, err := New(snap, Options{})
	if err != nil {
		b.Fatal(err)
	}
	users, _ := snap.RawItems(snapshot.DSUsers)
	var reqs []string
	for i := 0; i < 20; i++ {
		var u struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(users[i%len(users)], &u)
		reqs = append(reqs, fmt.Sprintf(`{"id":"%d","method":"GET","url":"/users/%s/invitedBy"}`, i, u.ID))
	}
	body := gzipB(b, []byte(`{"requests":[`+strings.Join(reqs, ",")+`]}`))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest(http.MethodPost, "http://sim.test/beta/$batch", strings.NewReader(string(body)))
		r.Header.Set("Content-Encoding", "gzip")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("%d", w.Code)
		}
		_, _ = io.Copy(io.Discard, w.Body)
	}
}
