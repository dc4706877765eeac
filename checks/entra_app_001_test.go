package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEntraAPP001(t *testing.T) {
	pg := func(list string) map[string]string {
		return entraAuthz("", `"permissionGrantPoliciesAssigned":`+list)
	}
	runEntraCases(t, "ENTRA-APP-001", []entraCase{
		{name: "pass: empty", want: StatusPass, files: pg(`[]`)},
		{name: "pass: owned-resource consent is not user consent", want: StatusPass,
			files: pg(`["ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-team","ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-chat"]`)},
		{name: "warn: low", want: StatusWarn, files: pg(`["ManagePermissionGrantsForSelf.microsoft-user-default-low"]`),
			affected: []string{"microsoft-user-default-low|low-impact"}},
		{name: "warn: recommended", want: StatusWarn, files: pg(`["managePermissionGrantsForSelf.microsoft-user-default-recommended","ManagePermissionGrantsForOwnedResource.x"]`)},
		{name: "fail: legacy", want: StatusFail, files: pg(`["ManagePermissionGrantsForSelf.microsoft-user-default-legacy"]`),
			affected: []string{"microsoft-user-default-legacy|any application"}},
		{name: "fail: low plus custom", want: StatusFail, files: pg(`["ManagePermissionGrantsForSelf.microsoft-user-default-low","ManagePermissionGrantsForSelf.custom-policy"]`),
			affected: []string{"custom-policy|", "microsoft-user-default-low|"}},
		{name: "unknown: property absent", want: StatusUnknown, files: entraAuthz("", ``)},
		{name: "unknown: forbidden", want: StatusUnknown, files: pg(`[]`), statuses: entraForbidden(snapshot.DSAuthorizationPolicy)},
	})
}
