package snapshot

import (
	"strings"
	"time"
)

// Incident datasets: directory audits, sign-ins, risk, and the per-user data
// collected for incident users.

// DirectoryAudit is an item of GET /v1.0/auditLogs/directoryAudits.
type DirectoryAudit struct {
	ID                  string           `json:"id"`
	Category            string           `json:"category"`
	CorrelationID       string           `json:"correlationId"`
	Result              string           `json:"result"`
	ResultReason        string           `json:"resultReason"`
	ActivityDisplayName string           `json:"activityDisplayName"`
	ActivityDateTime    time.Time        `json:"activityDateTime"`
	LoggedByService     string           `json:"loggedByService"`
	OperationType       string           `json:"operationType"`
	InitiatedBy         AuditInitiator   `json:"initiatedBy"`
	TargetResources     []TargetResource `json:"targetResources"`
	AdditionalDetails   []KeyValue       `json:"additionalDetails"`
}

// AuditInitiator is who performed an audited activity: a user or an app.
type AuditInitiator struct {
	User *AuditUser `json:"user"`
	App  *AuditApp  `json:"app"`
}

// AuditUser is a user that initiated an activity.
type AuditUser struct {
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	UserPrincipalName string `json:"userPrincipalName"`
	IPAddress         string `json:"ipAddress"`
}

// AuditApp is an application that initiated an activity.
type AuditApp struct {
	AppID                string `json:"appId"`
	DisplayName          string `json:"displayName"`
	ServicePrincipalID   string `json:"servicePrincipalId"`
	ServicePrincipalName string `json:"servicePrincipalName"`
}

// Label names the initiator: the user's UPN, else the app's name.
func (i AuditInitiator) Label() string {
	if i.User != nil {
		return firstNonEmpty(i.User.UserPrincipalName, i.User.DisplayName, i.User.ID)
	}
	if i.App != nil {
		return firstNonEmpty(i.App.DisplayName, i.App.ServicePrincipalName, i.App.AppID) + " (app)"
	}
	return "unknown"
}

// TargetResource is an object an audited activity touched.
type TargetResource struct {
	ID                 string             `json:"id"`
	DisplayName        string             `json:"displayName"`
	Type               string             `json:"type"`
	UserPrincipalName  string             `json:"userPrincipalName"`
	ModifiedProperties []ModifiedProperty `json:"modifiedProperties"`
}

// ModifiedProperty is a property an activity changed (values are JSON text).
type ModifiedProperty struct {
	DisplayName string `json:"displayName"`
	OldValue    string `json:"oldValue"`
	NewValue    string `json:"newValue"`
}

// KeyValue is an additional detail of an audit record.
type KeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// SignIn is an item of GET /beta/auditLogs/signIns.
type SignIn struct {
	ID                        string          `json:"id"`
	CreatedDateTime           time.Time       `json:"createdDateTime"`
	UserID                    string          `json:"userId"`
	UserPrincipalName         string          `json:"userPrincipalName"`
	UserDisplayName           string          `json:"userDisplayName"`
	UserType                  string          `json:"userType"`
	AppID                     string          `json:"appId"`
	AppDisplayName            string          `json:"appDisplayName"`
	ResourceDisplayName       string          `json:"resourceDisplayName"`
	IPAddress                 string          `json:"ipAddress"`
	ClientAppUsed             string          `json:"clientAppUsed"`
	ConditionalAccessStatus   string          `json:"conditionalAccessStatus"`
	IsInteractive             bool            `json:"isInteractive"`
	AuthenticationRequirement string          `json:"authenticationRequirement"`
	Status                    SignInStatus    `json:"status"`
	Location                  *SignInLocation `json:"location"`
	RiskLevelDuringSignIn     string          `json:"riskLevelDuringSignIn"`
	RiskState                 string          `json:"riskState"`
}

// Succeeded reports whether the sign-in succeeded (error code 0).
func (s SignIn) Succeeded() bool { return s.Status.ErrorCode == 0 }

