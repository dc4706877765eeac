package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// This file is the one Conditional Access evaluator every CA-based check
// uses, implementing docs/semantics.md "Conditional Access evaluation".
// Each check describes what a policy must do (a caRequirement); the
// evaluator judges every policy against it and explains each decision, so a
// summary can say which policy counts and why the others do not.

// CA policy states as Graph spells them.
const (
	caStateEnabled    = "enabled"
	caStateReportOnly = "enabledForReportingButNotEnforced"
	caStateDisabled   = "disabled"
)

// builtInStrengths are Microsoft's built-in strengths as snapshot values,
// so an inline strength carrying only its id can be judged even when the
// authenticationStrengthPolicies dataset was not collected.
func builtInStrengths() map[string]snapshot.AuthenticationStrength {
	out := map[string]snapshot.AuthenticationStrength{}
	for id, st := range knowledge.BuiltInStrengths() {
		out[id] = snapshot.AuthenticationStrength{ID: st.ID, DisplayName: st.Name, PolicyType: "builtIn", AllowedCombinations: st.Combinations}
	}
	return out
}

// Authentication method combinations, as allowedCombinations spells them.
//
//	combination                               multifactor  phishing-resistant
//	"a,b" (two factors, e.g. password,sms)    yes          no
//	windowsHelloForBusiness                   yes          yes
//	fido2                                     yes          yes
//	x509CertificateMultiFactor                yes          yes
//	deviceBasedPush (Authenticator passwordless) yes       no
//	temporaryAccessPassOneTime / MultiUse     yes          no
//	federatedMultiFactor                      yes          no
//	password, sms, voice, email, hardwareOath, softwareOath,
//	microsoftAuthenticatorPush, federatedSingleFactor,
//	x509CertificateSingleFactor, qrCodePin (alone)  no     no
//
// Anything not listed (a method Microsoft adds later) counts as single
// factor: an unknown method must not make a strength pass.
func combinationMultifactor(c string) bool {
	c = strings.TrimSpace(c)
	if strings.Contains(c, ",") {
		parts := 0
		for _, p := range strings.Split(c, ",") {
			if strings.TrimSpace(p) != "" {
				parts++
			}
		}
		return parts >= 2
	}
	switch strings.ToLower(c) {
	case "windowshelloforbusiness", "fido2", "x509certificatemultifactor", "devicebasedpush",
		"temporaryaccesspassonetime", "temporaryaccesspassmultiuse", "federatedmultifactor":
		return true
	}
	return false
}

// combinationPhishingResistant reports whether a combination is one of the
// three phishing-resistant methods.
func combinationPhishingResistant(c string) bool {
	switch strings.ToLower(strings.TrimSpace(c)) {
	case "windowshelloforbusiness", "fido2", "x509certificatemultifactor":
		return true
	}
	return false
}

// StrengthIsMFA reports whether every allowed combination of a strength is
// multifactor (an empty strength is not).
func StrengthIsMFA(s snapshot.AuthenticationStrength) bool {
	if len(s.AllowedCombinations) == 0 {
		return false
	}
	for _, c := range s.AllowedCombinations {
		if !combinationMultifactor(c) {
			return false
		}
	}
	return true
}

// StrengthIsPhishingResistant reports whether the allowed combinations are a
// non-empty subset of {windowsHelloForBusiness, fido2,
// x509CertificateMultiFactor}.
func StrengthIsPhishingResistant(s snapshot.AuthenticationStrength) bool {
	if len(s.AllowedCombinations) == 0 {
		return false
	}
	for _, c := range s.AllowedCombinations {
		if !combinationPhishingResistant(c) {
			return false
		}
	}
	return true
}

// caTarget is who a control must cover.
type caTarget int

const (
	targetAllUsers caTarget = iota // includeUsers contains All
	targetAdmins                   // All, or includeRoles ⊇ the privileged set
	targetGuests                   // All, or every guest/external type
)

// caResource is what a control must cover.
type caResource int

const (
	resourceAllApps              caResource = iota // includeApplications All, no exclusions
	resourceRegisterSecurityInfo                   // the user action urn:user:registersecurityinfo
)

// grantFunc judges a policy's grant controls for a control.
type grantFunc func(g grantSet) bool

