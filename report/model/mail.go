package model

import (
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// MailReach is who received the attacker's mail: the recipients of the
// messages IR-MAIL-001 attributes to the attacker, per compromised
// account. Every writer (the PDF and HTML section, the workbook sheet and
// recipients-<user>.csv) renders this, so the lists cannot disagree.
type MailReach struct {
	// Status and Summary are IR-MAIL-001's verdict; Summary says why there
	// is no list when the check could not judge.
	Status  checks.Status
	Summary string
	// Senders holds one entry per compromised account that sent attributed
	// mail, by address.
	Senders []SenderReach
}

// SenderReach is the attributed mail of one compromised account and the
// people who received it.
type SenderReach struct {
	// Sender is the address the mail was sent from (lower case).
	Sender string
	// Label names the account ("Display Name <upn>") when the snapshot
	// knows it, else Sender.
	Label string
	// File is the account's mail-merge list, recipients-<user>.csv.
	File string
	// Messages counts the attributed messages; Bursts the bursts they
	// belong to (messages sent from an attacker address outside a burst
	// count in Messages only).
	Messages, Bursts int
	First, Last      time.Time
	// Recipients are the people to warn, outside the organisation first
	// (checks.RecipientsToWarn); External counts those outside.
	Recipients []checks.RecipientToWarn
	External   int
}

// Total counts the distinct recipients over every sender.
func (m *MailReach) Total() (all, external int) {
	seen := map[string]bool{}
	for _, s := range m.Senders {
		for _, r := range s.Recipients {
			if !seen[r.Address] {
				seen[r.Address] = true
				all++
				if r.External {
					external++
				}
			}
		}
	}
	return all, external
}

// RecipientsFileName is the mail-merge list of one compromised account:
// recipients-<user>.csv, named like its containment script.
func RecipientsFileName(sender string) string {
	return "recipients-" + strings.TrimPrefix(strings.TrimSuffix(ContainmentFileName(sender), ".ps1"), "incident-") + ".csv"
}

// MailRecipients builds who received the attacker's mail from IR-MAIL-001's
// result. It returns nil when the audit has no such result. snap may be
// nil; it only names the senders.
func MailRecipients(doc *checks.Document, snap *snapshot.Snapshot) *MailReach {
	if doc == nil {
		return nil
	}
	var res *checks.Result
	for i := range doc.Results {
		if doc.Results[i].ID == checks.IDIRMail001 {
			res = &doc.Results[i]
			break
		}
	}
	if res == nil {
		return nil
	}
	out := &MailReach{Status: res.Status, Summary: res.Summary}
	type acc struct {
		messages int
		bursts   map[int]bool
		first    time.Time
		last     time.Time
	}
	by := map[string]*acc{}
	for _, a := range res.Affected {
		m := a.Message
		if m == nil || !a.Attributed {
			continue
		}
		s := strings.ToLower(strings.TrimSpace(m.Sender))
		x := by[s]
		if x == nil {
			x = &acc{bursts: map[int]bool{}, first: m.Sent, last: m.Sent}
			by[s] = x
		}
		x.messages++
		if m.Burst > 0 {
			x.bursts[m.Burst] = true
		}
		if m.Sent.Before(x.first) {
			x.first = m.Sent
		}
		if m.Sent.After(x.last) {
			x.last = m.Sent
		}
	}
	senders := make([]string, 0, len(by))
	for s := range by {
		senders = append(senders, s)
	}
	sort.Strings(senders)
	var label map[string]string
	if doc.Incident != nil {
		_, label = incidentUserIDs(doc.Incident.Users, snap)
	}
	for _, s := range senders {
		x := by[s]
		sr := SenderReach{Sender: s, Label: phrase.FirstOf(label[s], s), File: RecipientsFileName(s), Messages: x.messages, Bursts: len(x.bursts),
			First: x.first.UTC(), Last: x.last.UTC(), Recipients: checks.RecipientsToWarn(*res, s)}
		for _, r := range sr.Recipients {
			if r.External {
				sr.External++
			}
		}
		out.Senders = append(out.Senders, sr)
	}
	return out
}
