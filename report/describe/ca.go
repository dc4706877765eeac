package describe

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// PolicyView is a Conditional Access policy in plain words. Every field is
// a display string; an empty Session means "no session controls".
type PolicyView struct {
	ID   string
	Name string
	// State is "On", "Report-only" or "Off" (or Graph's raw value when it is
	// none of these).
	State string
	// Users says who the policy applies to, exclusions included, e.g.
	// "All users except 2 users (Break Glass 1, Break Glass 2)".
	Users string
	// Resources says what it covers: "All resources", named apps, or a user
	// action such as "user action: register security information".
	Resources string
	// Conditions lists the further conditions ("client apps: Exchange
	// ActiveSync, other legacy clients; locations: …"), or "none".
	Conditions string
	// Grant says what is required: "Block access", "Require MFA", "Require
	// MFA OR compliant device", "Require authentication strength
	// Phishing-resistant MFA", or "No grant controls".
	Grant string
	// Session lists session controls, "" when there are none.
	Session string
	// Modified is the last modification (or creation) time, RFC 3339 UTC,
	// "" when Graph gave none.
	Modified string
}

// Sentence renders the whole policy as one line, for lists and the PDF:
// "On: Block access for All users except … on All resources when client
// apps: Exchange ActiveSync, other legacy clients".
func (v PolicyView) Sentence() string {
	var b strings.Builder
	b.WriteString(v.State)
	b.WriteString(": ")
	b.WriteString(v.Grant)
	b.WriteString(" for ")
	b.WriteString(v.Users)
	b.WriteString(" on ")
	b.WriteString(v.Resources)
	if v.Conditions != "" && v.Conditions != "none" {
		b.WriteString(" when ")
		b.WriteString(v.Conditions)
	}
	if v.Session != "" {
		b.WriteString("; session: ")
		b.WriteString(v.Session)
	}
	return b.String()
}

// maxListed bounds how many names a phrase spells out before "and N more".
const maxListed = 5

// CAPolicy describes one Conditional Access policy in plain words.
func CAPolicy(p snapshot.CAPolicy, names Names) PolicyView {
	v := PolicyView{
		ID:         p.ID,
		Name:       p.DisplayName,
		State:      policyState(p.State),
		Users:      describeUsers(p.Conditions.Users, names),
		Resources:  describeResources(p.Conditions, names),
		Conditions: describeConditions(p.Conditions, names),
		Grant:      describeGrant(p.GrantControls, names),
		Session:    describeSession(p.SessionControls),
	}
	switch {
	case p.ModifiedDateTime != nil:
		v.Modified = p.ModifiedDateTime.UTC().Format("2006-01-02T15:04:05Z")
	case p.CreatedDateTime != nil:
		v.Modified = p.CreatedDateTime.UTC().Format("2006-01-02T15:04:05Z")
	}
	return v
}

func policyState(s string) string {
	switch strings.ToLower(s) {
	case "enabled":
		return "On"
	case "enabledforreportingbutnotenforced":
		return "Report-only"
	case "disabled":
		return "Off"
	case "":
		return "unknown state"
	}
	return s
}

// nameList renders "2 users (A, B)" with a singular/plural noun and at most
// maxListed names.
func nameList(singular, plural string, ids []string, resolve func(string) string) string {
	if len(ids) == 0 {
		return ""
	}
	ns := make([]string, 0, len(ids))
	for _, id := range ids {
		ns = append(ns, resolve(id))
	}
	listed := ns
	more := ""
	if len(ns) > maxListed {
		listed = ns[:maxListed]
		more = fmt.Sprintf(" and %d more", len(ns)-maxListed)
	}
	noun := plural
	if len(ids) == 1 {
		return singular + " " + ns[0]
	}
	return fmt.Sprintf("%d %s (%s%s)", len(ids), noun, strings.Join(listed, ", "), more)
}

