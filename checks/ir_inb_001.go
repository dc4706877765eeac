package checks

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDIRInb001 is the ID of check IR-INB-001.
const IDIRInb001 = "IR-INB-001"

func irInb001() Check {
	return Check{Meta: Meta{ID: IDIRInb001, Title: "Inbox rules that forward, redirect, delete or hide mail", Category: categoryIncident, Severity: SeverityCritical, Incident: true,
		Rationale: "Attackers hide replies and security alerts with inbox rules (moving mail to RSS Feeds, deleting it, or forwarding it out) so the victim does not notice.",
		Datasets:  []string{snapshot.DSIncidentMessageRules}, AlsoReads: []string{snapshot.DSDomains, snapshot.DSIncidentMailFolders, snapshot.DSOrganization, snapshot.DSUsers,
			snapshot.DSIncidentAuditLog, snapshot.DSExoAdminAuditLogConfig, snapshot.DSSignIns, snapshot.DSDirectoryAudits},
		References: References{CIS: []string{"6.2.1"}, CISVersion: "v5.0.0", Other: []string{"Hawk Get-HawkUserInboxRule"}},
		Remediation: Remediation{Summary: "Remove the suspicious inbox rules (disable first to keep evidence).", Script: true,
			Steps: []string{"Remove-MgUserMailFolderMessageRule -UserId <id> -MailFolderId inbox -MessageRuleId <ruleId>"}}},
		Eval: evalIRInb001}
}

// evalIRInb001 is IR-INB-001.
func evalIRInb001(c *Context) Outcome {
	sc := newIncidentScope(c)
	rules, err := c.IncidentMessageRules()
	if err != nil {
		return Unknown(err)
	}
	folders, folderErr := c.IncidentMailFolders()
	if folderErr != nil {
		// A rule moving mail to a folder that cannot be named is a doubt
		// (review), never ordinary: irRuleReasons.
		c.decidedWithout(snapshot.DSIncidentMailFolders)
	}
	// What the audit log says about the listed rules (when they were
	// created or changed, by whom, from which address): the same trails
	// IR-INB-002 builds, matched by mailbox and rule name.
	// The verdict is the rules' own: without these datasets the rules are
	// judged the same, only undated.
	var trails map[string]*irRuleTrail
	if recs, err := c.IncidentAuditLog(); err == nil {
		if _, off := irAuditIngestionOff(c); !off {
			sis, _ := c.SignIns()
			trails, _ = irRuleTrails(sc, recs, irAttackerAddresses(c, sc, sis))
		}
	}
	for _, id := range []string{snapshot.DSIncidentAuditLog, snapshot.DSExoAdminAuditLogConfig, snapshot.DSSignIns, snapshot.DSDirectoryAudits} {
		if !c.Info(id).Status.HasData() {
			c.decidedWithout(id)
		}
	}
	var out []Affected
	suspicious, uncertain, ordinary := 0, 0, 0
	for _, uid := range sc.incidentUserIDs() {
		names := map[string]snapshot.MailFolder{}
		userFolders, foldersKnown := folders[uid]
		for _, f := range userFolders {
			names[f.ID] = f
		}
		for _, r := range rules[uid] {
			reasons, doubts := irRuleReasons(r, names, foldersKnown, sc)
			a := Affected{Kind: "inboxRule", ID: r.ID, Name: sc.userName(uid) + ": rule " + irQuoteName(r.DisplayName),
				InboxRule: &InboxRuleEvidence{UserID: uid, ID: r.ID, Name: r.DisplayName}, User: sc.userRef(uid)}
			state := ""
			if !r.IsEnabled {
				state = " (disabled)"
			}
			switch {
			case len(reasons) > 0:
				a.Attributed = true
				a.Detail = "suspicious" + state + ": " + strings.Join(reasons, "; ")
				suspicious++
			case len(doubts) > 0:
				a.Detail = "review" + state + ": " + strings.Join(doubts, "; ")
				uncertain++
			default:
				a.Detail = "ordinary rule" + state + ": " + irRuleActions(r, names)
				ordinary++
			}
			if t := trails[irRuleTrailKey(uid, r.DisplayName)]; t != nil {
				irAttachTrail(&a, t)
			}
			out = append(out, a)
		}
	}
	switch {
	case suspicious > 0:
		sum := fmt.Sprintf("%s on incident users' mailboxes %s mail — remove %s (keep a copy as evidence first).",
			phrase.Plural(suspicious, "inbox rule", "inbox rules"), irIf(suspicious == 1, "forwards, deletes or hides", "forward, delete or hide"), irIf(suspicious == 1, "it", "them"))
		if uncertain > 0 {
			sum += fmt.Sprintf(" %s could not be judged: review.", phrase.Plural(uncertain, "rule", "rules"))
		}
		if ordinary > 0 {
			sum += fmt.Sprintf(" %s ordinary.", phrase.Plural(ordinary, "other rule looks", "other rules look"))
		}
		return sc.unresolvedOutcome(Outcome{Status: StatusFail, Summary: sum, Affected: out})
	case uncertain > 0:
		return sc.unresolvedOutcome(Outcome{Status: StatusWarn, Summary: fmt.Sprintf("%s on incident users' mailboxes could not be judged (a target folder or the tenant's domains are unknown); review them.", phrase.Plural(uncertain, "inbox rule", "inbox rules")), Affected: out})
	}
	return sc.unresolvedOutcome(Outcome{Status: StatusPass, Summary: fmt.Sprintf("No suspicious inbox rule on the incident users' mailboxes (%s reviewed). Rules created and deleted again are not visible here.",
		phrase.Plural(ordinary, "ordinary rule", "ordinary rules")), Affected: out})
}

