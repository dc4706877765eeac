package checks

import (
	"testing"

	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEntraPRIV002(t *testing.T) {
	// $expand=principal normally omits onPremisesSyncEnabled; the users
	// dataset (which selects it) supplies it.
	ras := entraList(
		entraRA("r1", knowledge.RoleGlobalAdministrator, "user", "a1", "Cloud Admin", "a1@contoso.onmicrosoft.com"),
		entraRA("r2", knowledge.RoleUserAdministrator, "user", "a2", entraHostilePS, "a2@contoso.com"),
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
				entraRA("r1", knowledge.RoleGlobalAdministrator, "user", "a1", "Synced Admin", "a1@contoso.com", `"onPremisesSyncEnabled":true`))}},
		{name: "unknown: sync state not visible without users", want: StatusUnknown,
			files:   map[string]string{snapshot.DSRoleAssignments: ras},
			summary: []string{"the users dataset was not collected"}},
		{name: "unknown: users dataset forbidden", want: StatusUnknown,
			files:    map[string]string{snapshot.DSRoleAssignments: ras, snapshot.DSUsers: users("false")},
			statuses: entraForbidden(snapshot.DSUsers)},
		{name: "manual: group principal", want: StatusManual,
			files: map[string]string{snapshot.DSRoleAssignments: entraList(
				entraRA("r1", knowledge.RoleGlobalAdministrator, "user", "a1", "Cloud Admin", "a1@contoso.onmicrosoft.com"),
				entraRA("r9", knowledge.RoleExchangeAdministrator, "group", "g1", "Exchange Admins", "")), snapshot.DSUsers: users("false")},
			affected: []string{"Exchange Admins|group assignment not expanded"}},
		{name: "unknown: role assignments forbidden", want: StatusUnknown,
			files: map[string]string{snapshot.DSRoleAssignments: ras, snapshot.DSUsers: users("false")}, statuses: entraForbidden(snapshot.DSRoleAssignments)},
	})
}
