package collect

import (
	"strings"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/collectors/tenantsim"
)

// TestOwnersNeedTheirKeys: without the role assignments nobody knows which
// service principals hold a role, and without the app registrations which
// applications they have: those owner datasets are skipped with the reason,
// never written empty.
func TestOwnersNeedTheirKeys(t *testing.T) {
	srv := startSim(t, fixture(6, true), tenantsim.Options{PageSize: 50, Faults: []tenantsim.Fault{
		{Match: snapshot.DSRoleAssignments, Status: 403},
	}})
	got, _, _ := collectSim(t, srv, nil)
	for _, id := range []string{snapshot.DSServicePrincipalOwners, snapshot.DSApplicationOwners} {
		if info := got.Info(id); info.Status != snapshot.StatusSkipped || !strings.Contains(info.Reason, "roleAssignments dataset was not collected") {
			t.Errorf("%s: %s %q", id, info.Status, info.Reason)
		}
	}

	srv = startSim(t, fixture(6, true), tenantsim.Options{PageSize: 50, Faults: []tenantsim.Fault{
		{Match: snapshot.DSApplications, Status: 403},
	}})
	got, _, _ = collectSim(t, srv, nil)
	if info := got.Info(snapshot.DSApplicationOwners); info.Status != snapshot.StatusSkipped || !strings.Contains(info.Reason, "applications dataset was not collected") {
		t.Errorf("applicationOwners: %s %q", info.Status, info.Reason)
	}
	if info := got.Info(snapshot.DSServicePrincipalOwners); info.Status != snapshot.StatusOK || info.Count != 1 {
		t.Errorf("servicePrincipalOwners: %+v", info)
	}
}
