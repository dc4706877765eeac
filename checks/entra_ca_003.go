package checks

import (
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraCA003 is the ID of check ENTRA-CA-003.
const IDEntraCA003 = "ENTRA-CA-003"

func entraCA003() Check {
	return Check{Meta: Meta{
		ID: IDEntraCA003, Title: "Phishing-resistant MFA is required for administrator roles",
		Category: categoryCA, Severity: SeverityMedium, Datasets: []string{snapshot.DSConditionalAccessPolicies}, AlsoReads: []string{snapshot.DSSecurityDefaults, snapshot.DSUsers, snapshot.DSRoleDefinitions, snapshot.DSAuthenticationStrengths},
		Rationale: "Admin accounts are the first target of adversary-in-the-middle phishing, which relays ordinary MFA codes and push approvals.",
		References: References{CIS: []string{"5.2.2.5"}, CISVersion: cisV5, SCuBA: []string{"MS.AAD.3.6"},
			Other: []string{"CISA.MS.AAD.3.6", "Prowler entra_admin_users_phishing_resistant_mfa_enabled"}},
		Remediation: Remediation{
			Summary: "Require the 'Phishing-resistant MFA' authentication strength for the privileged roles on all resources, after each admin has registered a FIDO2 key, Windows Hello for Business or a certificate (ENTRA-MFA-004).",
			Steps: []string{
				"Register a phishing-resistant method for every admin first, or they are locked out.",
				"Conditional Access > New policy: Users = the privileged directory roles, Target resources = All resources, Grant = Require authentication strength > Phishing-resistant MFA; report-only first, then On.",
			},
		}},
		Eval: evalEntraCA003}
}

func evalEntraCA003(c *Context) Outcome {
	if o := needP1(c, "phishing-resistant MFA for administrators"); o != nil {
		return *o
	}
	s, o := loadCA(c, false)
	if o != nil {
		return *o
	}
	ev := s.env.evaluateCA(s.policies, caRequirement{CheckID: "ENTRA-CA-003", Control: "phishing-resistant MFA for administrator roles",
		Target: targetAdmins, Grant: grantPhishingResistant, GrantNoun: "require a phishing-resistant authentication strength"})
	out := ev.Outcome()
	if out.Status != StatusPass && strings.HasPrefix(sdState(c), "security defaults on") {
		out.Summary += " Security defaults never require phishing-resistant methods."
	}
	return licenceUnknown(c, withJudged(c, out, len(s.policies)), LicenceP1)
}
