package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEntraID004(t *testing.T) {
	runEntraCases(t, "ENTRA-ID-004", []entraCase{
		{name: "pass", want: StatusPass, files: entraAuthz("", `"allowedToCreateTenants":false,"allowedToCreateSecurityGroups":false,"allowedToReadBitlockerKeysForOwnedDevice":false`)},
		{name: "fail: one true, one null", want: StatusFail,
			files:    entraAuthz("", `"allowedToCreateTenants":true,"allowedToCreateSecurityGroups":false`),
			summary:  []string{"2 of 3"},
			affected: []string{"allowedToCreateTenants|true", "allowedToReadBitlockerKeysForOwnedDevice|not set (defaults to allowed)"}},
		{name: "fail: all unset", want: StatusFail, files: entraAuthz("", ``), summary: []string{"3 of 3"}},
		{name: "unknown: forbidden", want: StatusUnknown, files: entraAuthz("", ``), statuses: entraForbidden(snapshot.DSAuthorizationPolicy)},
	})
}
