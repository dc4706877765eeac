package checks

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// entraUserConsentLow are the Microsoft-managed user consent policies that
// allow only low-impact consent (verified publishers / Microsoft's
// recommended set): consent remains possible, so they warn rather than pass.
func entraUserConsentLow() []string {
	return []string{"microsoft-user-default-low", "microsoft-user-default-recommended"}
}

// evalAPP001 follows check-semantics.md: no ManagePermissionGrantsForSelf.*
// policy passes; only the low-impact Microsoft policies warn; anything else
// fails. ManagePermissionGrantsForOwnedResource.* is resource-specific
// consent by owners, not user consent.
func evalAPP001(c *Context) Outcome {
	p, err := c.Snap.AuthorizationPolicy()
	if err != nil {
		return Unknown(err)
	}
	assigned := p.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned
	if assigned == nil {
		return entraOutcome(StatusUnknown, nil, "Not evaluated: the authorization policy does not carry defaultUserRolePermissions.permissionGrantPoliciesAssigned.")
	}
	const prefix = "managepermissiongrantsforself."
	var self []Affected
	lowOnly := true
	for _, v := range assigned {
		lv := strings.ToLower(v)
		if !strings.HasPrefix(lv, prefix) {
			continue
		}
		pol := v[len(prefix):]
		a := Affected{Kind: "permissionGrantPolicy", ID: v, Name: pol}
		if entraContainsFold(entraUserConsentLow(), pol) {
			a.Detail = "users may consent to low-impact permissions of verified publishers or apps Microsoft selects"
		} else {
			lowOnly = false
			a.Detail = "users may consent to applications under this policy"
			if strings.EqualFold(pol, "microsoft-user-default-legacy") {
				a.Detail = "users may consent to any application for permissions that do not need admin consent"
			}
		}
		self = append(self, a)
	}
	switch {
	case len(self) == 0:
		return entraOutcome(StatusPass, nil, "Users cannot consent to applications; no ManagePermissionGrantsForSelf policy is assigned.")
	case lowOnly:
		return entraOutcome(StatusWarn, self, "Users can still consent to low-impact permissions (%s); turn user consent off and route requests to the admin consent workflow.",
			entraNames(entraAffectedNames(self), 3))
	}
	return entraOutcome(StatusFail, self, "Users can consent to applications themselves (%s).", entraNames(entraAffectedNames(self), 3))
}

// evalAPP002: the admin consent workflow is on with at least one reviewer.
func evalAPP002(c *Context) Outcome {
	p, err := c.Snap.AdminConsentRequestPolicy()
	if err != nil {
		return Unknown(err)
	}
	notify := "reviewers are notified"
	if !p.NotifyReviewers {
		notify = "reviewers are not notified of new requests"
	}
	aff := Affected{Kind: "policy", ID: "adminConsentRequestPolicy", Name: "Admin consent request policy"}
	switch {
	case !p.IsEnabled:
		aff.Detail = "isEnabled false"
		return entraOutcome(StatusFail, []Affected{aff}, "The admin consent workflow is off, so users have no reviewed route to request an app.")
	case len(p.Reviewers) == 0:
		aff.Detail = "isEnabled true; no reviewers"
		return entraOutcome(StatusFail, []Affected{aff}, "The admin consent workflow is on but has no reviewers, so requests go nowhere.")
	}
	expiry := ""
	if p.RequestDurationInDays > 0 {
		expiry = fmt.Sprintf(", requests expire after %d days", p.RequestDurationInDays)
	}
	return entraOutcome(StatusPass, nil, "The admin consent workflow is on with %s; %s, reminders %s%s.",
		entraPlural(len(p.Reviewers), "reviewer", "reviewers"), notify, map[bool]string{true: "on", false: "off"}[p.RemindersEnabled], expiry)
}

// evalAPP003: members cannot register applications (Graph's default is
// allowed, so unset fails).
func evalAPP003(c *Context) Outcome {
	p, err := c.Snap.AuthorizationPolicy()
	if err != nil {
		return Unknown(err)
	}
	v := p.DefaultUserRolePermissions.AllowedToCreateApps
	if v != nil && !*v {
		return entraOutcome(StatusPass, nil, "Members cannot register applications.")
	}
	return entraOutcome(StatusFail, []Affected{{Kind: "setting", ID: "defaultUserRolePermissions.allowedToCreateApps", Name: "allowedToCreateApps",
		Detail: entraBoolText(v, "defaults to allowed")}},
		"Any member can register applications; allowedToCreateApps is %s.", entraBoolText(v, "defaults to allowed"))
}

