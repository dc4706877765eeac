package snapshot

import (
	"strings"
	"time"
)

// The types below decode the Graph fields checks need. JSON names are
// Graph's, so a Graph Explorer response can be pasted into a fixture.
// Unmodelled fields stay in the raw dataset files.

// Organization is an item of GET /v1.0/organization.
type Organization struct {
	ID                    string           `json:"id"`
	DisplayName           string           `json:"displayName"`
	VerifiedDomains       []VerifiedDomain `json:"verifiedDomains"`
	OnPremisesSyncEnabled *bool            `json:"onPremisesSyncEnabled"`
	CreatedDateTime       *time.Time       `json:"createdDateTime"`
	CountryLetterCode     string           `json:"countryLetterCode"`
}

// VerifiedDomain is a domain listed on the organization.
type VerifiedDomain struct {
	Name      string `json:"name"`
	IsDefault bool   `json:"isDefault"`
	IsInitial bool   `json:"isInitial"`
	Type      string `json:"type"`
}

// Domain is an item of GET /v1.0/domains.
type Domain struct {
	ID                           string   `json:"id"`
	AuthenticationType           string   `json:"authenticationType"`
	IsDefault                    bool     `json:"isDefault"`
	IsInitial                    bool     `json:"isInitial"`
	IsRoot                       bool     `json:"isRoot"`
	IsVerified                   bool     `json:"isVerified"`
	PasswordValidityPeriodInDays *int64   `json:"passwordValidityPeriodInDays"`
	SupportedServices            []string `json:"supportedServices"`
}

// SubscribedSku is an item of GET /v1.0/subscribedSkus.
type SubscribedSku struct {
	SkuID            string        `json:"skuId"`
	SkuPartNumber    string        `json:"skuPartNumber"`
	CapabilityStatus string        `json:"capabilityStatus"`
	AppliesTo        string        `json:"appliesTo"`
	ConsumedUnits    int           `json:"consumedUnits"`
	PrepaidUnits     PrepaidUnits  `json:"prepaidUnits"`
	ServicePlans     []ServicePlan `json:"servicePlans"`
}

// PrepaidUnits are the units of a SKU.
type PrepaidUnits struct {
	Enabled   int `json:"enabled"`
	Suspended int `json:"suspended"`
	Warning   int `json:"warning"`
	LockedOut int `json:"lockedOut"`
}

// EntraIDLicences reports which Entra ID premium licences the subscribed
// SKUs grant: a service plan counts when its provisioning status is Success
// (or unset) and its SKU is neither suspended, locked out nor deleted;
// AAD_PREMIUM gives P1, AAD_PREMIUM_P2 gives P2 (and so P1). The audit
// (checks.DetectLicences) and the preflight both read licences through it.
func EntraIDLicences(skus []SubscribedSku) (p1, p2 bool) {
	for _, sku := range skus {
		switch strings.ToLower(sku.CapabilityStatus) {
		case "suspended", "lockedout", "deleted":
			// A suspended, locked-out or deleted subscription grants nothing.
			continue
		}
		for _, p := range sku.ServicePlans {
			if p.ProvisioningStatus != "" && !strings.EqualFold(p.ProvisioningStatus, "Success") {
				continue
			}
			switch strings.ToUpper(p.ServicePlanName) {
			case "AAD_PREMIUM":
				p1 = true
			case "AAD_PREMIUM_P2":
				p1, p2 = true, true
			}
		}
	}
	return p1, p2
}

// ServicePlan is a service plan inside a SKU.
type ServicePlan struct {
	ServicePlanID      string `json:"servicePlanId"`
	ServicePlanName    string `json:"servicePlanName"`
	ProvisioningStatus string `json:"provisioningStatus"`
	AppliesTo          string `json:"appliesTo"`
}

