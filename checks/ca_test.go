package checks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Graph-shaped fragments for CA policies.
const (
	allUsers      = `"users":{"includeUsers":["All"],"excludeUsers":[],"includeGroups":[],"excludeGroups":[],"includeRoles":[],"excludeRoles":[]}`
	allApps       = `"applications":{"includeApplications":["All"],"excludeApplications":[],"includeUserActions":[]}`
	clientAll     = `"clientAppTypes":["all"]`
	grantMFAJSON  = `{"operator":"OR","builtInControls":["mfa"],"customAuthenticationFactors":[],"termsOfUse":[]}`
	grantBlockJS  = `{"operator":"OR","builtInControls":["block"]}`
	bgID          = "11111111-0000-0000-0000-00000000b001"
	bobID         = "22222222-0000-0000-0000-000000000b0b"
	users         = `[{"id":"11111111-0000-0000-0000-00000000b001","displayName":"Break Glass 1","userPrincipalName":"bg1@contoso.com","userType":"Member"},{"id":"22222222-0000-0000-0000-000000000b0b","displayName":"Bob Example","userPrincipalName":"bob@contoso.com","userType":"Member"}]`
	privRolesJSON = `"62e90394-69f5-4237-9190-012177145e10","e8611ab8-c189-46e8-94e1-60213ab1f814","fe930be7-5e62-47db-91af-98c3a49a38b1","f28a1f50-f6e7-4571-818b-6a12f2af6b6c","29232cdf-9323-42fd-ade2-1d097af3e4de","8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2","9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3","158c047a-c907-4556-b7ef-446551a6b5f7"`
)

// pol builds a CA policy as Graph returns it; conds is the inside of
// "conditions" (comma-separated members).
func pol(id, name, state, conds, grant string) string {
	return fmt.Sprintf(`{"id":%q,"displayName":%q,"state":%q,"conditions":{%s},"grantControls":%s,"sessionControls":null}`, id, name, state, conds, grant)
}

func usersExcl(field, ids string) string {
	return `"users":{"includeUsers":["All"],"` + field + `":[` + ids + `]}`
}

func caCase(policies ...string) string { return "[" + strings.Join(policies, ",") + "]" }

func runByID(t *testing.T, id string, s *snapshot.Snapshot, cfg *Config) Result {
	t.Helper()
	for _, c := range All() {
		if c.ID == id {
			return RunCheck(c, testCtx(t, s, cfg))
		}
	}
	t.Fatalf("no check %s", id)
	return Result{}
}