// irHiddenFolders are folders users do not look at: mail moved there is
// hidden from them (docs/semantics.md, incident checks).
var irHiddenFolders = map[string]bool{
	"rss feeds": true, "rss subscriptions": true, "conversation history": true,
	"archive": true, "deleted items": true, "junk email": true,
	// well-known names
	"conversationhistory": true, "deleteditems": true, "junkemail": true,
}

// irRuleReasons says why a rule is suspicious (reasons), or why it cannot
// be judged (doubts: a target folder or the tenant's domains unknown). Both
// empty means an ordinary rule.
func irRuleReasons(r snapshot.MessageRule, folders map[string]snapshot.MailFolder, foldersKnown bool, sc *incidentScope) (reasons, doubts []string) {
	if r.Actions != nil {
		act := r.Actions
		for _, set := range []struct {
			verb string
			to   []snapshot.Recipient
		}{{"forwards to", act.ForwardTo}, {"forwards as attachment to", act.ForwardAsAttachmentTo}, {"redirects to", act.RedirectTo}} {
			var ext, unsure []string
			for _, rc := range set.to {
				switch external, known := sc.isExternal(rc.EmailAddress.Address); {
				case !known:
					unsure = append(unsure, rc.EmailAddress.Address)
				case external:
					ext = append(ext, rc.EmailAddress.Address)
				}
			}
			if len(ext) > 0 {
				reasons = append(reasons, set.verb+" "+strings.Join(ext, ", ")+" (outside the tenant)")
			}
			if len(unsure) > 0 {
				doubts = append(doubts, set.verb+" "+strings.Join(unsure, ", ")+" (the tenant's domains were not collected, so inside or outside is unknown)")
			}
		}
		if act.PermanentDelete {
			reasons = append(reasons, "permanently deletes mail")
		} else if act.Delete {
			reasons = append(reasons, "deletes mail")
		}
		if act.MoveToFolder != "" {
			name, hidden, known := irFolder(act.MoveToFolder, folders)
			switch {
			case hidden:
				r := "moves mail to " + irQuoteName(name)
				if act.MarkAsRead {
					r += " and marks it read"
				}
				reasons = append(reasons, r+" (a folder users do not look at)")
			case !known && !foldersKnown:
				doubts = append(doubts, "moves mail"+irIf(act.MarkAsRead, " and marks it read", "")+" to a folder whose name is unknown (the mailbox's folders were not collected)")
			case !known:
				doubts = append(doubts, "moves mail"+irIf(act.MarkAsRead, " and marks it read", "")+" to a folder not among the mailbox's listed folders")
			}
		}
	}
	if irOnlyPunctuation(r.DisplayName) {
		reasons = append(reasons, "name is only punctuation ("+irQuoteName(r.DisplayName)+")")
	}
	if cond := irRuleConditions(r); cond != "" && len(reasons)+len(doubts) > 0 {
		if len(reasons) > 0 {
			reasons = append(reasons, "when "+cond)
		} else {
			doubts = append(doubts, "when "+cond)
		}
	}
	return reasons, doubts
}

