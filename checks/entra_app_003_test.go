package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEntraAPP003(t *testing.T) {
	runEntraCases(t, "ENTRA-APP-003", []entraCase{
		{name: "pass", want: StatusPass, files: entraAuthz("", `"allowedToCreateApps":false`)},
		{name: "fail: true", want: StatusFail, files: entraAuthz("", `"allowedToCreateApps":true`), affected: []string{"allowedToCreateApps|true"}},
		{name: "fail: null defaults to allowed", want: StatusFail, files: entraAuthz("", `"allowedToCreateApps":null`),
			affected: []string{"allowedToCreateApps|not set (defaults to allowed)"}},
		{name: "unknown: forbidden", want: StatusUnknown, files: entraAuthz("", ``), statuses: entraForbidden(snapshot.DSAuthorizationPolicy)},
	})
}
