package checks

import (
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEXOProto005 is the ID of check EXO-PROTO-005.
const IDEXOProto005 = "EXO-PROTO-005"

func exoProto005() Check {
	return Check{Meta: Meta{
		ID: IDEXOProto005, Title: "New mailboxes are created without POP3 and IMAP4",
		Category: exoCategoryProtocols, Severity: SeverityMedium, Datasets: []string{snapshot.DSExoCASMailboxPlan},
		Rationale:  "CAS mailbox plans set the protocols of every new mailbox, and they default to POP and IMAP on, so a clean-up of existing mailboxes is undone by the next hire.",
		References: References{Other: []string{"Microsoft Learn: Set-CASMailboxPlan", "Complements EXO-PROTO-003"}},
		Remediation: Remediation{
			Summary: "Turn POP and IMAP off in every CAS mailbox plan.",
			Steps:   []string{"Get-CASMailboxPlan | Set-CASMailboxPlan -PopEnabled $false -ImapEnabled $false"},
			Script:  true,
		}},
		Eval: evalEXOProto005}
}

// evalEXOProto005: new mailboxes are born without POP and IMAP, i.e. every
// CAS mailbox plan has both off. Exchange always has plans, so an empty
// list is incomplete data, not a pass.
func evalEXOProto005(c *Context) Outcome {
	plans, err := c.CASMailboxPlans()
	if err != nil {
		return Unknown(err)
	}
	if len(plans) == 0 {
		return exoOutcome(StatusUnknown, nil, "Not evaluated: Get-CASMailboxPlan returned no plans, but every Exchange Online tenant has some.")
	}
	var bad, unknown []Affected
	for _, p := range plans {
		on, missing := exoProtocolState(p.PopEnabled, p.ImapEnabled)
		a := Affected{Kind: "casMailboxPlan", ID: phrase.FirstOf(p.Identity, p.Name, p.DisplayName),
			Name:     phrase.FirstOf(p.DisplayName, p.Name, p.Identity, "(unnamed plan)"),
			Exchange: &ExchangeObject{Identity: phrase.FirstOf(p.Identity, p.Name)}}
		switch {
		case len(on) > 0:
			a.Detail = exoProtocolDetail(on) + " for new mailboxes on this plan"
			bad = append(bad, a)
		case len(missing) > 0:
			a.Detail = strings.Join(missing, " and ") + " setting not reported (null)"
			unknown = append(unknown, a)
		}
	}
	if len(bad) > 0 {
		return exoOutcome(StatusFail, bad, "%d of %d CAS mailbox plans create%s new mailboxes with POP or IMAP on: %s.",
			len(bad), len(plans), exoVerbS(len(bad)), exoNames(exoAffectedNames(bad), 5))
	}
	if len(unknown) > 0 {
		return exoOutcome(StatusUnknown, unknown, "No CAS mailbox plan has POP or IMAP on, but %s %s not report the setting (null): %s.",
			phrase.Plural(len(unknown), "plan", "plans"), phrase.Word(len(unknown), "does", "do"), exoNames(exoAffectedNames(unknown), 5))
	}
	return exoOutcome(StatusPass, nil, "%s create%s new mailboxes with POP and IMAP off.", exoCapital(exoAll(len(plans), "CAS mailbox plan", "CAS mailbox plans")), exoVerbS(len(plans)))
}
