package checks

import (
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEXOProto003 is the ID of check EXO-PROTO-003.
const IDEXOProto003 = "EXO-PROTO-003"

func exoProto003() Check {
	return Check{Meta: Meta{
		ID: IDEXOProto003, Title: "POP3 and IMAP4 are disabled on every mailbox",
		Category: exoCategoryProtocols, Severity: SeverityMedium, Datasets: []string{snapshot.DSExoCASMailbox},
		Rationale:  "POP and IMAP sign in with a password and are common ways to read a compromised mailbox without MFA; turning them off per mailbox closes them independently of Conditional Access.",
		References: References{Other: []string{"Microsoft Learn: Enable or disable POP3 or IMAP4 access for a user in Exchange Online", "Complements ENTRA-CA-001 (legacy authentication blocked)"}},
		Remediation: Remediation{
			Summary: "Turn POP and IMAP off on every listed mailbox, keeping documented exceptions only.",
			Steps: []string{
				"Get-EXOCASMailbox -ResultSize Unlimited | Where-Object { $_.PopEnabled -or $_.ImapEnabled } | ForEach-Object { Set-CASMailbox -Identity $_.PrimarySmtpAddress -PopEnabled $false -ImapEnabled $false }",
				"Fix the CAS mailbox plans too (EXO-PROTO-005) so new mailboxes are born without them.",
			},
			Script: true,
		}},
		Eval: evalEXOProto003}
}

// evalEXOProto003: POP3 and IMAP4 are off on every mailbox. A mailbox with
// either on fails (the detail names which); a null value cannot pass, so if
// nothing fails but some rows lack the property, the answer is unknown.
func evalEXOProto003(c *Context) Outcome {
	boxes, err := c.CASMailboxes()
	if err != nil {
		return Unknown(err)
	}
	if len(boxes) == 0 {
		return exoOutcome(StatusNotApplicable, nil, "Get-CASMailbox returned no mailboxes, so there is no POP or IMAP setting to check.")
	}
	var bad, unknown []Affected
	pop, imap := 0, 0
	for _, m := range boxes {
		on, missing := exoProtocolState(m.PopEnabled, m.ImapEnabled)
		for _, p := range on {
			if p == "POP" {
				pop++
			} else {
				imap++
			}
		}
		switch {
		case len(on) > 0:
			bad = append(bad, exoMailboxAffected(m, exoProtocolDetail(on)))
		case len(missing) > 0:
			unknown = append(unknown, exoMailboxAffected(m, strings.Join(missing, " and ")+" setting not reported (null)"))
		}
	}
	if len(bad) > 0 {
		s := exoOutcome(StatusFail, bad, "%d of %d mailboxes can still use POP or IMAP, which sign in with a password alone (%d with POP, %d with IMAP): %s.",
			len(bad), len(boxes), pop, imap, exoNames(exoAffectedNames(bad), 5))
		if len(unknown) > 0 {
			s.Summary += " " + phrase.Plural(len(unknown), "further mailbox does", "further mailboxes do") + " not report the setting."
		}
		return s
	}
	if len(unknown) > 0 {
		return exoOutcome(StatusUnknown, unknown, "No mailbox has POP or IMAP on, but %d of %d mailboxes %s not report PopEnabled/ImapEnabled (null), so the check cannot pass: %s.",
			len(unknown), len(boxes), phrase.Word(len(unknown), "does", "do"), exoNames(exoAffectedNames(unknown), 5))
	}
	return exoOutcome(StatusPass, nil, "POP and IMAP are disabled on %s. New mailboxes are covered by EXO-PROTO-005.", exoAll(len(boxes), "mailbox", "mailboxes"))
}
