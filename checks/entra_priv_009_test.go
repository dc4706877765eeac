package checks

import (
	"fmt"
	"testing"

	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// entraRoleHolders returns n assignments of role to enabled users
// prefix1..prefixN.
func entraRoleHolders(prefix, role string, n int, state string) []string {
	var out []string
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("%s%d", prefix, i)
		var extra []string
		if state != "" {
			extra = append(extra, `"accountEnabled":`+state)
		}
		out = append(out, entraRA("ra-"+id, role, "user", id, fmt.Sprintf("%s %d", prefix, i), id+"@contoso.com", extra...))
	}
	return out
}

func TestEntraPRIV009(t *testing.T) {
	ra := func(items ...[]string) map[string]string {
		var all []string
		for _, i := range items {
			all = append(all, i...)
		}
		return map[string]string{snapshot.DSRoleAssignments: entraList(all...)}
	}
	gas := func(n int) []string { return entraRoleHolders("ga", knowledge.RoleGlobalAdministrator, n, "true") }
	exo := func(n int) []string { return entraRoleHolders("exo", knowledge.RoleExchangeAdministrator, n, "true") }
	// A Global Administrator who also holds a narrower role counts as a
	// Global Administrator only.
	both := []string{entraRA("ra-ga1-user", knowledge.RoleUserAdministrator, "user", "ga1", "ga 1", "ga1@contoso.com", `"accountEnabled":true`)}
	disabledExo := entraRoleHolders("old", knowledge.RoleUserAdministrator, 3, "false")
	unknownExo := entraRoleHolders("unk", knowledge.RoleUserAdministrator, 2, "")
	unknownGA := entraRoleHolders("ung", knowledge.RoleGlobalAdministrator, 2, "")
	group := []string{entraRA("ra-g", knowledge.RoleExchangeAdministrator, "group", "grp1", "Exchange admins", "")}
	sp := []string{entraRA("ra-sp", knowledge.RoleApplicationAdministrator, "servicePrincipal", "sp1", "Automation", "")}
	// Not privileged: not counted on either side.
	reader := []string{entraRA("ra-r", "88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "user", "r1", "Reader", "r1@contoso.com", `"accountEnabled":true`)}
	runEntraCases(t, "ENTRA-PRIV-009", []entraCase{
		{name: "pass: 2 GA, 3 others", want: StatusPass, files: ra(gas(2), exo(3)),
			summary: []string{"2 users hold Global Administrator and 3 users hold only other privileged roles"}},
		{name: "pass: equal counts (ratio 1)", want: StatusPass, files: ra(gas(2), exo(2))},
		{name: "fail: all privileged users are Global Administrators", want: StatusFail, files: ra(gas(2), both, reader, sp),
			summary:  []string{"2 users hold Global Administrator and 0 users hold only other privileged roles", "outnumber"},
			affected: []string{"ga 1|roles: Global Administrator, User Administrator", "ga 2|Global Administrator; ga2@contoso.com"}},
		{name: "fail: 3 GA, 2 others", want: StatusFail, files: ra(gas(3), exo(2))},
		{name: "fail: disabled holders of narrower roles do not count", want: StatusFail, files: ra(gas(2), exo(1), disabledExo),
			summary: []string{"1 user holds only other privileged roles"}},
		{name: "unknown: the account state decides", want: StatusUnknown, files: ra(gas(2), exo(1), unknownExo),
			summary: []string{"whether 2 of these accounts are enabled is unknown"}},
		{name: "fail: unknown states cannot rescue it", want: StatusFail, files: ra(gas(3), exo(1), entraRoleHolders("unk", knowledge.RoleUserAdministrator, 1, ""))},
		{name: "pass: unknown GA states cannot tip it", want: StatusPass, files: ra(gas(1), unknownGA, exo(3))},
		{name: "manual: a group holds a role", want: StatusManual, files: ra(gas(2), exo(1), group),
			summary: []string{"1 group holding a privileged role whose members were not expanded (Exchange admins)"}},
		{name: "unknown: no Global Administrator", want: StatusUnknown, files: ra(exo(2))},
		{name: "unknown: not collected", want: StatusUnknown, files: ra(gas(2), exo(3)), statuses: entraForbidden(snapshot.DSRoleAssignments)},
		{name: "partial cannot pass", want: StatusUnknown, files: ra(gas(2), exo(3)), statuses: entraPartial(snapshot.DSRoleAssignments)},
	})
}
