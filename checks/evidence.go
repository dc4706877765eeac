package checks

import "time"

// Typed evidence carried by an Affected object. Each pointer is set only on
// the kinds it describes; writers and plans read these fields, never a
// result's prose. JSON names are stable and documented in the README
// ("Results document").

// UserRef names the user an object belongs to (the owner of a method, an
// inbox rule, a sign-in, a delegated grant) or the user the object is.
type UserRef struct {
	ID  string `json:"id,omitempty"`
	UPN string `json:"upn,omitempty"`
}

// SignInEvidence is a group of sign-ins of one user over one client from
// one address.
type SignInEvidence struct {
	UserID string `json:"userId,omitempty"`
	UPN    string `json:"upn,omitempty"`
	// Client is the sign-in log's clientAppUsed.
	Client string `json:"client,omitempty"`
	IP     string `json:"ip,omitempty"`
	// MFA is true when the group's successful sign-ins satisfied MFA.
	MFA       bool      `json:"mfa"`
	Succeeded int       `json:"succeeded"`
	Failed    int       `json:"failed"`
	First     time.Time `json:"first"`
	Last      time.Time `json:"last"`
}

// GrantEvidence is a delegated (OAuth2) permission grant.
type GrantEvidence struct {
	ID          string   `json:"id"`
	ClientID    string   `json:"clientId,omitempty"`
	AppID       string   `json:"appId,omitempty"`
	ResourceID  string   `json:"resourceId,omitempty"`
	PrincipalID string   `json:"principalId,omitempty"`
	ConsentType string   `json:"consentType,omitempty"`
	Scopes      []string `json:"scopes,omitempty"`
}

// MethodEvidence is an authentication method of a user.
type MethodEvidence struct {
	UserID string `json:"userId"`
	ID     string `json:"id"`
	// Type is the Graph @odata.type without the "#microsoft.graph." prefix.
	Type string `json:"type"`
}

// InboxRuleEvidence is an inbox rule of a mailbox.
type InboxRuleEvidence struct {
	UserID string `json:"userId,omitempty"`
	ID     string `json:"id,omitempty"`
	Name   string `json:"name"`
}

// ExchangeObject names an Exchange object as its cmdlets take it, and the
// property a check found wrong on it.
type ExchangeObject struct {
	Identity string `json:"identity"`
	Property string `json:"property,omitempty"`
}

// CredentialEvidence is a credential of an application or service principal.
type CredentialEvidence struct {
	ObjectID string `json:"objectId"`
	AppID    string `json:"appId,omitempty"`
	KeyID    string `json:"keyId"`
}

// RoleEvidence lists the privileged roles an object holds.
type RoleEvidence struct {
	Roles         []string `json:"roles,omitempty"`
	AssignmentIDs []string `json:"assignmentIds,omitempty"`
}
