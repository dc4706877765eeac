package model

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// smtpAuthClient is the sign-in log's clientAppUsed for SMTP AUTH.
const smtpAuthClient = "Authenticated SMTP"

// SMTPAuthUse is an account the collected sign-in log shows still sending
// through SMTP AUTH: its successful sign-ins with that client, leaving out
// those the incident checks attribute to the attacker (an attacker's use is
// no reason to keep the protocol).
type SMTPAuthUse struct {
	UserID, Account string
	Count           int
	Last            time.Time
	// Override: the account's mailbox has SMTP AUTH explicitly enabled
	// (SmtpClientAuthenticationDisabled False), so it keeps SMTP AUTH when
	// the organization turns it off.
	Override bool
}

// Evidence says what the sign-in log shows, in one phrase.
func (u SMTPAuthUse) Evidence() string {
	times := "times"
	if u.Count == 1 {
		times = "time"
	}
	return fmt.Sprintf("%s sent through SMTP AUTH %d %s, last %s", u.Account, u.Count, times, u.Last.UTC().Format("2006-01-02"))
}

// smtpAuthMove is what to do before SMTP AUTH is taken from an account that
// still uses it.
const smtpAuthMove = "move the device or application to OAuth, to an Exchange Online connector (SMTP relay) or to direct send first"

// smtpAuthUses returns the accounts still using SMTP AUTH, by account name.
// Nil when the sign-in log was not collected.
func smtpAuthUses(doc *checks.Document, snap *snapshot.Snapshot) []SMTPAuthUse {
	if snap == nil {
		return nil
	}
	sis, err := snap.SignIns()
	if err != nil {
		return nil
	}
	type origin struct{ client, ip string }
	attacker := map[origin]bool{}
	for _, r := range doc.Results {
		if r.ID != checks.IDIRSig001 && r.ID != checks.IDIRSig002 {
			continue
		}
		for _, a := range r.Affected {
			if si, ok := SignInOf(a); ok && a.Attributed {
				attacker[origin{strings.ToLower(si.Client), si.IP}] = true
			}
		}
	}
	byAccount := map[string]*SMTPAuthUse{}
	for _, si := range sis {
		if !si.Succeeded() || !strings.EqualFold(si.ClientAppUsed, smtpAuthClient) || attacker[origin{strings.ToLower(si.ClientAppUsed), si.IPAddress}] {
			continue
		}
		acct := si.UserPrincipalName
		if acct == "" {
			acct = si.UserID
		}
		if acct == "" {
			continue
		}
		u := byAccount[strings.ToLower(acct)]
		if u == nil {
			u = &SMTPAuthUse{UserID: si.UserID, Account: acct}
			byAccount[strings.ToLower(acct)] = u
		}
		u.Count++
		if si.CreatedDateTime.After(u.Last) {
			u.Last = si.CreatedDateTime
		}
	}
	if len(byAccount) == 0 {
		return nil
	}
	var cas []snapshot.CASMailbox
	if rows, err := snap.CASMailboxes(); err == nil {
		cas = rows
	}
	out := make([]SMTPAuthUse, 0, len(byAccount))
	for _, u := range byAccount {
		for _, m := range cas {
			if (u.UserID != "" && strings.EqualFold(m.ExternalDirectoryObjectID, u.UserID)) || strings.EqualFold(m.PrimarySmtpAddress, u.Account) {
				u.Override = m.SmtpClientAuthenticationDisabled.False()
			}
		}
		out = append(out, *u)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Account) < strings.ToLower(out[j].Account) })
	return out
}

// usesSMTPAuth returns the use an affected mailbox shows, if any.
func usesSMTPAuth(uses []SMTPAuthUse, a checks.Affected, identity string) (SMTPAuthUse, bool) {
	for _, u := range uses {
		for _, k := range []string{a.ID, a.Name, identity} {
			if k != "" && (strings.EqualFold(k, u.UserID) || strings.EqualFold(k, u.Account)) {
				return u, true
			}
		}
	}
	return SMTPAuthUse{}, false
}