// entraRiskyScope reports whether a delegated scope is high risk
// (catalog ENTRA-APP-004 and Appendix D.4: mail, files, sites, directory
// write, legacy mail protocols, and Tier-0 role/app-role management).
func entraRiskyScope(scope string) bool {
	s := strings.ToLower(scope)
	for _, p := range []string{"files.", "sites.", "ediscovery.", "chat."} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	switch s {
	case "mail.read", "mail.readwrite", "mail.send", "mail.read.shared", "mail.readwrite.shared", "mail.send.shared",
		"mailboxsettings.readwrite", "directory.readwrite.all", "user.readwrite.all", "group.readwrite.all",
		"ews.accessasuser.all", "eas.accessasuser.all", "imap.accessasuser.all", "pop.accessasuser.all", "smtp.send",
		"full_access_as_user", "approleassignment.readwrite.all", "rolemanagement.readwrite.directory",
		"application.readwrite.all", "policy.readwrite.conditionalaccess", "userauthenticationmethod.readwrite.all",
		"domain.readwrite.all", "bitlockerkey.read.all", "channelmessage.read.all", "exchange.manage":
		return true
	}
	return false
}

// entraAbusedClient returns the known-abused client name (catalog Appendix
// D.5) a display name matches, or "".
func entraAbusedClient(name string) string {
	n := strings.ToLower(name)
	for _, k := range []string{"eM Client", "PerfectData Software", "Newsletter Software Supermailer", "SigParser", "CloudSponge", "rclone"} {
		if strings.Contains(n, strings.ToLower(k)) {
			return k
		}
	}
	return ""
}

// evalAPP004: no delegated grant to a non-Microsoft client carries a
// high-risk scope; clients on the known-abused list are reported whatever
// their scopes.
func evalAPP004(c *Context) Outcome {
	grants, err := c.Snap.OAuth2PermissionGrants()
	if err != nil {
		return Unknown(err)
	}
	sps, err := c.Snap.ServicePrincipals()
	if err != nil {
		return Unknown(err)
	}
	users, _, uerr := entraUsers(c.Snap)
	if uerr != nil && !entraIsNotCollected(uerr) {
		return Unknown(uerr)
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
		var risky []string
		for _, s := range g.Scopes() {
			if entraRiskyScope(s) {
				risky = append(risky, s)
			}
		}
		name := client.DisplayName
		if !found || name == "" {
			name = g.ClientID
		}
		known := entraAbusedClient(client.DisplayName)
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
		extra := map[string]string{"clientId": g.ClientID, "resourceId": g.ResourceID, "consentType": g.ConsentType}
		if g.PrincipalID != "" {
			extra["principalId"] = g.PrincipalID
		}
		if client.AppID != "" {
			extra["appId"] = client.AppID
		}
		bad = append(bad, Affected{Kind: "grant", ID: g.ID, Name: name, Detail: strings.Join(d, "; "), Extra: extra})
		clients[strings.ToLower(g.ClientID)] = true
	}
	if len(bad) == 0 {
		return entraOutcome(StatusPass, nil, "None of %s gives a non-Microsoft app a high-risk scope.", entraPlural(len(grants), "delegated grant", "delegated grants"))
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
		entraPlural(len(bad), "delegated grant", "delegated grants"), entraPlural(len(clients), "non-Microsoft app", "non-Microsoft apps"), verb, tail, entraNames(names, 5))
}

// entraMaxCredentialDays is the longest credential lifetime CIS v7 5.1.5.4
// accepts.
const entraMaxCredentialDays = 180

