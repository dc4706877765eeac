package checks

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// entraJS renders a Go value as JSON for fixtures (hostile strings stay
// exact).
func entraJS(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// entraUser is a Graph-shaped user for fixtures.
func entraUser(id, name, upn, userType string, enabled bool, extra ...string) string {
	s := fmt.Sprintf(`{"id":%s,"displayName":%s,"userPrincipalName":%s,"userType":%s,"accountEnabled":%t`,
		entraJS(id), entraJS(name), entraJS(upn), entraJS(userType), enabled)
	for _, e := range extra {
		s += "," + e
	}
	return s + "}"
}

// entraReg is a Graph-shaped userRegistrationDetails item.
func entraReg(id, upn string, capable bool, methods ...string) string {
	if methods == nil {
		methods = []string{}
	}
	return fmt.Sprintf(`{"id":%s,"userPrincipalName":%s,"userType":"member","isMfaCapable":%t,"isMfaRegistered":%t,"methodsRegistered":%s}`,
		entraJS(id), entraJS(upn), capable, capable, entraJS(methods))
}

func entraList(items ...string) string { return "[" + strings.Join(items, ",") + "]" }

func TestEntraMFA003(t *testing.T) {
	users := entraList(
		entraUser("u1", "Adele Vance", "adele@contoso.com", "Member", true),
		entraUser("u2", entraHostilePS, "bob@contoso.com", "Member", true),
		entraUser("u3", "Carol", "carol@contoso.com", "Member", false), // disabled: ignored
		entraUser("u4", "Guest Gail", "gail_x.com#EXT#@contoso.onmicrosoft.com", "Guest", true),
		entraUser("bg", "Break Glass", "bg@contoso.onmicrosoft.com", "Member", true),
		entraUser("u5", entraHostileXLSX, "dan@contoso.com", "Member", true),
	)
	allGood := entraList(
		entraReg("u1", "adele@contoso.com", true, "microsoftAuthenticatorPush"),
		entraReg("u2", "bob@contoso.com", true, "fido2SecurityKey", "mobilePhone"),
		entraReg("bg", "bg@contoso.onmicrosoft.com", true, "fido2SecurityKey"),
		entraReg("u5", "dan@contoso.com", true, "softwareOneTimePasscode"),
	)
	bgCfg := &Config{BreakGlass: Principals{Users: []string{"BG@contoso.onmicrosoft.com"}}}
	runEntraCases(t, "ENTRA-MFA-003", []entraCase{
		{name: "pass", want: StatusPass, cfg: bgCfg,
			files:   map[string]string{snapshot.DSUsers: users, snapshot.DSUserRegistrationDetails: allGood},
			summary: []string{"Every enabled member (3) is MFA capable", "1 break-glass or approved account excluded"}, affected: []string{}},
		{name: "fail lists incapable, hostile names verbatim", want: StatusFail,
			files: map[string]string{snapshot.DSUsers: users, snapshot.DSUserRegistrationDetails: entraList(
				entraReg("u1", "adele@contoso.com", true, "mobilePhone"),
				entraReg("u2", "bob@contoso.com", false),
				entraReg("bg", "bg@contoso.onmicrosoft.com", false),
				entraReg("u5", "dan@contoso.com", false, "email"),
			)},
			summary: []string{"3 of 4 enabled members are not MFA capable", entraHostilePS, "1 member has only phone or email methods"},
			affected: []string{
				entraHostilePS + "|not MFA capable; methods: none",
				entraHostileXLSX + "|not MFA capable; methods: email",
				"Adele Vance|only weak methods: mobilePhone",
				"Break Glass|not MFA capable",
			}},
		{name: "break-glass excluded by object id", want: StatusPass,
			cfg: &Config{BreakGlass: Principals{Users: []string{"bg"}}},
			files: map[string]string{snapshot.DSUsers: users, snapshot.DSUserRegistrationDetails: entraList(
				entraReg("u1", "adele@contoso.com", true, "microsoftAuthenticatorPush"),
				entraReg("u2", "bob@contoso.com", true, "fido2SecurityKey"),
				entraReg("bg", "bg@contoso.onmicrosoft.com", false),
				entraReg("u5", "dan@contoso.com", true, "softwareOneTimePasscode"),
			)}},
		{name: "approved exclusion by UPN", want: StatusPass,
			cfg: &Config{BreakGlass: Principals{Users: []string{"bg"}}, Exclusions: map[string]Principals{"ENTRA-MFA-003": {Users: []string{"DAN@contoso.com"}}}},
			files: map[string]string{snapshot.DSUsers: users, snapshot.DSUserRegistrationDetails: entraList(
				entraReg("u1", "adele@contoso.com", true, "microsoftAuthenticatorPush"),
				entraReg("u2", "bob@contoso.com", true, "fido2SecurityKey"),
			)},
			summary: []string{"Every enabled member (2)", "2 break-glass or approved accounts excluded"}},
		{name: "member missing from report never passes", want: StatusWarn, cfg: bgCfg,
			files: map[string]string{snapshot.DSUsers: users, snapshot.DSUserRegistrationDetails: entraList(
				entraReg("u1", "adele@contoso.com", true, "microsoftAuthenticatorPush"),
				entraReg("u2", "bob@contoso.com", true, "fido2SecurityKey"),
			)},
			summary:  []string{"1 member is not in the registration report"},
			affected: []string{entraHostileXLSX + "|not in the registration report"}},
		{name: "unknown: registration report forbidden", want: StatusUnknown,
			files:    map[string]string{snapshot.DSUsers: users, snapshot.DSUserRegistrationDetails: allGood},
			statuses: entraForbidden(snapshot.DSUserRegistrationDetails),
			summary:  []string{"userRegistrationDetails", "forbidden"}},
		{name: "unknown: users forbidden", want: StatusUnknown,
			files:    map[string]string{snapshot.DSUsers: users, snapshot.DSUserRegistrationDetails: allGood},
			statuses: entraForbidden(snapshot.DSUsers)},
		{name: "partial report cannot pass", want: StatusUnknown, cfg: bgCfg,
			files:    map[string]string{snapshot.DSUsers: users, snapshot.DSUserRegistrationDetails: allGood},
			statuses: entraPartial(snapshot.DSUserRegistrationDetails),
			summary:  []string{"partly collected"}},
	})
}

// entraRA is a Graph-shaped role assignment with an expanded principal.
func entraRA(id, role, principalType, pid, name, upn string, extra ...string) string {
	p := fmt.Sprintf(`{"@odata.type":"#microsoft.graph.%s","id":%s,"displayName":%s`, principalType, entraJS(pid), entraJS(name))
	if upn != "" {
		p += `,"userPrincipalName":` + entraJS(upn)
	}
	for _, e := range extra {
		p += "," + e
	}
	p += "}"
	return fmt.Sprintf(`{"id":%s,"principalId":%s,"roleDefinitionId":%s,"directoryScopeId":"/","principal":%s}`,
		entraJS(id), entraJS(pid), entraJS(role), p)
}

func TestEntraMFA004(t *testing.T) {
	ras := entraList(
		entraRA("ra1", RoleGlobalAdministrator, "user", "a1", "Admin One", "a1@contoso.com"),
		entraRA("ra2", RoleExchangeAdministrator, "user", "a2", entraHostileRTL, "a2@contoso.com"),
		entraRA("ra3", RoleGlobalAdministrator, "user", "a2", entraHostileRTL, "a2@contoso.com"),
		entraRA("ra4", "88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "user", "r1", "Directory Reader", "r1@contoso.com"), // not privileged
		entraRA("ra5", RoleGlobalAdministrator, "servicePrincipal", "sp1", "Automation", ""),
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
				entraRA("ra1", RoleGlobalAdministrator, "user", "a1", "Admin One", "a1@contoso.com"),
				entraRA("ra9", RolePrivilegedRoleAdministrator, "group", "g1", "PIM Admins", ""),
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

// entraMethods builds an authenticationMethodsPolicy with the given
// configurations (id -> state), plus optional raw configurations.
func entraMethods(states map[string]string, raw ...string) string {
	var items []string
	for _, id := range []string{"Sms", "Voice", "Email", "MicrosoftAuthenticator", "Fido2"} {
		if st, ok := states[id]; ok {
			items = append(items, fmt.Sprintf(`{"@odata.type":"#microsoft.graph.x","id":%q,"state":%q,"includeTargets":[{"id":"all_users","targetType":"group"}]}`, id, st))
		}
	}
	items = append(items, raw...)
	return `{"id":"authenticationMethodsPolicy","policyMigrationState":"migrationComplete","authenticationMethodConfigurations":[` + strings.Join(items, ",") + `]}`
}

func TestEntraMFA005(t *testing.T) {
	off := map[string]string{"Sms": "disabled", "Voice": "disabled", "Email": "enabled"}
	runEntraCases(t, "ENTRA-MFA-005", []entraCase{
		{name: "pass", want: StatusPass, files: map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(off)}},
		{name: "fail with phone-only count", want: StatusFail,
			files: map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(map[string]string{"Sms": "enabled", "Voice": "disabled"}),
				snapshot.DSUserRegistrationDetails: entraList(
					entraReg("u1", "a@x", true, "mobilePhone"),
					entraReg("u2", "b@x", true, "mobilePhone", "officePhone", "securityQuestion"),
					entraReg("u3", "c@x", true, "mobilePhone", "microsoftAuthenticatorPush"),
					entraReg("u4", "d@x", false))},
			summary:  []string{"SMS is enabled", "2 users have SMS or voice as their only method"},
			affected: []string{"SMS|state enabled; targets: all_users"}},
		{name: "fail without registration report", want: StatusFail,
			files:    map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(map[string]string{"Sms": "enabled", "Voice": "enabled"})},
			affected: []string{"SMS|", "Voice call|"}},
		{name: "unknown: configuration missing", want: StatusUnknown,
			files:   map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(map[string]string{"Sms": "disabled"})},
			summary: []string{"no Voice configuration"}},
		{name: "unknown: forbidden", want: StatusUnknown,
			files:    map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(off)},
			statuses: entraForbidden(snapshot.DSAuthenticationMethodsPolicy)},
	})
}

