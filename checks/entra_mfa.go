package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// entraWeakMethodList are registration-report methods that are phishable phone
// or email factors (SMS, voice, email OTP).
func entraWeakMethodList() []string {
	return []string{"mobilePhone", "alternateMobilePhone", "officePhone", "email"}
}

// entraNonFactorMethodList are methods that do not make a user MFA-capable on
// their own (SSPR-only or temporary).
func entraNonFactorMethodList() []string {
	return []string{"securityQuestion", "temporaryAccessPass"}
}

// entraPhishingResistantMethodList are the phishing-resistant values of
// methodsRegistered (catalog ENTRA-MFA-004).
func entraPhishingResistantMethodList() []string {
	return []string{"fido2SecurityKey", "windowsHelloForBusiness", "passKeyDeviceBound",
		"passKeyDeviceBoundAuthenticator", "passKeyDeviceBoundWindowsHello", "x509CertificateMultiFactor", "macOsSecureEnclaveKey"}
}

// entraPhoneMethodList are the phone methods SMS and voice deliver to.
func entraPhoneMethodList() []string {
	return []string{"mobilePhone", "alternateMobilePhone", "officePhone"}
}

// entraMethodsText renders methodsRegistered for a detail.
func entraMethodsText(m []string) string {
	if len(m) == 0 {
		return "none"
	}
	c := append([]string(nil), m...)
	sort.Strings(c)
	return strings.Join(c, ", ")
}

// entraWeakOnly reports whether every registered factor is a phone or email
// method (and there is at least one).
func entraWeakOnly(m []string) bool {
	weak := 0
	for _, x := range m {
		switch {
		case entraContainsFold(entraWeakMethodList(), x):
			weak++
		case entraContainsFold(entraNonFactorMethodList(), x):
		default:
			return false
		}
	}
	return weak > 0
}

// entraPhoneOnly reports whether the only factors are SMS/voice phones.
func entraPhoneOnly(m []string) bool {
	phone := 0
	for _, x := range m {
		switch {
		case entraContainsFold(entraPhoneMethodList(), x):
			phone++
		case entraContainsFold(entraNonFactorMethodList(), x):
		default:
			return false
		}
	}
	return phone > 0
}

// entraHasPhishingResistant reports whether a phishing-resistant method is
// registered.
func entraHasPhishingResistant(m []string) bool {
	for _, x := range m {
		if entraContainsFold(entraPhishingResistantMethodList(), x) {
			return true
		}
	}
	return false
}

// entraRegistrationIndex indexes the registration report by user id.
func entraRegistrationIndex(regs []snapshot.RegistrationDetail) map[string]snapshot.RegistrationDetail {
	m := make(map[string]snapshot.RegistrationDetail, len(regs))
	for _, r := range regs {
		m[strings.ToLower(r.ID)] = r
	}
	return m
}

