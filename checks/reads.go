package checks

import "github.com/m365audit/m365audit/collectors/snapshot"

// Dataset reads. A check reads snapshot data only through these methods:
// each records the dataset it reads (see data), so a test can prove that
// every check declares what it reads and never passes without it. A new
// dataset gets its snapshot accessor and one method here.

// Organizations records a read of DSOrganization and returns GET /v1.0/organization.
func (c *Context) Organizations() ([]snapshot.Organization, error) {
	return c.data(snapshot.DSOrganization).Organizations()
}

// Domains records a read of DSDomains and returns GET /v1.0/domains.
func (c *Context) Domains() ([]snapshot.Domain, error) {
	return c.data(snapshot.DSDomains).Domains()
}

// SubscribedSkus records a read of DSSubscribedSkus and returns GET /v1.0/subscribedSkus.
func (c *Context) SubscribedSkus() ([]snapshot.SubscribedSku, error) {
	return c.data(snapshot.DSSubscribedSkus).SubscribedSkus()
}

// Users records a read of DSUsers and returns members and guests.
func (c *Context) Users() ([]snapshot.User, error) {
	return c.data(snapshot.DSUsers).Users()
}

// RegistrationDetails records a read of DSUserRegistrationDetails and returns the userRegistrationDetails report.
func (c *Context) RegistrationDetails() ([]snapshot.RegistrationDetail, error) {
	return c.data(snapshot.DSUserRegistrationDetails).RegistrationDetails()
}

// SecurityDefaults records a read of DSSecurityDefaults and returns identitySecurityDefaultsEnforcementPolicy.
func (c *Context) SecurityDefaults() (*snapshot.SecurityDefaults, error) {
	return c.data(snapshot.DSSecurityDefaults).SecurityDefaults()
}

// ConditionalAccessPolicies records a read of DSConditionalAccessPolicies and returns every CA policy.
func (c *Context) ConditionalAccessPolicies() ([]snapshot.CAPolicy, error) {
	return c.data(snapshot.DSConditionalAccessPolicies).ConditionalAccessPolicies()
}

// NamedLocations records a read of DSNamedLocations and returns the CA named locations.
func (c *Context) NamedLocations() ([]snapshot.NamedLocation, error) {
	return c.data(snapshot.DSNamedLocations).NamedLocations()
}

// AuthenticationStrengths records a read of DSAuthenticationStrengths and returns the authentication strength policies.
func (c *Context) AuthenticationStrengths() ([]snapshot.AuthenticationStrength, error) {
	return c.data(snapshot.DSAuthenticationStrengths).AuthenticationStrengths()
}

// AuthorizationPolicy records a read of DSAuthorizationPolicy and returns the authorization policy.
func (c *Context) AuthorizationPolicy() (*snapshot.AuthorizationPolicy, error) {
	return c.data(snapshot.DSAuthorizationPolicy).AuthorizationPolicy()
}

// AuthenticationMethodsPolicy records a read of DSAuthenticationMethodsPolicy and returns the authentication methods policy.
func (c *Context) AuthenticationMethodsPolicy() (*snapshot.AuthenticationMethodsPolicy, error) {
	return c.data(snapshot.DSAuthenticationMethodsPolicy).AuthenticationMethodsPolicy()
}

// AdminConsentRequestPolicy records a read of DSAdminConsentRequestPolicy and returns the admin consent request policy.
func (c *Context) AdminConsentRequestPolicy() (*snapshot.AdminConsentRequestPolicy, error) {
	return c.data(snapshot.DSAdminConsentRequestPolicy).AdminConsentRequestPolicy()
}

// RoleDefinitions records a read of DSRoleDefinitions and returns the directory role definitions.
func (c *Context) RoleDefinitions() ([]snapshot.RoleDefinition, error) {
	return c.data(snapshot.DSRoleDefinitions).RoleDefinitions()
}

