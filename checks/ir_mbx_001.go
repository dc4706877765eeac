package checks

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDIRMbx001 is the ID of check IR-MBX-001.
const IDIRMbx001 = "IR-MBX-001"

func irMbx001() Check {
	return Check{Meta: Meta{ID: IDIRMbx001, Title: "Mailbox-level forwarding configured", Category: categoryIncident, Severity: SeverityCritical, Incident: true,
		Rationale: "Mailbox forwarding silently copies every message to the attacker, and survives a password reset.",
		Datasets:  []string{snapshot.DSExoMailbox}, AlsoReads: []string{snapshot.DSDomains, snapshot.DSOrganization, snapshot.DSUsers,
			snapshot.DSExoOutboundSpamPolicy, snapshot.DSExoOutboundSpamRule, snapshot.DSExoRemoteDomain,
			snapshot.DSIncidentAuditLog, snapshot.DSExoAdminAuditLogConfig, snapshot.DSSignIns, snapshot.DSDirectoryAudits},
		References: References{CIS: []string{"6.2.1"}, CISVersion: "v5.0.0", Other: []string{"Hawk Get-HawkUserEmailForwarding"}},
		Remediation: Remediation{Summary: "Clear forwarding on the incident users' mailboxes.", Script: true,
			Steps: []string{"Set-Mailbox -Identity <upn> -ForwardingSmtpAddress $null -ForwardingAddress $null -DeliverToMailboxAndForward $false"}}},
		Eval: evalIRMbx001}
}

