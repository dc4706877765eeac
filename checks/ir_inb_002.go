package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDIRInb002 is the ID of check IR-INB-002.
const IDIRInb002 = "IR-INB-002"

func irInb002() Check {
	return Check{Meta: Meta{ID: IDIRInb002, Title: "Inbox rules created, changed or deleted in the window (audit log), and hidden rules", Category: categoryIncident, Severity: SeverityCritical, Incident: true,
		Rationale: "Attackers create a rule that hides replies and bounces while they mass-mail, then delete it, or hide it from Outlook and Graph: the rules that still show are not the whole story.",
		Datasets:  []string{snapshot.DSIncidentAuditLog},
		AlsoReads: []string{snapshot.DSExoAdminAuditLogConfig, snapshot.DSIncidentInboxRules, snapshot.DSIncidentMessageRules,
			snapshot.DSSignIns, snapshot.DSDirectoryAudits, snapshot.DSDomains, snapshot.DSOrganization, snapshot.DSUsers},
		References: References{Other: []string{"Hawk Get-HawkUserInboxRule / Search-UnifiedAuditLog New-InboxRule, Set-InboxRule, UpdateInboxRules", "CIPP-API PR #2127"}},
		Remediation: Remediation{Summary: "Remove the attacker's rules that still exist (hidden ones only with Remove-InboxRule); keep the deleted ones as evidence of what the attacker hid.", Script: true,
			Steps: []string{"Remove-InboxRule -Mailbox <upn> -Identity <RuleIdentity> -Confirm:$false", "Review the messages the rule moved or deleted (Recoverable Items)"}}},
		Eval: evalIRInb002}
}

// irRuleTrail is what the audit log says about one rule of one mailbox.
type irRuleTrail struct {
	uid, name  string
	hist       RuleHistory
	reasons    []string
	attackerIP map[string]string
	byIncident bool
}

