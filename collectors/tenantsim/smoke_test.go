package tenantsim

import (
	"net/http"
	"testing"
)

func TestSmokePaging(t *testing.T) {
	s := startMini(t, true, Options{})
	items, pages := collectGraph(t, s.URL()+"/v1.0/users?$select=id,signInActivity&$top=999", "")
	if len(items) != 7 || pages != 4 {
		t.Fatalf("items %d pages %d", len(items), pages)
	}
	r := do(t, http.MethodGet, s.URL()+"/v1.0/policies/authorizationPolicy", "", nil, nil)
	t.Logf("%s", r.body)
}
