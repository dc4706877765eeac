package pwsh

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Graph permissions the containment steps request. Each is the least
// privileged delegated permission Microsoft documents for its call, so the
// script never asks for User.ReadWrite.All.
const (
	scopeUserRead         = "User.Read.All"                      // read the user and the guests first
	scopeEnableDisable    = "User.EnableDisableAccount.All"      // accountEnabled (with User.Read.All)
	scopePasswordProfile  = "User-PasswordProfile.ReadWrite.All" // passwordProfile
	scopeRevokeSessions   = "User.RevokeSessions.All"            // revokeSignInSessions
	scopeUserAuthMethods  = "UserAuthenticationMethod.ReadWrite.All"
	scopeMailboxSettings  = "MailboxSettings.ReadWrite" // inbox rules (messageRules)
	scopeDeleteUser       = "User.DeleteRestore.All"    // DELETE /users/{id} (soft delete)
	scopeDelegatedGrant   = "DelegatedPermissionGrant.ReadWrite.All"
	containmentLogSuffix  = "-log"
	containmentFilePrefix = "incident-"
)

// Action is one change the containment script makes, in script order. The
// script and this list come from the same plan (ContainmentActions), so a
// report printing "what the containment script will do" cannot disagree
// with the script.
type Action struct {
	// CheckID is the incident check whose finding the change answers.
	CheckID string `json:"checkId"`
	// Kind is the object type: user, authMethod, inboxRule, mailbox, grant,
	// guest (the Affected kinds of the checks).
	Kind string `json:"kind"`
	// TargetID and TargetName identify the object (tenant data).
	TargetID   string `json:"targetId"`
	TargetName string `json:"targetName"`
	// What is our description of the change; it is also the action text
	// -WhatIf and -Confirm show.
	What string `json:"what"`
}

// ReviewItem is an object the containment script lists for review and does
// not change (a guest invited by someone else, an ordinary inbox rule, a
// finding no script step answers).
type ReviewItem struct {
	CheckID string `json:"checkId"`
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Name    string `json:"name"`
	Detail  string `json:"detail"`
}

// op is what a step does.
type op int

const (
	opBlockSignIn op = iota
	opRevokeSessions
	opRemoveMethod
	opRemoveRule
	opClearForwarding
	opRevokeGrant
	opDisableGuest
	opRemoveGuest
	opDisableMember
	opResetPassword
	opProtocols
)

// Action texts (shown by -WhatIf and -Confirm, and by ContainmentActions).
const (
	whatBlock          = "Block sign-in"
	whatRevoke         = "Revoke all sign-in sessions and refresh tokens"
	whatRemoveRule     = "Remove inbox rule (saved in the change log first)"
	whatDisableRule    = "Disable inbox rule, keep it as evidence (-KeepRulesDisabled)"
	whatRemoveRuleExo  = "Remove inbox rule through Exchange Online (Graph could not open the mailbox; saved in the change log first)"
	whatDisableRuleExo = "Disable inbox rule through Exchange Online, keep it as evidence (-KeepRulesDisabled)"
	whatForwarding     = "Clear mailbox forwarding"
	whatRevokeGrant    = "Revoke OAuth consent (delegated permission grant)"
	whatDisableGuest   = "Block sign-in of guest invited by the compromised account"
	whatRemoveGuest    = "Delete guest invited by the compromised account (restorable for 30 days)"
	whatDisableMember  = "Block sign-in of account created by the compromised account"
	whatResetPassword  = "Reset password (random, change required at next sign-in)"
	whatProtocols      = "Disable POP, IMAP and SMTP AUTH for the mailbox"
	whatRemoveMethodPf = "Remove authentication method: "
)

// authMethodEndpoint is how one authentication method type is removed.
type authMethodEndpoint struct {
	segment string // /users/{id}/authentication/<segment>/{methodId}
	cmdlet  string // the Microsoft.Graph cmdlet doing the same, for the comment
	label   string // our name for the type
}

// authMethodEndpoints maps Graph method types to their typed endpoints.
// Password methods are never removed; unknown types are left for review.
func authMethodEndpoints() map[string]authMethodEndpoint {
	return map[string]authMethodEndpoint{
		"microsoftAuthenticatorAuthenticationMethod":  {"microsoftAuthenticatorMethods", "Remove-MgUserAuthenticationMicrosoftAuthenticatorMethod", "Microsoft Authenticator"},
		"phoneAuthenticationMethod":                   {"phoneMethods", "Remove-MgUserAuthenticationPhoneMethod", "phone"},
		"fido2AuthenticationMethod":                   {"fido2Methods", "Remove-MgUserAuthenticationFido2Method", "FIDO2 security key"},
		"softwareOathAuthenticationMethod":            {"softwareOathMethods", "Remove-MgUserAuthenticationSoftwareOathMethod", "software OATH token"},
		"emailAuthenticationMethod":                   {"emailMethods", "Remove-MgUserAuthenticationEmailMethod", "email"},
		"temporaryAccessPassAuthenticationMethod":     {"temporaryAccessPassMethods", "Remove-MgUserAuthenticationTemporaryAccessPassMethod", "Temporary Access Pass"},
		"windowsHelloForBusinessAuthenticationMethod": {"windowsHelloForBusinessMethods", "Remove-MgUserAuthenticationWindowsHelloForBusinessMethod", "Windows Hello for Business"},
	}
}

// SupportsContainment reports whether the containment script
// (incident-<user>.ps1) carries steps for an incident check: the value its
// Remediation.Script flag should have.
func SupportsContainment(checkID string) bool {
	switch checkID {
	case "IR-USR-002", "IR-USR-003", "IR-GST-001", "IR-INB-001", "IR-MBX-001", "IR-APP-001", "IR-SIG-001":
		return true
	}
	return false
}

// step is one planned change.
type step struct {
	Action
	op       op
	userID   string             // the incident user (rules, methods, grants)
	identity string             // Exchange identity (forwarding, protocols)
	ruleName string             // opRemoveRule: for the Exchange Online fallback
	method   authMethodEndpoint // opRemoveMethod
}

// containment is everything one user's script is built from.
type containment struct {
	upn, userID, userName string
	start, end            time.Time
	steps                 []step
	review                []ReviewItem
	notEvaluated          []string // incident checks not evaluated (unknown, error)
	contained             bool     // IR-USR-002 found the account already contained
	synced                bool     // the account is synchronised from on-premises AD
	notScripted           []string // failing incident checks without script steps
}

func (c *containment) has(o op) bool {
	for _, s := range c.steps {
		if s.op == o {
			return true
		}
	}
	return false
}

func (c *containment) hasGraph() bool {
	for _, s := range c.steps {
		if s.op != opClearForwarding && s.op != opProtocols {
			return true
		}
	}
	return false
}

// hasExchange: forwarding and protocols are Exchange steps, and inbox rules
// fall back to Exchange Online when Graph cannot open the mailbox.
func (c *containment) hasExchange() bool {
	return c.has(opClearForwarding) || c.has(opProtocols) || c.has(opRemoveRule)
}