// entraCredentialFindings describes one object's credentials: secrets are
// always findings; certificates only when long-lived or expired.
func entraCredentialFindings(now time.Time, kind, id, appID, name string, secrets, certs []snapshot.Credential) (secretRows, certRows []Affected) {
	describe := func(what string, cr snapshot.Credential) (string, bool) {
		var parts []string
		issue := false
		label := what
		if cr.DisplayName != "" {
			label += fmt.Sprintf(" %q", cr.DisplayName)
		}
		label += " (keyId " + cr.KeyID + ")"
		parts = append(parts, label)
		if cr.StartDateTime != nil && cr.EndDateTime != nil {
			days := int(cr.EndDateTime.Sub(*cr.StartDateTime).Hours() / 24)
			parts = append(parts, fmt.Sprintf("valid %s to %s", entraDate(*cr.StartDateTime), entraDate(*cr.EndDateTime)))
			if days > entraMaxCredentialDays {
				parts = append(parts, fmt.Sprintf("lifetime %d days, longer than %d", days, entraMaxCredentialDays))
				issue = true
			}
		} else if cr.EndDateTime != nil {
			parts = append(parts, "valid until "+entraDate(*cr.EndDateTime))
		}
		if cr.EndDateTime != nil && cr.EndDateTime.Before(now) {
			parts = append(parts, "expired")
			issue = true
		}
		return strings.Join(parts, "; "), issue
	}
	sorted := func(cs []snapshot.Credential) []snapshot.Credential {
		c := append([]snapshot.Credential(nil), cs...)
		sort.SliceStable(c, func(i, j int) bool { return c[i].KeyID < c[j].KeyID })
		return c
	}
	row := func(detail, keyID string) Affected {
		ex := map[string]string{"objectId": id, "keyId": keyID}
		if appID != "" {
			ex["appId"] = appID
		}
		return Affected{Kind: kind, ID: id, Name: name, Detail: detail, Extra: ex}
	}
	for _, cr := range sorted(secrets) {
		d, _ := describe("client secret", cr)
		secretRows = append(secretRows, row(d, cr.KeyID))
	}
	for _, cr := range sorted(certs) {
		if d, issue := describe("certificate", cr); issue {
			certRows = append(certRows, row(d, cr.KeyID))
		}
	}
	return secretRows, certRows
}

// evalAPP006: app registrations use no client secrets, and no credential
// is long-lived or expired; secrets on non-Microsoft service principals
// (invisible in the portal) are listed too. Service principals are read
// when collected; without them a clean result cannot pass.
func evalAPP006(c *Context) Outcome {
	apps, err := c.Snap.Applications()
	if err != nil {
		return Unknown(err)
	}
	sps, spErr := c.Snap.ServicePrincipals()
	if spErr != nil && !entraIsNotCollected(spErr) {
		return Unknown(spErr)
	}
	var secrets, certs []Affected
	appsWithSecrets := map[string]bool{}
	for _, a := range apps {
		s, k := entraCredentialFindings(c.Now, "application", a.ID, a.AppID, a.DisplayName, a.PasswordCredentials, a.KeyCredentials)
		if len(s) > 0 {
			appsWithSecrets[a.ID] = true
		}
		secrets = append(secrets, s...)
		certs = append(certs, k...)
	}
	spSecrets := 0
	for _, sp := range sps {
		if sp.IsMicrosoft() || len(sp.PasswordCredentials) == 0 {
			continue
		}
		s, _ := entraCredentialFindings(c.Now, "servicePrincipal", sp.ID, sp.AppID, sp.DisplayName, sp.PasswordCredentials, nil)
		spSecrets += len(s)
		secrets = append(secrets, s...)
	}
	all := append(append([]Affected{}, secrets...), certs...)
	spNote := ""
	if spErr != nil {
		spNote = "; service principals were not collected, so secrets on them could not be checked"
	}
	switch {
	case len(secrets) > 0:
		var names []string
		seen := map[string]bool{}
		for _, a := range secrets {
			if !seen[a.Name] {
				seen[a.Name] = true
				names = append(names, a.Name)
			}
		}
		certNote := ""
		if len(certs) > 0 {
			certNote = fmt.Sprintf("; %s long-lived or expired", entraPlural(len(certs), "certificate is", "certificates are"))
		}
		return entraOutcome(StatusFail, all, "Client secrets are in use: %d on %d of %d app registrations and %d on non-Microsoft service principals (%s)%s%s.",
			len(secrets)-spSecrets, len(appsWithSecrets), len(apps), spSecrets, entraNames(names, 5), certNote, spNote)
	case len(certs) > 0:
		return entraOutcome(StatusWarn, all, "No client secrets, but %s long-lived (over %d days) or expired: %s%s.",
			entraPlural(len(certs), "certificate is", "certificates are"), entraMaxCredentialDays, entraNames(entraAffectedNames(certs), 5), spNote)
	case spErr != nil:
		return entraOutcome(StatusUnknown, nil, "None of %s uses a client secret or a long-lived or expired certificate%s.",
			entraPlural(len(apps), "app registration", "app registrations"), spNote)
	}
	return entraOutcome(StatusPass, nil, "None of %s or non-Microsoft service principals uses a client secret, and no certificate is long-lived or expired.",
		entraPlural(len(apps), "app registration", "app registrations"))
}
