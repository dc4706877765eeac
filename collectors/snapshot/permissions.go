package snapshot

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Needs is what one dataset needs, parsed from its Spec.Permission text (the
// registry stays the single source: the README's permission table, `setup`
// and the preflight all read it through ParsePermission).
type Needs struct {
	// Graph lists the Microsoft Graph permissions (application permissions or
	// delegated scopes of the same name) that are all required.
	Graph []string
	// Partial lists Graph permissions that add part of the data (the users
	// dataset's signInActivity needs AuditLog.Read.All); PartialWhat names
	// that part and PartialLicence the licence it also needs.
	Partial        []string
	PartialWhat    string
	PartialLicence string
	// Exchange is the Exchange Online application permission
	// (Exchange.ManageAsApp) the admin API needs, "" for Graph datasets.
	Exchange string
	// Roles are Entra directory roles the app needs (Global Reader).
	Roles []string
}

// ExchangeManageAsApp is the application permission of Office 365 Exchange
// Online that app-only access to the Exchange admin API needs.
const ExchangeManageAsApp = "Exchange.ManageAsApp"

var (
	permName    = regexp.MustCompile(`^[A-Z][A-Za-z]*(\.[A-Za-z]+)+$`)
	roleName    = regexp.MustCompile(`^[A-Z][a-z]+( [A-Z][a-z]+)*$`)
	partialExpr = regexp.MustCompile(`^(.*?)\s*\(\+ (.+) for ([A-Za-z]+)\)$`)
	licenceExpr = regexp.MustCompile(`^Entra ID P[12]$`)
)

// ParsePermission reads a Spec.Permission text. The accepted forms are
// "A", "A + B" (all required; a name with dots is a permission, a name of
// capitalised words a directory role), and "A (+ B and LICENCE for PART)"
// (B and the licence add PART of the data). Anything else is an error, so a
// new dataset cannot carry a permission text the tools would misread.
func ParsePermission(text string) (Needs, error) {
	var n Needs
	main := strings.TrimSpace(text)
	if m := partialExpr.FindStringSubmatch(main); m != nil {
		main = m[1]
		n.PartialWhat = m[3]
		for _, part := range strings.Split(m[2], " and ") {
			part = strings.TrimSpace(part)
			switch {
			case licenceExpr.MatchString(part):
				n.PartialLicence = part
			case permName.MatchString(part):
				n.Partial = append(n.Partial, part)
			default:
				return Needs{}, fmt.Errorf("permission %q: cannot read %q", text, part)
			}
		}
	}
	for _, part := range strings.Split(main, " + ") {
		part = strings.TrimSpace(part)
		switch {
		case part == ExchangeManageAsApp:
			n.Exchange = part
		case permName.MatchString(part):
			n.Graph = append(n.Graph, part)
		case roleName.MatchString(part):
			n.Roles = append(n.Roles, part)
		default:
			return Needs{}, fmt.Errorf("permission %q: cannot read %q", text, part)
		}
	}
	if len(n.Graph) == 0 && n.Exchange == "" {
		return Needs{}, fmt.Errorf("permission %q names no Graph or Exchange permission", text)
	}
	return n, nil
}

// Needs parses s.Permission. A registry entry that does not parse is a
// programming error caught by the package's tests; Needs then returns the
// text as a single Graph permission so nothing is silently dropped.
func (s Spec) Needs() Needs {
	n, err := ParsePermission(s.Permission)
	if err != nil {
		return Needs{Graph: []string{s.Permission}}
	}
	return n
}

// Permission is one permission an app registration needs, with the
// datasets that need it.
type Permission struct {
	Name string `json:"name"`
	// Resource is "Microsoft Graph" or "Office 365 Exchange Online".
	Resource string   `json:"resource"`
	Datasets []string `json:"datasets"`
	// Partial lists datasets for which the permission adds only part of
	// the data (users: signInActivity).
	Partial []string `json:"partial,omitempty"`
	// Incident is true when only incident datasets need it.
	Incident bool `json:"incident"`
}

// Resource names used in Permission.
const (
	ResourceGraph    = "Microsoft Graph"
	ResourceExchange = "Office 365 Exchange Online"
)

// AppPermissions lists the application permissions app-only collection
// needs, sorted by resource then name: those of every regular dataset, plus
// those only incident datasets need when incident is true. Roles lists the
// directory roles (Global Reader).
func AppPermissions(specs []Spec, incident bool) (perms []Permission, roles []string) {
	byName := map[string]*Permission{}
	roleSet := map[string]bool{}
	add := func(name, resource, ds string, partial, inc bool) {
		p := byName[name]
		if p == nil {
			p = &Permission{Name: name, Resource: resource, Incident: true}
			byName[name] = p
		}
		if partial {
			p.Partial = append(p.Partial, ds)
		} else {
			p.Datasets = append(p.Datasets, ds)
		}
		if !inc {
			p.Incident = false
		}
	}
	for _, s := range specs {
		if s.Incident && !incident {
			continue
		}
		n := s.Needs()
		for _, g := range n.Graph {
			add(g, ResourceGraph, s.ID, false, s.Incident)
		}
		for _, g := range n.Partial {
			add(g, ResourceGraph, s.ID, true, s.Incident)
		}
		if n.Exchange != "" {
			add(n.Exchange, ResourceExchange, s.ID, false, s.Incident)
		}
		for _, r := range n.Roles {
			roleSet[r] = true
		}
	}
	for _, p := range byName {
		sort.Strings(p.Datasets)
		sort.Strings(p.Partial)
		perms = append(perms, *p)
	}
	sort.Slice(perms, func(i, j int) bool {
		if perms[i].Resource != perms[j].Resource {
			return perms[i].Resource == ResourceGraph
		}
		return perms[i].Name < perms[j].Name
	})
	for r := range roleSet {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	return perms, roles
}