// splitSpecial separates Graph's keywords ("All", "None", …) from ids.
func splitSpecial(vals []string, keywords ...string) (special []string, ids []string) {
	for _, v := range vals {
		matched := false
		for _, k := range keywords {
			if strings.EqualFold(v, k) {
				special = append(special, k)
				matched = true
				break
			}
		}
		if !matched {
			ids = append(ids, v)
		}
	}
	return special, ids
}

func describeGuests(g *snapshot.CAGuests) string {
	if g == nil || strings.TrimSpace(g.GuestOrExternalUserTypes) == "" {
		return ""
	}
	var parts []string
	for _, t := range strings.Split(g.GuestOrExternalUserTypes, ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if w, ok := knowledge.GuestTypePhrase(t); ok {
			parts = append(parts, w)
		} else {
			parts = append(parts, t)
		}
	}
	s := strings.Join(parts, ", ")
	if et := g.ExternalTenants; et != nil && !strings.EqualFold(et.MembershipKind, "all") && len(et.Members) > 0 {
		s += fmt.Sprintf(" from %d listed tenants (%s)", len(et.Members), strings.Join(et.Members, ", "))
	}
	return s
}

func userParts(users, groups, roles []string, guests *snapshot.CAGuests, names Names, include bool) []string {
	var parts []string
	special, ids := splitSpecial(users, "All", "None", "GuestsOrExternalUsers")
	for _, s := range special {
		switch s {
		case "All":
			parts = append(parts, "All users")
		case "None":
			if include {
				parts = append(parts, "No users")
			}
		case "GuestsOrExternalUsers":
			parts = append(parts, "guests and external users")
		}
	}
	if s := nameList("user", "users", ids, names.User); s != "" {
		parts = append(parts, s)
	}
	if s := nameList("group", "groups", groups, names.Group); s != "" {
		parts = append(parts, s)
	}
	if len(roles) > 0 {
		rs := make([]string, 0, len(roles))
		for _, r := range roles {
			rs = append(rs, names.Role(r))
		}
		noun := "role "
		if len(rs) > 1 {
			noun = "roles "
		}
		parts = append(parts, noun+strings.Join(rs, ", "))
	}
	if s := describeGuests(guests); s != "" {
		parts = append(parts, s)
	}
	return parts
}

func describeUsers(u *snapshot.CAUsers, names Names) string {
	if u == nil {
		return "No users (no users condition)"
	}
	inc := userParts(u.IncludeUsers, u.IncludeGroups, u.IncludeRoles, u.IncludeGuestsOrExternalUsers, names, true)
	exc := userParts(u.ExcludeUsers, u.ExcludeGroups, u.ExcludeRoles, u.ExcludeGuestsOrExternalUsers, names, false)
	return exceptList(inc, exc, "No users")
}

var userActions = map[string]string{
	"urn:user:registersecurityinfo": "register security information",
	"urn:user:registerdevice":       "register or join devices",
}

func describeResources(c snapshot.CAConditions, names Names) string {
	var inc, exc []string
	if a := c.Applications; a != nil {
		special, ids := splitSpecial(a.IncludeApplications, "All", "None", "Office365", "MicrosoftAdminPortals")
		for _, s := range special {
			switch s {
			case "All":
				inc = append(inc, "All resources")
			case "None":
				inc = append(inc, "No resources")
			case "Office365":
				inc = append(inc, "Office 365")
			case "MicrosoftAdminPortals":
				inc = append(inc, "Microsoft Admin Portals")
			}
		}
		if s := nameList("app", "apps", ids, names.App); s != "" {
			inc = append(inc, s)
		}
		for _, ua := range a.IncludeUserActions {
			w, ok := userActions[strings.ToLower(ua)]
			if !ok {
				w = ua
			}
			inc = append(inc, "user action: "+w)
		}
		if len(a.IncludeAuthenticationContextClassReferences) > 0 {
			inc = append(inc, "authentication context "+strings.Join(a.IncludeAuthenticationContextClassReferences, ", "))
		}
		special, ids = splitSpecial(a.ExcludeApplications, "Office365", "MicrosoftAdminPortals")
		for _, s := range special {
			if s == "Office365" {
				exc = append(exc, "Office 365")
			} else {
				exc = append(exc, "Microsoft Admin Portals")
			}
		}
		if s := nameList("app", "apps", ids, names.App); s != "" {
			exc = append(exc, s)
		}
		if f := a.ApplicationFilter; f != nil && f.Rule != "" {
			inc = append(inc, fmt.Sprintf("apps filter (%s): %s", f.Mode, f.Rule))
		}
	}
	if ca := c.ClientApplications; ca != nil {
		if s := nameList("workload identity", "workload identities", ca.IncludeServicePrincipals, names.App); s != "" {
			inc = append(inc, s)
		}
		if s := nameList("workload identity", "workload identities", ca.ExcludeServicePrincipals, names.App); s != "" {
			exc = append(exc, s)
		}
	}
	return exceptList(inc, exc, "No resources")
}

