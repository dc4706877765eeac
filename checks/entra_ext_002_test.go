package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEntraEXT002(t *testing.T) {
	runEntraCases(t, "ENTRA-EXT-002", []entraCase{
		{name: "pass: restricted", want: StatusPass, files: entraAuthz(`"guestUserRoleId":"2af84b1e-32c8-42b7-82bc-daa82404023b"`, ``), summary: []string{"most restrictive"}},
		{name: "pass: limited says which", want: StatusPass, files: entraAuthz(`"guestUserRoleId":"10DAE51F-B6AF-4016-8D66-8C2A99B929B3"`, ``), summary: []string{"limited (the default)"}},
		{name: "fail: same as members", want: StatusFail, files: entraAuthz(`"guestUserRoleId":"a0b1b346-4d3e-4e8b-98f8-753987be4970"`, ``),
			affected: []string{"guestUserRoleId|same access as members"}},
		{name: "fail: unrecognised", want: StatusFail, files: entraAuthz(`"guestUserRoleId":"ffffffff-0000-0000-0000-000000000000"`, ``)},
		{name: "unknown: missing", want: StatusUnknown, files: entraAuthz(``, ``)},
		{name: "unknown: forbidden", want: StatusUnknown, files: entraAuthz(``, ``), statuses: entraForbidden(snapshot.DSAuthorizationPolicy)},
	})
}