func TestCAChecks(t *testing.T) {
	mfaAll := pol("p1", "Require MFA", "enabled", allUsers+","+allApps+","+clientAll, grantMFAJSON)
	sdOff, sdOn := `{"id":"00000000-0000-0000-0000-000000000005","isEnabled":false}`, `{"id":"00000000-0000-0000-0000-000000000005","isEnabled":true}`
	bg := &Config{BreakGlass: Principals{Users: []string{bgID}}}
	bgUPN := &Config{BreakGlass: Principals{Users: []string{"BG1@contoso.com"}}}
	tests := []struct {
		name     string
		check    string
		skus     string
		sd       string
		policies string
		cfg      *Config
		statuses map[string]snapshot.Status
		want     Status
		contains []string
	}{
		{name: "MFA policy all users all apps counts", check: "ENTRA-MFA-001", policies: caCase(mfaAll), want: StatusPass, contains: []string{"'Require MFA'"}},
		{name: "report-only policy warns", check: "ENTRA-MFA-001",
			policies: caCase(pol("p1", "Require MFA", "enabledForReportingButNotEnforced", allUsers+","+allApps, grantMFAJSON)),
			want:     StatusWarn, contains: []string{"exists but is report-only"}},
		{name: "disabled policy ignored", check: "ENTRA-MFA-001",
			policies: caCase(pol("p1", "Require MFA", "disabled", allUsers+","+allApps, grantMFAJSON)), want: StatusFail},
		{name: "unapproved user exclusion fails with would-pass", check: "ENTRA-MFA-001",
			policies: caCase(pol("p1", "Require MFA", "enabled", usersExcl("excludeUsers", `"`+bobID+`","`+bgID+`"`)+","+allApps, grantMFAJSON)),
			want:     StatusFail, contains: []string{"would pass if these 2 exclusions were approved", "Bob Example (bob@contoso.com)", "Break Glass 1"}},
		{name: "approved break-glass exclusion passes", check: "ENTRA-MFA-001", cfg: bg,
			policies: caCase(pol("p1", "Require MFA", "enabled", usersExcl("excludeUsers", `"`+bgID+`"`)+","+allApps, grantMFAJSON)), want: StatusPass},
		{name: "break-glass by UPN resolved", check: "ENTRA-MFA-001", cfg: bgUPN,
			policies: caCase(pol("p1", "Require MFA", "enabled", usersExcl("excludeUsers", `"`+bgID+`"`)+","+allApps, grantMFAJSON)), want: StatusPass},
		{name: "per-check exclusion approved", check: "ENTRA-MFA-001", cfg: &Config{Exclusions: map[string]Principals{"ENTRA-MFA-001": {Groups: []string{"g-1"}}}},
			policies: caCase(pol("p1", "Require MFA", "enabled", usersExcl("excludeGroups", `"g-1"`)+","+allApps, grantMFAJSON)), want: StatusPass},
		{name: "per-check exclusion of another check does not apply", check: "ENTRA-MFA-001", cfg: &Config{Exclusions: map[string]Principals{"ENTRA-CA-002": {Groups: []string{"g-1"}}}},
			policies: caCase(pol("p1", "Require MFA", "enabled", usersExcl("excludeGroups", `"g-1"`)+","+allApps, grantMFAJSON)),
			want:     StatusFail, contains: []string{"would pass if this exclusion were approved: group g-1"}},
		{name: "directory sync role exclusion allowed", check: "ENTRA-MFA-001",
			policies: caCase(pol("p1", "Require MFA", "enabled", usersExcl("excludeRoles", `"d29b2b05-8046-44ba-8758-1e26182fcf32"`)+","+allApps, grantMFAJSON)), want: StatusPass},
		{name: "other role exclusion not allowed", check: "ENTRA-MFA-001",
			policies: caCase(pol("p1", "Require MFA", "enabled", usersExcl("excludeRoles", `"62e90394-69f5-4237-9190-012177145e10"`)+","+allApps, grantMFAJSON)),
			want:     StatusFail, contains: []string{"Global Administrator role"}},
		{name: "guest type exclusion not allowed", check: "ENTRA-MFA-001",
			policies: caCase(pol("p1", "Require MFA", "enabled", `"users":{"includeUsers":["All"],"excludeGuestsOrExternalUsers":{"guestOrExternalUserTypes":"b2bCollaborationGuest","externalTenants":{"membershipKind":"all"}}},`+allApps, grantMFAJSON)),
			want:     StatusFail, contains: []string{"would pass if this exclusion were approved", "guest types b2bCollaborationGuest"}},
		{name: "OR mfa+compliantDevice does not enforce MFA", check: "ENTRA-MFA-001",
			policies: caCase(pol("p1", "MFA or compliant", "enabled", allUsers+","+allApps, `{"operator":"OR","builtInControls":["mfa","compliantDevice"]}`)),
			want:     StatusFail, contains: []string{"related policies do not count"}},
		{name: "AND mfa+compliantDevice enforces MFA", check: "ENTRA-MFA-001",
			policies: caCase(pol("p1", "MFA and compliant", "enabled", allUsers+","+allApps, `{"operator":"AND","builtInControls":["mfa","compliantDevice"]}`)), want: StatusPass},
		{name: "custom strength with sms alone is not MFA", check: "ENTRA-MFA-001",
			policies: caCase(pol("p1", "Custom strength", "enabled", allUsers+","+allApps, `{"operator":"OR","builtInControls":[],"authenticationStrength":{"id":"c1","displayName":"Weak","allowedCombinations":["password,sms","sms"]}}`)),
			want:     StatusFail},
		{name: "custom strength two-factor combinations is MFA", check: "ENTRA-MFA-001",
			policies: caCase(pol("p1", "Custom strength", "enabled", allUsers+","+allApps, `{"operator":"OR","builtInControls":[],"authenticationStrength":{"id":"c1","displayName":"OK","allowedCombinations":["password,sms","fido2"]}}`)),
			want:     StatusPass},
		{name: "built-in MFA strength by id only", check: "ENTRA-MFA-001",
			policies: caCase(pol("p1", "Strength", "enabled", allUsers+","+allApps, `{"operator":"OR","authenticationStrength":{"id":"00000000-0000-0000-0000-000000000002"}}`)), want: StatusPass},
		{name: "unknown strength id without dataset is unknown, never pass", check: "ENTRA-MFA-001",
			policies: caCase(pol("p1", "Strength", "enabled", allUsers+","+allApps, `{"operator":"OR","authenticationStrength":{"id":"abc"}}`)), want: StatusUnknown},
		{name: "phishing-resistant strength passes MFA-010", check: "ENTRA-MFA-010",
			policies: caCase(pol("p1", "PR", "enabled", allUsers+","+allApps, `{"operator":"OR","authenticationStrength":{"id":"00000000-0000-0000-0000-000000000004"}}`)), want: StatusPass},
		{name: "phishing-resistant custom subset passes MFA-010", check: "ENTRA-MFA-010",
			policies: caCase(pol("p1", "PR", "enabled", allUsers+","+allApps, `{"operator":"OR","authenticationStrength":{"id":"c2","allowedCombinations":["fido2","windowsHelloForBusiness"]}}`)), want: StatusPass},
		{name: "passwordless strength is not phishing-resistant", check: "ENTRA-MFA-010",
			policies: caCase(pol("p1", "PL", "enabled", allUsers+","+allApps, `{"operator":"OR","authenticationStrength":{"id":"00000000-0000-0000-0000-000000000003"}}`)), want: StatusFail},
		{name: "plain mfa is not phishing-resistant", check: "ENTRA-MFA-010", policies: caCase(mfaAll), want: StatusFail},
		{name: "security defaults never pass MFA-010", check: "ENTRA-MFA-010", sd: sdOn, policies: "[]", want: StatusFail,
			contains: []string{"Security defaults never require phishing-resistant"}},
		{name: "locations condition narrows", check: "ENTRA-MFA-001",
			policies: caCase(pol("p1", "MFA outside office", "enabled", allUsers+","+allApps+`,"locations":{"includeLocations":["All"],"excludeLocations":["AllTrusted"]}`, grantMFAJSON)),
			want:     StatusFail, contains: []string{"related policies do not count"}},
		{name: "platforms condition narrows", check: "ENTRA-MFA-001",
			policies: caCase(pol("p1", "MFA on Windows", "enabled", allUsers+","+allApps+`,"platforms":{"includePlatforms":["windows"],"excludePlatforms":[]}`, grantMFAJSON)), want: StatusFail},
		{name: "clientAppTypes browser narrows", check: "ENTRA-MFA-001",
			policies: caCase(pol("p1", "MFA browser", "enabled", allUsers+","+allApps+`,"clientAppTypes":["browser","mobileAppsAndDesktopClients"]`, grantMFAJSON)), want: StatusFail},
		{name: "risk condition narrows MFA policy", check: "ENTRA-MFA-001",
			policies: caCase(pol("p1", "MFA risky", "enabled", allUsers+","+allApps+`,"signInRiskLevels":["high"]`, grantMFAJSON)), want: StatusFail},
		{name: "excludeApplications does not count", check: "ENTRA-MFA-001",
			policies: caCase(pol("p1", "MFA", "enabled", allUsers+`,"applications":{"includeApplications":["All"],"excludeApplications":["00000002-0000-0ff1-ce00-000000000000"]}`, grantMFAJSON)),
			want:     StatusFail},
		{name: "not all apps does not count", check: "ENTRA-MFA-001",
			policies: caCase(pol("p1", "MFA O365", "enabled", allUsers+`,"applications":{"includeApplications":["Office365"]}`, grantMFAJSON)), want: StatusFail},
		{name: "security defaults without P1 pass MFA-001 with caveat", check: "ENTRA-MFA-001", skus: skusNone, sd: sdOn, policies: "[]", want: StatusPass,
			contains: []string{"only when Microsoft deems it necessary", "first sign-in", "ENTRA-MFA-003", "sign-in log was not collected"}},
		{name: "security defaults alone with P1 warn MFA-001", check: "ENTRA-MFA-001", sd: sdOn, policies: "[]", want: StatusWarn,
			contains: []string{"has Entra ID P1 and no Conditional Access policy requires MFA", "CIS 5.2.2.2", "ENTRA-MFA-003"}},
		{name: "no P1, security defaults off fails plainly", check: "ENTRA-MFA-001", skus: skusNone, policies: "[]", want: StatusFail,
			contains: []string{"no Entra ID P1", "security defaults off"}},
		{name: "zero policies with P1 fail", check: "ENTRA-MFA-001", policies: "[]", want: StatusFail, contains: []string{"Judged on 0 Conditional Access policies"}},
		{name: "CA dataset forbidden with security defaults on: security defaults decide", check: "ENTRA-MFA-001", sd: sdOn, skus: skusNone,
			statuses: map[string]snapshot.Status{snapshot.DSConditionalAccessPolicies: snapshot.StatusForbidden}, want: StatusPass,
			contains: []string{"Security defaults are enabled"}},
		{name: "CA dataset forbidden with security defaults off and P1 is unknown", check: "ENTRA-MFA-001",
			statuses: map[string]snapshot.Status{snapshot.DSConditionalAccessPolicies: snapshot.StatusForbidden}, want: StatusUnknown,
			contains: []string{"conditionalAccessPolicies"}},
		{name: "no P1, CA unlicensed, security defaults off: nothing enforces MFA", check: "ENTRA-MFA-001", skus: skusNone,
			statuses: map[string]snapshot.Status{snapshot.DSConditionalAccessPolicies: snapshot.StatusUnlicensed}, want: StatusFail,
			contains: []string{"Nothing enforces MFA"}},
		{name: "no P1, CA unlicensed, security defaults off: legacy auth not blocked", check: "ENTRA-CA-001", skus: skusNone,
			statuses: map[string]snapshot.Status{snapshot.DSConditionalAccessPolicies: snapshot.StatusUnlicensed}, want: StatusFail},
		{name: "no P1, CA unlicensed, security defaults off: admins not covered", check: "ENTRA-CA-002", skus: skusNone,
			statuses: map[string]snapshot.Status{snapshot.DSConditionalAccessPolicies: snapshot.StatusUnlicensed}, want: StatusFail},
		{name: "no P1, CA unlicensed, security defaults on: pass", check: "ENTRA-MFA-001", skus: skusNone, sd: sdOn,
			statuses: map[string]snapshot.Status{snapshot.DSConditionalAccessPolicies: snapshot.StatusUnlicensed}, want: StatusPass},
		{name: "CA dataset partial cannot pass", check: "ENTRA-MFA-001", policies: caCase(mfaAll),
			statuses: map[string]snapshot.Status{snapshot.DSConditionalAccessPolicies: snapshot.StatusPartial}, want: StatusUnknown},

		// Legacy authentication.
		{name: "legacy split over two policies passes", check: "ENTRA-CA-001", policies: caCase(
			pol("l1", "Block EAS", "enabled", allUsers+","+allApps+`,"clientAppTypes":["exchangeActiveSync"]`, grantBlockJS),
			pol("l2", "Block other", "enabled", allUsers+","+allApps+`,"clientAppTypes":["other"]`, grantBlockJS)), want: StatusPass},
		{name: "legacy missing other fails", check: "ENTRA-CA-001", policies: caCase(
			pol("l1", "Block EAS", "enabled", allUsers+","+allApps+`,"clientAppTypes":["exchangeActiveSync"]`, grantBlockJS)),
			want: StatusFail, contains: []string{"only partly blocked", "cover exchangeActiveSync but not other."}},
		{name: "legacy one policy both types passes", check: "ENTRA-CA-001", policies: caCase(
			pol("l1", "Block legacy", "enabled", allUsers+","+allApps+`,"clientAppTypes":["exchangeActiveSync","other"]`, grantBlockJS)), want: StatusPass},
		{name: "legacy MFA grant is not a block", check: "ENTRA-CA-001", policies: caCase(
			pol("l1", "MFA legacy", "enabled", allUsers+","+allApps+`,"clientAppTypes":["exchangeActiveSync","other"]`, grantMFAJSON)), want: StatusFail},
		{name: "legacy report-only warns", check: "ENTRA-CA-001", policies: caCase(
			pol("l1", "Block legacy", "enabledForReportingButNotEnforced", allUsers+","+allApps+`,"clientAppTypes":["exchangeActiveSync","other"]`, grantBlockJS)), want: StatusWarn},
		{name: "legacy security defaults pass", check: "ENTRA-CA-001", sd: sdOn, policies: "[]", want: StatusPass},

		// Admins.
		{name: "admins via all 8 roles", check: "ENTRA-CA-002", policies: caCase(
			pol("a1", "Admins MFA", "enabled", `"users":{"includeRoles":[`+privRolesJSON+`]},`+allApps, grantMFAJSON)), want: StatusPass},
		{name: "admins via 7 roles does not count", check: "ENTRA-CA-002", policies: caCase(
			pol("a1", "Admins MFA", "enabled", `"users":{"includeRoles":["62e90394-69f5-4237-9190-012177145e10"]},`+allApps, grantMFAJSON)),
			want: StatusFail, contains: []string{"related policies do not count"}},
		{name: "admins via all users policy", check: "ENTRA-CA-002", policies: caCase(mfaAll), want: StatusPass},
		{name: "admins security defaults pass", check: "ENTRA-CA-002", sd: sdOn, policies: "[]", want: StatusPass},
		{name: "admins phishing-resistant: security defaults never pass", check: "ENTRA-CA-003", sd: sdOn, policies: "[]", want: StatusFail},
		{name: "admins phishing-resistant strength passes", check: "ENTRA-CA-003", policies: caCase(
			pol("a1", "Admins PR", "enabled", `"users":{"includeRoles":[`+privRolesJSON+`]},`+allApps, `{"operator":"OR","authenticationStrength":{"id":"00000000-0000-0000-0000-000000000004"}}`)), want: StatusPass},
		{name: "CA-003 without P1 not applicable", check: "ENTRA-CA-003", skus: skusNone, policies: "[]", want: StatusNotApplicable},

		// Guests.
		{name: "guests via all guest types", check: "ENTRA-CA-004", policies: caCase(
			pol("g1", "Guests MFA", "enabled", `"users":{"includeGuestsOrExternalUsers":{"guestOrExternalUserTypes":"internalGuest,b2bCollaborationGuest,b2bCollaborationMember,b2bDirectConnectUser,otherExternalUser,serviceProvider","externalTenants":{"membershipKind":"all"}}},`+allApps, grantMFAJSON)), want: StatusPass},
		{name: "guests via partial types fails", check: "ENTRA-CA-004", policies: caCase(
			pol("g1", "Guests MFA", "enabled", `"users":{"includeGuestsOrExternalUsers":{"guestOrExternalUserTypes":"b2bCollaborationGuest","externalTenants":{"membershipKind":"all"}}},`+allApps, grantMFAJSON)), want: StatusFail},

		// Risk.
		{name: "P1 only: user risk not applicable even with a policy", check: "ENTRA-CA-005", skus: skusP1, policies: caCase(
			pol("r1", "User risk", "enabled", allUsers+","+allApps+`,"userRiskLevels":["high"]`, grantBlockJS)),
			want: StatusNotApplicable, contains: []string{"risk policies need Entra ID P2"}},
		{name: "P1 only: sign-in risk not applicable", check: "ENTRA-CA-006", skus: skusP1, policies: "[]", want: StatusNotApplicable},
		{name: "P2 user risk mfa AND passwordChange passes", check: "ENTRA-CA-005", skus: skusP2, policies: caCase(
			pol("r1", "User risk", "enabled", allUsers+","+allApps+`,"userRiskLevels":["high"]`, `{"operator":"AND","builtInControls":["mfa","passwordChange"]}`)), want: StatusPass},
		{name: "P2 user risk mfa only fails", check: "ENTRA-CA-005", skus: skusP2, policies: caCase(
			pol("r1", "User risk", "enabled", allUsers+","+allApps+`,"userRiskLevels":["high"]`, grantMFAJSON)), want: StatusFail},
		{name: "P2 combined risk conditions satisfy neither (user)", check: "ENTRA-CA-005", skus: skusP2, policies: caCase(
			pol("r1", "Both risks", "enabled", allUsers+","+allApps+`,"userRiskLevels":["high"],"signInRiskLevels":["high"]`, grantBlockJS)),
			want: StatusFail, contains: []string{"related policies do not count"}},
		{name: "P2 combined risk conditions satisfy neither (sign-in)", check: "ENTRA-CA-006", skus: skusP2, policies: caCase(
			pol("r1", "Both risks", "enabled", allUsers+","+allApps+`,"userRiskLevels":["high"],"signInRiskLevels":["high"]`, grantBlockJS)), want: StatusFail},
		{name: "P2 sign-in risk medium+high MFA passes", check: "ENTRA-CA-006", skus: skusP2, policies: caCase(
			pol("r1", "Sign-in risk", "enabled", allUsers+","+allApps+`,"signInRiskLevels":["medium","high"]`, grantMFAJSON)), want: StatusPass},
		{name: "P2 sign-in risk medium only fails", check: "ENTRA-CA-006", skus: skusP2, policies: caCase(
			pol("r1", "Sign-in risk", "enabled", allUsers+","+allApps+`,"signInRiskLevels":["medium"]`, grantMFAJSON)), want: StatusFail},

		// Device code.
		{name: "device code and transfer blocked", check: "ENTRA-CA-007", policies: caCase(
			pol("d1", "Block flows", "enabled", allUsers+","+allApps+`,"authenticationFlows":{"transferMethods":"deviceCodeFlow,authenticationTransfer"}`, grantBlockJS)), want: StatusPass},
		{name: "device code only warns", check: "ENTRA-CA-007", policies: caCase(
			pol("d1", "Block device code", "enabled", allUsers+","+allApps+`,"authenticationFlows":{"transferMethods":"deviceCodeFlow"}`, grantBlockJS)), want: StatusWarn},
		{name: "no device code policy fails", check: "ENTRA-CA-007", policies: caCase(mfaAll), want: StatusFail},

		// Registration.
		{name: "registration compliant device passes", check: "ENTRA-CA-008", policies: caCase(
			pol("s1", "Register from managed", "enabled", allUsers+`,"applications":{"includeApplications":[],"includeUserActions":["urn:user:registersecurityinfo"]}`, `{"operator":"OR","builtInControls":["compliantDevice","domainJoinedDevice"]}`)), want: StatusPass},
		{name: "registration location block warns", check: "ENTRA-CA-008", policies: caCase(
			pol("s1", "Register from office", "enabled", allUsers+`,"applications":{"includeApplications":[],"includeUserActions":["urn:user:registersecurityinfo"]},"locations":{"includeLocations":["All"],"excludeLocations":["AllTrusted"]}`, grantBlockJS)), want: StatusWarn},
		{name: "registration nothing fails", check: "ENTRA-CA-008", policies: "[]", want: StatusFail},

		// Not enforced.
		{name: "CA-011 report-only only MFA fails", check: "ENTRA-CA-011", policies: caCase(
			pol("p1", "Require MFA", "enabledForReportingButNotEnforced", allUsers+","+allApps, grantMFAJSON)),
			want: StatusFail, contains: []string{"ENTRA-MFA-001", "ENTRA-CA-002"}},
		{name: "CA-011 disabled legacy block fails", check: "ENTRA-CA-011", policies: caCase(
			pol("l1", "Block legacy", "disabled", allUsers+","+allApps+`,"clientAppTypes":["exchangeActiveSync","other"]`, grantBlockJS)),
			want: StatusFail, contains: []string{"ENTRA-CA-001"}},
		{name: "CA-011 enforced passes", check: "ENTRA-CA-011", policies: caCase(mfaAll), want: StatusPass},
		{name: "CA-011 zero policies passes and says so", check: "ENTRA-CA-011", policies: "[]", want: StatusPass, contains: []string{"no Conditional Access policies"}},

		// Break-glass.
		{name: "CA-012 manual without break-glass", check: "ENTRA-CA-012", policies: caCase(
			pol("p1", "Require MFA", "enabled", usersExcl("excludeUsers", `"`+bgID+`"`)+","+allApps, grantMFAJSON)),
			want: StatusManual, contains: []string{"Suggestion only", "Break Glass 1"}},
		{name: "CA-012 policy without break-glass fails", check: "ENTRA-CA-012", cfg: bg, policies: caCase(mfaAll,
			pol("p2", "MFA with BG", "enabled", usersExcl("excludeUsers", `"`+bgID+`"`)+","+allApps, grantMFAJSON)),
			want: StatusFail, contains: []string{"1 of 2 enabled policies"}},
		{name: "CA-012 all exclude break-glass passes", check: "ENTRA-CA-012", cfg: bgUPN, policies: caCase(
			pol("p2", "MFA with BG", "enabled", usersExcl("excludeUsers", `"`+bgID+`"`)+","+allApps, grantMFAJSON)), want: StatusPass},
		{name: "CA-012 without organization cannot tell whether the sync role matters", check: "ENTRA-CA-012", cfg: bgUPN, policies: caCase(
			pol("p2", "MFA with BG", "enabled", usersExcl("excludeUsers", `"`+bgID+`"`)+","+allApps, grantMFAJSON)),
			statuses: map[string]snapshot.Status{snapshot.DSOrganization: snapshot.StatusForbidden}, want: StatusUnknown, contains: []string{"organization"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			skus := tt.skus
			if skus == "" {
				skus = skusP1
			}
			sd := tt.sd
			if sd == "" {
				sd = sdOff
			}
			files := map[string]string{snapshot.DSSubscribedSkus: skus, snapshot.DSSecurityDefaults: sd, snapshot.DSUsers: users,
				snapshot.DSOrganization: `[{"id":"t","displayName":"Contoso","onPremisesSyncEnabled":null}]`}
			if tt.policies != "" {
				files[snapshot.DSConditionalAccessPolicies] = tt.policies
			}
			r := runByID(t, tt.check, testSnap(t, files, tt.statuses), tt.cfg)
			if r.Status != tt.want {
				t.Fatalf("status = %s, want %s; summary: %s; affected: %+v", r.Status, tt.want, r.Summary, r.Affected)
			}
			for _, c := range tt.contains {
				if !strings.Contains(r.Summary, c) {
					t.Errorf("summary lacks %q: %s", c, r.Summary)
				}
			}
			if r.Summary == "" {
				t.Error("empty summary")
			}
		})
	}
}

