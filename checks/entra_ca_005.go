package checks

import "github.com/m365audit/m365audit/collectors/snapshot"

// IDEntraCA005 is the ID of check ENTRA-CA-005.
const IDEntraCA005 = "ENTRA-CA-005"

func entraCA005() Check {
	return Check{Meta: Meta{
		ID: IDEntraCA005, Title: "High user risk requires a secure password change or is blocked",
		Category: categoryCA, Severity: SeverityHigh, Datasets: []string{snapshot.DSConditionalAccessPolicies}, AlsoReads: []string{snapshot.DSSecurityDefaults, snapshot.DSUsers, snapshot.DSRoleDefinitions, snapshot.DSAuthenticationStrengths}, Licence: LicenceNone,
		Rationale: "Entra ID Protection flags leaked credentials and compromised accounts as high user risk; without a policy the flag changes nothing.",
		References: References{CIS: []string{"5.2.2.6"}, CISVersion: cisV5, SCuBA: []string{"MS.AAD.2.1"},
			Other: []string{"Maester MT.1013", "Maester MT.1049", "CISA.MS.AAD.2.1"}},
		Remediation: Remediation{
			Summary: "With Entra ID P2, add a policy for all users on all resources with user risk = High and Grant = Require MFA AND Require password change (or Block); keep it separate from sign-in risk.",
			Steps: []string{
				"Conditional Access > New policy: Users = All users (exclude break-glass), Target resources = All resources, Conditions > User risk = High, Grant = Require multifactor authentication + Require password change (require all), Session = Sign-in frequency Every time.",
			},
		}},
		Eval: evalEntraCA005}
}

func evalEntraCA005(c *Context) Outcome { return evalRisk(c, reqCA005()) }
