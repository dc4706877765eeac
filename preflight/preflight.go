// Package preflight answers, before a collection, which datasets the run
// would get and which checks would end unknown: it reads the permissions
// the access tokens carry (roles of an app-only token, scp of a delegated
// one) and the tenant's licences (subscribedSkus), and compares them with
// what each dataset of the registry needs (collectors/snapshot Spec). It
// decides nothing about the tenant's security; it only predicts coverage.
package preflight

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// GlobalReaderTemplateID is the Global Reader role template id, found in a
// token's wids claim when the app or user holds the role.
const GlobalReaderTemplateID = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"

// Grants are the permissions read from the tokens.
type Grants struct {
	// Kind is "application" (roles claim), "delegated" (scp claim) or
	// "unknown" (an opaque token: nothing can be read from it).
	Kind  string
	Graph map[string]bool
	// Exchange is nil when there is no Exchange token.
	Exchange map[string]bool
	// ExchangeKind is the kind of the Exchange token ("" when none).
	ExchangeKind string
	// Roles are the directory role template ids (wids); RolesKnown is
	// false when the token carries no wids claim.
	Roles      map[string]bool
	RolesKnown bool
}

// Claims are the parts of an access token the preflight reads.
type Claims struct {
	TenantID string
	Roles    []string
	Scopes   []string
	Wids     []string
	JWT      bool
}