// User is an item of GET /v1.0/users (members and guests).
type User struct {
	ID                              string            `json:"id"`
	DisplayName                     string            `json:"displayName"`
	UserPrincipalName               string            `json:"userPrincipalName"`
	Mail                            string            `json:"mail"`
	UserType                        string            `json:"userType"`
	CreationType                    string            `json:"creationType"`
	ExternalUserState               string            `json:"externalUserState"`
	ExternalUserStateChangeDateTime *time.Time        `json:"externalUserStateChangeDateTime"`
	CreatedDateTime                 *time.Time        `json:"createdDateTime"`
	AccountEnabled                  *bool             `json:"accountEnabled"`
	OnPremisesSyncEnabled           *bool             `json:"onPremisesSyncEnabled"`
	AssignedLicenses                []AssignedLicense `json:"assignedLicenses"`
	LastPasswordChangeDateTime      *time.Time        `json:"lastPasswordChangeDateTime"`
	SignInSessionsValidFromDateTime *time.Time        `json:"signInSessionsValidFromDateTime"`
	PasswordPolicies                string            `json:"passwordPolicies"`
	// SignInActivity is nil when the tenant is not licensed for it; the
	// users dataset notes then say so.
	SignInActivity *SignInActivity `json:"signInActivity"`
}

// IsGuest reports whether the user is a guest (userType Guest, or an #EXT#
// UPN when userType is missing).
func (u User) IsGuest() bool {
	if u.UserType != "" {
		return strings.EqualFold(u.UserType, "Guest")
	}
	return strings.Contains(strings.ToUpper(u.UserPrincipalName), "#EXT#")
}

// Enabled reports whether the account is enabled (a missing value counts as
// enabled, which is Graph's default).
func (u User) Enabled() bool { return u.AccountEnabled == nil || *u.AccountEnabled }

// Synced reports whether the account is synchronised from on-premises.
func (u User) Synced() bool { return u.OnPremisesSyncEnabled != nil && *u.OnPremisesSyncEnabled }

// Name returns the best human name: display name, else UPN, else id.
func (u User) Name() string {
	switch {
	case u.DisplayName != "":
		return u.DisplayName
	case u.UserPrincipalName != "":
		return u.UserPrincipalName
	}
	return u.ID
}

// AssignedLicense is a licence assigned to a user.
type AssignedLicense struct {
	SkuID         string   `json:"skuId"`
	DisabledPlans []string `json:"disabledPlans"`
}

// SignInActivity holds a user's last sign-ins.
type SignInActivity struct {
	LastSignInDateTime               *time.Time `json:"lastSignInDateTime"`
	LastNonInteractiveSignInDateTime *time.Time `json:"lastNonInteractiveSignInDateTime"`
	LastSuccessfulSignInDateTime     *time.Time `json:"lastSuccessfulSignInDateTime"`
}

// Last returns the latest of the sign-in times, preferring the successful
// one; nil when none is known.
func (a *SignInActivity) Last() *time.Time {
	if a == nil {
		return nil
	}
	if a.LastSuccessfulSignInDateTime != nil {
		return a.LastSuccessfulSignInDateTime
	}
	var last *time.Time
	for _, t := range []*time.Time{a.LastSignInDateTime, a.LastNonInteractiveSignInDateTime} {
		if t != nil && (last == nil || t.After(*last)) {
			last = t
		}
	}
	return last
}

// RegistrationDetail is an item of the userRegistrationDetails report.
type RegistrationDetail struct {
	ID                    string     `json:"id"`
	UserPrincipalName     string     `json:"userPrincipalName"`
	UserDisplayName       string     `json:"userDisplayName"`
	UserType              string     `json:"userType"`
	IsAdmin               bool       `json:"isAdmin"`
	IsMfaCapable          bool       `json:"isMfaCapable"`
	IsMfaRegistered       bool       `json:"isMfaRegistered"`
	IsPasswordlessCapable bool       `json:"isPasswordlessCapable"`
	IsSsprRegistered      bool       `json:"isSsprRegistered"`
	MethodsRegistered     []string   `json:"methodsRegistered"`
	LastUpdatedDateTime   *time.Time `json:"lastUpdatedDateTime"`
}

// SecurityDefaults is identitySecurityDefaultsEnforcementPolicy.
type SecurityDefaults struct {
	ID        string `json:"id"`
	IsEnabled bool   `json:"isEnabled"`
}

