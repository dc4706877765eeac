package model

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// TimelineEvent is one event of an incident timeline.
type TimelineEvent struct {
	// Time is nil for objects with no time (an inbox rule present at
	// collection); they sort last.
	Time *time.Time
	// User is the incident user the event concerns.
	User string
	// Source says where the event comes from: "sign-in log", "audit log",
	// or the incident check that found the object.
	Source string
	Event  string
	Detail string
	Actor  string
	// Attributed marks events attributed to the attacker.
	Attributed bool
	CheckID    string
	// SignIn is set on sign-in log events: the facts behind Event and
	// Detail, so no reader parses the display text.
	SignIn *TimelineSignIn
}

// TimelineSignIn is what the sign-in log says about one sign-in.
type TimelineSignIn struct {
	Client    string
	IP        string
	Succeeded bool
	// SingleFactor: the sign-in succeeded with a password alone.
	SingleFactor bool
}

// timelineKinds names, for affected-object kinds of incident results, what
// the event was.
var timelineKinds = map[string]string{
	"authMethod":       "Authentication method registered",
	"guest":            "Guest invited",
	"user":             "Account created or changed",
	"inboxRule":        "Inbox rule present",
	"mailbox":          "Mailbox forwarding set",
	"grant":            "OAuth consent granted",
	"servicePrincipal": "App added to the tenant",
	"application":      "App registration created",
	"credential":       "Credential added to an app",
	"restrictedSender": "Restricted from sending by Exchange Online",
}

// Sources of the timeline events the mail checks found.
const (
	sourceUnifiedAudit = "unified audit log"
	sourceMessageTrace = "message trace"
)

// ruleHistoryEvents are the audit-log events behind an inbox rule
// (IR-INB-002): created, changed and deleted, each at its own time, so a
// rule created and deleted inside the window shows both.
func ruleHistoryEvents(checkID string, a checks.Affected, user string) []TimelineEvent {
	h := a.RuleHistory
	_, name := InboxRuleOf(a)
	rule := "“" + phrase.FirstOf(name, a.ID) + "”"
	var out []TimelineEvent
	for i, e := range h.Events {
		t := e.Time.UTC()
		what := "Inbox rule changed"
		switch {
		case h.Created != nil && h.Created.Equal(e.Time):
			what = "Inbox rule created"
		case h.Removed != nil && h.Removed.Equal(e.Time):
			what = "Inbox rule deleted"
		}
		d := []string{"rule " + rule, e.Operation}
		if e.IP != "" {
			d = append(d, "from "+e.IP)
		}
		switch {
		case !h.Exists:
			d = append(d, "no longer in the mailbox")
		case h.Hidden:
			d = append(d, "still in the mailbox, hidden from Outlook and Graph")
		}
		detail := strings.Join(d, "; ")
		if i == 0 && checkID == checks.IDIRInb001 && a.Detail != "" {
			// A rule still listed in the mailbox: its first event carries
			// what the rule does (the check's detail names the event too).
			detail = "rule " + rule + ": " + a.Detail
		}
		out = append(out, TimelineEvent{Time: &t, User: user, Source: sourceUnifiedAudit, Event: what, Detail: detail,
			Actor: phrase.FirstOf(e.Actor, a.Actor), Attributed: a.Attributed, CheckID: checkID})
	}
	return out
}

// mailboxActivityEvent is one group of mailbox item events (IR-MBX-003):
// a MailItemsAccessed session, or items deleted in bulk, from one address.
func mailboxActivityEvent(checkID string, a checks.Affected, user string) TimelineEvent {
	m := a.MailboxActivity
	t := m.First.UTC()
	what := "Mailbox items accessed (MailItemsAccessed session)"
	items := phrase.Plural(m.Items, "item", "items")
	if m.Operation != "MailItemsAccessed" {
		what = "Mailbox items deleted in bulk"
	}
	return TimelineEvent{Time: &t, User: user, Source: sourceUnifiedAudit, Event: what, Detail: phrase.FirstOf(a.Detail, items),
		Actor: a.Actor, Attributed: a.Attributed, CheckID: checkID}
}

