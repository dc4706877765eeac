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
	folders, folderErr := c.Snap.IncidentMailFolders()
	var out []Affected
	suspicious, ordinary := 0, 0
	for _, uid := range sc.incidentUserIDs() {
		names := map[string]snapshot.MailFolder{}
		for _, f := range folders[uid] {
			names[f.ID] = f
		}
		for _, r := range rules[uid] {
			reasons := irRuleReasons(r, names, folderErr == nil, sc)
			a := Affected{Kind: "inboxRule", ID: r.ID, Name: sc.userName(uid) + ": rule " + irQuoteName(r.DisplayName),
				Extra: map[string]string{"userId": uid, "ruleId": r.ID, "ruleName": r.DisplayName}}
			state := ""
			if !r.IsEnabled {
				state = " (disabled)"
			}
			if len(reasons) > 0 {
				a.Attributed = true
				a.Detail = "suspicious" + state + ": " + strings.Join(reasons, "; ")
				suspicious++
			} else {
				a.Detail = "ordinary rule" + state + ": " + irRuleActions(r, names)
				ordinary++
			}
			out = append(out, a)
		}
	}
	if suspicious > 0 {
		return Outcome{Status: StatusFail, Summary: fmt.Sprintf("%s on incident users' mailboxes forward, delete or hide mail — remove them (keep a copy as evidence first); %s look ordinary.",
			irPlural(suspicious, "inbox rule", "inbox rules"), irPlural(ordinary, "other rule", "other rules")), Affected: out}
	}
	if len(sc.users) == 0 {
		return Outcome{Status: StatusUnknown, Summary: "No incident user could be resolved, so no mailbox was examined." + sc.unresolvedNote()}
	}
	return Outcome{Status: StatusPass, Summary: fmt.Sprintf("No suspicious inbox rule on the incident users' mailboxes (%s reviewed). Rules created and deleted again are not visible here.%s",
		irPlural(ordinary, "ordinary rule", "ordinary rules"), sc.unresolvedNote()), Affected: out}
}

// irRuleReasons says why a rule is suspicious (empty when it is not).
func irRuleReasons(r snapshot.MessageRule, folders map[string]snapshot.MailFolder, foldersKnown bool, sc *incidentScope) []string {
	var reasons []string
	if r.Actions != nil {
		act := r.Actions
		for _, set := range []struct {
			verb string
			to   []snapshot.Recipient
		}{{"forwards to", act.ForwardTo}, {"forwards as attachment to", act.ForwardAsAttachmentTo}, {"redirects to", act.RedirectTo}} {
			var ext []string
			for _, rc := range set.to {
				if sc.isExternal(rc.EmailAddress.Address) {
					ext = append(ext, rc.EmailAddress.Address)
				}
			}
			if len(ext) > 0 {
				reasons = append(reasons, set.verb+" "+strings.Join(ext, ", ")+" (outside the tenant)")
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
			case !known && (act.MarkAsRead || !foldersKnown):
				reasons = append(reasons, "moves mail to an unresolved folder"+irIf(act.MarkAsRead, " and marks it read", ""))
			}
		}
	}
	if irOnlyPunctuation(r.DisplayName) {
		reasons = append(reasons, "name is only punctuation ("+irQuoteName(r.DisplayName)+")")
	}
	if cond := irRuleConditions(r); cond != "" && len(reasons) > 0 {
		reasons = append(reasons, "when "+cond)
	}
	return reasons
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
			if sc.isExternal(fwdSMTP) {
				ext = true
				parts = append(parts, "forwards to "+strings.TrimPrefix(strings.TrimPrefix(fwdSMTP, "smtp:"), "SMTP:")+" (outside the tenant)")
			} else {
				parts = append(parts, "forwards to "+fwdSMTP)
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
		if incident && (ext || (changedOK && sc.inWindow(changed))) {
			a.Attributed = true
			attributed++
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
		return Outcome{Status: StatusFail, Summary: fmt.Sprintf("%s forward mail outside the tenant and %s on incident users' mailboxes; clear the forwarding.",
			irPlural(external, "mailbox", "mailboxes"), irPlural(attributed, "forwarding is", "forwardings are")), Affected: out}
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
		return Outcome{Status: StatusWarn, Summary: fmt.Sprintf("%s on incident users' mailboxes to review (FullAccess, SendAs, SendOnBehalf).", irPlural(len(out), "delegation", "delegations")), Affected: out}
	}
	return Outcome{Status: StatusPass, Summary: "No delegation on the incident users' mailboxes beyond the owner." + sc.unresolvedNote(), Affected: out}
}
