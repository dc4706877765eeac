package checks

import (
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraCA004 is the ID of check ENTRA-CA-004.
const IDEntraCA004 = "ENTRA-CA-004"

func entraCA004() Check {
	return Check{Meta: Meta{
		ID: IDEntraCA004, Title: "MFA is required for guests and external users",
		Category: categoryCA, Severity: SeverityHigh, Datasets: []string{snapshot.DSConditionalAccessPolicies}, AlsoReads: []string{snapshot.DSSecurityDefaults, snapshot.DSUsers, snapshot.DSRoleDefinitions, snapshot.DSAuthenticationStrengths},
		Rationale:  "Guest accounts are often invited by a compromised user and sign in with credentials the tenant does not control.",
		References: References{Other: []string{"Maester MT.1016", "Prowler entra_conditional_access_policy_mfa_enforced_for_guest_users"}},
		Remediation: Remediation{
			Summary: "Require MFA on all resources for all users, or for every guest and external user type in all external tenants.",
			Steps: []string{
				"Conditional Access > New policy: Users = Guest or external users (select every type, all external tenants) or All users, Target resources = All resources, Grant = Require multifactor authentication.",
			},
			Script: true,
		}},
		Eval: evalEntraCA004}
}

func evalEntraCA004(c *Context) Outcome {
	if o := needP1(c, "MFA for guests at every sign-in"); o != nil {
		return *o
	}
	s, o := loadCA(c, false)
	if o != nil {
		return *o
	}
	ev := s.env.evaluateCA(s.policies, caRequirement{CheckID: "ENTRA-CA-004", Control: "MFA for guests and external users",
		Target: targetGuests, Grant: grantMFA, GrantNoun: "require MFA"})
	out := ev.Outcome()
	if out.Status != StatusPass && strings.HasPrefix(sdState(c), "security defaults on") {
		out.Summary += " Security defaults prompt for MFA only when Microsoft deems it necessary, so guests are not asked at every sign-in."
	}
	return licenceUnknown(c, withJudged(c, out, len(s.policies)), LicenceP1)
}
