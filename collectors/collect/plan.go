package collect

import (
	"sort"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// chain is a list of datasets run one after another on one slot.
type chain struct {
	name  string
	specs []snapshot.Spec
	cost  int
}

// Throttling groups whose datasets must not run at once (collection.md §5):
// Conditional Access, named locations and Identity Protection share a
// tenant-wide limit of about one request per second; the identity reports
// (registration details, sign-in and directory audit logs) have their own
// small per-app limit.
const (
	groupCA      = "conditional access and identity protection"
	groupReports = "identity reports"
)

func throttleGroup(id string) string {
	switch id {
	case snapshot.DSConditionalAccessPolicies, snapshot.DSNamedLocations, snapshot.DSAuthenticationStrengths,
		snapshot.DSRiskyUsers, snapshot.DSRiskDetections:
		return groupCA
	case snapshot.DSUserRegistrationDetails, snapshot.DSDirectoryAudits, snapshot.DSSignIns:
		return groupReports
	}
	return ""
}

// expectedCost ranks datasets by their expected page chain: the lists that
// grow with the number of users or mailboxes are long, the rest one page.
// (A relative weight, not a prediction of time.)
func expectedCost(id string) int {
	switch id {
	case snapshot.DSUsers, snapshot.DSUserRegistrationDetails, snapshot.DSExoMailbox, snapshot.DSExoCASMailbox:
		return 100
	case snapshot.DSSignIns, snapshot.DSDirectoryAudits:
		return 50
	case snapshot.DSServicePrincipals, snapshot.DSOAuth2PermissionGrants, snapshot.DSApplications:
		return 10
	case snapshot.DSRoleAssignments, snapshot.DSExoMailboxAuditBypass:
		return 5
	}
	return 1
}

// plan splits the datasets of a run into chains, longest expected first:
// each dataset on its own chain, except the members of a throttling group,
// which form one chain together (their costs add up). Per-key datasets run
// after every chain (they need the users). Incident datasets are skipped
// without an incident.
func (c *Collector) plan(specs []snapshot.Spec) (chains []chain, perKey []snapshot.Spec) {
	groups := map[string]*chain{}
	for _, s := range specs {
		switch {
		case s.ID == snapshot.DSOrganization:
		case s.Incident && c.o.Incident == nil:
			c.skip(s, "collected only for an incident (--incident-user and --incident-start)")
		case s.Shape == snapshot.ShapePerKey:
			perKey = append(perKey, s)
		default:
			g := throttleGroup(s.ID)
			if g == "" {
				chains = append(chains, chain{name: s.ID, specs: []snapshot.Spec{s}, cost: expectedCost(s.ID)})
				continue
			}
			ch, ok := groups[g]
			if !ok {
				ch = &chain{name: g}
				groups[g] = ch
			}
			ch.specs = append(ch.specs, s)
			ch.cost += expectedCost(s.ID)
		}
	}
	for _, g := range []string{groupCA, groupReports} {
		if ch, ok := groups[g]; ok {
			// Long datasets first inside a group too, so its tail is short.
			sort.SliceStable(ch.specs, func(i, j int) bool { return expectedCost(ch.specs[i].ID) > expectedCost(ch.specs[j].ID) })
			chains = append(chains, *ch)
		}
	}
	sort.SliceStable(chains, func(i, j int) bool { return chains[i].cost > chains[j].cost })
	return chains, perKey
}

// maxAutoConcurrency bounds the automatic number of slots.
const maxAutoConcurrency = 16

// autoConcurrency gives every chain its own slot, up to a bound: the run
// then takes as long as its longest chain.
func autoConcurrency(chains int) int {
	if chains < 1 {
		return 1
	}
	if chains > maxAutoConcurrency {
		return maxAutoConcurrency
	}
	return chains
}