func TestStrengthClassification(t *testing.T) {
	for _, tt := range []struct {
		combos     []string
		mfa, phish bool
	}{
		{[]string{"password,microsoftAuthenticatorPush"}, true, false},
		{[]string{"sms"}, false, false},
		{[]string{"password,sms", "sms"}, false, false},
		{[]string{"fido2", "windowsHelloForBusiness", "x509CertificateMultiFactor"}, true, true},
		{[]string{"fido2", "deviceBasedPush"}, true, false},
		{[]string{"temporaryAccessPassOneTime"}, true, false},
		{[]string{"x509CertificateSingleFactor"}, false, false},
		{[]string{"hardwareOath"}, false, false},
		{[]string{"someFutureMethod"}, false, false},
		{nil, false, false},
	} {
		s := snapshot.AuthenticationStrength{AllowedCombinations: tt.combos}
		if StrengthIsMFA(s) != tt.mfa || StrengthIsPhishingResistant(s) != tt.phish {
			t.Errorf("%v: mfa=%v phish=%v, want %v %v", tt.combos, StrengthIsMFA(s), StrengthIsPhishingResistant(s), tt.mfa, tt.phish)
		}
	}
	for id, st := range builtInStrengths() {
		if !StrengthIsMFA(st) {
			t.Errorf("built-in %s not MFA", id)
		}
		if StrengthIsPhishingResistant(st) != (id == knowledge.StrengthPhishingResistant) {
			t.Errorf("built-in %s phishing-resistant = %v", id, StrengthIsPhishingResistant(st))
		}
	}
}

