// Package describe turns snapshot objects into plain-words views that every
// report renders the same way (XLSX sheets, the PDF, the console): a
// Conditional Access policy as sentences, users, guests and mailboxes as
// rows of display strings. The functions are pure: no I/O, no clock.
package describe

import (
	"strings"

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

func lookup(m map[string]string, fallback map[string]string, id string) string {
	k := strings.ToLower(id)
	if v, ok := m[k]; ok {
		return v
	}
	if v, ok := fallback[k]; ok {
		return v
	}
	return id
}

// User returns a user's display name (else UPN), or the id.
func (n Names) User(id string) string { return lookup(n.users, nil, id) }

// Group returns a group's display name, or the id.
func (n Names) Group(id string) string { return lookup(n.groups, nil, id) }

// Role returns a directory role's name by definition or template id; the
// well-known built-in roles are named even when roleDefinitions was not
// collected.
func (n Names) Role(id string) string { return lookup(n.roles, builtinRoles, id) }

// Location returns a named location's name, or the id.
func (n Names) Location(id string) string { return lookup(n.locations, nil, id) }

// App returns an application's name by app id; well-known Microsoft apps are
// named even when servicePrincipals was not collected.
func (n Names) App(id string) string { return lookup(n.apps, builtinApps, id) }

// AuthStrength returns an authentication strength's name; the three
// built-in strengths are named even when the dataset was not collected.
func (n Names) AuthStrength(id string) string { return lookup(n.strengths, builtinStrengths, id) }

// builtinRoles are Microsoft's fixed role template ids (stable across
// tenants), so CA policies read well on a snapshot without roleDefinitions.
var builtinRoles = map[string]string{
	"62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
	"e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
	"fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
	"f28a1f50-f6e7-4571-818b-6a12f2af6b6c": "SharePoint Administrator",
	"29232cdf-9323-42fd-ade2-1d097af3e4de": "Exchange Administrator",
	"8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2": "Hybrid Identity Administrator",
	"9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
	"158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
	"d29b2b05-8046-44ba-8758-1e26182fcf32": "Directory Synchronization Accounts",
	"194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
	"b1be1c3e-b65d-4f19-8427-f6fa0d97feb9": "Conditional Access Administrator",
	"729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
	"b0f54661-2d74-4c50-afa3-1ec803f12efe": "Billing Administrator",
	"966707d0-3269-4727-9be2-8c3a10f19b9d": "Password Administrator",
	"7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
	"c4e39bd9-1100-46d3-8c65-fb160da0071f": "Authentication Administrator",
	"f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
	"5d6b6bb7-de71-4623-b4af-96380a352509": "Security Reader",
	"a9ea8996-122f-4c74-9520-8edcd192826c": "Fabric Administrator",
	"3a2c62db-5318-420d-8d74-23affee5d9d5": "Intune Administrator",
	"11648597-926c-4cf3-9c36-bcebb0ba8dcc": "Power Platform Administrator",
	"69091246-20e8-4a56-aa4d-066075b2a7a8": "Teams Administrator",
	"fdd7a751-b60b-444a-984c-02652fe8fa1c": "Groups Administrator",
	"a0b1b346-4d3e-4e8b-98f8-753987be4970": "Guest User",
	"10dae51f-b6af-4016-8d66-8c2a99b929b3": "Guest User",
	"2af84b1e-32c8-42b7-82bc-daa82404023b": "Restricted Guest User",
}

// builtinApps are Microsoft first-party app ids that CA policies commonly
// target.
var builtinApps = map[string]string{
	"797f4846-ba00-4fd7-ba43-dac1f8f63013": "Windows Azure Service Management API",
	"00000003-0000-0000-c000-000000000000": "Microsoft Graph",
	"00000002-0000-0ff1-ce00-000000000000": "Office 365 Exchange Online",
	"00000003-0000-0ff1-ce00-000000000000": "Office 365 SharePoint Online",
	"00000004-0000-0ff1-ce00-000000000000": "Skype for Business Online",
	"cc15fd57-2c6c-4117-a88c-83b1d56b4bbe": "Microsoft Teams Services",
	"0000000a-0000-0000-c000-000000000000": "Microsoft Intune",
	"d4ebce55-015a-49b5-a083-c84d1797ae8c": "Microsoft Intune Enrollment",
	"c44b4083-3bb0-49c1-b47d-974e53cbdf3c": "Azure Portal",
	"1b730954-1685-4b74-9bfd-dac224a7b894": "Azure Active Directory PowerShell",
	"14d82eec-204b-4c2f-b7e8-296a70dab67e": "Microsoft Graph Command Line Tools",
	"04b07795-8ddb-461a-bbee-02f9e1bf7b46": "Microsoft Azure CLI",
	"1950a258-227b-4e31-a9cf-717495945fc2": "Microsoft Azure PowerShell",
}

// builtinStrengths are the built-in authentication strength ids.
var builtinStrengths = map[string]string{
	"00000000-0000-0000-0000-000000000002": "Multifactor authentication",
	"00000000-0000-0000-0000-000000000003": "Passwordless MFA",
	"00000000-0000-0000-0000-000000000004": "Phishing-resistant MFA",
}