// evalMFA003: every enabled member user is MFA capable. Configured
// break-glass accounts and exclusions.ENTRA-MFA-003 users are left out.
// Members missing from the registration report cannot be judged: they give
// warn (never pass), because the report lags newly created accounts; a
// member who is not capable makes it fail.
func evalMFA003(c *Context) Outcome {
	_, users, err := entraUsers(c.Snap)
	if err != nil {
		return Unknown(err)
	}
	regs, err := c.Snap.RegistrationDetails()
	if err != nil {
		return Unknown(err)
	}
	reg := entraRegistrationIndex(regs)
	var incapable, weak, missing []Affected
	members, excluded := 0, 0
	for _, u := range users {
		if !u.Enabled() || u.IsGuest() {
			continue
		}
		if entraExcluded(c.Config, "ENTRA-MFA-003", u.ID, u.UserPrincipalName) {
			excluded++
			continue
		}
		members++
		a := Affected{Kind: "user", ID: u.ID, Name: u.Name(), Extra: map[string]string{"userPrincipalName": u.UserPrincipalName}}
		r, ok := reg[strings.ToLower(u.ID)]
		switch {
		case !ok:
			a.Detail = "not in the registration report; MFA registration could not be checked"
			missing = append(missing, a)
		case !r.IsMfaCapable:
			a.Detail = "not MFA capable; methods: " + entraMethodsText(r.MethodsRegistered)
			incapable = append(incapable, a)
		case entraWeakOnly(r.MethodsRegistered):
			a.Detail = "only weak methods: " + entraMethodsText(r.MethodsRegistered)
			weak = append(weak, a)
		}
	}
	var extra []string
	if len(weak) > 0 {
		extra = append(extra, fmt.Sprintf("%s only phone or email methods (%s)", entraPlural(len(weak), "member has", "members have"), entraNames(entraAffectedNames(weak), 5)))
	}
	if len(missing) > 0 {
		extra = append(extra, fmt.Sprintf("%s not in the registration report (%s)", entraPlural(len(missing), "member is", "members are"), entraNames(entraAffectedNames(missing), 5)))
	}
	if excluded > 0 {
		extra = append(extra, fmt.Sprintf("%s excluded as configured", entraPlural(excluded, "break-glass or approved account", "break-glass or approved accounts")))
	}
	tail := ""
	if len(extra) > 0 {
		tail = "; " + strings.Join(extra, "; ")
	}
	all := append(append(append([]Affected{}, incapable...), weak...), missing...)
	switch {
	case len(incapable) > 0:
		return entraOutcome(StatusFail, all, "%d of %d enabled members %s not MFA capable: %s%s.",
			len(incapable), members, entraIsAre(len(incapable)), entraNames(entraAffectedNames(incapable), 5), tail)
	case len(weak) > 0 || len(missing) > 0:
		return entraOutcome(StatusWarn, all, "Every enabled member in the registration report (%d) is MFA capable, but %s.",
			members-len(missing), strings.TrimPrefix(tail, "; "))
	}
	return entraOutcome(StatusPass, nil, "Every enabled member (%d) is MFA capable%s.", members, tail)
}

// evalMFA004: holders of privileged roles are MFA capable (fail) and have a
// phishing-resistant method (warn). Group principals are not expanded and
// keep the check from passing.
func evalMFA004(c *Context) Outcome {
	ras, err := c.Snap.RoleAssignments()
	if err != nil {
		return Unknown(err)
	}
	regs, err := c.Snap.RegistrationDetails()
	if err != nil {
		return Unknown(err)
	}
	users, _, uerr := entraUsers(c.Snap)
	if uerr != nil && !entraIsNotCollected(uerr) {
		return Unknown(uerr)
	}
	reg := entraRegistrationIndex(regs)
	holders := entraPrivilegedHolders(c.Snap, ras, users)
	var incapable, notPR, missing, groups []Affected
	nUsers, disabled := 0, 0
	for _, h := range holders {
		switch h.Kind {
		case "group":
			groups = append(groups, h.affected("group assignment not expanded; check its members' MFA registration: "+h.roleText()))
			continue
		case "servicePrincipal":
			continue // no interactive sign-in; see ENTRA-PRIV-007
		}
		if h.Enabled != nil && !*h.Enabled {
			disabled++
			continue
		}
		nUsers++
		r, ok := reg[strings.ToLower(h.ID)]
		switch {
		case !ok:
			missing = append(missing, h.affected("not in the registration report; MFA registration unknown; roles: "+h.roleText()))
		case !r.IsMfaCapable:
			incapable = append(incapable, h.affected("not MFA capable; methods: "+entraMethodsText(r.MethodsRegistered)+"; roles: "+h.roleText()))
		case !entraHasPhishingResistant(r.MethodsRegistered):
			notPR = append(notPR, h.affected("no phishing-resistant method; methods: "+entraMethodsText(r.MethodsRegistered)+"; roles: "+h.roleText()))
		}
	}
	if nUsers == 0 && len(groups) == 0 {
		if disabled > 0 {
			return entraOutcome(StatusPass, nil, "Every user holding a privileged role (%d) is disabled.", disabled)
		}
		return entraOutcome(StatusUnknown, nil, "No user holds a privileged role in the role assignments; a tenant always has a Global Administrator, so the data looks incomplete (PIM-eligible assignments are not collected).")
	}
	all := append(append(append(append([]Affected{}, incapable...), missing...), notPR...), groups...)
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, fmt.Sprintf("%s not in the registration report", entraPlural(len(missing), "is", "are")))
	}
	if len(notPR) > 0 {
		parts = append(parts, fmt.Sprintf("%s no phishing-resistant method", entraPlural(len(notPR), "has", "have")))
	}
	if len(groups) > 0 {
		parts = append(parts, fmt.Sprintf("%s not expanded", entraPlural(len(groups), "group assignment is", "group assignments are")))
	}
	tail := ""
	if len(parts) > 0 {
		tail = "; " + strings.Join(parts, "; ")
	}
	switch {
	case len(incapable) > 0:
		return entraOutcome(StatusFail, all, "%d of %d privileged users %s not MFA capable: %s%s.",
			len(incapable), nUsers, entraIsAre(len(incapable)), entraNames(entraAffectedNames(incapable), 5), tail)
	case len(missing) > 0 || len(notPR) > 0:
		return entraOutcome(StatusWarn, all, "Every privileged user in the registration report (%d) is MFA capable, but %s.",
			nUsers-len(missing), strings.TrimPrefix(tail, "; "))
	case len(groups) > 0:
		return entraOutcome(StatusManual, all, "Every privileged user (%d) has phishing-resistant MFA, but %s: %s.",
			nUsers, entraPlural(len(groups), "role is assigned to a group", "roles are assigned to groups"), entraNames(entraAffectedNames(groups), 5))
	}
	return entraOutcome(StatusPass, nil, "Every privileged user (%d) is MFA capable with a phishing-resistant method.", nUsers)
}