// TestCAChecksWithoutP1 runs every CA check on a free tenant with no CA
// policies: each answers plainly, never pass without security defaults.
func TestCAChecksWithoutP1(t *testing.T) {
	want := map[string]Status{
		"ENTRA-MFA-001": StatusFail, "ENTRA-CA-001": StatusFail, "ENTRA-CA-002": StatusFail,
		"ENTRA-MFA-010": StatusNotApplicable, "ENTRA-CA-003": StatusNotApplicable, "ENTRA-CA-004": StatusNotApplicable,
		"ENTRA-CA-005": StatusNotApplicable, "ENTRA-CA-006": StatusNotApplicable, "ENTRA-CA-007": StatusNotApplicable,
		"ENTRA-CA-008": StatusNotApplicable, "ENTRA-CA-011": StatusNotApplicable, "ENTRA-CA-012": StatusNotApplicable,
	}
	for _, sd := range []bool{false, true} {
		files := map[string]string{snapshot.DSSubscribedSkus: skusNone, snapshot.DSConditionalAccessPolicies: "[]",
			snapshot.DSSecurityDefaults: fmt.Sprintf(`{"isEnabled":%v}`, sd)}
		s := testSnap(t, files, nil)
		if len(caChecks()) != len(want) {
			t.Fatalf("%d CA checks, want %d", len(caChecks()), len(want))
		}
		for _, c := range caChecks() {
			r := RunCheck(c, testCtx(t, s, nil))
			w := want[c.ID]
			if sd && (c.ID == "ENTRA-MFA-001" || c.ID == "ENTRA-CA-001" || c.ID == "ENTRA-CA-002") {
				w = StatusPass
			}
			if r.Status != w {
				t.Errorf("sd=%v %s = %s, want %s: %s", sd, c.ID, r.Status, w, r.Summary)
			}
			if w == StatusFail && !strings.Contains(r.Summary, "no Entra ID P1") {
				t.Errorf("%s does not say what it judged on: %s", c.ID, r.Summary)
			}
			if w == StatusNotApplicable && !strings.Contains(r.Summary, "P") {
				t.Errorf("%s: %s", c.ID, r.Summary)
			}
		}
	}
}

