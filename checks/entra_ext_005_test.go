package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEntraEXT005(t *testing.T) {
	runEntraCases(t, "ENTRA-EXT-005", []entraCase{
		{name: "pass", want: StatusPass, files: entraAuthz(`"allowEmailVerifiedUsersToJoinOrganization":false,"allowedToSignUpEmailBasedSubscriptions":false`, ``)},
		{name: "fail: one true one null", want: StatusFail, files: entraAuthz(`"allowEmailVerifiedUsersToJoinOrganization":true`, ``),
			affected: []string{"allowEmailVerifiedUsersToJoinOrganization|true", "allowedToSignUpEmailBasedSubscriptions|not set (defaults to allowed)"}},
		{name: "unknown: forbidden", want: StatusUnknown, files: entraAuthz(``, ``), statuses: entraForbidden(snapshot.DSAuthorizationPolicy)},
	})
}
