package describe

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// Words used across views for values that are not facts about the tenant.
const (
	// NotCollected marks a value whose dataset was not collected.
	NotCollected = "not collected"
	// Never marks a sign-in time that is known to be absent.
	Never = "never"
)

// FormatTime renders a time as "2006-01-02 15:04 UTC", or "" for nil.
func FormatTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// UserRow is one user (member or guest) in plain words.
type UserRow struct {
	ID          string
	DisplayName string
	UPN         string
	// Type is "Member" or "Guest".
	Type string
	// Enabled is "Yes" or "No".
	Enabled string
	// Admin is "Yes" when the user holds a directory role directly, "No",
	// or NotCollected when roleAssignments was not collected. Roles held
	// through a role-assignable group are not expanded (the snapshot has no
	// group members).
	Admin string
	// Roles are the role names the user holds, sorted.
	Roles []string
	// MFARegistered and MFACapable are "Yes", "No" or NotCollected (the
	// registration report needs Entra ID P1 and omits disabled users, which
	// read "not in report").
	MFARegistered string
	MFACapable    string
	// Methods are the registered authentication methods.
	Methods []string
	// LastSignIn is a FormatTime string, Never, or NotCollected.
	LastSignIn string
	// LastSignInTime is the time behind LastSignIn (nil when none).
	LastSignInTime *time.Time
	// Licences are the SKU part numbers assigned (SKU ids when
	// subscribedSkus was not collected), sorted.
	Licences []string
	// Synced is "Yes" for accounts synchronised from on-premises.
	Synced  string
	Created string
	// CreatedTime is the time behind Created (nil when none).
	CreatedTime *time.Time
}

// signInKnown reports whether signInActivity was collected: not when the
// manifest lists it as omitted, and a users file in which no user carries
// the property cannot tell "never" from "not collected".
func signInKnown(s *snapshot.Snapshot, users []snapshot.User) bool {
	if s.Info(snapshot.DSUsers).Omits(snapshot.PropSignInActivity) {
		return false
	}
	for _, u := range users {
		if u.SignInActivity != nil {
			return true
		}
	}
	return false
}

func lastSignIn(known bool, a *snapshot.SignInActivity) (string, *time.Time) {
	if !known {
		return NotCollected, nil
	}
	if t := a.Last(); t != nil {
		return FormatTime(t), t
	}
	return Never, nil
}

// notCollected tells a missing dataset (a normal outcome, shown as "not
// collected") from a broken one (an error to return).
func notCollected(err error) bool {
	var nc *snapshot.NotCollectedError
	return errors.As(err, &nc)
}

// userRoles maps a principal id to the names of the roles it holds; nil
// when roleAssignments was not collected.
func userRoles(s *snapshot.Snapshot, names Names) (map[string][]string, error) {
	ras, err := s.RoleAssignments()
	if err != nil {
		if notCollected(err) {
			return nil, nil
		}
		return nil, err
	}
	m := map[string][]string{}
	for _, ra := range ras {
		id := strings.ToLower(ra.PrincipalID)
		name := names.Role(ra.RoleDefinitionID)
		if !contains(m[id], name) {
			m[id] = append(m[id], name)
		}
	}
	for _, v := range m {
		sort.Strings(v)
	}
	return m, nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Users returns one row per user and guest, sorted by UPN then id. It
// fails only when the users dataset is missing or unreadable; other missing
// datasets make their columns read NotCollected.
func Users(s *snapshot.Snapshot) ([]UserRow, error) {
	users, err := s.Users()
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	names := NewNames(s)
	roles, err := userRoles(s, names)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	var reg map[string]snapshot.RegistrationDetail
	if regs, err := s.RegistrationDetails(); err == nil {
		reg = make(map[string]snapshot.RegistrationDetail, len(regs))
		for _, r := range regs {
			reg[strings.ToLower(r.ID)] = r
		}
	} else if !notCollected(err) {
		return nil, fmt.Errorf("users: %w", err)
	}
	var skus map[string]string
	if list, err := s.SubscribedSkus(); err == nil {
		skus = make(map[string]string, len(list))
		for _, k := range list {
			skus[strings.ToLower(k.SkuID)] = k.SkuPartNumber
		}
	} else if !notCollected(err) {
		return nil, fmt.Errorf("users: %w", err)
	}
	known := signInKnown(s, users)

	rows := make([]UserRow, 0, len(users))
	for _, u := range users {
		r := UserRow{
			ID: u.ID, DisplayName: u.DisplayName, UPN: u.UserPrincipalName,
			Type: "Member", Enabled: yesNo(u.Enabled()), Synced: yesNo(u.Synced()),
			Created: FormatTime(u.CreatedDateTime), CreatedTime: u.CreatedDateTime,
		}
		if u.IsGuest() {
			r.Type = "Guest"
		}
		if roles == nil {
			r.Admin = NotCollected
		} else {
			r.Roles = roles[strings.ToLower(u.ID)]
			r.Admin = yesNo(len(r.Roles) > 0)
		}
		switch d, ok := reg[strings.ToLower(u.ID)]; {
		case reg == nil:
			r.MFARegistered, r.MFACapable = NotCollected, NotCollected
		case !ok:
			r.MFARegistered, r.MFACapable = "not in report", "not in report"
		default:
			r.MFARegistered, r.MFACapable = yesNo(d.IsMfaRegistered), yesNo(d.IsMfaCapable)
			r.Methods = append([]string(nil), d.MethodsRegistered...)
			sort.Strings(r.Methods)
		}
		r.LastSignIn, r.LastSignInTime = lastSignIn(known, u.SignInActivity)
		for _, l := range u.AssignedLicenses {
			name := l.SkuID
			if p, ok := skus[strings.ToLower(l.SkuID)]; ok && p != "" {
				name = p
			}
			r.Licences = append(r.Licences, name)
		}
		sort.Strings(r.Licences)
		rows = append(rows, r)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := strings.ToLower(rows[i].UPN), strings.ToLower(rows[j].UPN)
		if a != b {
			return a < b
		}
		return rows[i].ID < rows[j].ID
	})
	return rows, nil
}

