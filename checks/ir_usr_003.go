package checks

import (
	"fmt"
	"strings"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDIRUsr003 is the ID of check IR-USR-003.
const IDIRUsr003 = "IR-USR-003"

func irUsr003() Check {
	return Check{Meta: Meta{ID: IDIRUsr003, Title: "Authentication methods registered or changed during the window", Category: categoryIncident, Severity: SeverityHigh, Incident: true,
		Rationale: "Attackers register their own authenticator or phone so they pass MFA later, even after a password reset.",
		Datasets:  []string{snapshot.DSIncidentAuthMethods}, AlsoReads: []string{snapshot.DSDirectoryAudits, snapshot.DSDomains, snapshot.DSOrganization, snapshot.DSUsers},
		References: References{Other: []string{"Entra audit: User registered security info"}},
		Remediation: Remediation{Summary: "Remove the methods registered in the window so the user re-registers (the containment script removes them by id).", Script: true,
			Steps: []string{"Remove-MgUserAuthenticationMicrosoftAuthenticatorMethod / Remove-MgUserAuthenticationPhoneMethod … -UserId <id> -<Type>AuthenticationMethodId <methodId>", "Require re-registration with a Temporary Access Pass handed over in person"}}},
		Eval: evalIRUsr003}
}

// evalIRUsr003 is IR-USR-003: authentication methods registered or changed in
// the window.
func evalIRUsr003(c *Context) Outcome {
	sc := newIncidentScope(c)
	methods, err := c.IncidentAuthMethods()
	if err != nil {
		return Unknown(err)
	}
	audits, auditErr := c.DirectoryAudits()
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
				Method: &MethodEvidence{UserID: uid, ID: m.ID, Type: m.Type()}, User: sc.userRef(uid)}
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
		return sc.unresolvedOutcome(Outcome{Status: st, Summary: fmt.Sprintf("%s registered on incident users %s — likely the attacker's; remove them so the user re-registers.%s", phrase.Plural(attributed, "authentication method was", "authentication methods were"), sc.window(), note), Affected: out})
	case StatusWarn:
		return sc.unresolvedOutcome(Outcome{Status: st, Summary: fmt.Sprintf("%s to review %s; none registered by the incident users' accounts themselves.%s", phrase.Plural(review, "security-info change", "security-info changes"), sc.window(), note), Affected: out})
	}
	return sc.unresolvedOutcome(Outcome{Status: st, Summary: fmt.Sprintf("No authentication method was registered or changed %s.%s", sc.window(), note), Affected: out})
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
