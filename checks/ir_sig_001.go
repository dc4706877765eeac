package checks

import (
	"fmt"

	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDIRSig001 is the ID of check IR-SIG-001.
const IDIRSig001 = "IR-SIG-001"

func irSig001() Check {
	return Check{Meta: Meta{ID: IDIRSig001, Title: "Legacy-protocol sign-ins", Category: categoryIncident, Severity: SeverityHigh, Incident: true,
		Rationale: "IMAP, POP and SMTP AUTH accept a password alone, so an attacker with a phished password skips MFA — even with security defaults on.",
		Datasets:  []string{snapshot.DSSignIns}, AlsoReads: []string{snapshot.DSDomains, snapshot.DSOrganization, snapshot.DSUsers},
		References: References{Other: []string{"Maester MT.1033", "Fixes: ENTRA-CA-001, EXO-PROTO-001..003"}},
		Remediation: Remediation{Summary: "Disable POP, IMAP and SMTP AUTH for the user now (containment script) and organisation-wide (remediation script), and block legacy authentication.", Script: true,
			Steps: []string{"Set-CASMailbox -Identity <upn> -PopEnabled $false -ImapEnabled $false -SmtpClientAuthenticationDisabled $true"}}},
		Eval: evalIRSig001}
}

// evalIRSig001 is IR-SIG-001.
func evalIRSig001(c *Context) Outcome {
	sc := newIncidentScope(c)
	sis, err := c.SignIns()
	if err != nil {
		return Unknown(err)
	}
	groups := irGroupSignIns(sis, func(s snapshot.SignIn) bool {
		return sc.inWindow(s.CreatedDateTime) && knowledge.IsLegacyClient(s.ClientAppUsed)
	})
	var out []Affected
	okGroups, failOnly, attributed := 0, 0, 0
	for _, g := range groups {
		a := Affected{Kind: "signIn", ID: g.key, Name: g.upn, Time: irTimePtr(g.first), Actor: g.where(),
			Detail: fmt.Sprintf("%s: %d successful, %d failed sign-ins from %s, %s", g.client, g.ok, g.failed, g.where(), irSpan(g.first, g.last)),
			SignIn: g.evidence(), User: &UserRef{ID: g.userID, UPN: g.upn}}
		if g.ok > 0 {
			okGroups++
			if sc.isIncidentUser(g.userID) || sc.isIncidentUser(g.upn) {
				a.Attributed = true
				attributed++
			}
		} else {
			failOnly++
		}
		out = append(out, a)
	}
	note := irWindowNote(c, snapshot.DSSignIns)
	switch {
	case okGroups > 0:
		return Outcome{Status: StatusFail, Summary: fmt.Sprintf("Legacy protocols were used successfully %s (%s, %d on incident users): these sign-ins skip MFA. Disable POP, IMAP and SMTP AUTH and block legacy authentication.%s",
			sc.window(), phrase.Plural(okGroups, "user/client/address combination", "user/client/address combinations"), attributed, note), Affected: out}
	case failOnly > 0:
		return Outcome{Status: StatusWarn, Summary: fmt.Sprintf("Only failed legacy-protocol sign-ins %s (%s) — a password-spray signal.%s", sc.window(), phrase.Plural(failOnly, "source", "sources"), note), Affected: out}
	}
	return Outcome{Status: StatusPass, Summary: fmt.Sprintf("No legacy-protocol sign-in %s.%s", sc.window(), note), Affected: out}
}