// scopes are the Graph permissions the planned steps need, sorted.
func (c *containment) scopes() []string {
	set := map[string]bool{}
	if c.hasGraph() {
		set[scopeUserRead] = true // the target user is read and verified first
	}
	for _, s := range c.steps {
		switch s.op {
		case opBlockSignIn, opDisableGuest, opDisableMember:
			set[scopeEnableDisable] = true
		case opRevokeSessions:
			set[scopeRevokeSessions] = true
		case opRemoveMethod:
			set[scopeUserAuthMethods] = true
		case opRemoveRule:
			set[scopeMailboxSettings] = true
		case opRevokeGrant:
			set[scopeDelegatedGrant] = true
		case opRemoveGuest:
			set[scopeDeleteUser] = true
		case opResetPassword:
			set[scopePasswordProfile] = true
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// ContainmentFileName is the file name of upn's containment script:
// incident-<upn>.ps1 with every character outside [A-Za-z0-9._-] replaced
// by '_' (so never a path separator), lower-cased, and never starting with
// '.'. When anything besides '@' had to be replaced, or the name was cut to
// length, a short hash of the UPN keeps two users from sharing a file.
func ContainmentFileName(upn string) string {
	const maxLen = 80
	lower := strings.ToLower(strings.TrimSpace(upn))
	var b strings.Builder
	// '@' becomes '_', so a UPN that already holds '_' is ambiguous
	// ("a_b@c" and "a@b_c"): it gets the hash too.
	lossy := strings.Contains(lower, "_")
	for _, r := range lower {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		case r == '@':
			b.WriteByte('_')
		default:
			b.WriteByte('_')
			lossy = true
		}
	}
	name := b.String()
	if len(name) > maxLen {
		name = name[:maxLen]
		lossy = true
	}
	name = strings.Trim(name, ".")
	if name == "" {
		name = "user"
		lossy = true
	}
	if lossy {
		sum := sha256.Sum256([]byte(lower))
		name += "-" + hex.EncodeToString(sum[:4])
	}
	return containmentFilePrefix + name + ".ps1"
}

// ContainmentActions lists the changes incident-<upn>.ps1 makes, in script
// order; nil when the user is not an incident user of doc or cannot be
// resolved (WriteContainment then returns the reason).
func ContainmentActions(doc *checks.Document, snap *snapshot.Snapshot, upn string) []Action {
	c, err := planContainment(doc, snap, upn)
	if err != nil {
		return nil
	}
	out := make([]Action, len(c.steps))
	for i, s := range c.steps {
		out[i] = s.Action
	}
	return out
}

// ContainmentReview lists what incident-<upn>.ps1 shows for review without
// changing it; nil when the user cannot be resolved.
func ContainmentReview(doc *checks.Document, snap *snapshot.Snapshot, upn string) []ReviewItem {
	c, err := planContainment(doc, snap, upn)
	if err != nil {
		return nil
	}
	return append([]ReviewItem(nil), c.review...)
}

// incidentUser resolves upn to the user's object id and names, from the
// snapshot's directory, else from IR-USR-002's evidence.
func incidentUser(doc *checks.Document, snap *snapshot.Snapshot, upn string) (id, canonicalUPN, name string, err error) {
	key := strings.TrimSpace(upn)
	if snap != nil {
		if users, uerr := snap.Users(); uerr == nil {
			for _, u := range users {
				if strings.EqualFold(u.UserPrincipalName, key) || (u.Mail != "" && strings.EqualFold(u.Mail, key)) {
					return u.ID, u.UserPrincipalName, u.DisplayName, nil
				}
			}
		}
	}
	for _, r := range doc.Results {
		if r.ID != "IR-USR-002" {
			continue
		}
		for _, a := range r.Affected {
			if a.Extra["userId"] != "" && strings.EqualFold(a.Extra["upn"], key) {
				return a.Extra["userId"], a.Extra["upn"], "", nil
			}
		}
	}
	return "", "", "", fmt.Errorf("incident user %q is not in the snapshot's directory, so the objects to contain cannot be tied to an account", upn)
}

// planContainment selects the steps and review items for one incident user.
func planContainment(doc *checks.Document, snap *snapshot.Snapshot, upn string) (*containment, error) {
	if doc == nil {
		return nil, fmt.Errorf("no results document")
	}
	if doc.Incident == nil {
		return nil, fmt.Errorf("the audit has no incident context (incident users and start)")
	}
	listed := false
	for _, u := range doc.Incident.Users {
		if strings.EqualFold(strings.TrimSpace(u), strings.TrimSpace(upn)) {
			listed = true
		}
	}
	if !listed {
		return nil, fmt.Errorf("%q is not an incident user of this audit (%s)", upn, strings.Join(doc.Incident.Users, ", "))
	}
	uid, canon, name, err := incidentUser(doc, snap, upn)
	if err != nil {
		return nil, err
	}
	if !isGUID(uid) {
		return nil, fmt.Errorf("incident user %q has object id %q, which is not a GUID", upn, uid)
	}
	if canon == "" {
		canon = strings.TrimSpace(upn)
	}
	c := &containment{upn: canon, userID: strings.ToLower(uid), userName: name, start: doc.Incident.Start, end: doc.Incident.End}
	if c.end.IsZero() {
		c.end = doc.CollectedAt
	}
	byID := map[string]checks.Result{}
	ids := make([]string, 0, len(doc.Results))
	for _, r := range doc.Results {
		if !r.Incident {
			continue
		}
		byID[r.ID] = r
		ids = append(ids, r.ID)
	}
	sort.Strings(ids)
	for _, id := range ids {
		r := byID[id]
		switch r.Status {
		case checks.StatusUnknown, checks.StatusError:
			c.notEvaluated = append(c.notEvaluated, id)
		case checks.StatusFail, checks.StatusWarn, checks.StatusManual:
			if !SupportsContainment(id) {
				c.notScripted = append(c.notScripted, id)
			}
		}
	}
	single := len(doc.Incident.Users) == 1
	mine := func(a checks.Affected) bool { return strings.EqualFold(a.Extra["userId"], c.userID) }
	review := func(r checks.Result, a checks.Affected, why string) {
		d := a.Detail
		if why != "" {
			d = why + ": " + d
		}
		c.review = append(c.review, ReviewItem{CheckID: r.ID, Kind: a.Kind, ID: a.ID, Name: a.Name, Detail: d})
	}
	add := func(s step) { c.steps = append(c.steps, s) }
	userName := c.upn

	// 1. Stop the attacker: block sign-in, revoke sessions.
	account := false
	if r, ok := byID["IR-USR-002"]; ok {
		for _, a := range r.Affected {
			if !mine(a) {
				continue
			}
			if a.Attributed {
				account = true
			} else {
				c.contained = true
			}
		}
	}
	c.synced = syncedUser(snap, c.userID)
	if account && !c.synced {
		add(step{Action: Action{CheckID: "IR-USR-002", Kind: "user", TargetID: c.userID, TargetName: userName, What: whatBlock}, op: opBlockSignIn})
	}
	if account {
		add(step{Action: Action{CheckID: "IR-USR-002", Kind: "user", TargetID: c.userID, TargetName: userName, What: whatRevoke}, op: opRevokeSessions})
	}

	// 2. Remove persistence.
	endpoints := authMethodEndpoints()
	forEach := func(id string, fn func(r checks.Result, a checks.Affected)) {
		r, ok := byID[id]
		if !ok {
			return
		}
		as := append([]checks.Affected(nil), r.Affected...)
		sort.SliceStable(as, func(i, j int) bool { return as[i].ID < as[j].ID })
		for _, a := range as {
			fn(r, a)
		}
	}
	forEach("IR-USR-003", func(r checks.Result, a checks.Affected) {
		switch {
		case a.Kind == "authMethod" && mine(a) && a.Attributed:
			t := strings.TrimPrefix(a.Extra["methodType"], "#microsoft.graph.")
			ep, ok := endpoints[t]
			mid := a.Extra["methodId"]
			if !ok || mid == "" {
				review(r, a, "registered in the window, but this method type cannot be removed by the script: remove it in the Entra admin center (Users > Authentication methods)")
				return
			}
			add(step{Action: Action{CheckID: r.ID, Kind: "authMethod", TargetID: mid, TargetName: a.Name, What: whatRemoveMethodPf + ep.label},
				op: opRemoveMethod, userID: c.userID, method: ep})
		case a.Kind == "authMethod" && !mine(a):
			// another incident user's method: their own script removes it
		case !a.Attributed:
			review(r, a, "")
		}
	})
	forEach("IR-INB-001", func(r checks.Result, a checks.Affected) {
		if !mine(a) {
			return
		}
		rid := a.Extra["ruleId"]
		switch {
		case a.Attributed && rid != "":
			add(step{Action: Action{CheckID: r.ID, Kind: "inboxRule", TargetID: rid, TargetName: a.Name, What: whatRemoveRule}, op: opRemoveRule, userID: c.userID, ruleName: a.Extra["ruleName"]})
		case a.Attributed:
			review(r, a, "suspicious, but the rule id is unknown: remove it by hand")
		default:
			review(r, a, "not changed")
		}
	})
	forEach("IR-MBX-001", func(r checks.Result, a checks.Affected) {
		ident := a.Extra["identity"]
		isMine := strings.EqualFold(a.ID, c.userID) || strings.EqualFold(ident, c.upn)
		switch {
		case isMine && a.Attributed:
			if ident == "" {
				ident = c.upn
			}
			add(step{Action: Action{CheckID: r.ID, Kind: "mailbox", TargetID: a.ID, TargetName: ident, What: whatForwarding}, op: opClearForwarding, identity: ident})
		case a.Attributed:
			// another incident user's mailbox
		default:
			review(r, a, "not changed")
		}
	})
	forEach("IR-APP-001", func(r checks.Result, a checks.Affected) {
		gid := a.Extra["grantId"]
		isMine := strings.EqualFold(a.Extra["principalId"], c.userID)
		switch {
		case isMine && a.Attributed && gid != "":
			add(step{Action: Action{CheckID: r.ID, Kind: "grant", TargetID: gid, TargetName: a.Name, What: whatRevokeGrant}, op: opRevokeGrant, userID: c.userID})
		case a.Attributed && !isMine:
			// another incident user's consent
		default:
			review(r, a, "not changed")
		}
	})
	var inviters map[string][]snapshot.DirectoryObject
	if snap != nil {
		inviters, _ = snap.GuestInviters()
	}
	forEach("IR-GST-001", func(r checks.Result, a checks.Affected) {
		if !a.Attributed {
			review(r, a, "not invited by the compromised account inside the window, not changed")
			return
		}
		who := c.invitedBy(a, inviters)
		switch {
		case who == inviterOther:
			return // another incident user's guest
		case who == inviterUnknown && !single:
			review(r, a, "created by an incident user, but not provably by this one: not changed")
			return
		}
		gid := a.Extra["userId"]
		if gid == "" {
			gid = a.ID
		}
		if a.Kind == "guest" {
			add(step{Action: Action{CheckID: r.ID, Kind: "guest", TargetID: gid, TargetName: a.Name, What: whatDisableGuest}, op: opDisableGuest})
			add(step{Action: Action{CheckID: r.ID, Kind: "guest", TargetID: gid, TargetName: a.Name, What: whatRemoveGuest}, op: opRemoveGuest})
			return
		}
		add(step{Action: Action{CheckID: r.ID, Kind: a.Kind, TargetID: gid, TargetName: a.Name, What: whatDisableMember}, op: opDisableMember})
		review(r, a, "member account created by the compromised account: sign-in blocked by this script, delete it once confirmed")
	})

	// 3. New password (for a synchronised account, in Active Directory).
	if account && !c.synced {
		add(step{Action: Action{CheckID: "IR-USR-002", Kind: "user", TargetID: c.userID, TargetName: userName, What: whatResetPassword}, op: opResetPassword})
	}

	// 4. Protocols: when the user signed in with them in the window, or
	// whenever the account itself is being contained.
	legacy := false
	forEach("IR-SIG-001", func(r checks.Result, a checks.Affected) {
		switch {
		case mine(a) && a.Attributed:
			legacy = true
		case a.Attributed:
		default:
			review(r, a, "not changed")
		}
	})
	if (legacy || account) && hasMailbox(snap, c) {
		id := "IR-SIG-001"
		if !legacy {
			id = "IR-USR-002"
		}
		add(step{Action: Action{CheckID: id, Kind: "mailbox", TargetID: c.userID, TargetName: c.upn, What: whatProtocols}, op: opProtocols, identity: c.upn})
	}

	// Findings no step answers: their attributed objects are listed, except
	// those that are plainly another incident user's (that user's script
	// lists them).
	others := c.otherIncidentUsers(doc, snap)
	for _, id := range c.notScripted {
		r := byID[id]
		for _, a := range r.Affected {
			if a.Attributed && !c.belongsToOther(a, others) {
				review(r, a, "no containment step for this finding, act on it by hand")
			}
		}
	}
	return c, nil
}

// otherIncidentUsers returns the lower-case UPNs and ids of the audit's
// other incident users.
func (c *containment) otherIncidentUsers(doc *checks.Document, snap *snapshot.Snapshot) []string {
	var out []string
	for _, u := range doc.Incident.Users {
		if strings.EqualFold(strings.TrimSpace(u), c.upn) {
			continue
		}
		out = append(out, strings.ToLower(strings.TrimSpace(u)))
		if id, canon, _, err := incidentUser(doc, snap, u); err == nil {
			if strings.EqualFold(id, c.userID) {
				out = out[:len(out)-1] // the same account under another name
				continue
			}
			out = append(out, strings.ToLower(id), strings.ToLower(canon))
		}
	}
	return out
}

// belongsToOther reports whether an object names another incident user and
// not this one.
func (c *containment) belongsToOther(a checks.Affected, others []string) bool {
	text := strings.ToLower(a.ID + " " + a.Name + " " + a.Actor + " " + a.Extra["userId"] + " " + a.Extra["upn"] + " " + a.Extra["principalId"])
	if strings.Contains(text, strings.ToLower(c.upn)) || strings.Contains(text, c.userID) {
		return false
	}
	for _, o := range others {
		if o != "" && strings.Contains(text, o) {
			return true
		}
	}
	return false
}

// Who invited a guest, relative to the script's user.
const (
	inviterThis = iota
	inviterOther
	inviterUnknown
)

// invitedBy tells whether the script's user invited an attributed guest:
// invitedBy from the snapshot first, then the check's Actor.
func (c *containment) invitedBy(a checks.Affected, inviters map[string][]snapshot.DirectoryObject) int {
	gid := a.Extra["userId"]
	if gid == "" {
		gid = a.ID
	}
	if invs, ok := inviters[gid]; ok && len(invs) > 0 {
		for _, inv := range invs {
			if strings.EqualFold(inv.ID, c.userID) || (inv.UserPrincipalName != "" && strings.EqualFold(inv.UserPrincipalName, c.upn)) {
				return inviterThis
			}
		}
		return inviterOther
	}
	actor := strings.TrimSpace(a.Actor)
	switch {
	case actor == "":
		return inviterUnknown
	case strings.EqualFold(actor, c.upn) || strings.EqualFold(actor, c.userID) || strings.Contains(strings.ToLower(actor), "<"+strings.ToLower(c.upn)+">"):
		return inviterThis
	case c.userName != "" && strings.EqualFold(actor, c.userName):
		return inviterThis
	}
	return inviterOther
}

// syncedUser reports whether the snapshot shows the user synchronised from
// on-premises Active Directory: its sign-in state and password are then
// changed there, not through Graph.
func syncedUser(snap *snapshot.Snapshot, uid string) bool {
	if snap == nil {
		return false
	}
	users, err := snap.Users()
	if err != nil {
		return false
	}
	for _, u := range users {
		if strings.EqualFold(u.ID, uid) {
			return u.Synced()
		}
	}
	return false
}

// hasMailbox reports whether the user may have a mailbox: true unless the
// snapshot's CAS mailbox list was collected and has no row for the user.
func hasMailbox(snap *snapshot.Snapshot, c *containment) bool {
	if snap == nil {
		return true
	}
	rows, err := snap.CASMailboxes()
	if err != nil {
		return true
	}
	for _, m := range rows {
		if strings.EqualFold(m.ExternalDirectoryObjectID, c.userID) || strings.EqualFold(m.PrimarySmtpAddress, c.upn) || strings.EqualFold(m.Identity, c.upn) {
			return true
		}
	}
	return false
}

// WriteContainment writes incident-<upn>.ps1: the containment script for
// one incident user. It acts on exactly the objects the incident checks
// attributed to the attacker for this user (Affected.Attributed), in the
// order that stops the attacker first (block sign-in, revoke sessions),
// then removes persistence (methods, inbox rules, forwarding, consents,
// guests), then resets the password and disables legacy protocols.
// Everything else the checks found is printed for review, unchanged.
func WriteContainment(ctx context.Context, w io.Writer, doc *checks.Document, snap *snapshot.Snapshot, upn string, opt Options) error {
	if doc == nil {
		return fmt.Errorf("containment script: no results document")
	}
	if !isGUID(doc.Tenant.ID) {
		return fmt.Errorf("containment script: tenant id %q is not a GUID, so the script could not verify it is connected to the right tenant", doc.Tenant.ID)
	}
	c, err := planContainment(doc, snap, upn)
	if err != nil {
		return fmt.Errorf("containment script for %q: %w", upn, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("containment script: %w", err)
	}
	logPrefix := strings.TrimSuffix(ContainmentFileName(c.upn), ".ps1") + containmentLogSuffix
	body := &Script{}
	c.writeUserVars(body)
	if err := body.WritePrelude(c.hasGraph(), false); err != nil {
		return fmt.Errorf("containment script: %w", err)
	}
	c.writeHelpers(body)
	conn := Connection{TenantID: doc.Tenant.ID, Cloud: doc.Cloud, GraphScopes: c.scopes(), Exchange: c.hasExchange()}
	if conn.Exchange {
		conn.ExchangeOrganization = exchangeOrganization(snap)
	}
	if len(c.steps) > 0 {
		if err := body.WriteConnect(conn); err != nil {
			return fmt.Errorf("containment script: %w", err)
		}
		if c.hasGraph() {
			c.writeUserGuard(body)
		}
		body.Blank()
		body.Line("Write-Host ('Containment of {0}: up to {1} changes, each confirmed separately (answer A for Yes to All).' -f (ConvertTo-ConsoleText $IncidentUserPrincipalName), %s)", Int(int64(len(c.steps))))
		body.Line("if ($WhatIfPreference) { Write-Host 'What-if run: nothing is changed; every planned change is listed and logged.' -ForegroundColor Cyan }")
	} else {
		body.Blank()
		body.Comment("The incident checks attributed nothing to the attacker for this user: the script connects to nothing and changes nothing. See the review list at the end.")
	}
	c.writeSteps(ctx, body)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("containment script: %w", err)
	}
	body.WriteFinish(logPrefix, false)
	c.writeReview(body)
	c.writeClosing(body)
	body.Blank()
	body.Line("if ($statusCounts.failed -gt 0) { exit 1 }")

	h := Header{
		Title:         "m365audit containment script for one compromised account",
		Synopsis:      "Contains one compromised user: stops the attacker, removes what the attacker left behind, resets the password, and turns off legacy mail protocols for the user.",
		Description:   c.description(),
		TenantID:      doc.Tenant.ID,
		TenantName:    doc.Tenant.DisplayName,
		PrimaryDomain: doc.Tenant.PrimaryDomain,
		CollectedAt:   doc.CollectedAt,
		ToolVersion:   opt.ToolVersion,
		ScriptName:    ContainmentFileName(c.upn),
		Notes:         c.notes(conn),
		LogPrefix:     logPrefix,
	}
	if c.has(opRemoveRule) {
		h.Params = append(h.Params, Param{
			Name: "KeepRulesDisabled",
			Decl: "[switch] $KeepRulesDisabled",
			Help: "Disable the attacker's inbox rules instead of deleting them, so they stay in the mailbox as evidence. Without it each rule is saved in the change log (its full JSON) and then deleted.",
		})
	}
	out, err := Assemble(h, conn.modulesFor(len(c.steps) > 0), body)
	if err != nil {
		return fmt.Errorf("containment script: %w", err)
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("write containment script: %w", err)
	}
	return nil
}

// safeUPN reports whether a UPN may be written into a comment as is: only
// letters, digits and . _ - @ (anything else stays in quoted data only).
func safeUPN(s string) bool {
	if s == "" || len(s) > 113 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-', r == '@':
		default:
			return false
		}
	}
	return true
}

