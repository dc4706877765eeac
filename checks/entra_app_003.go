package checks

import (
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraApp003 is the ID of check ENTRA-APP-003.
const IDEntraApp003 = "ENTRA-APP-003"

func entraApp003() Check {
	return Check{Meta: Meta{ID: IDEntraApp003, Title: "Non-admins cannot register applications", Category: entraCatApps, Severity: SeverityMedium,
		Rationale: "An app registered by an ordinary user can be given credentials and used as a persistent, MFA-free foothold.",
		Datasets:  []string{snapshot.DSAuthorizationPolicy},
		References: References{CIS: []string{"5.1.2.2"}, CISVersion: entraCIS, SCuBA: []string{"MS.AAD.5.1"},
			Other: []string{"Maester CISA.MS.AAD.5.1", "Maester CIS.M365.5.1.2.2", "EIDSCA.AP10", "Prowler entra_thirdparty_integrated_apps_not_allowed"}},
		Remediation: Remediation{Summary: "Set 'Users can register applications' to No.", Script: true,
			Steps: []string{
				"Entra admin center > Identity > Users > User settings: Users can register applications = No.",
				"Update-MgPolicyAuthorizationPolicy -DefaultUserRolePermissions @{AllowedToCreateApps=$false}",
			}}},
		Eval: evalEntraApp003}
}

// evalEntraApp003: members cannot register applications (Graph's default is
// allowed, so unset fails).
func evalEntraApp003(c *Context) Outcome {
	p, err := c.AuthorizationPolicy()
	if err != nil {
		return Unknown(err)
	}
	v := p.DefaultUserRolePermissions.AllowedToCreateApps
	if v != nil && !*v {
		return entraOutcome(StatusPass, nil, "Members cannot register applications.")
	}
	return entraOutcome(StatusFail, []Affected{{Kind: "setting", ID: "defaultUserRolePermissions.allowedToCreateApps", Name: "allowedToCreateApps",
		Detail: entraBoolText(v, "defaults to allowed")}},
		"Any member can register applications; allowedToCreateApps is %s.", entraBoolText(v, "defaults to allowed"))
}