// RoleAssignments records a read of DSRoleAssignments and returns the directory role assignments.
func (c *Context) RoleAssignments() ([]snapshot.RoleAssignment, error) {
	return c.data(snapshot.DSRoleAssignments).RoleAssignments()
}

// CrossTenantAccessPolicyDefault records a read of DSCrossTenantAccessPolicyDefault and returns the default cross-tenant policy.
func (c *Context) CrossTenantAccessPolicyDefault() (*snapshot.CrossTenantAccessPolicyDefault, error) {
	return c.data(snapshot.DSCrossTenantAccessPolicyDefault).CrossTenantAccessPolicyDefault()
}

// OAuth2PermissionGrants records a read of DSOAuth2PermissionGrants and returns the delegated permission grants.
func (c *Context) OAuth2PermissionGrants() ([]snapshot.OAuth2PermissionGrant, error) {
	return c.data(snapshot.DSOAuth2PermissionGrants).OAuth2PermissionGrants()
}

// ServicePrincipals records a read of DSServicePrincipals and returns the service principals.
func (c *Context) ServicePrincipals() ([]snapshot.ServicePrincipal, error) {
	return c.data(snapshot.DSServicePrincipals).ServicePrincipals()
}

// Applications records a read of DSApplications and returns the app registrations.
func (c *Context) Applications() ([]snapshot.Application, error) {
	return c.data(snapshot.DSApplications).Applications()
}

// ServicePrincipalOwners records a read of DSServicePrincipalOwners and returns the owners of each service principal holding a directory role, by its object id.
func (c *Context) ServicePrincipalOwners() (map[string][]snapshot.DirectoryObject, error) {
	return c.data(snapshot.DSServicePrincipalOwners).ServicePrincipalOwners()
}

// ApplicationOwners records a read of DSApplicationOwners and returns the owners of those service principals' app registrations, by application object id.
func (c *Context) ApplicationOwners() (map[string][]snapshot.DirectoryObject, error) {
	return c.data(snapshot.DSApplicationOwners).ApplicationOwners()
}

// OrganizationConfig records a read of DSExoOrganizationConfig and returns Get-OrganizationConfig.
func (c *Context) OrganizationConfig() (*snapshot.OrganizationConfig, error) {
	return c.data(snapshot.DSExoOrganizationConfig).OrganizationConfig()
}

// TransportConfig records a read of DSExoTransportConfig and returns Get-TransportConfig.
func (c *Context) TransportConfig() (*snapshot.TransportConfig, error) {
	return c.data(snapshot.DSExoTransportConfig).TransportConfig()
}

// AdminAuditLogConfig records a read of DSExoAdminAuditLogConfig and returns Get-AdminAuditLogConfig.
func (c *Context) AdminAuditLogConfig() (*snapshot.AdminAuditLogConfig, error) {
	return c.data(snapshot.DSExoAdminAuditLogConfig).AdminAuditLogConfig()
}

// CASMailboxes records a read of DSExoCASMailbox and returns Get-CASMailbox rows.
func (c *Context) CASMailboxes() ([]snapshot.CASMailbox, error) {
	return c.data(snapshot.DSExoCASMailbox).CASMailboxes()
}

// CASMailboxPlans records a read of DSExoCASMailboxPlan and returns Get-CASMailboxPlan rows.
func (c *Context) CASMailboxPlans() ([]snapshot.CASMailboxPlan, error) {
	return c.data(snapshot.DSExoCASMailboxPlan).CASMailboxPlans()
}

// RemoteDomains records a read of DSExoRemoteDomain and returns Get-RemoteDomain rows.
func (c *Context) RemoteDomains() ([]snapshot.RemoteDomain, error) {
	return c.data(snapshot.DSExoRemoteDomain).RemoteDomains()
}

