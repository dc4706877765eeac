package checks

import (
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraApp001 is the ID of check ENTRA-APP-001.
const IDEntraApp001 = "ENTRA-APP-001"

func entraApp001() Check {
	return Check{Meta: Meta{ID: IDEntraApp001, Title: "Users cannot consent to applications", Category: entraCatApps, Severity: SeverityHigh,
		Rationale: "User consent lets a phished user grant an attacker's app lasting access to their mail and files, which survives password resets.",
		Datasets:  []string{snapshot.DSAuthorizationPolicy},
		References: References{CIS: []string{"5.1.5.1"}, CISVersion: entraCIS, SCuBA: []string{"MS.AAD.5.2"},
			Other: []string{"Maester CISA.MS.AAD.5.2", "Maester CIS.M365.5.1.5.1", "EIDSCA.AP08", "Prowler entra_policy_restricts_user_consent_for_apps"}},
		Remediation: Remediation{Summary: "Set user consent to 'Do not allow user consent' and use the admin consent workflow.", Script: true,
			Steps: []string{
				"Entra admin center > Identity > Applications > Enterprise applications > Consent and permissions > User consent settings: Do not allow user consent.",
				"$keep = (Get-MgPolicyAuthorizationPolicy).DefaultUserRolePermissions.PermissionGrantPoliciesAssigned | Where-Object { $_ -notlike 'ManagePermissionGrantsForSelf.*' }; Update-MgPolicyAuthorizationPolicy -DefaultUserRolePermissions @{PermissionGrantPoliciesAssigned=@($keep)}",
			}}},
		Eval: evalEntraApp001}
}

// evalEntraApp001 follows docs/semantics.md: no ManagePermissionGrantsForSelf.*
// policy passes; only the low-impact Microsoft policies warn; anything else
// fails. ManagePermissionGrantsForOwnedResource.* is resource-specific
// consent by owners, not user consent.
func evalEntraApp001(c *Context) Outcome {
	p, err := c.AuthorizationPolicy()
	if err != nil {
		return Unknown(err)
	}
	assigned := p.DefaultUserRolePermissions.PermissionGrantPoliciesAssigned
	if assigned == nil {
		return entraOutcome(StatusUnknown, nil, "Not evaluated: the authorization policy does not carry defaultUserRolePermissions.permissionGrantPoliciesAssigned.")
	}
	const prefix = "managepermissiongrantsforself."
	var self []Affected
	lowOnly := true
	for _, v := range assigned {
		lv := strings.ToLower(v)
		if !strings.HasPrefix(lv, prefix) {
			continue
		}
		pol := v[len(prefix):]
		a := Affected{Kind: "permissionGrantPolicy", ID: v, Name: pol}
		if entraContainsFold(entraUserConsentLow(), pol) {
			a.Detail = "users may consent to low-impact permissions of verified publishers or apps Microsoft selects"
		} else {
			lowOnly = false
			a.Detail = "users may consent to applications under this policy"
			if strings.EqualFold(pol, "microsoft-user-default-legacy") {
				a.Detail = "users may consent to any application for permissions that do not need admin consent"
			}
		}
		self = append(self, a)
	}
	switch {
	case len(self) == 0:
		return entraOutcome(StatusPass, nil, "Users cannot consent to applications; no ManagePermissionGrantsForSelf policy is assigned.")
	case lowOnly:
		return entraOutcome(StatusWarn, self, "Users can still consent to low-impact permissions (%s); turn user consent off and route requests to the admin consent workflow.",
			entraNames(entraAffectedNames(self), 3))
	}
	return entraOutcome(StatusFail, self, "Users can consent to applications themselves (%s).", entraNames(entraAffectedNames(self), 3))
}

// entraUserConsentLow are the Microsoft-managed user consent policies that
// allow only low-impact consent (verified publishers / Microsoft's
// recommended set): consent remains possible, so they warn rather than pass.
func entraUserConsentLow() []string {
	return []string{"microsoft-user-default-low", "microsoft-user-default-recommended"}
}