var clientApps = map[string]string{
	"browser":                     "browser",
	"mobileappsanddesktopclients": "mobile apps and desktop clients",
	"exchangeactivesync":          "Exchange ActiveSync",
	"other":                       "other legacy clients",
	"all":                         "all",
}

func word(m map[string]string, v string) string {
	if w, ok := m[strings.ToLower(v)]; ok {
		return w
	}
	return v
}

func describeConditions(c snapshot.CAConditions, names Names) string {
	var parts []string
	if apps := c.ClientAppTypes; len(apps) > 0 && !(len(apps) == 1 && strings.EqualFold(apps[0], "all")) {
		ws := make([]string, 0, len(apps))
		for _, a := range apps {
			ws = append(ws, word(clientApps, a))
		}
		parts = append(parts, "client apps: "+strings.Join(ws, ", "))
	}
	if p := c.Platforms; p != nil && (len(p.IncludePlatforms) > 0 || len(p.ExcludePlatforms) > 0) {
		s := "platforms: " + platformList(p.IncludePlatforms)
		if len(p.ExcludePlatforms) > 0 {
			s += " except " + platformList(p.ExcludePlatforms)
		}
		parts = append(parts, s)
	}
	if l := c.Locations; l != nil && (len(l.IncludeLocations) > 0 || len(l.ExcludeLocations) > 0) {
		s := "locations: " + locationList(l.IncludeLocations, names)
		if len(l.ExcludeLocations) > 0 {
			s += " except " + locationList(l.ExcludeLocations, names)
		}
		parts = append(parts, s)
	}
	if len(c.UserRiskLevels) > 0 {
		parts = append(parts, "user risk: "+strings.Join(c.UserRiskLevels, ", "))
	}
	if len(c.SignInRiskLevels) > 0 {
		parts = append(parts, "sign-in risk: "+strings.Join(c.SignInRiskLevels, ", "))
	}
	if len(c.ServicePrincipalRiskLevels) > 0 {
		parts = append(parts, "workload identity risk: "+strings.Join(c.ServicePrincipalRiskLevels, ", "))
	}
	if c.InsiderRiskLevels != nil && *c.InsiderRiskLevels != "" {
		parts = append(parts, "insider risk: "+*c.InsiderRiskLevels)
	}
	if d := c.Devices; d != nil && d.DeviceFilter != nil && d.DeviceFilter.Rule != "" {
		parts = append(parts, fmt.Sprintf("device filter (%s): %s", d.DeviceFilter.Mode, d.DeviceFilter.Rule))
	}
	if f := c.AuthenticationFlows; f != nil && f.TransferMethods != "" {
		var ws []string
		for _, m := range strings.Split(f.TransferMethods, ",") {
			switch strings.TrimSpace(m) {
			case "deviceCodeFlow":
				ws = append(ws, "device code flow")
			case "authenticationTransfer":
				ws = append(ws, "authentication transfer")
			default:
				ws = append(ws, strings.TrimSpace(m))
			}
		}
		parts = append(parts, "authentication flows: "+strings.Join(ws, ", "))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

func platformList(ps []string) string {
	ws := make([]string, 0, len(ps))
	for _, p := range ps {
		switch strings.ToLower(p) {
		case "all":
			ws = append(ws, "any platform")
		case "ios":
			ws = append(ws, "iOS")
		case "macos":
			ws = append(ws, "macOS")
		case "windowsphone":
			ws = append(ws, "Windows Phone")
		case "android":
			ws = append(ws, "Android")
		case "windows":
			ws = append(ws, "Windows")
		case "linux":
			ws = append(ws, "Linux")
		default:
			ws = append(ws, p)
		}
	}
	return strings.Join(ws, ", ")
}

func locationList(ls []string, names Names) string {
	ws := make([]string, 0, len(ls))
	for _, l := range ls {
		switch strings.ToLower(l) {
		case "all":
			ws = append(ws, "any location")
		case "alltrusted":
			ws = append(ws, "all trusted locations")
		default:
			ws = append(ws, names.Location(l))
		}
	}
	return strings.Join(ws, ", ")
}

var grantWords = map[string]string{
	"mfa":                  "MFA",
	"compliantdevice":      "compliant device",
	"domainjoineddevice":   "Microsoft Entra hybrid joined device",
	"approvedapplication":  "approved client app",
	"compliantapplication": "app protection policy",
	"passwordchange":       "password change",
}

func describeGrant(g *snapshot.CAGrantControls, names Names) string {
	if g == nil {
		return "No grant controls"
	}
	var reqs []string
	block := false
	for _, c := range g.BuiltInControls {
		if strings.EqualFold(c, "block") {
			block = true
			continue
		}
		reqs = append(reqs, word(grantWords, c))
	}
	if a := g.AuthenticationStrength; a != nil {
		name := a.DisplayName
		if name == "" {
			name = names.AuthStrength(a.ID)
		}
		reqs = append(reqs, "authentication strength "+name)
	}
	if len(g.TermsOfUse) > 0 {
		reqs = append(reqs, "terms of use")
	}
	for _, f := range g.CustomAuthenticationFactors {
		reqs = append(reqs, "custom control "+f)
	}
	if block {
		if len(reqs) == 0 {
			return "Block access"
		}
		// Graph rejects block combined with other controls; say what we saw.
		return "Block access (also lists: " + strings.Join(reqs, ", ") + ")"
	}
	if len(reqs) == 0 {
		return "No grant controls"
	}
	op := " AND "
	if strings.EqualFold(g.Operator, "OR") {
		op = " OR "
	}
	return "Require " + strings.Join(reqs, op)
}

func describeSession(s *snapshot.CASessionControls) string {
	if s == nil {
		return ""
	}
	var parts []string
	if f := s.SignInFrequency; f != nil && f.IsEnabled {
		switch {
		case strings.EqualFold(f.FrequencyInterval, "everyTime"):
			parts = append(parts, "sign-in frequency: every time")
		case f.Value != nil:
			unit := strings.ToLower(f.Type)
			if *f.Value == 1 {
				unit = strings.TrimSuffix(unit, "s")
			}
			parts = append(parts, fmt.Sprintf("sign-in frequency: every %d %s", *f.Value, unit))
		default:
			parts = append(parts, "sign-in frequency: on")
		}
	}
	if p := s.PersistentBrowser; p != nil && p.IsEnabled {
		parts = append(parts, "persistent browser: "+p.Mode)
	}
	return strings.Join(parts, "; ")
}

// exceptList renders "A, B except C, D" (or empty when nothing is included).
func exceptList(inc, exc []string, empty string) string {
	s := strings.Join(inc, ", ")
	if s == "" {
		s = empty
	}
	if len(exc) > 0 {
		s += " except " + strings.Join(exc, ", ")
	}
	return s
}