// caRequirement describes what one policy must do to count for a control.
type caRequirement struct {
	// CheckID selects exclusions.<CheckID> from the config.
	CheckID string
	// Control is a short noun phrase for summaries ("MFA for all users").
	Control  string
	Target   caTarget
	Resource caResource
	// ClientApps, when set, replaces the "no clientAppTypes condition" rule:
	// the policy must target some of these types, and contributes those it
	// targets (legacy authentication: two policies may split them).
	ClientApps []string
	// Flows, when set, requires authenticationFlows.transferMethods to hold
	// some of these, and the policy contributes those it holds.
	Flows []string
	// Need is the set of contributions that together make the control; nil
	// means one counting policy ("*").
	Need []string
	// Risk is "" (no risk condition allowed), "user" or "signIn": the policy
	// must hold that risk condition with level high and no other.
	Risk string
	// AllowLocations lets a locations condition pass (relaxed CA-008 only).
	AllowLocations bool
	Grant          grantFunc
	// GrantNoun says what the grant must do ("require MFA").
	GrantNoun string
}

// grantElem is one alternative (OR) or one requirement (AND) of a grant.
type grantElem struct {
	Name  string
	MFA   bool
	Phish bool
	Block bool
	// Unresolved names a strength id that could not be resolved.
	Unresolved string
}

// grantSet is a policy's grant controls, broken into elements.
type grantSet struct {
	Operator string
	Elems    []grantElem
}

// has reports whether an element with the given built-in name is present.
func (g grantSet) has(name string) bool {
	for _, e := range g.Elems {
		if strings.EqualFold(e.Name, name) {
			return true
		}
	}
	return false
}

// satisfies applies the operator rule: with AND at least one element must
// satisfy pred; with OR (or a single element) every alternative must.
func (g grantSet) satisfies(pred func(grantElem) bool) bool {
	if len(g.Elems) == 0 {
		return false
	}
	if strings.EqualFold(g.Operator, "AND") {
		for _, e := range g.Elems {
			if pred(e) {
				return true
			}
		}
		return false
	}
	for _, e := range g.Elems {
		if !pred(e) {
			return false
		}
	}
	return true
}

func (g grantSet) unresolved() string {
	for _, e := range g.Elems {
		if e.Unresolved != "" {
			return e.Unresolved
		}
	}
	return ""
}

func (g grantSet) String() string {
	if len(g.Elems) == 0 {
		return "no grant control"
	}
	names := make([]string, len(g.Elems))
	for i, e := range g.Elems {
		names[i] = e.Name
	}
	op := strings.ToUpper(g.Operator)
	if op == "" {
		op = "OR"
	}
	return strings.Join(names, " "+op+" ")
}

// Grant predicates shared by the CA checks.
func grantMFA(g grantSet) bool {
	return g.satisfies(func(e grantElem) bool { return e.MFA })
}

func grantPhishingResistant(g grantSet) bool {
	return g.satisfies(func(e grantElem) bool { return e.Phish })
}

func grantBlock(g grantSet) bool {
	return g.satisfies(func(e grantElem) bool { return e.Block })
}

func grantBlockOrMFA(g grantSet) bool {
	return g.satisfies(func(e grantElem) bool { return e.Block || e.MFA })
}

// grantBlockOrMFAAndPasswordChange is the user-risk rule: block, or MFA AND
// password change (Microsoft's remediation template).
func grantBlockOrMFAAndPasswordChange(g grantSet) bool {
	if grantBlock(g) {
		return true
	}
	if !strings.EqualFold(g.Operator, "AND") || !g.has("passwordChange") {
		return false
	}
	for _, e := range g.Elems {
		if e.MFA {
			return true
		}
	}
	return false
}

// caEnv is what the evaluator reads besides the policies: the snapshot for
// names and strengths, and the config for approved exclusions.
type caEnv struct {
	ctx *Context
	cfg *Resolved

	strengths       map[string]snapshot.AuthenticationStrength
	strengthsLoaded bool
	strengthsErr    error

	users     map[string]*snapshot.User // lower-case id and UPN -> user
	roleNames map[string]string         // lower-case id/template id -> name
}