// entraMethodConfig reads one authentication-method configuration; Graph
// always returns every configuration, so a missing one means the data is
// incomplete and gives unknown rather than a verdict.
func entraMethodConfig(c *Context, ids ...string) ([]snapshot.AuthMethodConfiguration, *snapshot.AuthenticationMethodsPolicy, *Outcome) {
	p, err := c.Snap.AuthenticationMethodsPolicy()
	if err != nil {
		o := Unknown(err)
		return nil, nil, &o
	}
	var out []snapshot.AuthMethodConfiguration
	var absent []string
	for _, id := range ids {
		cfg, ok := p.Configuration(id)
		if !ok {
			absent = append(absent, id)
			continue
		}
		out = append(out, cfg)
	}
	if len(absent) > 0 {
		o := entraOutcome(StatusUnknown, nil, "Not evaluated: the authentication methods policy has no %s configuration (Graph always returns one, so the data is incomplete).", strings.Join(absent, " or "))
		return nil, p, &o
	}
	return out, p, nil
}

// entraTargetsText renders a configuration's include targets.
func entraTargetsText(t []snapshot.AuthMethodTarget) string {
	if len(t) == 0 {
		return "no targets"
	}
	var ids []string
	for _, x := range t {
		ids = append(ids, x.ID)
	}
	sort.Strings(ids)
	return "targets: " + strings.Join(ids, ", ")
}

// evalMFA005: SMS and voice configurations both disabled.
func evalMFA005(c *Context) Outcome {
	cfgs, _, o := entraMethodConfig(c, "Sms", "Voice")
	if o != nil {
		return *o
	}
	var bad []Affected
	for _, m := range cfgs {
		if strings.EqualFold(m.State, "disabled") {
			continue
		}
		name := "SMS"
		if strings.EqualFold(m.ID, "Voice") {
			name = "Voice call"
		}
		bad = append(bad, Affected{Kind: "authMethod", ID: m.ID, Name: name,
			Detail: fmt.Sprintf("state %s; %s", m.State, entraTargetsText(m.IncludeTargets))})
	}
	if len(bad) == 0 {
		return entraOutcome(StatusPass, nil, "SMS and voice call authentication methods are both disabled.")
	}
	count := ""
	if regs, err := c.Snap.RegistrationDetails(); err == nil {
		n := 0
		for _, r := range regs {
			if entraPhoneOnly(r.MethodsRegistered) {
				n++
			}
		}
		if n == 0 {
			count = "; no user relies on SMS or voice alone, so turning them off locks nobody out"
		} else {
			count = fmt.Sprintf("; %s SMS or voice as their only method and must register another before it is turned off",
				entraPlural(n, "user has", "users have"))
		}
	}
	verb := "is"
	if len(bad) > 1 {
		verb = "are"
	}
	return entraOutcome(StatusFail, bad, "%s %s enabled%s.", strings.Join(entraAffectedNames(bad), " and "), verb, count)
}