// GuestRow is one guest account in plain words.
type GuestRow struct {
	ID          string
	DisplayName string
	UPN         string
	Mail        string
	Enabled     string
	Created     string
	// CreatedTime is the time behind Created.
	CreatedTime *time.Time
	// CreationType is Graph's creationType ("Invitation", …), "" if unset.
	CreationType string
	// State is externalUserState and, when known, when it changed:
	// "PendingAcceptance since 2026-11-10 08:00 UTC".
	State string
	// InvitedBy names the inviter ("Adele Vance (adele@contoso.com)"),
	// "unknown (not collected)", or "unknown (not recorded)" when the
	// guestInviters dataset holds no inviter for this guest.
	InvitedBy  string
	LastSignIn string
	// LastSignInTime is the time behind LastSignIn (nil when none).
	LastSignInTime *time.Time
}

// Guests returns one row per guest, sorted by creation time (newest first,
// so guests an attacker just invited come on top) then UPN.
func Guests(s *snapshot.Snapshot) ([]GuestRow, error) {
	users, err := s.Users()
	if err != nil {
		return nil, fmt.Errorf("guests: %w", err)
	}
	raw, err := s.RawPerKey(snapshot.DSGuestInviters)
	if err != nil && !notCollected(err) {
		return nil, fmt.Errorf("guests: %w", err)
	}
	inviters := make(map[string][]json.RawMessage, len(raw))
	for k, v := range raw {
		inviters[strings.ToLower(k)] = v
	}
	known := signInKnown(s, users)
	var rows []GuestRow
	for _, u := range users {
		if !u.IsGuest() {
			continue
		}
		r := GuestRow{
			ID: u.ID, DisplayName: u.DisplayName, UPN: u.UserPrincipalName, Mail: u.Mail,
			Enabled: yesNo(u.Enabled()), Created: FormatTime(u.CreatedDateTime), CreatedTime: u.CreatedDateTime,
			CreationType: u.CreationType, State: u.ExternalUserState,
		}
		if u.ExternalUserStateChangeDateTime != nil {
			if r.State == "" {
				r.State = "changed"
			}
			r.State += " since " + FormatTime(u.ExternalUserStateChangeDateTime)
		}
		r.InvitedBy = inviterOf(inviters, err == nil, u.ID)
		r.LastSignIn, r.LastSignInTime = lastSignIn(known, u.SignInActivity)
		rows = append(rows, r)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i].CreatedTime, rows[j].CreatedTime
		switch {
		case a != nil && b != nil && !a.Equal(*b):
			return a.After(*b)
		case (a == nil) != (b == nil):
			return a != nil
		}
		if x, y := strings.ToLower(rows[i].UPN), strings.ToLower(rows[j].UPN); x != y {
			return x < y
		}
		return rows[i].ID < rows[j].ID
	})
	return rows, nil
}

// inviterOf names the inviter of a guest; m is keyed by lower-case id.
func inviterOf(m map[string][]json.RawMessage, collected bool, id string) string {
	if !collected {
		return "unknown (" + NotCollected + ")"
	}
	objs := m[strings.ToLower(id)]
	if len(objs) == 0 {
		return "unknown (not recorded)"
	}
	var o struct {
		ID                string `json:"id"`
		DisplayName       string `json:"displayName"`
		UserPrincipalName string `json:"userPrincipalName"`
		Mail              string `json:"mail"`
		User              *struct {
			ID          string `json:"id"`
			DisplayName string `json:"displayName"`
		} `json:"user"`
	}
	if json.Unmarshal(objs[0], &o) != nil {
		return "unknown (unreadable record)"
	}
	name, upn := o.DisplayName, phrase.FirstOf(o.UserPrincipalName, o.Mail)
	if o.User != nil && name == "" {
		name = o.User.DisplayName
	}
	switch {
	case name != "" && upn != "":
		return name + " (" + upn + ")"
	case name != "":
		return name
	case upn != "":
		return upn
	case o.ID != "":
		return o.ID
	}
	return "unknown (not recorded)"
}

