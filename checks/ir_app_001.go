package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDIRApp001 is the ID of check IR-APP-001.
const IDIRApp001 = "IR-APP-001"

func irApp001() Check {
	return Check{Meta: Meta{ID: IDIRApp001, Title: "OAuth consents granted in the window or by compromised users", Category: categoryIncident, Severity: SeverityCritical, Incident: true,
		Rationale: "A consented mail client (such as eM Client) keeps reading and sending mail with its own refresh token after the password is reset.",
		Datasets:  []string{snapshot.DSOAuth2PermissionGrants, snapshot.DSServicePrincipals}, AlsoReads: []string{snapshot.DSDirectoryAudits, snapshot.DSDomains, snapshot.DSOrganization, snapshot.DSUsers},
		References: References{Other: []string{"Hawk Get-HawkTenantConsentGrant", "Prevention: ENTRA-APP-001"}},
		Remediation: Remediation{Summary: "Revoke the grants the incident user gave in the window (the containment script removes them by id).", Script: true,
			Steps: []string{"Remove-MgOauth2PermissionGrant -OAuth2PermissionGrantId <id>", "Update-MgServicePrincipal -ServicePrincipalId <spId> -AccountEnabled:$false if the app has no business use"}}},
		Eval: evalIRApp001}
}

// evalIRApp001 is IR-APP-001: OAuth consents granted in the window or by
// incident users.
func evalIRApp001(c *Context) Outcome {
	sc := newIncidentScope(c)
	grants, err := c.OAuth2PermissionGrants()
	if err != nil {
		return Unknown(err)
	}
	sps, err := c.ServicePrincipals()
	if err != nil {
		return Unknown(err)
	}
	spByID := map[string]snapshot.ServicePrincipal{}
	for _, sp := range sps {
		spByID[sp.ID] = sp
	}
	audits, auditErr := c.DirectoryAudits()
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
		name := phrase.FirstOf(sp.DisplayName, g.ClientID)
		who := "all users (admin consent)"
		if g.ConsentType == "Principal" {
			who = sc.userName(g.PrincipalID)
		}
		a := Affected{Kind: "grant", ID: g.ID, Name: name,
			Grant: &GrantEvidence{ID: g.ID, ClientID: g.ClientID, AppID: sp.AppID, ResourceID: g.ResourceID, PrincipalID: g.PrincipalID,
				ConsentType: g.ConsentType, Scopes: strings.Fields(g.Scope)}}
		var notes []string
		notes = append(notes, "scopes "+phrase.FirstOf(g.Scope, "(none)"), "granted for "+who)
		if r := knowledge.RiskyScopesIn(g.Scopes()); len(r) > 0 {
			notes = append(notes, "mail or directory access: "+strings.Join(r, ", "))
		}
		if knowledge.AbusedClient(name) != "" {
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
		return Outcome{Status: st, Summary: fmt.Sprintf("%s given by incident users %s — revoke them; %s to review.%s", phrase.Plural(attributed, "OAuth consent was", "OAuth consents were"), sc.window(), phrase.Plural(review, "other grant", "other grants"), auditNote), Affected: out}
	case StatusWarn:
		return Outcome{Status: st, Summary: fmt.Sprintf("%s granted in the window or by incident users; review them.%s", phrase.Plural(review, "OAuth grant was", "OAuth grants were"), auditNote), Affected: out}
	}
	o := Outcome{Status: st, Summary: fmt.Sprintf("No OAuth consent by an incident user and no new app consent %s.%s", sc.window(), auditNote), Affected: out}
	if auditErr != nil {
		// An admin consent for every user, given inside the window to an app
		// already in the tenant, shows only in the audit log.
		return notConclusive(o, "")
	}
	return o
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
