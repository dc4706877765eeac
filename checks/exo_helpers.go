package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// Shared helpers of the Exchange Online checks. Names carry an exo prefix
// so they do not clash with the helpers of the other check areas.
//
// Null handling (Exchange rows come from PowerShell objects, so a property
// can be missing or null when a $select left it out or the cmdlet changed):
// a null never passes. Where the catalogue or docs/semantics.md says what a
// null means (SMTP AUTH org setting: fail; per-mailbox SMTP AUTH: inherit)
// that rule is applied; elsewhere a null on a setting that always has a
// value means the data is incomplete and the answer is unknown, naming the
// property, unless a finding already makes the check fail.

// exoOutcome builds an outcome with a formatted summary.
func exoOutcome(st Status, affected []Affected, format string, args ...any) Outcome {
	return Outcome{Status: st, Summary: fmt.Sprintf(format, args...), Affected: affected}
}

// exoNames renders up to max names, then "and N more".
func exoNames(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:max], ", "), len(names)-max)
}

// exoAffectedNames lists the names of affected objects, in order.
func exoAffectedNames(a []Affected) []string {
	out := make([]string, 0, len(a))
	for _, x := range a {
		out = append(out, x.Name)
	}
	return out
}

// exoAll renders "the only mailbox" / "all 3 mailboxes".
func exoAll(n int, one, many string) string {
	if n == 1 {
		return "the only " + one
	}
	return fmt.Sprintf("all %d %s", n, many)
}

// exoCapital upper-cases the first letter of an ASCII sentence start.
func exoCapital(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// exoMailboxAffected describes a CAS mailbox row: the Entra object id when
// Exchange reports it (links the finding to the user), the address as name,
// and the cmdlet identity scripts should use.
func exoMailboxAffected(m snapshot.CASMailbox, detail string) Affected {
	ident := phrase.FirstOf(m.PrimarySmtpAddress, m.ExternalDirectoryObjectID, m.Identity, m.Name)
	return Affected{
		Kind:     "mailbox",
		ID:       phrase.FirstOf(m.ExternalDirectoryObjectID, m.Identity, m.PrimarySmtpAddress, m.Name),
		Name:     phrase.FirstOf(m.Label(), "(unnamed mailbox)"),
		Detail:   detail,
		Exchange: &ExchangeObject{Identity: ident},
	}
}

// exoSetting describes one setting of an Exchange configuration object.
func exoSetting(object, property, detail string) Affected {
	return Affected{Kind: "setting", ID: object + "." + property, Name: property, Detail: detail,
		Exchange: &ExchangeObject{Identity: object, Property: property}}
}

// exoPolicyName is the display name of an outbound spam policy.
func exoPolicyName(p snapshot.OutboundSpamPolicy) string {
	return phrase.FirstOf(p.Name, p.Identity, "(unnamed policy)")
}

// exoIsDefaultPolicy reports whether p is the tenant's default outbound
// spam policy, which applies to everyone a custom policy does not cover.
func exoIsDefaultPolicy(p snapshot.OutboundSpamPolicy) bool {
	return p.IsDefault.True() || strings.EqualFold(p.Identity, "Default") || strings.EqualFold(p.Name, "Default")
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
