package checks

import (
	"fmt"
	"strings"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraExt006 is the ID of check ENTRA-EXT-006.
const IDEntraExt006 = "ENTRA-EXT-006"

func entraExt006() Check {
	return Check{Meta: Meta{ID: IDEntraExt006, Title: "Guest accounts reviewed (stale, never-redeemed, disabled)", Category: entraCatGuests, Severity: SeverityMedium,
		Rationale: "Unredeemed invitations and guests who no longer sign in keep access nobody uses; after a compromise they may be attacker-created accounts.",
		Datasets:  []string{snapshot.DSUsers},
		References: References{CIS: []string{"5.3.2"}, CISVersion: entraCIS,
			Other: []string{"Monkey365 eid-ensure-guest-users-are-reviewed"}},
		Remediation: Remediation{Summary: "Review the listed guests with their sponsors; disable those no longer needed, then delete them after a grace period.",
			Steps: []string{
				"Entra admin center > Identity > Users > All users, filter User type = Guest; review each listed account.",
				"Update-MgUser -UserId <id> -AccountEnabled:$false (stage 1); Remove-MgUser -UserId <id> (stage 2, restorable for 30 days)",
			}}},
		Eval: evalEntraExt006}
}

// evalEntraExt006: enabled guests whose invitation has been pending for more
// than 30 days, or who have not signed in for 90 days. Staleness is never
// judged as passing when sign-in activity was not collected.
func evalEntraExt006(c *Context) Outcome {
	_, users, err := entraUsers(c)
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
			User: &UserRef{ID: u.ID, UPN: u.UserPrincipalName, Mail: u.Mail}}
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

// entraSignInCollected reports whether the users dataset carries sign-in
// activity: not when the manifest lists it as omitted (the collector fell
// back without it), nor when no user at all has the property.
func entraSignInCollected(c *Context, users []snapshot.User) bool {
	if c.Info(snapshot.DSUsers).Omits(snapshot.PropSignInActivity) {
		return false
	}
	for _, u := range users {
		if u.SignInActivity != nil {
			return true
		}
	}
	return false
}

// entraDays is the number of whole days from t to now.
func entraDays(now, t time.Time) int { return int(now.Sub(t).Hours() / 24) }