// TestCAMetadata checks the CA catalogue entries are complete.
func TestCAMetadata(t *testing.T) {
	for _, c := range caChecks() {
		if c.Title == "" || c.Category == "" || c.Rationale == "" || c.Remediation.Summary == "" || len(c.Remediation.Steps) == 0 ||
			len(c.Datasets) == 0 || c.Severity.Rank() >= len(Severities()) {
			t.Errorf("%s: incomplete metadata", c.ID)
		}
		if len(c.References.CIS) > 0 && c.References.CISVersion == "" {
			t.Errorf("%s: CIS numbers without version", c.ID)
		}
	}
}

// TestCASecurityDefaultsWithContraryEvidence: security defaults are on, but
// the sign-in log shows what they should have stopped, after their last
// recorded change: MFA-001, CA-001 and CA-002 fail, naming the
// configuration, then the evidence, and listing the sign-ins. Sign-ins
// before the change, failed ones, guests' and break-glass accounts' do not
// count; without the log the configuration's verdict stands and says the
// evidence was not checked.
func TestCASecurityDefaultsWithContraryEvidence(t *testing.T) {
	signIns := `[{"id":"s1","createdDateTime":"2026-11-17T09:02:00Z","userId":"u-adele","userPrincipalName":"adele@contoso.com","userType":"Member","clientAppUsed":"IMAP4","isInteractive":true,"authenticationRequirement":"singleFactorAuthentication","ipAddress":"203.0.113.7","status":{"errorCode":0}},
	{"id":"s2","createdDateTime":"2026-11-17T09:03:00Z","userId":"u-adele","userPrincipalName":"adele@contoso.com","userType":"Member","clientAppUsed":"IMAP4","isInteractive":true,"authenticationRequirement":"singleFactorAuthentication","status":{"errorCode":50126}},
	{"id":"s3","createdDateTime":"2026-11-17T10:00:00Z","userId":"u-ga","userPrincipalName":"ga@contoso.com","userType":"Member","clientAppUsed":"Browser","isInteractive":true,"authenticationRequirement":"singleFactorAuthentication","ipAddress":"192.0.2.1","status":{"errorCode":0}},
	{"id":"s4","createdDateTime":"2026-11-17T11:00:00Z","userId":"u-guest","userPrincipalName":"g_x.example#EXT#@contoso.onmicrosoft.com","userType":"Guest","clientAppUsed":"Browser","isInteractive":true,"authenticationRequirement":"singleFactorAuthentication","status":{"errorCode":0}},
	{"id":"s5","createdDateTime":"2026-11-17T12:00:00Z","userId":"` + bgID + `","userPrincipalName":"bg1@contoso.com","userType":"Member","clientAppUsed":"Browser","isInteractive":true,"authenticationRequirement":"singleFactorAuthentication","status":{"errorCode":0}},
	{"id":"s0","createdDateTime":"2026-11-01T08:00:00Z","userId":"u-bob","userPrincipalName":"bob@contoso.com","userType":"Member","clientAppUsed":"POP3","isInteractive":true,"authenticationRequirement":"singleFactorAuthentication","status":{"errorCode":0}}]`
	// Security defaults were last turned on on 2026-11-10: the POP3
	// sign-in of 2026-11-01 is before it and does not count.
	audits := `[{"id":"a1","category":"Policy","activityDisplayName":"Update policy","activityDateTime":"2026-11-10T00:00:00Z","result":"success","targetResources":[{"id":"00000000-0000-0000-0000-000000000005","displayName":"Security Defaults Policy","type":"Policy"}]}]`
	roles := `[{"id":"ra1","principalId":"u-ga","roleDefinitionId":"` + knowledge.RoleGlobalAdministrator + `","directoryScopeId":"/","principal":{"@odata.type":"#microsoft.graph.user","id":"u-ga","userPrincipalName":"ga@contoso.com","displayName":"GA"}}]`
	files := map[string]string{snapshot.DSSubscribedSkus: skusP1, snapshot.DSSecurityDefaults: `{"id":"00000000-0000-0000-0000-000000000005","isEnabled":true}`,
		snapshot.DSConditionalAccessPolicies: "[]", snapshot.DSSignIns: signIns, snapshot.DSDirectoryAudits: audits, snapshot.DSRoleAssignments: roles, snapshot.DSUsers: users}
	bgCfg := &Config{BreakGlass: Principals{Users: []string{bgID}}}
	for _, tt := range []struct {
		id       string
		contains []string
		affected []string
	}{
		{IDEntraMFA001, []string{"Security defaults are enabled", "Configured, but it did not hold: the collected sign-in log shows 2 successful single-factor sign-ins of members after 2026-11-10 00:00 UTC by 2 users (adele@contoso.com, ga@contoso.com), first 2026-11-17 09:02 UTC."},
			[]string{"adele@contoso.com", "ga@contoso.com"}},
		{IDEntraCA001, []string{"Security defaults are enabled", "1 successful legacy-protocol sign-in after 2026-11-10 00:00 UTC by 1 user (adele@contoso.com)"}, []string{"adele@contoso.com"}},
		{IDEntraCA002, []string{"1 successful single-factor sign-in of administrators", "(ga@contoso.com)"}, []string{"ga@contoso.com"}},
	} {
		r := runByID(t, tt.id, testSnap(t, files, nil), bgCfg)
		if r.Status != StatusFail || !strings.HasPrefix(r.Summary, "Security defaults are enabled") {
			t.Errorf("%s: %s %s", tt.id, r.Status, r.Summary)
		}
		for _, c := range tt.contains {
			if !strings.Contains(r.Summary, c) {
				t.Errorf("%s: summary lacks %q: %s", tt.id, c, r.Summary)
			}
		}
		var got []string
		for _, a := range r.Affected {
			if a.Kind != "signIn" || a.SignIn == nil || a.SignIn.Succeeded == 0 || a.SignIn.MFA {
				t.Errorf("%s: affected %+v is not typed sign-in evidence", tt.id, a)
			}
			got = append(got, a.Name)
		}
		if strings.Join(got, ",") != strings.Join(tt.affected, ",") {
			t.Errorf("%s: affected %v, want %v", tt.id, got, tt.affected)
		}
	}
	// Without the log: the configuration's verdict, and the summary says
	// the evidence was not checked.
	delete(files, snapshot.DSSignIns)
	for id, want := range map[string]Status{IDEntraMFA001: StatusWarn, IDEntraCA001: StatusPass, IDEntraCA002: StatusPass} {
		r := runByID(t, id, testSnap(t, files, nil), bgCfg)
		if r.Status != want || !strings.Contains(r.Summary, "sign-in log was not collected") {
			t.Errorf("no log: %s = %s, want %s saying the evidence was not checked: %s", id, r.Status, want, r.Summary)
		}
	}
}

