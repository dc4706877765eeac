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
	// Mail is the user's mail address, set where a check found it useful
	// (a guest's invited address).
	Mail string `json:"mail,omitempty"`
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

// OwnerEvidence is an owner of an application or service principal (the
// object the Affected row names).
type OwnerEvidence struct {
	ID string `json:"id"`
	// Kind is the owner's type: user, servicePrincipal, … ("" when Graph
	// did not say).
	Kind string `json:"kind,omitempty"`
	UPN  string `json:"upn,omitempty"`
}

// RoleEvidence lists the privileged roles an object holds.
type RoleEvidence struct {
	Roles         []string `json:"roles,omitempty"`
	AssignmentIDs []string `json:"assignmentIds,omitempty"`
}

// MessageEvidence is one message an incident user sent (all its
// recipients), from the message trace.
type MessageEvidence struct {
	MessageID string    `json:"messageId"`
	Sender    string    `json:"sender"`
	Subject   string    `json:"subject"`
	Sent      time.Time `json:"sent"`
	FromIP    string    `json:"fromIp,omitempty"`
	// Burst is the 1-based number of the burst the message belongs to (per
	// sender, in time order); 0 when it is in none.
	Burst      int                `json:"burst,omitempty"`
	Recipients []MessageRecipient `json:"recipients"`
	// External counts the recipients outside the tenant's domains.
	External int `json:"external"`
}

// MessageRecipient is a recipient of a traced message.
type MessageRecipient struct {
	Address string `json:"address"`
	// External is true when the address is outside the tenant's domains.
	External bool `json:"external"`
	// Status is the trace's delivery status (delivered, failed, …).
	Status string `json:"status,omitempty"`
}

// AuditEvent is a unified audit log record behind an object.
type AuditEvent struct {
	RecordID  string    `json:"recordId"`
	Operation string    `json:"operation"`
	Time      time.Time `json:"time"`
	Actor     string    `json:"actor,omitempty"`
	IP        string    `json:"ip,omitempty"`
}

// RuleHistory is what the audit log and Exchange say about an inbox rule
// beyond what Graph shows: when it was created, changed and removed, and
// whether it still exists (and is hidden from Graph and Outlook).
type RuleHistory struct {
	Created *time.Time  `json:"created,omitempty"`
	Changed []time.Time `json:"changed,omitempty"`
	Removed *time.Time  `json:"removed,omitempty"`
	// Exists is true when the rule is still in the mailbox.
	Exists bool `json:"exists"`
	// ExistsUnknown is true when no rule list was collected, so a rule
	// with Exists false may still be in the mailbox.
	ExistsUnknown bool `json:"existsUnknown,omitempty"`
	// Hidden is true for a rule only Get-InboxRule -IncludeHidden shows.
	Hidden bool `json:"hidden,omitempty"`
	// Identity is the Exchange rule identity (RuleIdentity) when known.
	Identity string `json:"identity,omitempty"`
	// Mailbox is the mailbox owner's UPN (Remove-InboxRule -Mailbox).
	Mailbox string       `json:"mailbox,omitempty"`
	Events  []AuditEvent `json:"events,omitempty"`
}

// MailboxActivityEvidence is a group of mailbox item events (items
// accessed, or deleted) of one mailbox from one address.
type MailboxActivityEvidence struct {
	UserID    string `json:"userId,omitempty"`
	Mailbox   string `json:"mailbox"`
	Operation string `json:"operation"`
	IP        string `json:"ip,omitempty"`
	// Items is how many items the events touched; Events how many records.
	Items  int       `json:"items"`
	Events int       `json:"events"`
	First  time.Time `json:"first"`
	Last   time.Time `json:"last"`
}
