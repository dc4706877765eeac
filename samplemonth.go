package m365audit

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Object ids of the Contoso sample that the next month refers to.
const (
	contosoAdele      = "477cc17f-1d98-48e0-9895-619b666be1f8"
	contosoMegan      = "782b4f2b-2285-4f4e-9583-bf83b1b66589"
	contosoBreakGlass = "5c44c1da-077e-43bd-8347-85b1be46b7d7"
	contosoScanner    = "193db16c-f29d-4040-85c7-c245f6413f95"
	contosoDiego      = "c1ea27a3-9e93-4272-a433-81c895a8ee62"
	globalAdminRole   = "62e90394-69f5-4237-9190-012177145e10"
	emClientApp       = "9dd6d330-e774-45dc-8560-26042ad611c4"
)

// contosoAttackerGuests are the guests the attacker invited from Adele's
// account (the sample's incident).
var contosoAttackerGuests = []string{
	"8c8c025a-ed8c-4a1b-8953-ea8bc9710746", "ebf18f19-c635-4439-b384-b74b055e74c3",
	"23825420-5f0f-41b4-aac3-deb251cce829", "81cbce77-5e68-4cdf-857f-00bd831e68cc",
	"17995679-f762-4c8b-b58d-aa9a1cfe1e40",
}

// SampleNextMonth is the Contoso sample tenant as it stands a month after
// the incident, at its next routine collection (collectedAt; every other
// time is derived from it, so the result is deterministic). The incident
// was contained and some hardening done, and new risks appeared:
//
//   - containment: Adele Vance's password reset and sessions revoked, her
//     mailbox forwarding removed, the eM Client consent revoked, the five
//     guests invited from her account deleted;
//   - fixed: SMTP AUTH disabled for the organisation (the scanner keeps its
//     own exception);
//   - Conditional Access replaces security defaults: "Require MFA for all
//     users" (excluding the emergency-access account) and "Block legacy
//     authentication" (excluding scanner@contoso.com);
//   - new risks: Diego Siciliani made a Global Administrator, three guests
//     from a new partner invited by Megan Bowen.
//
// No incident is recorded: it is a routine audit, not an investigation.
func SampleNextMonth(collectedAt time.Time) (fs.FS, error) {
	base, err := SampleTenant()
	if err != nil {
		return nil, err
	}
	at := collectedAt.UTC().Truncate(time.Second)
	stamp := func(daysBefore int, clock string) string {
		d := at.AddDate(0, 0, -daysBefore).Format("2006-01-02")
		return d + "T" + clock + "Z"
	}
	return EditSnapshot(base, func(m *snapshot.Manifest, d Datasets) error {
		m.CollectedAt = at
		started := at.Add(-2 * time.Minute)
		m.StartedAt = &started
		m.Incident = nil

		// Containment of Adele Vance's account.
		if u := d.Find(snapshot.DSUsers, "id", contosoAdele); u != nil {
			u["lastPasswordChangeDateTime"] = stamp(29, "10:12:40")
			u["signInSessionsValidFromDateTime"] = stamp(29, "10:12:40")
		}
		for _, mb := range d.List(snapshot.DSExoMailbox) {
			if mb, ok := mb.(map[string]any); ok && mb["ExternalDirectoryObjectId"] == contosoAdele {
				mb["ForwardingSmtpAddress"] = nil
				mb["DeliverToMailboxAndForward"] = false
			}
		}
		d[snapshot.DSOAuth2PermissionGrants] = without(d.List(snapshot.DSOAuth2PermissionGrants), "clientId", emClientApp)
		users := d.List(snapshot.DSUsers)
		for _, id := range contosoAttackerGuests {
			users = without(users, "id", id)
		}

		// Three guests of a new partner, invited by Megan Bowen.
		for i, g := range []struct{ id, name, mail, state string }{
			{"5e0a7c1e-2b8d-4f3a-9c61-7d2e4b8a1f01", "Olivia Martin", "olivia.martin@treyresearch.net", "Accepted"},
			{"5e0a7c1e-2b8d-4f3a-9c61-7d2e4b8a1f02", "Søren Nielsen", "soren.nielsen@treyresearch.net", "Accepted"},
			{"5e0a7c1e-2b8d-4f3a-9c61-7d2e4b8a1f03", "王芳", "wang.fang@treyresearch.net", "PendingAcceptance"},
		} {
			created := stamp(12, fmt.Sprintf("14:%02d:05", 10+i))
			changed := created
			signIn := any(nil)
			if g.state == "Accepted" {
				changed = stamp(11, fmt.Sprintf("09:%02d:31", 20+i))
				signIn = changed
			}
			upn := g.mail[:len(g.mail)-len("@treyresearch.net")] + "_treyresearch.net#EXT#@contoso.onmicrosoft.com"
			users = append(users, map[string]any{
				"id": g.id, "accountEnabled": true, "assignedLicenses": []any{},
				"createdDateTime": created, "creationType": "Invitation", "displayName": g.name,
				"externalUserState": g.state, "externalUserStateChangeDateTime": changed,
				"lastPasswordChangeDateTime": created, "mail": g.mail, "onPremisesSyncEnabled": nil,
				"passwordPolicies": nil, "signInSessionsValidFromDateTime": created,
				"signInActivity": map[string]any{
					"lastNonInteractiveSignInDateTime": signIn, "lastNonInteractiveSignInRequestId": nil,
					"lastSignInDateTime": signIn, "lastSignInRequestId": nil,
					"lastSuccessfulSignInDateTime": signIn, "lastSuccessfulSignInRequestId": nil,
				},
				"userPrincipalName": upn, "userType": "Guest",
			})
			if inv, ok := d[snapshot.DSGuestInviters].(map[string]any); ok {
				inv[g.id] = []any{map[string]any{"@odata.type": "#microsoft.graph.user", "id": contosoMegan,
					"displayName": "Megan Bowen", "userPrincipalName": "megan.bowen@contoso.com"}}
			}
		}
		d[snapshot.DSUsers] = users

		// SMTP AUTH off for the organisation.
		if tc := d.Object(snapshot.DSExoTransportConfig); tc != nil {
			tc["SmtpClientAuthenticationDisabled"] = true
			tc["WhenChanged"] = stamp(28, "16:05:44")
		}

		// Conditional Access instead of security defaults.
		d.Object(snapshot.DSSecurityDefaults)["isEnabled"] = false
		var cas []any
		for _, p := range []struct{ id, name, exclude, created string }{
			{"0c3f6a52-8e1d-4b7a-a2c4-5f9e1d3b7a01", "Require MFA for all users", contosoBreakGlass, stamp(21, "11:02:17")},
			{"0c3f6a52-8e1d-4b7a-a2c4-5f9e1d3b7a02", "Block legacy authentication", contosoScanner, stamp(21, "11:09:53")},
		} {
			var pol map[string]any
			raw := `{"conditions":{"applications":{"includeApplications":["All"],"excludeApplications":[],"includeUserActions":[],"includeAuthenticationContextClassReferences":[]},
				"users":{"includeUsers":["All"],"excludeUsers":[],"includeGroups":[],"excludeGroups":[],"includeRoles":[],"excludeRoles":[]},
				"clientAppTypes":["all"],"platforms":null,"locations":null,"signInRiskLevels":[],"userRiskLevels":[]},
				"grantControls":{"operator":"OR","builtInControls":["mfa"],"customAuthenticationFactors":[],"termsOfUse":[]},
				"sessionControls":null}`
			if err := json.Unmarshal([]byte(raw), &pol); err != nil {
				return fmt.Errorf("next month: %w", err)
			}
			pol["id"], pol["displayName"], pol["state"] = p.id, p.name, "enabled"
			pol["createdDateTime"], pol["modifiedDateTime"] = p.created, p.created
			cond := pol["conditions"].(map[string]any)
			cond["users"].(map[string]any)["excludeUsers"] = []any{p.exclude}
			if p.name == "Block legacy authentication" {
				cond["clientAppTypes"] = []any{"exchangeActiveSync", "other"}
				pol["grantControls"].(map[string]any)["builtInControls"] = []any{"block"}
			}
			cas = append(cas, pol)
		}
		d[snapshot.DSConditionalAccessPolicies] = cas

		// A fourth Global Administrator.
		var ga map[string]any
		if err := json.Unmarshal([]byte(`{"id":"lAPpYvVpN0KRkAEhdxReEKOn6sGTnnJCpDOByJWo7mI-1","condition":null,"directoryScopeId":"/",
			"principal":{"@odata.type":"#microsoft.graph.user","id":"`+contosoDiego+`","accountEnabled":true,"displayName":"Diego Siciliani",
			"userPrincipalName":"diego.siciliani@contoso.com","userType":"Member","onPremisesSyncEnabled":null},
			"principalId":"`+contosoDiego+`","roleDefinitionId":"`+globalAdminRole+`"}`), &ga); err != nil {
			return fmt.Errorf("next month: %w", err)
		}
		d[snapshot.DSRoleAssignments] = append(d.List(snapshot.DSRoleAssignments), ga)
		return nil
	})
}

// without returns list without the objects whose field equals value.
func without(list []any, field, value string) []any {
	out := make([]any, 0, len(list))
	for _, o := range list {
		if m, ok := o.(map[string]any); ok && m[field] == value {
			continue
		}
		out = append(out, o)
	}
	return out
}
