package checks

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// irAbusedApps are OAuth clients commonly abused in business email
// compromise (catalog Appendix D.5), matched on display name.
var irAbusedApps = []string{"em client", "perfectdata software", "newsletter software supermailer", "sigparser", "cloudsponge", "rclone"}

// irRiskyScopes are delegated scopes that read or send mail, or write the
// directory (catalog ENTRA-APP-004, Appendix D.4).
var irRiskyScopes = []string{
	"mail.read", "mail.readwrite", "mail.send", "mailboxsettings.readwrite", "ews.accessasuser.all", "imap.accessasuser.all",
	"pop.accessasuser.all", "smtp.send", "full_access_as_user", "files.read.all", "files.readwrite.all", "sites.read.all",
	"sites.readwrite.all", "directory.readwrite.all", "user.readwrite.all", "approleassignment.readwrite.all",
	"rolemanagement.readwrite.directory", "contacts.read", "contacts.readwrite",
}

func irRiskyIn(scopes []string) []string {
	var out []string
	for _, s := range scopes {
		for _, r := range irRiskyScopes {
			if strings.EqualFold(s, r) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

func irAbused(name string) bool {
	n := strings.ToLower(name)
	for _, a := range irAbusedApps {
		if strings.Contains(n, a) {
			return true
		}
	}
	return false
}

// irConsents is IR-APP-001: OAuth consents granted in the window or by
// incident users.
func irConsents(c *Context) Outcome {
	sc := newIncidentScope(c)
	grants, err := c.Snap.OAuth2PermissionGrants()
	if err != nil {
		return Unknown(err)
	}
	sps, err := c.Snap.ServicePrincipals()
	if err != nil {
		return Unknown(err)
	}
	spByID := map[string]snapshot.ServicePrincipal{}
	for _, sp := range sps {
		spByID[sp.ID] = sp
	}
	audits, auditErr := c.Snap.DirectoryAudits()
	consents := irAuditsNamed(audits, sc, "Consent to application", "Add delegated permission grant", "Add app role assignment to service principal")
	auditNote := ""
	if auditErr != nil {
		auditNote = " The directory audit log was not collected, so consents given inside the window to apps already in the tenant cannot be told apart from older ones."
	}
	var out []Affected
	attributed, review := 0, 0
	for _, g := range grants {
		sp, known := spByID[g.ClientID]
		byIncident := g.ConsentType == "Principal" && sc.isIncidentUser(g.PrincipalID)
		spNew := known && sp.CreatedDateTime != nil && sc.inWindow(*sp.CreatedDateTime)
		ev, consentedInWindow := irConsentEvent(consents, sp, g, sc)
		if !byIncident && !spNew && !consentedInWindow {
			continue
		}
		if byIncident && known && sp.IsMicrosoft() && !spNew && !consentedInWindow {
			continue // Microsoft first-party app consented before the window
		}
		name := irFirst(sp.DisplayName, g.ClientID)
		who := "all users (admin consent)"
		if g.ConsentType == "Principal" {
			who = sc.userName(g.PrincipalID)
		}
		a := Affected{Kind: "grant", ID: g.ID, Name: name,
			Extra: map[string]string{"grantId": g.ID, "clientId": g.ClientID, "principalId": g.PrincipalID}}
		var notes []string
		notes = append(notes, "scopes "+irFirst(g.Scope, "(none)"), "granted for "+who)
		if r := irRiskyIn(g.Scopes()); len(r) > 0 {
			notes = append(notes, "mail or directory access: "+strings.Join(r, ", "))
		}
		if irAbused(name) {
			notes = append(notes, "an app commonly abused in mailbox takeovers")
		}
		if spNew {
			notes = append(notes, "app first seen in the tenant "+irTime(*sp.CreatedDateTime))
			a.Time = irTimePtr(*sp.CreatedDateTime)
		}
		if consentedInWindow {
			a.Time = irTimePtr(ev.ActivityDateTime)
			a.Actor = ev.InitiatedBy.Label()
			notes = append(notes, fmt.Sprintf("%q by %s at %s", ev.ActivityDisplayName, a.Actor, irTime(ev.ActivityDateTime)))
		}
		if byIncident && (spNew || (consentedInWindow && sc.initiatedByIncidentUser(ev))) {
			a.Attributed = true
			attributed++
			if a.Actor == "" {
				a.Actor = sc.userName(g.PrincipalID)
			}
		} else {
			review++
			notes = append(notes, "review")
		}
		a.Detail = strings.Join(notes, "; ")
		out = append(out, a)
	}
	st := irVerdict(attributed, review)
	switch st {
	case StatusFail:
		return Outcome{Status: st, Summary: fmt.Sprintf("%s given by incident users %s — revoke them; %s to review.%s", irPlural(attributed, "OAuth consent was", "OAuth consents were"), sc.window(), irPlural(review, "other grant", "other grants"), auditNote), Affected: out}
	case StatusWarn:
		return Outcome{Status: st, Summary: fmt.Sprintf("%s granted in the window or by incident users; review them.%s", irPlural(review, "OAuth grant was", "OAuth grants were"), auditNote), Affected: out}
	}
	return Outcome{Status: st, Summary: fmt.Sprintf("No OAuth consent by an incident user and no new app consent %s.%s", sc.window(), auditNote), Affected: out}
}

// irConsentEvent finds a consent audit event in the window for the grant's
// client app.
func irConsentEvent(consents []snapshot.DirectoryAudit, sp snapshot.ServicePrincipal, g snapshot.OAuth2PermissionGrant, sc *incidentScope) (snapshot.DirectoryAudit, bool) {
	for _, ev := range consents {
		for _, t := range ev.TargetResources {
			if t.ID != "" && (t.ID == g.ClientID || t.ID == sp.ID || (sp.AppID != "" && t.ID == sp.AppID)) ||
				(sp.DisplayName != "" && strings.EqualFold(t.DisplayName, sp.DisplayName)) {
				if g.ConsentType != "Principal" || ev.InitiatedBy.User == nil || sc.isIncidentUser(g.PrincipalID) == sc.initiatedByIncidentUser(ev) {
					return ev, true
				}
			}
		}
	}
	return snapshot.DirectoryAudit{}, false
}

// irAppChanges is IR-APP-002: new apps, owners or credentials in the window.
func irAppChanges(c *Context) Outcome {
	sc := newIncidentScope(c)
	apps, err := c.Snap.Applications()
	if err != nil {
		return Unknown(err)
	}
	sps, err := c.Snap.ServicePrincipals()
	if err != nil {
		return Unknown(err)
	}
	audits, _ := c.Snap.DirectoryAudits()
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
				add(Affected{Kind: "credential", ID: app.ID + "/" + cr.KeyID, Name: app.DisplayName + ": " + irFirst(cr.DisplayName, cr.KeyID),
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
				add(Affected{Kind: "credential", ID: sp.ID + "/" + cr.KeyID, Name: sp.DisplayName + ": " + irFirst(cr.DisplayName, cr.KeyID),
					Time: irTimePtr(*cr.StartDateTime), Detail: "credential added to the service principal, valid from " + irTime(*cr.StartDateTime)}, ev, hasEv)
			}
		}
	}
	for _, ev := range irAuditsNamed(events, sc, "Add owner to application", "Add owner to service principal") {
		a := Affected{Kind: "auditEvent", ID: ev.ID, Name: irAuditTargets(ev), Time: irTimePtr(ev.ActivityDateTime), Detail: ev.ActivityDisplayName}
		add(a, ev, true)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	st := irVerdict(attributed, review)
	switch st {
	case StatusFail:
		return Outcome{Status: st, Summary: fmt.Sprintf("%s to apps %s by incident users; %s to review.", irPlural(attributed, "change was made", "changes were made"), sc.window(), irPlural(review, "other change", "other changes")), Affected: out}
	case StatusWarn:
		return Outcome{Status: st, Summary: fmt.Sprintf("%s apps, credentials or owners %s; review them.", irPlural(review, "change to", "changes to"), sc.window()), Affected: out}
	}
	return Outcome{Status: st, Summary: fmt.Sprintf("No app, credential or owner was added %s.", sc.window()), Affected: out}
}
