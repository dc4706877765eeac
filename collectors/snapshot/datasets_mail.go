package snapshot

import (
	"encoding/json"
	"strings"
	"time"
)

// Mailbox blast-radius datasets of an incident: what the compromised
// mailbox sent (message trace), what was done in it (the unified audit log
// through Graph's audit log query API), its hidden inbox rules, and whether
// Exchange Online restricted it from sending.
const (
	DSIncidentMessageTrace = "incidentMessageTrace"
	DSIncidentAuditLog     = "incidentAuditLog"
	DSIncidentInboxRules   = "incidentInboxRules"
	DSExoBlockedSenders    = "exoBlockedSenderAddress"
)

// Paths and limits of the mail datasets.
const (
	// MessageTracePath is the Graph message trace collection.
	MessageTracePath = "/v1.0/admin/exchange/tracing/messageTraces"
	// AuditLogQueriesPath is where audit log queries are created (the one
	// POST collection sends) and read back.
	AuditLogQueriesPath = "/v1.0/security/auditLog/queries"
	// MessageTraceBaseline is how long before the incident start the trace
	// reaches, so mail the user normally sends (and its recipients) is known.
	MessageTraceBaseline = 10 * 24 * time.Hour
	// MessageTraceChunk is the longest time range one message trace query
	// may cover.
	MessageTraceChunk = 10 * 24 * time.Hour
	// MessageTraceRetention is how far back the message trace reaches.
	MessageTraceRetention = 90 * 24 * time.Hour
)

// AuditLogOperations are the unified audit log operations collected for an
// incident.
func AuditLogOperations() []string {
	return []string{"New-InboxRule", "Set-InboxRule", "Remove-InboxRule", "Enable-InboxRule", "Disable-InboxRule", "UpdateInboxRules",
		"Set-Mailbox", "Add-MailboxPermission", "Add-RecipientPermission", "Send", "SendAs", "SendOnBehalf",
		"MailItemsAccessed", "HardDelete", "SoftDelete", "MoveToDeletedItems"}
}

// mailSpecs are the mail datasets (appended to Specs()).
func mailSpecs() []Spec {
	exo := "Exchange.ManageAsApp + Global Reader"
	return []Spec{
		{ID: DSIncidentMessageTrace, Title: "Message trace of incident users (mail they sent)", Source: SourceGraph, Shape: ShapeList, Incident: true,
			Path:       MessageTracePath,
			Query:      "$filter=senderAddress eq '{sender}' and receivedDateTime ge {from} and receivedDateTime le {to}&$top=5000",
			Permission: "ExchangeMessageTrace.Read.All", Licence: "Exchange Online (global cloud only)"},
		{ID: DSIncidentAuditLog, Title: "Unified audit log of incident users (audit log query)", Source: SourceGraph, Shape: ShapeList, Incident: true,
			Path:       AuditLogQueriesPath,
			Permission: "AuditLogsQuery.Read.All", Licence: "Microsoft Purview Audit (MailItemsAccessed: Audit Premium)"},
		{ID: DSIncidentInboxRules, Title: "Inbox rules of incident users, hidden ones included (Exchange)", Source: SourceExchange, Shape: ShapePerKey, Incident: true,
			Cmdlet: "Get-InboxRule", Params: map[string]any{"Mailbox": "{upn}", "IncludeHidden": true}, KeyedBy: "incident user object id",
			Permission: exo},
		{ID: DSExoBlockedSenders, Title: "Restricted senders (blocked for sending spam)", Source: SourceExchange, Shape: ShapeList, Incident: true,
			Cmdlet: "Get-BlockedSenderAddress", Params: map[string]any{}, Permission: exo},
	}
}

// PerKeyParams returns the cmdlet parameters of a per-key Exchange dataset
// for one user: the spec's parameters with "{upn}" replaced, or Identity
// when the spec has none.
func PerKeyParams(s Spec, upn string) map[string]any {
	if len(s.Params) == 0 {
		return map[string]any{"Identity": upn}
	}
	out := make(map[string]any, len(s.Params))
	for k, v := range s.Params {
		if str, ok := v.(string); ok && str == "{upn}" {
			v = upn
		}
		out[k] = v
	}
	return out
}

// MessageTrace is an item of GET /v1.0/admin/exchange/tracing/messageTraces:
// one row per message and recipient.
type MessageTrace struct {
	ID               string    `json:"id"`
	MessageID        string    `json:"messageId"`
	SenderAddress    string    `json:"senderAddress"`
	RecipientAddress string    `json:"recipientAddress"`
	ReceivedDateTime time.Time `json:"receivedDateTime"`
	Subject          string    `json:"subject"`
	Size             int64     `json:"size"`
	FromIP           string    `json:"fromIP"`
	ToIP             string    `json:"toIP"`
	Status           string    `json:"status"`
}

// AuditLogRecord is an item of GET /v1.0/security/auditLog/queries/{id}/records.
type AuditLogRecord struct {
	ID                 string          `json:"id"`
	CreatedDateTime    time.Time       `json:"createdDateTime"`
	AuditLogRecordType string          `json:"auditLogRecordType"`
	Operation          string          `json:"operation"`
	Service            string          `json:"service"`
	UserID             string          `json:"userId"`
	UserPrincipalName  string          `json:"userPrincipalName"`
	UserType           string          `json:"userType"`
	ClientIP           string          `json:"clientIp"`
	ObjectID           string          `json:"objectId"`
	AuditData          json.RawMessage `json:"auditData"`
}

