package checks

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDIRMail001 is the ID of check IR-MAIL-001.
const IDIRMail001 = "IR-MAIL-001"

// Burst rules: messages of one sender less than burstGap apart form a
// group; a group is a burst when it reaches burstRecipients distinct
// recipients, or when at least burstNewRecipients of its recipients (and
// more than half) never received mail from the sender earlier in the trace.
const (
	burstGap           = 30 * time.Minute
	burstRecipients    = 10
	burstNewRecipients = 5
)

func irMail001() Check {
	return Check{Meta: Meta{ID: IDIRMail001, Title: "Bulk or phishing mail sent by a compromised account in the window", Category: categoryIncident, Severity: SeverityCritical, Incident: true,
		Rationale:  "A compromised mailbox is used at once to mail its address book: colleagues, customers and suppliers receive phishing from a sender they trust, and must be warned before they click.",
		Datasets:   []string{snapshot.DSIncidentMessageTrace},
		AlsoReads:  []string{snapshot.DSSignIns, snapshot.DSDirectoryAudits, snapshot.DSDomains, snapshot.DSOrganization, snapshot.DSUsers},
		References: References{Other: []string{"Microsoft: Responding to a compromised email account", "Get-MessageTraceV2 / Graph messageTraces"}},
		Remediation: Remediation{Summary: "Warn every recipient of the attacker's messages (the recipients list and recipients-<user>.csv), ask them to delete the message and report any reply or click; purge the messages from internal mailboxes.",
			Steps: []string{"Send the warning to the recipients list (recipients-<user>.csv is ready for a mail merge)",
				"Internal copies: New-ComplianceSearch -ExchangeLocation All -ContentMatchQuery 'subject:\"<subject>\" AND from:<sender>' then New-ComplianceSearchAction -Purge -PurgeType SoftDelete"}}},
		Eval: evalIRMail001}
}

// irMessage is one traced message: its rows grouped by message id.
type irMessage struct {
	ev     MessageEvidence
	userID string
	seen   map[string]bool
}

