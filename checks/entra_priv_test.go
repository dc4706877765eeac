package checks

import (
	"fmt"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// entraGAs returns n Global Administrator assignments to users ga1..gaN.
func entraGAs(n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("ga%d", i)
		out = append(out, entraRA("ra-"+id, RoleGlobalAdministrator, "user", id, fmt.Sprintf("Admin %d", i), id+"@contoso.com"))
	}
	return out
}

func TestEntraPRIV001(t *testing.T) {
	ra := func(items ...string) map[string]string {
		return map[string]string{snapshot.DSRoleAssignments: entraList(items...)}
	}
	other := entraRA("ra-x", RoleExchangeAdministrator, "user", "x1", "Exchange Admin", "x1@contoso.com")
	// The same user twice (tenant and AU-scoped) counts once.
	dup := entraRA("ra-ga1b", RoleGlobalAdministrator, "user", "ga1", "Admin 1", "ga1@contoso.com")
	sp := entraRA("ra-sp", RoleGlobalAdministrator, "servicePrincipal", "sp1", "Automation", "")
	group := entraRA("ra-g", RoleGlobalAdministrator, "group", "grp1", "GA group", "")
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

func TestEntraPRIV002(t *testing.T) {
	// $expand=principal normally omits onPremisesSyncEnabled; the users
	// dataset (which selects it) supplies it.
	ras := entraList(
		entraRA("r1", RoleGlobalAdministrator, "user", "a1", "Cloud Admin", "a1@contoso.onmicrosoft.com"),
		entraRA("r2", RoleUserAdministrator, "user", "a2", entraHostilePS, "a2@contoso.com"),
		entraRA("r3", "f2ef992c-3afb-46b9-b7cf-a126ee74c451", "user", "a3", "Reader", "a3@contoso.com"), // Global Reader: not in the set
	)
	users := func(a2Synced string) string {
		return entraList(
			entraUser("a1", "Cloud Admin", "a1@contoso.onmicrosoft.com", "Member", true, `"onPremisesSyncEnabled":null`),
			entraUser("a2", entraHostilePS, "a2@contoso.com", "Member", true, `"onPremisesSyncEnabled":`+a2Synced),
			entraUser("a3", "Reader", "a3@contoso.com", "Member", true, `"onPremisesSyncEnabled":true`),
		)
	}
	runEntraCases(t, "ENTRA-PRIV-002", []entraCase{
		{name: "pass", want: StatusPass, files: map[string]string{snapshot.DSRoleAssignments: ras, snapshot.DSUsers: users("false")},
			summary: []string{"Every privileged user (2) is cloud-only"}},
		{name: "fail: synced admin from users dataset", want: StatusFail,
			files:    map[string]string{snapshot.DSRoleAssignments: ras, snapshot.DSUsers: users("true")},
			summary:  []string{"1 of 2 privileged users is synchronised", entraHostilePS},
			affected: []string{entraHostilePS + "|synchronised from on-premises; roles: User Administrator"}},
		{name: "fail: synced flag on the expanded principal, users not collected", want: StatusFail,
			files: map[string]string{snapshot.DSRoleAssignments: entraList(
				entraRA("r1", RoleGlobalAdministrator, "user", "a1", "Synced Admin", "a1@contoso.com", `"onPremisesSyncEnabled":true`))}},
		{name: "unknown: sync state not visible without users", want: StatusUnknown,
			files:   map[string]string{snapshot.DSRoleAssignments: ras},
			summary: []string{"the users dataset was not collected"}},
		{name: "unknown: users dataset forbidden", want: StatusUnknown,
			files:    map[string]string{snapshot.DSRoleAssignments: ras, snapshot.DSUsers: users("false")},
			statuses: entraForbidden(snapshot.DSUsers)},
		{name: "manual: group principal", want: StatusManual,
			files: map[string]string{snapshot.DSRoleAssignments: entraList(
				entraRA("r1", RoleGlobalAdministrator, "user", "a1", "Cloud Admin", "a1@contoso.onmicrosoft.com"),
				entraRA("r9", RoleExchangeAdministrator, "group", "g1", "Exchange Admins", "")), snapshot.DSUsers: users("false")},
			affected: []string{"Exchange Admins|group assignment not expanded"}},
		{name: "unknown: role assignments forbidden", want: StatusUnknown,
			files: map[string]string{snapshot.DSRoleAssignments: ras, snapshot.DSUsers: users("false")}, statuses: entraForbidden(snapshot.DSRoleAssignments)},
	})
}

func TestEntraPRIV006(t *testing.T) {
	member := entraRA("r1", RoleGlobalAdministrator, "user", "a1", "Admin", "a1@contoso.com")
	extGuest := entraRA("r2", RoleApplicationAdministrator, "user", "g1", entraHostileXLSX, "vendor_partner.com#EXT#@contoso.onmicrosoft.com")
	typedGuest := entraRA("r3", RoleSharePointAdministrator, "user", "g2", "Converted Guest", "conv@contoso.com")
	users := entraList(
		entraUser("a1", "Admin", "a1@contoso.com", "Member", true),
		entraUser("g1", entraHostileXLSX, "vendor_partner.com#EXT#@contoso.onmicrosoft.com", "Guest", true),
		entraUser("g2", "Converted Guest", "conv@contoso.com", "Guest", true),
	)
	runEntraCases(t, "ENTRA-PRIV-006", []entraCase{
		{name: "pass", want: StatusPass, files: map[string]string{snapshot.DSRoleAssignments: entraList(member), snapshot.DSUsers: users}},
		{name: "fail: #EXT# and userType Guest", want: StatusFail,
			files:   map[string]string{snapshot.DSRoleAssignments: entraList(member, extGuest, typedGuest), snapshot.DSUsers: users},
			summary: []string{"2 guests hold privileged roles", entraHostileXLSX},
			affected: []string{
				entraHostileXLSX + "|guest holding Application Administrator",
				"Converted Guest|guest holding SharePoint Administrator",
			}},
		{name: "fail: #EXT# without users dataset", want: StatusFail,
			files:    map[string]string{snapshot.DSRoleAssignments: entraList(member, extGuest)},
			summary:  []string{"users dataset not collected"},
			affected: []string{entraHostileXLSX + "|external (#EXT#) account holding Application Administrator"}},
		{name: "unknown: principal not expanded and users not collected", want: StatusUnknown,
			files: map[string]string{snapshot.DSRoleAssignments: `[{"id":"r1","principalId":"a1","roleDefinitionId":"62e90394-69f5-4237-9190-012177145e10","directoryScopeId":"/"}]`}},
		{name: "unknown: forbidden", want: StatusUnknown,
			files: map[string]string{snapshot.DSRoleAssignments: entraList(member)}, statuses: entraForbidden(snapshot.DSRoleAssignments)},
	})
}
