package checks

import (
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEXOProto002 is the ID of check EXO-PROTO-002.
const IDEXOProto002 = "EXO-PROTO-002"

func exoProto002() Check {
	return Check{Meta: Meta{
		ID: IDEXOProto002, Title: "No mailbox re-enables SMTP AUTH for itself",
		Category: exoCategoryProtocols, Severity: SeverityHigh, Datasets: []string{snapshot.DSExoCASMailbox},
		Rationale: "A mailbox with SmtpClientAuthenticationDisabled set to False can use SMTP AUTH even when the organisation has turned it off, so the organisation setting alone does not close the hole.",
		References: References{CIS: []string{"6.5.4"}, CISVersion: exoCIS, SCuBA: []string{"MS.EXO.5.1"},
			Other: []string{"Microsoft Learn: Enable or disable SMTP AUTH in Exchange Online"}},
		Remediation: Remediation{
			Summary: "Clear the per-mailbox override so each listed mailbox inherits the organisation setting (or set it to disabled), except documented device or app senders.",
			Steps: []string{
				"For each listed mailbox: Set-CASMailbox -Identity '<address>' -SmtpClientAuthenticationDisabled $null (inherit) or $true (disable).",
				"Accept the documented exceptions (scanners, line-of-business apps) in the configuration file rather than leaving them unexplained.",
			},
			Script: true,
		}},
		Eval: evalEXOProto002}
}

// evalEXOProto002: no mailbox turns SMTP AUTH back on. Per mailbox, null
// inherits the organisation setting (not a finding), False enables SMTP
// AUTH for that mailbox whatever the organisation says.
func evalEXOProto002(c *Context) Outcome {
	boxes, err := c.CASMailboxes()
	if err != nil {
		return Unknown(err)
	}
	if len(boxes) == 0 {
		return exoOutcome(StatusNotApplicable, nil, "Get-CASMailbox returned no mailboxes, so there is no per-mailbox SMTP AUTH setting to check.")
	}
	var bad []Affected
	inherit, disabled := 0, 0
	for _, m := range boxes {
		v := m.SmtpClientAuthenticationDisabled
		switch {
		case v.False():
			bad = append(bad, exoMailboxAffected(m, "SmtpClientAuthenticationDisabled = False: SMTP AUTH is enabled for this mailbox even if the organisation disables it"))
		case v.True():
			disabled++
		default:
			inherit++
		}
	}
	if len(bad) > 0 {
		return exoOutcome(StatusFail, bad, "%d of %d mailboxes turn%s SMTP AUTH on for %s (SmtpClientAuthenticationDisabled = False), overriding the organisation setting: %s.",
			len(bad), len(boxes), exoVerbS(len(bad)), phrase.Word(len(bad), "itself", "themselves"), exoNames(exoAffectedNames(bad), 5))
	}
	return exoOutcome(StatusPass, nil, "No mailbox overrides the organisation SMTP AUTH setting to enable it (%s: %d inherit%s it, %d disable%s SMTP AUTH explicitly).",
		phrase.Plural(len(boxes), "mailbox", "mailboxes"), inherit, exoVerbS(inherit), disabled, exoVerbS(disabled))
}
