package checks

import (
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// evalEXOProto001: SMTP AUTH is disabled for the organisation. Per
// check-semantics.md only an explicit True passes; False and null fail
// (null is how a missing value reads, and the service default was "on").
func evalEXOProto001(c *Context) Outcome {
	tc, err := c.Snap.TransportConfig()
	if err != nil {
		return Unknown(err)
	}
	v := tc.SmtpClientAuthenticationDisabled
	obj := exoFirst(tc.Identity, "TransportConfig")
	switch {
	case v.True():
		return exoOutcome(StatusPass, nil, "SMTP AUTH is disabled for the organisation (Get-TransportConfig SmtpClientAuthenticationDisabled = True). Per-mailbox overrides are checked by EXO-PROTO-002.")
	case v.False():
		return exoOutcome(StatusFail, []Affected{exoSetting(obj, "SmtpClientAuthenticationDisabled", "False: SMTP AUTH is allowed for every mailbox that does not override it")},
			"SMTP AUTH is enabled for the organisation (SmtpClientAuthenticationDisabled = False): any mailbox can send with a password alone, bypassing MFA.")
	}
	return exoOutcome(StatusFail, []Affected{exoSetting(obj, "SmtpClientAuthenticationDisabled", "not reported (null): treated as enabled")},
		"SmtpClientAuthenticationDisabled is not set in Get-TransportConfig (null), so SMTP AUTH cannot be shown to be disabled; set it to True explicitly.")
}

// evalEXOProto002: no mailbox turns SMTP AUTH back on. Per mailbox, null
// inherits the organisation setting (not a finding), False enables SMTP
// AUTH for that mailbox whatever the organisation says.
func evalEXOProto002(c *Context) Outcome {
	boxes, err := c.Snap.CASMailboxes()
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
			len(bad), len(boxes), exoVerbS(len(bad)), exoPluralWord(len(bad), "itself", "themselves"), exoNames(exoAffectedNames(bad), 5))
	}
	return exoOutcome(StatusPass, nil, "No mailbox overrides the organisation SMTP AUTH setting to enable it (%s: %d inherit%s it, %d disable%s SMTP AUTH explicitly).",
		exoPlural(len(boxes), "mailbox", "mailboxes"), inherit, exoVerbS(inherit), disabled, exoVerbS(disabled))
}

// exoProtocolState judges PopEnabled/ImapEnabled of one row: which
// protocols are on, and which are not reported (null: the property was not
// collected, so the row cannot pass).
func exoProtocolState(pop, imap snapshot.Bool) (on, missing []string) {
	for _, p := range []struct {
		name string
		v    snapshot.Bool
	}{{"POP", pop}, {"IMAP", imap}} {
		switch {
		case p.v.True():
			on = append(on, p.name)
		case !p.v.Valid:
			missing = append(missing, p.name)
		}
	}
	return on, missing
}

// exoProtocolDetail renders the detail line of a row with POP/IMAP on.
func exoProtocolDetail(on []string) string {
	return strings.Join(on, " and ") + " enabled"
}

// evalEXOProto003: POP3 and IMAP4 are off on every mailbox. A mailbox with
// either on fails (the detail names which); a null value cannot pass, so if
// nothing fails but some rows lack the property, the answer is unknown.
func evalEXOProto003(c *Context) Outcome {
	boxes, err := c.Snap.CASMailboxes()
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
			s.Summary += " " + exoPlural(len(unknown), "further mailbox does", "further mailboxes do") + " not report the setting."
		}
		return s
	}
	if len(unknown) > 0 {
		return exoOutcome(StatusUnknown, unknown, "No mailbox has POP or IMAP on, but %d of %d mailboxes %s not report PopEnabled/ImapEnabled (null), so the check cannot pass: %s.",
			len(unknown), len(boxes), exoPluralWord(len(unknown), "does", "do"), exoNames(exoAffectedNames(unknown), 5))
	}
	return exoOutcome(StatusPass, nil, "POP and IMAP are disabled on %s. New mailboxes are covered by EXO-PROTO-005.", exoAll(len(boxes), "mailbox", "mailboxes"))
}

// evalEXOProto004: modern authentication for Outlook is on. A null value
// means the property was not collected: unknown.
func evalEXOProto004(c *Context) Outcome {
	oc, err := c.Snap.OrganizationConfig()
	if err != nil {
		return Unknown(err)
	}
	v := oc.OAuth2ClientProfileEnabled
	obj := exoFirst(oc.Identity, oc.Name, "OrganizationConfig")
	switch {
	case v.True():
		return exoOutcome(StatusPass, nil, "Modern authentication is enabled for Outlook (OAuth2ClientProfileEnabled = True).")
	case v.False():
		return exoOutcome(StatusFail, []Affected{exoSetting(obj, "OAuth2ClientProfileEnabled", "False: Outlook clients fall back to basic authentication")},
			"Modern authentication is disabled for Outlook (OAuth2ClientProfileEnabled = False): Outlook clients use basic authentication, which cannot do MFA.")
	}
	return exoOutcome(StatusUnknown, nil, "Not evaluated: OAuth2ClientProfileEnabled is not reported in Get-OrganizationConfig (null).")
}

// evalEXOProto005: new mailboxes are born without POP and IMAP, i.e. every
// CAS mailbox plan has both off. Exchange always has plans, so an empty
// list is incomplete data, not a pass.
func evalEXOProto005(c *Context) Outcome {
	plans, err := c.Snap.CASMailboxPlans()
	if err != nil {
		return Unknown(err)
	}
	if len(plans) == 0 {
		return exoOutcome(StatusUnknown, nil, "Not evaluated: Get-CASMailboxPlan returned no plans, but every Exchange Online tenant has some.")
	}
	var bad, unknown []Affected
	for _, p := range plans {
		on, missing := exoProtocolState(p.PopEnabled, p.ImapEnabled)
		a := Affected{Kind: "casMailboxPlan", ID: exoFirst(p.Identity, p.Name, p.DisplayName),
			Name: exoFirst(p.DisplayName, p.Name, p.Identity, "(unnamed plan)"), Extra: map[string]string{"identity": exoFirst(p.Identity, p.Name)}}
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
			exoPlural(len(unknown), "plan", "plans"), exoPluralWord(len(unknown), "does", "do"), exoNames(exoAffectedNames(unknown), 5))
	}
	return exoOutcome(StatusPass, nil, "%s create%s new mailboxes with POP and IMAP off.", exoCapital(exoAll(len(plans), "CAS mailbox plan", "CAS mailbox plans")), exoVerbS(len(plans)))
}
