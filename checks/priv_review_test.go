package checks

import (
	"strings"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// TestPRIV001DisabledAdminIsNoSecondAdministrator: one usable and one
// disabled Global Administrator is one administrator, not two.
func TestPRIV001DisabledAdminIsNoSecondAdministrator(t *testing.T) {
	ga := RoleGlobalAdministrator
	assignments := `[
	 {"id":"a1","principalId":"u1","roleDefinitionId":"` + ga + `","directoryScopeId":"/","principal":{"@odata.type":"#microsoft.graph.user","id":"u1","displayName":"Megan","userPrincipalName":"megan@contoso.com"}},
	 {"id":"a2","principalId":"u2","roleDefinitionId":"` + ga + `","directoryScopeId":"/","principal":{"@odata.type":"#microsoft.graph.user","id":"u2","displayName":"Old Admin","userPrincipalName":"old@contoso.com"}}]`
	for _, tt := range []struct {
		enabled2 string
		want     Status
	}{{"false", StatusFail}, {"true", StatusPass}} {
		users := `[{"id":"u1","userPrincipalName":"megan@contoso.com","accountEnabled":true},{"id":"u2","userPrincipalName":"old@contoso.com","accountEnabled":` + tt.enabled2 + `}]`
		s := testSnap(t, map[string]string{snapshot.DSRoleAssignments: assignments, snapshot.DSUsers: users, snapshot.DSRoleDefinitions: `[]`}, nil)
		var c Check
		for _, e := range entraChecks() {
			if e.ID == "ENTRA-PRIV-001" {
				c = e
			}
		}
		r := RunCheck(c, testCtx(t, s, nil))
		if r.Status != tt.want {
			t.Errorf("second admin enabled=%s: status = %s, want %s (%s)", tt.enabled2, r.Status, tt.want, r.Summary)
		}
		if tt.want == StatusFail && !strings.Contains(r.Summary, "disabled") {
			t.Errorf("summary should say why: %s", r.Summary)
		}
	}
}
