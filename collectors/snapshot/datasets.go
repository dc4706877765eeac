package snapshot

import "sort"

// Dataset IDs. Each is also the base name of its file (<id>.json) and the key
// of its entry in the manifest. IDs are stable: outside tooling reads them.
const (
	// Microsoft Graph, directory and policies.
	DSOrganization                   = "organization"
	DSDomains                        = "domains"
	DSSubscribedSkus                 = "subscribedSkus"
	DSUsers                          = "users"
	DSUserRegistrationDetails        = "userRegistrationDetails"
	DSSecurityDefaults               = "securityDefaults"
	DSConditionalAccessPolicies      = "conditionalAccessPolicies"
	DSNamedLocations                 = "namedLocations"
	DSAuthenticationStrengths        = "authenticationStrengthPolicies"
	DSAuthorizationPolicy            = "authorizationPolicy"
	DSAuthenticationMethodsPolicy    = "authenticationMethodsPolicy"
	DSAdminConsentRequestPolicy      = "adminConsentRequestPolicy"
	DSRoleDefinitions                = "roleDefinitions"
	DSRoleAssignments                = "roleAssignments"
	DSCrossTenantAccessPolicyDefault = "crossTenantAccessPolicyDefault"
	DSOAuth2PermissionGrants         = "oauth2PermissionGrants"
	DSServicePrincipals              = "servicePrincipals"
	DSApplications                   = "applications"
	// Owners of the service principals that hold a directory role, and of
	// their app registrations (per key: the object id of the service
	// principal, or of the application).
	DSServicePrincipalOwners = "servicePrincipalOwners"
	DSApplicationOwners      = "applicationOwners"

	// Exchange Online admin API (InvokeCommand), one dataset per cmdlet.
	DSExoOrganizationConfig  = "exoOrganizationConfig"
	DSExoTransportConfig     = "exoTransportConfig"
	DSExoAdminAuditLogConfig = "exoAdminAuditLogConfig"
	DSExoCASMailbox          = "exoCasMailbox"
	DSExoCASMailboxPlan      = "exoCasMailboxPlan"
	DSExoRemoteDomain        = "exoRemoteDomain"
	DSExoOutboundSpamPolicy  = "exoHostedOutboundSpamFilterPolicy"
	DSExoOutboundSpamRule    = "exoHostedOutboundSpamFilterRule"
	DSExoMailbox             = "exoMailbox"
	DSExoMailboxAuditBypass  = "exoMailboxAuditBypassAssociation"
	DSExoTransportRule       = "exoTransportRule"

	// Incident datasets: collected only when an incident (users and a start
	// time) is given. Per-key datasets hold one entry per user.
	DSDirectoryAudits      = "directoryAudits"
	DSSignIns              = "signIns"
	DSRiskyUsers           = "riskyUsers"
	DSRiskDetections       = "riskDetections"
	DSIncidentAuthMethods  = "incidentAuthenticationMethods"
	DSIncidentMessageRules = "incidentMessageRules"
	DSIncidentMailFolders  = "incidentMailFolders"
	DSIncidentMailboxPerms = "incidentMailboxPermissions"
	DSGuestInviters        = "guestInviters"
)

// Source says which API a dataset comes from.
type Source string

// Sources.
const (
	SourceGraph    Source = "graph"
	SourceExchange Source = "exchange"
)

// Shape says how a dataset file is laid out.
type Shape string

// Shapes.
const (
	// ShapeList: a JSON array of the raw objects of a paged collection (Graph
	// "value" items of every page, or Exchange cmdlet rows), in API order.
	ShapeList Shape = "list"
	// ShapeObject: one raw JSON object (a Graph singleton such as
	// authorizationPolicy).
	ShapeObject Shape = "object"
	// ShapePerKey: a JSON object mapping a key (a user's object id) to the
	// array of raw objects the per-key request returned.
	ShapePerKey Shape = "perKey"
)

// Spec describes one dataset: where it comes from and what it needs. It is
// the single list that collectors, the simulated tenant and the docs share.
type Spec struct {
	ID     string
	Title  string
	Source Source
	Shape  Shape
	// Path is the Graph path below the service root, starting with /v1.0 or
	// /beta. Per-key paths contain {id}.
	Path string
	// Query is the Graph query string of the first request (without "?").
	// {start} stands for the incident window start (RFC 3339).
	Query string
	// Cmdlet and Params describe the Exchange admin API call; Select is the
	// $select applied to the InvokeCommand URL.
	Cmdlet string
	Params map[string]any
	Select []string
	// Permission is the least-privilege permission (or role) that allows it.
	Permission string
	// Licence is the licence the API needs, if any ("Entra ID P1").
	Licence string
	// Incident datasets are collected only when an incident is given.
	Incident bool
	// KeyedBy says what the keys of a per-key dataset are.
	KeyedBy string
}

