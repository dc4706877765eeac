// Package describe turns snapshot objects into plain-words views that every
// report renders the same way (XLSX sheets, the PDF, the console): a
// Conditional Access policy as sentences, users, guests and mailboxes as
// rows of display strings. The functions are pure: no I/O, no clock.
package describe

import (
	"strings"

	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Names resolves directory ids (users, groups, roles, named locations,
// applications, authentication strengths) to display names. An id it does
// not know prints as the id itself, so nothing is hidden. The zero value is
// usable and resolves nothing.
type Names struct {
	users     map[string]string
	groups    map[string]string
	roles     map[string]string
	locations map[string]string
	apps      map[string]string
	strengths map[string]string
}

// NewNames builds a resolver from whatever the snapshot holds; datasets that
// were not collected simply contribute no names.
func NewNames(s *snapshot.Snapshot) Names {
	n := Names{
		users: map[string]string{}, groups: map[string]string{}, roles: map[string]string{},
		locations: map[string]string{}, apps: map[string]string{}, strengths: map[string]string{},
	}
	if s == nil {
		return n
	}
	if users, err := s.Users(); err == nil {
		for _, u := range users {
			n.users[strings.ToLower(u.ID)] = u.Name()
		}
	}
	if defs, err := s.RoleDefinitions(); err == nil {
		for _, d := range defs {
			if d.DisplayName == "" {
				continue
			}
			n.roles[strings.ToLower(d.ID)] = d.DisplayName
			if d.TemplateID != "" {
				n.roles[strings.ToLower(d.TemplateID)] = d.DisplayName
			}
		}
	}
	// Role assignments expand their principal, which is the only place a
	// snapshot names groups.
	if ras, err := s.RoleAssignments(); err == nil {
		for _, ra := range ras {
			p := ra.Principal
			if p == nil || p.ID == "" || p.DisplayName == "" {
				continue
			}
			switch p.Kind() {
			case "group":
				n.groups[strings.ToLower(p.ID)] = p.DisplayName
			case "user":
				if _, ok := n.users[strings.ToLower(p.ID)]; !ok {
					n.users[strings.ToLower(p.ID)] = p.DisplayName
				}
			}
		}
	}
	if locs, err := s.NamedLocations(); err == nil {
		for _, l := range locs {
			if l.DisplayName != "" {
				n.locations[strings.ToLower(l.ID)] = l.DisplayName
			}
		}
	}
	if sps, err := s.ServicePrincipals(); err == nil {
		for _, sp := range sps {
			if sp.DisplayName != "" && sp.AppID != "" {
				n.apps[strings.ToLower(sp.AppID)] = sp.DisplayName
			}
		}
	}
	if strs, err := s.AuthenticationStrengths(); err == nil {
		for _, a := range strs {
			if a.DisplayName != "" {
				n.strengths[strings.ToLower(a.ID)] = a.DisplayName
			}
		}
	}
	return n
}

func lookup(m map[string]string, fallback func(string) (string, bool), id string) string {
	k := strings.ToLower(id)
	if v, ok := m[k]; ok {
		return v
	}
	if fallback != nil {
		if v, ok := fallback(k); ok {
			return v
		}
	}
	return id
}

// firstPartyApp names a Microsoft first-party app id.
func firstPartyApp(id string) (string, bool) {
	n, ok := knowledge.FirstPartyApps()[id]
	return n, ok
}

// User returns a user's display name (else UPN), or the id.
func (n Names) User(id string) string { return lookup(n.users, nil, id) }

// Group returns a group's display name, or the id.
func (n Names) Group(id string) string { return lookup(n.groups, nil, id) }

// Role returns a directory role's name by definition or template id; the
// well-known built-in roles are named even when roleDefinitions was not
// collected.
func (n Names) Role(id string) string { return lookup(n.roles, knowledge.RoleName, id) }

// Location returns a named location's name, or the id.
func (n Names) Location(id string) string { return lookup(n.locations, nil, id) }

// App returns an application's name by app id; well-known Microsoft apps are
// named even when servicePrincipals was not collected.
func (n Names) App(id string) string { return lookup(n.apps, firstPartyApp, id) }

// AuthStrength returns an authentication strength's name; the three
// built-in strengths are named even when the dataset was not collected.
func (n Names) AuthStrength(id string) string { return lookup(n.strengths, knowledge.StrengthName, id) }