// newCAEnv returns the context's CA environment, building it on first use
// so the user index is built once per run, not once per check.
func newCAEnv(c *Context) *caEnv {
	if c.ca != nil && c.ca.ctx == c {
		return c.ca
	}
	c.ca = &caEnv{ctx: c, cfg: c.Config}
	return c.ca
}

// strength resolves an inline strength: with combinations it is used as
// given; with only an id it is looked up in the dataset, then among the
// built-in strengths.
func (e *caEnv) strength(s *snapshot.AuthenticationStrength) (snapshot.AuthenticationStrength, bool) {
	if len(s.AllowedCombinations) > 0 {
		return *s, true
	}
	// Every lookup records the read for the running check, not only the
	// first one that loads the dataset.
	list, err := e.ctx.AuthenticationStrengths()
	if !e.strengthsLoaded {
		e.strengthsLoaded = true
		e.strengths = map[string]snapshot.AuthenticationStrength{}
		e.strengthsErr = err
		for _, st := range list {
			e.strengths[strings.ToLower(st.ID)] = st
		}
	}
	if st, ok := e.strengths[strings.ToLower(s.ID)]; ok {
		return st, true
	}
	if st, ok := builtInStrengths()[strings.ToLower(s.ID)]; ok {
		return st, true
	}
	return snapshot.AuthenticationStrength{}, false
}

func (e *caEnv) loadUsers() {
	list, err := e.ctx.Users() // records the read for the running check
	if err != nil {
		e.ctx.decidedWithout(snapshot.DSUsers) // users are only named: the id stands in
	}
	if e.users != nil {
		return
	}
	e.users = make(map[string]*snapshot.User, 2*len(list))
	if err != nil {
		return
	}
	for i := range list {
		u := &list[i]
		e.users[strings.ToLower(u.ID)] = u
		if u.UserPrincipalName != "" {
			e.users[strings.ToLower(u.UserPrincipalName)] = u
		}
	}
}

// userName names a user id for summaries: "Display Name (upn)" or the id.
func (e *caEnv) userName(id string) string {
	switch strings.ToLower(id) {
	case "guestsorexternalusers":
		return "all guests and external users"
	case "all":
		return "all users"
	}
	e.loadUsers()
	if u, ok := e.users[strings.ToLower(id)]; ok {
		if u.UserPrincipalName != "" && u.DisplayName != "" && u.DisplayName != u.UserPrincipalName {
			return u.DisplayName + " (" + u.UserPrincipalName + ")"
		}
		return u.Name()
	}
	return "user " + id
}

// roleName names a role template or definition id.
func (e *caEnv) roleName(id string) string {
	l := strings.ToLower(id)
	if l == knowledge.RoleDirectorySynchronizationAccounts || knowledge.IsPrivilegedRole(l) {
		n, _ := knowledge.RoleName(l)
		return n
	}
	defs, err := e.ctx.RoleDefinitions() // records the read for the running check
	if e.roleNames == nil {
		e.roleNames = map[string]string{}
		if err == nil {
			for _, d := range defs {
				e.roleNames[strings.ToLower(d.ID)] = d.DisplayName
				if d.TemplateID != "" {
					e.roleNames[strings.ToLower(d.TemplateID)] = d.DisplayName
				}
			}
		}
	}
	if n, ok := e.roleNames[l]; ok && n != "" {
		return n
	}
	return "role " + id
}

// approvedUser reports whether an excluded user id is a declared break-glass
// account or an approved exclusion for the check (resolved object ids).
func (e *caEnv) approvedUser(checkID, id string) bool { return e.cfg.ApprovedUser(checkID, id) }

// isBreakGlassUser reports whether id is a configured break-glass user.
func (e *caEnv) isBreakGlassUser(id string) bool { return e.cfg.IsBreakGlassUser(id) }

// isBreakGlassGroup reports whether id is a configured break-glass group.
func (e *caEnv) isBreakGlassGroup(id string) bool { return e.cfg.IsBreakGlassGroup(id) }

func (e *caEnv) approvedGroup(checkID, id string) bool { return e.cfg.ApprovedGroup(checkID, id) }