// evalIRInb002 is IR-INB-002.
func evalIRInb002(c *Context) Outcome {
	sc := newIncidentScope(c)
	recs, err := c.IncidentAuditLog()
	if err != nil {
		return Unknown(err)
	}
	if o, off := irAuditIngestionOff(c); off {
		return o
	}
	sis, sisErr := c.SignIns()
	attacker := irAttackerAddresses(c, sc, sis)
	gap, noSignIns := irAddressGap(c, sisErr)
	exoRules, exoErr := c.IncidentInboxRules()
	graphRules, graphErr := c.IncidentMessageRules()

	trails, keys := irRuleTrails(sc, recs, attacker)

	// What still exists: Exchange's view (hidden rules included) and Graph's.
	graphIDs := map[string]map[string]bool{}
	graphNames := map[string]map[string]bool{}
	for uid, rules := range graphRules {
		graphIDs[uid], graphNames[uid] = map[string]bool{}, map[string]bool{}
		for _, gr := range rules {
			if n, ok := irGraphRuleIdentity(gr.ID); ok {
				graphIDs[uid][n] = true
			}
			graphNames[uid][strings.ToLower(gr.DisplayName)] = true
		}
	}
	existsKnown := exoErr == nil || graphErr == nil
	var out []Affected
	attributed, review, gone, visible := 0, 0, 0, 0
	seenExo := map[string]bool{}
	for _, key := range keys {
		t := trails[key]
		if exoErr == nil {
			for _, er := range exoRules[t.uid] {
				if strings.EqualFold(er.Name, t.name) {
					t.hist.Exists, t.hist.Identity = true, er.RuleIdentity
					t.hist.Hidden = graphErr == nil && er.RuleIdentity != "" && !graphIDs[t.uid][er.RuleIdentity]
					seenExo[t.uid+"\x00"+er.RuleIdentity] = true
				}
			}
		}
		if !t.hist.Exists && graphErr == nil && graphNames[t.uid][strings.ToLower(t.name)] {
			t.hist.Exists = true
		}
		createdAndRemoved := t.hist.Created != nil && t.hist.Removed != nil
		if graphErr == nil && t.hist.Exists && !t.hist.Hidden && t.hist.Removed == nil {
			// Still in Graph's rule list: IR-INB-001 judges (and contains) it.
			visible++
			continue
		}
		a := Affected{Kind: "inboxRule", ID: phrase.FirstOf(t.hist.Identity, t.hist.Mailbox+"\\"+t.name), Name: sc.userName(t.uid) + ": rule " + irQuoteName(t.name),
			Time: irTimePtr(t.hist.Events[0].Time), Actor: t.hist.Events[0].Actor,
			User: &UserRef{ID: t.uid, UPN: t.hist.Mailbox}, InboxRule: &InboxRuleEvidence{UserID: t.uid, ID: t.hist.Identity, Name: t.name}}
		hist := t.hist
		hist.ExistsUnknown = !hist.Exists && !existsKnown
		a.RuleHistory = &hist
		var why []string
		why = append(why, irDedup(t.reasons)...)
		ips := make([]string, 0, len(t.attackerIP))
		for ip := range t.attackerIP {
			ips = append(ips, ip)
		}
		sort.Strings(ips)
		for _, ip := range ips {
			why = append(why, irAttackerNote(ip, t.attackerIP[ip]))
		}
		if createdAndRemoved {
			why = append(why, "created and deleted again inside the window")
		}
		if t.hist.Hidden {
			why = append(why, "hidden from Outlook and Graph")
		}
		a.Attributed = t.byIncident && (len(t.reasons) > 0 || len(t.attackerIP) > 0 || createdAndRemoved || t.hist.Hidden)
		state := irRuleStateText(t.hist, existsKnown)
		if !t.hist.Exists && existsKnown {
			gone++
		}
		if a.Attributed {
			attributed++
			a.Detail = "attacker's rule: " + state + "; " + strings.Join(why, "; ")
		} else {
			review++
			a.Detail = "review: " + state + irIf(len(why) > 0, "; "+strings.Join(why, "; "), "; changed by "+a.Actor+" from an address not linked to the attacker")
		}
		out = append(out, a)
	}

	// Hidden rules with no event in the window still hide mail today.
	if exoErr == nil && graphErr == nil {
		for _, uid := range sc.incidentUserIDs() {
			for _, er := range exoRules[uid] {
				if seenExo[uid+"\x00"+er.RuleIdentity] || graphIDs[uid][er.RuleIdentity] || irSystemRule(er.Name) {
					continue
				}
				reasons := irRuleSettingReasons(sc, er.Name, irAddressList(append(append(er.ForwardTo, er.RedirectTo...), er.ForwardAsAttachmentTo...)...),
					er.DeleteMessage.True() || er.SoftDeleteMessage.True(), er.MoveToFolder, er.MarkAsRead.True())
				hist := RuleHistory{Exists: true, Hidden: true, Identity: er.RuleIdentity, Mailbox: sc.users[uid].UserPrincipalName}
				a := Affected{Kind: "inboxRule", ID: phrase.FirstOf(er.RuleIdentity, er.Identity), Name: sc.userName(uid) + ": hidden rule " + irQuoteName(er.Name),
					User: &UserRef{ID: uid, UPN: hist.Mailbox}, InboxRule: &InboxRuleEvidence{UserID: uid, ID: er.RuleIdentity, Name: er.Name}, RuleHistory: &hist}
				if len(reasons) > 0 {
					a.Attributed = true
					attributed++
					a.Detail = "hidden rule (not in Outlook or Graph), still in the mailbox: " + strings.Join(reasons, "; ") + "; no event in the window, so when it was made is unknown"
				} else {
					review++
					a.Detail = "hidden rule (not in Outlook or Graph), still in the mailbox: review what it does"
				}
				out = append(out, a)
			}
		}
	}
	note := irWindowNote(c, snapshot.DSIncidentAuditLog)
	if visible > 0 {
		note += fmt.Sprintf(" The audit log also shows %s still listed in the mailbox being created or changed in the window; IR-INB-001 judges %s.",
			phrase.Plural(visible, "rule", "rules"), irIf(visible == 1, "it", "them"))
	}
	if exoErr != nil {
		note += " Hidden rules were not checked: " + exoNotCollected(c, snapshot.DSIncidentInboxRules) + "."
	} else if graphErr != nil {
		note += " Whether a rule is hidden from Outlook and Graph was not checked: " + exoNotCollected(c, snapshot.DSIncidentMessageRules) + "."
	}
	note += gap
	switch {
	case attributed > 0:
		sum := fmt.Sprintf("%s by the attacker that the mailbox's rule list does not show %s", phrase.Plural(attributed, "inbox rule", "inbox rules"), sc.window())
		if gone > 0 {
			sum += fmt.Sprintf(" (%s no longer in the mailbox: evidence of what was hidden)", phrase.Plural(gone, "rule is", "rules are"))
		}
		sum += " — remove those that still exist."
		if review > 0 {
			sum += fmt.Sprintf(" %s to review.", phrase.Plural(review, "other rule change", "other rule changes"))
		}
		return sc.unresolvedOutcome(Outcome{Status: StatusFail, Summary: sum + note, Affected: out})
	case review > 0:
		return sc.unresolvedOutcome(Outcome{Status: StatusWarn, Summary: fmt.Sprintf("%s on the incident users' mailboxes %s, none linked to the attacker: review.%s",
			phrase.Plural(review, "inbox rule change", "inbox rule changes"), sc.window(), note), Affected: out})
	}
	if exoErr != nil || graphErr != nil || noSignIns {
		return sc.unresolvedOutcome(notConclusive(Outcome{Status: StatusPass, Summary: fmt.Sprintf("The audit log shows no inbox rule deleted again on the incident users' mailboxes %s.%s", sc.window(), note), Affected: out}, ""))
	}
	return sc.unresolvedOutcome(Outcome{Status: StatusPass, Summary: fmt.Sprintf("The audit log shows no inbox rule deleted again on the incident users' mailboxes %s, and there is no hidden rule.%s", sc.window(), note), Affected: out})
}