// CAPolicy is a Conditional Access policy.
type CAPolicy struct {
	ID               string             `json:"id"`
	DisplayName      string             `json:"displayName"`
	State            string             `json:"state"`
	CreatedDateTime  *time.Time         `json:"createdDateTime"`
	ModifiedDateTime *time.Time         `json:"modifiedDateTime"`
	TemplateID       string             `json:"templateId"`
	Conditions       CAConditions       `json:"conditions"`
	GrantControls    *CAGrantControls   `json:"grantControls"`
	SessionControls  *CASessionControls `json:"sessionControls"`
}

// CAConditions are the conditions of a policy (ANDed).
type CAConditions struct {
	Users                      *CAUsers               `json:"users"`
	Applications               *CAApplications        `json:"applications"`
	ClientAppTypes             []string               `json:"clientAppTypes"`
	Platforms                  *CAIncludeExclude      `json:"platforms"`
	Locations                  *CAIncludeExclude      `json:"locations"`
	Devices                    *CADevices             `json:"devices"`
	UserRiskLevels             []string               `json:"userRiskLevels"`
	SignInRiskLevels           []string               `json:"signInRiskLevels"`
	ServicePrincipalRiskLevels []string               `json:"servicePrincipalRiskLevels"`
	InsiderRiskLevels          *string                `json:"insiderRiskLevels"`
	AuthenticationFlows        *CAAuthenticationFlows `json:"authenticationFlows"`
	ClientApplications         *CAClientApplications  `json:"clientApplications"`
}

// CAUsers is the users condition.
type CAUsers struct {
	IncludeUsers                 []string  `json:"includeUsers"`
	ExcludeUsers                 []string  `json:"excludeUsers"`
	IncludeGroups                []string  `json:"includeGroups"`
	ExcludeGroups                []string  `json:"excludeGroups"`
	IncludeRoles                 []string  `json:"includeRoles"`
	ExcludeRoles                 []string  `json:"excludeRoles"`
	IncludeGuestsOrExternalUsers *CAGuests `json:"includeGuestsOrExternalUsers"`
	ExcludeGuestsOrExternalUsers *CAGuests `json:"excludeGuestsOrExternalUsers"`
}

// CAGuests selects guest or external user types.
type CAGuests struct {
	GuestOrExternalUserTypes string             `json:"guestOrExternalUserTypes"`
	ExternalTenants          *CAExternalTenants `json:"externalTenants"`
}

// CAExternalTenants selects external tenants.
type CAExternalTenants struct {
	MembershipKind string   `json:"membershipKind"`
	Members        []string `json:"members"`
}

// CAApplications is the resources condition.
type CAApplications struct {
	IncludeApplications                         []string  `json:"includeApplications"`
	ExcludeApplications                         []string  `json:"excludeApplications"`
	IncludeUserActions                          []string  `json:"includeUserActions"`
	IncludeAuthenticationContextClassReferences []string  `json:"includeAuthenticationContextClassReferences"`
	ApplicationFilter                           *CAFilter `json:"applicationFilter"`
}

// CAIncludeExclude is a platforms or locations condition; the JSON names
// differ, so both spellings are decoded.
type CAIncludeExclude struct {
	IncludePlatforms []string `json:"includePlatforms"`
	ExcludePlatforms []string `json:"excludePlatforms"`
	IncludeLocations []string `json:"includeLocations"`
	ExcludeLocations []string `json:"excludeLocations"`
}

// CADevices is the device filter condition.
type CADevices struct {
	DeviceFilter *CAFilter `json:"deviceFilter"`
}

// CAFilter is a rule-based filter.
type CAFilter struct {
	Mode string `json:"mode"`
	Rule string `json:"rule"`
}

// CAAuthenticationFlows is the authentication flows condition.
type CAAuthenticationFlows struct {
	TransferMethods string `json:"transferMethods"`
}

// CAClientApplications targets workload identities.
type CAClientApplications struct {
	IncludeServicePrincipals []string `json:"includeServicePrincipals"`
	ExcludeServicePrincipals []string `json:"excludeServicePrincipals"`
}