// ParseToken decodes a JWT access token's payload without verifying it (the
// service verifies tokens; this only predicts). An opaque token yields
// Claims{JWT: false}.
func ParseToken(tok string) Claims {
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 3 {
		return Claims{}
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Claims{}
	}
	var c struct {
		TID   string   `json:"tid"`
		Roles []string `json:"roles"`
		Scp   string   `json:"scp"`
		Wids  []string `json:"wids"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return Claims{}
	}
	return Claims{TenantID: c.TID, Roles: c.Roles, Scopes: strings.Fields(c.Scp), Wids: c.Wids, JWT: true}
}

// kind and permission set of one token.
func (c Claims) grants() (string, map[string]bool) {
	if !c.JWT {
		return "unknown", nil
	}
	set := map[string]bool{}
	kind := "application"
	list := c.Roles
	if len(c.Scopes) > 0 {
		kind, list = "delegated", c.Scopes
	}
	for _, p := range list {
		set[strings.ToLower(p)] = true
	}
	return kind, set
}

// NewGrants reads the Graph token and (when given) the Exchange token.
func NewGrants(graphToken, exchangeToken string) Grants {
	gc := ParseToken(graphToken)
	g := Grants{}
	g.Kind, g.Graph = gc.grants()
	if exchangeToken != "" {
		xc := ParseToken(exchangeToken)
		g.ExchangeKind, g.Exchange = xc.grants()
		if g.Exchange == nil {
			g.Exchange = map[string]bool{}
		}
	}
	if gc.Wids != nil {
		g.RolesKnown = true
		g.Roles = map[string]bool{}
		for _, w := range gc.Wids {
			g.Roles[strings.ToLower(w)] = true
		}
	}
	return g
}

// hasGraph reports whether p is granted; directory-wide permissions that
// include narrower ones count (Directory.Read.All covers the read of users,
// domains, organization, applications and role management data).
func (g Grants) hasGraph(p string) bool {
	if g.Graph == nil {
		return false
	}
	if g.Graph[strings.ToLower(p)] {
		return true
	}
	if implied[p] != nil {
		for _, wider := range implied[p] {
			if g.Graph[strings.ToLower(wider)] {
				return true
			}
		}
	}
	return false
}

// implied lists wider permissions that also allow a narrower read, from
// Microsoft Graph's permission reference (least privilege first).
var implied = map[string][]string{
	"User.Read.All":                    {"Directory.Read.All", "User.ReadWrite.All", "Directory.ReadWrite.All"},
	"Domain.Read.All":                  {"Directory.Read.All", "Domain.ReadWrite.All"},
	"Organization.Read.All":            {"Directory.Read.All", "Organization.ReadWrite.All"},
	"LicenseAssignment.Read.All":       {"Directory.Read.All", "Organization.Read.All", "LicenseAssignment.ReadWrite.All"},
	"Application.Read.All":             {"Directory.Read.All", "Application.ReadWrite.All"},
	"RoleManagement.Read.Directory":    {"Directory.Read.All", "RoleManagement.Read.All", "RoleManagement.ReadWrite.Directory"},
	"Policy.Read.AuthenticationMethod": {"Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"},
	"Directory.Read.All":               {"Directory.ReadWrite.All"},
}

// Licences are the tenant's Entra ID licences; Known is false when
// subscribedSkus could not be read.
type Licences struct {
	Known  bool
	P1, P2 bool
	// Why says why they are unknown.
	Why string
}

// LicencesFromSkus reads Entra ID P1/P2 from raw subscribedSkus items with
// the audit's rule (snapshot.EntraIDLicences); an item that does not
// decode is passed over.
func LicencesFromSkus(items []json.RawMessage) Licences {
	skus := make([]snapshot.SubscribedSku, 0, len(items))
	for _, raw := range items {
		var sku snapshot.SubscribedSku
		if json.Unmarshal(raw, &sku) != nil {
			continue
		}
		skus = append(skus, sku)
	}
	l := Licences{Known: true}
	l.P1, l.P2 = snapshot.EntraIDLicences(skus)
	return l
}

func (l Licences) has(name string) (have, known bool) {
	if name == "" {
		return true, true
	}
	if !l.Known {
		return false, false
	}
	switch name {
	case string(checks.LicenceP1):
		return l.P1, true
	case string(checks.LicenceP2):
		return l.P2, true
	}
	return false, false
}

// Verdicts of one dataset.
const (
	Collect          = "collect"            // everything it needs is there
	CollectPartial   = "partial"            // collected without an optional part (signInActivity)
	Denied           = "denied"             // a permission is missing
	Unlicensed       = "unlicensed"         // the licence is missing
	LicenceUnknown   = "licence unknown"    // subscribedSkus could not be read
	PermissionOpaque = "permission unknown" // an opaque token: nothing can be read from it
	NoExchange       = "skipped"            // no Exchange token
)

// Row is one dataset of the preflight table.
type Row struct {
	Dataset string   `json:"dataset"`
	Needs   string   `json:"needs"`
	Granted string   `json:"granted"`
	Licence string   `json:"licence"`
	Verdict string   `json:"verdict"`
	Missing []string `json:"missing,omitempty"`
}

// Lost reports whether the run would not get the dataset's data.
func (r Row) Lost() bool {
	switch r.Verdict {
	case Collect, CollectPartial:
		return false
	}
	return true
}

// LostCheck is a check that would end unknown, with the datasets it lacks.
type LostCheck struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Datasets []string `json:"datasets"`
}

// Report is the preflight's answer.
type Report struct {
	TokenKind string      `json:"tokenKind"`
	Licences  Licences    `json:"licences"`
	Rows      []Row       `json:"datasets"`
	Lost      []LostCheck `json:"checksUnknown"`
	// Notes are caveats (a role that cannot be read from the token).
	Notes []string `json:"notes,omitempty"`
}

// OK reports whether every dataset would be collected whole.
func (r *Report) OK() bool {
	for _, row := range r.Rows {
		if row.Verdict != Collect {
			return false
		}
	}
	return true
}

// LostDatasets lists the datasets the run would not get, sorted.
func (r *Report) LostDatasets() []string {
	var out []string
	for _, row := range r.Rows {
		if row.Lost() {
			out = append(out, row.Dataset)
		}
	}
	return out
}

// Evaluate predicts the run: specs are the registry, incident says whether
// incident datasets and checks are in the run, all are the checks.
func Evaluate(specs []snapshot.Spec, incident bool, g Grants, l Licences, all []checks.Check) *Report {
	r := &Report{TokenKind: g.Kind, Licences: l}
	lost := map[string]bool{}
	for _, s := range specs {
		if s.Incident && !incident {
			continue
		}
		row := evaluate(s, g, l)
		if row.Lost() {
			lost[s.ID] = true
		}
		r.Rows = append(r.Rows, row)
	}
	sort.Slice(r.Rows, func(i, j int) bool { return r.Rows[i].Dataset < r.Rows[j].Dataset })
	for _, c := range all {
		if c.Incident && !incident {
			continue
		}
		if c.Licence != "" {
			if have, known := l.has(string(c.Licence)); known && !have {
				continue // not_applicable, not unknown
			}
		}
		var miss []string
		for _, d := range c.Datasets {
			if lost[d] {
				miss = append(miss, d)
			}
		}
		if len(miss) > 0 {
			r.Lost = append(r.Lost, LostCheck{ID: c.ID, Title: c.Title, Datasets: miss})
		}
	}
	sort.Slice(r.Lost, func(i, j int) bool { return r.Lost[i].ID < r.Lost[j].ID })
	if g.Exchange != nil && !g.RolesKnown && g.ExchangeKind == "application" {
		r.Notes = append(r.Notes, "The Graph token carries no directory roles (wids), so the Global Reader role the Exchange admin API also needs could not be verified.")
	}
	return r
}

func evaluate(s snapshot.Spec, g Grants, l Licences) Row {
	n := s.Needs()
	row := Row{Dataset: s.ID, Needs: s.Permission, Licence: "—"}
	if s.Licence != "" {
		have, known := l.has(s.Licence)
		switch {
		case !known:
			row.Licence = s.Licence + ": unknown"
		case have:
			row.Licence = s.Licence + ": yes"
		default:
			row.Licence = s.Licence + ": no"
		}
	}
	var granted []string
	switch {
	case n.Exchange != "":
		switch {
		case g.Exchange == nil:
			row.Granted, row.Verdict = "no Exchange token", NoExchange
			return row
		case g.ExchangeKind == "unknown":
			row.Granted, row.Verdict = "opaque token", PermissionOpaque
			return row
		case g.ExchangeKind == "delegated" || g.Exchange[strings.ToLower(n.Exchange)]:
			granted = append(granted, n.Exchange)
		default:
			row.Missing = append(row.Missing, n.Exchange)
		}
		if g.RolesKnown {
			for _, role := range n.Roles {
				if role == "Global Reader" && !g.Roles[GlobalReaderTemplateID] {
					row.Missing = append(row.Missing, role)
				}
			}
		}
	case g.Kind == "unknown":
		row.Granted, row.Verdict = "opaque token", PermissionOpaque
		return row
	default:
		for _, p := range n.Graph {
			if g.hasGraph(p) {
				granted = append(granted, p)
			} else {
				row.Missing = append(row.Missing, p)
			}
		}
	}
	row.Granted = strings.Join(granted, ", ")
	if len(row.Missing) > 0 {
		row.Granted = strings.TrimPrefix(row.Granted+"; missing "+strings.Join(row.Missing, ", "), "; ")
		row.Verdict = Denied
		return row
	}
	if s.Licence != "" {
		have, known := l.has(s.Licence)
		if !known {
			row.Verdict = LicenceUnknown
			return row
		}
		if !have {
			row.Verdict = Unlicensed
			return row
		}
	}
	row.Verdict = Collect
	for _, p := range n.Partial {
		if !g.hasGraph(p) {
			row.Verdict = CollectPartial
			row.Granted += fmt.Sprintf("; missing %s (%s)", p, n.PartialWhat)
		}
	}
	if n.PartialLicence != "" && row.Verdict == Collect {
		if have, known := l.has(n.PartialLicence); !have || !known {
			row.Verdict = CollectPartial
			row.Licence = n.PartialLicence + " for " + n.PartialWhat + ": " + map[bool]string{true: "no", false: "unknown"}[known]
		}
	}
	return row
}

// ErrNotAllCollected is returned (exit 3) when the preflight predicts lost
// datasets.
var ErrNotAllCollected = errors.New("some datasets would not be collected")
