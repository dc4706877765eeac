package checks

import (
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraExt005 is the ID of check ENTRA-EXT-005.
const IDEntraExt005 = "ENTRA-EXT-005"

func entraExt005() Check {
	return Check{Meta: Meta{ID: IDEntraExt005, Title: "No viral / self-service sign-up into the tenant", Category: entraCatGuests, Severity: SeverityLow,
		Rationale:  "Self-service sign-up lets anyone with a matching email address create an account or subscription in the tenant without an administrator.",
		Datasets:   []string{snapshot.DSAuthorizationPolicy},
		References: References{Other: []string{"EIDSCA.AP05", "EIDSCA.AP06"}},
		Remediation: Remediation{Summary: "Turn off email-verified self-service join and self-service sign-up for email-based subscriptions.", Script: true,
			Steps: []string{
				"Update-MgPolicyAuthorizationPolicy -AllowEmailVerifiedUsersToJoinOrganization:$false -AllowedToSignUpEmailBasedSubscriptions:$false",
			}}},
		Eval: evalEntraExt005}
}

// evalEntraExt005: no email-verified self-service join and no self-service
// sign-up for email-based subscriptions. Graph's default for both is
// allowed, so an unset value fails.
func evalEntraExt005(c *Context) Outcome {
	p, err := c.AuthorizationPolicy()
	if err != nil {
		return Unknown(err)
	}
	var bad []Affected
	for _, s := range []struct {
		name string
		v    *bool
	}{
		{"allowEmailVerifiedUsersToJoinOrganization", p.AllowEmailVerifiedUsersToJoinOrganization},
		{"allowedToSignUpEmailBasedSubscriptions", p.AllowedToSignUpEmailBasedSubscriptions},
	} {
		if s.v != nil && !*s.v {
			continue
		}
		bad = append(bad, Affected{Kind: "setting", ID: "authorizationPolicy." + s.name, Name: s.name, Detail: entraBoolText(s.v, "defaults to allowed")})
	}
	if len(bad) > 0 {
		return entraOutcome(StatusFail, bad, "Self-service sign-up into the tenant is allowed: %s.", entraNames(entraAffectedNames(bad), 2))
	}
	return entraOutcome(StatusPass, nil, "Email-verified users cannot join the tenant and users cannot sign up for email-based subscriptions.")
}
