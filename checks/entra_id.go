package checks

import (
	"fmt"
	"strings"
)

// entraNeverExpires is the passwordValidityPeriodInDays value Graph uses for
// "passwords never expire" (the largest int32).
const entraNeverExpires = 2147483647

// evalID001: every verified Managed domain has passwords set to never
// expire. A null period is the 90-day default and fails; federated domains
// take their policy from the identity provider and are skipped.
func evalID001(c *Context) Outcome {
	domains, err := c.Snap.Domains()
	if err != nil {
		return Unknown(err)
	}
	if len(domains) == 0 {
		return entraOutcome(StatusUnknown, nil, "Not evaluated: the domains dataset is empty, yet every tenant has at least its onmicrosoft.com domain.")
	}
	var bad []Affected
	managed, federated := 0, 0
	for _, d := range domains {
		if !d.IsVerified {
			continue
		}
		if !strings.EqualFold(d.AuthenticationType, "Managed") {
			federated++
			continue
		}
		managed++
		a := Affected{Kind: "domain", ID: d.ID, Name: d.ID}
		switch {
		case d.PasswordValidityPeriodInDays == nil:
			a.Detail = "passwordValidityPeriodInDays not set (90-day default)"
		case *d.PasswordValidityPeriodInDays != entraNeverExpires:
			a.Detail = fmt.Sprintf("passwords expire after %d days", *d.PasswordValidityPeriodInDays)
		default:
			continue
		}
		bad = append(bad, a)
	}
	if managed == 0 {
		return entraOutcome(StatusNotApplicable, nil, "No verified cloud-managed domain (%s skipped); password expiry is set by the identity provider.",
			entraPlural(federated, "federated domain", "federated domains"))
	}
	if len(bad) > 0 {
		return entraOutcome(StatusFail, bad, "%d of %d verified managed domains %s passwords expire: %s.",
			len(bad), managed, map[bool]string{true: "makes", false: "make"}[len(bad) == 1], entraNames(entraAffectedNames(bad), 5))
	}
	return entraOutcome(StatusPass, nil, "Passwords never expire on any verified managed domain (%d).", managed)
}

// evalID004: members cannot create tenants or security groups, or read the
// BitLocker keys of their own devices. Graph's default for each is allowed,
// so an unset value fails.
func evalID004(c *Context) Outcome {
	p, err := c.Snap.AuthorizationPolicy()
	if err != nil {
		return Unknown(err)
	}
	d := p.DefaultUserRolePermissions
	settings := []struct {
		name string
		v    *bool
	}{
		{"allowedToCreateTenants", d.AllowedToCreateTenants},
		{"allowedToCreateSecurityGroups", d.AllowedToCreateSecurityGroups},
		{"allowedToReadBitlockerKeysForOwnedDevice", d.AllowedToReadBitlockerKeysForOwnedDevice},
	}
	var bad []Affected
	for _, s := range settings {
		if s.v != nil && !*s.v {
			continue
		}
		bad = append(bad, Affected{Kind: "setting", ID: "defaultUserRolePermissions." + s.name, Name: s.name,
			Detail: entraBoolText(s.v, "defaults to allowed")})
	}
	if len(bad) > 0 {
		return entraOutcome(StatusFail, bad, "%d of 3 default member permissions are still allowed: %s.", len(bad), entraNames(entraAffectedNames(bad), 3))
	}
	return entraOutcome(StatusPass, nil, "Members cannot create tenants or security groups, or read BitLocker keys of their own devices.")
}
