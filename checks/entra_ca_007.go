package checks

import (
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraCA007 is the ID of check ENTRA-CA-007.
const IDEntraCA007 = "ENTRA-CA-007"

func entraCA007() Check {
	return Check{Meta: Meta{
		ID: IDEntraCA007, Title: "Device-code flow and authentication transfer are blocked",
		Category: categoryCA, Severity: SeverityHigh, Datasets: []string{snapshot.DSConditionalAccessPolicies}, AlsoReads: []string{snapshot.DSSecurityDefaults, snapshot.DSUsers, snapshot.DSRoleDefinitions, snapshot.DSAuthenticationStrengths},
		Rationale: "Device-code phishing gets a victim to enter a code on microsoft.com/devicelogin and hands the attacker a token, MFA included.",
		References: References{CIS: []string{"5.2.2.12"}, CISVersion: cisV5, SCuBA: []string{"MS.AAD.3.9"},
			Other: []string{"Maester MT.1052", "Prowler entra_conditional_access_policy_device_code_flow_blocked"}},
		Remediation: Remediation{
			Summary: "Block the device code flow and authentication transfer for all users on all resources (exclude only break-glass and documented meeting-room devices).",
			Steps: []string{
				"Conditional Access > New policy: Users = All users (exclude break-glass), Target resources = All resources, Conditions > Authentication flows = Device code flow + Authentication transfer, Grant = Block access.",
			},
		}},
		Eval: evalEntraCA007}
}

func evalEntraCA007(c *Context) Outcome {
	if o := needP1(c, "blocking of the device code flow"); o != nil {
		return *o
	}
	s, o := loadCA(c, false)
	if o != nil {
		return *o
	}
	ev := s.env.evaluateCA(s.policies, caRequirement{CheckID: "ENTRA-CA-007", Control: "blocking of the device code flow",
		Target: targetAllUsers, Flows: []string{"deviceCodeFlow", "authenticationTransfer"}, Need: []string{"deviceCodeFlow"},
		Grant: grantBlock, GrantNoun: "block access"})
	out := ev.Outcome()
	if out.Status == StatusPass && !containsFold(ev.Covered, "authenticationTransfer") {
		out.Status = StatusWarn
		out.Summary = "The device code flow is blocked (" + strings.Join(ev.Counting(), ", ") + "), but authentication transfer is not."
	}
	return licenceUnknown(c, withJudged(c, out, len(s.policies)), LicenceP1)
}
