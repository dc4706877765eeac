package checks

import (
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraExt001 is the ID of check ENTRA-EXT-001.
const IDEntraExt001 = "ENTRA-EXT-001"

func entraExt001() Check {
	return Check{Meta: Meta{ID: IDEntraExt001, Title: "Only admins / Guest Inviters can invite guests", Category: entraCatGuests, Severity: SeverityHigh,
		Rationale: "When any member can invite guests, a compromised account can bring attacker-controlled identities into the tenant, as in the address-book guest injection seen after phishing.",
		Datasets:  []string{snapshot.DSAuthorizationPolicy},
		References: References{CIS: []string{"5.1.6.3"}, CISVersion: entraCIS, SCuBA: []string{"MS.AAD.8.2"},
			Other: []string{"Maester CISA.MS.AAD.8.2", "EIDSCA.AP04", "Prowler entra_policy_guest_invite_only_for_admin_roles"}},
		Remediation: Remediation{Summary: "Allow only administrators and the Guest Inviter role to invite guests.", Script: true,
			Steps: []string{
				"Entra admin center > External Identities > External collaboration settings > Guest invite settings: Only users assigned to specific admin roles can invite guest users.",
				"Update-MgPolicyAuthorizationPolicy -AllowInvitesFrom adminsAndGuestInviters",
			}}},
		Eval: evalEntraExt001}
}

// evalEntraExt001: only admins and Guest Inviters may invite guests.
func evalEntraExt001(c *Context) Outcome {
	p, err := c.AuthorizationPolicy()
	if err != nil {
		return Unknown(err)
	}
	v := p.AllowInvitesFrom
	switch {
	case v == "":
		return entraOutcome(StatusUnknown, nil, "Not evaluated: the authorization policy does not carry allowInvitesFrom.")
	case strings.EqualFold(v, "none"):
		return entraOutcome(StatusPass, nil, "Nobody can invite guests (allowInvitesFrom is none).")
	case strings.EqualFold(v, "adminsAndGuestInviters"):
		return entraOutcome(StatusPass, nil, "Only administrators and the Guest Inviter role can invite guests.")
	}
	return entraOutcome(StatusFail, []Affected{{Kind: "setting", ID: "authorizationPolicy.allowInvitesFrom", Name: "allowInvitesFrom", Detail: v}},
		"Guest invitations are open beyond administrators and Guest Inviters (allowInvitesFrom is %s).", v)
}