// evalIRMbx001 is IR-MBX-001.
func evalIRMbx001(c *Context) Outcome {
	sc := newIncidentScope(c)
	boxes, err := c.Mailboxes()
	if err != nil {
		return Unknown(err)
	}
	// Whether the tenant lets external forwarding through today
	// (EXO-FWD-001's effective rule); configured forwarding is reported
	// and cleared either way, since a policy change would turn it on.
	blocked, allowed := "", false
	if fwd, err := exoExternalForwarding(c); err == nil {
		blocked = fwd.blockedBy()
		allowed = len(fwd.allow) > 0 && len(fwd.rdAllow) > 0
	} else {
		// They only say whether forwarding is delivered today; the
		// summary then says that could not be told.
		for _, ds := range []string{snapshot.DSExoOutboundSpamPolicy, snapshot.DSExoOutboundSpamRule, snapshot.DSExoRemoteDomain} {
			if !c.Info(ds).Status.HasData() {
				c.decidedWithout(ds)
			}
		}
	}
	sets, attacker := irForwardingSets(c, sc)
	// The audit log only dates and attributes a forwarding the mailbox
	// shows; without it the mailbox's own last change is used.
	for _, ds := range []string{snapshot.DSIncidentAuditLog, snapshot.DSExoAdminAuditLogConfig, snapshot.DSSignIns, snapshot.DSDirectoryAudits} {
		if !c.Info(ds).Status.HasData() {
			c.decidedWithout(ds)
		}
	}
	var out []Affected
	attributed, external, internal := 0, 0, 0
	for _, m := range boxes {
		fwdSMTP := strings.TrimSpace(m.ForwardingSmtpAddress)
		fwdAddr := strings.TrimSpace(m.ForwardingAddress)
		if fwdSMTP == "" && fwdAddr == "" {
			continue
		}
		incident := sc.isIncidentUser(m.ExternalDirectoryObjectID) || sc.isIncidentUser(m.UserPrincipalName) || sc.isIncidentUser(m.PrimarySmtpAddress)
		changed, changedOK := irParseExoTime(m.WhenChanged)
		var parts []string
		ext := false
		if fwdSMTP != "" {
			switch external, known := sc.isExternal(fwdSMTP); {
			case !known:
				ext = true // cannot be shown to be inside: judge as outside, but never attribute on this alone
				parts = append(parts, "forwards to "+irSMTP(fwdSMTP)+" (the tenant's domains were not collected)")
			case external:
				ext = true
				parts = append(parts, "forwards to "+irSMTP(fwdSMTP)+" (outside the tenant)")
			default:
				parts = append(parts, "forwards to "+irSMTP(fwdSMTP))
			}
		}
		if fwdAddr != "" {
			parts = append(parts, "forwards to recipient "+fwdAddr)
		}
		if ext && blocked != "" {
			parts = append(parts, "not delivered outside today (EXO-FWD-001): "+blocked)
		}
		if m.DeliverToMailboxAndForward.True() {
			parts = append(parts, "keeps a copy (the user sees nothing unusual)")
		} else if m.DeliverToMailboxAndForward.False() {
			parts = append(parts, "does not keep a copy")
		}
		a := Affected{Kind: "mailbox", ID: phrase.FirstOf(m.ExternalDirectoryObjectID, m.Identity), Name: m.Label(),
			Exchange: &ExchangeObject{Identity: phrase.FirstOf(m.UserPrincipalName, m.PrimarySmtpAddress, m.Identity)},
			User:     &UserRef{ID: m.ExternalDirectoryObjectID, UPN: m.UserPrincipalName}}
		if changedOK {
			a.Time = irTimePtr(changed)
			parts = append(parts, "mailbox last changed "+irTime(changed))
		}
		// The Set-Mailbox that set this forwarding, when the audit log has
		// it: its time, actor and address are when and by whom it was set.
		set, setOK := irForwardingSetFor(sets, m, fwdSMTP, fwdAddr)
		if setOK {
			a.AuditEvent = &set
			a.Time, a.Actor = irTimePtr(set.Time), set.Actor
			d := fmt.Sprintf("set %s (%s)", irTime(set.Time), set.Operation)
			if set.Actor != "" {
				d += " by " + set.Actor
			}
			if why, ok := attacker[set.IP]; ok {
				d += " " + irAttackerNote(set.IP, why)
			} else if set.IP != "" {
				d += " from " + set.IP
			}
			parts = append(parts, d)
		}
		// Attributed only when the mailbox of an incident user was changed
		// inside the window (by the audit log's Set-Mailbox, else by the
		// mailbox's last change); forwarding set before the window (or at
		// an unknown time) is reported for review, never removed.
		switch {
		case incident && setOK && sc.inWindow(set.Time):
			a.Attributed = true
			attributed++
		case incident && changedOK && sc.inWindow(changed):
			a.Attributed = true
			attributed++
		case incident:
			parts = append(parts, "not changed inside the incident window as far as the mailbox shows: review")
		}
		if ext {
			external++
		} else {
			internal++
		}
		a.Detail = strings.Join(parts, "; ")
		out = append(out, a)
	}
	switch {
	case attributed > 0 || external > 0:
		var sum string
		switch {
		case external == 0:
		case blocked != "":
			sum = fmt.Sprintf("%s %s forwarding outside the tenant configured, but it is not delivered today, as EXO-FWD-001 finds: %s.",
				phrase.Plural(external, "mailbox", "mailboxes"), irIf(external == 1, "has", "have"), blocked)
		case allowed:
			sum = fmt.Sprintf("%s %s mail outside the tenant: the outbound spam policy and a remote domain allow it (EXO-FWD-001).",
				phrase.Plural(external, "mailbox", "mailboxes"), irIf(external == 1, "forwards", "forward"))
		default:
			sum = fmt.Sprintf("%s %s forwarding outside the tenant configured; whether the outbound spam policies and remote domains let it through could not be told (EXO-FWD-001).",
				phrase.Plural(external, "mailbox", "mailboxes"), irIf(external == 1, "has", "have"))
		}
		if attributed > 0 {
			sum += fmt.Sprintf(" %s set on incident users' mailboxes inside the window — clear %s", phrase.Plural(attributed, "forwarding was", "forwardings were"), irIf(attributed == 1, "it", "them"))
			if blocked != "" {
				sum += ": a change to the outbound policy would let it through"
			}
			sum += "."
		}
		sum = strings.TrimSpace(sum)
		return Outcome{Status: StatusFail, Summary: sum, Affected: out}
	case internal > 0:
		return Outcome{Status: StatusWarn, Summary: fmt.Sprintf("%s forward mail inside the tenant; confirm each is intended.", phrase.Plural(internal, "mailbox", "mailboxes")), Affected: out}
	}
	return Outcome{Status: StatusPass, Summary: "No mailbox has forwarding configured.", Affected: out}
}

