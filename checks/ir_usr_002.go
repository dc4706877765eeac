package checks

import (
	"fmt"
	"strings"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDIRUsr002 is the ID of check IR-USR-002.
const IDIRUsr002 = "IR-USR-002"

func irUsr002() Check {
	return Check{Meta: Meta{ID: IDIRUsr002, Title: "Compromised accounts contained (password reset and sessions revoked after incident start)", Category: categoryIncident, Severity: SeverityCritical, Incident: true,
		Rationale: "Until the password is reset and refresh tokens are revoked, the attacker keeps access with the stolen password and existing sessions.",
		Datasets:  []string{snapshot.DSUsers}, AlsoReads: []string{snapshot.DSDomains, snapshot.DSOrganization},
		References: References{Other: []string{"Hawk Start-HawkUserInvestigation"}},
		Remediation: Remediation{Summary: "Block sign-in, reset the password with change at next sign-in, and revoke all sessions (the containment script does this).", Script: true,
			Steps: []string{"Update-MgUser -UserId <id> -AccountEnabled:$false", "Update-MgUser -UserId <id> -PasswordProfile @{ForceChangePasswordNextSignIn=$true; Password='<random>'}", "Revoke-MgUserSignInSession -UserId <id>"}}},
		Eval: evalIRUsr002}
}

// evalIRUsr002 is IR-USR-002: the password was reset and sessions revoked
// after the incident start.
func evalIRUsr002(c *Context) Outcome {
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
		a := Affected{Kind: "user", ID: u.ID, Name: sc.userName(u.ID),
			User: &UserRef{ID: u.ID, UPN: u.UserPrincipalName}}
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
		return Outcome{Status: StatusManual, Summary: fmt.Sprintf("%s synchronised from on-premises: confirm the password reset happened on-premises.", phrase.Plural(manual, "incident user is", "incident users are")), Affected: out}
	case len(sc.users) == 0:
		return Outcome{Status: StatusUnknown, Summary: "No incident user was given."}
	}
	return Outcome{Status: StatusPass, Summary: fmt.Sprintf("Every incident user had the password reset and sessions revoked after %s.", irTime(sc.start)), Affected: out}
}

func irTimeP(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return irTime(*t)
}