func irFolder(id string, folders map[string]snapshot.MailFolder) (name string, hidden, known bool) {
	f, ok := folders[id]
	if !ok {
		return id, false, false
	}
	name = phrase.FirstOf(f.DisplayName, f.WellKnownName, id)
	return name, irHiddenFolders[strings.ToLower(f.DisplayName)] || irHiddenFolders[strings.ToLower(f.WellKnownName)], true
}

func irRuleConditions(r snapshot.MessageRule) string {
	if r.Conditions == nil {
		return ""
	}
	var parts []string
	add := func(what string, v []string) {
		if len(v) > 0 {
			parts = append(parts, what+" "+strings.Join(v, ", "))
		}
	}
	add("subject or body contains", r.Conditions.BodyOrSubjectContains)
	add("subject contains", r.Conditions.SubjectContains)
	add("body contains", r.Conditions.BodyContains)
	add("sender contains", r.Conditions.SenderContains)
	return strings.Join(parts, "; ")
}

func irRuleActions(r snapshot.MessageRule, folders map[string]snapshot.MailFolder) string {
	if r.Actions == nil {
		return "no actions"
	}
	var parts []string
	if r.Actions.MoveToFolder != "" {
		name, _, _ := irFolder(r.Actions.MoveToFolder, folders)
		parts = append(parts, "moves mail to "+irQuoteName(name))
	}
	if r.Actions.CopyToFolder != "" {
		name, _, _ := irFolder(r.Actions.CopyToFolder, folders)
		parts = append(parts, "copies mail to "+irQuoteName(name))
	}
	for _, rc := range append(append(append([]snapshot.Recipient{}, r.Actions.ForwardTo...), r.Actions.ForwardAsAttachmentTo...), r.Actions.RedirectTo...) {
		parts = append(parts, "forwards to "+rc.EmailAddress.Address+" (inside the tenant)")
	}
	if r.Actions.MarkAsRead {
		parts = append(parts, "marks read")
	}
	if len(parts) == 0 {
		return "no forwarding, deleting or hiding"
	}
	return strings.Join(parts, ", ")
}

func irOnlyPunctuation(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return true
	}
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

func irQuoteName(s string) string { return "“" + s + "”" }

// irAttachTrail adds to a listed rule what the audit log says about it: the
// typed history (its events with actor and client address), the time and
// actor of its first event, and that event in the detail, with the
// attacker's address named when it was one. The verdict and the
// attribution stay the rule's own (what it does).
func irAttachTrail(a *Affected, t *irRuleTrail) {
	if len(t.hist.Events) == 0 {
		return
	}
	hist := t.hist
	hist.Exists = true
	hist.Events = append([]AuditEvent(nil), t.hist.Events...)
	a.RuleHistory = &hist
	first := hist.Events[0]
	a.Time = irTimePtr(first.Time)
	a.Actor = first.Actor
	verb := "changed"
	if hist.Created != nil && hist.Created.Equal(first.Time) {
		verb = "created"
	}
	d := fmt.Sprintf("%s %s (%s)", verb, irTime(first.Time), first.Operation)
	if first.Actor != "" {
		d += " by " + first.Actor
	}
	switch why, ok := t.attackerIP[first.IP]; {
	case ok:
		d += " " + irAttackerNote(first.IP, why)
	case first.IP != "":
		d += " from " + first.IP
	}
	a.Detail += "; " + d
}