// evalIRMail001 is IR-MAIL-001.
func evalIRMail001(c *Context) Outcome {
	sc := newIncidentScope(c)
	rows, err := c.IncidentMessageTrace()
	if err != nil {
		return Unknown(err)
	}
	sis, sisErr := c.SignIns()
	attacker := irAttackerAddresses(c, sc, sis)
	gap, noSignIns := irAddressGap(c, sisErr)
	domainsKnown := sc.domains != nil

	// Group the rows (one per recipient) into messages per sender.
	byKey := map[string]*irMessage{}
	for _, r := range rows {
		if !sc.isIncidentUser(r.SenderAddress) {
			continue
		}
		sender := strings.ToLower(r.SenderAddress)
		key := sender + "\x00" + phrase.FirstOf(r.MessageID, r.ID)
		m := byKey[key]
		if m == nil {
			m = &irMessage{ev: MessageEvidence{MessageID: phrase.FirstOf(r.MessageID, r.ID), Sender: sender, Subject: r.Subject,
				Sent: r.ReceivedDateTime.UTC(), FromIP: r.FromIP}, userID: sc.upns[sender], seen: map[string]bool{}}
			byKey[key] = m
		}
		if r.ReceivedDateTime.Before(m.ev.Sent) {
			m.ev.Sent = r.ReceivedDateTime.UTC()
		}
		addr := strings.ToLower(strings.TrimSpace(r.RecipientAddress))
		if addr == "" || m.seen[addr] {
			continue
		}
		m.seen[addr] = true
		ext, _ := sc.isExternal(addr)
		m.ev.Recipients = append(m.ev.Recipients, MessageRecipient{Address: addr, External: ext, Status: r.Status})
		if ext {
			m.ev.External++
		}
	}
	bySender := map[string][]*irMessage{}
	for _, m := range byKey {
		sort.Slice(m.ev.Recipients, func(i, j int) bool { return m.ev.Recipients[i].Address < m.ev.Recipients[j].Address })
		bySender[m.ev.Sender] = append(bySender[m.ev.Sender], m)
	}
	senders := make([]string, 0, len(bySender))
	for s := range bySender {
		senders = append(senders, s)
	}
	sort.Strings(senders)

	var out []Affected
	var first, last time.Time
	recipients, external := map[string]bool{}, map[string]bool{}
	bursts, ordinary, fromAttacker := 0, 0, map[string]bool{}
	for _, sender := range senders {
		msgs := bySender[sender]
		sort.Slice(msgs, func(i, j int) bool {
			if !msgs[i].ev.Sent.Equal(msgs[j].ev.Sent) {
				return msgs[i].ev.Sent.Before(msgs[j].ev.Sent)
			}
			return msgs[i].ev.MessageID < msgs[j].ev.MessageID
		})
		known := map[string]bool{} // recipients written to before the window
		var inWindow []*irMessage
		for _, m := range msgs {
			switch {
			case m.ev.Sent.Before(sc.start):
				for _, r := range m.ev.Recipients {
					known[r.Address] = true
				}
			case sc.inWindow(m.ev.Sent):
				inWindow = append(inWindow, m)
			}
		}
		burst := 0
		for i := 0; i < len(inWindow); {
			j := i + 1
			for j < len(inWindow) && inWindow[j].ev.Sent.Sub(inWindow[j-1].ev.Sent) <= burstGap {
				j++
			}
			distinct, fresh := map[string]bool{}, map[string]bool{}
			for _, m := range inWindow[i:j] {
				for _, r := range m.ev.Recipients {
					distinct[r.Address] = true
					if !known[r.Address] {
						fresh[r.Address] = true
					}
				}
			}
			if len(distinct) >= burstRecipients || (len(fresh) >= burstNewRecipients && 2*len(fresh) > len(distinct)) {
				burst++
				for _, m := range inWindow[i:j] {
					m.ev.Burst = burst
				}
			}
			i = j
		}
		bursts += burst
		for _, m := range inWindow {
			why, viaAttacker := attacker[m.ev.FromIP]
			if m.ev.Burst == 0 && !viaAttacker {
				ordinary++
				continue
			}
			var notes []string
			if m.ev.Burst > 0 {
				notes = append(notes, fmt.Sprintf("burst %d", m.ev.Burst))
			}
			if viaAttacker {
				fromAttacker[m.ev.FromIP] = true
				notes = append(notes, fmt.Sprintf("sent from %s, an address the attacker used (%s)", m.ev.FromIP, why))
			} else if m.ev.FromIP != "" {
				notes = append(notes, "sent from "+m.ev.FromIP)
			}
			ext := fmt.Sprintf("%d external", m.ev.External)
			if !domainsKnown {
				ext = "external unknown: the tenant's domains were not collected"
			}
			ev := m.ev
			a := Affected{Kind: "message", ID: ev.MessageID, Name: sc.userName(m.userID) + ": " + irQuoteName(ev.Subject),
				Detail: fmt.Sprintf("%s (%s); %s", phrase.Plural(len(ev.Recipients), "recipient", "recipients"), ext, strings.Join(notes, "; ")),
				Time:   irTimePtr(ev.Sent), Actor: sender, Attributed: true, User: &UserRef{ID: m.userID, UPN: sender}, Message: &ev}
			out = append(out, a)
			for _, r := range ev.Recipients {
				recipients[r.Address] = true
				if r.External {
					external[r.Address] = true
				}
			}
			if first.IsZero() || ev.Sent.Before(first) {
				first = ev.Sent
			}
			if ev.Sent.After(last) {
				last = ev.Sent
			}
		}
	}
	note := irTraceCoverage(c, sc)
	if len(out) == 0 {
		o := Outcome{Status: StatusPass, Summary: fmt.Sprintf("No burst of mail and no message from an attacker address in the message trace of the incident users %s (%s looked ordinary).%s",
			sc.window(), phrase.Plural(ordinary, "message", "messages"), note), Affected: out}
		if note != "" || noSignIns {
			o = notConclusive(o, gap)
		} else {
			o.Summary += gap
		}
		return sc.unresolvedOutcome(o)
	}
	where := ""
	if len(fromAttacker) > 0 {
		ips := make([]string, 0, len(fromAttacker))
		for ip := range fromAttacker {
			ips = append(ips, ip)
		}
		sort.Strings(ips)
		where = " from " + strings.Join(ips, ", ")
	}
	extText := fmt.Sprintf("%d outside the organisation", len(external))
	if !domainsKnown {
		extText = "how many outside the organisation is unknown: the tenant's domains were not collected"
	}
	sum := fmt.Sprintf("The compromised account sent %s to %s (%s) in %s, %s%s — warn these recipients (recipients list).",
		phrase.Plural(len(out), "message", "messages"), phrase.Plural(len(recipients), "distinct recipient", "distinct recipients"), extText,
		phrase.Plural(bursts, "burst", "bursts"), irSpan(first, last), where)
	if ordinary > 0 {
		sum += fmt.Sprintf(" %s in the window look ordinary.", phrase.Plural(ordinary, "other message", "other messages"))
	}
	return sc.unresolvedOutcome(Outcome{Status: StatusFail, Summary: sum + note, Affected: out})
}

