package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Guest role template ids of authorizationPolicy.guestUserRoleId.
const (
	entraGuestRoleRestricted = "2af84b1e-32c8-42b7-82bc-daa82404023b"
	entraGuestRoleLimited    = "10dae51f-b6af-4016-8d66-8c2a99b929b3"
	entraGuestRoleMember     = "a0b1b346-4d3e-4e8b-98f8-753987be4970"
)

// Thresholds of ENTRA-EXT-006 (catalogue defaults).
const (
	entraGuestPendingDays = 30
	entraGuestStaleDays   = 90
)

// evalEXT001: only admins and Guest Inviters may invite guests.
func evalEXT001(c *Context) Outcome {
	p, err := c.Snap.AuthorizationPolicy()
	if err != nil {
		return Unknown(err)
	}
	v := p.AllowInvitesFrom
	switch {
	case v == "":
		return entraOutcome(StatusUnknown, nil, "Not evaluated: the authorization policy does not carry allowInvitesFrom.")
	case strings.EqualFold(v, "none"):
		return entraOutcome(StatusPass, nil, "Nobody can invite guests (allowInvitesFrom is none).")
	case strings.EqualFold(v, "adminsAndGuestInviters"):
		return entraOutcome(StatusPass, nil, "Only administrators and the Guest Inviter role can invite guests.")
	}
	return entraOutcome(StatusFail, []Affected{{Kind: "setting", ID: "authorizationPolicy.allowInvitesFrom", Name: "allowInvitesFrom", Detail: v}},
		"Guest invitations are open beyond administrators and Guest Inviters (allowInvitesFrom is %s).", v)
}

// evalEXT002: guest directory access is limited or restricted.
func evalEXT002(c *Context) Outcome {
	p, err := c.Snap.AuthorizationPolicy()
	if err != nil {
		return Unknown(err)
	}
	id := strings.ToLower(p.GuestUserRoleID)
	switch id {
	case "":
		return entraOutcome(StatusUnknown, nil, "Not evaluated: the authorization policy does not carry guestUserRoleId.")
	case entraGuestRoleRestricted:
		return entraOutcome(StatusPass, nil, "Guest access is restricted to their own directory objects (most restrictive setting).")
	case entraGuestRoleLimited:
		return entraOutcome(StatusPass, nil, "Guest access is limited (the default); CIS and SCuBA accept it, while EIDSCA.AP07 and Prowler want the most restrictive setting.")
	}
	detail := "unrecognised guest role " + p.GuestUserRoleID
	if id == entraGuestRoleMember {
		detail = "guests have the same access as members (" + p.GuestUserRoleID + ")"
	}
	return entraOutcome(StatusFail, []Affected{{Kind: "setting", ID: "authorizationPolicy.guestUserRoleId", Name: "guestUserRoleId", Detail: detail}},
		"Guest directory access is not restricted: %s.", detail)
}

// evalEXT005: no email-verified self-service join and no self-service
// sign-up for email-based subscriptions. Graph's default for both is
// allowed, so an unset value fails.
func evalEXT005(c *Context) Outcome {
	p, err := c.Snap.AuthorizationPolicy()
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

// entraSignInCollected reports whether the users dataset carries sign-in
// activity: not when the collector noted it fell back without it, nor when
// no user at all has the property.
func entraSignInCollected(c *Context, users []snapshot.User) bool {
	for _, n := range c.Snap.Info(snapshot.DSUsers).Notes {
		if strings.Contains(strings.ToLower(n), "signinactivity") {
			return false
		}
	}
	for _, u := range users {
		if u.SignInActivity != nil {
			return true
		}
	}
	return false
}

// evalEXT006: enabled guests whose invitation has been pending for more
// than 30 days, or who have not signed in for 90 days. Staleness is never
// judged as passing when sign-in activity was not collected.
func evalEXT006(c *Context) Outcome {
	_, users, err := entraUsers(c.Snap)
	if err != nil {
		return Unknown(err)
	}
	signIns := entraSignInCollected(c, users)
	pendingCut := c.Now.AddDate(0, 0, -entraGuestPendingDays)
	staleCut := c.Now.AddDate(0, 0, -entraGuestStaleDays)
	var bad []Affected
	guests, pending, stale := 0, 0, 0
	for _, u := range users {
		if !u.IsGuest() || !u.Enabled() {
			continue
		}
		guests++
		var why []string
		if strings.EqualFold(u.ExternalUserState, "PendingAcceptance") {
			since := u.ExternalUserStateChangeDateTime
			if since == nil {
				since = u.CreatedDateTime
			}
			switch {
			case since == nil:
				why = append(why, "invitation pending acceptance since an unknown date")
				pending++
			case since.Before(pendingCut):
				why = append(why, fmt.Sprintf("invitation pending acceptance since %s (%d days)", entraDate(*since), entraDays(c.Now, *since)))
				pending++
			}
		}
		if signIns {
			if last := u.SignInActivity.Last(); last != nil {
				if last.Before(staleCut) {
					why = append(why, fmt.Sprintf("last sign-in %s (%d days ago)", entraDate(*last), entraDays(c.Now, *last)))
					stale++
				}
			} else if u.CreatedDateTime == nil || u.CreatedDateTime.Before(staleCut) {
				created := "unknown date"
				if u.CreatedDateTime != nil {
					created = entraDate(*u.CreatedDateTime)
				}
				why = append(why, "never signed in; created "+created)
				stale++
			}
		}
		if len(why) == 0 {
			continue
		}
		a := Affected{Kind: "guest", ID: u.ID, Name: u.Name(), Detail: strings.Join(why, "; "),
			Extra: map[string]string{"userPrincipalName": u.UserPrincipalName}}
		if u.Mail != "" {
			a.Extra["mail"] = u.Mail
		}
		if u.CreatedDateTime != nil {
			t := u.CreatedDateTime.UTC()
			a.Time = &t
		}
		bad = append(bad, a)
	}
	noSignIn := ""
	if !signIns {
		noSignIn = "; sign-in activity was not collected (needs Entra ID P1 and AuditLog.Read.All), so guests who stopped signing in could not be judged"
	}
	switch {
	case len(bad) > 0:
		var parts []string
		if pending > 0 {
			parts = append(parts, fmt.Sprintf("%d pending acceptance for more than %d days", pending, entraGuestPendingDays))
		}
		if stale > 0 {
			parts = append(parts, fmt.Sprintf("%d without a sign-in for %d days", stale, entraGuestStaleDays))
		}
		return entraOutcome(StatusFail, bad, "%d of %d enabled guests need review (%s): %s%s.",
			len(bad), guests, strings.Join(parts, ", "), entraNames(entraAffectedNames(bad), 5), noSignIn)
	case guests == 0:
		return entraOutcome(StatusPass, nil, "There are no enabled guest accounts.")
	case !signIns:
		return entraOutcome(StatusUnknown, nil, "No enabled guest of %d has an invitation pending for more than %d days%s.", guests, entraGuestPendingDays, noSignIn)
	}
	return entraOutcome(StatusPass, nil, "Every enabled guest (%d) has redeemed their invitation (or was invited in the last %d days) and signed in within %d days.",
		guests, entraGuestPendingDays, entraGuestStaleDays)
}
