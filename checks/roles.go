package checks

import (
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Role template IDs used by checks.
const (
	RoleGlobalAdministrator           = "62e90394-69f5-4237-9190-012177145e10"
	RolePrivilegedRoleAdministrator   = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	RoleUserAdministrator             = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	RoleSharePointAdministrator       = "f28a1f50-f6e7-4571-818b-6a12f2af6b6c"
	RoleExchangeAdministrator         = "29232cdf-9323-42fd-ade2-1d097af3e4de"
	RoleHybridIdentityAdministrator   = "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2"
	RoleApplicationAdministrator      = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
	RoleCloudApplicationAdministrator = "158c047a-c907-4556-b7ef-446551a6b5f7"
	// RoleDirectorySynchronizationAccounts may always be excluded from CA.
	RoleDirectorySynchronizationAccounts = "d29b2b05-8046-44ba-8758-1e26182fcf32"
)

// PrivilegedRoles returns the privileged role set of docs/semantics.md
// (template ID -> display name).
func PrivilegedRoles() map[string]string {
	return map[string]string{
		RoleGlobalAdministrator:           "Global Administrator",
		RolePrivilegedRoleAdministrator:   "Privileged Role Administrator",
		RoleUserAdministrator:             "User Administrator",
		RoleSharePointAdministrator:       "SharePoint Administrator",
		RoleExchangeAdministrator:         "Exchange Administrator",
		RoleHybridIdentityAdministrator:   "Hybrid Identity Administrator",
		RoleApplicationAdministrator:      "Application Administrator",
		RoleCloudApplicationAdministrator: "Cloud Application Administrator",
	}
}

// IsPrivilegedRole reports whether a role definition/template ID is in the
// privileged set.
func IsPrivilegedRole(id string) bool {
	_, ok := PrivilegedRoles()[strings.ToLower(id)]
	return ok
}

// DetectLicences reads Entra ID P1/P2 from subscribedSkus service plans
// (AAD_PREMIUM, AAD_PREMIUM_P2). A plan counts when its provisioning status
// is Success (or unset) and its SKU is not suspended.
func DetectLicences(s *snapshot.Snapshot) Licences {
	skus, err := s.SubscribedSkus()
	if err != nil {
		return Licences{}
	}
	l := Licences{Known: true}
	for _, sku := range skus {
		if strings.EqualFold(sku.CapabilityStatus, "Suspended") || strings.EqualFold(sku.CapabilityStatus, "LockedOut") {
			continue
		}
		for _, p := range sku.ServicePlans {
			if p.ProvisioningStatus != "" && !strings.EqualFold(p.ProvisioningStatus, "Success") {
				continue
			}
			switch strings.ToUpper(p.ServicePlanName) {
			case "AAD_PREMIUM":
				l.P1 = true
			case "AAD_PREMIUM_P2":
				l.P1, l.P2 = true, true
			}
		}
	}
	return l
}