// OutboundSpamPolicies records a read of DSExoOutboundSpamPolicy and returns Get-HostedOutboundSpamFilterPolicy rows.
func (c *Context) OutboundSpamPolicies() ([]snapshot.OutboundSpamPolicy, error) {
	return c.data(snapshot.DSExoOutboundSpamPolicy).OutboundSpamPolicies()
}

// OutboundSpamRules records a read of DSExoOutboundSpamRule and returns Get-HostedOutboundSpamFilterRule rows.
func (c *Context) OutboundSpamRules() ([]snapshot.OutboundSpamRule, error) {
	return c.data(snapshot.DSExoOutboundSpamRule).OutboundSpamRules()
}

// Mailboxes records a read of DSExoMailbox and returns Get-Mailbox rows.
func (c *Context) Mailboxes() ([]snapshot.Mailbox, error) {
	return c.data(snapshot.DSExoMailbox).Mailboxes()
}

// AuditBypassAssociations records a read of DSExoMailboxAuditBypass and returns Get-MailboxAuditBypassAssociation rows.
func (c *Context) AuditBypassAssociations() ([]snapshot.AuditBypassAssociation, error) {
	return c.data(snapshot.DSExoMailboxAuditBypass).AuditBypassAssociations()
}

// TransportRules records a read of DSExoTransportRule and returns Get-TransportRule rows.
func (c *Context) TransportRules() ([]snapshot.TransportRule, error) {
	return c.data(snapshot.DSExoTransportRule).TransportRules()
}

// DirectoryAudits records a read of DSDirectoryAudits and returns the directory audit log of the incident window.
func (c *Context) DirectoryAudits() ([]snapshot.DirectoryAudit, error) {
	return c.data(snapshot.DSDirectoryAudits).DirectoryAudits()
}

// SignIns records a read of DSSignIns and returns the sign-in log of the incident window.
func (c *Context) SignIns() ([]snapshot.SignIn, error) {
	return c.data(snapshot.DSSignIns).SignIns()
}

// RiskyUsers records a read of DSRiskyUsers and returns the risky users.
func (c *Context) RiskyUsers() ([]snapshot.RiskyUser, error) {
	return c.data(snapshot.DSRiskyUsers).RiskyUsers()
}

// RiskDetections records a read of DSRiskDetections and returns the risk detections of the incident window.
func (c *Context) RiskDetections() ([]snapshot.RiskDetection, error) {
	return c.data(snapshot.DSRiskDetections).RiskDetections()
}

// IncidentAuthMethods records a read of DSIncidentAuthMethods and returns incident users' methods by user object id.
func (c *Context) IncidentAuthMethods() (map[string][]snapshot.AuthMethod, error) {
	return c.data(snapshot.DSIncidentAuthMethods).IncidentAuthMethods()
}

// IncidentMessageRules records a read of DSIncidentMessageRules and returns incident users' inbox rules by user object id.
func (c *Context) IncidentMessageRules() (map[string][]snapshot.MessageRule, error) {
	return c.data(snapshot.DSIncidentMessageRules).IncidentMessageRules()
}

// IncidentMailFolders records a read of DSIncidentMailFolders and returns incident users' mail folders by user object id.
func (c *Context) IncidentMailFolders() (map[string][]snapshot.MailFolder, error) {
	return c.data(snapshot.DSIncidentMailFolders).IncidentMailFolders()
}

// IncidentMailboxPermissions records a read of DSIncidentMailboxPerms and returns Get-MailboxPermission rows by user id.
func (c *Context) IncidentMailboxPermissions() (map[string][]snapshot.MailboxPermission, error) {
	return c.data(snapshot.DSIncidentMailboxPerms).IncidentMailboxPermissions()
}

// GuestInviters records a read of DSGuestInviters and returns each guest's inviter (beta invitedBy) by guest id.
func (c *Context) GuestInviters() (map[string][]snapshot.DirectoryObject, error) {
	return c.data(snapshot.DSGuestInviters).GuestInviters()
}