// mailBurstEvents turns IR-MAIL-001's attributed messages into timeline
// events: one per burst (its first message's time, how many messages and
// recipients, until when), and one per message sent from an attacker
// address outside any burst.
func mailBurstEvents(r checks.Result, label map[string]string) []TimelineEvent {
	type burst struct {
		sender        string
		n             int
		first, last   time.Time
		recipients    map[string]bool
		external      map[string]bool
		subjects, ips []string
	}
	bursts := map[string]*burst{}
	var out []TimelineEvent
	for _, a := range r.Affected {
		m := a.Message
		if m == nil || !a.Attributed {
			continue
		}
		user := phrase.FirstOf(label[strings.ToLower(m.Sender)], m.Sender)
		if m.Burst == 0 {
			t := m.Sent.UTC()
			out = append(out, TimelineEvent{Time: &t, User: user, Source: sourceMessageTrace, Event: "Message sent from an address the attacker used",
				Detail: a.Name + ": " + a.Detail, Actor: m.Sender, Attributed: true, CheckID: r.ID})
			continue
		}
		key := fmt.Sprintf("%s\x00%d", strings.ToLower(m.Sender), m.Burst)
		b := bursts[key]
		if b == nil {
			b = &burst{sender: m.Sender, first: m.Sent, last: m.Sent, recipients: map[string]bool{}, external: map[string]bool{}}
			bursts[key] = b
		}
		b.n++
		if m.Sent.Before(b.first) {
			b.first = m.Sent
		}
		if m.Sent.After(b.last) {
			b.last = m.Sent
		}
		for _, rc := range m.Recipients {
			b.recipients[rc.Address] = true
			if rc.External {
				b.external[rc.Address] = true
			}
		}
		if !slices.Contains(b.subjects, m.Subject) {
			b.subjects = append(b.subjects, m.Subject)
		}
		if m.FromIP != "" && !slices.Contains(b.ips, m.FromIP) {
			b.ips = append(b.ips, m.FromIP)
		}
	}
	keys := make([]string, 0, len(bursts))
	for k := range bursts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b := bursts[k]
		sort.Strings(b.subjects)
		sort.Strings(b.ips)
		t := b.first.UTC()
		d := fmt.Sprintf("%s to %s (%d outside the organisation), until %s", phrase.Plural(b.n, "message", "messages"),
			phrase.Plural(len(b.recipients), "recipient", "recipients"), len(b.external), b.last.UTC().Format("2006-01-02 15:04 UTC"))
		if len(b.ips) > 0 {
			d += ", from " + strings.Join(b.ips, ", ")
		}
		d += "; subjects: " + strings.Join(quoteAll(b.subjects), ", ")
		out = append(out, TimelineEvent{Time: &t, User: phrase.FirstOf(label[strings.ToLower(b.sender)], b.sender), Source: sourceMessageTrace,
			Event: "Burst of mail sent (recipients to warn)", Detail: d, Actor: b.sender, Attributed: true, CheckID: r.ID})
	}
	return out
}

func quoteAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = "“" + x + "”"
	}
	return out
}

