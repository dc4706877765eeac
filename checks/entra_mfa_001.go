package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraMFA001 is the ID of check ENTRA-MFA-001.
const IDEntraMFA001 = "ENTRA-MFA-001"

func entraMFA001() Check {
	return Check{Meta: Meta{
		ID: IDEntraMFA001, Title: "MFA is enforced for all users (security defaults or Conditional Access)",
		Category: categoryIdentity, Severity: SeverityCritical, Datasets: []string{snapshot.DSSecurityDefaults}, AlsoReads: []string{snapshot.DSConditionalAccessPolicies, snapshot.DSSignIns, snapshot.DSUsers, snapshot.DSRoleDefinitions, snapshot.DSAuthenticationStrengths},
		Rationale: "A stolen password is enough to take over an account that is not asked for a second factor; the seed incident (a phished user sending mail as themselves) is exactly this.",
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
	if s.sd.IsEnabled {
		sum := "Security defaults are enabled, so MFA is required for all users. " + sdCaveat
		if ev.Enforced {
			sum = "MFA for all users is enforced by Conditional Access (" + strings.Join(ev.Counting(), ", ") + ") and security defaults are enabled."
		}
		if _, n, ok := signInEvidence(c); ok && n > 0 {
			sum += fmt.Sprintf(" Evidence: the collected sign-in log holds %d successful single-factor member sign-ins (see IR-SIG-002), so MFA was not asked every time.", n)
		}
		return Outcome{Status: StatusPass, Summary: sum,
			Affected: append(ev.Affected(), sdAffected(s.sd, "enabled: registration of MFA required; MFA prompted when Microsoft deems it necessary"))}
	}
	if c.Licences.Known && !c.Licences.P1 {
		return Outcome{Status: StatusFail, Summary: "Nothing enforces MFA: security defaults are off and the tenant has no Entra ID P1, so Conditional Access is not available. Turn security defaults on." + unenforceable(len(s.policies)) + " " + judgedOn(c, len(s.policies))}
	}
	out := ev.Outcome()
	if out.Status != StatusPass {
		out.Summary = "Security defaults are off. " + out.Summary
	}
	return withJudged(c, out, len(s.policies))
}

const sdCaveat = "Security defaults prompt members for MFA only when Microsoft deems it necessary (administrators at every sign-in), and users who have not registered a method can register one at their first sign-in, so whoever signs in first with a password sets up the MFA; see ENTRA-MFA-003 for users who are not MFA-capable. A Conditional Access policy requiring MFA for all users at every sign-in (Entra ID P1) is stronger."
