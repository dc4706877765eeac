package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraCA001 is the ID of check ENTRA-CA-001.
const IDEntraCA001 = "ENTRA-CA-001"

func entraCA001() Check {
	return Check{Meta: Meta{
		ID: IDEntraCA001, Title: "Legacy authentication is blocked",
		Category: categoryCA, Severity: SeverityCritical, Datasets: []string{snapshot.DSSecurityDefaults}, AlsoReads: []string{snapshot.DSConditionalAccessPolicies, snapshot.DSSignIns, snapshot.DSUsers, snapshot.DSRoleDefinitions, snapshot.DSAuthenticationStrengths, snapshot.DSDirectoryAudits},
		Rationale: "Legacy protocols (IMAP, POP, SMTP AUTH, ActiveSync with basic authentication, older Office clients) cannot do MFA, so they let a stolen password in even where MFA is required.",
		References: References{CIS: []string{"5.2.2.3"}, CISVersion: cisV5, SCuBA: []string{"MS.AAD.1.1"},
			Other: []string{"Maester MT.1009", "Maester MT.1010", "CISA.MS.AAD.1.1", "Prowler entra_legacy_authentication_blocked"}},
		Remediation: Remediation{
			Summary: "Block the 'Exchange ActiveSync clients' and 'Other clients' client app types for all users on all resources with a Conditional Access policy (or turn on security defaults without P1); also turn the protocols off in Exchange (EXO-PROTO checks).",
			Steps: []string{
				"Conditional Access > New policy: Users = All users (exclude break-glass), Target resources = All resources, Conditions > Client apps = Exchange ActiveSync clients + Other clients, Grant = Block access; report-only first, then On.",
				"Without Entra ID P1: enable security defaults.",
				"Turn off SMTP AUTH, POP and IMAP in Exchange Online (EXO-PROTO-001..005): a protocol off at the mailbox stays off whatever CA does.",
			},
			Script: true,
		}},
		Eval: evalEntraCA001}
}

func evalEntraCA001(c *Context) Outcome {
	s, o := loadCA(c, true)
	if o != nil {
		return *o
	}
	ev := s.env.evaluateCA(s.policies, reqCA001())
	since, note := controlLastChange(c, s, ev)
	evidence := func(o Outcome) Outcome {
		return signInsAgainst(c, since, note, legacySignIn).judge(o, "legacy-protocol sign-ins")
	}
	if s.sd.IsEnabled {
		sum := "Security defaults are enabled; they block legacy authentication for all users. Protocols should still be turned off in Exchange (EXO-PROTO checks)."
		return evidence(Outcome{Status: StatusPass, Summary: sum,
			Affected: append(ev.Affected(), sdAffected(s.sd, "enabled: blocks legacy authentication"))})
	}
	if c.Licences.Known && !c.Licences.P1 {
		return Outcome{Status: StatusFail, Summary: "Legacy authentication is not blocked: security defaults are off and the tenant has no Entra ID P1, so Conditional Access is not available. Turn security defaults on." + unenforceable(len(s.policies)) + " " + judgedOn(c, len(s.policies))}
	}
	out := ev.Outcome()
	if out.Status == StatusFail && !ev.WithExclusions && len(ev.Covered) > 0 {
		var rest []string
		for _, t := range []string{"exchangeActiveSync", "other"} {
			if !containsFold(ev.Covered, t) {
				rest = append(rest, t)
			}
		}
		out.Summary = fmt.Sprintf("Legacy authentication is only partly blocked: enforced policies cover %s but not %s. ", strings.Join(ev.Covered, ", "), strings.Join(rest, " and ")) + out.Summary
	}
	if out.Status != StatusPass {
		out.Summary = "Security defaults are off. " + out.Summary
	}
	return evidence(withJudged(c, out, len(s.policies)))
}
