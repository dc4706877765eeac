package model

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
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

// EvidenceItem is an object the attacker made that is already gone: the
// containment script lists it as evidence and has nothing to remove (an
// inbox rule created and deleted again inside the window).
type EvidenceItem struct {
	ReviewItem
	// Created and Removed are when the audit log shows it made and deleted.
	Created *time.Time `json:"created,omitempty"`
	Removed *time.Time `json:"removed,omitempty"`
}

// Op is what a Step does.
type Op int

const (
	OpBlockSignIn Op = iota
	OpRevokeSessions
	OpRemoveMethod
	OpRemoveRule
	OpClearForwarding
	OpRevokeGrant
	OpDisableGuest
	OpRemoveGuest
	OpDisableMember
	OpResetPassword
	OpProtocols
	// OpRemoveRuleExchange removes an inbox rule through Exchange Online by
	// its rule identity: a rule only the audit log and Get-InboxRule
	// -IncludeHidden show (IR-INB-002).
	OpRemoveRuleExchange
	// OpReleaseSender takes the account off Exchange Online's restricted
	// senders list (IR-MAIL-002): always the plan's last step.
	OpReleaseSender
)

// Action texts (shown by -WhatIf and -Confirm, and by ContainmentActions).
const (
	WhatBlock          = "Block sign-in"
	WhatRevoke         = "Revoke all sign-in sessions and refresh tokens"
	WhatRemoveRule     = "Remove inbox rule (saved in the change log first)"
	WhatDisableRule    = "Disable inbox rule, keep it as evidence (-KeepRulesDisabled)"
	WhatRemoveRuleExo  = "Remove inbox rule through Exchange Online (Graph could not open the mailbox; saved in the change log first)"
	WhatDisableRuleExo = "Disable inbox rule through Exchange Online, keep it as evidence (-KeepRulesDisabled)"
	WhatForwarding     = "Clear mailbox forwarding"
	WhatRevokeGrant    = "Revoke OAuth consent (delegated permission grant)"
	WhatDisableGuest   = "Block sign-in of guest invited by the compromised account"
	WhatRemoveGuest    = "Delete guest invited by the compromised account (restorable for 30 days)"
	WhatDisableMember  = "Block sign-in of account created by the compromised account"
	WhatResetPassword  = "Reset password (random, change required at next sign-in)"
	WhatProtocols      = "Disable POP, IMAP and SMTP AUTH for the mailbox"
	WhatRemoveMethodPf = "Remove authentication method: "
	WhatRemoveHidden   = "Remove hidden inbox rule through Exchange Online (saved in the change log first)"
	WhatRemoveRuleID   = "Remove inbox rule through Exchange Online by its rule identity (saved in the change log first)"
	WhatReleaseSender  = "Release the account from the restricted senders list (last, only after the steps above held)"
)

// SupportsContainment reports whether the containment script
// (incident-<user>.ps1) carries steps for an incident check: the value its
// Remediation.Script flag should have.
func SupportsContainment(checkID string) bool {
	switch checkID {
	case checks.IDIRUsr002, checks.IDIRUsr003, checks.IDIRGst001, checks.IDIRInb001, checks.IDIRInb002, checks.IDIRMbx001, checks.IDIRApp001, checks.IDIRSig001, checks.IDIRMail002:
		return true
	}
	return false
}

// RemovableMethods maps the Graph authentication method types a
// containment script removes (type without "#microsoft.graph.") to our name
// for them. Password methods are never removed; other types are left for
// review.
func RemovableMethods() map[string]string {
	return map[string]string{
		"microsoftAuthenticatorAuthenticationMethod":  "Microsoft Authenticator",
		"phoneAuthenticationMethod":                   "phone",
		"fido2AuthenticationMethod":                   "FIDO2 security key",
		"softwareOathAuthenticationMethod":            "software OATH token",
		"emailAuthenticationMethod":                   "email",
		"temporaryAccessPassAuthenticationMethod":     "Temporary Access Pass",
		"windowsHelloForBusinessAuthenticationMethod": "Windows Hello for Business",
	}
}