// Place renders the sign-in location as "City, Country" (or "").
func (s SignIn) Place() string {
	if s.Location == nil {
		return ""
	}
	var parts []string
	for _, p := range []string{s.Location.City, s.Location.CountryOrRegion} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// SignInStatus is the outcome of a sign-in.
type SignInStatus struct {
	ErrorCode         int    `json:"errorCode"`
	FailureReason     string `json:"failureReason"`
	AdditionalDetails string `json:"additionalDetails"`
}

// SignInLocation is where a sign-in came from.
type SignInLocation struct {
	City            string `json:"city"`
	State           string `json:"state"`
	CountryOrRegion string `json:"countryOrRegion"`
}

// RiskyUser is an item of GET /v1.0/identityProtection/riskyUsers.
type RiskyUser struct {
	ID                      string     `json:"id"`
	UserPrincipalName       string     `json:"userPrincipalName"`
	UserDisplayName         string     `json:"userDisplayName"`
	RiskLevel               string     `json:"riskLevel"`
	RiskState               string     `json:"riskState"`
	RiskDetail              string     `json:"riskDetail"`
	RiskLastUpdatedDateTime *time.Time `json:"riskLastUpdatedDateTime"`
	IsDeleted               bool       `json:"isDeleted"`
}

// RiskDetection is an item of GET /v1.0/identityProtection/riskDetections.
type RiskDetection struct {
	ID                string          `json:"id"`
	UserID            string          `json:"userId"`
	UserPrincipalName string          `json:"userPrincipalName"`
	RiskEventType     string          `json:"riskEventType"`
	RiskLevel         string          `json:"riskLevel"`
	RiskState         string          `json:"riskState"`
	DetectedDateTime  *time.Time      `json:"detectedDateTime"`
	IPAddress         string          `json:"ipAddress"`
	Activity          string          `json:"activity"`
	Source            string          `json:"source"`
	Location          *SignInLocation `json:"location"`
}

// AuthMethod is an item of GET /v1.0/users/{id}/authentication/methods
// (polymorphic: the @odata.type says which method).
type AuthMethod struct {
	ODataType       string     `json:"@odata.type"`
	ID              string     `json:"id"`
	DisplayName     string     `json:"displayName"`
	CreatedDateTime *time.Time `json:"createdDateTime"`
	PhoneNumber     string     `json:"phoneNumber"`
	PhoneType       string     `json:"phoneType"`
	DeviceTag       string     `json:"deviceTag"`
	PhoneAppVersion string     `json:"phoneAppVersion"`
	EmailAddress    string     `json:"emailAddress"`
	Model           string     `json:"model"`
}

// Type returns the method type without the namespace, e.g.
// "microsoftAuthenticatorAuthenticationMethod".
func (m AuthMethod) Type() string { return strings.TrimPrefix(m.ODataType, "#microsoft.graph.") }

// Label describes the method for people, e.g. "Microsoft Authenticator
// (Galaxy S9)" or "Phone (mobile, +1 555 0100)".
func (m AuthMethod) Label() string {
	kind := strings.TrimSuffix(m.Type(), "AuthenticationMethod")
	names := map[string]string{
		"password": "Password", "microsoftAuthenticator": "Microsoft Authenticator", "phone": "Phone",
		"fido2": "FIDO2 security key", "softwareOath": "Software OATH token", "email": "Email",
		"temporaryAccessPass": "Temporary Access Pass", "windowsHelloForBusiness": "Windows Hello for Business",
		"platformCredential": "Platform credential", "x509Certificate": "Certificate",
	}
	name := names[kind]
	if name == "" {
		name = kind
	}
	var detail []string
	for _, d := range []string{m.DisplayName, m.PhoneType, m.PhoneNumber, m.EmailAddress, m.Model} {
		if d != "" {
			detail = append(detail, d)
		}
	}
	if len(detail) > 0 {
		name += " (" + strings.Join(detail, ", ") + ")"
	}
	return name
}

// MessageRule is an inbox rule (GET /v1.0/users/{id}/mailFolders/inbox/messageRules).
type MessageRule struct {
	ID          string                 `json:"id"`
	DisplayName string                 `json:"displayName"`
	Sequence    int                    `json:"sequence"`
	IsEnabled   bool                   `json:"isEnabled"`
	HasError    bool                   `json:"hasError"`
	IsReadOnly  bool                   `json:"isReadOnly"`
	Conditions  *MessageRulePredicates `json:"conditions"`
	Exceptions  *MessageRulePredicates `json:"exceptions"`
	Actions     *MessageRuleActions    `json:"actions"`
}

// MessageRulePredicates are a rule's conditions or exceptions.
type MessageRulePredicates struct {
	BodyContains          []string    `json:"bodyContains"`
	BodyOrSubjectContains []string    `json:"bodyOrSubjectContains"`
	SubjectContains       []string    `json:"subjectContains"`
	SenderContains        []string    `json:"senderContains"`
	HeaderContains        []string    `json:"headerContains"`
	FromAddresses         []Recipient `json:"fromAddresses"`
}

// MessageRuleActions are what a rule does.
type MessageRuleActions struct {
	ForwardTo             []Recipient `json:"forwardTo"`
	ForwardAsAttachmentTo []Recipient `json:"forwardAsAttachmentTo"`
	RedirectTo            []Recipient `json:"redirectTo"`
	Delete                bool        `json:"delete"`
	PermanentDelete       bool        `json:"permanentDelete"`
	MarkAsRead            bool        `json:"markAsRead"`
	StopProcessingRules   bool        `json:"stopProcessingRules"`
	MoveToFolder          string      `json:"moveToFolder"`
	CopyToFolder          string      `json:"copyToFolder"`
}

// Recipient is a mail recipient.
type Recipient struct {
	EmailAddress EmailAddress `json:"emailAddress"`
}

// EmailAddress is a name and address.
type EmailAddress struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// MailFolder is a mail folder (to resolve rule targets).
type MailFolder struct {
	ID             string `json:"id"`
	DisplayName    string `json:"displayName"`
	ParentFolderID string `json:"parentFolderId"`
	WellKnownName  string `json:"wellKnownName"`
}

// MailboxPermission is a row of Get-MailboxPermission.
type MailboxPermission struct {
	Identity     string     `json:"Identity"`
	User         string     `json:"User"`
	AccessRights StringList `json:"AccessRights"`
	IsInherited  Bool       `json:"IsInherited"`
	Deny         Bool       `json:"Deny"`
}

// DirectoryAudits returns the directory audit log of the incident window.
func (s *Snapshot) DirectoryAudits() ([]DirectoryAudit, error) {
	return List[DirectoryAudit](s, DSDirectoryAudits)
}

// SignIns returns the sign-in log of the incident window.
func (s *Snapshot) SignIns() ([]SignIn, error) { return List[SignIn](s, DSSignIns) }

// RiskyUsers returns the risky users.
func (s *Snapshot) RiskyUsers() ([]RiskyUser, error) { return List[RiskyUser](s, DSRiskyUsers) }

// RiskDetections returns the risk detections of the incident window.
func (s *Snapshot) RiskDetections() ([]RiskDetection, error) {
	return List[RiskDetection](s, DSRiskDetections)
}

// IncidentAuthMethods returns incident users' methods by user object id.
func (s *Snapshot) IncidentAuthMethods() (map[string][]AuthMethod, error) {
	return PerKey[AuthMethod](s, DSIncidentAuthMethods)
}

// IncidentMessageRules returns incident users' inbox rules by user object id.
func (s *Snapshot) IncidentMessageRules() (map[string][]MessageRule, error) {
	return PerKey[MessageRule](s, DSIncidentMessageRules)
}

// IncidentMailFolders returns incident users' mail folders by user object id.
func (s *Snapshot) IncidentMailFolders() (map[string][]MailFolder, error) {
	return PerKey[MailFolder](s, DSIncidentMailFolders)
}

// IncidentMailboxPermissions returns Get-MailboxPermission rows by user id.
func (s *Snapshot) IncidentMailboxPermissions() (map[string][]MailboxPermission, error) {
	return PerKey[MailboxPermission](s, DSIncidentMailboxPerms)
}

// GuestInviters returns each guest's inviter (beta invitedBy) by guest id.
func (s *Snapshot) GuestInviters() (map[string][]DirectoryObject, error) {
	return PerKey[DirectoryObject](s, DSGuestInviters)
}
