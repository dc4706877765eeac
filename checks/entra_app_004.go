package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEntraApp004 is the ID of check ENTRA-APP-004.
const IDEntraApp004 = "ENTRA-APP-004"

func entraApp004() Check {
	return Check{Meta: Meta{ID: IDEntraApp004, Title: "No risky delegated (OAuth2) permission grants", Category: entraCatApps, Severity: SeverityHigh,
		Rationale: "A delegated grant with mail, file or directory-write scopes lets a third-party app act as the user without a password or MFA; consent phishing and BEC tools rely on this.",
		Datasets:  []string{snapshot.DSOAuth2PermissionGrants, snapshot.DSServicePrincipals}, AlsoReads: []string{snapshot.DSUsers},
		References: References{CIS: []string{"5.1.5.1"}, CISVersion: entraCIS, SCuBA: []string{"MS.AAD.5.2"},
			Other: []string{"Hawk Get-HawkTenantConsentGrant"}},
		Remediation: Remediation{Summary: "Review each listed grant; remove the ones not approved and disable the app if it is not known.",
			Steps: []string{
				"Entra admin center > Enterprise applications > <app> > Permissions: review and revoke.",
				"Remove-MgOauth2PermissionGrant -OAuth2PermissionGrantId <id>; Update-MgServicePrincipal -ServicePrincipalId <clientId> -AccountEnabled:$false",
			}}},
		Eval: evalEntraApp004}
}

// evalEntraApp004: no delegated grant to a non-Microsoft client carries a
// high-risk scope; clients on the known-abused list are reported whatever
// their scopes.
func evalEntraApp004(c *Context) Outcome {
	grants, err := c.OAuth2PermissionGrants()
	if err != nil {
		return Unknown(err)
	}
	sps, err := c.ServicePrincipals()
	if err != nil {
		return Unknown(err)
	}
	users, _, uerr := entraUsers(c)
	if uerr != nil && !entraIsNotCollected(uerr) {
		return Unknown(uerr)
	}
	if uerr != nil {
		c.decidedWithout(snapshot.DSUsers) // users only name who consented; the id stands in
	}
	spByID := make(map[string]snapshot.ServicePrincipal, len(sps))
	for _, sp := range sps {
		spByID[strings.ToLower(sp.ID)] = sp
	}
	var bad []Affected
	clients := map[string]bool{}
	allPrincipals, abused, unresolved := 0, 0, 0
	for _, g := range grants {
		client, found := spByID[strings.ToLower(g.ClientID)]
		if found && client.IsMicrosoft() {
			continue
		}
		risky := knowledge.RiskyScopesIn(g.Scopes())
		name := client.DisplayName
		if !found || name == "" {
			name = g.ClientID
		}
		known := knowledge.AbusedClient(client.DisplayName)
		if len(risky) == 0 && known == "" {
			continue
		}
		resource := g.ResourceID
		if r, ok := spByID[strings.ToLower(g.ResourceID)]; ok && r.DisplayName != "" {
			resource = r.DisplayName
		}
		var d []string
		if known != "" {
			d = append(d, fmt.Sprintf("KNOWN-ABUSED CLIENT (%s, often used in mailbox takeover)", known))
			abused++
		}
		if !found {
			d = append(d, "client not found among service principals")
			unresolved++
		}
		sort.Strings(risky)
		d = append(d, fmt.Sprintf("scopes on %s: %s", resource, strings.TrimSpace(g.Scope)))
		if len(risky) > 0 {
			d = append(d, "high-risk: "+strings.Join(risky, " "))
		}
		if strings.EqualFold(g.ConsentType, "AllPrincipals") {
			d = append(d, "consent: AllPrincipals (every user, admin-granted)")
			allPrincipals++
		} else {
			who := g.PrincipalID
			if u, ok := users.get(g.PrincipalID); ok {
				who = u.Name()
				if u.UserPrincipalName != "" && u.UserPrincipalName != who {
					who += " (" + u.UserPrincipalName + ")"
				}
			}
			d = append(d, "consent: Principal, by "+who)
		}
		bad = append(bad, Affected{Kind: "grant", ID: g.ID, Name: name, Detail: strings.Join(d, "; "),
			Grant: &GrantEvidence{ID: g.ID, ClientID: g.ClientID, AppID: client.AppID, ResourceID: g.ResourceID, PrincipalID: g.PrincipalID,
				ConsentType: g.ConsentType, Scopes: strings.Fields(g.Scope)}})
		clients[strings.ToLower(g.ClientID)] = true
	}
	if len(bad) == 0 {
		return entraOutcome(StatusPass, nil, "None of %s gives a non-Microsoft app a high-risk scope.", phrase.Plural(len(grants), "delegated grant", "delegated grants"))
	}
	var notes []string
	if allPrincipals > 0 {
		notes = append(notes, fmt.Sprintf("%d for all users", allPrincipals))
	}
	if abused > 0 {
		notes = append(notes, fmt.Sprintf("%d to known-abused clients", abused))
	}
	if unresolved > 0 {
		notes = append(notes, fmt.Sprintf("%d to clients missing from the service principals", unresolved))
	}
	tail := ""
	if len(notes) > 0 {
		tail = " (" + strings.Join(notes, ", ") + ")"
	}
	var names []string
	seen := map[string]bool{}
	for _, a := range bad {
		if !seen[a.Name] {
			seen[a.Name] = true
			names = append(names, a.Name)
		}
	}
	verb := "carry high-risk scopes or go to known-abused clients"
	if len(bad) == 1 {
		verb = "carries high-risk scopes or goes to a known-abused client"
	}
	return entraOutcome(StatusFail, bad, "%s to %s %s%s: %s.",
		phrase.Plural(len(bad), "delegated grant", "delegated grants"), phrase.Plural(len(clients), "non-Microsoft app", "non-Microsoft apps"), verb, tail, entraNames(names, 5))
}