// PolicyEval is the evaluator's judgement of one policy for one control.
type PolicyEval struct {
	Policy snapshot.CAPolicy
	// Counts: every rule holds, with only approved exclusions.
	Counts bool
	// Unapproved lists exclusions that are not approved; when Reasons is
	// empty the policy would count if they were approved.
	Unapproved []string
	// Reasons says why the policy does not count (besides exclusions).
	Reasons []string
	// Contributes is what the policy covers: "*" for a plain control, or
	// the client app types / transfer methods it targets.
	Contributes []string
	// Relevant: the policy tries to do this control (its grant satisfies it
	// and it touches what the control is about); listed in findings.
	Relevant bool
	// Unresolved names an authentication strength that could not be
	// resolved (the decision is then unknown, never pass).
	Unresolved string
	// Approved lists the approved exclusions, for the detail text.
	Approved []string
}

// State returns the policy state.
func (p PolicyEval) State() string { return p.Policy.State }

// unapprovedText names exclusions the configuration does not approve:
// "an exclusion that is not approved: X" or "2 exclusions that are not
// approved: X; Y".
func unapprovedText(names []string) string {
	lead := "an exclusion that is not approved"
	if len(names) != 1 {
		lead = fmt.Sprintf("%d exclusions that are not approved", len(names))
	}
	return lead + ": " + strings.Join(names, "; ")
}

// WouldCount reports whether only unapproved exclusions stop the policy.
func (p PolicyEval) WouldCount() bool {
	return !p.Counts && len(p.Reasons) == 0 && len(p.Unapproved) > 0 && p.Unresolved == ""
}

// Detail explains the decision in one sentence.
func (p PolicyEval) Detail() string {
	state := map[string]string{caStateEnabled: "enabled", caStateReportOnly: "report-only", caStateDisabled: "disabled"}[p.Policy.State]
	if state == "" {
		state = "state " + p.Policy.State
	}
	var b strings.Builder
	switch {
	case p.Counts:
		b.WriteString("counts (" + state + ")")
	case p.WouldCount():
		fmt.Fprintf(&b, "does not count (%s) only because of %s", state, unapprovedText(p.Unapproved))
	default:
		b.WriteString("does not count (" + state + ")")
		var why []string
		if p.Unresolved != "" {
			why = append(why, "authentication strength "+p.Unresolved+" could not be resolved")
		}
		why = append(why, p.Reasons...)
		if len(p.Unapproved) > 0 {
			why = append(why, unapprovedText(p.Unapproved))
		}
		if len(why) > 0 {
			b.WriteString(": " + strings.Join(why, "; "))
		}
	}
	if len(p.Approved) > 0 {
		b.WriteString("; approved exclusions: " + strings.Join(p.Approved, "; "))
	}
	return b.String()
}

// grantOf breaks a policy's grant controls into elements, resolving
// authentication strengths.
func (e *caEnv) grantOf(p snapshot.CAPolicy) grantSet {
	g := p.GrantControls
	if g == nil {
		return grantSet{}
	}
	gs := grantSet{Operator: g.Operator}
	for _, c := range g.BuiltInControls {
		gs.Elems = append(gs.Elems, grantElem{Name: c, MFA: strings.EqualFold(c, "mfa"), Block: strings.EqualFold(c, "block")})
	}
	if g.AuthenticationStrength != nil {
		st, ok := e.strength(g.AuthenticationStrength)
		name := g.AuthenticationStrength.DisplayName
		if name == "" {
			name = st.DisplayName
		}
		if name == "" {
			name = g.AuthenticationStrength.ID
		}
		el := grantElem{Name: "authentication strength '" + name + "'"}
		if ok {
			el.MFA = StrengthIsMFA(st)
			el.Phish = StrengthIsPhishingResistant(st)
		} else {
			el.Unresolved = g.AuthenticationStrength.ID
			if e.strengthsErr != nil {
				el.Unresolved += " (" + snapshot.DSAuthenticationStrengths + " not collected)"
			}
		}
		gs.Elems = append(gs.Elems, el)
	}
	for _, c := range g.CustomAuthenticationFactors {
		gs.Elems = append(gs.Elems, grantElem{Name: "custom factor " + c})
	}
	for _, c := range g.TermsOfUse {
		gs.Elems = append(gs.Elems, grantElem{Name: "terms of use " + c})
	}
	return gs
}

