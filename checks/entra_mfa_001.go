package checks

import (
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraMFA001 is the ID of check ENTRA-MFA-001.
const IDEntraMFA001 = "ENTRA-MFA-001"

func entraMFA001() Check {
	return Check{Meta: Meta{
		ID: IDEntraMFA001, Title: "MFA is enforced for all users (security defaults or Conditional Access)",
		Category: categoryIdentity, Severity: SeverityCritical, Datasets: []string{snapshot.DSSecurityDefaults}, AlsoReads: []string{snapshot.DSConditionalAccessPolicies, snapshot.DSSignIns, snapshot.DSUsers, snapshot.DSRoleDefinitions, snapshot.DSAuthenticationStrengths, snapshot.DSDirectoryAudits},
		Rationale: "A stolen password is enough to take over an account that is not asked for a second factor: a phished user whose mailbox then sends mail as them is exactly this.",
		References: References{CIS: []string{"5.2.2.2"}, CISVersion: cisV5, SCuBA: []string{"MS.AAD.3.2"},
			Other: []string{"Maester MT.1007", "Maester MT.1021", "Prowler entra_users_mfa_enabled"}},
		Remediation: Remediation{
			Summary: "Require MFA for all users on all resources with a Conditional Access policy (Entra ID P1), excluding only the break-glass accounts; without P1, turn on security defaults.",
			Steps: []string{
				"Entra admin center > Protection > Conditional Access > New policy: Users = All users (exclude the break-glass accounts and the Directory Synchronization Accounts role), Target resources = All resources, Grant = Require multifactor authentication.",
				"Create it in report-only mode, review the sign-in logs for a week, then switch it to On.",
				"Without Entra ID P1: Entra admin center > Overview > Properties > Manage security defaults > Enabled.",
				"Check ENTRA-MFA-003: users with no method registered can register one at their next sign-in, which an attacker holding the password can do first.",
			},
			Script: true,
		}},
		Eval: evalEntraMFA001}
}

func evalEntraMFA001(c *Context) Outcome {
	s, o := loadCA(c, true)
	if o != nil {
		return *o
	}
	ev := s.env.evaluateCA(s.policies, reqMFA001())
	var out Outcome
	switch {
	case s.sd.IsEnabled && ev.Enforced:
		out = Outcome{Status: StatusPass, Summary: "MFA for all users is enforced by Conditional Access (" + strings.Join(ev.Counting(), ", ") + ") and security defaults are enabled."}
	case s.sd.IsEnabled && c.Licences.P1:
		out = Outcome{Status: StatusWarn, Summary: "Security defaults are enabled, but the tenant has Entra ID P1 and no Conditional Access policy requires MFA for all users. " + sdCaveatP1}
	case s.sd.IsEnabled:
		out = Outcome{Status: StatusPass, Summary: "Security defaults are enabled, so MFA is required for all users. " + sdCaveat}
	case c.Licences.Known && !c.Licences.P1:
		return Outcome{Status: StatusFail, Summary: "Nothing enforces MFA: security defaults are off and the tenant has no Entra ID P1, so Conditional Access is not available. Turn security defaults on." + unenforceable(len(s.policies)) + " " + judgedOn(c, len(s.policies))}
	default:
		out = ev.Outcome()
		if out.Status != StatusPass {
			out.Summary = "Security defaults are off. " + out.Summary
		}
		out = withJudged(c, out, len(s.policies))
	}
	if s.sd.IsEnabled {
		out.Affected = append(ev.Affected(), sdAffected(s.sd, "enabled: registration of MFA required; MFA prompted when Microsoft deems it necessary"))
	}
	since, note := controlLastChange(c, s, ev)
	return signInsAgainst(c, since, note, func(si snapshot.SignIn) bool {
		return singleFactorMember(s.env, IDEntraMFA001, si)
	}).judge(out, "single-factor sign-ins of members")
}

// sdCaveatP1 explains the warn of security defaults alone in a tenant that
// could use Conditional Access.
const sdCaveatP1 = "Security defaults prompt members for MFA only when Microsoft deems it necessary (administrators at every sign-in), and users who have not registered a method can register one at their first sign-in, so whoever signs in first with a password sets up the MFA; see ENTRA-MFA-003 for users who are not MFA-capable. CIS 5.2.2.2 asks for a Conditional Access policy requiring MFA for all users at every sign-in, which the tenant's licence allows."

const sdCaveat = "Security defaults prompt members for MFA only when Microsoft deems it necessary (administrators at every sign-in), and users who have not registered a method can register one at their first sign-in, so whoever signs in first with a password sets up the MFA; see ENTRA-MFA-003 for users who are not MFA-capable. A Conditional Access policy requiring MFA for all users at every sign-in (Entra ID P1) is stronger."
