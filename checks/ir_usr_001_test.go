package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestIncidentRiskyUsersNeedsP2(t *testing.T) {
	files := map[string]string{snapshot.DSSubscribedSkus: skusP1, snapshot.DSRiskyUsers: `[]`}
	ctx := irTestCtx(t, files, nil)
	if r := RunCheck(irCheck(t, "IR-USR-001"), ctx); r.Status != StatusNotApplicable {
		t.Fatalf("status = %s, want not_applicable", r.Status)
	}
	files = map[string]string{snapshot.DSSubscribedSkus: skusP2, snapshot.DSRiskyUsers: `[
	 {"id":"` + irAdele + `","userPrincipalName":"adele.vance@contoso.com","riskLevel":"high","riskState":"atRisk","riskDetail":"none"},
	 {"id":"x","userPrincipalName":"low@contoso.com","riskLevel":"low","riskState":"atRisk"},
	 {"id":"y","userPrincipalName":"fixed@contoso.com","riskLevel":"high","riskState":"remediated"}]`}
	ctx = irTestCtx(t, files, nil)
	r := RunCheck(irCheck(t, "IR-USR-001"), ctx)
	if r.Status != StatusFail || len(r.Affected) != 1 || !r.Affected[0].Attributed {
		t.Fatalf("got %s %+v", r.Status, r.Affected)
	}
}
