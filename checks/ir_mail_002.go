package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDIRMail002 is the ID of check IR-MAIL-002.
const IDIRMail002 = "IR-MAIL-002"

func irMail002() Check {
	return Check{Meta: Meta{ID: IDIRMail002, Title: "Compromised account restricted from sending", Category: categoryIncident, Severity: SeverityHigh, Incident: true,
		Rationale:  "Exchange Online blocks an account that sent spam: proof the mailbox mass-mailed, and the user cannot send until the block is released — which must wait until the attacker is locked out, or the attacker sends again.",
		Datasets:   []string{snapshot.DSExoBlockedSenders},
		AlsoReads:  []string{snapshot.DSDomains, snapshot.DSOrganization, snapshot.DSUsers},
		References: References{Other: []string{"Get-BlockedSenderAddress / Remove-BlockedSenderAddress", "Microsoft Defender: Restricted entities"}},
		Remediation: Remediation{Summary: "Keep the restriction until containment is complete (password reset, sessions revoked, rules and forwarding removed); then release the account.", Script: true,
			Steps: []string{"After containment only: Remove-BlockedSenderAddress -SenderAddress <address>"}}},
		Eval: evalIRMail002}
}

// evalIRMail002 is IR-MAIL-002.
func evalIRMail002(c *Context) Outcome {
	sc := newIncidentScope(c)
	rows, err := c.BlockedSenders()
	if err != nil {
		return Unknown(err)
	}
	var out []Affected
	incident, others := 0, 0
	for _, r := range rows {
		addr := strings.ToLower(strings.TrimSpace(r.SenderAddress))
		if addr == "" {
			continue
		}
		a := Affected{Kind: "restrictedSender", ID: addr, Name: addr,
			Exchange: &ExchangeObject{Identity: addr, Property: "BlockedSender"}}
		if t, ok := irParseExoTime(r.CreatedDatetime); ok {
			a.Time = irTimePtr(t)
		}
		reason := phrase.FirstOf(r.Reason, "no reason given")
		if sc.isIncidentUser(addr) {
			uid := sc.upns[addr]
			a.Name = sc.userName(uid)
			a.User = &UserRef{ID: uid, UPN: addr}
			a.Attributed = true
			a.Detail = fmt.Sprintf("restricted from sending (%s); release with Remove-BlockedSenderAddress only after containment", reason)
			incident++
		} else {
			if id, ok := irUserByAddress(sc, addr); ok {
				a.Name = sc.userName(id)
				a.User = &UserRef{ID: id, UPN: addr}
			}
			a.Detail = fmt.Sprintf("restricted from sending (%s): another account that sent spam, possibly part of the same campaign — review", reason)
			others++
		}
		out = append(out, a)
	}
	switch {
	case incident > 0:
		sum := fmt.Sprintf("Exchange Online restricted %s from sending after it sent spam. Release the restriction (Remove-BlockedSenderAddress) only after containment is complete.",
			irIf(incident == 1, "the compromised account", fmt.Sprintf("%d compromised accounts", incident)))
		if others > 0 {
			sum += fmt.Sprintf(" %s also restricted: review.", phrase.Plural(others, "other account is", "other accounts are"))
		}
		return sc.unresolvedOutcome(Outcome{Status: StatusFail, Summary: sum, Affected: out})
	case others > 0:
		return sc.unresolvedOutcome(Outcome{Status: StatusWarn, Summary: fmt.Sprintf("No incident user is restricted from sending, but %s: review whether %s part of the same campaign.",
			phrase.Plural(others, "other account is", "other accounts are"), irIf(others == 1, "it is", "they are")), Affected: out})
	}
	return sc.unresolvedOutcome(Outcome{Status: StatusPass, Summary: "No account is on the restricted senders list.", Affected: out})
}

// irUserByAddress finds a directory user by UPN or mail address.
func irUserByAddress(sc *incidentScope, addr string) (string, bool) {
	for id, u := range sc.directory {
		if strings.EqualFold(u.UserPrincipalName, addr) || (u.Mail != "" && strings.EqualFold(u.Mail, addr)) {
			return id, true
		}
	}
	return "", false
}
