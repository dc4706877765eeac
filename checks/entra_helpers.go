package checks

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Shared helpers of the Entra ID (non-CA) checks. Names carry an entra
// prefix so they do not clash with helpers of the CA and Exchange files.

// entraUserIndex indexes users by object id.
type entraUserIndex map[string]snapshot.User

// entraUsers reads the users dataset into an index; ok is false when the
// dataset carries no data (callers that use it optionally then degrade).
func entraUsers(c *Context) (entraUserIndex, []snapshot.User, error) {
	users, err := c.Users()
	if err != nil {
		return nil, nil, err
	}
	idx := make(entraUserIndex, len(users))
	for _, u := range users {
		idx[strings.ToLower(u.ID)] = u
	}
	return idx, users, nil
}

// get looks a user up by object id (case-insensitive).
func (x entraUserIndex) get(id string) (snapshot.User, bool) {
	if x == nil {
		return snapshot.User{}, false
	}
	u, ok := x[strings.ToLower(id)]
	return u, ok
}

// entraIsNotCollected reports whether err says a dataset has no data, as
// opposed to a decoding error that must not be silently ignored.
func entraIsNotCollected(err error) bool {
	var nc *snapshot.NotCollectedError
	return errors.As(err, &nc)
}

// entraNames renders up to max names for a summary: "a, b, c and 2 more".
// Names are kept verbatim (hostile text is escaped by the writers, not here).
func entraNames(names []string, max int) string {
	n := append([]string(nil), names...)
	sort.Strings(n)
	if len(n) <= max {
		return strings.Join(n, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(n[:max], ", "), len(n)-max)
}

// entraAffectedNames returns the names of affected objects, for summaries.
func entraAffectedNames(a []Affected) []string {
	out := make([]string, 0, len(a))
	for _, x := range a {
		out = append(out, x.Name)
	}
	return out
}

// entraIsAre returns "is" for one, "are" otherwise.
func entraIsAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// entraDate formats a time as a UTC date.
func entraDate(t time.Time) string { return t.UTC().Format("2006-01-02") }

// entraBoolText renders an optional boolean, naming Graph's default when
// the property is not set.
func entraBoolText(b *bool, dflt string) string {
	if b == nil {
		return "not set (" + dflt + ")"
	}
	if *b {
		return "true"
	}
	return "false"
}

// entraHolder is one principal holding privileged roles, merged from the
// role assignments (expanded principal) and, when collected, the users
// dataset.
type entraHolder struct {
	ID   string
	Kind string // user, group, servicePrincipal, or "" when unresolved
	Name string
	UPN  string
	// UserType is "" when neither the expanded principal nor the users
	// dataset says.
	UserType string
	// Synced is nil when the on-premises sync state is not known.
	Synced *bool
	// Enabled is nil when not known.
	Enabled *bool
	// Roles are display names of the privileged roles held, sorted.
	Roles []string
	// Scoped is true when at least one assignment is scoped below the tenant.
	Scoped bool
	// Assignments are the role assignment ids.
	Assignments []string
}

// entraRoleTemplates maps role definition ids to template ids when the
// roleDefinitions dataset was collected. Built-in roles use the template id
// as their definition id, so the map is a refinement, never a requirement.
func entraRoleTemplates(c *Context) map[string]string {
	defs, err := c.RoleDefinitions()
	if err != nil {
		c.decidedWithout(snapshot.DSRoleDefinitions) // built-in roles need no mapping
		return nil
	}
	m := make(map[string]string, len(defs))
	for _, d := range defs {
		if d.TemplateID != "" {
			m[strings.ToLower(d.ID)] = strings.ToLower(d.TemplateID)
		}
	}
	return m
}

// entraTemplateOf returns the role template id of an assignment.
func entraTemplateOf(tpl map[string]string, roleDefinitionID string) string {
	id := strings.ToLower(roleDefinitionID)
	if t, ok := tpl[id]; ok {
		return t
	}
	return id
}

// entraPrivilegedHolders groups the privileged role assignments by
// principal. only, when non-empty, restricts to those role template ids.
// users may be nil (users dataset not collected).
func entraPrivilegedHolders(c *Context, assignments []snapshot.RoleAssignment, users entraUserIndex, only ...string) []*entraHolder {
	tpl := entraRoleTemplates(c)
	names := knowledge.PrivilegedRoles()
	want := map[string]bool{}
	for _, o := range only {
		want[strings.ToLower(o)] = true
	}
	byID := map[string]*entraHolder{}
	for _, ra := range assignments {
		role := entraTemplateOf(tpl, ra.RoleDefinitionID)
		roleName, ok := names[role]
		if !ok || (len(want) > 0 && !want[role]) {
			continue
		}
		pid := ra.PrincipalID
		if pid == "" && ra.Principal != nil {
			pid = ra.Principal.ID
		}
		if pid == "" {
			continue
		}
		key := strings.ToLower(pid)
		h := byID[key]
		if h == nil {
			h = &entraHolder{ID: pid}
			byID[key] = h
			if p := ra.Principal; p != nil {
				h.Kind = p.Kind()
				h.Name = p.DisplayName
				h.UPN = p.UserPrincipalName
				h.UserType = p.UserType
				h.Synced = p.OnPremisesSyncEnabled
				h.Enabled = p.AccountEnabled
			}
			if u, found := users.get(pid); found {
				if h.Kind == "" {
					h.Kind = "user"
				}
				if h.Name == "" {
					h.Name = u.DisplayName
				}
				if h.UPN == "" {
					h.UPN = u.UserPrincipalName
				}
				if h.UserType == "" {
					h.UserType = u.UserType
				}
				// In the users dataset (where onPremisesSyncEnabled is
				// selected) null means never synchronised.
				if h.Synced == nil {
					synced := u.Synced()
					h.Synced = &synced
				}
				enabled := u.Enabled()
				h.Enabled = &enabled
			}
			if h.Name == "" {
				h.Name = h.UPN
			}
			if h.Name == "" {
				h.Name = pid
			}
		}
		if !entraContainsFold(h.Roles, roleName) {
			h.Roles = append(h.Roles, roleName)
		}
		if ra.DirectoryScopeID != "" && ra.DirectoryScopeID != "/" {
			h.Scoped = true
		}
		h.Assignments = append(h.Assignments, ra.ID)
	}
	out := make([]*entraHolder, 0, len(byID))
	for _, h := range byID {
		sort.Strings(h.Roles)
		sort.Strings(h.Assignments)
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// roleText describes the roles a holder has, for details.
func (h *entraHolder) roleText() string {
	s := strings.Join(h.Roles, ", ")
	if h.Scoped {
		s += " (at least one assignment scoped below the tenant)"
	}
	return s
}

// isGuest reports whether the holder is a guest: userType Guest, or an
// #EXT# UPN (B2B guests always carry one).
func (h *entraHolder) isGuest() bool {
	if strings.EqualFold(h.UserType, "Guest") {
		return true
	}
	return strings.Contains(strings.ToUpper(h.UPN), "#EXT#")
}

// affected builds an affected row for a holder.
func (h *entraHolder) affected(detail string) Affected {
	kind := h.Kind
	if kind == "" {
		kind = "principal"
	}
	a := Affected{Kind: kind, ID: h.ID, Name: h.Name, Detail: detail,
		Roles: &RoleEvidence{Roles: append([]string(nil), h.Roles...), AssignmentIDs: append([]string(nil), h.Assignments...)}}
	if kind == "user" || h.UPN != "" {
		a.User = &UserRef{ID: h.ID, UPN: h.UPN}
	}
	return a
}

// entraContainsFold reports whether list holds s, ignoring case.
func entraContainsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// entraOutcome builds an outcome with a formatted summary.
func entraOutcome(st Status, affected []Affected, format string, args ...any) Outcome {
	return Outcome{Status: st, Summary: fmt.Sprintf(format, args...), Affected: affected}
}

// entraHoldersFor reads role assignments (and users, when collected) and
// groups privileged holders; the outcome is set when the check cannot run.
func entraHoldersFor(c *Context, only ...string) ([]*entraHolder, bool, *Outcome) {
	ras, err := c.RoleAssignments()
	if err != nil {
		o := Unknown(err)
		return nil, false, &o
	}
	users, _, uerr := entraUsers(c)
	if uerr != nil && !entraIsNotCollected(uerr) {
		o := Unknown(uerr)
		return nil, false, &o
	}
	return entraPrivilegedHolders(c, ras, users, only...), uerr == nil, nil
}

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

// entraNonFactorMethodList are methods that do not make a user MFA-capable on
// their own (SSPR-only or temporary).
func entraNonFactorMethodList() []string {
	return []string{"securityQuestion", "temporaryAccessPass"}
}

// entraMethodsText renders methodsRegistered for a detail.
func entraMethodsText(m []string) string {
	if len(m) == 0 {
		return "none"
	}
	c := append([]string(nil), m...)
	sort.Strings(c)
	return strings.Join(c, ", ")
}

// entraRegistrationIndex indexes the registration report by user id.
func entraRegistrationIndex(regs []snapshot.RegistrationDetail) map[string]snapshot.RegistrationDetail {
	m := make(map[string]snapshot.RegistrationDetail, len(regs))
	for _, r := range regs {
		m[strings.ToLower(r.ID)] = r
	}
	return m
}

// entraMethodConfig reads one authentication-method configuration; Graph
// always returns every configuration, so a missing one means the data is
// incomplete and gives unknown rather than a verdict.
func entraMethodConfig(c *Context, ids ...string) ([]snapshot.AuthMethodConfiguration, *snapshot.AuthenticationMethodsPolicy, *Outcome) {
	p, err := c.AuthenticationMethodsPolicy()
	if err != nil {
		o := Unknown(err)
		return nil, nil, &o
	}
	var out []snapshot.AuthMethodConfiguration
	var absent []string
	for _, id := range ids {
		cfg, ok := p.Configuration(id)
		if !ok {
			absent = append(absent, id)
			continue
		}
		out = append(out, cfg)
	}
	if len(absent) > 0 {
		o := entraOutcome(StatusUnknown, nil, "Not evaluated: the authentication methods policy has no %s configuration (Graph always returns one, so the data is incomplete).", strings.Join(absent, " or "))
		return nil, p, &o
	}
	return out, p, nil
}

// entraTargetsText renders a configuration's include targets.
func entraTargetsText(t []snapshot.AuthMethodTarget) string {
	if len(t) == 0 {
		return "no targets"
	}
	var ids []string
	for _, x := range t {
		ids = append(ids, x.ID)
	}
	sort.Strings(ids)
	return "targets: " + strings.Join(ids, ", ")
}
