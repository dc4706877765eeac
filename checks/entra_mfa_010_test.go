package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// TestCALicencesUnknown: without subscribedSkus a fail of a licensed
// control cannot be told from not_applicable, so it is unknown; a pass
// proven by an enforced policy stands.
func TestCALicencesUnknown(t *testing.T) {
	pr := pol("p1", "PR", "enabled", allUsers+","+allApps, `{"operator":"OR","authenticationStrength":{"id":"00000000-0000-0000-0000-000000000004"}}`)
	st := map[string]snapshot.Status{snapshot.DSSubscribedSkus: snapshot.StatusForbidden}
	for _, tt := range []struct {
		policies string
		want     Status
	}{{"[]", StatusUnknown}, {caCase(pr), StatusPass}} {
		s := testSnap(t, map[string]string{snapshot.DSConditionalAccessPolicies: tt.policies}, st)
		if r := runByID(t, "ENTRA-MFA-010", s, nil); r.Status != tt.want {
			t.Errorf("%s: %s, want %s: %s", tt.policies, r.Status, tt.want, r.Summary)
		}
	}
}