// CAGrantControls are the grant controls of a policy.
type CAGrantControls struct {
	Operator                    string                  `json:"operator"`
	BuiltInControls             []string                `json:"builtInControls"`
	CustomAuthenticationFactors []string                `json:"customAuthenticationFactors"`
	TermsOfUse                  []string                `json:"termsOfUse"`
	AuthenticationStrength      *AuthenticationStrength `json:"authenticationStrength"`
}

// CASessionControls are the session controls of a policy.
type CASessionControls struct {
	SignInFrequency   *CASignInFrequency   `json:"signInFrequency"`
	PersistentBrowser *CAPersistentBrowser `json:"persistentBrowser"`
}

// CASignInFrequency is the sign-in frequency session control.
type CASignInFrequency struct {
	IsEnabled         bool   `json:"isEnabled"`
	Type              string `json:"type"`
	Value             *int   `json:"value"`
	FrequencyInterval string `json:"frequencyInterval"`
}

// CAPersistentBrowser is the persistent browser session control.
type CAPersistentBrowser struct {
	IsEnabled bool   `json:"isEnabled"`
	Mode      string `json:"mode"`
}

// AuthenticationStrength is an authentication strength policy (inline in a
// CA grant, or an item of GET /v1.0/policies/authenticationStrengthPolicies).
// Inline strengths may carry only the id; resolve them against the dataset.
type AuthenticationStrength struct {
	ID                  string   `json:"id"`
	DisplayName         string   `json:"displayName"`
	PolicyType          string   `json:"policyType"`
	AllowedCombinations []string `json:"allowedCombinations"`
}

// NamedLocation is an IP or country named location.
type NamedLocation struct {
	ODataType                         string    `json:"@odata.type"`
	ID                                string    `json:"id"`
	DisplayName                       string    `json:"displayName"`
	IsTrusted                         *bool     `json:"isTrusted"`
	IPRanges                          []IPRange `json:"ipRanges"`
	CountriesAndRegions               []string  `json:"countriesAndRegions"`
	IncludeUnknownCountriesAndRegions bool      `json:"includeUnknownCountriesAndRegions"`
}

// IPRange is a CIDR range of an IP named location.
type IPRange struct {
	CidrAddress string `json:"cidrAddress"`
}

// AuthorizationPolicy is GET /v1.0/policies/authorizationPolicy.
type AuthorizationPolicy struct {
	ID                                        string                     `json:"id"`
	AllowInvitesFrom                          string                     `json:"allowInvitesFrom"`
	AllowedToSignUpEmailBasedSubscriptions    *bool                      `json:"allowedToSignUpEmailBasedSubscriptions"`
	AllowedToUseSSPR                          *bool                      `json:"allowedToUseSSPR"`
	AllowEmailVerifiedUsersToJoinOrganization *bool                      `json:"allowEmailVerifiedUsersToJoinOrganization"`
	AllowUserConsentForRiskyApps              *bool                      `json:"allowUserConsentForRiskyApps"`
	BlockMsolPowerShell                       *bool                      `json:"blockMsolPowerShell"`
	GuestUserRoleID                           string                     `json:"guestUserRoleId"`
	DefaultUserRolePermissions                DefaultUserRolePermissions `json:"defaultUserRolePermissions"`
}

// DefaultUserRolePermissions are what members may do by default.
type DefaultUserRolePermissions struct {
	AllowedToCreateApps                      *bool    `json:"allowedToCreateApps"`
	AllowedToCreateSecurityGroups            *bool    `json:"allowedToCreateSecurityGroups"`
	AllowedToCreateTenants                   *bool    `json:"allowedToCreateTenants"`
	AllowedToReadBitlockerKeysForOwnedDevice *bool    `json:"allowedToReadBitlockerKeysForOwnedDevice"`
	AllowedToReadOtherUsers                  *bool    `json:"allowedToReadOtherUsers"`
	PermissionGrantPoliciesAssigned          []string `json:"permissionGrantPoliciesAssigned"`
}

// AuthenticationMethodsPolicy is GET /v1.0/policies/authenticationMethodsPolicy.
type AuthenticationMethodsPolicy struct {
	ID                                 string                    `json:"id"`
	PolicyVersion                      string                    `json:"policyVersion"`
	PolicyMigrationState               *string                   `json:"policyMigrationState"`
	AuthenticationMethodConfigurations []AuthMethodConfiguration `json:"authenticationMethodConfigurations"`
}

