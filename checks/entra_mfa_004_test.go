package checks

import (
	"testing"

	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEntraMFA004(t *testing.T) {
	ras := entraList(
		entraRA("ra1", knowledge.RoleGlobalAdministrator, "user", "a1", "Admin One", "a1@contoso.com"),
		entraRA("ra2", knowledge.RoleExchangeAdministrator, "user", "a2", entraHostileRTL, "a2@contoso.com"),
		entraRA("ra3", knowledge.RoleGlobalAdministrator, "user", "a2", entraHostileRTL, "a2@contoso.com"),
		entraRA("ra4", "88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "user", "r1", "Directory Reader", "r1@contoso.com"), // not privileged
		entraRA("ra5", knowledge.RoleGlobalAdministrator, "servicePrincipal", "sp1", "Automation", ""),
	)
	good := entraList(
		entraReg("a1", "a1@contoso.com", true, "fido2SecurityKey"),
		entraReg("a2", "a2@contoso.com", true, "passKeyDeviceBoundAuthenticator", "mobilePhone"),
		entraReg("r1", "r1@contoso.com", false),
	)
	runEntraCases(t, "ENTRA-MFA-004", []entraCase{
		{name: "pass", want: StatusPass,
			files:   map[string]string{snapshot.DSRoleAssignments: ras, snapshot.DSUserRegistrationDetails: good},
			summary: []string{"Every privileged user (2) is MFA capable with a phishing-resistant method"}},
		{name: "fail: admin not capable", want: StatusFail,
			files: map[string]string{snapshot.DSRoleAssignments: ras, snapshot.DSUserRegistrationDetails: entraList(
				entraReg("a1", "a1@contoso.com", true, "microsoftAuthenticatorPush"),
				entraReg("a2", "a2@contoso.com", false),
			)},
			summary: []string{"1 of 2 privileged users is not MFA capable", entraHostileRTL, "1 has no phishing-resistant method"},
			affected: []string{
				"Admin One|no phishing-resistant method; methods: microsoftAuthenticatorPush; roles: Global Administrator",
				entraHostileRTL + "|not MFA capable; methods: none; roles: Exchange Administrator, Global Administrator",
			}},
		{name: "warn: no phishing-resistant method", want: StatusWarn,
			files: map[string]string{snapshot.DSRoleAssignments: ras, snapshot.DSUserRegistrationDetails: entraList(
				entraReg("a1", "a1@contoso.com", true, "microsoftAuthenticatorPush"),
				entraReg("a2", "a2@contoso.com", true, "fido2SecurityKey"),
			)},
			affected: []string{"Admin One|no phishing-resistant method"}},
		{name: "warn: admin missing from report", want: StatusWarn,
			files: map[string]string{snapshot.DSRoleAssignments: ras, snapshot.DSUserRegistrationDetails: entraList(
				entraReg("a1", "a1@contoso.com", true, "fido2SecurityKey"),
			)},
			summary: []string{"1 is not in the registration report"}},
		{name: "disabled admin (users dataset) skipped", want: StatusPass,
			files: map[string]string{snapshot.DSRoleAssignments: ras,
				snapshot.DSUsers: entraList(entraUser("a2", entraHostileRTL, "a2@contoso.com", "Member", false)),
				snapshot.DSUserRegistrationDetails: entraList(
					entraReg("a1", "a1@contoso.com", true, "fido2SecurityKey"),
				)},
			summary: []string{"Every privileged user (1)"}},
		{name: "manual: group principal not expanded", want: StatusManual,
			files: map[string]string{snapshot.DSRoleAssignments: entraList(
				entraRA("ra1", knowledge.RoleGlobalAdministrator, "user", "a1", "Admin One", "a1@contoso.com"),
				entraRA("ra9", knowledge.RolePrivilegedRoleAdministrator, "group", "g1", "PIM Admins", ""),
			), snapshot.DSUserRegistrationDetails: good},
			affected: []string{"PIM Admins|group assignment not expanded"}},
		{name: "custom role id resolved through roleDefinitions", want: StatusFail,
			files: map[string]string{snapshot.DSRoleAssignments: entraList(
				entraRA("ra1", "11111111-2222-3333-4444-555555555555", "user", "a1", "Admin One", "a1@contoso.com"),
			), snapshot.DSRoleDefinitions: `[{"id":"11111111-2222-3333-4444-555555555555","displayName":"Global Administrator","templateId":"62e90394-69f5-4237-9190-012177145e10","isBuiltIn":true}]`,
				snapshot.DSUserRegistrationDetails: entraList(entraReg("a1", "a1@contoso.com", false))},
			affected: []string{"Admin One|not MFA capable"}},
		{name: "unknown: no privileged holders at all", want: StatusUnknown,
			files: map[string]string{snapshot.DSRoleAssignments: `[]`, snapshot.DSUserRegistrationDetails: good}},
		{name: "unknown: role assignments forbidden", want: StatusUnknown,
			files:    map[string]string{snapshot.DSRoleAssignments: ras, snapshot.DSUserRegistrationDetails: good},
			statuses: entraForbidden(snapshot.DSRoleAssignments), summary: []string{"roleAssignments"}},
	})
}