// Timeline returns every event of the incident users in time order: their
// sign-ins and audit events in the window (from the snapshot), and the
// objects the incident checks found (from the results, so the timeline
// agrees with the findings). It returns nil without an incident.
func Timeline(doc *checks.Document, s *snapshot.Snapshot) []TimelineEvent {
	if doc == nil || doc.Incident == nil {
		return nil
	}
	inc := doc.Incident
	if s == nil {
		s = snapshot.FromFiles(snapshot.Manifest{}, nil)
	}
	_, label := incidentUserIDs(inc.Users, s)
	in := func(t time.Time) bool { return !t.Before(inc.Start) && !t.After(inc.End) }
	var out []TimelineEvent

	// Sign-in groups the IR-SIG checks attributed to the attacker (by user,
	// client and address), and the addresses they came from.
	type origin struct{ user, client, ip string }
	attributedSignIns := map[origin]string{}
	attackerIPs := map[string]bool{}
	for _, r := range doc.Results {
		if r.ID != checks.IDIRSig001 && r.ID != checks.IDIRSig002 {
			continue
		}
		for _, a := range r.Affected {
			si, ok := SignInOf(a)
			if !ok || !a.Attributed {
				continue
			}
			if si.IP != "" {
				attackerIPs[si.IP] = true
			}
			if !si.MFA {
				attributedSignIns[origin{strings.ToLower(si.UserID), si.Client, si.IP}] = r.ID
			}
		}
	}
	// A sign-in is the attacker's when its group was attributed by the
	// check that judged that kind of sign-in: IR-SIG-001 legacy protocols,
	// IR-SIG-002 interactive password-only sign-ins.
	signInAttributed := func(si snapshot.SignIn, key origin) bool {
		if si.Succeeded() && attackerIPs[si.IPAddress] {
			return true // any successful sign-in from an address the checks tie to the attacker
		}
		switch attributedSignIns[key] {
		case checks.IDIRSig001:
			return si.Succeeded()
		case checks.IDIRSig002:
			return si.Succeeded() && si.IsInteractive && si.AuthenticationRequirement == "singleFactorAuthentication"
		}
		return false
	}
	if sis, err := s.SignIns(); err == nil {
		for _, si := range sis {
			u, ok := label[strings.ToLower(si.UserID)]
			if !ok {
				u, ok = label[strings.ToLower(si.UserPrincipalName)]
			}
			if !ok || !in(si.CreatedDateTime) {
				continue
			}
			t := si.CreatedDateTime.UTC()
			outcome := "succeeded"
			if !si.Succeeded() {
				outcome = "failed"
				if si.Status.FailureReason != "" {
					outcome += " (" + si.Status.FailureReason + ")"
				}
			}
			var d []string
			if si.AppDisplayName != "" {
				d = append(d, si.AppDisplayName)
			}
			if si.IPAddress != "" {
				d = append(d, "from "+si.IPAddress)
			}
			if p := si.Place(); p != "" {
				d = append(d, p)
			}
			switch si.AuthenticationRequirement {
			case "singleFactorAuthentication":
				d = append(d, "password only")
			case "multiFactorAuthentication":
				d = append(d, "with MFA")
			}
			key := origin{strings.ToLower(phrase.FirstOf(si.UserID, si.UserPrincipalName)), si.ClientAppUsed, si.IPAddress}
			out = append(out, TimelineEvent{Time: &t, User: u, Source: "sign-in log",
				Event: "Sign-in via " + phrase.FirstOf(si.ClientAppUsed, "unknown client") + " " + outcome, Detail: strings.Join(d, ", "),
				Attributed: signInAttributed(si, key),
				SignIn: &TimelineSignIn{Client: si.ClientAppUsed, IP: si.IPAddress, Succeeded: si.Succeeded(),
					SingleFactor: si.AuthenticationRequirement == "singleFactorAuthentication"}})
		}
	}
	if audits, err := s.DirectoryAudits(); err == nil {
		for _, a := range audits {
			if !in(a.ActivityDateTime) {
				continue
			}
			u, ok := "", false
			if a.InitiatedBy.User != nil {
				if u, ok = label[strings.ToLower(a.InitiatedBy.User.ID)]; !ok {
					u, ok = label[strings.ToLower(a.InitiatedBy.User.UserPrincipalName)]
				}
			}
			for _, tr := range a.TargetResources {
				if ok {
					break
				}
				if u, ok = label[strings.ToLower(tr.ID)]; !ok {
					u, ok = label[strings.ToLower(tr.UserPrincipalName)]
				}
			}
			if !ok {
				continue
			}
			t := a.ActivityDateTime.UTC()
			var targets []string
			for _, tr := range a.TargetResources {
				targets = append(targets, phrase.FirstOf(tr.UserPrincipalName, tr.DisplayName, tr.ID))
			}
			detail := strings.Join(targets, ", ")
			if a.ResultReason != "" {
				detail += " — " + a.ResultReason
			}
			out = append(out, TimelineEvent{Time: &t, User: u, Source: "audit log", Event: a.ActivityDisplayName,
				Detail: detail, Actor: a.InitiatedBy.Label()})
		}
	}
	for _, r := range doc.Results {
		if !r.Incident {
			continue
		}
		if r.ID == checks.IDIRMail001 {
			out = append(out, mailBurstEvents(r, label)...)
			continue
		}
		for _, a := range r.Affected {
			user := ""
			for _, k := range []string{UserIDOf(a), ExchangeIdentityOf(a), UPNOf(a), strings.TrimSuffix(a.Actor, " (app)")} {
				if l, ok := label[strings.ToLower(k)]; ok && k != "" {
					user = l
					break
				}
			}
			if user == "" {
				user = phrase.FirstOf(a.Actor, "—")
			}
			if a.RuleHistory != nil && len(a.RuleHistory.Events) > 0 {
				out = append(out, ruleHistoryEvents(r.ID, a, user)...)
				continue
			}
			if a.MailboxActivity != nil {
				out = append(out, mailboxActivityEvent(r.ID, a, user))
				continue
			}
			ev, ok := timelineKinds[a.Kind]
			if !ok || (!a.Attributed && a.Kind != "inboxRule") {
				continue
			}
			out = append(out, TimelineEvent{Time: a.Time, User: user, Source: r.ID, Event: ev,
				Detail: a.Name + ": " + a.Detail, Actor: a.Actor, Attributed: a.Attributed, CheckID: r.ID})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		ti, tj := out[i].Time, out[j].Time
		switch {
		case ti == nil && tj != nil:
			return false
		case ti != nil && tj == nil:
			return true
		case ti != nil && tj != nil && !ti.Equal(*tj):
			return ti.Before(*tj)
		}
		if out[i].Source != out[j].Source {
			return out[i].Source < out[j].Source
		}
		return out[i].Event+out[i].Detail < out[j].Event+out[j].Detail
	})
	return out
}