// evalPolicy judges one policy against a requirement.
func (e *caEnv) evalPolicy(p snapshot.CAPolicy, req caRequirement) PolicyEval {
	pe := PolicyEval{Policy: p}
	c := p.Conditions
	notCount := func(format string, a ...any) { pe.Reasons = append(pe.Reasons, fmt.Sprintf(format, a...)) }

	// 2. Users.
	u := c.Users
	if u == nil {
		u = &snapshot.CAUsers{}
	}
	allUsers := containsFold(u.IncludeUsers, "All")
	switch req.Target {
	case targetAllUsers:
		if !allUsers {
			notCount("does not target all users")
		}
	case targetAdmins:
		if !allUsers {
			var missing []string
			for id, name := range knowledge.PrivilegedRoles() {
				if !containsFold(u.IncludeRoles, id) {
					missing = append(missing, name)
				}
			}
			if len(missing) > 0 {
				sort.Strings(missing)
				notCount("does not target all users or every privileged role (missing %s)", strings.Join(missing, ", "))
			}
		}
	case targetGuests:
		if !allUsers && !containsFold(u.IncludeUsers, "GuestsOrExternalUsers") {
			gi := u.IncludeGuestsOrExternalUsers
			ok := gi != nil
			if ok {
				for _, t := range knowledge.GuestTypes() {
					if !containsFold(splitList(gi.GuestOrExternalUserTypes), t) {
						ok = false
					}
				}
				if gi.ExternalTenants != nil && !strings.EqualFold(gi.ExternalTenants.MembershipKind, "all") {
					ok = false
				}
			}
			if !ok {
				notCount("does not target all users or every guest and external user type in all external tenants")
			}
		}
	}
	for _, id := range u.ExcludeUsers {
		name := e.userName(id)
		if !strings.EqualFold(id, "GuestsOrExternalUsers") && e.approvedUser(req.CheckID, id) {
			pe.Approved = append(pe.Approved, name)
		} else {
			pe.Unapproved = append(pe.Unapproved, name)
		}
	}
	for _, id := range u.ExcludeGroups {
		if e.approvedGroup(req.CheckID, id) {
			pe.Approved = append(pe.Approved, "group "+id)
		} else {
			pe.Unapproved = append(pe.Unapproved, "group "+id)
		}
	}
	for _, id := range u.ExcludeRoles {
		if strings.EqualFold(id, knowledge.RoleDirectorySynchronizationAccounts) {
			pe.Approved = append(pe.Approved, e.roleName(id)+" role")
		} else {
			pe.Unapproved = append(pe.Unapproved, e.roleName(id)+" role")
		}
	}
	if x := u.ExcludeGuestsOrExternalUsers; x != nil && (x.GuestOrExternalUserTypes != "" || x.ExternalTenants != nil) {
		types := x.GuestOrExternalUserTypes
		if types == "" {
			types = "external users"
		}
		pe.Unapproved = append(pe.Unapproved, "guest types "+types)
	}

	// 3. Resources.
	a := c.Applications
	if a == nil {
		a = &snapshot.CAApplications{}
	}
	switch req.Resource {
	case resourceAllApps:
		if !containsFold(a.IncludeApplications, "All") {
			notCount("does not target all resources")
		}
		if len(a.ExcludeApplications) > 0 {
			notCount("excludes %d application(s): %s", len(a.ExcludeApplications), strings.Join(a.ExcludeApplications, ", "))
		}
	case resourceRegisterSecurityInfo:
		if !containsFold(a.IncludeUserActions, "urn:user:registersecurityinfo") {
			notCount("does not target the user action 'register security information'")
		}
	}
	if a.ApplicationFilter != nil && a.ApplicationFilter.Rule != "" {
		notCount("narrowed by an application filter")
	}

	// 4. Narrowing conditions.
	pe.Contributes = []string{"*"}
	if req.ClientApps != nil {
		pe.Contributes = nil
		if len(c.ClientAppTypes) == 0 || containsFold(c.ClientAppTypes, "all") {
			pe.Contributes = append(pe.Contributes, req.ClientApps...)
		} else {
			for _, t := range req.ClientApps {
				if containsFold(c.ClientAppTypes, t) {
					pe.Contributes = append(pe.Contributes, t)
				}
			}
		}
		if len(pe.Contributes) == 0 {
			notCount("does not target %s clients", strings.Join(req.ClientApps, " or "))
		}
	} else if len(c.ClientAppTypes) > 0 && !containsFold(c.ClientAppTypes, "all") {
		notCount("narrowed to client apps %s", strings.Join(c.ClientAppTypes, ", "))
	}
	flows := ""
	if c.AuthenticationFlows != nil {
		flows = c.AuthenticationFlows.TransferMethods
	}
	if req.Flows != nil {
		pe.Contributes = nil
		for _, f := range req.Flows {
			if containsFold(splitList(flows), f) {
				pe.Contributes = append(pe.Contributes, f)
			}
		}
		if len(pe.Contributes) == 0 {
			notCount("does not target the authentication flows %s", strings.Join(req.Flows, ", "))
		}
	} else if flows != "" {
		notCount("narrowed to authentication flows %s", flows)
	}
	if pl := c.Platforms; pl != nil && !(onlyAll(pl.IncludePlatforms) && len(pl.ExcludePlatforms) == 0) && !(len(pl.IncludePlatforms) == 0 && len(pl.ExcludePlatforms) == 0) {
		notCount("narrowed by a device platforms condition")
	}
	if lo := c.Locations; lo != nil && !req.AllowLocations && !(onlyAll(lo.IncludeLocations) && len(lo.ExcludeLocations) == 0) && !(len(lo.IncludeLocations) == 0 && len(lo.ExcludeLocations) == 0) {
		notCount("narrowed by a locations condition")
	}
	if d := c.Devices; d != nil && d.DeviceFilter != nil && d.DeviceFilter.Rule != "" {
		notCount("narrowed by a device filter")
	}
	hasUserRisk, hasSignInRisk := len(c.UserRiskLevels) > 0, len(c.SignInRiskLevels) > 0
	switch req.Risk {
	case "user":
		if !containsFold(c.UserRiskLevels, "high") {
			notCount("has no user-risk condition including high")
		}
		if hasSignInRisk {
			notCount("also has a sign-in risk condition (conditions are ANDed, so it acts only when both risks are present)")
		}
	case "signIn":
		if !containsFold(c.SignInRiskLevels, "high") {
			notCount("has no sign-in-risk condition including high")
		}
		if hasUserRisk {
			notCount("also has a user-risk condition (conditions are ANDed, so it acts only when both risks are present)")
		}
	default:
		if hasUserRisk {
			notCount("narrowed to user risk %s", strings.Join(c.UserRiskLevels, ", "))
		}
		if hasSignInRisk {
			notCount("narrowed to sign-in risk %s", strings.Join(c.SignInRiskLevels, ", "))
		}
	}
	if len(c.ServicePrincipalRiskLevels) > 0 {
		notCount("narrowed to service principal risk %s", strings.Join(c.ServicePrincipalRiskLevels, ", "))
	}
	if c.InsiderRiskLevels != nil && *c.InsiderRiskLevels != "" {
		notCount("narrowed to insider risk %s", *c.InsiderRiskLevels)
	}
	if ca := c.ClientApplications; ca != nil && len(ca.IncludeServicePrincipals) > 0 {
		notCount("targets workload identities, not users")
	}

	// 5. Grant.
	g := e.grantOf(p)
	grantOK := req.Grant(g)
	if !grantOK {
		if un := g.unresolved(); un != "" {
			pe.Unresolved = un
		} else {
			notCount("grant (%s) does not %s", g.String(), req.GrantNoun)
		}
	}

	// Relevance: the grant does this control and the policy touches what
	// the control is about.
	partly := false // some element alone would do it (e.g. mfa in "mfa OR compliantDevice")
	for _, el := range g.Elems {
		if req.Grant(grantSet{Operator: "OR", Elems: []grantElem{el}}) {
			partly = true
		}
	}
	pe.Relevant = (grantOK || partly || pe.Unresolved != "") && len(pe.Contributes) > 0
	switch req.Risk {
	case "user":
		pe.Relevant = pe.Relevant && hasUserRisk
	case "signIn":
		pe.Relevant = pe.Relevant && hasSignInRisk
	}
	if req.Resource == resourceRegisterSecurityInfo {
		pe.Relevant = pe.Relevant && containsFold(a.IncludeUserActions, "urn:user:registersecurityinfo")
	}

	// 1. State.
	switch p.State {
	case caStateEnabled:
	case caStateReportOnly:
	case caStateDisabled:
	default:
		notCount("unknown state %q", p.State)
	}
	pe.Counts = p.State == caStateEnabled && len(pe.Reasons) == 0 && len(pe.Unapproved) == 0 && pe.Unresolved == ""
	return pe
}

