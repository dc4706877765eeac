package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEXOAud004 is the ID of check EXO-AUD-004.
const IDEXOAud004 = "EXO-AUD-004"

func exoAud004() Check {
	return Check{Meta: Meta{
		ID: IDEXOAud004, Title: "No account bypasses mailbox audit logging",
		Category: exoCategoryAuditing, Severity: SeverityHigh, Datasets: []string{snapshot.DSExoMailboxAuditBypass}, AlsoReads: []string{snapshot.DSExoMailbox},
		Rationale: "An audit bypass association hides every mailbox access by that account from the audit log, which is exactly what an attacker with a service account wants.",
		References: References{CIS: []string{"6.1.3"}, CISVersion: exoCIS,
			Other: []string{"Prowler exchange_mailbox_audit_bypass_disabled", "Monkey365 exchange-audit-bypass-enabled"}},
		Remediation: Remediation{
			Summary: "Remove the audit bypass from each listed account.",
			Steps:   []string{"Set-MailboxAuditBypassAssociation -Identity '<name>' -AuditBypassEnabled $false"},
			Script:  true,
		}},
		Eval: evalEXOAud004}
}

// evalEXOAud004: no account bypasses mailbox audit logging. A row whose
// AuditBypassEnabled is null cannot pass.
func evalEXOAud004(c *Context) Outcome {
	rows, err := c.AuditBypassAssociations()
	if err != nil {
		return Unknown(err)
	}
	var bad, unknown []Affected
	for _, r := range rows {
		a := Affected{Kind: "auditBypassAssociation", ID: phrase.FirstOf(r.Identity, r.Name), Name: phrase.FirstOf(r.Name, r.Identity, "(unnamed account)"),
			Exchange: &ExchangeObject{Identity: phrase.FirstOf(r.Identity, r.Name)}}
		switch {
		case r.AuditBypassEnabled.True():
			a.Detail = "AuditBypassEnabled = True: mailbox access by this account is not audited"
			bad = append(bad, a)
		case !r.AuditBypassEnabled.Valid:
			a.Detail = "AuditBypassEnabled not reported (null)"
			unknown = append(unknown, a)
		}
	}
	switch {
	case len(bad) > 0:
		o := exoOutcome(StatusFail, bad, "%s bypass%s mailbox audit logging, so what %s in mailboxes leaves no trace: %s.",
			phrase.Plural(len(bad), "account", "accounts"), phrase.Word(len(bad), "es", ""), phrase.Word(len(bad), "it does", "they do"), exoNames(exoAffectedNames(bad), 5))
		if len(unknown) > 0 {
			o.Summary += fmt.Sprintf(" %s %s not report the setting.", phrase.Plural(len(unknown), "further association", "further associations"), phrase.Word(len(unknown), "does", "do"))
		}
		return o
	case len(unknown) > 0:
		return exoOutcome(StatusUnknown, unknown, "No account is known to bypass mailbox auditing, but %s %s not report AuditBypassEnabled (null): %s.",
			phrase.Plural(len(unknown), "association", "associations"), phrase.Word(len(unknown), "does", "do"), exoNames(exoAffectedNames(unknown), 5))
	}
	if len(rows) == 0 {
		// The cmdlet returns one association per mailbox and user; none at
		// all while the tenant has mailboxes means the answer is missing,
		// not that nothing bypasses auditing.
		boxes, err := c.Mailboxes()
		if err != nil {
			// Without the mailbox list an empty answer cannot be told
			// from a missing one.
			return exoOutcome(StatusUnknown, nil, "Not evaluated: Get-MailboxAuditBypassAssociation returned no rows, and whether the tenant has mailboxes is unknown: %s", strings.TrimPrefix(Unknown(err).Summary, "Not evaluated: "))
		}
		if len(boxes) > 0 {
			return exoOutcome(StatusUnknown, nil, "Not evaluated: Get-MailboxAuditBypassAssociation returned no rows although the tenant has %s; it normally returns one per mailbox and user.", phrase.Plural(len(boxes), "mailbox", "mailboxes"))
		}
	}
	return exoOutcome(StatusPass, nil, "No account bypasses mailbox audit logging (%s checked).", phrase.Plural(len(rows), "association", "associations"))
}
