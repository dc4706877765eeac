package model

import (
	"strings"

	"github.com/m365audit/m365audit/checks"
)

// Accessors for the facts an affected object carries, from its typed
// evidence (checks/evidence.go).

// UserIDOf is the object id of the user an affected object belongs to (or
// is), "" when the evidence does not say.
func UserIDOf(a checks.Affected) string {
	switch {
	case a.User != nil && a.User.ID != "":
		return a.User.ID
	case a.SignIn != nil && a.SignIn.UserID != "":
		return a.SignIn.UserID
	case a.Method != nil && a.Method.UserID != "":
		return a.Method.UserID
	case a.InboxRule != nil && a.InboxRule.UserID != "":
		return a.InboxRule.UserID
	}
	return ""
}

// UPNOf is the user principal name of the user an object belongs to.
func UPNOf(a checks.Affected) string {
	switch {
	case a.User != nil && a.User.UPN != "":
		return a.User.UPN
	case a.SignIn != nil:
		return a.SignIn.UPN
	}
	return ""
}

// MethodOf is the authentication method an object is: its id and Graph
// type without the "#microsoft.graph." prefix.
func MethodOf(a checks.Affected) (id, typ string) {
	if a.Method == nil {
		return "", ""
	}
	return a.Method.ID, strings.TrimPrefix(a.Method.Type, "#microsoft.graph.")
}

// InboxRuleOf is the inbox rule an object is: its id and name.
func InboxRuleOf(a checks.Affected) (id, name string) {
	if a.InboxRule == nil {
		return "", ""
	}
	return a.InboxRule.ID, a.InboxRule.Name
}

// GrantOf is the delegated permission grant an object is: its id and the
// user it was granted for ("" for an admin consent).
func GrantOf(a checks.Affected) (id, principalID string) {
	if a.Grant == nil {
		return "", ""
	}
	return a.Grant.ID, a.Grant.PrincipalID
}

// ExchangeIdentityOf is the identity Exchange cmdlets take for the object,
// "" when the check named none.
func ExchangeIdentityOf(a checks.Affected) string {
	if a.Exchange == nil {
		return ""
	}
	return a.Exchange.Identity
}

// SignInOf is the sign-in group an object is: user, client and address,
// and whether its successful sign-ins met MFA. ok is false for objects that
// are not sign-in groups.
func SignInOf(a checks.Affected) (s checks.SignInEvidence, ok bool) {
	if a.SignIn == nil {
		return s, false
	}
	return *a.SignIn, true
}