// irTraceCoverage says when the message trace does not reach back to the
// incident start ("" when it does or the window is unknown).
func irTraceCoverage(c *Context, sc *incidentScope) string {
	w := c.Info(snapshot.DSIncidentMessageTrace).Window
	if w == nil || !w.From.After(sc.start) {
		return ""
	}
	return fmt.Sprintf(" The message trace only reaches back to %s, so mail sent earlier in the window is not visible.", irTime(w.From))
}

// RecipientToWarn is one recipient of the attacker's mail, over every
// attributed message of an IR-MAIL-001 result.
type RecipientToWarn struct {
	Address  string    `json:"address"`
	External bool      `json:"external"`
	Messages int       `json:"messages"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
	Subjects []string  `json:"subjects"`
	// Senders are the compromised accounts that mailed this recipient.
	Senders []string `json:"senders"`
}

// RecipientsToWarn lists the recipients of the attributed messages of an
// IR-MAIL-001 result, by address; sender ("" = all) keeps the messages of
// one compromised account. Writers render this list; they do not rebuild
// it.
func RecipientsToWarn(r Result, sender string) []RecipientToWarn {
	by := map[string]*RecipientToWarn{}
	for _, a := range r.Affected {
		m := a.Message
		if m == nil || !a.Attributed || (sender != "" && !strings.EqualFold(m.Sender, sender)) {
			continue
		}
		for _, rc := range m.Recipients {
			w := by[rc.Address]
			if w == nil {
				w = &RecipientToWarn{Address: rc.Address, External: rc.External, First: m.Sent, Last: m.Sent}
				by[rc.Address] = w
			}
			w.Messages++
			if m.Sent.Before(w.First) {
				w.First = m.Sent
			}
			if m.Sent.After(w.Last) {
				w.Last = m.Sent
			}
			if !containsString(w.Subjects, m.Subject) {
				w.Subjects = append(w.Subjects, m.Subject)
			}
			if !containsString(w.Senders, m.Sender) {
				w.Senders = append(w.Senders, m.Sender)
			}
		}
	}
	out := make([]RecipientToWarn, 0, len(by))
	for _, w := range by {
		sort.Strings(w.Subjects)
		sort.Strings(w.Senders)
		out = append(out, *w)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].External != out[j].External {
			return out[i].External // outside the organisation first: they cannot be purged
		}
		return out[i].Address < out[j].Address
	})
	return out
}

func containsString(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}