// Specs returns every dataset the collector knows, sorted by ID.
func Specs() []Spec {
	exo := "Exchange.ManageAsApp + Global Reader"
	unlimited := func() map[string]any { return map[string]any{"ResultSize": "Unlimited"} }
	s := []Spec{
		{ID: DSOrganization, Title: "Organization", Source: SourceGraph, Shape: ShapeList,
			Path: "/v1.0/organization", Permission: "Organization.Read.All"},
		{ID: DSDomains, Title: "Domains", Source: SourceGraph, Shape: ShapeList,
			Path: "/v1.0/domains", Permission: "Domain.Read.All"},
		{ID: DSSubscribedSkus, Title: "Subscribed SKUs (licences)", Source: SourceGraph, Shape: ShapeList,
			Path: "/v1.0/subscribedSkus", Permission: "LicenseAssignment.Read.All"},
		{ID: DSUsers, Title: "Users and guests", Source: SourceGraph, Shape: ShapeList,
			Path:       "/v1.0/users",
			Query:      "$select=" + UserSelect + ",signInActivity&$top=999",
			Permission: "User.Read.All (+ AuditLog.Read.All and Entra ID P1 for signInActivity)"},
		{ID: DSUserRegistrationDetails, Title: "Authentication method registration", Source: SourceGraph, Shape: ShapeList,
			Path: "/v1.0/reports/authenticationMethods/userRegistrationDetails", Query: "$top=999",
			Permission: "AuditLog.Read.All", Licence: "Entra ID P1"},
		{ID: DSSecurityDefaults, Title: "Security defaults", Source: SourceGraph, Shape: ShapeObject,
			Path: "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy", Permission: "Policy.Read.All"},
		{ID: DSConditionalAccessPolicies, Title: "Conditional Access policies", Source: SourceGraph, Shape: ShapeList,
			Path: "/v1.0/identity/conditionalAccess/policies", Permission: "Policy.Read.All"},
		{ID: DSNamedLocations, Title: "Named locations", Source: SourceGraph, Shape: ShapeList,
			Path: "/v1.0/identity/conditionalAccess/namedLocations", Permission: "Policy.Read.All"},
		{ID: DSAuthenticationStrengths, Title: "Authentication strengths", Source: SourceGraph, Shape: ShapeList,
			Path: "/v1.0/policies/authenticationStrengthPolicies", Permission: "Policy.Read.All"},
		{ID: DSAuthorizationPolicy, Title: "Authorization policy", Source: SourceGraph, Shape: ShapeObject,
			Path: "/v1.0/policies/authorizationPolicy", Permission: "Policy.Read.All"},
		{ID: DSAuthenticationMethodsPolicy, Title: "Authentication methods policy", Source: SourceGraph, Shape: ShapeObject,
			Path: "/v1.0/policies/authenticationMethodsPolicy", Permission: "Policy.Read.AuthenticationMethod"},
		{ID: DSAdminConsentRequestPolicy, Title: "Admin consent request policy", Source: SourceGraph, Shape: ShapeObject,
			Path: "/v1.0/policies/adminConsentRequestPolicy", Permission: "Policy.Read.All"},
		{ID: DSRoleDefinitions, Title: "Directory role definitions", Source: SourceGraph, Shape: ShapeList,
			Path: "/v1.0/roleManagement/directory/roleDefinitions", Query: "$select=id,displayName,templateId,isBuiltIn",
			Permission: "RoleManagement.Read.Directory"},
		{ID: DSRoleAssignments, Title: "Directory role assignments", Source: SourceGraph, Shape: ShapeList,
			Path: "/v1.0/roleManagement/directory/roleAssignments", Query: "$expand=principal",
			Permission: "RoleManagement.Read.Directory"},
		{ID: DSCrossTenantAccessPolicyDefault, Title: "Cross-tenant access default", Source: SourceGraph, Shape: ShapeObject,
			Path: "/v1.0/policies/crossTenantAccessPolicy/default", Permission: "Policy.Read.All"},
		{ID: DSOAuth2PermissionGrants, Title: "Delegated permission grants", Source: SourceGraph, Shape: ShapeList,
			Path: "/v1.0/oauth2PermissionGrants", Query: "$top=999", Permission: "Directory.Read.All"},
		{ID: DSServicePrincipals, Title: "Service principals", Source: SourceGraph, Shape: ShapeList,
			Path:       "/v1.0/servicePrincipals",
			Query:      "$select=" + ServicePrincipalSelect + "&$top=999",
			Permission: "Application.Read.All"},
		{ID: DSApplications, Title: "App registrations", Source: SourceGraph, Shape: ShapeList,
			Path:       "/v1.0/applications",
			Query:      "$select=" + ApplicationSelect + "&$top=999",
			Permission: "Application.Read.All"},
		{ID: DSServicePrincipalOwners, Title: "Owners of service principals holding directory roles", Source: SourceGraph, Shape: ShapePerKey,
			Path: "/v1.0/servicePrincipals/{id}/owners", KeyedBy: "object id of each service principal holding a directory role",
			Permission: "Application.Read.All"},
		{ID: DSApplicationOwners, Title: "Owners of the app registrations of service principals holding directory roles", Source: SourceGraph, Shape: ShapePerKey,
			Path: "/v1.0/applications/{id}/owners", KeyedBy: "object id of the app registration (in this tenant) of each service principal holding a directory role",
			Permission: "Application.Read.All"},

		{ID: DSExoOrganizationConfig, Title: "Exchange organization config", Source: SourceExchange, Shape: ShapeList,
			Cmdlet: "Get-OrganizationConfig", Params: map[string]any{}, Permission: exo},
		{ID: DSExoTransportConfig, Title: "Exchange transport config", Source: SourceExchange, Shape: ShapeList,
			Cmdlet: "Get-TransportConfig", Params: map[string]any{}, Permission: exo},
		{ID: DSExoAdminAuditLogConfig, Title: "Admin audit log config", Source: SourceExchange, Shape: ShapeList,
			Cmdlet: "Get-AdminAuditLogConfig", Params: map[string]any{}, Permission: exo},
		{ID: DSExoCASMailbox, Title: "Mailbox client access (protocols)", Source: SourceExchange, Shape: ShapeList,
			Cmdlet: "Get-CASMailbox", Params: unlimited(), Permission: exo,
			Select: []string{"Identity", "Name", "DisplayName", "PrimarySmtpAddress", "ExternalDirectoryObjectId", "PopEnabled", "ImapEnabled",
				"SmtpClientAuthenticationDisabled", "ActiveSyncEnabled", "EwsEnabled", "MAPIEnabled", "OWAEnabled"}},
		{ID: DSExoCASMailboxPlan, Title: "CAS mailbox plans (new mailboxes)", Source: SourceExchange, Shape: ShapeList,
			Cmdlet: "Get-CASMailboxPlan", Params: map[string]any{}, Permission: exo},
		{ID: DSExoRemoteDomain, Title: "Remote domains", Source: SourceExchange, Shape: ShapeList,
			Cmdlet: "Get-RemoteDomain", Params: map[string]any{}, Permission: exo},
		{ID: DSExoOutboundSpamPolicy, Title: "Outbound spam filter policies", Source: SourceExchange, Shape: ShapeList,
			Cmdlet: "Get-HostedOutboundSpamFilterPolicy", Params: map[string]any{}, Permission: exo},
		{ID: DSExoOutboundSpamRule, Title: "Outbound spam filter rules", Source: SourceExchange, Shape: ShapeList,
			Cmdlet: "Get-HostedOutboundSpamFilterRule", Params: map[string]any{}, Permission: exo},
		{ID: DSExoMailbox, Title: "Mailboxes (forwarding, audit)", Source: SourceExchange, Shape: ShapeList,
			Cmdlet: "Get-Mailbox", Params: unlimited(), Permission: exo,
			Select: []string{"Identity", "Name", "DisplayName", "UserPrincipalName", "PrimarySmtpAddress", "ExternalDirectoryObjectId",
				"RecipientTypeDetails", "ForwardingAddress", "ForwardingSmtpAddress", "DeliverToMailboxAndForward",
				"AuditEnabled", "AuditLogAgeLimit", "AuditAdmin", "AuditDelegate", "AuditOwner", "WhenChanged", "GrantSendOnBehalfTo"}},
		{ID: DSExoMailboxAuditBypass, Title: "Mailbox audit bypass associations", Source: SourceExchange, Shape: ShapeList,
			Cmdlet: "Get-MailboxAuditBypassAssociation", Params: unlimited(), Permission: exo},
		{ID: DSExoTransportRule, Title: "Transport rules", Source: SourceExchange, Shape: ShapeList,
			Cmdlet: "Get-TransportRule", Params: unlimited(), Permission: exo},

		{ID: DSDirectoryAudits, Title: "Directory audit log (incident window)", Source: SourceGraph, Shape: ShapeList, Incident: true,
			Path: "/v1.0/auditLogs/directoryAudits", Query: "$filter=activityDateTime ge {start}&$top=999",
			Permission: "AuditLog.Read.All"},
		{ID: DSSignIns, Title: "Sign-in log (incident window)", Source: SourceGraph, Shape: ShapeList, Incident: true,
			Path: "/beta/auditLogs/signIns", Query: "$filter=createdDateTime ge {start}&$top=999",
			Permission: "AuditLog.Read.All", Licence: "Entra ID P1"},
		{ID: DSRiskyUsers, Title: "Risky users", Source: SourceGraph, Shape: ShapeList, Incident: true,
			Path: "/v1.0/identityProtection/riskyUsers", Permission: "IdentityRiskyUser.Read.All", Licence: "Entra ID P2"},
		{ID: DSRiskDetections, Title: "Risk detections (incident window)", Source: SourceGraph, Shape: ShapeList, Incident: true,
			Path: "/v1.0/identityProtection/riskDetections", Query: "$filter=detectedDateTime ge {start}",
			Permission: "IdentityRiskEvent.Read.All", Licence: "Entra ID P2"},
		{ID: DSIncidentAuthMethods, Title: "Authentication methods of incident users", Source: SourceGraph, Shape: ShapePerKey, Incident: true,
			Path: "/v1.0/users/{id}/authentication/methods", KeyedBy: "incident user object id",
			Permission: "UserAuthenticationMethod.Read.All"},
		{ID: DSIncidentMessageRules, Title: "Inbox rules of incident users", Source: SourceGraph, Shape: ShapePerKey, Incident: true,
			Path: "/v1.0/users/{id}/mailFolders/inbox/messageRules", KeyedBy: "incident user object id",
			Permission: "MailboxSettings.Read"},
		{ID: DSIncidentMailFolders, Title: "Mail folders of incident users (rule targets)", Source: SourceGraph, Shape: ShapePerKey, Incident: true,
			Path: "/v1.0/users/{id}/mailFolders", Query: "$select=id,displayName,parentFolderId,wellKnownName&includeHiddenFolders=true&$top=999",
			KeyedBy: "incident user object id", Permission: "Mail.ReadBasic.All"},
		{ID: DSIncidentMailboxPerms, Title: "Mailbox permissions of incident users", Source: SourceExchange, Shape: ShapePerKey, Incident: true,
			Cmdlet: "Get-MailboxPermission", KeyedBy: "incident user object id", Permission: exo},
		{ID: DSGuestInviters, Title: "Guest inviters (invitedBy)", Source: SourceGraph, Shape: ShapePerKey, Incident: true,
			Path: "/beta/users/{id}/invitedBy", KeyedBy: "guest user object id", Permission: "User.Read.All"},
	}
	s = append(s, mailSpecs()...)
	sort.Slice(s, func(i, j int) bool { return s[i].ID < s[j].ID })
	return s
}