// Step is one planned change of a containment script.
type Step struct {
	Action
	Op Op
	// UserID is the incident user whose object changes (rules, methods,
	// grants).
	UserID string
	// Identity is the Exchange identity: the mailbox (forwarding,
	// protocols), the rule identity (OpRemoveRuleExchange) or the
	// restricted sender address (OpReleaseSender).
	Identity string
	// RuleName is the inbox rule's name, for the Exchange Online fallback
	// (OpRemoveRule) and to verify the rule (OpRemoveRuleExchange).
	RuleName string
	// Hidden: the rule is hidden from Outlook and Graph
	// (OpRemoveRuleExchange).
	Hidden bool
	// Requires lists the incident checks whose steps must all have held
	// (applied, or found already done) before this one runs
	// (OpReleaseSender).
	Requires []string
	// MethodType is the Graph method type (OpRemoveMethod), one of
	// RemovableMethods.
	MethodType string
}

// Containment is the containment plan for one incident user: everything
// incident-<user>.ps1 is built from, and what the reports say it does.
type Containment struct {
	// Given is the user as the incident context names them.
	Given string
	// UPN, UserID and UserName identify the resolved account.
	UPN, UserID, UserName string
	// Start and End are the incident window.
	Start, End time.Time
	// Steps are the changes, in script order.
	Steps []Step
	// Review lists what the script shows and does not change.
	Review []ReviewItem
	// Evidence lists what the attacker made that is already gone (inbox
	// rules created and deleted again): shown, never a step.
	Evidence []EvidenceItem
	// NotEvaluated lists incident checks not evaluated (unknown, error).
	NotEvaluated []string
	// Contained: IR-USR-002 found the account already contained.
	Contained bool
	// Synced: the account is synchronised from on-premises AD.
	Synced bool
	// NotScripted lists failing incident checks without script steps.
	NotScripted []string
	// ExchangeOrganization is the audited Exchange organisation's name, for
	// the script's tenant guard ("" when unknown).
	ExchangeOrganization string
}

// Has reports whether the plan has a step doing o.
func (c *Containment) Has(o Op) bool {
	for _, s := range c.Steps {
		if s.Op == o {
			return true
		}
	}
	return false
}

// Count is the number of steps doing o.
func (c *Containment) Count(o Op) int {
	n := 0
	for _, s := range c.Steps {
		if s.Op == o {
			n++
		}
	}
	return n
}

// exchangeOnly reports whether o is done through Exchange Online alone.
func exchangeOnly(o Op) bool {
	switch o {
	case OpClearForwarding, OpProtocols, OpRemoveRuleExchange, OpReleaseSender:
		return true
	}
	return false
}

// HasGraph reports whether a step talks to Microsoft Graph.
func (c *Containment) HasGraph() bool {
	for _, s := range c.Steps {
		if !exchangeOnly(s.Op) {
			return true
		}
	}
	return false
}

// HasExchange reports whether a step needs Exchange Online: forwarding,
// protocols, rules only Exchange shows, the restricted senders list, and
// inbox rules, which fall back to Exchange Online when Graph cannot open
// the mailbox.
func (c *Containment) HasExchange() bool {
	for _, s := range c.Steps {
		if exchangeOnly(s.Op) || s.Op == OpRemoveRule {
			return true
		}
	}
	return false
}

// HasRuleRemoval reports whether the plan removes inbox rules (through
// Graph or Exchange Online).
func (c *Containment) HasRuleRemoval() bool {
	return c.Has(OpRemoveRule) || c.Has(OpRemoveRuleExchange)
}

// Actions lists the plan's changes in script order.
func (c *Containment) Actions() []Action {
	out := make([]Action, len(c.Steps))
	for i, s := range c.Steps {
		out[i] = s.Action
	}
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
	return "incident-" + name + ".ps1"
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
		if r.ID != checks.IDIRUsr002 {
			continue
		}
		for _, a := range r.Affected {
			if id, u := UserIDOf(a), UPNOf(a); id != "" && strings.EqualFold(u, key) {
				return id, u, "", nil
			}
		}
	}
	return "", "", "", fmt.Errorf("incident user %q is not in the snapshot's directory, so the objects to contain cannot be tied to an account", upn)
}

