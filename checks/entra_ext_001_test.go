package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEntraEXT001(t *testing.T) {
	runEntraCases(t, "ENTRA-EXT-001", []entraCase{
		{name: "pass: admins and inviters", want: StatusPass, files: entraAuthz(`"allowInvitesFrom":"adminsAndGuestInviters"`, ``)},
		{name: "pass: none", want: StatusPass, files: entraAuthz(`"allowInvitesFrom":"none"`, ``)},
		{name: "fail: everyone", want: StatusFail, files: entraAuthz(`"allowInvitesFrom":"everyone"`, ``),
			affected: []string{"allowInvitesFrom|everyone"}},
		{name: "fail: all members", want: StatusFail, files: entraAuthz(`"allowInvitesFrom":"adminsGuestInvitersAndAllMembers"`, ``)},
		{name: "unknown: property missing", want: StatusUnknown, files: entraAuthz(``, ``)},
		{name: "unknown: forbidden", want: StatusUnknown, files: entraAuthz(`"allowInvitesFrom":"none"`, ``), statuses: entraForbidden(snapshot.DSAuthorizationPolicy)},
	})
}
