package checks

import (
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraExt002 is the ID of check ENTRA-EXT-002.
const IDEntraExt002 = "ENTRA-EXT-002"

func entraExt002() Check {
	return Check{Meta: Meta{ID: IDEntraExt002, Title: "Guest directory access restricted", Category: entraCatGuests, Severity: SeverityMedium,
		Rationale: "Guests with member-level directory access can enumerate users, groups and roles, which helps an attacker plan phishing and escalation.",
		Datasets:  []string{snapshot.DSAuthorizationPolicy},
		References: References{CIS: []string{"5.1.6.2"}, CISVersion: entraCIS, SCuBA: []string{"MS.AAD.8.1"},
			Other: []string{"Maester CIS.M365.5.1.6.2", "Maester CISA.MS.AAD.8.1", "EIDSCA.AP07", "Prowler entra_policy_guest_users_access_restrictions"}},
		Remediation: Remediation{Summary: "Restrict guest access to their own directory objects.", Script: true,
			Steps: []string{
				"Entra admin center > External Identities > External collaboration settings > Guest user access: Guest user access is restricted to properties and memberships of their own directory objects.",
				"Update-MgPolicyAuthorizationPolicy -GuestUserRoleId '2af84b1e-32c8-42b7-82bc-daa82404023b'",
			}}},
		Eval: evalEntraExt002}
}

// evalEntraExt002: guest directory access is limited or restricted.
func evalEntraExt002(c *Context) Outcome {
	p, err := c.AuthorizationPolicy()
	if err != nil {
		return Unknown(err)
	}
	id := strings.ToLower(p.GuestUserRoleID)
	switch id {
	case "":
		return entraOutcome(StatusUnknown, nil, "Not evaluated: the authorization policy does not carry guestUserRoleId.")
	case entraGuestRoleRestricted:
		return entraOutcome(StatusPass, nil, "Guest access is restricted to their own directory objects (most restrictive setting).")
	case entraGuestRoleLimited:
		return entraOutcome(StatusPass, nil, "Guest access is limited (the default); CIS and SCuBA accept it, while EIDSCA.AP07 and Prowler want the most restrictive setting.")
	}
	detail := "unrecognised guest role " + p.GuestUserRoleID
	if id == entraGuestRoleMember {
		detail = "guests have the same access as members (" + p.GuestUserRoleID + ")"
	}
	return entraOutcome(StatusFail, []Affected{{Kind: "setting", ID: "authorizationPolicy.guestUserRoleId", Name: "guestUserRoleId", Detail: detail}},
		"Guest directory access is not restricted: %s.", detail)
}