// PlanContainment selects the steps and review items for one incident user.
func PlanContainment(doc *checks.Document, snap *snapshot.Snapshot, upn string) (*Containment, error) {
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
	c := &Containment{Given: strings.TrimSpace(upn), UPN: canon, UserID: strings.ToLower(uid), UserName: name, Start: doc.Incident.Start, End: doc.Incident.End,
		ExchangeOrganization: exchangeOrganization(snap)}
	if c.End.IsZero() {
		c.End = doc.CollectedAt
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
			c.NotEvaluated = append(c.NotEvaluated, id)
		case checks.StatusFail, checks.StatusWarn, checks.StatusManual:
			if !SupportsContainment(id) {
				c.NotScripted = append(c.NotScripted, id)
			}
		}
	}
	single := len(doc.Incident.Users) == 1
	mine := func(a checks.Affected) bool { return strings.EqualFold(UserIDOf(a), c.UserID) }
	review := func(r checks.Result, a checks.Affected, why string) {
		d := a.Detail
		if why != "" {
			d = why + ": " + d
		}
		c.Review = append(c.Review, ReviewItem{CheckID: r.ID, Kind: a.Kind, ID: a.ID, Name: a.Name, Detail: d})
	}
	add := func(s Step) { c.Steps = append(c.Steps, s) }
	userName := c.UPN

	// 1. Stop the attacker: block sign-in, revoke sessions.
	account := false
	if r, ok := byID[checks.IDIRUsr002]; ok {
		for _, a := range r.Affected {
			if !mine(a) {
				continue
			}
			if a.Attributed {
				account = true
			} else {
				c.Contained = true
			}
		}
	}
	c.Synced = syncedUser(snap, c.UserID)
	if account && !c.Synced {
		add(Step{Action: Action{CheckID: checks.IDIRUsr002, Kind: "user", TargetID: c.UserID, TargetName: userName, What: WhatBlock}, Op: OpBlockSignIn})
	}
	if account {
		add(Step{Action: Action{CheckID: checks.IDIRUsr002, Kind: "user", TargetID: c.UserID, TargetName: userName, What: WhatRevoke}, Op: OpRevokeSessions})
	}

	// 2. Remove persistence.
	removable := RemovableMethods()
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
	forEach(checks.IDIRUsr003, func(r checks.Result, a checks.Affected) {
		switch {
		case a.Kind == "authMethod" && mine(a) && a.Attributed:
			mid, t := MethodOf(a)
			label, ok := removable[t]
			if !ok || mid == "" {
				review(r, a, "registered in the window, but this method type cannot be removed by the script: remove it in the Entra admin center (Users > Authentication methods)")
				return
			}
			add(Step{Action: Action{CheckID: r.ID, Kind: "authMethod", TargetID: mid, TargetName: a.Name, What: WhatRemoveMethodPf + label},
				Op: OpRemoveMethod, UserID: c.UserID, MethodType: t})
		case a.Kind == "authMethod" && !mine(a):
			// another incident user's method: their own script removes it
		case !a.Attributed:
			review(r, a, "")
		}
	})
	forEach(checks.IDIRInb001, func(r checks.Result, a checks.Affected) {
		if !mine(a) {
			return
		}
		rid, ruleName := InboxRuleOf(a)
		switch {
		case a.Attributed && rid != "":
			add(Step{Action: Action{CheckID: r.ID, Kind: "inboxRule", TargetID: rid, TargetName: a.Name, What: WhatRemoveRule}, Op: OpRemoveRule, UserID: c.UserID, RuleName: ruleName})
		case a.Attributed:
			review(r, a, "suspicious, but the rule id is unknown: remove it by hand")
		default:
			review(r, a, "not changed")
		}
	})
	c.planAuditLogRules(byID, mine, review)
	forEach(checks.IDIRMbx001, func(r checks.Result, a checks.Affected) {
		ident := ExchangeIdentityOf(a)
		isMine := strings.EqualFold(a.ID, c.UserID) || strings.EqualFold(ident, c.UPN)
		switch {
		case isMine && a.Attributed:
			if ident == "" {
				ident = c.UPN
			}
			add(Step{Action: Action{CheckID: r.ID, Kind: "mailbox", TargetID: a.ID, TargetName: ident, What: WhatForwarding}, Op: OpClearForwarding, Identity: ident})
		case a.Attributed:
			// another incident user's mailbox
		default:
			review(r, a, "not changed")
		}
	})
	forEach(checks.IDIRApp001, func(r checks.Result, a checks.Affected) {
		gid, principal := GrantOf(a)
		isMine := strings.EqualFold(principal, c.UserID)
		switch {
		case isMine && a.Attributed && gid != "":
			add(Step{Action: Action{CheckID: r.ID, Kind: "grant", TargetID: gid, TargetName: a.Name, What: WhatRevokeGrant}, Op: OpRevokeGrant, UserID: c.UserID})
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
	forEach(checks.IDIRGst001, func(r checks.Result, a checks.Affected) {
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
		gid := phrase.FirstOf(UserIDOf(a), a.ID)
		if a.Kind == "guest" {
			add(Step{Action: Action{CheckID: r.ID, Kind: "guest", TargetID: gid, TargetName: a.Name, What: WhatDisableGuest}, Op: OpDisableGuest})
			add(Step{Action: Action{CheckID: r.ID, Kind: "guest", TargetID: gid, TargetName: a.Name, What: WhatRemoveGuest}, Op: OpRemoveGuest})
			return
		}
		add(Step{Action: Action{CheckID: r.ID, Kind: a.Kind, TargetID: gid, TargetName: a.Name, What: WhatDisableMember}, Op: OpDisableMember})
		review(r, a, "member account created by the compromised account: sign-in blocked by this script, delete it once confirmed")
	})

	// 3. New password (for a synchronised account, in Active Directory).
	if account && !c.Synced {
		add(Step{Action: Action{CheckID: checks.IDIRUsr002, Kind: "user", TargetID: c.UserID, TargetName: userName, What: WhatResetPassword}, Op: OpResetPassword})
	}

	// 4. Protocols: when the user signed in with them in the window, or
	// whenever the account itself is being contained.
	legacy := false
	forEach(checks.IDIRSig001, func(r checks.Result, a checks.Affected) {
		switch {
		case mine(a) && a.Attributed:
			legacy = true
		case a.Attributed:
		default:
			review(r, a, "not changed")
		}
	})
	if (legacy || account) && hasMailbox(snap, c) {
		id := checks.IDIRSig001
		if !legacy {
			id = checks.IDIRUsr002
		}
		add(Step{Action: Action{CheckID: id, Kind: "mailbox", TargetID: c.UserID, TargetName: c.UPN, What: WhatProtocols}, Op: OpProtocols, Identity: c.UPN})
	}

	// 5. Last: release the account from the restricted senders list, once
	// everything above has held.
	c.planRelease(byID, account, review)

	// Findings no step answers: their attributed objects are listed, except
	// those that are plainly another incident user's (that user's script
	// lists them).
	others := c.otherIncidentUsers(doc, snap)
	for _, id := range c.NotScripted {
		r := byID[id]
		why := "no containment step for this finding, act on it by hand"
		if id == checks.IDIRMail001 {
			why = "sent by the attacker: warn its recipients (" + RecipientsFileName(c.UPN) + ", and the report's list of who received the attacker's mail)"
		}
		for _, a := range r.Affected {
			if a.Attributed && !c.belongsToOther(a, others) {
				review(r, a, why)
			}
		}
	}
	return c, nil
}

// otherIncidentUsers returns the lower-case UPNs and ids of the audit's
// other incident users.
func (c *Containment) otherIncidentUsers(doc *checks.Document, snap *snapshot.Snapshot) []string {
	var out []string
	for _, u := range doc.Incident.Users {
		if strings.EqualFold(strings.TrimSpace(u), c.UPN) {
			continue
		}
		out = append(out, strings.ToLower(strings.TrimSpace(u)))
		if id, canon, _, err := incidentUser(doc, snap, u); err == nil {
			if strings.EqualFold(id, c.UserID) {
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
func (c *Containment) belongsToOther(a checks.Affected, others []string) bool {
	_, principal := GrantOf(a)
	text := strings.ToLower(a.ID + " " + a.Name + " " + a.Actor + " " + UserIDOf(a) + " " + UPNOf(a) + " " + principal)
	if strings.Contains(text, strings.ToLower(c.UPN)) || strings.Contains(text, c.UserID) {
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
func (c *Containment) invitedBy(a checks.Affected, inviters map[string][]snapshot.DirectoryObject) int {
	gid := phrase.FirstOf(UserIDOf(a), a.ID)
	if invs, ok := inviters[gid]; ok && len(invs) > 0 {
		for _, inv := range invs {
			if strings.EqualFold(inv.ID, c.UserID) || (inv.UserPrincipalName != "" && strings.EqualFold(inv.UserPrincipalName, c.UPN)) {
				return inviterThis
			}
		}
		return inviterOther
	}
	actor := strings.TrimSpace(a.Actor)
	switch {
	case actor == "":
		return inviterUnknown
	case strings.EqualFold(actor, c.UPN) || strings.EqualFold(actor, c.UserID) || strings.Contains(strings.ToLower(actor), "<"+strings.ToLower(c.UPN)+">"):
		return inviterThis
	case c.UserName != "" && strings.EqualFold(actor, c.UserName):
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
func hasMailbox(snap *snapshot.Snapshot, c *Containment) bool {
	if snap == nil {
		return true
	}
	rows, err := snap.CASMailboxes()
	if err != nil {
		return true
	}
	for _, m := range rows {
		if strings.EqualFold(m.ExternalDirectoryObjectID, c.UserID) || strings.EqualFold(m.PrimarySmtpAddress, c.UPN) || strings.EqualFold(m.Identity, c.UPN) {
			return true
		}
	}
	return false
}

// exchangeOrganization is the Get-OrganizationConfig Name of the snapshot,
// compared with the live one by a script's tenant guard ("" when unknown).
func exchangeOrganization(snap *snapshot.Snapshot) string {
	if snap == nil {
		return ""
	}
	oc, err := snap.OrganizationConfig()
	if err != nil || oc == nil {
		return ""
	}
	return oc.Name
}

// planAuditLogRules plans IR-INB-002's rules: a rule the attacker made that
// is still in the mailbox is removed through Exchange Online by its rule
// identity, unless IR-INB-001 already removes the same rule (one step per
// rule, matched by identity, or by name when the audit log gives no
// identity); a rule no longer in the mailbox is evidence, never a step.
func (c *Containment) planAuditLogRules(byID map[string]checks.Result, mine func(checks.Affected) bool, review func(checks.Result, checks.Affected, string)) {
	r, ok := byID[checks.IDIRInb002]
	if !ok {
		return
	}
	planned := map[string]bool{}
	for _, s := range c.Steps {
		if s.Op != OpRemoveRule {
			continue
		}
		if ident, ok := checks.GraphRuleIdentity(s.TargetID); ok {
			planned["id:"+ident] = true
		}
		planned["name:"+s.RuleName] = true
	}
	removes := map[string]bool{} // rule identities planned for removal here
	as := append([]checks.Affected(nil), r.Affected...)
	sort.SliceStable(as, func(i, j int) bool { return as[i].ID < as[j].ID })
	for _, a := range as {
		if !mine(a) {
			continue // another incident user's rule: their script handles it
		}
		h := a.RuleHistory
		_, name := InboxRuleOf(a)
		ident := ""
		if h != nil {
			ident = h.Identity
		}
		switch {
		case !a.Attributed:
			review(r, a, "not changed")
		case h == nil || h.ExistsUnknown:
			review(r, a, "whether the rule is still in the mailbox is unknown (no rule list was collected): check with Get-InboxRule -Mailbox <user> -IncludeHidden and remove it by hand")
		case !h.Exists:
			c.Evidence = append(c.Evidence, EvidenceItem{ReviewItem: ReviewItem{CheckID: r.ID, Kind: a.Kind, ID: a.ID, Name: a.Name,
				Detail: "already deleted, evidence only: " + a.Detail}, Created: h.Created, Removed: h.Removed})
		case ident != "" && planned["id:"+ident]:
			// IR-INB-001 removes the same rule.
		case ident == "" && planned["name:"+name]:
			// IR-INB-001 removes a rule of this name; the audit log gives
			// no identity to tell them apart.
		case ident == "":
			review(r, a, "still in the mailbox, but its rule identity is unknown: find it with Get-InboxRule -Mailbox <user> -IncludeHidden and remove it by hand")
		default:
			planned["id:"+ident] = true
			removes[ident] = true
			what := WhatRemoveRuleID
			if h.Hidden {
				what = WhatRemoveHidden
			}
			c.Steps = append(c.Steps, Step{Action: Action{CheckID: r.ID, Kind: "inboxRule", TargetID: ident, TargetName: a.Name, What: what},
				Op: OpRemoveRuleExchange, UserID: c.UserID, Identity: ident, RuleName: name, Hidden: h.Hidden})
		}
	}
	// A rule IR-INB-001 found ordinary but the audit log ties to the
	// attacker is removed: it is not also listed as "not changed".
	kept := c.Review[:0]
	for _, it := range c.Review {
		if ident, ok := checks.GraphRuleIdentity(it.ID); ok && it.CheckID == checks.IDIRInb001 && removes[ident] {
			continue
		}
		kept = append(kept, it)
	}
	c.Review = kept
}

// planRelease plans IR-MAIL-002's release: the account comes off the
// restricted senders list only after the script has contained it (or
// IR-USR-002 found it contained already). Released earlier, the attacker
// mails again, and Microsoft limits how often an account can be released.
func (c *Containment) planRelease(byID map[string]checks.Result, account bool, review func(checks.Result, checks.Affected, string)) {
	r, ok := byID[checks.IDIRMail002]
	if !ok {
		return
	}
	// Found contained only counts when IR-USR-002 could judge.
	usr, evaluated := byID[checks.IDIRUsr002]
	contained := c.Contained && evaluated && !NotEvaluated(usr.Status)
	var requires []string
	seen := map[string]bool{}
	for _, s := range c.Steps {
		switch s.Op {
		case OpDisableGuest, OpRemoveGuest, OpDisableMember:
			// Guests do not send as the account.
			continue
		}
		if !seen[s.CheckID] {
			seen[s.CheckID] = true
			requires = append(requires, s.CheckID)
		}
	}
	sort.Strings(requires)
	as := append([]checks.Affected(nil), r.Affected...)
	sort.SliceStable(as, func(i, j int) bool { return as[i].ID < as[j].ID })
	released := map[string]bool{}
	for _, a := range as {
		addr := phrase.FirstOf(ExchangeIdentityOf(a), a.ID)
		isMine := strings.EqualFold(UserIDOf(a), c.UserID) || strings.EqualFold(addr, c.UPN)
		switch {
		case isMine && a.Attributed && released[strings.ToLower(addr)]:
		case isMine && a.Attributed && c.Synced:
			review(r, a, "restricted from sending: release it (Remove-BlockedSenderAddress) only after the password is reset in Active Directory and synchronised; this script cannot do that")
		case isMine && a.Attributed && (account || contained):
			released[strings.ToLower(addr)] = true
			c.Steps = append(c.Steps, Step{Action: Action{CheckID: r.ID, Kind: a.Kind, TargetID: addr, TargetName: a.Name, What: WhatReleaseSender},
				Op: OpReleaseSender, UserID: c.UserID, Identity: addr, Requires: requires})
		case isMine && a.Attributed:
			review(r, a, "restricted from sending: this script does not contain the account and the audit did not find it contained, so it does not release it; release it (Remove-BlockedSenderAddress) only after the password is reset and the sessions are revoked")
		case a.Attributed:
			// another incident user's restriction: their script releases it
		default:
			review(r, a, "not changed")
		}
	}
}