// CAEvaluation is the evaluator's answer for one control.
type CAEvaluation struct {
	Control string
	// Policies are every policy's judgement, sorted by name then id.
	Policies []PolicyEval
	// Enforced, WithExclusions and ReportOnly say whether the needed
	// contributions are covered by enabled counting policies; by those plus
	// enabled policies stopped only by unapproved exclusions; and by enabled
	// plus report-only counting policies.
	Enforced, WithExclusions, ReportOnly bool
	// Dormant: enabled, report-only and disabled policies that would count
	// together cover the control (used by ENTRA-CA-011).
	Dormant bool
	// Covered lists the contributions enabled counting policies make.
	Covered []string
	// Unapproved lists (deduplicated) the exclusions that stop enabled
	// policies which would otherwise count.
	Unapproved []string
	// Unresolved is set when a relevant policy's strength could not be
	// resolved.
	Unresolved string
}

// evaluateCA judges every policy against a requirement.
func (e *caEnv) evaluateCA(policies []snapshot.CAPolicy, req caRequirement) CAEvaluation {
	need := req.Need
	if need == nil {
		need = []string{"*"}
	}
	ev := CAEvaluation{Control: req.Control}
	enforced, withEx, reportOnly, dormant := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	unapproved := map[string]bool{}
	for _, p := range policies {
		pe := e.evalPolicy(p, req)
		ev.Policies = append(ev.Policies, pe)
		if pe.Unresolved != "" && pe.Relevant && p.State != caStateDisabled && ev.Unresolved == "" {
			ev.Unresolved = pe.Unresolved
		}
		for _, c := range pe.Contributes {
			if len(pe.Reasons) == 0 && len(pe.Unapproved) == 0 && pe.Unresolved == "" {
				dormant[c] = true
			}
			switch {
			case pe.Counts:
				enforced[c], withEx[c], reportOnly[c] = true, true, true
			case p.State == caStateEnabled && pe.WouldCount():
				withEx[c] = true
				for _, x := range pe.Unapproved {
					unapproved[x] = true
				}
			case p.State == caStateReportOnly && len(pe.Reasons) == 0 && len(pe.Unapproved) == 0 && pe.Unresolved == "":
				reportOnly[c] = true
			}
		}
	}
	covers := func(m map[string]bool) bool {
		for _, n := range need {
			if !m[n] {
				return false
			}
		}
		return true
	}
	ev.Enforced, ev.WithExclusions, ev.ReportOnly = covers(enforced), covers(withEx), covers(reportOnly)
	ev.Dormant = covers(dormant)
	ev.Covered = sortedKeys(enforced)
	ev.Unapproved = sortedKeys(unapproved)
	sort.SliceStable(ev.Policies, func(i, j int) bool {
		a, b := ev.Policies[i].Policy, ev.Policies[j].Policy
		if a.DisplayName != b.DisplayName {
			return a.DisplayName < b.DisplayName
		}
		return a.ID < b.ID
	})
	return ev
}

