package checks

import (
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraCA002 is the ID of check ENTRA-CA-002.
const IDEntraCA002 = "ENTRA-CA-002"

func entraCA002() Check {
	return Check{Meta: Meta{
		ID: IDEntraCA002, Title: "MFA is required for administrator roles on all resources",
		Category: categoryCA, Severity: SeverityHigh, Datasets: []string{snapshot.DSSecurityDefaults}, AlsoReads: []string{snapshot.DSConditionalAccessPolicies, snapshot.DSUsers, snapshot.DSRoleDefinitions, snapshot.DSAuthenticationStrengths, snapshot.DSSignIns, snapshot.DSDirectoryAudits, snapshot.DSRoleAssignments},
		Rationale: "Administrators hold the keys to the tenant; one phished admin password without MFA is a full compromise.",
		References: References{CIS: []string{"5.2.2.1"}, CISVersion: cisV5,
			Other: []string{"Maester MT.1006", "Prowler entra_admin_users_mfa_enabled"}},
		Remediation: Remediation{
			Summary: "Require MFA for the privileged roles (or all users) on all resources with a Conditional Access policy, with no role excluded.",
			Steps: []string{
				"Conditional Access > New policy: Users = Directory roles (Global, Privileged Role, User, SharePoint, Exchange, Hybrid Identity, Application and Cloud Application Administrator) or All users, Target resources = All resources, Grant = Require multifactor authentication.",
				"Without Entra ID P1: enable security defaults (they require MFA from administrators at every sign-in).",
			},
			Script: true,
		}},
		Eval: evalEntraCA002}
}

func evalEntraCA002(c *Context) Outcome {
	s, o := loadCA(c, true)
	if o != nil {
		return *o
	}
	ev := s.env.evaluateCA(s.policies, reqCA002())
	evidence := func(o Outcome) Outcome {
		return adminEvidence(c, s, ev).judge(o, "single-factor sign-ins of administrators")
	}
	if s.sd.IsEnabled {
		sum := "Security defaults are enabled; they require MFA from administrators at every sign-in."
		if ev.Enforced {
			sum = "MFA for administrators is enforced by Conditional Access (" + strings.Join(ev.Counting(), ", ") + ") and security defaults are enabled."
		}
		return evidence(Outcome{Status: StatusPass, Summary: sum,
			Affected: append(ev.Affected(), sdAffected(s.sd, "enabled: MFA for administrators at every sign-in"))})
	}
	if c.Licences.Known && !c.Licences.P1 {
		return Outcome{Status: StatusFail, Summary: "Nothing enforces MFA for administrators: security defaults are off and the tenant has no Entra ID P1. Turn security defaults on." + unenforceable(len(s.policies)) + " " + judgedOn(c, len(s.policies))}
	}
	out := ev.Outcome()
	if out.Status != StatusPass {
		out.Summary = "Security defaults are off. " + out.Summary
	}
	return evidence(withJudged(c, out, len(s.policies)))
}

// adminEvidence collects the single-factor sign-ins of holders of a
// privileged role; without the role assignments it cannot tell who is an
// administrator and says so.
func adminEvidence(c *Context, s caSubject, ev CAEvaluation) contraryEvidence {
	ras, err := c.RoleAssignments()
	if err != nil {
		c.decidedWithout(snapshot.DSRoleAssignments)
		return contraryEvidence{note: "The role assignments were not collected, so whether administrators' sign-ins held in practice was not checked.",
			failNote: "The role assignments were not collected, so administrators' sign-ins were not checked."}
	}
	admins := map[string]bool{}
	for _, h := range entraPrivilegedHolders(c, ras, nil) {
		if h.Kind == "user" || h.Kind == "" {
			admins[strings.ToLower(h.ID)] = true
			if h.UPN != "" {
				admins[strings.ToLower(h.UPN)] = true
			}
		}
	}
	since, note := controlLastChange(c, s, ev)
	return signInsAgainst(c, since, note, func(si snapshot.SignIn) bool {
		return (admins[strings.ToLower(si.UserID)] || admins[strings.ToLower(si.UserPrincipalName)]) && singleFactorMember(s.env, IDEntraCA002, si)
	})
}
