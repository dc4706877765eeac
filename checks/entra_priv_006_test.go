package checks

import (
	"testing"

	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEntraPRIV006(t *testing.T) {
	member := entraRA("r1", knowledge.RoleGlobalAdministrator, "user", "a1", "Admin", "a1@contoso.com")
	extGuest := entraRA("r2", knowledge.RoleApplicationAdministrator, "user", "g1", entraHostileXLSX, "vendor_partner.com#EXT#@contoso.onmicrosoft.com")
	typedGuest := entraRA("r3", knowledge.RoleSharePointAdministrator, "user", "g2", "Converted Guest", "conv@contoso.com")
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
