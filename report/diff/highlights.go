package diff

import (
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// policyDatasets are the tenant-wide policies and settings whose changes
// the "since the last report" summary lists.
var policyDatasets = map[string]bool{
	snapshot.DSSecurityDefaults:               true,
	snapshot.DSConditionalAccessPolicies:      true,
	snapshot.DSNamedLocations:                 true,
	snapshot.DSAuthenticationStrengths:        true,
	snapshot.DSAuthorizationPolicy:            true,
	snapshot.DSAuthenticationMethodsPolicy:    true,
	snapshot.DSAdminConsentRequestPolicy:      true,
	snapshot.DSCrossTenantAccessPolicyDefault: true,
	snapshot.DSDomains:                        true,
	snapshot.DSExoOrganizationConfig:          true,
	snapshot.DSExoTransportConfig:             true,
	snapshot.DSExoAdminAuditLogConfig:         true,
	snapshot.DSExoCASMailboxPlan:              true,
	snapshot.DSExoRemoteDomain:                true,
	snapshot.DSExoOutboundSpamPolicy:          true,
	snapshot.DSExoOutboundSpamRule:            true,
	snapshot.DSExoTransportRule:               true,
}

// Highlights is what a reader of the next report wants first: the score
// then and now, what was fixed, what regressed, and the new risks among
// the object changes.
type Highlights struct {
	From, To Side
	// Fixed and Improved checks; Regressed and Worsened ones.
	Fixed     []CheckChange
	Regressed []CheckChange
	// Other check changes (changed affected objects, coverage, added or
	// removed checks).
	Other []CheckChange
	// New risks.
	NewRoleHolders []ObjectChange // directory role assignments added
	NewGuests      []ObjectChange // guest users added
	NewApps        []ObjectChange // service principals and app registrations added
	NewConsents    []ObjectChange // delegated permission grants added or widened
	PolicyChanges  []ObjectChange // tenant policies and settings added, removed or modified
	// ObjectsCompared and Note as in the document.
	ObjectsCompared bool
	Note            string
}

// Highlights sorts the document's changes into what a report shows first.
func (d *Document) Highlights() Highlights {
	h := Highlights{From: d.From, To: d.To, ObjectsCompared: d.ObjectsCompared, Note: d.Note}
	for _, c := range d.Checks {
		switch c.Change {
		case Fixed, Improved:
			h.Fixed = append(h.Fixed, c)
		case Regressed, Worsened:
			h.Regressed = append(h.Regressed, c)
		default:
			h.Other = append(h.Other, c)
		}
	}
	for _, o := range d.Objects {
		switch {
		case o.Dataset == snapshot.DSRoleAssignments && o.Change == ObjectAdded:
			h.NewRoleHolders = append(h.NewRoleHolders, o)
		case o.Dataset == snapshot.DSUsers && o.Change == ObjectAdded && strings.EqualFold(o.Detail, "guest"):
			h.NewGuests = append(h.NewGuests, o)
		case (o.Dataset == snapshot.DSServicePrincipals || o.Dataset == snapshot.DSApplications) && o.Change == ObjectAdded:
			h.NewApps = append(h.NewApps, o)
		case o.Dataset == snapshot.DSOAuth2PermissionGrants && o.Change != ObjectRemoved:
			h.NewConsents = append(h.NewConsents, o)
		case policyDatasets[o.Dataset]:
			h.PolicyChanges = append(h.PolicyChanges, o)
		}
	}
	return h
}

// NewRisks reports whether any new risk is listed.
func (h Highlights) NewRisks() int {
	return len(h.NewRoleHolders) + len(h.NewGuests) + len(h.NewApps) + len(h.NewConsents) + len(h.PolicyChanges)
}
