package checks

import "github.com/m365audit/m365audit/collectors/snapshot"

// IDEntraCA006 is the ID of check ENTRA-CA-006.
const IDEntraCA006 = "ENTRA-CA-006"

func entraCA006() Check {
	return Check{Meta: Meta{
		ID: IDEntraCA006, Title: "High sign-in risk requires MFA or is blocked",
		Category: categoryCA, Severity: SeverityHigh, Datasets: []string{snapshot.DSConditionalAccessPolicies}, AlsoReads: []string{snapshot.DSSecurityDefaults, snapshot.DSUsers, snapshot.DSRoleDefinitions, snapshot.DSAuthenticationStrengths},
		Rationale: "Sign-in risk catches token replay, impossible travel and password spray at the moment of sign-in.",
		References: References{CIS: []string{"5.2.2.7", "5.2.2.8"}, CISVersion: cisV5, SCuBA: []string{"MS.AAD.2.3"},
			Other: []string{"Maester MT.1012", "CISA.MS.AAD.2.3"}},
		Remediation: Remediation{
			Summary: "With Entra ID P2, add a policy for all users on all resources with sign-in risk = High (and Medium) and Grant = Block or Require MFA; keep it separate from user risk.",
			Steps: []string{
				"Conditional Access > New policy: Users = All users (exclude break-glass), Target resources = All resources, Conditions > Sign-in risk = High, Medium, Grant = Require multifactor authentication (or Block for High), Session = Sign-in frequency Every time.",
			},
		}},
		Eval: evalEntraCA006}
}

func evalEntraCA006(c *Context) Outcome { return evalRisk(c, reqCA006()) }
