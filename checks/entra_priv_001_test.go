package checks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// entraGAs returns n Global Administrator assignments to users ga1..gaN.
func entraGAs(n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("ga%d", i)
		out = append(out, entraRA("ra-"+id, knowledge.RoleGlobalAdministrator, "user", id, fmt.Sprintf("Admin %d", i), id+"@contoso.com", `"accountEnabled":true`))
	}
	return out
}

func TestEntraPRIV001(t *testing.T) {
	ra := func(items ...string) map[string]string {
		return map[string]string{snapshot.DSRoleAssignments: entraList(items...)}
	}
	other := entraRA("ra-x", knowledge.RoleExchangeAdministrator, "user", "x1", "Exchange Admin", "x1@contoso.com")
	// The same user twice (tenant and AU-scoped) counts once.
	dup := entraRA("ra-ga1b", knowledge.RoleGlobalAdministrator, "user", "ga1", "Admin 1", "ga1@contoso.com")
	sp := entraRA("ra-sp", knowledge.RoleGlobalAdministrator, "servicePrincipal", "sp1", "Automation", "")
	group := entraRA("ra-g", knowledge.RoleGlobalAdministrator, "group", "grp1", "GA group", "")
	runEntraCases(t, "ENTRA-PRIV-001", []entraCase{
		{name: "pass: 2", want: StatusPass, files: ra(append(entraGAs(2), other, dup)...), summary: []string{"2 users hold Global Administrator", "within CIS's 2 to 4"}},
		{name: "pass: 4 plus a service principal (not counted)", want: StatusPass, files: ra(append(entraGAs(4), sp)...)},
		{name: "fail: 1", want: StatusFail, files: ra(append(entraGAs(1), other)...),
			summary: []string{"Only 1 user holds Global Administrator"}, affected: []string{"Admin 1|Global Administrator; ga1@contoso.com"}},
		{name: "fail: 5 (inside SCuBA's range)", want: StatusFail, files: ra(entraGAs(5)...),
			summary: []string{"5 users hold", "more than CIS's 4", "SCuBA's 2 to 8: within"}},
		{name: "fail: 9 (outside SCuBA's range)", want: StatusFail, files: ra(entraGAs(9)...), summary: []string{"outside"}},
		{name: "manual: group holds the role", want: StatusManual, files: ra(append(entraGAs(2), group)...),
			summary: []string{"plus 1 group whose members were not expanded (GA group)"}},
		{name: "fail: upper-case role id still matches", want: StatusFail,
			files: ra(entraRA("ra-u", "62E90394-69F5-4237-9190-012177145E10", "user", "ga1", "Admin 1", "ga1@contoso.com"))},
		{name: "unknown: no active GA", want: StatusUnknown, files: ra(other)},
		{name: "unknown: forbidden", want: StatusUnknown, files: ra(entraGAs(2)...), statuses: entraForbidden(snapshot.DSRoleAssignments)},
		{name: "partial cannot pass", want: StatusUnknown, files: ra(entraGAs(3)...), statuses: entraPartial(snapshot.DSRoleAssignments)},
	})
}

// TestPRIV001DisabledAdminIsNoSecondAdministrator: one usable and one
// disabled Global Administrator is one administrator, not two.
func TestPRIV001DisabledAdminIsNoSecondAdministrator(t *testing.T) {
	ga := knowledge.RoleGlobalAdministrator
	assignments := `[
	 {"id":"a1","principalId":"u1","roleDefinitionId":"` + ga + `","directoryScopeId":"/","principal":{"@odata.type":"#microsoft.graph.user","id":"u1","displayName":"Megan","userPrincipalName":"megan@contoso.com"}},
	 {"id":"a2","principalId":"u2","roleDefinitionId":"` + ga + `","directoryScopeId":"/","principal":{"@odata.type":"#microsoft.graph.user","id":"u2","displayName":"Old Admin","userPrincipalName":"old@contoso.com"}}]`
	for _, tt := range []struct {
		enabled2 string
		want     Status
	}{{"false", StatusFail}, {"true", StatusPass}} {
		users := `[{"id":"u1","userPrincipalName":"megan@contoso.com","accountEnabled":true},{"id":"u2","userPrincipalName":"old@contoso.com","accountEnabled":` + tt.enabled2 + `}]`
		s := testSnap(t, map[string]string{snapshot.DSRoleAssignments: assignments, snapshot.DSUsers: users, snapshot.DSRoleDefinitions: `[]`}, nil)
		var c Check
		for _, e := range entraChecks() {
			if e.ID == "ENTRA-PRIV-001" {
				c = e
			}
		}
		r := RunCheck(c, testCtx(t, s, nil))
		if r.Status != tt.want {
			t.Errorf("second admin enabled=%s: status = %s, want %s (%s)", tt.enabled2, r.Status, tt.want, r.Summary)
		}
		if tt.want == StatusFail && !strings.Contains(r.Summary, "disabled") {
			t.Errorf("summary should say why: %s", r.Summary)
		}
	}
}
