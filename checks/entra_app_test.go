package checks

import (
	"fmt"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEntraAPP001(t *testing.T) {
	pg := func(list string) map[string]string {
		return entraAuthz("", `"permissionGrantPoliciesAssigned":`+list)
	}
	runEntraCases(t, "ENTRA-APP-001", []entraCase{
		{name: "pass: empty", want: StatusPass, files: pg(`[]`)},
		{name: "pass: owned-resource consent is not user consent", want: StatusPass,
			files: pg(`["ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-team","ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-chat"]`)},
		{name: "warn: low", want: StatusWarn, files: pg(`["ManagePermissionGrantsForSelf.microsoft-user-default-low"]`),
			affected: []string{"microsoft-user-default-low|low-impact"}},
		{name: "warn: recommended", want: StatusWarn, files: pg(`["managePermissionGrantsForSelf.microsoft-user-default-recommended","ManagePermissionGrantsForOwnedResource.x"]`)},
		{name: "fail: legacy", want: StatusFail, files: pg(`["ManagePermissionGrantsForSelf.microsoft-user-default-legacy"]`),
			affected: []string{"microsoft-user-default-legacy|any application"}},
		{name: "fail: low plus custom", want: StatusFail, files: pg(`["ManagePermissionGrantsForSelf.microsoft-user-default-low","ManagePermissionGrantsForSelf.custom-policy"]`),
			affected: []string{"custom-policy|", "microsoft-user-default-low|"}},
		{name: "unknown: property absent", want: StatusUnknown, files: entraAuthz("", ``)},
		{name: "unknown: forbidden", want: StatusUnknown, files: pg(`[]`), statuses: entraForbidden(snapshot.DSAuthorizationPolicy)},
	})
}

func TestEntraAPP002(t *testing.T) {
	p := func(s string) map[string]string { return map[string]string{snapshot.DSAdminConsentRequestPolicy: s} }
	runEntraCases(t, "ENTRA-APP-002", []entraCase{
		{name: "pass", want: StatusPass,
			files:   p(`{"isEnabled":true,"notifyReviewers":true,"remindersEnabled":true,"requestDurationInDays":30,"reviewers":[{"query":"/users/r1","queryType":"MicrosoftGraph"}]}`),
			summary: []string{"1 reviewer", "reviewers are notified"}},
		{name: "pass reports notifications off", want: StatusPass,
			files:   p(`{"isEnabled":true,"notifyReviewers":false,"reviewers":[{"query":"/users/r1"},{"query":"/groups/g1/transitiveMembers"}]}`),
			summary: []string{"2 reviewers", "not notified"}},
		{name: "fail: disabled", want: StatusFail, files: p(`{"isEnabled":false,"reviewers":[{"query":"/users/r1"}]}`)},
		{name: "fail: no reviewers", want: StatusFail, files: p(`{"isEnabled":true,"reviewers":[]}`), affected: []string{"Admin consent request policy|no reviewers"}},
		{name: "unknown: forbidden", want: StatusUnknown, files: p(`{}`), statuses: entraForbidden(snapshot.DSAdminConsentRequestPolicy)},
	})
}

func TestEntraAPP003(t *testing.T) {
	runEntraCases(t, "ENTRA-APP-003", []entraCase{
		{name: "pass", want: StatusPass, files: entraAuthz("", `"allowedToCreateApps":false`)},
		{name: "fail: true", want: StatusFail, files: entraAuthz("", `"allowedToCreateApps":true`), affected: []string{"allowedToCreateApps|true"}},
		{name: "fail: null defaults to allowed", want: StatusFail, files: entraAuthz("", `"allowedToCreateApps":null`),
			affected: []string{"allowedToCreateApps|not set (defaults to allowed)"}},
		{name: "unknown: forbidden", want: StatusUnknown, files: entraAuthz("", ``), statuses: entraForbidden(snapshot.DSAuthorizationPolicy)},
	})
}

// entraSP is a Graph-shaped service principal.
func entraSP(id, appID, name, owner string, extra ...string) string {
	s := fmt.Sprintf(`{"id":%s,"appId":%s,"displayName":%s,"appOwnerOrganizationId":%s`, entraJS(id), entraJS(appID), entraJS(name), entraJS(owner))
	for _, e := range extra {
		s += "," + e
	}
	return s + "}"
}

// entraGrant is a Graph-shaped oauth2PermissionGrant.
func entraGrant(id, client, consent, principal, resource, scope string) string {
	p := "null"
	if principal != "" {
		p = entraJS(principal)
	}
	return fmt.Sprintf(`{"id":%s,"clientId":%s,"consentType":%s,"principalId":%s,"resourceId":%s,"scope":%s}`,
		entraJS(id), entraJS(client), entraJS(consent), p, entraJS(resource), entraJS(scope))
}

const (
	entraMSTenant    = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
	entraOtherTenant = "9d0c0bd1-0000-4000-8000-000000000001"
)

func TestEntraAPP004(t *testing.T) {
	sps := entraList(
		entraSP("graph", "00000003-0000-0000-c000-000000000000", "Microsoft Graph", entraMSTenant),
		entraSP("exo", "00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online", entraMSTenant),
		entraSP("teams", "1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams", entraMSTenant),
		entraSP("zoom", "app-zoom", "Zoom", entraOtherTenant),
		entraSP("evil", "app-evil", entraHostilePS, entraOtherTenant),
		entraSP("emc", "app-emc", "eM Client", entraOtherTenant),
	)
	users := entraList(entraUser("u1", "Adele Vance", "adele@contoso.com", "Member", true))
	benign := entraList(
		entraGrant("g-teams", "teams", "AllPrincipals", "", "graph", "Mail.ReadWrite Files.ReadWrite.All"), // Microsoft client: skipped
		entraGrant("g-zoom", "zoom", "AllPrincipals", "", "graph", "openid profile offline_access User.Read Calendars.ReadWrite"),
	)
	files := func(grants string) map[string]string {
		return map[string]string{snapshot.DSOAuth2PermissionGrants: grants, snapshot.DSServicePrincipals: sps, snapshot.DSUsers: users}
	}
	runEntraCases(t, "ENTRA-APP-004", []entraCase{
		{name: "pass", want: StatusPass, files: files(benign), summary: []string{"2 delegated grants"}},
		{name: "fail: risky scopes, known-abused client, hostile name", want: StatusFail,
			files: files(entraList(
				entraGrant("g-teams", "teams", "AllPrincipals", "", "graph", "Mail.ReadWrite"),
				entraGrant("g-evil", "evil", "Principal", "u1", "graph", "offline_access Mail.Read mail.send"),
				entraGrant("g-evil2", "evil", "AllPrincipals", "", "exo", "EWS.AccessAsUser.All"),
				entraGrant("g-emc", "emc", "Principal", "u1", "graph", "openid offline_access"),
				entraGrant("g-orphan", "gone", "Principal", "u-unknown", "graph", "Files.Read"),
				entraGrant("g-zoom", "zoom", "AllPrincipals", "", "graph", "User.Read"),
			)),
			summary: []string{"4 delegated grants to 3 non-Microsoft apps", "1 for all users", "1 to known-abused clients", entraHostilePS},
			affected: []string{
				entraHostilePS + "|scopes on Microsoft Graph: offline_access Mail.Read mail.send; high-risk: Mail.Read mail.send; consent: Principal, by Adele Vance (adele@contoso.com)",
				entraHostilePS + "|scopes on Office 365 Exchange Online: EWS.AccessAsUser.All; high-risk: EWS.AccessAsUser.All; consent: AllPrincipals",
				"eM Client|KNOWN-ABUSED CLIENT (eM Client",
				"gone|client not found among service principals",
			}},
		{name: "unknown: grants forbidden", want: StatusUnknown, files: files(benign), statuses: entraForbidden(snapshot.DSOAuth2PermissionGrants)},
		{name: "unknown: service principals forbidden", want: StatusUnknown, files: files(benign), statuses: entraForbidden(snapshot.DSServicePrincipals)},
		{name: "partial grants cannot pass", want: StatusUnknown, files: files(benign), statuses: entraPartial(snapshot.DSOAuth2PermissionGrants)},
	})
}

func TestEntraAPP004Scopes(t *testing.T) {
	for scope, want := range map[string]bool{
		"Mail.ReadWrite": true, "mail.send": true, "Files.Read": true, "Sites.FullControl.All": true, "full_access_as_user": true,
		"IMAP.AccessAsUser.All": true, "SMTP.Send": true, "RoleManagement.ReadWrite.Directory": true, "AppRoleAssignment.ReadWrite.All": true,
		"User.Read": false, "openid": false, "offline_access": false, "Calendars.Read": false, "profile": false, "email": false,
	} {
		if got := entraRiskyScope(scope); got != want {
			t.Errorf("entraRiskyScope(%q) = %v, want %v", scope, got, want)
		}
	}
}

// entraCred is a Graph-shaped credential.
func entraCred(keyID, name, start, end string) string {
	return fmt.Sprintf(`{"keyId":%q,"displayName":%s,"startDateTime":%q,"endDateTime":%q}`, keyID, entraJS(name), start, end)
}

func TestEntraAPP006(t *testing.T) {
	app := func(id, name, secrets, certs string) string {
		return fmt.Sprintf(`{"id":%q,"appId":"app-%s","displayName":%s,"passwordCredentials":%s,"keyCredentials":%s}`, id, id, entraJS(name), secrets, certs)
	}
	goodCert := entraList(entraCred("k1", "cert", "2026-09-01T00:00:00Z", "2027-02-01T00:00:00Z"))
	clean := entraList(app("a1", "Payroll", `[]`, goodCert), app("a2", "Portal", `[]`, `[]`))
	spsClean := entraList(entraSP("sp1", "app-a1", "Payroll", "tenant", `"passwordCredentials":[]`),
		entraSP("msp", "ms", "Microsoft thing", entraMSTenant, `"passwordCredentials":[`+entraCred("m1", "", "2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z")+`]`))
	runEntraCases(t, "ENTRA-APP-006", []entraCase{
		{name: "pass", want: StatusPass, files: map[string]string{snapshot.DSApplications: clean, snapshot.DSServicePrincipals: spsClean}},
		{name: "fail: secrets, long-lived and expired listed", want: StatusFail,
			files: map[string]string{
				snapshot.DSApplications: entraList(
					app("a1", entraHostileRTL, entraList(
						entraCred("s2", "ci", "2025-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
						entraCred("s1", "old", "2024-01-01T00:00:00Z", "2024-06-01T00:00:00Z")), `[]`),
					app("a2", "Portal", `[]`, entraList(entraCred("k9", "", "2024-01-01T00:00:00Z", "2029-01-01T00:00:00Z"))),
				),
				snapshot.DSServicePrincipals: entraList(entraSP("sp9", "app-x", "Backdoor SP", entraOtherTenant,
					`"passwordCredentials":[`+entraCred("p1", "", "2026-11-01T00:00:00Z", "2027-11-01T00:00:00Z")+`]`)),
			},
			summary: []string{"Client secrets are in use: 2 on 1 of 2 app registrations and 1 on non-Microsoft service principals", "1 certificate is long-lived or expired"},
			affected: []string{
				"Backdoor SP|client secret (keyId p1)",
				"Portal|certificate (keyId k9); valid 2024-01-01 to 2029-01-01; lifetime 1827 days, longer than 180",
				entraHostileRTL + `|client secret "old" (keyId s1); valid 2024-01-01 to 2024-06-01; expired`,
				entraHostileRTL + `|client secret "ci" (keyId s2); valid 2025-01-01 to 2027-01-01; lifetime 730 days`,
			}},
		{name: "warn: only an expired certificate", want: StatusWarn,
			files: map[string]string{snapshot.DSApplications: entraList(app("a1", "Payroll", `[]`, entraList(entraCred("k1", "", "2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z")))),
				snapshot.DSServicePrincipals: spsClean},
			affected: []string{"Payroll|expired"}},
		{name: "unknown: clean apps but service principals forbidden", want: StatusUnknown,
			files:    map[string]string{snapshot.DSApplications: clean, snapshot.DSServicePrincipals: spsClean},
			statuses: entraForbidden(snapshot.DSServicePrincipals), summary: []string{"service principals were not collected"}},
		{name: "fail stands without service principals", want: StatusFail,
			files: map[string]string{snapshot.DSApplications: entraList(app("a1", "Payroll", entraList(entraCred("s1", "", "2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z")), `[]`))}},
		{name: "unknown: applications forbidden", want: StatusUnknown, files: map[string]string{snapshot.DSApplications: clean},
			statuses: entraForbidden(snapshot.DSApplications)},
	})
}
