package checks

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// irLegacyClients are clientAppUsed values of legacy protocols (catalog
// Appendix D.6).
var irLegacyClients = map[string]bool{
	"exchange activesync": true, "imap4": true, "pop3": true, "authenticated smtp": true, "other clients": true,
	"exchange web services": true, "mapi over http": true, "outlook anywhere (rpc over http)": true,
	"offline address book": true, "autodiscover": true, "exchange online powershell": true, "reporting web services": true,
}

// irSignInGroup aggregates sign-ins of one user, client and address.
type irSignInGroup struct {
	key         string
	userID, upn string
	client, ip  string
	place       string
	ok, failed  int
	first, last time.Time
	requirement string
}

func irGroupSignIns(sis []snapshot.SignIn, keep func(snapshot.SignIn) bool) []*irSignInGroup {
	groups := map[string]*irSignInGroup{}
	for _, s := range sis {
		if !keep(s) {
			continue
		}
		key := strings.ToLower(irFirst(s.UserID, s.UserPrincipalName)) + "|" + s.ClientAppUsed + "|" + s.IPAddress
		g, ok := groups[key]
		if !ok {
			g = &irSignInGroup{key: key, userID: s.UserID, upn: irFirst(s.UserPrincipalName, s.UserDisplayName, s.UserID),
				client: irFirst(s.ClientAppUsed, s.AppDisplayName), ip: s.IPAddress, place: s.Place(), first: s.CreatedDateTime, last: s.CreatedDateTime,
				requirement: s.AuthenticationRequirement}
			groups[key] = g
		}
		if s.Succeeded() {
			g.ok++
		} else {
			g.failed++
		}
		if s.CreatedDateTime.Before(g.first) {
			g.first = s.CreatedDateTime
		}
		if s.CreatedDateTime.After(g.last) {
			g.last = s.CreatedDateTime
		}
	}
	out := make([]*irSignInGroup, 0, len(groups))
	for _, g := range groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

func (g *irSignInGroup) where() string {
	w := irFirst(g.ip, "an unknown address")
	if g.place != "" {
		w += " (" + g.place + ")"
	}
	return w
}

// irLegacySignIns is IR-SIG-001.
func irLegacySignIns(c *Context) Outcome {
	sc := newIncidentScope(c)
	sis, err := c.Snap.SignIns()
	if err != nil {
		return Unknown(err)
	}
	groups := irGroupSignIns(sis, func(s snapshot.SignIn) bool {
		return sc.inWindow(s.CreatedDateTime) && irLegacyClients[strings.ToLower(s.ClientAppUsed)]
	})
	var out []Affected
	okGroups, failOnly, attributed := 0, 0, 0
	for _, g := range groups {
		a := Affected{Kind: "signIn", ID: g.key, Name: g.upn, Time: irTimePtr(g.first), Actor: g.where(),
			Detail: fmt.Sprintf("%s: %d successful, %d failed sign-ins from %s, %s", g.client, g.ok, g.failed, g.where(), irSpan(g.first, g.last)),
			Extra:  map[string]string{"userId": g.userID, "client": g.client, "ip": g.ip}}
		if g.ok > 0 {
			okGroups++
			if sc.isIncidentUser(g.userID) || sc.isIncidentUser(g.upn) {
				a.Attributed = true
				attributed++
			}
		} else {
			failOnly++
		}
		out = append(out, a)
	}
	note := irWindowNote(c.Snap, snapshot.DSSignIns)
	switch {
	case okGroups > 0:
		return Outcome{Status: StatusFail, Summary: fmt.Sprintf("Legacy protocols were used successfully %s (%s, %d on incident users): these sign-ins skip MFA. Disable POP, IMAP and SMTP AUTH and block legacy authentication.%s",
			sc.window(), irPlural(okGroups, "user/client/address combination", "user/client/address combinations"), attributed, note), Affected: out}
	case failOnly > 0:
		return Outcome{Status: StatusWarn, Summary: fmt.Sprintf("Only failed legacy-protocol sign-ins %s (%s) — a password-spray signal.%s", sc.window(), irPlural(failOnly, "source", "sources"), note), Affected: out}
	}
	return Outcome{Status: StatusPass, Summary: fmt.Sprintf("No legacy-protocol sign-in %s.%s", sc.window(), note), Affected: out}
}

// irSingleFactor is IR-SIG-002: successful interactive single-factor member
// sign-ins (MFA not actually enforced).
func irSingleFactor(c *Context) Outcome {
	sc := newIncidentScope(c)
	sis, err := c.Snap.SignIns()
	if err != nil {
		return Unknown(err)
	}
	haveReq := false
	for _, s := range sis {
		if s.AuthenticationRequirement != "" {
			haveReq = true
			break
		}
	}
	if len(sis) > 0 && !haveReq {
		return Outcome{Status: StatusUnknown, Summary: "Not evaluated: the sign-in log carries no authenticationRequirement (a beta field), so single-factor sign-ins cannot be told apart."}
	}
	bg := irBreakGlass(c)
	groups := irGroupSignIns(sis, func(s snapshot.SignIn) bool {
		if !sc.inWindow(s.CreatedDateTime) || !s.Succeeded() || !s.IsInteractive || !strings.EqualFold(s.AuthenticationRequirement, "singleFactorAuthentication") {
			return false
		}
		if strings.EqualFold(s.UserType, "guest") || bg[strings.ToLower(s.UserID)] || bg[strings.ToLower(s.UserPrincipalName)] {
			return false
		}
		if u, ok := sc.directory[s.UserID]; ok && u.IsGuest() {
			return false
		}
		return true
	})
	attackerIPs := irAttackerAddresses(c, sc, sis)
	var out []Affected
	users := map[string]bool{}
	attributed := 0
	for _, g := range groups {
		a := Affected{Kind: "signIn", ID: g.key, Name: g.upn, Time: irTimePtr(g.first), Actor: g.where(),
			Detail: fmt.Sprintf("%s to %s from %s, %s", irPlural(g.ok, "successful single-factor sign-in", "successful single-factor sign-ins"), g.client, g.where(), irSpan(g.first, g.last)),
			Extra:  map[string]string{"userId": g.userID, "client": g.client, "ip": g.ip}}
		incident := sc.isIncidentUser(g.userID) || sc.isIncidentUser(g.upn)
		switch {
		case incident && attackerIPs[g.ip] != "":
			// The incident user's password was used from an address the
			// attacker used: attribute it.
			a.Attributed = true
			a.Detail += "; the attacker used this address (" + attackerIPs[g.ip] + ")"
			attributed++
		case incident:
			a.Detail += "; not from a known attacker address — may be the user"
		}
		users[strings.ToLower(g.upn)] = true
		out = append(out, a)
	}
	// Sign-ins of incident users that passed MFA from an address the
	// attacker used: MFA was met by a claim in a stolen session token
	// (adversary-in-the-middle phishing), the usual way a phished account
	// "with MFA" is taken over.
	stolen := irGroupSignIns(sis, func(s snapshot.SignIn) bool {
		return sc.inWindow(s.CreatedDateTime) && s.Succeeded() && s.IsInteractive && attackerIPs[s.IPAddress] != "" &&
			strings.EqualFold(s.AuthenticationRequirement, "multiFactorAuthentication") &&
			(sc.isIncidentUser(s.UserID) || sc.isIncidentUser(s.UserPrincipalName))
	})
	for _, g := range stolen {
		out = append(out, Affected{Kind: "signIn", ID: g.key + "|mfa", Name: g.upn, Time: irTimePtr(g.first), Actor: g.where(), Attributed: true,
			Detail: fmt.Sprintf("%s to %s from %s that satisfied MFA, %s, from an address the attacker used (%s): a stolen session token (adversary-in-the-middle phishing) is likely",
				irPlural(g.ok, "successful sign-in", "successful sign-ins"), g.client, g.where(), irSpan(g.first, g.last), attackerIPs[g.ip]),
			Extra: map[string]string{"userId": g.userID, "client": g.client, "ip": g.ip}})
	}
	tokenNote := ""
	if len(stolen) > 0 {
		tokenNote = fmt.Sprintf(" %s from the attacker's addresses passed MFA, most likely with a stolen session token.", irPlural(len(stolen), "sign-in source", "sign-in sources"))
	}
	if len(groups) > 0 {
		return Outcome{Status: StatusFail, Summary: fmt.Sprintf("%s signed in successfully with a password alone %s (%s from addresses the attacker used): MFA is not actually enforced. Require MFA with Conditional Access.%s",
			irPlural(len(users), "member", "members"), sc.window(), irPlural(attributed, "source", "sources"), tokenNote), Affected: out}
	}
	if len(stolen) > 0 {
		return Outcome{Status: StatusFail, Summary: "Every interactive sign-in in the window used MFA, but" + tokenNote + " Revoke sessions and require phishing-resistant MFA.", Affected: out}
	}
	return Outcome{Status: StatusPass, Summary: fmt.Sprintf("No successful interactive single-factor member sign-in %s.", sc.window()), Affected: out}
}

// irBreakGlass returns the configured break-glass users (ids and UPNs,
// lower-case).
func irBreakGlass(c *Context) map[string]bool {
	out := map[string]bool{}
	if c.Config == nil {
		return out
	}
	for _, u := range c.Config.BreakGlass.Users {
		out[strings.ToLower(u)] = true
	}
	return out
}

// irRoleActivities are the role-assignment audit activities.
var irRoleActivities = []string{"Add member to role", "Add eligible member to role", "Add member to role in PIM completed*",
	"Add scoped member to role", "Add member to role outside of PIM*"}

// irRoleChanges is IR-PRIV-001.
func irRoleChanges(c *Context) Outcome {
	sc := newIncidentScope(c)
	audits, err := c.Snap.DirectoryAudits()
	if err != nil {
		return Unknown(err)
	}
	var out []Affected
	attributed, review := 0, 0
	for _, ev := range irAuditsNamed(audits, sc, irRoleActivities...) {
		a := Affected{Kind: "auditEvent", ID: ev.ID, Name: irAuditTargets(ev), Time: irTimePtr(ev.ActivityDateTime), Actor: ev.InitiatedBy.Label(),
			Detail: ev.ActivityDisplayName + irRoleName(ev)}
		guest := false
		for _, t := range ev.TargetResources {
			if strings.Contains(strings.ToUpper(t.UserPrincipalName), "#EXT#") {
				guest = true
			}
			if u, ok := sc.directory[t.ID]; ok && (u.IsGuest() || (u.CreatedDateTime != nil && sc.inWindow(*u.CreatedDateTime))) {
				guest = true
			}
		}
		if guest {
			a.Detail += "; granted to a guest or an account created in the window"
		}
		if sc.initiatedByIncidentUser(ev) {
			a.Attributed = true
			attributed++
		} else {
			review++
		}
		out = append(out, a)
	}
	st := irVerdict(attributed, review)
	note := irWindowNote(c.Snap, snapshot.DSDirectoryAudits)
	switch st {
	case StatusFail:
		return Outcome{Status: st, Summary: fmt.Sprintf("%s %s made by incident users — remove them; %s to review.%s", irPlural(attributed, "role change was", "role changes were"), sc.window(), irPlural(review, "other change", "other changes"), note), Affected: out}
	case StatusWarn:
		return Outcome{Status: st, Summary: fmt.Sprintf("%s %s; confirm each was an approved admin action.%s", irPlural(review, "role change", "role changes"), sc.window(), note), Affected: out}
	}
	return Outcome{Status: st, Summary: fmt.Sprintf("No role assignment was added %s.%s", sc.window(), note), Affected: out}
}

func irRoleName(ev snapshot.DirectoryAudit) string {
	for _, t := range ev.TargetResources {
		for _, p := range t.ModifiedProperties {
			if strings.EqualFold(p.DisplayName, "Role.DisplayName") {
				return ": " + strings.Trim(p.NewValue, `"`)
			}
		}
	}
	return ""
}

// irConfigActivities are audit activities that change security
// configuration.
var irConfigActivities = []string{"Add conditional access policy", "Update conditional access policy", "Delete conditional access policy",
	"Update authorization policy", "Update policy", "Authentication Methods Policy Update", "Update authentication methods policy",
	"Add unverified domain", "Verify domain", "Set domain authentication", "Set federation settings on domain", "Update domain"}

// irConfigChanges is IR-CFG-001.
func irConfigChanges(c *Context) Outcome {
	sc := newIncidentScope(c)
	audits, err := c.Snap.DirectoryAudits()
	if err != nil {
		return Unknown(err)
	}
	var out []Affected
	attributed, review := 0, 0
	for _, ev := range irAuditsNamed(audits, sc, irConfigActivities...) {
		a := Affected{Kind: "auditEvent", ID: ev.ID, Name: irAuditTargets(ev), Time: irTimePtr(ev.ActivityDateTime), Actor: ev.InitiatedBy.Label(),
			Detail: ev.ActivityDisplayName + irReason(ev)}
		act := strings.ToLower(ev.ActivityDisplayName)
		federation := strings.Contains(act, "federation") || strings.Contains(act, "domain authentication")
		if sc.initiatedByIncidentUser(ev) || federation || strings.HasPrefix(act, "delete conditional access") {
			a.Attributed = sc.initiatedByIncidentUser(ev)
			if federation {
				a.Detail += "; federation changes can hand sign-in to an attacker's identity provider"
			}
			attributed++
		} else {
			review++
		}
		out = append(out, a)
	}
	if ds, err := c.Snap.Domains(); err == nil {
		for _, d := range ds {
			if strings.EqualFold(d.AuthenticationType, "Federated") {
				review++
				out = append(out, Affected{Kind: "domain", ID: d.ID, Name: d.ID, Detail: "federated domain: confirm the identity provider is the organisation's own"})
			}
		}
	}
	st := irVerdict(attributed, review)
	note := irWindowNote(c.Snap, snapshot.DSDirectoryAudits)
	switch st {
	case StatusFail:
		return Outcome{Status: st, Summary: fmt.Sprintf("%s %s by incident users, or to federation or CA deletion — revert them.%s", irPlural(attributed, "security configuration change", "security configuration changes"), sc.window(), note), Affected: out}
	case StatusWarn:
		return Outcome{Status: st, Summary: fmt.Sprintf("%s to review %s.%s", irPlural(review, "configuration change or federated domain", "configuration changes or federated domains"), sc.window(), note), Affected: out}
	}
	return Outcome{Status: st, Summary: fmt.Sprintf("No security configuration change %s.%s", sc.window(), note), Affected: out}
}

// irAttackerAddresses returns the addresses the attacker is known to have
// used, with why: successful legacy-protocol sign-ins of incident users in
// the window, and the addresses of audit events incident users initiated in
// the window for attacker activities (security info, invitations,
// consents).
func irAttackerAddresses(c *Context, sc *incidentScope, sis []snapshot.SignIn) map[string]string {
	out := map[string]string{}
	for _, s := range sis {
		if s.IPAddress == "" || !s.Succeeded() || !sc.inWindow(s.CreatedDateTime) || !irLegacyClients[strings.ToLower(s.ClientAppUsed)] {
			continue
		}
		if sc.isIncidentUser(s.UserID) || sc.isIncidentUser(s.UserPrincipalName) {
			out[s.IPAddress] = "successful " + s.ClientAppUsed + " sign-in"
		}
	}
	if audits, err := c.Snap.DirectoryAudits(); err == nil {
		acts := append([]string{"Invite external user", "Consent to application", "Add delegated permission grant"}, irSecurityInfoActivities...)
		for _, a := range irAuditsNamed(audits, sc, acts...) {
			if a.InitiatedBy.User == nil || a.InitiatedBy.User.IPAddress == "" || !sc.initiatedByIncidentUser(a) {
				continue
			}
			if _, ok := out[a.InitiatedBy.User.IPAddress]; !ok {
				out[a.InitiatedBy.User.IPAddress] = "\"" + a.ActivityDisplayName + "\" " + irTime(a.ActivityDateTime)
			}
		}
	}
	return out
}

// irSpan renders a time range, or one time when both ends are equal.
func irSpan(first, last time.Time) string {
	if first.Equal(last) {
		return "at " + irTime(first)
	}
	return irTime(first) + " to " + irTime(last)
}
