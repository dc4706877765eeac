package model

import (
	"strings"

	"github.com/m365audit/m365audit/checks"
)

// Accessors for the facts an affected object carries. They read the typed
// evidence fields (checks/evidence.go); this file is the only place in
// report/ that still falls back to the deprecated Affected.Extra, for
// results written before the typed fields existed.

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
	return a.Extra["userId"]
}

// UPNOf is the user principal name of the user an object belongs to.
func UPNOf(a checks.Affected) string {
	switch {
	case a.User != nil && a.User.UPN != "":
		return a.User.UPN
	case a.SignIn != nil && a.SignIn.UPN != "":
		return a.SignIn.UPN
	}
	return a.Extra["upn"]
}

// MethodOf is the authentication method an object is: its id and Graph
// type without the "#microsoft.graph." prefix.
func MethodOf(a checks.Affected) (id, typ string) {
	if a.Method != nil {
		return a.Method.ID, strings.TrimPrefix(a.Method.Type, "#microsoft.graph.")
	}
	return a.Extra["methodId"], strings.TrimPrefix(a.Extra["methodType"], "#microsoft.graph.")
}

// InboxRuleOf is the inbox rule an object is: its id and name.
func InboxRuleOf(a checks.Affected) (id, name string) {
	if a.InboxRule != nil {
		return a.InboxRule.ID, a.InboxRule.Name
	}
	return a.Extra["ruleId"], a.Extra["ruleName"]
}

// GrantOf is the delegated permission grant an object is: its id and the
// user it was granted for ("" for an admin consent).
func GrantOf(a checks.Affected) (id, principalID string) {
	if a.Grant != nil {
		return a.Grant.ID, a.Grant.PrincipalID
	}
	return a.Extra["grantId"], a.Extra["principalId"]
}

// ExchangeIdentityOf is the identity Exchange cmdlets take for the object,
// "" when the check named none.
func ExchangeIdentityOf(a checks.Affected) string {
	if a.Exchange != nil && a.Exchange.Identity != "" {
		return a.Exchange.Identity
	}
	return FirstOf(a.Extra["identity"], a.Extra["primarySmtpAddress"])
}

// SignInOf is the sign-in group an object is: user id, client and address,
// and whether its successful sign-ins met MFA. ok is false for objects that
// are not sign-in groups.
func SignInOf(a checks.Affected) (s checks.SignInEvidence, ok bool) {
	if a.SignIn != nil {
		return *a.SignIn, true
	}
	if a.Kind != "signIn" {
		return s, false
	}
	s = checks.SignInEvidence{UserID: a.Extra["userId"], Client: a.Extra["client"], IP: a.Extra["ip"]}
	// Results without typed evidence keyed the group "user|client|ip" and
	// marked IR-SIG-002's MFA groups with a "|mfa" suffix.
	p := strings.Split(a.ID, "|")
	if len(p) >= 3 {
		s.UserID = FirstOf(s.UserID, p[0])
		s.Client = FirstOf(s.Client, p[1])
		s.IP = FirstOf(s.IP, p[2])
	}
	s.MFA = len(p) == 4 && p[3] == "mfa"
	return s, true
}
