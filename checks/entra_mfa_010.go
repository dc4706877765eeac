package checks

import (
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraMFA010 is the ID of check ENTRA-MFA-010.
const IDEntraMFA010 = "ENTRA-MFA-010"

func entraMFA010() Check {
	return Check{Meta: Meta{
		ID: IDEntraMFA010, Title: "Phishing-resistant MFA is required for all users",
		Category: categoryIdentity, Severity: SeverityMedium, Datasets: []string{snapshot.DSConditionalAccessPolicies}, AlsoReads: []string{snapshot.DSSecurityDefaults, snapshot.DSUsers, snapshot.DSRoleDefinitions, snapshot.DSAuthenticationStrengths},
		Rationale:  "Adversary-in-the-middle phishing kits relay passwords and one-time codes; only phishing-resistant methods (FIDO2, Windows Hello for Business, certificate-based) stop them.",
		References: References{SCuBA: []string{"MS.AAD.3.1"}, Other: []string{"CISA.MS.AAD.3.1"}},
		Remediation: Remediation{
			Summary: "Require the built-in 'Phishing-resistant MFA' authentication strength for all users on all resources with a Conditional Access policy, after every user has registered such a method.",
			Steps: []string{
				"Make sure every user has a FIDO2 key / passkey, Windows Hello for Business or certificate-based authentication registered (Authentication methods > Activity).",
				"Conditional Access > New policy: Users = All users (exclude break-glass), Target resources = All resources, Grant = Require authentication strength > Phishing-resistant MFA; report-only first, then On.",
			},
		}},
		Eval: evalEntraMFA010}
}

func evalEntraMFA010(c *Context) Outcome {
	if o := needP1(c, "phishing-resistant MFA for all users"); o != nil {
		return *o
	}
	s, o := loadCA(c, false)
	if o != nil {
		return *o
	}
	ev := s.env.evaluateCA(s.policies, caRequirement{CheckID: "ENTRA-MFA-010", Control: "phishing-resistant MFA for all users",
		Target: targetAllUsers, Grant: grantPhishingResistant, GrantNoun: "require a phishing-resistant authentication strength"})
	out := ev.Outcome()
	if out.Status != StatusPass && strings.HasPrefix(sdState(c), "security defaults on") {
		out.Summary += " Security defaults never require phishing-resistant methods."
	}
	return licenceUnknown(c, withJudged(c, out, len(s.policies)), LicenceP1)
}
