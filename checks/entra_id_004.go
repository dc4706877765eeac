package checks

import (
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraID004 is the ID of check ENTRA-ID-004.
const IDEntraID004 = "ENTRA-ID-004"

func entraID004() Check {
	return Check{Meta: Meta{ID: IDEntraID004, Title: "Non-admin default permissions locked down (tenants, security groups, BitLocker keys)", Category: entraCatIdentity, Severity: SeverityLow,
		Rationale: "Members who can create tenants or security groups, or read BitLocker recovery keys, give a compromised account more to work with.",
		Datasets:  []string{snapshot.DSAuthorizationPolicy},
		References: References{CIS: []string{"5.1.2.3", "5.1.3.2", "5.1.4.6"}, CISVersion: entraCIS,
			Other: []string{"Maester MT.1068", "Maester MT.1069", "Maester CIS.M365.5.1.2.3", "Maester CIS.M365.5.1.4.6",
				"Prowler entra_policy_ensure_default_user_cannot_create_tenants", "Prowler entra_policy_default_user_cannot_create_security_groups", "Prowler entra_policy_default_user_cannot_read_bitlocker_keys"}},
		Remediation: Remediation{Summary: "Turn off tenant creation, security group creation and BitLocker key self-service for members.", Script: true,
			Steps: []string{
				"Entra admin center > Identity > Users > User settings: Restrict non-admin users from creating tenants = Yes; Devices > Device settings: Restrict users from recovering BitLocker keys = Yes; Groups > General: Users can create security groups = No.",
				"Update-MgPolicyAuthorizationPolicy -DefaultUserRolePermissions @{AllowedToCreateTenants=$false; AllowedToCreateSecurityGroups=$false; AllowedToReadBitlockerKeysForOwnedDevice=$false}",
			}}},
		Eval: evalEntraID004}
}

// evalEntraID004: members cannot create tenants or security groups, or read the
// BitLocker keys of their own devices. Graph's default for each is allowed,
// so an unset value fails.
func evalEntraID004(c *Context) Outcome {
	p, err := c.AuthorizationPolicy()
	if err != nil {
		return Unknown(err)
	}
	d := p.DefaultUserRolePermissions
	settings := []struct {
		name string
		v    *bool
	}{
		{"allowedToCreateTenants", d.AllowedToCreateTenants},
		{"allowedToCreateSecurityGroups", d.AllowedToCreateSecurityGroups},
		{"allowedToReadBitlockerKeysForOwnedDevice", d.AllowedToReadBitlockerKeysForOwnedDevice},
	}
	var bad []Affected
	for _, s := range settings {
		if s.v != nil && !*s.v {
			continue
		}
		bad = append(bad, Affected{Kind: "setting", ID: "defaultUserRolePermissions." + s.name, Name: s.name,
			Detail: entraBoolText(s.v, "defaults to allowed")})
	}
	if len(bad) > 0 {
		return entraOutcome(StatusFail, bad, "%d of 3 default member permissions are still allowed: %s.", len(bad), entraNames(entraAffectedNames(bad), 3))
	}
	return entraOutcome(StatusPass, nil, "Members cannot create tenants or security groups, or read BitLocker keys of their own devices.")
}
