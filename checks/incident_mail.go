package checks

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// irHiddenFolders are folders users do not look at: mail moved there is
// hidden from them (check-semantics.md, incident checks).
var irHiddenFolders = map[string]bool{
	"rss feeds": true, "rss subscriptions": true, "conversation history": true,
	"archive": true, "deleted items": true, "junk email": true,
	// well-known names
	"conversationhistory": true, "deleteditems": true, "junkemail": true,
}

// irInboxRules is IR-INB-001.
func irInboxRules(c *Context) Outcome {
	sc := newIncidentScope(c)
	rules, err := c.Snap.IncidentMessageRules()
	if err != nil {
		return Unknown(err)
	}
	folders, _ := c.Snap.IncidentMailFolders()
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
				Extra: map[string]string{"userId": uid, "ruleId": r.ID, "ruleName": r.DisplayName}}
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
			out = append(out, a)
		}
	}
	switch {
	case suspicious > 0:
		sum := fmt.Sprintf("%s on incident users' mailboxes %s mail — remove %s (keep a copy as evidence first).",
			irPlural(suspicious, "inbox rule", "inbox rules"), irIf(suspicious == 1, "forwards, deletes or hides", "forward, delete or hide"), irIf(suspicious == 1, "it", "them"))
		if uncertain > 0 {
			sum += fmt.Sprintf(" %s could not be judged: review.", irPlural(uncertain, "rule", "rules"))
		}
		if ordinary > 0 {
			sum += fmt.Sprintf(" %s ordinary.", irPlural(ordinary, "other rule looks", "other rules look"))
		}
		return sc.unresolvedOutcome(Outcome{Status: StatusFail, Summary: sum, Affected: out})
	case uncertain > 0:
		return sc.unresolvedOutcome(Outcome{Status: StatusWarn, Summary: fmt.Sprintf("%s on incident users' mailboxes could not be judged (a target folder or the tenant's domains are unknown); review them.", irPlural(uncertain, "inbox rule", "inbox rules")), Affected: out})
	}
	return sc.unresolvedOutcome(Outcome{Status: StatusPass, Summary: fmt.Sprintf("No suspicious inbox rule on the incident users' mailboxes (%s reviewed). Rules created and deleted again are not visible here.",
		irPlural(ordinary, "ordinary rule", "ordinary rules")), Affected: out})
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
	name = irFirst(f.DisplayName, f.WellKnownName, id)
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

func irIf(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// irMailboxForwarding is IR-MBX-001.
func irMailboxForwarding(c *Context) Outcome {
	sc := newIncidentScope(c)
	boxes, err := c.Snap.Mailboxes()
	if err != nil {
		return Unknown(err)
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
		if m.DeliverToMailboxAndForward.True() {
			parts = append(parts, "keeps a copy (the user sees nothing unusual)")
		} else if m.DeliverToMailboxAndForward.False() {
			parts = append(parts, "does not keep a copy")
		}
		a := Affected{Kind: "mailbox", ID: irFirst(m.ExternalDirectoryObjectID, m.Identity), Name: m.Label(),
			Extra: map[string]string{"identity": irFirst(m.UserPrincipalName, m.PrimarySmtpAddress, m.Identity)}}
		if changedOK {
			a.Time = irTimePtr(changed)
			parts = append(parts, "mailbox last changed "+irTime(changed))
		}
		// Attributed only when the mailbox of an incident user was changed
		// inside the window; forwarding set before the window (or at an
		// unknown time) is reported for review, never removed.
		switch {
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
		sum := fmt.Sprintf("%s %s mail outside the tenant.", irPlural(external, "mailbox", "mailboxes"), irIf(external == 1, "forwards", "forward"))
		if attributed > 0 {
			sum += fmt.Sprintf(" %s set on incident users' mailboxes inside the window — clear %s.", irPlural(attributed, "forwarding was", "forwardings were"), irIf(attributed == 1, "it", "them"))
		}
		return Outcome{Status: StatusFail, Summary: sum, Affected: out}
	case internal > 0:
		return Outcome{Status: StatusWarn, Summary: fmt.Sprintf("%s forward mail inside the tenant; confirm each is intended.", irPlural(internal, "mailbox", "mailboxes")), Affected: out}
	}
	return Outcome{Status: StatusPass, Summary: "No mailbox has forwarding configured.", Affected: out}
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

// irMailboxDelegation is IR-MBX-002.
func irMailboxDelegation(c *Context) Outcome {
	sc := newIncidentScope(c)
	perms, err := c.Snap.IncidentMailboxPermissions()
	if err != nil {
		return Unknown(err)
	}
	var out []Affected
	for _, uid := range sc.incidentUserIDs() {
		for _, p := range perms[uid] {
			user := strings.TrimSpace(p.User)
			if p.IsInherited.True() || p.Deny.True() || strings.EqualFold(user, `NT AUTHORITY\SELF`) || strings.HasPrefix(strings.ToUpper(user), "S-1-5-") {
				continue
			}
			out = append(out, Affected{Kind: "mailboxPermission", ID: uid + "/" + user, Name: sc.userName(uid) + " → " + user,
				Detail: "holds " + strings.Join(p.AccessRights, ", ") + " on the mailbox (no grant time available): confirm it is intended"})
		}
	}
	if boxes, err := c.Snap.Mailboxes(); err == nil {
		for _, m := range boxes {
			if !sc.isIncidentUser(m.ExternalDirectoryObjectID) && !sc.isIncidentUser(m.UserPrincipalName) {
				continue
			}
			for _, d := range m.GrantSendOnBehalfTo {
				out = append(out, Affected{Kind: "mailboxPermission", ID: m.ExternalDirectoryObjectID + "/sendonbehalf/" + d, Name: m.Label() + " → " + d,
					Detail: "may send on behalf of the mailbox: confirm it is intended"})
			}
		}
	}
	if len(out) > 0 {
		return sc.unresolvedOutcome(Outcome{Status: StatusWarn, Summary: fmt.Sprintf("%s on incident users' mailboxes to review (FullAccess, SendAs, SendOnBehalf).", irPlural(len(out), "delegation", "delegations")), Affected: out})
	}
	return sc.unresolvedOutcome(Outcome{Status: StatusPass, Summary: "No delegation on the incident users' mailboxes beyond the owner.", Affected: out})
}