// SpecByID returns the spec of a dataset.
func SpecByID(id string) (Spec, bool) {
	for _, s := range Specs() {
		if s.ID == id {
			return s, true
		}
	}
	return Spec{}, false
}

// UserSelect is the $select of the users dataset without signInActivity
// (collectors fall back to it when the tenant is not licensed for sign-in
// activity).
const UserSelect = "id,displayName,userPrincipalName,mail,userType,creationType,externalUserState," +
	"externalUserStateChangeDateTime,createdDateTime,accountEnabled,onPremisesSyncEnabled,assignedLicenses," +
	"lastPasswordChangeDateTime,signInSessionsValidFromDateTime,passwordPolicies"

// PropSignInActivity is the users property that needs Entra ID P1 and
// AuditLog.Read.All; a users dataset collected without it lists it in
// DatasetInfo.Omitted.
const PropSignInActivity = "signInActivity"

// ServicePrincipalSelect keeps credential metadata only (never secrets).
const ServicePrincipalSelect = "id,appId,displayName,servicePrincipalType,appOwnerOrganizationId,accountEnabled," +
	"appRoleAssignmentRequired,publisherName,verifiedPublisher,keyCredentials,passwordCredentials,createdDateTime,tags,appRoles,oauth2PermissionScopes"

// ApplicationSelect keeps credential metadata only (never secrets).
const ApplicationSelect = "id,appId,displayName,createdDateTime,signInAudience,publisherDomain,verifiedPublisher," +
	"keyCredentials,passwordCredentials,requiredResourceAccess"
