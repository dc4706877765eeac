package checks

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDIRApp002 is the ID of check IR-APP-002.
const IDIRApp002 = "IR-APP-002"

func irApp002() Check {
	return Check{Meta: Meta{ID: IDIRApp002, Title: "New apps, new owners, or credentials added to apps/service principals in the window", Category: categoryIncident, Severity: SeverityHigh, Incident: true,
		Rationale: "Credentials or owners added to an app give the attacker access that does not depend on any user's password or MFA.",
		Datasets:  []string{snapshot.DSApplications, snapshot.DSServicePrincipals}, AlsoReads: []string{snapshot.DSDirectoryAudits, snapshot.DSDomains, snapshot.DSOrganization, snapshot.DSUsers},
		References: References{Other: []string{"Hawk Get-HawkTenantAppAndSPNCredentialDetail", "Maester MT.1057"}},
		Remediation: Remediation{Summary: "Remove credentials and owners nobody can explain; disable apps added by the attacker.",
			Steps: []string{"Remove-MgApplicationPassword -ApplicationId <id> -KeyId <keyId>", "Remove-MgServicePrincipalPassword -ServicePrincipalId <id> -KeyId <keyId>"}}},
		Eval: evalIRApp002}
}

// evalIRApp002 is IR-APP-002: new apps, owners or credentials in the window.
func evalIRApp002(c *Context) Outcome {
	sc := newIncidentScope(c)
	apps, err := c.Applications()
	if err != nil {
		return Unknown(err)
	}
	sps, err := c.ServicePrincipals()
	if err != nil {
		return Unknown(err)
	}
	audits, auditErr := c.DirectoryAudits()
	events := irAuditsNamed(audits, sc, "Add application", "Add service principal", "Add service principal credentials",
		"Update application*", "Add owner to application", "Add owner to service principal", "Consent to application")
	// touchedBy finds the audit event of one of the given activities that
	// targets the object and lies closest in time to when the object
	// appeared (within a day), so a credential added by an admin is not
	// blamed on an earlier consent by the incident user.
	touchedBy := func(at *time.Time, acts []string, ids ...string) (snapshot.DirectoryAudit, bool) {
		var best snapshot.DirectoryAudit
		bestD := time.Duration(-1)
		for _, ev := range irAuditsNamed(events, sc, acts...) {
			hit := false
			for _, t := range ev.TargetResources {
				for _, id := range ids {
					if id != "" && (t.ID == id || strings.EqualFold(t.DisplayName, id)) {
						hit = true
					}
				}
			}
			if !hit {
				continue
			}
			d := time.Duration(0)
			if at != nil {
				d = ev.ActivityDateTime.Sub(*at)
				if d < 0 {
					d = -d
				}
				if d > 24*time.Hour {
					continue
				}
			}
			if bestD < 0 || d < bestD {
				best, bestD = ev, d
			}
		}
		return best, bestD >= 0
	}
	appCreated := []string{"Add application"}
	spCreated := []string{"Add service principal", "Consent to application"}
	credAdded := []string{"Add service principal credentials", "Update application*", "Update service principal"}
	var out []Affected
	attributed, review := 0, 0
	add := func(a Affected, ev snapshot.DirectoryAudit, hasEv bool) {
		if hasEv {
			a.Actor = ev.InitiatedBy.Label()
			a.Detail += fmt.Sprintf("; %q by %s", ev.ActivityDisplayName, a.Actor)
			if sc.initiatedByIncidentUser(ev) {
				a.Attributed = true
			}
		}
		if a.Attributed {
			attributed++
		} else {
			review++
		}
		out = append(out, a)
	}
	for _, app := range apps {
		if app.CreatedDateTime != nil && sc.inWindow(*app.CreatedDateTime) {
			ev, hasEv := touchedBy(app.CreatedDateTime, appCreated, app.ID, app.AppID, app.DisplayName)
			add(Affected{Kind: "application", ID: app.ID, Name: app.DisplayName, Time: irTimePtr(*app.CreatedDateTime),
				Detail: "app registration created " + irTime(*app.CreatedDateTime)}, ev, hasEv)
		}
		for _, cr := range append(append([]snapshot.Credential{}, app.PasswordCredentials...), app.KeyCredentials...) {
			if cr.StartDateTime != nil && sc.inWindow(*cr.StartDateTime) {
				ev, hasEv := touchedBy(cr.StartDateTime, credAdded, app.ID, app.AppID, app.DisplayName)
				add(Affected{Kind: "credential", ID: app.ID + "/" + cr.KeyID, Name: app.DisplayName + ": " + phrase.FirstOf(cr.DisplayName, cr.KeyID),
					Time: irTimePtr(*cr.StartDateTime), Detail: "credential added to the app registration, valid from " + irTime(*cr.StartDateTime)}, ev, hasEv)
			}
		}
	}
	for _, sp := range sps {
		if sp.CreatedDateTime != nil && sc.inWindow(*sp.CreatedDateTime) {
			ev, hasEv := touchedBy(sp.CreatedDateTime, spCreated, sp.ID, sp.AppID, sp.DisplayName)
			origin := "third-party"
			if sp.IsMicrosoft() {
				origin = "Microsoft"
			}
			add(Affected{Kind: "servicePrincipal", ID: sp.ID, Name: sp.DisplayName, Time: irTimePtr(*sp.CreatedDateTime),
				Detail: origin + " app added to the tenant " + irTime(*sp.CreatedDateTime)}, ev, hasEv)
		}
		for _, cr := range append(append([]snapshot.Credential{}, sp.PasswordCredentials...), sp.KeyCredentials...) {
			if cr.StartDateTime != nil && sc.inWindow(*cr.StartDateTime) {
				ev, hasEv := touchedBy(cr.StartDateTime, credAdded, sp.ID, sp.AppID, sp.DisplayName)
				add(Affected{Kind: "credential", ID: sp.ID + "/" + cr.KeyID, Name: sp.DisplayName + ": " + phrase.FirstOf(cr.DisplayName, cr.KeyID),
					Time: irTimePtr(*cr.StartDateTime), Detail: "credential added to the service principal, valid from " + irTime(*cr.StartDateTime)}, ev, hasEv)
			}
		}
	}
	for _, ev := range irAuditsNamed(events, sc, "Add owner to application", "Add owner to service principal") {
		a := Affected{Kind: "auditEvent", ID: ev.ID, Name: irAuditTargets(ev), Time: irTimePtr(ev.ActivityDateTime), Detail: ev.ActivityDisplayName}
		add(a, ev, true)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	note := ""
	if auditErr != nil {
		// Owners added to an app appear only in the audit log, and without it
		// nothing found can be tied to who did it.
		note = " Owners added to apps were not checked and nothing could be tied to who did it: " + exoNotCollected(c, snapshot.DSDirectoryAudits) + "."
	}
	st := irVerdict(attributed, review)
	switch st {
	case StatusFail:
		return Outcome{Status: st, Summary: fmt.Sprintf("%s to apps %s by incident users; %s to review.%s", phrase.Plural(attributed, "change was made", "changes were made"), sc.window(), phrase.Plural(review, "other change", "other changes"), note), Affected: out}
	case StatusWarn:
		return Outcome{Status: st, Summary: fmt.Sprintf("%s apps, credentials or owners %s; review them.%s", phrase.Plural(review, "change to", "changes to"), sc.window(), note), Affected: out}
	}
	if auditErr != nil {
		return Outcome{Status: StatusUnknown, Summary: fmt.Sprintf("Not conclusive: no app or credential was added %s.%s", sc.window(), note), Affected: out}
	}
	return Outcome{Status: st, Summary: fmt.Sprintf("No app, credential or owner was added %s.", sc.window()), Affected: out}
}