// irForwardingSet is a successful Set-Mailbox of the audit log inside the
// window that set forwarding.
type irForwardingSet struct {
	event    AuditEvent
	identity string // the cmdlet's Identity ("" = the actor's own mailbox)
	smtp     string // ForwardingSmtpAddress, without "smtp:"
	addr     string // ForwardingAddress
}

// irForwardingSets reads the Set-Mailbox events that set forwarding, and
// the addresses the sign-in checks tie to the attacker. Without the audit
// log (or with ingestion off) there are none: the mailbox's own last
// change is all there is.
func irForwardingSets(c *Context, sc *incidentScope) ([]irForwardingSet, map[string]string) {
	recs, err := c.IncidentAuditLog()
	if err != nil {
		return nil, nil
	}
	if _, off := irAuditIngestionOff(c); off {
		return nil, nil
	}
	var out []irForwardingSet
	for _, r := range recs {
		d := r.Data()
		if !strings.EqualFold(phrase.FirstOf(r.Operation, d.Operation), "Set-Mailbox") || !irAuditSucceeded(d) || !sc.inWindow(r.CreatedDateTime) {
			continue
		}
		smtp := strings.TrimSpace(d.Param("ForwardingSmtpAddress"))
		addr := strings.TrimSpace(d.Param("ForwardingAddress"))
		if smtp == "" && addr == "" {
			continue
		}
		if len(smtp) > 5 && strings.EqualFold(smtp[:5], "smtp:") {
			smtp = smtp[5:]
		}
		out = append(out, irForwardingSet{
			event:    AuditEvent{RecordID: r.ID, Operation: "Set-Mailbox", Time: r.CreatedDateTime.UTC(), Actor: irAuditActor(r, d), IP: r.IP()},
			identity: strings.TrimSpace(d.Param("Identity")), smtp: smtp, addr: addr})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].event.Time.Before(out[j].event.Time) })
	sis, _ := c.SignIns()
	return out, irAttackerAddresses(c, sc, sis)
}

// irForwardingSetFor is the last Set-Mailbox that set the mailbox's
// current forwarding: the cmdlet named this mailbox (or, without an
// Identity, the owner changed their own) and the value is the one the
// mailbox holds now.
func irForwardingSetFor(sets []irForwardingSet, m snapshot.Mailbox, smtp, addr string) (AuditEvent, bool) {
	smtp = strings.TrimSpace(smtp)
	if len(smtp) > 5 && strings.EqualFold(smtp[:5], "smtp:") {
		smtp = smtp[5:]
	}
	names := []string{m.UserPrincipalName, m.PrimarySmtpAddress, m.DisplayName, m.Name, m.Identity, m.ExternalDirectoryObjectID}
	for i := len(sets) - 1; i >= 0; i-- {
		s := sets[i]
		who := phrase.FirstOf(s.identity, s.event.Actor)
		if who == "" || !containsFold(names, who) {
			continue
		}
		if (s.smtp != "" && strings.EqualFold(s.smtp, smtp)) || (s.addr != "" && strings.EqualFold(s.addr, addr)) {
			return s.event, true
		}
	}
	return AuditEvent{}, false
}

// irParseExoTime parses an Exchange date (ISO 8601, or /Date(ms)/).
func irParseExoTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "1/2/2006 3:04:05 PM"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	if strings.HasPrefix(s, "/Date(") {
		var ms int64
		if _, err := fmt.Sscanf(strings.TrimPrefix(s, "/Date("), "%d", &ms); err == nil {
			return time.UnixMilli(ms).UTC(), true
		}
	}
	return time.Time{}, false
}
