package collect

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/collectors/tenantsim"
)

func TestRun_FullCollectionAgainstTenantsim(t *testing.T) {
	src := fixture(25, true)
	srv := startSim(t, src, tenantsim.Options{PageSize: 2, ExchangePageSize: 2})
	dir := filepath.Join(t.TempDir(), "snap")
	rep, err := Run(t.Context(), simConfig(t, srv, dir, newSleeps()))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.RefusedWrites) != 0 || len(srv.RefusedWrites()) != 0 {
		t.Fatalf("refused writes: client %v, server %d", rep.RefusedWrites, len(srv.RefusedWrites()))
	}
	got, err := snapshot.Load(dir, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var sum bytes.Buffer
	_ = WriteSummary(&sum, got.Manifest, dir)
	t.Log(sum.String())
	for id, d := range got.Manifest.Datasets {
		t.Logf("%s %dms req=%d", id, d.DurationMs, d.Requests)
	}
	for _, s := range snapshot.Specs() {
		info := got.Info(s.ID)
		if s.Incident {
			if info.Status != snapshot.StatusSkipped {
				t.Errorf("%s: status %s, want skipped without an incident", s.ID, info.Status)
			}
			continue
		}
		if info.Status != snapshot.StatusOK {
			t.Errorf("%s: status %s (%s)", s.ID, info.Status, info.Reason)
		}
	}
	if got.Manifest.Tenant.ID != fixTenant || got.Manifest.Tenant.PrimaryDomain != "contoso.com" || got.Manifest.Tenant.InitialDomain != "contoso.onmicrosoft.com" {
		t.Errorf("tenant = %+v", got.Manifest.Tenant)
	}
	users, _ := got.RawItems(snapshot.DSUsers)
	if len(users) != 25 {
		t.Errorf("users = %d, want 25", len(users))
	}
	_ = json.Valid
	_ = strings.Contains
}