// MailboxRow is one mailbox's client access and forwarding in plain words.
type MailboxRow struct {
	// Key is the join key: the Entra object id when Exchange gave one, else
	// the Exchange identity.
	Key         string
	Address     string
	DisplayName string
	// Type is RecipientTypeDetails ("UserMailbox", "SharedMailbox", …).
	Type string
	// POP, IMAP, ActiveSync are "on", "off", "not set" or NotCollected.
	POP        string
	IMAP       string
	ActiveSync string
	// SMTPAuth is the effective SMTP AUTH: "on (mailbox setting)", "off
	// (mailbox setting)", "inherits org: on" / "inherits org: off", or
	// "inherits org: not collected".
	SMTPAuth string
	// Forwarding is the forwarding target(s), "" when none, NotCollected when
	// Get-Mailbox was not collected.
	Forwarding string
	// KeepCopy says whether forwarded mail is also delivered to the mailbox.
	KeepCopy string
}

func onOff(b snapshot.Bool) string {
	switch {
	case !b.Valid:
		return "not set"
	case b.Value:
		return "on"
	}
	return "off"
}

// Mailboxes joins Get-CASMailbox (protocols) and Get-Mailbox (type and
// forwarding) into one row per mailbox, sorted by address. Either dataset
// may be missing (its columns read NotCollected); both missing is an error.
func Mailboxes(s *snapshot.Snapshot) ([]MailboxRow, error) {
	cas, casErr := s.CASMailboxes()
	mbx, mbxErr := s.Mailboxes()
	if casErr != nil && !notCollected(casErr) {
		return nil, fmt.Errorf("mailboxes: %w", casErr)
	}
	if mbxErr != nil && !notCollected(mbxErr) {
		return nil, fmt.Errorf("mailboxes: %w", mbxErr)
	}
	if casErr != nil && mbxErr != nil {
		return nil, fmt.Errorf("mailboxes: %w", casErr)
	}
	org := "inherits org: " + NotCollected
	if tc, err := s.TransportConfig(); err == nil {
		switch {
		case tc.SmtpClientAuthenticationDisabled.True():
			org = "inherits org: off"
		case tc.SmtpClientAuthenticationDisabled.False():
			org = "inherits org: on"
		default:
			org = "inherits org: not set"
		}
	}
	rows := map[string]*MailboxRow{}
	var order []string
	get := func(key string) *MailboxRow {
		k := strings.ToLower(key)
		if r, ok := rows[k]; ok {
			return r
		}
		r := &MailboxRow{Key: key}
		rows[k] = r
		order = append(order, k)
		return r
	}
	for _, m := range mbx {
		r := get(phrase.FirstOf(m.ExternalDirectoryObjectID, m.Identity, m.PrimarySmtpAddress, m.UserPrincipalName))
		r.Address = phrase.FirstOf(m.PrimarySmtpAddress, m.UserPrincipalName, m.Identity)
		r.DisplayName = phrase.FirstOf(m.DisplayName, m.Name)
		r.Type = m.RecipientTypeDetails
		var fw []string
		if m.ForwardingSmtpAddress != "" {
			fw = append(fw, m.ForwardingSmtpAddress)
		}
		if m.ForwardingAddress != "" {
			fw = append(fw, m.ForwardingAddress)
		}
		r.Forwarding = strings.Join(fw, "; ")
		if len(fw) > 0 {
			r.KeepCopy = onOffWord(m.DeliverToMailboxAndForward, "yes", "no")
		}
	}
	for _, c := range cas {
		r := get(phrase.FirstOf(c.ExternalDirectoryObjectID, c.Identity, c.PrimarySmtpAddress))
		if r.Address == "" {
			r.Address = phrase.FirstOf(c.PrimarySmtpAddress, c.Identity)
		}
		if r.DisplayName == "" {
			r.DisplayName = phrase.FirstOf(c.DisplayName, c.Name)
		}
		r.POP, r.IMAP, r.ActiveSync = onOff(c.PopEnabled), onOff(c.ImapEnabled), onOff(c.ActiveSyncEnabled)
		switch {
		case c.SmtpClientAuthenticationDisabled.True():
			r.SMTPAuth = "off (mailbox setting)"
		case c.SmtpClientAuthenticationDisabled.False():
			r.SMTPAuth = "on (mailbox setting)"
		default:
			r.SMTPAuth = org
		}
	}
	out := make([]MailboxRow, 0, len(order))
	for _, k := range order {
		r := *rows[k]
		if casErr != nil {
			r.POP, r.IMAP, r.ActiveSync, r.SMTPAuth = NotCollected, NotCollected, NotCollected, NotCollected
		} else if r.POP == "" {
			// In Get-Mailbox but not in Get-CASMailbox.
			r.POP, r.IMAP, r.ActiveSync, r.SMTPAuth = "no CAS row", "no CAS row", "no CAS row", "no CAS row"
		}
		if mbxErr != nil {
			r.Forwarding, r.Type = NotCollected, NotCollected
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := strings.ToLower(out[i].Address), strings.ToLower(out[j].Address)
		if a != b {
			return a < b
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

func onOffWord(b snapshot.Bool, yes, no string) string {
	switch {
	case b.True():
		return yes
	case b.False():
		return no
	}
	return "not set"
}