func TestCAGuestsSpecialValues(t *testing.T) {
	base := map[string]string{snapshot.DSSubscribedSkus: skusP1, snapshot.DSSecurityDefaults: `{"isEnabled":false}`}
	for _, tt := range []struct {
		check, users string
		want         Status
		contains     string
	}{
		{"ENTRA-MFA-001", `"users":{"includeUsers":["All"],"excludeUsers":["GuestsOrExternalUsers"]}`, StatusFail, "all guests and external users"},
		{"ENTRA-CA-004", `"users":{"includeUsers":["GuestsOrExternalUsers"]}`, StatusPass, ""},
		{"ENTRA-CA-004", `"users":{"includeUsers":["All"],"excludeGuestsOrExternalUsers":{"guestOrExternalUserTypes":"b2bCollaborationGuest"}}`, StatusFail, "would pass if this exclusion were approved"},
	} {
		files := map[string]string{}
		for k, v := range base {
			files[k] = v
		}
		files[snapshot.DSConditionalAccessPolicies] = caCase(pol("p", "P", "enabled", tt.users+","+allApps, grantMFAJSON))
		r := runByID(t, tt.check, testSnap(t, files, nil), nil)
		if r.Status != tt.want || !strings.Contains(r.Summary, tt.contains) {
			t.Errorf("%s %s: %s %s", tt.check, tt.users, r.Status, r.Summary)
		}
	}
}