// evalMFA006: email one-time passcode disabled.
func evalMFA006(c *Context) Outcome {
	cfgs, _, o := entraMethodConfig(c, "Email")
	if o != nil {
		return *o
	}
	m := cfgs[0]
	if strings.EqualFold(m.State, "disabled") {
		return entraOutcome(StatusPass, nil, "Email one-time passcode is disabled.")
	}
	return entraOutcome(StatusFail, []Affected{{Kind: "authMethod", ID: m.ID, Name: m.ID,
		Detail: fmt.Sprintf("state %s; %s", m.State, entraTargetsText(m.IncludeTargets))}},
		"Email one-time passcode is %s (%s); check guest sign-in impact before disabling it.", m.State, entraTargetsText(m.IncludeTargets))
}

// entraNoTarget is Graph's "nobody" target id on feature settings.
const entraNoTarget = "00000000-0000-0000-0000-000000000000"

// evalMFA007: Authenticator shows app name and location to all users, or
// Authenticator is disabled.
func evalMFA007(c *Context) Outcome {
	cfgs, _, o := entraMethodConfig(c, "MicrosoftAuthenticator")
	if o != nil {
		return *o
	}
	m := cfgs[0]
	if strings.EqualFold(m.State, "disabled") {
		return entraOutcome(StatusPass, nil, "Microsoft Authenticator is disabled, so push-notification fatigue does not apply.")
	}
	var fs snapshot.AuthenticatorFeatures
	if m.FeatureSettings != nil {
		fs = *m.FeatureSettings
	}
	type feat struct {
		name string
		t    *snapshot.FeatureTarget
	}
	var bad, narrowed []Affected
	for _, f := range []feat{{"displayAppInformationRequiredState", fs.DisplayAppInformationRequiredState},
		{"displayLocationInformationRequiredState", fs.DisplayLocationInformationRequiredState}} {
		a := Affected{Kind: "authMethodSetting", ID: "MicrosoftAuthenticator/" + f.name, Name: f.name}
		switch {
		case f.t == nil:
			a.Detail = "not configured"
			bad = append(bad, a)
		case !strings.EqualFold(f.t.State, "enabled"):
			a.Detail = fmt.Sprintf("state %s", f.t.State)
			bad = append(bad, a)
		case !strings.EqualFold(f.t.IncludeTarget.ID, "all_users"):
			a.Detail = fmt.Sprintf("enabled only for %q, not all_users", f.t.IncludeTarget.ID)
			bad = append(bad, a)
		case f.t.ExcludeTarget.ID != "" && f.t.ExcludeTarget.ID != entraNoTarget:
			a.Detail = fmt.Sprintf("enabled for all_users but excludes %q", f.t.ExcludeTarget.ID)
			narrowed = append(narrowed, a)
		}
	}
	nm := "not reported"
	if fs.NumberMatchingRequiredState != nil {
		nm = fs.NumberMatchingRequiredState.State
	}
	switch {
	case len(bad) > 0:
		return entraOutcome(StatusFail, append(bad, narrowed...), "Microsoft Authenticator is enabled but does not show both app name and location to all users (%s); number matching: %s.",
			entraNames(entraAffectedNames(bad), 2), nm)
	case len(narrowed) > 0:
		return entraOutcome(StatusWarn, narrowed, "Microsoft Authenticator shows app name and location to all users except an excluded group (%s); number matching: %s.",
			entraNames(entraAffectedNames(narrowed), 2), nm)
	}
	return entraOutcome(StatusPass, nil, "Microsoft Authenticator shows app name and location to all users; number matching: %s.", nm)
}

// evalMFA008: authentication methods policy migration complete (or never
// needed: Graph omits the state on tenants without legacy settings).
func evalMFA008(c *Context) Outcome {
	p, err := c.Snap.AuthenticationMethodsPolicy()
	if err != nil {
		return Unknown(err)
	}
	if p.PolicyMigrationState == nil || *p.PolicyMigrationState == "" {
		return entraOutcome(StatusPass, nil, "The authentication methods policy reports no migration state, so legacy MFA and SSPR method settings are not in use.")
	}
	st := *p.PolicyMigrationState
	if strings.EqualFold(st, "migrationComplete") {
		return entraOutcome(StatusPass, nil, "Authentication methods policy migration is complete.")
	}
	return entraOutcome(StatusFail, []Affected{{Kind: "policy", ID: "authenticationMethodsPolicy", Name: "Authentication methods policy", Detail: "policyMigrationState " + st}},
		"Authentication methods policy migration is %s, not migrationComplete; legacy MFA and SSPR method settings still apply.", st)
}
