package checks

import (
	"fmt"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// entraGrant is a Graph-shaped oauth2PermissionGrant.
func entraGrant(id, client, consent, principal, resource, scope string) string {
	p := "null"
	if principal != "" {
		p = entraJS(principal)
	}
	return fmt.Sprintf(`{"id":%s,"clientId":%s,"consentType":%s,"principalId":%s,"resourceId":%s,"scope":%s}`,
		entraJS(id), entraJS(client), entraJS(consent), p, entraJS(resource), entraJS(scope))
}

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