// Counting returns the names of enabled policies that count.
func (ev CAEvaluation) Counting() []string {
	var n []string
	for _, p := range ev.Policies {
		if p.Counts {
			n = append(n, quote(p.Policy.DisplayName))
		}
	}
	return n
}

// ReportOnlyMatches returns report-only policies that would count if enforced.
func (ev CAEvaluation) ReportOnlyMatches() []PolicyEval {
	var out []PolicyEval
	for _, p := range ev.Policies {
		if p.Policy.State == caStateReportOnly && len(p.Reasons) == 0 && len(p.Unapproved) == 0 && p.Unresolved == "" {
			out = append(out, p)
		}
	}
	return out
}

// DisabledMatches returns disabled policies that would count if enabled.
func (ev CAEvaluation) DisabledMatches() []PolicyEval {
	var out []PolicyEval
	for _, p := range ev.Policies {
		if p.Policy.State == caStateDisabled && len(p.Reasons) == 0 && len(p.Unapproved) == 0 && p.Unresolved == "" {
			out = append(out, p)
		}
	}
	return out
}

// Affected lists the relevant non-disabled policies with why each does or
// does not count.
func (ev CAEvaluation) Affected() []Affected {
	var out []Affected
	for _, p := range ev.Policies {
		if !p.Relevant || p.Policy.State == caStateDisabled {
			continue
		}
		out = append(out, policyAffected(p))
	}
	return out
}

