package checks

import (
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraCA008 is the ID of check ENTRA-CA-008.
const IDEntraCA008 = "ENTRA-CA-008"

func entraCA008() Check {
	return Check{Meta: Meta{
		ID: IDEntraCA008, Title: "Security-information registration is protected",
		Category: categoryCA, Severity: SeverityHigh, Datasets: []string{snapshot.DSConditionalAccessPolicies}, AlsoReads: []string{snapshot.DSSecurityDefaults, snapshot.DSUsers, snapshot.DSRoleDefinitions, snapshot.DSAuthenticationStrengths},
		Rationale: "After a phish, attackers register their own authenticator so they keep access after a password reset; registration from a managed device stops that.",
		References: References{CIS: []string{"5.2.2.10"}, CISVersion: cisV5, SCuBA: []string{"MS.AAD.3.8"},
			Other: []string{"Maester MT.1011", "CISA.MS.AAD.3.8"}},
		Remediation: Remediation{
			Summary: "Require a compliant or hybrid-joined device for the user action 'Register security information' for all users; onboard new users with a Temporary Access Pass.",
			Steps: []string{
				"Conditional Access > New policy: Users = All users (exclude break-glass), Target resources = User actions > Register security information, Grant = Require device to be marked as compliant OR Require Microsoft Entra hybrid joined device.",
			},
			Script: true,
		}},
		Eval: evalEntraCA008}
}

func evalEntraCA008(c *Context) Outcome {
	if o := needP1(c, "protection of security-information registration"); o != nil {
		return *o
	}
	s, o := loadCA(c, false)
	if o != nil {
		return *o
	}
	strict := s.env.evaluateCA(s.policies, caRequirement{CheckID: "ENTRA-CA-008", Control: "a managed device for security-information registration",
		Target: targetAllUsers, Resource: resourceRegisterSecurityInfo, Grant: grantManagedDevice, GrantNoun: "require a compliant or hybrid-joined device"})
	out := strict.Outcome()
	if out.Status != StatusPass {
		relaxed := s.env.evaluateCA(s.policies, caRequirement{CheckID: "ENTRA-CA-008", Control: "protection of security-information registration",
			Target: targetAllUsers, Resource: resourceRegisterSecurityInfo, AllowLocations: true, Grant: grantBlockOrMFA, GrantNoun: "block or require MFA"})
		if relaxed.Enforced {
			out = Outcome{Status: StatusWarn, Summary: "Security-information registration is protected only by MFA or a location condition (" +
				strings.Join(relaxed.Counting(), ", ") + "), not by a managed device: an attacker who passes MFA once can register their own method.",
				Affected: relaxed.Affected()}
		}
	}
	return licenceUnknown(c, withJudged(c, out, len(s.policies)), LicenceP1)
}

func grantManagedDevice(g grantSet) bool {
	return g.satisfies(func(e grantElem) bool {
		return strings.EqualFold(e.Name, "compliantDevice") || strings.EqualFold(e.Name, "domainJoinedDevice")
	})
}