// Configuration returns the configuration with the given id ("Sms",
// "MicrosoftAuthenticator", …), matched case-insensitively.
func (p *AuthenticationMethodsPolicy) Configuration(id string) (AuthMethodConfiguration, bool) {
	for _, c := range p.AuthenticationMethodConfigurations {
		if strings.EqualFold(c.ID, id) {
			return c, true
		}
	}
	return AuthMethodConfiguration{}, false
}

// AuthMethodConfiguration is one method's configuration.
type AuthMethodConfiguration struct {
	ODataType       string                 `json:"@odata.type"`
	ID              string                 `json:"id"`
	State           string                 `json:"state"`
	IncludeTargets  []AuthMethodTarget     `json:"includeTargets"`
	ExcludeTargets  []AuthMethodTarget     `json:"excludeTargets"`
	FeatureSettings *AuthenticatorFeatures `json:"featureSettings"`
}

// AuthMethodTarget is an include or exclude target.
type AuthMethodTarget struct {
	ID         string `json:"id"`
	TargetType string `json:"targetType"`
}

// AuthenticatorFeatures are Microsoft Authenticator feature settings.
type AuthenticatorFeatures struct {
	DisplayAppInformationRequiredState      *FeatureTarget `json:"displayAppInformationRequiredState"`
	DisplayLocationInformationRequiredState *FeatureTarget `json:"displayLocationInformationRequiredState"`
	NumberMatchingRequiredState             *FeatureTarget `json:"numberMatchingRequiredState"`
}

// FeatureTarget is a feature's state and the users it applies to.
type FeatureTarget struct {
	State         string           `json:"state"`
	IncludeTarget AuthMethodTarget `json:"includeTarget"`
	ExcludeTarget AuthMethodTarget `json:"excludeTarget"`
}

// AdminConsentRequestPolicy is GET /v1.0/policies/adminConsentRequestPolicy.
type AdminConsentRequestPolicy struct {
	IsEnabled             bool                `json:"isEnabled"`
	NotifyReviewers       bool                `json:"notifyReviewers"`
	RemindersEnabled      bool                `json:"remindersEnabled"`
	RequestDurationInDays int                 `json:"requestDurationInDays"`
	Reviewers             []AccessReviewScope `json:"reviewers"`
}

// AccessReviewScope is a reviewer query.
type AccessReviewScope struct {
	Query     string `json:"query"`
	QueryType string `json:"queryType"`
	QueryRoot string `json:"queryRoot"`
}

// RoleDefinition is a directory role definition.
type RoleDefinition struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	TemplateID  string `json:"templateId"`
	IsBuiltIn   bool   `json:"isBuiltIn"`
}

// RoleAssignment is a directory role assignment with its principal expanded.
type RoleAssignment struct {
	ID               string           `json:"id"`
	PrincipalID      string           `json:"principalId"`
	RoleDefinitionID string           `json:"roleDefinitionId"`
	DirectoryScopeID string           `json:"directoryScopeId"`
	Principal        *DirectoryObject `json:"principal"`
}

// DirectoryObject is an expanded principal (user, group or service
// principal).
type DirectoryObject struct {
	ODataType             string `json:"@odata.type"`
	ID                    string `json:"id"`
	DisplayName           string `json:"displayName"`
	UserPrincipalName     string `json:"userPrincipalName"`
	Mail                  string `json:"mail"`
	UserType              string `json:"userType"`
	OnPremisesSyncEnabled *bool  `json:"onPremisesSyncEnabled"`
	// AccountEnabled is set on expanded users (e.g. a role assignment's
	// principal); nil when absent.
	AccountEnabled *bool  `json:"accountEnabled"`
	AppID          string `json:"appId"`
}

// Kind returns "user", "group", "servicePrincipal" or the raw type.
func (o DirectoryObject) Kind() string {
	t := strings.TrimPrefix(o.ODataType, "#microsoft.graph.")
	return t
}

