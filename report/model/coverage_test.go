package model

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// TestNotCollectedOmitted: a dataset collected without some properties is
// listed after the datasets not collected, with what would allow the
// properties; a dataset collected in full is not listed.
func TestNotCollectedOmitted(t *testing.T) {
	doc := &checks.Document{Coverage: checks.Coverage{Datasets: []checks.DatasetCoverage{
		{ID: snapshot.DSUsers, Status: snapshot.StatusOK, Count: 5, Checks: []string{"ENTRA-EXT-006", "ENTRA-PRIV-001"},
			Omitted: []string{snapshot.PropSignInActivity}},
		{ID: snapshot.DSConditionalAccessPolicies, Status: snapshot.StatusForbidden, Reason: "Authorization_RequestDenied", Checks: []string{"ENTRA-CA-001"}},
		{ID: snapshot.DSOrganization, Status: snapshot.StatusOK, Count: 1},
	}}}
	got := notCollected(doc, nil)
	want := []DatasetGap{
		{ID: snapshot.DSConditionalAccessPolicies, Title: "Conditional Access policies (conditionalAccessPolicies)", Status: "forbidden",
			Reason: "Authorization_RequestDenied", Needs: "Policy.Read.All", Checks: 1},
		{ID: snapshot.DSUsers, Title: "Users and guests (users)", Status: GapIncomplete,
			Reason: "collected without signInActivity (the service refused it)",
			Needs:  "AuditLog.Read.All; licence: Entra ID P1", Checks: 2},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
	doc.Coverage.Datasets[0].Omitted = nil
	for _, g := range notCollected(doc, nil) {
		if g.ID == snapshot.DSUsers {
			t.Errorf("users collected in full is listed: %+v", g)
		}
	}
}
