package snapshot

// Typed accessors. Each returns a *NotCollectedError when its dataset carries
// no data, so a dataset that was not collected is never read as empty.

// Organizations returns GET /v1.0/organization.
func (s *Snapshot) Organizations() ([]Organization, error) {
	return List[Organization](s, DSOrganization)
}

// Domains returns GET /v1.0/domains.
func (s *Snapshot) Domains() ([]Domain, error) { return List[Domain](s, DSDomains) }

// SubscribedSkus returns GET /v1.0/subscribedSkus.
func (s *Snapshot) SubscribedSkus() ([]SubscribedSku, error) {
	return List[SubscribedSku](s, DSSubscribedSkus)
}

// Users returns members and guests.
func (s *Snapshot) Users() ([]User, error) { return List[User](s, DSUsers) }

// RegistrationDetails returns the userRegistrationDetails report.
func (s *Snapshot) RegistrationDetails() ([]RegistrationDetail, error) {
	return List[RegistrationDetail](s, DSUserRegistrationDetails)
}

// SecurityDefaults returns identitySecurityDefaultsEnforcementPolicy.
func (s *Snapshot) SecurityDefaults() (*SecurityDefaults, error) {
	return Object[SecurityDefaults](s, DSSecurityDefaults)
}

// ConditionalAccessPolicies returns every CA policy.
func (s *Snapshot) ConditionalAccessPolicies() ([]CAPolicy, error) {
	return List[CAPolicy](s, DSConditionalAccessPolicies)
}

// NamedLocations returns the CA named locations.
func (s *Snapshot) NamedLocations() ([]NamedLocation, error) {
	return List[NamedLocation](s, DSNamedLocations)
}

// AuthenticationStrengths returns the authentication strength policies.
func (s *Snapshot) AuthenticationStrengths() ([]AuthenticationStrength, error) {
	return List[AuthenticationStrength](s, DSAuthenticationStrengths)
}

// AuthorizationPolicy returns the authorization policy.
func (s *Snapshot) AuthorizationPolicy() (*AuthorizationPolicy, error) {
	return Object[AuthorizationPolicy](s, DSAuthorizationPolicy)
}

// AuthenticationMethodsPolicy returns the authentication methods policy.
func (s *Snapshot) AuthenticationMethodsPolicy() (*AuthenticationMethodsPolicy, error) {
	return Object[AuthenticationMethodsPolicy](s, DSAuthenticationMethodsPolicy)
}

// AdminConsentRequestPolicy returns the admin consent request policy.
func (s *Snapshot) AdminConsentRequestPolicy() (*AdminConsentRequestPolicy, error) {
	return Object[AdminConsentRequestPolicy](s, DSAdminConsentRequestPolicy)
}

// RoleDefinitions returns the directory role definitions.
func (s *Snapshot) RoleDefinitions() ([]RoleDefinition, error) {
	return List[RoleDefinition](s, DSRoleDefinitions)
}

// RoleAssignments returns the directory role assignments.
func (s *Snapshot) RoleAssignments() ([]RoleAssignment, error) {
	return List[RoleAssignment](s, DSRoleAssignments)
}

// CrossTenantAccessPolicyDefault returns the default cross-tenant policy.
func (s *Snapshot) CrossTenantAccessPolicyDefault() (*CrossTenantAccessPolicyDefault, error) {
	return Object[CrossTenantAccessPolicyDefault](s, DSCrossTenantAccessPolicyDefault)
}

// OAuth2PermissionGrants returns the delegated permission grants.
func (s *Snapshot) OAuth2PermissionGrants() ([]OAuth2PermissionGrant, error) {
	return List[OAuth2PermissionGrant](s, DSOAuth2PermissionGrants)
}

// ServicePrincipals returns the service principals.
func (s *Snapshot) ServicePrincipals() ([]ServicePrincipal, error) {
	return List[ServicePrincipal](s, DSServicePrincipals)
}

// Applications returns the app registrations.
func (s *Snapshot) Applications() ([]Application, error) {
	return List[Application](s, DSApplications)
}

// ServicePrincipalOwners returns the owners of each service principal that
// holds a directory role, by service principal object id. A service
// principal without an entry was not asked (or its request failed).
func (s *Snapshot) ServicePrincipalOwners() (map[string][]DirectoryObject, error) {
	return PerKey[DirectoryObject](s, DSServicePrincipalOwners)
}

// ApplicationOwners returns the owners of the app registrations of the
// service principals that hold a directory role, by application object id.
func (s *Snapshot) ApplicationOwners() (map[string][]DirectoryObject, error) {
	return PerKey[DirectoryObject](s, DSApplicationOwners)
}

// OrganizationConfig returns Get-OrganizationConfig.
func (s *Snapshot) OrganizationConfig() (*OrganizationConfig, error) {
	return First[OrganizationConfig](s, DSExoOrganizationConfig)
}

// TransportConfig returns Get-TransportConfig.
func (s *Snapshot) TransportConfig() (*TransportConfig, error) {
	return First[TransportConfig](s, DSExoTransportConfig)
}

// AdminAuditLogConfig returns Get-AdminAuditLogConfig.
func (s *Snapshot) AdminAuditLogConfig() (*AdminAuditLogConfig, error) {
	return First[AdminAuditLogConfig](s, DSExoAdminAuditLogConfig)
}

// CASMailboxes returns Get-CASMailbox rows.
func (s *Snapshot) CASMailboxes() ([]CASMailbox, error) { return List[CASMailbox](s, DSExoCASMailbox) }

// CASMailboxPlans returns Get-CASMailboxPlan rows.
func (s *Snapshot) CASMailboxPlans() ([]CASMailboxPlan, error) {
	return List[CASMailboxPlan](s, DSExoCASMailboxPlan)
}

// RemoteDomains returns Get-RemoteDomain rows.
func (s *Snapshot) RemoteDomains() ([]RemoteDomain, error) {
	return List[RemoteDomain](s, DSExoRemoteDomain)
}

// OutboundSpamPolicies returns Get-HostedOutboundSpamFilterPolicy rows.
func (s *Snapshot) OutboundSpamPolicies() ([]OutboundSpamPolicy, error) {
	return List[OutboundSpamPolicy](s, DSExoOutboundSpamPolicy)
}

// OutboundSpamRules returns Get-HostedOutboundSpamFilterRule rows.
func (s *Snapshot) OutboundSpamRules() ([]OutboundSpamRule, error) {
	return List[OutboundSpamRule](s, DSExoOutboundSpamRule)
}

// Mailboxes returns Get-Mailbox rows.
func (s *Snapshot) Mailboxes() ([]Mailbox, error) { return List[Mailbox](s, DSExoMailbox) }

// AuditBypassAssociations returns Get-MailboxAuditBypassAssociation rows.
func (s *Snapshot) AuditBypassAssociations() ([]AuditBypassAssociation, error) {
	return List[AuditBypassAssociation](s, DSExoMailboxAuditBypass)
}

// TransportRules returns Get-TransportRule rows.
func (s *Snapshot) TransportRules() ([]TransportRule, error) {
	return List[TransportRule](s, DSExoTransportRule)
}
