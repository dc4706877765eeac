package tenantsim

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestGenerateIsDeterministicAndSized(t *testing.T) {
	sc := Scale{Members: 30, Guests: 7, Mailboxes: 20}
	a, b := Generate(sc), Generate(sc)
	for _, s := range snapshot.Specs() {
		x, errA := a.Raw(s.ID)
		y, _ := b.Raw(s.ID)
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two generations", s.ID)
		}
		if errA == nil && s.Shape == snapshot.ShapeList {
			if _, err := a.RawItems(s.ID); err != nil {
				t.Errorf("%s: %v", s.ID, err)
			}
		}
	}
	users, err := a.Users()
	if err != nil || len(users) != 37 {
		t.Fatalf("users %d %v", len(users), err)
	}
	guests := 0
	for _, u := range users {
		if u.IsGuest() {
			guests++
		}
	}
	if guests != 7 {
		t.Errorf("guests %d", guests)
	}
	if mb, _ := a.RawItems(snapshot.DSExoMailbox); len(mb) != 20 {
		t.Errorf("mailboxes %d", len(mb))
	}
}

func TestResourceUnitBucket(t *testing.T) {
	s, err := New(Generate(Scale{Members: 5}), Options{ResourceUnits: 3, PageSize: 999})
	if err != nil {
		t.Fatal(err)
	}
	get := func(target string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
		return w
	}
	// users with $select costs 1, domains 1, users without $select 2.
	if w := get("http://sim.test/v1.0/users?$select=id&$top=999"); w.Code != 200 || w.Header().Get("x-ms-resource-unit") != "1" {
		t.Fatalf("first: %d %v", w.Code, w.Header())
	}
	w := get("http://sim.test/v1.0/domains")
	if w.Code != 200 || w.Header().Get("x-ms-throttle-limit-percentage") != "0.67" && w.Header().Get("x-ms-throttle-limit-percentage") != "" {
		t.Fatalf("second: %d %v", w.Code, w.Header())
	}
	w = get("http://sim.test/v1.0/users?$top=999")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || w.Header().Get("x-ms-resource-unit") != "2" {
		t.Fatalf("over budget: %d %v", w.Code, w.Header())
	}
	if w := get("http://sim.test/v1.0/domains"); w.Code != 200 || w.Header().Get("x-ms-throttle-limit-percentage") != "1.00" {
		t.Fatalf("last unit: %d %v", w.Code, w.Header())
	}
}
