package knowledge

import "strings"

// guestTypes are the guest or external user types of Conditional Access
// (guestOrExternalUserTypes), as Graph spells them, with how reports say
// them. The first six are the types a policy for every guest must cover.
func guestTypes() [][2]string {
	return [][2]string{
		{"internalGuest", "internal guests"},
		{"b2bCollaborationGuest", "B2B collaboration guests"},
		{"b2bCollaborationMember", "B2B collaboration members"},
		{"b2bDirectConnectUser", "B2B direct connect users"},
		{"otherExternalUser", "other external users"},
		{"serviceProvider", "service provider users"},
		{"none", "no guests"},
		{"unknownFutureValue", "future guest types"},
		{"guestsOrExternalUsers", "guests and external users"},
	}
}

// allGuestTypes is how many of guestTypes a policy for every guest covers.
const allGuestTypes = 6

// GuestTypes returns every guest or external user type a policy must
// include to cover all guests, as Graph spells them.
func GuestTypes() []string {
	out := make([]string, 0, allGuestTypes)
	for _, t := range guestTypes()[:allGuestTypes] {
		out = append(out, t[0])
	}
	return out
}

// GuestTypesValue is GuestTypes as the comma-separated value of
// guestOrExternalUserTypes.
func GuestTypesValue() string { return strings.Join(GuestTypes(), ",") }

// GuestTypePhrase says a guest type in words ("B2B collaboration guests").
func GuestTypePhrase(t string) (string, bool) {
	for _, g := range guestTypes() {
		if strings.EqualFold(g[0], t) {
			return g[1], true
		}
	}
	return "", false
}