// irRuleTrails groups the successful inbox-rule events of the audit log
// inside the window by mailbox and rule name (key: user id, NUL, lower-case
// name), in the order the rules first appear.
func irRuleTrails(sc *incidentScope, recs []snapshot.AuditLogRecord, attacker map[string]string) (map[string]*irRuleTrail, []string) {
	recs = append([]snapshot.AuditLogRecord(nil), recs...)
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].CreatedDateTime.Before(recs[j].CreatedDateTime) })
	trails := map[string]*irRuleTrail{}
	var keys []string
	for _, r := range recs {
		d := r.Data()
		kind := irRuleEventKind(r.Operation, d)
		if kind == "" || !sc.inWindow(r.CreatedDateTime) || !irAuditSucceeded(d) {
			continue
		}
		uid, ok := irAuditMailboxOwner(sc, r, d)
		if !ok {
			continue
		}
		name := irAuditRuleName(d)
		key := irRuleTrailKey(uid, name)
		t := trails[key]
		if t == nil {
			t = &irRuleTrail{uid: uid, name: name, attackerIP: map[string]string{}}
			t.hist.Mailbox = sc.users[uid].UserPrincipalName
			trails[key] = t
			keys = append(keys, key)
		}
		at := r.CreatedDateTime.UTC()
		actor, ip := irAuditActor(r, d), r.IP()
		t.hist.Events = append(t.hist.Events, AuditEvent{RecordID: r.ID, Operation: irRuleOperation(r.Operation, d), Time: at, Actor: actor, IP: ip})
		switch kind {
		case "create":
			if t.hist.Created == nil {
				t.hist.Created = irTimePtr(at)
			}
		case "remove":
			t.hist.Removed = irTimePtr(at)
		default:
			t.hist.Changed = append(t.hist.Changed, at)
		}
		if sc.isIncidentUser(actor) {
			t.byIncident = true
		}
		if why, ok := attacker[ip]; ok {
			t.attackerIP[ip] = why
		}
		t.reasons = append(t.reasons, irAuditRuleReasons(sc, name, d)...)
	}

	return trails, keys
}

// irRuleTrailKey is the key of irRuleTrails for a rule of a mailbox.
func irRuleTrailKey(uid, name string) string { return uid + "\x00" + strings.ToLower(name) }

// irRuleEventKind classifies an audit record: create, change, remove, or
// "" for records that are not about inbox rules.
func irRuleEventKind(op string, d snapshot.AuditData) string {
	switch strings.ToLower(op) {
	case "new-inboxrule":
		return "create"
	case "set-inboxrule", "enable-inboxrule", "disable-inboxrule":
		return "change"
	case "remove-inboxrule":
		return "remove"
	case "updateinboxrules":
		switch strings.ToLower(d.Property("RuleOperation")) {
		case "addmailboxrule":
			return "create"
		case "removemailboxrule":
			return "remove"
		}
		return "change"
	}
	return ""
}

// irRuleOperation names an event for the timeline.
func irRuleOperation(op string, d snapshot.AuditData) string {
	if ro := d.Property("RuleOperation"); ro != "" && strings.EqualFold(op, "UpdateInboxRules") {
		return op + " (" + ro + ")"
	}
	return op
}

// irAuditRuleName is the rule a record is about: the Name parameter, the
// RuleName property, else the last part of the Identity parameter or the
// object id ("Adele Vance\ndr").
func irAuditRuleName(d snapshot.AuditData) string {
	if n := phrase.FirstOf(d.Param("Name"), d.Property("RuleName")); n != "" {
		return n
	}
	for _, v := range []string{d.Param("Identity"), d.ObjectID} {
		if i := strings.LastIndex(v, `\`); i >= 0 && i+1 < len(v) {
			return v[i+1:]
		}
		if v != "" {
			return v
		}
	}
	return "(unnamed rule)"
}

// irRuleStateText says when a rule was created, changed and removed, and
// whether it still exists.
func irRuleStateText(h RuleHistory, existsKnown bool) string {
	var parts []string
	if h.Created != nil {
		parts = append(parts, "created "+irTime(*h.Created))
	}
	for _, t := range h.Changed {
		parts = append(parts, "changed "+irTime(t))
	}
	if h.Removed != nil {
		parts = append(parts, "deleted "+irTime(*h.Removed))
	}
	switch {
	case !existsKnown:
		parts = append(parts, "whether it still exists is unknown (no rule list collected)")
	case h.Exists:
		parts = append(parts, "still in the mailbox")
	default:
		parts = append(parts, "no longer in the mailbox")
	}
	return strings.Join(parts, ", ")
}

// irSystemRule reports Exchange's own hidden rules.
func irSystemRule(name string) bool {
	return strings.EqualFold(strings.TrimSpace(name), "Junk E-Mail Rule")
}

// exoNotCollected describes why a dataset holds no data.
func exoNotCollected(c *Context, id string) string {
	return fmt.Sprintf("dataset %s was not collected (%s)", id, c.Info(id).Describe())
}
