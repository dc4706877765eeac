package checks

import (
	"fmt"
	"strings"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// irRiskyUsers is IR-USR-001.
func irRiskyUsers(c *Context) Outcome {
	sc := newIncidentScope(c)
	risky, err := c.Snap.RiskyUsers()
	if err != nil {
		return Unknown(err)
	}
	var out []Affected
	attributed, review := 0, 0
	for _, r := range risky {
		state := strings.ToLower(r.RiskState)
		if r.IsDeleted || (state != "atrisk" && state != "confirmedcompromised") {
			continue
		}
		incident := sc.isIncidentUser(r.ID) || sc.isIncidentUser(r.UserPrincipalName)
		level := strings.ToLower(r.RiskLevel)
		if !incident && level != "medium" && level != "high" {
			continue
		}
		a := Affected{Kind: "user", ID: r.ID, Name: irFirst(r.UserPrincipalName, r.UserDisplayName, r.ID),
			Detail: fmt.Sprintf("risk %s, state %s (%s)", r.RiskLevel, r.RiskState, irFirst(r.RiskDetail, "no detail")), Attributed: incident}
		if r.RiskLastUpdatedDateTime != nil {
			a.Time = irTimePtr(*r.RiskLastUpdatedDateTime)
		}
		if incident {
			attributed++
		} else {
			review++
		}
		out = append(out, a)
	}
	st := irVerdict(attributed, review)
	var sum string
	switch st {
	case StatusPass:
		sum = "No user is at medium or high risk, and no incident user is still flagged at risk." + sc.unresolvedNote()
	case StatusFail:
		sum = fmt.Sprintf("%s still flagged at risk by Identity Protection (not remediated or dismissed), %s at medium/high risk.",
			irPlural(attributed, "incident user is", "incident users are"), irPlural(review, "other user", "other users"))
	default:
		sum = fmt.Sprintf("%s at medium or high risk; review them.", irPlural(review, "user is", "users are"))
	}
	return Outcome{Status: st, Summary: sum, Affected: out}
}

// irContained is IR-USR-002: the password was reset and sessions revoked
// after the incident start.
func irContained(c *Context) Outcome {
	sc := newIncidentScope(c)
	var out []Affected
	fails, manual := 0, 0
	for _, id := range sc.incidentUserIDs() {
		u := sc.users[id]
		var problems []string
		if u.LastPasswordChangeDateTime == nil || u.LastPasswordChangeDateTime.Before(sc.start) {
			problems = append(problems, "password not changed since the incident start (last change "+irTimeP(u.LastPasswordChangeDateTime)+")")
		}
		if u.SignInSessionsValidFromDateTime == nil || u.SignInSessionsValidFromDateTime.Before(sc.start) {
			problems = append(problems, "sessions not revoked since the incident start (sessions valid from "+irTimeP(u.SignInSessionsValidFromDateTime)+")")
		}
		state := "enabled"
		if !u.Enabled() {
			state = "sign-in blocked"
		}
		a := Affected{Kind: "user", ID: u.ID, Name: sc.userName(u.ID), Extra: map[string]string{"userId": u.ID, "upn": u.UserPrincipalName}}
		switch {
		case len(problems) > 0:
			fails++
			a.Attributed = true
			a.Detail = strings.Join(problems, "; ") + "; account " + state
		case u.Synced():
			manual++
			a.Detail = "password changed and sessions revoked in the window, but the account is synchronised from on-premises: confirm the reset was made on-premises"
		default:
			a.Detail = "contained: password changed " + irTimeP(u.LastPasswordChangeDateTime) + ", sessions revoked " + irTimeP(u.SignInSessionsValidFromDateTime) + "; account " + state
		}
		out = append(out, a)
	}
	switch {
	case fails > 0:
		return Outcome{Status: StatusFail, Summary: fmt.Sprintf("%d of %d incident %s not contained: reset the password and revoke sessions (the containment script does both).%s",
			fails, len(sc.users), irIf(fails == 1, "user is", "users are"), sc.unresolvedNote()), Affected: out}
	case len(sc.unresolved) > 0:
		return Outcome{Status: StatusUnknown, Summary: "Containment could not be judged for every incident user." + sc.unresolvedNote(), Affected: out}
	case manual > 0:
		return Outcome{Status: StatusManual, Summary: fmt.Sprintf("%s synchronised from on-premises: confirm the password reset happened on-premises.", irPlural(manual, "incident user is", "incident users are")), Affected: out}
	case len(sc.users) == 0:
		return Outcome{Status: StatusUnknown, Summary: "No incident user was given."}
	}
	return Outcome{Status: StatusPass, Summary: fmt.Sprintf("Every incident user had the password reset and sessions revoked after %s.", irTime(sc.start)), Affected: out}
}

// irSecurityInfoActivities are the audit activities of security info
// registration and change.
var irSecurityInfoActivities = []string{
	"User registered security info", "User registered all required security info", "User changed default security info",
	"User updated security info", "User deleted security info", "Admin registered security info",
	"Admin updated security info", "Admin deleted security info",
}

// irMethods is IR-USR-003: authentication methods registered or changed in
// the window.
func irMethods(c *Context) Outcome {
	sc := newIncidentScope(c)
	methods, err := c.Snap.IncidentAuthMethods()
	if err != nil {
		return Unknown(err)
	}
	audits, auditErr := c.Snap.DirectoryAudits()
	events := irAuditsNamed(audits, sc, irSecurityInfoActivities...)
	var out []Affected
	attributed, review := 0, 0
	for _, uid := range sc.incidentUserIDs() {
		userEvents := irEventsForTarget(events, sc, uid)
		for _, m := range methods[uid] {
			if m.Type() == "passwordAuthenticationMethod" {
				continue
			}
			a := Affected{Kind: "authMethod", ID: m.ID, Name: sc.userName(uid) + ": " + m.Label(),
				Extra: map[string]string{"userId": uid, "methodId": m.ID, "methodType": m.Type()}}
			switch {
			case m.CreatedDateTime != nil && sc.inWindow(*m.CreatedDateTime):
				a.Time = irTimePtr(*m.CreatedDateTime)
				a.Detail = "registered " + irTime(*m.CreatedDateTime) + ", inside the incident window"
				ev, ok := irClosestEvent(userEvents, *m.CreatedDateTime)
				if ok {
					a.Actor = ev.InitiatedBy.Label()
				}
				if ok && ev.InitiatedBy.User != nil && !sc.initiatedByIncidentUser(ev) {
					// Registered for the user by someone else (an admin
					// issuing a Temporary Access Pass during remediation):
					// review, never remove.
					a.Detail += fmt.Sprintf("; %q by %s — not by the account itself: review", ev.ActivityDisplayName, a.Actor)
					review++
				} else {
					a.Attributed = true
					attributed++
				}
			case m.CreatedDateTime != nil:
				continue // registered before the window
			default:
				// Graph gives no creation time for phone and email methods;
				// attribute them through the audit log.
				kw := map[string]string{"phoneAuthenticationMethod": "phone", "emailAuthenticationMethod": "email"}[m.Type()]
				if kw == "" {
					kw = strings.ToLower(strings.TrimSuffix(m.Type(), "AuthenticationMethod"))
				}
				if ev, ok := irEventMentioning(userEvents, kw); ok {
					a.Time = irTimePtr(ev.ActivityDateTime)
					a.Actor = ev.InitiatedBy.Label()
					a.Detail = fmt.Sprintf("no registration time from Graph; the audit log shows %q at %s", ev.ActivityDisplayName, irTime(ev.ActivityDateTime))
					if ev.InitiatedBy.User != nil && !sc.initiatedByIncidentUser(ev) {
						a.Detail += " by " + a.Actor + " — not by the account itself: review"
						review++
					} else {
						a.Attributed = true
						attributed++
					}
				} else if auditErr != nil {
					a.Detail = "registration time unknown (Graph gives none for this method type and the audit log was not collected): confirm with the user"
					review++
				} else {
					continue
				}
			}
			out = append(out, a)
		}
	}
	// Security-info events in the window for other users deserve review.
	for _, ev := range events {
		if irEventTargetsIncident(ev, sc) {
			continue
		}
		review++
		out = append(out, Affected{Kind: "auditEvent", ID: ev.ID, Name: irAuditTargets(ev), Time: irTimePtr(ev.ActivityDateTime),
			Actor: ev.InitiatedBy.Label(), Detail: ev.ActivityDisplayName + irReason(ev)})
	}
	st := irVerdict(attributed, review)
	note := ""
	if auditErr != nil {
		note = " The directory audit log was not collected, so registrations of phone and email methods cannot be dated."
	}
	switch st {
	case StatusFail:
		return sc.unresolvedOutcome(Outcome{Status: st, Summary: fmt.Sprintf("%s registered on incident users %s — likely the attacker's; remove them so the user re-registers.%s", irPlural(attributed, "authentication method was", "authentication methods were"), sc.window(), note), Affected: out})
	case StatusWarn:
		return sc.unresolvedOutcome(Outcome{Status: st, Summary: fmt.Sprintf("%s to review %s; none registered by the incident users' accounts themselves.%s", irPlural(review, "security-info change", "security-info changes"), sc.window(), note), Affected: out})
	}
	return sc.unresolvedOutcome(Outcome{Status: st, Summary: fmt.Sprintf("No authentication method was registered or changed %s.%s", sc.window(), note), Affected: out})
}

// irNewIdentities is IR-GST-001: identities created since the incident
// start, with their inviter.
func irNewIdentities(c *Context) Outcome {
	sc := newIncidentScope(c)
	users, err := c.Snap.Users()
	if err != nil {
		return Unknown(err)
	}
	inviters, invErr := c.Snap.GuestInviters()
	audits, _ := c.Snap.DirectoryAudits()
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
		a := Affected{Kind: kind, ID: u.ID, Name: irFirst(u.DisplayName, u.Mail, u.UserPrincipalName) + irAngle(irFirst(u.Mail, u.UserPrincipalName)),
			Time: irTimePtr(*u.CreatedDateTime), Actor: inviter, Extra: map[string]string{"userId": u.ID, "upn": u.UserPrincipalName}}
		state := irFirst(u.ExternalUserState, "member")
		switch {
		case inWindow && inviterIsIncident:
			a.Attributed = true
			a.Detail = fmt.Sprintf("%s created %s by incident user %s (%s, %s)", kind, irTime(*u.CreatedDateTime), inviter, irFirst(u.CreationType, "created"), state)
			attributed++
		case inWindow:
			a.Detail = fmt.Sprintf("%s created %s by %s (%s, %s): review", kind, irTime(*u.CreatedDateTime), irFirst(inviter, "an unknown inviter"), irFirst(u.CreationType, "created"), state)
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
		return Outcome{Status: st, Summary: fmt.Sprintf("%s invited or created by incident users %s — remove them; %s for review.%s", irPlural(attributed, "identity was", "identities were"), sc.window(), irPlural(review, "other", "others"), note), Affected: out}
	case StatusWarn:
		return Outcome{Status: st, Summary: fmt.Sprintf("%s created %s by others; review them.%s", irPlural(review, "identity was", "identities were"), sc.window(), note), Affected: out}
	}
	return Outcome{Status: st, Summary: fmt.Sprintf("No user or guest was created %s.%s", sc.window(), note), Affected: out}
}

// irInviter names who invited or created u: invitedBy first (it survives
// audit retention), then the audit log.
func irInviter(u snapshot.User, inviters map[string][]snapshot.DirectoryObject, invites []snapshot.DirectoryAudit, sc *incidentScope) (string, bool) {
	for _, inv := range inviters[u.ID] {
		name := irFirst(inv.UserPrincipalName, inv.DisplayName, inv.ID)
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

// irEventsForTarget returns the events whose target is the user.
func irEventsForTarget(events []snapshot.DirectoryAudit, sc *incidentScope, uid string) []snapshot.DirectoryAudit {
	var out []snapshot.DirectoryAudit
	u := sc.users[uid]
	for _, ev := range events {
		for _, t := range ev.TargetResources {
			if t.ID == uid || (t.UserPrincipalName != "" && strings.EqualFold(t.UserPrincipalName, u.UserPrincipalName)) {
				out = append(out, ev)
				break
			}
		}
	}
	return out
}

func irEventTargetsIncident(ev snapshot.DirectoryAudit, sc *incidentScope) bool {
	for _, t := range ev.TargetResources {
		if sc.isIncidentUser(t.ID) || sc.isIncidentUser(t.UserPrincipalName) {
			return true
		}
	}
	return false
}

// irClosestEvent returns the event nearest to t (within an hour).
func irClosestEvent(events []snapshot.DirectoryAudit, t time.Time) (snapshot.DirectoryAudit, bool) {
	best, bestD := snapshot.DirectoryAudit{}, int64(3601)
	for _, ev := range events {
		d := ev.ActivityDateTime.Unix() - t.Unix()
		if d < 0 {
			d = -d
		}
		if d < bestD {
			best, bestD = ev, d
		}
	}
	return best, bestD <= 3600
}

// irEventMentioning returns the first registration event whose text
// mentions kw (e.g. "phone").
func irEventMentioning(events []snapshot.DirectoryAudit, kw string) (snapshot.DirectoryAudit, bool) {
	for _, ev := range events {
		if !strings.Contains(strings.ToLower(ev.ActivityDisplayName), "regist") && !strings.Contains(strings.ToLower(ev.ActivityDisplayName), "updated") {
			continue
		}
		text := strings.ToLower(ev.ResultReason)
		for _, d := range ev.AdditionalDetails {
			text += " " + strings.ToLower(d.Key+" "+d.Value)
		}
		for _, t := range ev.TargetResources {
			for _, p := range t.ModifiedProperties {
				text += " " + strings.ToLower(p.DisplayName+" "+p.NewValue)
			}
		}
		if strings.Contains(text, kw) {
			return ev, true
		}
	}
	return snapshot.DirectoryAudit{}, false
}

func irReason(ev snapshot.DirectoryAudit) string {
	if ev.ResultReason != "" {
		return ": " + ev.ResultReason
	}
	return ""
}

func irFirst(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

func irAngle(s string) string {
	if s == "" {
		return ""
	}
	return " <" + s + ">"
}

func irTimeP(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return irTime(*t)
}