// AuditData is the part of a unified audit log record's auditData this
// tool reads (Exchange admin cmdlets and mailbox item events).
type AuditData struct {
	Operation           string          `json:"Operation"`
	ResultStatus        string          `json:"ResultStatus"`
	ObjectID            string          `json:"ObjectId"`
	UserID              string          `json:"UserId"`
	ClientIP            string          `json:"ClientIP"`
	ClientIPAddress     string          `json:"ClientIPAddress"`
	SessionID           string          `json:"SessionId"`
	MailboxOwnerUPN     string          `json:"MailboxOwnerUPN"`
	MailboxGUID         string          `json:"MailboxGuid"`
	LogonType           json.RawMessage `json:"LogonType"`
	OperationCount      int             `json:"OperationCount"`
	Parameters          []NameValue     `json:"Parameters"`
	OperationProperties []NameValue     `json:"OperationProperties"`
	AffectedItems       []AuditItem     `json:"AffectedItems"`
	Folders             []AuditFolder   `json:"Folders"`
	Item                *AuditItem      `json:"Item"`
}

// NameValue is a cmdlet parameter or an operation property of an audit
// record.
type NameValue struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// AuditItem is a mail item an audit record touched.
type AuditItem struct {
	ID                string       `json:"Id"`
	InternetMessageID string       `json:"InternetMessageId"`
	Subject           string       `json:"Subject"`
	ParentFolder      *AuditFolder `json:"ParentFolder"`
}

// AuditFolder is a folder of a mailbox audit record.
type AuditFolder struct {
	ID          string      `json:"Id"`
	Path        string      `json:"Path"`
	FolderItems []AuditItem `json:"FolderItems"`
}

// Data decodes the record's auditData (zero value when absent or not an
// object).
func (r AuditLogRecord) Data() AuditData {
	var d AuditData
	if len(r.AuditData) > 0 {
		_ = json.Unmarshal(r.AuditData, &d)
	}
	return d
}

// IP is the client address of the record (Graph's clientIp, else the
// audit data's), without a port.
func (r AuditLogRecord) IP() string {
	d := r.Data()
	for _, v := range []string{r.ClientIP, d.ClientIPAddress, d.ClientIP} {
		if v = cleanIP(v); v != "" {
			return v
		}
	}
	return ""
}

// cleanIP strips brackets and a port from an audit address
// ("[2001:db8::1]:443", "203.0.113.45:51234").
func cleanIP(v string) string {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "[") {
		if end := strings.Index(v, "]"); end > 0 {
			return v[1:end]
		}
	}
	if strings.Count(v, ":") == 1 {
		v, _, _ = strings.Cut(v, ":")
	}
	return v
}

// Param returns a cmdlet parameter's value (case-insensitive name).
func (d AuditData) Param(name string) string {
	for _, p := range d.Parameters {
		if strings.EqualFold(p.Name, name) {
			return p.Value
		}
	}
	return ""
}

// Property returns an operation property's value (case-insensitive name).
func (d AuditData) Property(name string) string {
	for _, p := range d.OperationProperties {
		if strings.EqualFold(p.Name, name) {
			return p.Value
		}
	}
	return ""
}

// ExoInboxRule is a row of Get-InboxRule -IncludeHidden.
type ExoInboxRule struct {
	Identity              string   `json:"Identity"`
	Name                  string   `json:"Name"`
	RuleIdentity          string   `json:"RuleIdentity"`
	Enabled               Bool     `json:"Enabled"`
	Priority              Int      `json:"Priority"`
	MailboxOwnerID        string   `json:"MailboxOwnerId"`
	Description           string   `json:"Description"`
	ForwardTo             []string `json:"ForwardTo"`
	ForwardAsAttachmentTo []string `json:"ForwardAsAttachmentTo"`
	RedirectTo            []string `json:"RedirectTo"`
	DeleteMessage         Bool     `json:"DeleteMessage"`
	SoftDeleteMessage     Bool     `json:"SoftDeleteMessage"`
	MarkAsRead            Bool     `json:"MarkAsRead"`
	MoveToFolder          string   `json:"MoveToFolder"`
	SubjectContainsWords  []string `json:"SubjectContainsWords"`
	From                  []string `json:"From"`
	StopProcessingRules   Bool     `json:"StopProcessingRules"`
}

// BlockedSender is a row of Get-BlockedSenderAddress.
type BlockedSender struct {
	SenderAddress   string `json:"SenderAddress"`
	Reason          string `json:"Reason"`
	CreatedDatetime string `json:"CreatedDatetime"`
	ChangedDatetime string `json:"ChangedDatetime"`
}

// IncidentMessageTrace returns the message trace rows of the incident users.
func (s *Snapshot) IncidentMessageTrace() ([]MessageTrace, error) {
	return List[MessageTrace](s, DSIncidentMessageTrace)
}

// IncidentAuditLog returns the unified audit log records of the incident.
func (s *Snapshot) IncidentAuditLog() ([]AuditLogRecord, error) {
	return List[AuditLogRecord](s, DSIncidentAuditLog)
}

// IncidentInboxRules returns the Exchange inbox rules (hidden included) by
// incident user object id.
func (s *Snapshot) IncidentInboxRules() (map[string][]ExoInboxRule, error) {
	return PerKey[ExoInboxRule](s, DSIncidentInboxRules)
}

// BlockedSenders returns the restricted senders list.
func (s *Snapshot) BlockedSenders() ([]BlockedSender, error) {
	return List[BlockedSender](s, DSExoBlockedSenders)
}