// who names the user in our comments: the UPN when it is plain, else a
// pointer to the quoted variable.
func (c *containment) who() string {
	if safeUPN(c.upn) {
		return c.upn
	}
	return "the user in $IncidentUserPrincipalName"
}

func (c *containment) count(o op) int {
	n := 0
	for _, s := range c.steps {
		if s.op == o {
			n++
		}
	}
	return n
}

// description is the header's plain list of what the script does.
func (c *containment) description() []string {
	d := []string{
		fmt.Sprintf("Compromised account: %s (object id %s). Incident window: %s to %s (UTC).", c.who(), c.userID,
			c.start.UTC().Format("2006-01-02 15:04"), c.end.UTC().Format("2006-01-02 15:04")),
		"It changes only the objects the audit attributed to the attacker for this account (created or changed by this account inside the window), each by its id, and reads each one first: an object already removed or already in the wanted state is skipped. Everything else the audit found is printed at the end under 'For review (not changed)'.",
	}
	if len(c.steps) == 0 {
		return append(d, "What it will do: nothing. The audit attributed no object to the attacker for this account.")
	}
	var list []string
	n := 0
	item := func(text string) {
		n++
		list = append(list, fmt.Sprintf("%d. %s", n, text))
	}
	if c.has(opBlockSignIn) {
		item("Block sign-in and revoke all sessions and refresh tokens (stops the attacker now).")
	} else if c.has(opRevokeSessions) {
		item("Revoke all sessions and refresh tokens (stops the attacker's sessions now).")
	}
	if k := c.count(opRemoveMethod); k > 0 {
		item(fmt.Sprintf("Remove %s registered in the window, so the user re-registers.", plural(k, "authentication method", "authentication methods")))
	}
	if k := c.count(opRemoveRule); k > 0 {
		item(fmt.Sprintf("Remove %s (each saved in the change log first; -KeepRulesDisabled disables them instead).", plural(k, "suspicious inbox rule", "suspicious inbox rules")))
	}
	if c.has(opClearForwarding) {
		item("Clear mailbox forwarding.")
	}
	if k := c.count(opRevokeGrant); k > 0 {
		item(fmt.Sprintf("Revoke %s the account gave in the window.", plural(k, "OAuth consent", "OAuth consents")))
	}
	if k := c.count(opRemoveGuest); k > 0 {
		item(fmt.Sprintf("Block, then delete, %s the account invited in the window (deleted users are restorable for 30 days).", plural(k, "guest", "guests")))
	}
	if k := c.count(opDisableMember); k > 0 {
		item(fmt.Sprintf("Block sign-in of %s the account created in the window (not deleted).", plural(k, "member account", "member accounts")))
	}
	if c.has(opResetPassword) {
		item("Reset the password to a random one generated when the script runs (shown once on the console, never saved), with a change required at next sign-in.")
	}
	if c.has(opProtocols) {
		item("Disable POP, IMAP and SMTP AUTH for the user's mailbox.")
	}
	d = append(d, "What it will do, in this order: "+strings.Join(list, " "))
	if c.synced {
		d = append(d, "The account is synchronised from on-premises Active Directory: this script revokes its sessions but cannot block it or reset its password. Do both in Active Directory first (Disable-ADAccount; Set-ADAccountPassword, then Set-ADUser -ChangePasswordAtLogon $true) and run a delta sync (Start-ADSyncSyncCycle -PolicyType Delta).")
	}
	if c.contained {
		d = append(d, "IR-USR-002 found the account already contained (password reset and sessions revoked after the incident start), so sign-in is not blocked and the password is not reset again.")
	}
	return d
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// notes are the header's requirement notes.
func (c *containment) notes(conn Connection) []string {
	var n []string
	var mods []string
	for _, m := range conn.modulesFor(len(c.steps) > 0) {
		mods = append(mods, m.Name+" "+m.MinVersion+" or later")
	}
	if len(mods) > 0 {
		n = append(n, "Requires Windows PowerShell 5.1 or PowerShell 7 with "+strings.Join(mods, " and ")+" (Install-Module <name> -Scope CurrentUser). Microsoft Graph is called with Invoke-MgGraphRequest only; the Remove-Mg* cmdlet doing the same is named in a comment at each step.")
	}
	if len(conn.GraphScopes) > 0 {
		n = append(n, "Microsoft Graph permissions requested (delegated, the least privileged that allow each step; User.ReadWrite.All is not needed): "+strings.Join(conn.GraphScopes, ", ")+
			". Sign in interactively as an administrator: resetting the password and removing authentication methods of an administrator needs Privileged Authentication Administrator; for other users Authentication Administrator and User Administrator together suffice (Global Administrator covers everything).")
	}
	if conn.Exchange {
		n = append(n, "Exchange Online steps (forwarding, protocols, and inbox rules when Graph cannot open the mailbox) need the Exchange Administrator role.")
	}
	if c.has(opRemoveRule) {
		n = append(n, "Inbox rules are changed through Microsoft Graph by rule id. In a delegated session Graph opens only mailboxes the signed-in account may open; when it answers access denied, the step uses Exchange Online instead (Get-InboxRule, then Remove-InboxRule or Disable-InboxRule), and only when exactly one rule of the mailbox has the rule's name.")
	}
	if c.has(opResetPassword) {
		n = append(n, "The new password is generated when the script runs, with a cryptographic random number generator, and shown once on the console. It is never written to the change log or any file, but a transcript (Start-Transcript) or a console log you keep would contain it.")
	}
	if len(c.notEvaluated) > 0 {
		n = append(n, "WARNING: these incident checks could not be evaluated (data not collected), so the attacker may have left more than this script removes: "+strings.Join(c.notEvaluated, ", ")+".")
	}
	return n
}

// writeUserVars writes the incident user's identity as quoted data.
func (c *containment) writeUserVars(s *Script) {
	s.Blank()
	s.Comment("The compromised account and the incident window, from the audit. Data, never code.")
	s.Line("$IncidentUserId = %s", Lit(c.userID))
	s.Line("$IncidentUserPrincipalName = %s", Lit(c.upn))
	s.Line("$IncidentWindowStart = %s", Lit(c.start.UTC().Format(time.RFC3339)))
	s.Line("$IncidentWindowEnd = %s", Lit(c.end.UTC().Format(time.RFC3339)))
}

// helperGraphObject reads one Graph object or $null when it is gone.
const helperGraphObject = `
function Get-GraphObjectOrNull {
    # GET one Microsoft Graph object; $null when it does not exist (404), so
    # an object already removed is skipped instead of failing.
    param([Parameter(Mandatory = $true)] [string] $Uri)
    try {
        return Invoke-MgGraphRequest -Method GET -Uri $Uri
    } catch {
        $status = 0
        $response = $_.Exception.Response
        if ($null -ne $response -and $null -ne $response.StatusCode) { $status = [int]$response.StatusCode }
        if ($status -eq 404 -or [string]$_.Exception.Message -match '\b404\b|NotFound|does not exist') { return $null }
        throw
    }
}
`

// helperPassword generates the new password. No character that is hard to
// read aloud or to type (0/O, 1/l/I, quotes, backtick, $, space).
const helperPassword = `
function Get-RandomIndex {
    # Unbiased random integer in [0, $Max) from a cryptographic RNG
    # (rejection sampling: values past the last whole multiple of $Max are
    # drawn again).
    param([Parameter(Mandatory = $true)] $Rng, [Parameter(Mandatory = $true)] [int] $Max)
    $bytes = New-Object 'byte[]' 4
    $range = [long]4294967296
    $limit = $range - ($range % $Max)
    do {
        $Rng.GetBytes($bytes)
        $value = [long][System.BitConverter]::ToUInt32($bytes, 0)
    } while ($value -ge $limit)
    return [int]($value % $Max)
}

function Get-ContainmentPassword {
    # A random password of $Length characters with at least one upper-case
    # letter, lower-case letter, digit and symbol, from
    # System.Security.Cryptography.RandomNumberGenerator (never Get-Random).
    param([int] $Length = 28)
    $classes = @('ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '!#%+-.:=?@_~')
    $all = -join $classes
    $rng = [System.Security.Cryptography.RandomNumberGenerator]::Create()
    try {
        $chars = New-Object 'System.Collections.Generic.List[char]'
        foreach ($class in $classes) { $chars.Add($class[(Get-RandomIndex -Rng $rng -Max $class.Length)]) }
        while ($chars.Count -lt $Length) { $chars.Add($all[(Get-RandomIndex -Rng $rng -Max $all.Length)]) }
        for ($i = $chars.Count - 1; $i -gt 0; $i--) {
            $j = Get-RandomIndex -Rng $rng -Max ($i + 1)
            $swap = $chars[$i]; $chars[$i] = $chars[$j]; $chars[$j] = $swap
        }
        return (-join $chars)
    } finally {
        $rng.Dispose()
    }
}
`

// writeHelpers writes the containment helper functions the steps use.
func (c *containment) writeHelpers(s *Script) {
	if !c.hasGraph() && !c.has(opResetPassword) {
		return
	}
	s.raw("#region ContainmentHelpers")
	if c.hasGraph() {
		s.buf.WriteString(strings.TrimPrefix(helperGraphObject, "\n"))
	}
	if c.has(opResetPassword) {
		s.buf.WriteString(helperPassword)
	}
	s.raw("#endregion ContainmentHelpers")
}

// writeUserGuard reads the incident user from the live tenant before any
// change and stops when the object id no longer exists.
func (c *containment) writeUserGuard(s *Script) {
	s.Blank()
	s.Region("TargetUser", "Read the compromised account (nothing is changed before this passes)", func() {
		s.Line("$IncidentUser = Get-GraphObjectOrNull -Uri ('/v1.0/users/' + [uri]::EscapeDataString($IncidentUserId) + '?$select=id,userPrincipalName,displayName,accountEnabled,onPremisesSyncEnabled')")
		s.Open("if ($null -eq $IncidentUser -or [string]$IncidentUser.id -ne $IncidentUserId) {")
		s.Line("throw ('User {0} ({1}) was not found in the tenant. Nothing was changed.' -f $IncidentUserId, (ConvertTo-ConsoleText $IncidentUserPrincipalName))")
		s.Close("}")
		s.Open("if ([string]$IncidentUser.userPrincipalName -ne $IncidentUserPrincipalName) {")
		s.Line("Write-Warning ('The account {0} is now called {1} (it was {2} in the audit). It is the same object id; the script goes on.' -f $IncidentUserId, (ConvertTo-ConsoleText ([string]$IncidentUser.userPrincipalName)), (ConvertTo-ConsoleText $IncidentUserPrincipalName))")
		s.Close("}")
		s.Line("Write-Host ('Compromised account: {0} ({1}), sign-in enabled: {2}' -f (ConvertTo-ConsoleText ([string]$IncidentUser.userPrincipalName)), $IncidentUserId, $IncidentUser.accountEnabled)")
		if len(c.notEvaluated) > 0 {
			s.Line("Write-Warning ('Not evaluated by the audit (data not collected), so this script may not remove everything the attacker left: {0}' -f (%s -join ', '))", LitList(c.notEvaluated))
		}
	})
}

// graphURI renders a Graph path whose {} placeholders are filled with the
// ids, each URL-escaped at run time.
func graphURI(parts ...string) Code {
	// parts alternate: fixed text, id, fixed text, id, …
	var b strings.Builder
	b.WriteByte('(')
	for i, p := range parts {
		if i > 0 {
			b.WriteString(" + ")
		}
		if i%2 == 0 {
			b.WriteString(Quote(p))
		} else {
			b.WriteString("[uri]::EscapeDataString(" + Quote(p) + ")")
		}
	}
	b.WriteByte(')')
	return Code(b.String())
}

// targetLit is the ShouldProcess target of a step: the object's name and
// id, one quoted literal, both sanitised for display (no line breaks or
// invisible characters: the target is shown by -WhatIf and -Confirm and
// kept on one line). The change statements use the ids as they are.
func targetLit(a Action) Code { return Lit(targetText(a)) }

// targetText is the display text of a step's target.
func targetText(a Action) string {
	name, id := CommentText(a.TargetName), CommentText(a.TargetID)
	if name == "" || name == id {
		return id
	}
	return name + " [" + id + "]"
}

// writeSteps writes one region per phase, one guarded block per step.
func (c *containment) writeSteps(ctx context.Context, s *Script) {
	phases := []struct {
		id, title string
		ops       []op
		intro     string
	}{
		{"Step1-StopAttacker", "Block sign-in and revoke sessions", []op{opBlockSignIn, opRevokeSessions},
			"First stop the attacker: with sign-in blocked and every refresh token revoked, neither the stolen password nor a stolen session works, and nothing can be re-added while the steps below run."},
		{"Step2-AuthMethods", "Remove the authentication methods registered in the window", []op{opRemoveMethod},
			"The attacker's own authenticator or phone would pass MFA after the password reset. Each method is read first and removed by its id; the user re-registers afterwards."},
		{"Step3-InboxRules", "Remove the suspicious inbox rules", []op{opRemoveRule},
			"Each rule is read first; its full JSON goes into the change log as evidence (before), then it is deleted, or only disabled with -KeepRulesDisabled."},
		{"Step4-Forwarding", "Clear mailbox forwarding", []op{opClearForwarding},
			"Mailbox forwarding survives a password reset and copies every message to the attacker."},
		{"Step5-OAuthConsents", "Revoke the OAuth consents given in the window", []op{opRevokeGrant},
			"A consented mail client keeps its own access to the mailbox; revoking the grant removes it. The grant is read first and must still belong to this user."},
		{"Step6-Guests", "Block, then delete, the guests invited in the window", []op{opDisableGuest, opRemoveGuest, opDisableMember},
			"Each guest is read first and must still be a guest. Sign-in is blocked first (a separate step you can accept alone), then the guest is deleted; deleted users stay restorable for 30 days (Entra admin center > Users > Deleted users)."},
		{"Step7-Password", "Reset the password", []op{opResetPassword},
			"Done after the attacker's methods and sessions are gone. The password is generated here, shown once, and never logged."},
		{"Step8-Protocols", "Disable POP, IMAP and SMTP AUTH for the mailbox", []op{opProtocols},
			"These protocols accept a password alone and skip MFA. The organisation-wide settings are in remediation.ps1."},
	}
	for _, ph := range phases {
		var steps []step
		for _, st := range c.steps {
			for _, o := range ph.ops {
				if st.op == o {
					steps = append(steps, st)
				}
			}
		}
		if len(steps) == 0 {
			continue
		}
		if ctx.Err() != nil {
			return
		}
		s.Blank()
		s.Region(ph.id, ph.title, func() {
			s.Comment(ph.intro)
			for i := 0; i < len(steps); i++ {
				st := steps[i]
				if st.op == opDisableGuest && i+1 < len(steps) && steps[i+1].op == opRemoveGuest && steps[i+1].TargetID == st.TargetID {
					c.writeGuest(s, st, steps[i+1])
					i++
					continue
				}
				c.writeStep(s, st)
			}
		})
	}
}

// skippedMsg logs a step left alone with our reason.
// disableAccount writes the guarded change that blocks sign-in of the
// account at uri (a quoted Graph URI).
func disableAccount(s *Script, checkID string, target Code, action string, uri Code) {
	s.Change(Change{CheckID: checkID, Target: target, Action: action, Before: "$true", After: "$false", Apply: func() {
		s.Line("Invoke-MgGraphRequest -Method PATCH -Uri %s -Body (ConvertTo-GraphBody @{ accountEnabled = $false }) -ContentType 'application/json' | Out-Null", uri)
	}})
}

func skippedMsg(s *Script, checkID string, target Code, reason string) {
	s.Skipped(checkID, target, reason)
}

// writeStep writes one step's read, compare and guarded change.
func (c *containment) writeStep(s *Script, st step) {
	tgt := targetLit(st.Action)
	id := st.CheckID
	uid := c.userID
	userURI := graphURI("/v1.0/users/", uid)
	s.Blank()
	switch st.op {
	case opBlockSignIn:
		s.Comment("Update-MgUser -UserId <id> -AccountEnabled:$false")
		s.Try(id, tgt, func() {
			s.Open("if ($IncidentUser.onPremisesSyncEnabled -eq $true) {")
			skippedMsg(s, id, tgt, "synchronised from on-premises Active Directory: disable the account there (Disable-ADAccount) and run a delta sync")
			s.Close("} elseif ($IncidentUser.accountEnabled -eq $false) {")
			s.Unchanged(id, tgt, "$false")
			s.Close("} else {")
			disableAccount(s, id, tgt, st.What, userURI)
			s.Close("}")
		})
	case opRevokeSessions:
		s.Comment("Revoke-MgUserSignInSession -UserId <id>. Also ends the refresh tokens of consented apps (the attacker's mail client) until they are revoked below.")
		s.Try(id, tgt, func() {
			s.Change(Change{CheckID: id, Target: tgt, Action: st.What, After: "'sessions revoked'", Apply: func() {
				s.Line("Invoke-MgGraphRequest -Method POST -Uri %s | Out-Null", graphURI("/v1.0/users/", uid, "/revokeSignInSessions"))
			}})
		})
	case opRemoveMethod:
		uri := graphURI("/v1.0/users/", uid, "/authentication/"+st.method.segment+"/", st.TargetID)
		s.Comment(st.method.cmdlet + " -UserId <id> (method id below)")
		s.Try(id, tgt, func() {
			s.Line("$method = Get-GraphObjectOrNull -Uri %s", uri)
			s.Open("if ($null -eq $method) {")
			skippedMsg(s, id, tgt, "already removed")
			s.Close("} else {")
			s.Change(Change{CheckID: id, Target: tgt, Action: st.What, Before: "$method", Apply: func() {
				s.Line("Invoke-MgGraphRequest -Method DELETE -Uri %s | Out-Null", uri)
			}})
			s.Close("}")
		})
	case opRemoveRule:
		uri := graphURI("/v1.0/users/", uid, "/mailFolders/inbox/messageRules/", st.TargetID)
		mbx := Lit(c.upn)
		s.Comment("Remove-MgUserMailFolderMessageRule -UserId <id> -MailFolderId inbox -MessageRuleId <rule id below>")
		s.Try(id, tgt, func() {
			s.Line("$rule = $null")
			s.Line("$viaExchange = $false")
			s.Open("try {")
			s.Line("$rule = Get-GraphObjectOrNull -Uri %s", uri)
			s.Close("} catch {")
			s.Comment("In a delegated session Graph opens only mailboxes the signed-in account may open; an administrator role is not enough. Exchange Online can do the same with the administrator role.")
			s.Line("if ([string]$_.Exception.Message -notmatch 'Forbidden|AccessDenied|Access is denied') { throw }")
			s.Line("$viaExchange = $true")
			s.Close("}")
			s.Open("if ($viaExchange) {")
			s.Comment("Remove-InboxRule / Disable-InboxRule by the rule's name, only when exactly one rule of the mailbox has it.")
			s.Line("$exoRules = @(Get-InboxRule -Mailbox %s -IncludeHidden | Where-Object { [string]$_.Name -ceq %s })", mbx, Lit(st.ruleName))
			s.Open("if ($exoRules.Count -ne 1) {")
			s.Line("Add-ChangeLog -CheckId %s -Target %s -Status 'failed' -Message ('Graph could not open the mailbox, and Exchange Online has {0} rules with this name: remove it by hand (Get-InboxRule -Mailbox <user> -IncludeHidden, then Remove-InboxRule)' -f $exoRules.Count)", Lit(id), tgt)
			s.Close("} else {")
			s.Line("$exoRule = $exoRules[0]")
			s.Line("$evidence = [ordered]@{ name = [string]$exoRule.Name; ruleIdentity = [string]$exoRule.RuleIdentity; enabled = [bool]$exoRule.Enabled; description = [string]$exoRule.Description }")
			s.Open("if ($KeepRulesDisabled) {")
			s.Change(Change{CheckID: id, Target: tgt, Action: whatDisableRuleExo, Before: "$evidence", After: "[ordered]@{ enabled = $false }", Apply: func() {
				s.Line("Disable-InboxRule -Mailbox %s -Identity ([string]$exoRule.RuleIdentity) -Confirm:$false", mbx)
			}})
			s.Close("} else {")
			s.Change(Change{CheckID: id, Target: tgt, Action: whatRemoveRuleExo, Before: "$evidence", Message: "'the rule as it was is saved in before (evidence)'", Apply: func() {
				s.Line("Remove-InboxRule -Mailbox %s -Identity ([string]$exoRule.RuleIdentity) -Confirm:$false", mbx)
			}})
			s.Close("}")
			s.Close("}")
			s.Close("} elseif ($null -eq $rule) {")
			skippedMsg(s, id, tgt, "already removed")
			s.Close("} elseif ($KeepRulesDisabled) {")
			s.Open("if ($rule.isEnabled -eq $false) {")
			s.Line("Add-ChangeLog -CheckId %s -Target %s -Before $rule -After $rule -Status 'skipped' -Message 'already disabled (kept as evidence)'", Lit(id), tgt)
			s.Close("} else {")
			s.Change(Change{CheckID: id, Target: tgt, Action: whatDisableRule, Before: "$rule", After: "[ordered]@{ isEnabled = $false }", Apply: func() {
				s.Line("Invoke-MgGraphRequest -Method PATCH -Uri %s -Body (ConvertTo-GraphBody @{ isEnabled = $false }) -ContentType 'application/json' | Out-Null", uri)
			}})
			s.Close("}")
			s.Close("} else {")
			s.Change(Change{CheckID: id, Target: tgt, Action: st.What, Before: "$rule", Message: "'the rule as it was is saved in before (evidence)'", Apply: func() {
				s.Line("Invoke-MgGraphRequest -Method DELETE -Uri %s | Out-Null", uri)
			}})
			s.Close("}")
		})
	case opClearForwarding:
		ident := Lit(st.identity)
		s.Try(id, tgt, func() {
			s.Line("$mailbox = Get-Mailbox -Identity %s", ident)
			s.Line("$before = [ordered]@{ ForwardingSmtpAddress = [string]$mailbox.ForwardingSmtpAddress; ForwardingAddress = [string]$mailbox.ForwardingAddress; DeliverToMailboxAndForward = [bool]$mailbox.DeliverToMailboxAndForward }")
			s.Open("if (-not $before.ForwardingSmtpAddress -and -not $before.ForwardingAddress) {")
			s.Unchanged(id, tgt, "$before")
			s.Close("} else {")
			s.Change(Change{CheckID: id, Target: tgt, Action: st.What, Before: "$before",
				After: "[ordered]@{ ForwardingSmtpAddress = ''; ForwardingAddress = ''; DeliverToMailboxAndForward = $false }", Apply: func() {
					s.Line("Set-Mailbox -Identity %s -ForwardingSmtpAddress $null -ForwardingAddress $null -DeliverToMailboxAndForward $false -Confirm:$false", ident)
				}})
			s.Close("}")
		})
	case opRevokeGrant:
		uri := graphURI("/v1.0/oauth2PermissionGrants/", st.TargetID)
		s.Comment("Remove-MgOauth2PermissionGrant -OAuth2PermissionGrantId <grant id below>")
		s.Try(id, tgt, func() {
			s.Line("$grant = Get-GraphObjectOrNull -Uri %s", uri)
			s.Open("if ($null -eq $grant) {")
			skippedMsg(s, id, tgt, "already revoked")
			s.Close("} elseif ([string]$grant.principalId -ne $IncidentUserId) {")
			s.Line("Add-ChangeLog -CheckId %s -Target %s -Before $grant -Status 'skipped' -Message 'the grant no longer belongs to this user: not changed, review it'", Lit(id), tgt)
			s.Close("} else {")
			s.Change(Change{CheckID: id, Target: tgt, Action: st.What, Before: "$grant", Apply: func() {
				s.Line("Invoke-MgGraphRequest -Method DELETE -Uri %s | Out-Null", uri)
			}})
			s.Close("}")
		})
	case opDisableMember:
		uri := graphURI("/v1.0/users/", st.TargetID)
		s.Try(id, tgt, func() {
			s.Line("$account = Get-GraphObjectOrNull -Uri %s", graphURI("/v1.0/users/", st.TargetID, "?$select=id,userType,accountEnabled"))
			s.Open("if ($null -eq $account) {")
			skippedMsg(s, id, tgt, "already deleted")
			s.Close("} elseif ($account.accountEnabled -eq $false) {")
			s.Unchanged(id, tgt, "$false")
			s.Close("} else {")
			disableAccount(s, id, tgt, st.What, uri)
			s.Close("}")
		})
	case opResetPassword:
		s.Comment("Update-MgUser -UserId <id> -PasswordProfile @{ ForceChangePasswordNextSignIn = $true; Password = <random> }")
		s.Try(id, tgt, func() {
			s.Open("if ($IncidentUser.onPremisesSyncEnabled -eq $true) {")
			skippedMsg(s, id, tgt, "synchronised from on-premises Active Directory: reset the password there (Set-ADAccountPassword, then Set-ADUser -ChangePasswordAtLogon $true) and run a delta sync")
			s.Close("} else {")
			s.Change(Change{CheckID: id, Target: tgt, Action: st.What, After: "'password reset, change required at next sign-in (the password itself is not logged)'", Apply: func() {
				s.Line("$newPassword = Get-ContainmentPassword")
				s.Comment("-Verbose:$false -Debug:$false: debug output would print the request body, which holds the password.")
				s.Line("Invoke-MgGraphRequest -Method PATCH -Uri %s -Body (ConvertTo-GraphBody @{ passwordProfile = @{ forceChangePasswordNextSignIn = $true; password = $newPassword } }) -ContentType 'application/json' -Verbose:$false -Debug:$false | Out-Null", userURI)
				s.Line("Write-Host ''")
				s.Line("Write-Host 'New temporary password (shown only now and saved nowhere; give it to the user in person or by phone, never by mail to this mailbox):' -ForegroundColor Yellow")
				s.Line("Write-Host ('    ' + $newPassword) -ForegroundColor Yellow")
				s.Line("Write-Host ''")
				s.Line("$newPassword = $null")
			}})
			s.Close("}")
		})
	case opProtocols:
		ident := Lit(st.identity)
		s.Try(id, tgt, func() {
			s.Line("$cas = Get-CASMailbox -Identity %s", ident)
			s.Line("$before = [ordered]@{ PopEnabled = $cas.PopEnabled; ImapEnabled = $cas.ImapEnabled; SmtpClientAuthenticationDisabled = $cas.SmtpClientAuthenticationDisabled }")
			s.Open("if ($cas.PopEnabled -eq $false -and $cas.ImapEnabled -eq $false -and $cas.SmtpClientAuthenticationDisabled -eq $true) {")
			s.Unchanged(id, tgt, "$before")
			s.Close("} else {")
			s.Change(Change{CheckID: id, Target: tgt, Action: st.What, Before: "$before", After: "[ordered]@{ PopEnabled = $false; ImapEnabled = $false; SmtpClientAuthenticationDisabled = $true }", Apply: func() {
				s.Line("Set-CASMailbox -Identity %s -PopEnabled $false -ImapEnabled $false -SmtpClientAuthenticationDisabled $true -Confirm:$false", ident)
			}})
			s.Close("}")
		})
	}
}

// writeGuest writes the block-then-delete pair for one guest: two guarded
// changes, so an operator can block and keep.
func (c *containment) writeGuest(s *Script, disable, remove step) {
	tgt := targetLit(disable.Action)
	id := disable.CheckID
	uri := graphURI("/v1.0/users/", disable.TargetID)
	s.Blank()
	s.Comment("Update-MgUser -UserId <guest id> -AccountEnabled:$false, then Remove-MgUser -UserId <guest id>")
	s.Try(id, tgt, func() {
		s.Line("$guest = Get-GraphObjectOrNull -Uri %s", graphURI("/v1.0/users/", disable.TargetID, "?$select=id,userPrincipalName,userType,accountEnabled,createdDateTime"))
		s.Open("if ($null -eq $guest) {")
		skippedMsg(s, id, tgt, "already deleted")
		s.Close("} elseif ([string]$guest.userType -ne 'Guest') {")
		s.Line("Add-ChangeLog -CheckId %s -Target %s -Before $guest -Status 'skipped' -Message 'no longer a guest: not changed, review it'", Lit(id), tgt)
		s.Close("} else {")
		s.Open("if ($guest.accountEnabled -eq $false) {")
		s.Unchanged(id, tgt, "$false")
		s.Close("} else {")
		disableAccount(s, id, tgt, disable.What, uri)
		s.Close("}")
		s.Change(Change{CheckID: remove.CheckID, Target: targetLit(remove.Action), Action: remove.What, Before: "$guest", After: "'deleted (restorable for 30 days)'", Apply: func() {
			s.Line("Invoke-MgGraphRequest -Method DELETE -Uri %s | Out-Null", uri)
		}})
		s.Close("}")
	})
}

// writeReview prints what the audit found and the script leaves alone.
func (c *containment) writeReview(s *Script) {
	if len(c.review) == 0 && len(c.notScripted) == 0 {
		return
	}
	s.Blank()
	s.Region("ForReview", "For review (not changed)", func() {
		s.Comment("Objects the audit found that this script does not change: created by someone else or before the window, ordinary, or not scriptable. Decide on each one; the audit report has the details.")
		s.Line("Write-Host ''")
		s.Line("Write-Host 'For review (not changed by this script):' -ForegroundColor Yellow")
		for _, r := range c.review {
			s.Line("Write-Host ('  [{0}] {1} ({2}): {3}' -f %s, (ConvertTo-ConsoleText %s), (ConvertTo-ConsoleText %s), (ConvertTo-ConsoleText %s))",
				Lit(r.CheckID), Lit(r.Name), Lit(r.ID), Lit(r.Detail))
		}
		if len(c.notScripted) > 0 {
			s.Line("Write-Host ('  Also failing, with no containment step (see the audit report): {0}' -f (%s -join ', '))", LitList(c.notScripted))
		}
	})
}

// writeClosing prints what the admin must do next.
func (c *containment) writeClosing(s *Script) {
	s.Blank()
	s.Region("NextSteps", "What to do after this script", func() {
		s.Line("Write-Host ''")
		s.Line("Write-Host 'Next steps:' -ForegroundColor Yellow")
		if c.has(opRemoveRule) {
			s.Open("if (@($script:ChangeLog | Where-Object { $_.checkId -eq 'IR-INB-001' -and $_.status -eq 'failed' }).Count -gt 0) {")
			s.Line("Write-Warning 'Some inbox rule steps failed (see the change log). Remove those rules in Exchange Online (connected already):'")
			s.Line("$upnLiteral = \"'\" + (ConvertTo-ConsoleText ($IncidentUserPrincipalName -replace \"['‘’‚‛]\", '$0$0')) + \"'\"")
			s.Line("Write-Host ('    Get-InboxRule -Mailbox {0} -IncludeHidden | Format-List Name, RuleIdentity, Enabled, Description' -f $upnLiteral)")
			s.Line("Write-Host ('    Remove-InboxRule -Mailbox {0} -Identity <RuleIdentity of each rule whose name matches a rule in the change log>' -f $upnLiteral)")
			s.Close("}")
		}
		s.Line("if ($WhatIfPreference) { Write-Host 'What-if run: nothing was changed. Run the script again without -WhatIf to contain the account.' -ForegroundColor Cyan }")
		if c.has(opBlockSignIn) {
			s.Comment("Blocked when the block step was applied now, or found the account already blocked.")
			s.Line("$accountBlocked = @($script:ChangeLog | Where-Object { $_.checkId -eq 'IR-USR-002' -and $_.after -is [bool] -and $_.after -eq $false -and ($_.status -eq 'applied' -or $_.message -eq 'already compliant') }).Count -gt 0")
			s.Open("if (-not $accountBlocked) {")
			s.Line("Write-Warning 'Sign-in of the account is NOT blocked (the step was declined, failed, or this was a what-if run). Block it before anything else.'")
			s.Close("}")
			s.Line("Write-Host '  1. The account stays BLOCKED. It is not re-enabled by this script.'")
			s.Line("Write-Host '  2. Audit the tenant again (m365audit) and confirm the incident findings for this user are clean.'")
			s.Line("Write-Host '  3. Create a Temporary Access Pass for the user (Entra admin center > Users > Authentication methods) and hand it over in person or by phone, with the new password.'")
			s.Line("Write-Host '  4. Re-enable sign-in:'")
			s.Line("Write-Host ('       Invoke-MgGraphRequest -Method PATCH -Uri ''/v1.0/users/{0}'' -Body ''{{\"accountEnabled\":true}}'' -ContentType ''application/json''' -f $IncidentUserId)")
			s.Line("Write-Host ('       (or, with Microsoft.Graph.Users: Update-MgUser -UserId ''{0}'' -AccountEnabled:$true)' -f $IncidentUserId)")
			s.Line("Write-Host '  5. The user signs in with the new password (and must change it), then registers MFA again with the Temporary Access Pass at https://aka.ms/mysecurityinfo.'")
		} else {
			if c.synced {
				s.Line("Write-Warning 'This account is synchronised from on-premises Active Directory. Block it and reset its password THERE now (Disable-ADAccount; Set-ADAccountPassword; Set-ADUser -ChangePasswordAtLogon $true), then run Start-ADSyncSyncCycle -PolicyType Delta. Until then the stolen password still works.'")
			}
			s.Line("Write-Host '  Sign-in was not blocked by this script. Make sure the user registers MFA again (https://aka.ms/mysecurityinfo) on a device they control.'")
		}
		s.Line("Write-Host '  Organisation-wide: run remediation.ps1 from the same audit (SMTP AUTH off for the organisation, POP and IMAP off in the CAS mailbox plans, legacy authentication blocked, and a Conditional Access policy requiring MFA for all users, created report-only first).'")
		s.Line("Write-Host '  Until MFA is enforced for everyone, a phished password is enough to sign in: that is how this account was taken.'")
		if len(c.notEvaluated) > 0 {
			s.Line("Write-Warning ('Not evaluated by the audit (data not collected), so the attacker may have left more than this script removed: {0}' -f (%s -join ', '))", LitList(c.notEvaluated))
		}
	})
}
