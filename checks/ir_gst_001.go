package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDIRGst001 is the ID of check IR-GST-001.
const IDIRGst001 = "IR-GST-001"

func irGst001() Check {
	return Check{Meta: Meta{ID: IDIRGst001, Title: "Identities created since incident start (guests with their inviter, and new members)", Category: categoryIncident, Severity: SeverityCritical, Incident: true,
		Rationale: "A phished account is used to invite the victim's address book as guests, giving the attacker a foothold and a trusted-looking sender list.",
		Datasets:  []string{snapshot.DSUsers}, AlsoReads: []string{snapshot.DSDirectoryAudits, snapshot.DSDomains, snapshot.DSGuestInviters, snapshot.DSOrganization},
		References: References{Other: []string{"Entra audit: Invite external user", "Prevention: ENTRA-EXT-001"}},
		Remediation: Remediation{Summary: "Disable, then remove, the guests the incident user invited in the window; review the others.", Script: true,
			Steps: []string{"Update-MgUser -UserId <id> -AccountEnabled:$false", "Remove-MgUser -UserId <id> (soft delete, restorable for 30 days)"}}},
		Eval: evalIRGst001}
}

// evalIRGst001 is IR-GST-001: identities created since the incident
// start, with their inviter.
func evalIRGst001(c *Context) Outcome {
	sc := newIncidentScope(c)
	users, err := c.Users()
	if err != nil {
		return Unknown(err)
	}
	inviters, invErr := c.GuestInviters()
	audits, auditErr := c.DirectoryAudits()
	if auditErr != nil {
		// Users created in the window come from the users' own creation
		// time; the audit log and invitedBy only name who created them.
		c.decidedWithout(snapshot.DSDirectoryAudits)
	}
	if invErr != nil {
		c.decidedWithout(snapshot.DSGuestInviters)
	}
	invites := irAuditsNamed(audits, sc, "Invite external user", "Add user")
	var out []Affected
	attributed, review := 0, 0
	for _, u := range users {
		if u.CreatedDateTime == nil {
			continue
		}
		inWindow := sc.inWindow(*u.CreatedDateTime)
		inviter, inviterIsIncident := irInviter(u, inviters, invites, sc)
		if !inWindow && !(u.IsGuest() && inviterIsIncident) {
			continue
		}
		kind := "user"
		if u.IsGuest() {
			kind = "guest"
		}
		a := Affected{Kind: kind, ID: u.ID, Name: phrase.FirstOf(u.DisplayName, u.Mail, u.UserPrincipalName) + irAngle(phrase.FirstOf(u.Mail, u.UserPrincipalName)),
			Time: irTimePtr(*u.CreatedDateTime), Actor: inviter,
			User: &UserRef{ID: u.ID, UPN: u.UserPrincipalName}}
		state := phrase.FirstOf(u.ExternalUserState, "member")
		switch {
		case inWindow && inviterIsIncident:
			a.Attributed = true
			a.Detail = fmt.Sprintf("%s created %s by incident user %s (%s, %s)", kind, irTime(*u.CreatedDateTime), inviter, phrase.FirstOf(u.CreationType, "created"), state)
			attributed++
		case inWindow:
			a.Detail = fmt.Sprintf("%s created %s by %s (%s, %s): review", kind, irTime(*u.CreatedDateTime), phrase.FirstOf(inviter, "an unknown inviter"), phrase.FirstOf(u.CreationType, "created"), state)
			review++
		default:
			a.Detail = fmt.Sprintf("guest invited by incident user %s before the window (%s): review, not removed", inviter, irTime(*u.CreatedDateTime))
			review++
		}
		out = append(out, a)
	}
	note := ""
	if invErr != nil && len(invites) == 0 {
		note = " Inviters are unknown: neither invitedBy nor the audit log was collected."
	}
	st := irVerdict(attributed, review)
	switch st {
	case StatusFail:
		return Outcome{Status: st, Summary: fmt.Sprintf("%s invited or created by incident users %s — remove them; %s for review.%s", phrase.Plural(attributed, "identity was", "identities were"), sc.window(), phrase.Plural(review, "other", "others"), note), Affected: out}
	case StatusWarn:
		return Outcome{Status: st, Summary: fmt.Sprintf("%s created %s by others; review them.%s", phrase.Plural(review, "identity was", "identities were"), sc.window(), note), Affected: out}
	}
	return Outcome{Status: st, Summary: fmt.Sprintf("No user or guest was created %s.%s", sc.window(), note), Affected: out}
}

// irInviter names who invited or created u: invitedBy first (it survives
// audit retention), then the audit log.
func irInviter(u snapshot.User, inviters map[string][]snapshot.DirectoryObject, invites []snapshot.DirectoryAudit, sc *incidentScope) (string, bool) {
	for _, inv := range inviters[u.ID] {
		name := phrase.FirstOf(inv.UserPrincipalName, inv.DisplayName, inv.ID)
		return name, sc.isIncidentUser(inv.ID) || sc.isIncidentUser(inv.UserPrincipalName)
	}
	for _, ev := range invites {
		for _, t := range ev.TargetResources {
			if t.ID == u.ID || (t.UserPrincipalName != "" && (strings.EqualFold(t.UserPrincipalName, u.UserPrincipalName) || strings.EqualFold(t.UserPrincipalName, u.Mail))) {
				return ev.InitiatedBy.Label(), sc.initiatedByIncidentUser(ev)
			}
		}
	}
	return "", false
}

func irAngle(s string) string {
	if s == "" {
		return ""
	}
	return " <" + s + ">"
}