// incidentUserIDs maps incident users' ids, UPNs and mail (lower-case) to a
// label "Display Name <upn>".
func incidentUserIDs(upns []string, s *snapshot.Snapshot) ([]string, map[string]string) {
	label := map[string]string{}
	var ids []string
	var users []snapshot.User
	if s != nil {
		users, _ = s.Users()
	}
	for _, upn := range upns {
		l := strings.ToLower(upn)
		label[l] = upn
		for _, u := range users {
			if strings.EqualFold(u.UserPrincipalName, upn) || (u.Mail != "" && strings.EqualFold(u.Mail, upn)) {
				name := upn
				if u.DisplayName != "" {
					name = u.DisplayName + " <" + u.UserPrincipalName + ">"
				}
				label[l] = name
				label[strings.ToLower(u.ID)] = name
				label[strings.ToLower(u.UserPrincipalName)] = name
				ids = append(ids, u.ID)
			}
		}
	}
	return ids, label
}

// markAttackerSignIns marks the successful sign-ins that the sign-in checks
// attribute to the attacker (IR-SIG-001/002 group them by user, client and
// address), so the attacker's legacy sign-ins stand out in the timeline
// like their changes do.
func markAttackerSignIns(evs []TimelineEvent, doc *checks.Document) {
	type origin struct{ client, ip string }
	// attributed maps an origin to whether every successful sign-in from
	// it counts (legacy protocols), or only those with a password alone.
	attributed := map[origin]bool{}
	for _, r := range doc.Results {
		if r.ID != checks.IDIRSig001 && r.ID != checks.IDIRSig002 {
			continue
		}
		for _, a := range r.Affected {
			si, ok := SignInOf(a)
			if !ok || !a.Attributed || si.MFA {
				continue
			}
			// IR-SIG-002 groups single-factor sign-ins only; the same client
			// and address may also have signed in with MFA.
			o := origin{strings.ToLower(si.Client), si.IP}
			attributed[o] = attributed[o] || r.ID == checks.IDIRSig001
		}
	}
	for i, e := range evs {
		if e.Attributed || e.SignIn == nil || !e.SignIn.Succeeded || e.SignIn.IP == "" {
			continue
		}
		o := origin{strings.ToLower(e.SignIn.Client), e.SignIn.IP}
		if all, ok := attributed[o]; ok && (all || e.SignIn.SingleFactor) {
			evs[i].Attributed = true
		}
	}
}