// CrossTenantAccessPolicyDefault is the default cross-tenant access policy.
type CrossTenantAccessPolicyDefault struct {
	IsServiceDefault         bool             `json:"isServiceDefault"`
	B2BCollaborationInbound  *CrossTenantRule `json:"b2bCollaborationInbound"`
	B2BCollaborationOutbound *CrossTenantRule `json:"b2bCollaborationOutbound"`
}

// CrossTenantRule is an inbound or outbound B2B setting.
type CrossTenantRule struct {
	UsersAndGroups *CrossTenantTargets `json:"usersAndGroups"`
	Applications   *CrossTenantTargets `json:"applications"`
}

// CrossTenantTargets is an access type and its targets.
type CrossTenantTargets struct {
	AccessType string `json:"accessType"`
}

// OAuth2PermissionGrant is a delegated permission grant.
type OAuth2PermissionGrant struct {
	ID          string `json:"id"`
	ClientID    string `json:"clientId"`
	ConsentType string `json:"consentType"`
	PrincipalID string `json:"principalId"`
	ResourceID  string `json:"resourceId"`
	Scope       string `json:"scope"`
}

// Scopes returns the grant's space-separated scopes.
func (g OAuth2PermissionGrant) Scopes() []string { return strings.Fields(g.Scope) }

// ServicePrincipal is an item of GET /v1.0/servicePrincipals.
type ServicePrincipal struct {
	ID                     string             `json:"id"`
	AppID                  string             `json:"appId"`
	DisplayName            string             `json:"displayName"`
	ServicePrincipalType   string             `json:"servicePrincipalType"`
	AppOwnerOrganizationID string             `json:"appOwnerOrganizationId"`
	AccountEnabled         *bool              `json:"accountEnabled"`
	PublisherName          string             `json:"publisherName"`
	VerifiedPublisher      *VerifiedPublisher `json:"verifiedPublisher"`
	KeyCredentials         []Credential       `json:"keyCredentials"`
	PasswordCredentials    []Credential       `json:"passwordCredentials"`
	CreatedDateTime        *time.Time         `json:"createdDateTime"`
	Tags                   []string           `json:"tags"`
	AppRoles               []AppRole          `json:"appRoles"`
	OAuth2PermissionScopes []PermissionScope  `json:"oauth2PermissionScopes"`
}

// IsMicrosoft reports whether the service principal is a Microsoft
// first-party application: its owning tenant is one of the tenants that own
// Microsoft's first-party apps.
func (sp ServicePrincipal) IsMicrosoft() bool {
	for _, t := range [...]string{"f8cdef31-a31e-4b4a-93e4-5f571e91255a", "72f988bf-86f1-41af-91ab-2d7cd011db47"} {
		if strings.EqualFold(sp.AppOwnerOrganizationID, t) {
			return true
		}
	}
	return false
}

// VerifiedPublisher is an app's verified publisher.
type VerifiedPublisher struct {
	DisplayName         string `json:"displayName"`
	VerifiedPublisherID string `json:"verifiedPublisherId"`
}

// Credential is credential metadata (never the secret itself).
type Credential struct {
	KeyID         string     `json:"keyId"`
	DisplayName   string     `json:"displayName"`
	StartDateTime *time.Time `json:"startDateTime"`
	EndDateTime   *time.Time `json:"endDateTime"`
	Type          string     `json:"type"`
	Usage         string     `json:"usage"`
}

// AppRole is an app role a resource exposes.
type AppRole struct {
	ID          string `json:"id"`
	Value       string `json:"value"`
	DisplayName string `json:"displayName"`
}

// PermissionScope is a delegated permission a resource exposes.
type PermissionScope struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

// Application is an app registration.
type Application struct {
	ID                  string             `json:"id"`
	AppID               string             `json:"appId"`
	DisplayName         string             `json:"displayName"`
	CreatedDateTime     *time.Time         `json:"createdDateTime"`
	SignInAudience      string             `json:"signInAudience"`
	PublisherDomain     string             `json:"publisherDomain"`
	VerifiedPublisher   *VerifiedPublisher `json:"verifiedPublisher"`
	KeyCredentials      []Credential       `json:"keyCredentials"`
	PasswordCredentials []Credential       `json:"passwordCredentials"`
}