func TestEntraMFA006(t *testing.T) {
	runEntraCases(t, "ENTRA-MFA-006", []entraCase{
		{name: "pass", want: StatusPass, files: map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(map[string]string{"Email": "disabled"})}},
		{name: "fail", want: StatusFail, files: map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(map[string]string{"Email": "enabled"})},
			affected: []string{"Email|state enabled"}},
		{name: "unknown: missing config", want: StatusUnknown, files: map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(nil)}},
		{name: "unknown: forbidden", want: StatusUnknown, files: map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(map[string]string{"Email": "disabled"})},
			statuses: entraForbidden(snapshot.DSAuthenticationMethodsPolicy)},
	})
}

// entraAuthenticator builds a MicrosoftAuthenticator configuration.
func entraAuthenticator(state, features string) string {
	return fmt.Sprintf(`{"@odata.type":"#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration","id":"MicrosoftAuthenticator","state":%q,"featureSettings":%s}`, state, features)
}

func entraFeature(state, include, exclude string) string {
	return fmt.Sprintf(`{"state":%q,"includeTarget":{"targetType":"group","id":%q},"excludeTarget":{"targetType":"group","id":%q}}`, state, include, exclude)
}

func TestEntraMFA007(t *testing.T) {
	none := entraNoTarget
	good := fmt.Sprintf(`{"displayAppInformationRequiredState":%s,"displayLocationInformationRequiredState":%s,"numberMatchingRequiredState":%s}`,
		entraFeature("enabled", "all_users", none), entraFeature("enabled", "all_users", none), entraFeature("enabled", "all_users", none))
	pol := func(cfg string) map[string]string {
		return map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(nil, cfg)}
	}
	runEntraCases(t, "ENTRA-MFA-007", []entraCase{
		{name: "pass", want: StatusPass, files: pol(entraAuthenticator("enabled", good)), summary: []string{"number matching: enabled"}},
		{name: "pass: authenticator disabled", want: StatusPass, files: pol(entraAuthenticator("disabled", "null"))},
		{name: "fail: Microsoft-managed default and a group target", want: StatusFail,
			files: pol(entraAuthenticator("enabled", fmt.Sprintf(`{"displayAppInformationRequiredState":%s,"displayLocationInformationRequiredState":%s}`,
				entraFeature("default", "all_users", none), entraFeature("enabled", "grp-1", none)))),
			affected: []string{"displayAppInformationRequiredState|state default", "displayLocationInformationRequiredState|enabled only for \"grp-1\""}},
		{name: "fail: feature settings null", want: StatusFail, files: pol(entraAuthenticator("enabled", "null")),
			affected: []string{"displayAppInformationRequiredState|not configured", "displayLocationInformationRequiredState|not configured"}},
		{name: "warn: exclusion", want: StatusWarn,
			files: pol(entraAuthenticator("enabled", fmt.Sprintf(`{"displayAppInformationRequiredState":%s,"displayLocationInformationRequiredState":%s}`,
				entraFeature("enabled", "all_users", "grp-x"), entraFeature("enabled", "all_users", none)))),
			affected: []string{"displayAppInformationRequiredState|excludes \"grp-x\""}},
		{name: "unknown: no authenticator config", want: StatusUnknown, files: map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(nil)}},
		{name: "unknown: forbidden", want: StatusUnknown, files: pol(entraAuthenticator("enabled", good)), statuses: entraForbidden(snapshot.DSAuthenticationMethodsPolicy)},
	})
}

