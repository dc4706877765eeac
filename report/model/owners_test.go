package model

import (
	"testing"

	"github.com/m365audit/m365audit/checks"
)

// TestPlanRemediationOwners: an owners fix targets exactly the rows that
// name an owner (as applications|servicePrincipals/<id>/owners/<owner id>);
// a result with only client secrets is left to a person, with the reason.
func TestPlanRemediationOwners(t *testing.T) {
	fixes := Fixes{checks.IDEntraPriv007: {Targets: TargetsOwners}}
	owned := checks.Result{ID: checks.IDEntraPriv007, Status: checks.StatusFail, Affected: []checks.Affected{
		{Kind: "application", ID: "app1", Name: "Sync", Owner: &checks.OwnerEvidence{ID: "u1", Kind: "user"}},
		{Kind: "servicePrincipal", ID: "sp1", Name: "Sync", Owner: &checks.OwnerEvidence{ID: "sp9", Kind: "servicePrincipal"}, Accepted: true},
		{Kind: "application", ID: "app1", Name: "Sync", Credential: &checks.CredentialEvidence{ObjectID: "app1", KeyID: "k1"}},
	}}
	p := PlanRemediation(&checks.Document{Results: []checks.Result{owned}}, nil, fixes)
	if len(p.Blocks) != 1 {
		t.Fatalf("blocks %+v manual %+v", p.Blocks, p.Manual)
	}
	want := []Target{{Identity: "applications/app1/owners/u1"}, {Identity: "servicePrincipals/sp1/owners/sp9", Accepted: true}}
	if got := p.Blocks[0].Targets; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("targets %+v, want %+v", got, want)
	}

	secretsOnly := checks.Result{ID: checks.IDEntraPriv007, Status: checks.StatusFail, Affected: owned.Affected[2:]}
	p = PlanRemediation(&checks.Document{Results: []checks.Result{secretsOnly}}, nil, fixes)
	if len(p.Blocks) != 0 || len(p.Manual) != 1 || p.Manual[0].Reason == "" {
		t.Errorf("secrets only: blocks %+v manual %+v", p.Blocks, p.Manual)
	}
}
