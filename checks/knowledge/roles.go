package knowledge

import (
	"sort"
	"strings"
)

// Role template IDs (stable across tenants).
const (
	RoleGlobalAdministrator           = "62e90394-69f5-4237-9190-012177145e10"
	RolePrivilegedRoleAdministrator   = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	RoleUserAdministrator             = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	RoleSharePointAdministrator       = "f28a1f50-f6e7-4571-818b-6a12f2af6b6c"
	RoleExchangeAdministrator         = "29232cdf-9323-42fd-ade2-1d097af3e4de"
	RoleHybridIdentityAdministrator   = "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2"
	RoleApplicationAdministrator      = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
	RoleCloudApplicationAdministrator = "158c047a-c907-4556-b7ef-446551a6b5f7"
	// RoleDirectorySynchronizationAccounts may always be excluded from
	// Conditional Access (the sync account cannot do MFA).
	RoleDirectorySynchronizationAccounts = "d29b2b05-8046-44ba-8758-1e26182fcf32"
)

// privilegedRoleIDs is the privileged role set of docs/semantics.md.
func privilegedRoleIDs() []string {
	return []string{
		RoleGlobalAdministrator, RolePrivilegedRoleAdministrator, RoleUserAdministrator, RoleSharePointAdministrator,
		RoleExchangeAdministrator, RoleHybridIdentityAdministrator, RoleApplicationAdministrator, RoleCloudApplicationAdministrator,
	}
}

// roleNames are the display names of Microsoft's built-in role templates
// the product names without reading roleDefinitions.
func roleNames() map[string]string {
	return map[string]string{
		RoleGlobalAdministrator:                "Global Administrator",
		RolePrivilegedRoleAdministrator:        "Privileged Role Administrator",
		RoleUserAdministrator:                  "User Administrator",
		RoleSharePointAdministrator:            "SharePoint Administrator",
		RoleExchangeAdministrator:              "Exchange Administrator",
		RoleHybridIdentityAdministrator:        "Hybrid Identity Administrator",
		RoleApplicationAdministrator:           "Application Administrator",
		RoleCloudApplicationAdministrator:      "Cloud Application Administrator",
		RoleDirectorySynchronizationAccounts:   "Directory Synchronization Accounts",
		"194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
		"b1be1c3e-b65d-4f19-8427-f6fa0d97feb9": "Conditional Access Administrator",
		"729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
		"b0f54661-2d74-4c50-afa3-1ec803f12efe": "Billing Administrator",
		"966707d0-3269-4727-9be2-8c3a10f19b9d": "Password Administrator",
		"7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
		"c4e39bd9-1100-46d3-8c65-fb160da0071f": "Authentication Administrator",
		"f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
		"5d6b6bb7-de71-4623-b4af-96380a352509": "Security Reader",
		"a9ea8996-122f-4c74-9520-8edcd192826c": "Fabric Administrator",
		"3a2c62db-5318-420d-8d74-23affee5d9d5": "Intune Administrator",
		"11648597-926c-4cf3-9c36-bcebb0ba8dcc": "Power Platform Administrator",
		"69091246-20e8-4a56-aa4d-066075b2a7a8": "Teams Administrator",
		"fdd7a751-b60b-444a-984c-02652fe8fa1c": "Groups Administrator",
		"a0b1b346-4d3e-4e8b-98f8-753987be4970": "Guest User",
		"10dae51f-b6af-4016-8d66-8c2a99b929b3": "Guest User",
		"2af84b1e-32c8-42b7-82bc-daa82404023b": "Restricted Guest User",
	}
}

// PrivilegedRoles returns the privileged role set (template ID -> display
// name).
func PrivilegedRoles() map[string]string {
	names := roleNames()
	out := make(map[string]string, len(privilegedRoleIDs()))
	for _, id := range privilegedRoleIDs() {
		out[id] = names[id]
	}
	return out
}

// PrivilegedRoleIDs returns the privileged role template IDs, sorted.
func PrivilegedRoleIDs() []string {
	ids := privilegedRoleIDs()
	sort.Strings(ids)
	return ids
}

// IsPrivilegedRole reports whether a role template ID is in the privileged
// set (case-insensitive).
func IsPrivilegedRole(id string) bool {
	_, ok := PrivilegedRoles()[strings.ToLower(id)]
	return ok
}

// RoleName returns the display name of a built-in role template.
func RoleName(id string) (string, bool) {
	n, ok := roleNames()[strings.ToLower(id)]
	return n, ok
}

// RoleNames returns the built-in role names by template ID (a fresh map).
func RoleNames() map[string]string { return roleNames() }
