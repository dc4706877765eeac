package snapshot

import (
	"reflect"
	"testing"
)

func TestParsePermission(t *testing.T) {
	tests := []struct {
		in      string
		want    Needs
		wantErr bool
	}{
		{in: "Policy.Read.All", want: Needs{Graph: []string{"Policy.Read.All"}}},
		{in: "Exchange.ManageAsApp + Global Reader", want: Needs{Exchange: "Exchange.ManageAsApp", Roles: []string{"Global Reader"}}},
		{in: "User.Read.All (+ AuditLog.Read.All and Entra ID P1 for signInActivity)", want: Needs{Graph: []string{"User.Read.All"},
			Partial: []string{"AuditLog.Read.All"}, PartialWhat: "signInActivity", PartialLicence: "Entra ID P1"}},
		{in: "AuditLogsQuery.Read.All + Policy.Read.All", want: Needs{Graph: []string{"AuditLogsQuery.Read.All", "Policy.Read.All"}}},
		{in: "Policy.Read.All or Directory.Read.All", wantErr: true},
		{in: "Global Reader", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParsePermission(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("%q: err = %v", tt.in, err)
			continue
		}
		if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: got %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

// TestRegistryPermissionsParse: every dataset's permission text is in a
// form setup and the preflight read exactly.
func TestRegistryPermissionsParse(t *testing.T) {
	for _, s := range Specs() {
		if _, err := ParsePermission(s.Permission); err != nil {
			t.Errorf("dataset %s: %v", s.ID, err)
		}
	}
}

func TestAppPermissions(t *testing.T) {
	perms, roles := AppPermissions(Specs(), false)
	if !reflect.DeepEqual(roles, []string{"Global Reader"}) {
		t.Errorf("roles %v", roles)
	}
	seen := map[string]bool{}
	for _, p := range perms {
		seen[p.Name] = true
		if p.Incident {
			t.Errorf("%s is incident-only but listed without --incident", p.Name)
		}
	}
	for _, want := range []string{"Policy.Read.All", "User.Read.All", "AuditLog.Read.All", ExchangeManageAsApp} {
		if !seen[want] {
			t.Errorf("%s missing from %v", want, perms)
		}
	}
	inc, _ := AppPermissions(Specs(), true)
	if len(inc) <= len(perms) {
		t.Errorf("--incident adds nothing: %d vs %d", len(inc), len(perms))
	}
	if last := perms[len(perms)-1]; last.Resource != ResourceExchange {
		t.Errorf("Exchange permission not last: %+v", last)
	}
}