func TestEntraMFA008(t *testing.T) {
	p := func(state string) map[string]string {
		return map[string]string{snapshot.DSAuthenticationMethodsPolicy: `{"id":"authenticationMethodsPolicy",` + state + `"authenticationMethodConfigurations":[]}`}
	}
	runEntraCases(t, "ENTRA-MFA-008", []entraCase{
		{name: "pass: complete", want: StatusPass, files: p(`"policyMigrationState":"migrationComplete",`)},
		{name: "pass: null", want: StatusPass, files: p(`"policyMigrationState":null,`)},
		{name: "pass: absent", want: StatusPass, files: p(``)},
		{name: "fail: pre-migration", want: StatusFail, files: p(`"policyMigrationState":"preMigration",`),
			affected: []string{"Authentication methods policy|policyMigrationState preMigration"}},
		{name: "fail: in progress", want: StatusFail, files: p(`"policyMigrationState":"migrationInProgress",`)},
		{name: "unknown: forbidden", want: StatusUnknown, files: p(``), statuses: entraForbidden(snapshot.DSAuthenticationMethodsPolicy)},
	})
}

// BenchmarkEntraMFA003 measures the user/registration join on a large
// tenant (20,000 members).
func BenchmarkEntraMFA003(b *testing.B) {
	var users, regs []string
	for i := 0; i < 20000; i++ {
		id := fmt.Sprintf("u%05d", i)
		users = append(users, entraUser(id, "User "+id, id+"@contoso.com", "Member", true))
		regs = append(regs, entraReg(id, id+"@contoso.com", i%7 != 0, "microsoftAuthenticatorPush"))
	}
	files := map[string]string{snapshot.DSUsers: entraList(users...), snapshot.DSUserRegistrationDetails: entraList(regs...)}
	var c Check
	for _, x := range entraChecks() {
		if x.ID == "ENTRA-MFA-003" {
			c = x
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		s := testSnap(b, files, nil) // fresh snapshot: decoding is part of the cost
		r := RunCheck(c, testCtx(b, s, nil))
		if r.Status != StatusFail {
			b.Fatalf("status %s", r.Status)
		}
	}
}