func policyAffected(p PolicyEval) Affected {
	return Affected{Kind: "policy", ID: p.Policy.ID, Name: p.Policy.DisplayName, Detail: p.Detail(),
		PolicyState: p.Policy.State}
}

// Outcome turns an evaluation into a verdict: pass when enabled counting
// policies cover the control; fail naming the exclusions when approving
// them would make it pass; warn when report-only policies would; else fail.
// An unresolvable strength turns a non-pass into unknown.
func (ev CAEvaluation) Outcome() Outcome {
	aff := ev.Affected()
	switch {
	case ev.Enforced:
		return Outcome{Status: StatusPass, Summary: fmt.Sprintf("%s is enforced by Conditional Access: %s.", upperFirst(ev.Control), strings.Join(ev.Counting(), ", ")), Affected: aff}
	case ev.Unresolved != "":
		return Outcome{Status: StatusUnknown, Summary: fmt.Sprintf("Not conclusive: a policy for %s uses authentication strength %s, which could not be resolved, so the tenant cannot be judged.", ev.Control, ev.Unresolved), Affected: aff}
	case ev.WithExclusions:
		s := fmt.Sprintf("No enforced Conditional Access policy counts for %s; it would pass if %s approved: %s (declare %s under breakGlass or exclusions in the config, or remove %s from the policy).",
			ev.Control, phrase.Word(len(ev.Unapproved), "this exclusion were", fmt.Sprintf("these %d exclusions were", len(ev.Unapproved))),
			strings.Join(ev.Unapproved, "; "), phrase.Word(len(ev.Unapproved), "it", "them"), phrase.Word(len(ev.Unapproved), "it", "them"))
		if ev.ReportOnly {
			s += " A report-only policy would also cover it once enforced."
		}
		return Outcome{Status: StatusFail, Summary: s, Affected: aff}
	case ev.ReportOnly:
		var names []string
		for _, p := range ev.ReportOnlyMatches() {
			names = append(names, quote(p.Policy.DisplayName))
		}
		return Outcome{Status: StatusWarn, Summary: fmt.Sprintf("A policy for %s exists but is report-only (not enforced): %s.", ev.Control, strings.Join(names, ", ")), Affected: aff}
	}
	s := fmt.Sprintf("No Conditional Access policy enforces %s", ev.Control)
	switch {
	case len(ev.Policies) == 0:
		s += " (the tenant has no Conditional Access policies)."
	case len(aff) == 0:
		// None even tries: every policy examined is named with why it
		// does not count, so the finding names its objects.
		for _, p := range ev.Policies {
			aff = append(aff, policyAffected(p))
		}
		s += fmt.Sprintf(" (%s examined; none does it, see each policy for why).", phrase.Plural(len(ev.Policies), "policy", "policies"))
	default:
		s += fmt.Sprintf("; %d related policies do not count (see each policy for why).", len(aff))
	}
	return Outcome{Status: StatusFail, Summary: s, Affected: aff}
}

// helpers

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), v) {
			return true
		}
	}
	return false
}

func onlyAll(list []string) bool { return len(list) == 1 && strings.EqualFold(list[0], "all") }

// splitList splits Graph's comma-separated enum lists ("a,b").
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func quote(s string) string { return "'" + s + "'" }

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
