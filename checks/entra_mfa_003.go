package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEntraMFA003 is the ID of check ENTRA-MFA-003.
const IDEntraMFA003 = "ENTRA-MFA-003"

func entraMFA003() Check {
	return Check{Meta: Meta{ID: IDEntraMFA003, Title: "Every enabled member user is MFA-capable", Category: entraCatIdentity, Severity: SeverityHigh,
		Rationale: "A user with no second factor can be taken over with a phished or guessed password, and an attacker who signs in first can register their own method.",
		Datasets:  []string{snapshot.DSUsers, snapshot.DSUserRegistrationDetails},
		References: References{CIS: []string{"5.2.3.4"}, CISVersion: entraCIS,
			Other: []string{"Prowler entra_users_mfa_capable", "Monkey365 eid-non-mfa-capable-users-present"}},
		Remediation: Remediation{Summary: "Have every listed user register Microsoft Authenticator or a passkey; issue a one-time Temporary Access Pass where needed and turn on the registration campaign.",
			Steps: []string{
				"Entra admin center > Protection > Authentication methods > Registration campaign: enable for all users (Microsoft Authenticator).",
				"For users who cannot register alone: New-MgUserAuthenticationTemporaryAccessPassMethod -UserId <id> -IsUsableOnce:$true -LifetimeInMinutes 480",
			}}},
		Eval: evalEntraMFA003}
}

// evalEntraMFA003: every enabled member user is MFA capable, break-glass
// accounts included (an emergency account needs a strong method too);
// only exclusions.ENTRA-MFA-003 users are left out.
// Members missing from the registration report cannot be judged: they give
// warn (never pass), because the report lags newly created accounts; a
// member who is not capable makes it fail.
func evalEntraMFA003(c *Context) Outcome {
	_, users, err := entraUsers(c)
	if err != nil {
		return Unknown(err)
	}
	regs, err := c.RegistrationDetails()
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
		// Approved exclusions (exclusions.ENTRA-MFA-003.users) are left
		// out; break-glass accounts are not: an emergency account needs a
		// strong method too.
		if c.Config.ExcludedUser("ENTRA-MFA-003", u.ID) {
			excluded++
			continue
		}
		members++
		a := Affected{Kind: "user", ID: u.ID, Name: u.Name(),
			User: &UserRef{ID: u.ID, UPN: u.UserPrincipalName}}
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
		extra = append(extra, fmt.Sprintf("%s only phone or email methods (%s)", phrase.Plural(len(weak), "member has", "members have"), entraNames(entraAffectedNames(weak), 5)))
	}
	if len(missing) > 0 {
		extra = append(extra, fmt.Sprintf("%s not in the registration report (%s)", phrase.Plural(len(missing), "member is", "members are"), entraNames(entraAffectedNames(missing), 5)))
	}
	if excluded > 0 {
		extra = append(extra, fmt.Sprintf("%s excluded as configured", phrase.Plural(excluded, "approved account", "approved accounts")))
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

// entraWeakMethodList are registration-report methods that are phishable phone
// or email factors (SMS, voice, email OTP).
func entraWeakMethodList() []string {
	return []string{"mobilePhone", "alternateMobilePhone", "officePhone", "email"}
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
