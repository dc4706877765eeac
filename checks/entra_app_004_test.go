package checks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/checks/knowledge"
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

// TestRiskyScopesSameInAPP004AndIRAPP001 pins that ENTRA-APP-004 and
// IR-APP-001 judge delegated scopes by the one list of high-risk scopes:
// every scope of knowledge.RiskyScopes (and of each risky prefix) is flagged
// by both checks, and an ordinary scope by neither.
func TestRiskyScopesSameInAPP004AndIRAPP001(t *testing.T) {
	scopes, prefixes := knowledge.RiskyScopes()
	for _, p := range prefixes {
		scopes = append(scopes, p+"example.all")
	}
	benign := []string{"User.Read", "Calendars.ReadWrite", "offline_access", "Mail.ReadBasic"}
	var grants []string
	all := append(append([]string(nil), scopes...), benign...)
	for i, s := range all {
		grants = append(grants, entraGrant(fmt.Sprintf("g%03d", i), "sp-new", "Principal", irAdele, "sp-graph", s))
	}
	sps := `[{"id":"sp-new","appId":"new-app","displayName":"Mail Helper","appOwnerOrganizationId":"` + entraOtherTenant + `","createdDateTime":"2026-11-17T08:00:00Z"},
		{"id":"sp-graph","appId":"00000003-0000-0000-c000-000000000000","displayName":"Microsoft Graph","appOwnerOrganizationId":"` + entraMSTenant + `"}]`
	files := irFilesWith(map[string]string{snapshot.DSOAuth2PermissionGrants: entraList(grants...), snapshot.DSServicePrincipals: sps})
	ctx := irTestCtx(t, files, nil)
	flagged := func(c Check, marker string) map[string]bool {
		r := RunCheck(c, ctx)
		out := map[string]bool{}
		for _, a := range r.Affected {
			if strings.Contains(a.Detail, marker) {
				out[a.ID] = true
			}
		}
		return out
	}
	app004 := flagged(entraCheck(t, IDEntraApp004), "high-risk: ")
	irApp001 := flagged(irCheck(t, IDIRApp001), "mail or directory access: ")
	for i, s := range all {
		id := fmt.Sprintf("g%03d", i)
		want := i < len(scopes)
		if app004[id] != want || irApp001[id] != want {
			t.Errorf("scope %q: ENTRA-APP-004 flags %v, IR-APP-001 flags %v, want %v for both", s, app004[id], irApp001[id], want)
		}
	}
}
