package snapshot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Exchange rows are PowerShell objects rendered as JSON: booleans may come as
// true/false or "True"/"False", multi-valued properties as an array or a
// single string, numbers as numbers or strings ("Unlimited"). The lenient
// types below accept all of these; annotation keys (Prop@odata.type) are
// ignored by decoding.

// Bool is an optional boolean. The zero value is "null" (not set).
type Bool struct {
	Valid bool
	Value bool
}

// True reports whether the value is set and true.
func (b Bool) True() bool { return b.Valid && b.Value }

// False reports whether the value is set and false.
func (b Bool) False() bool { return b.Valid && !b.Value }

// String renders True, False or null.
func (b Bool) String() string {
	switch {
	case !b.Valid:
		return "null"
	case b.Value:
		return "True"
	}
	return "False"
}

// UnmarshalJSON accepts true, false, "True", "False", "$true", 1, 0 and null.
func (b *Bool) UnmarshalJSON(data []byte) error {
	s := strings.TrimSpace(string(data))
	if s == "null" || s == `""` {
		*b = Bool{}
		return nil
	}
	s = strings.Trim(s, `"`)
	switch strings.ToLower(strings.TrimPrefix(s, "$")) {
	case "true", "1":
		*b = Bool{Valid: true, Value: true}
	case "false", "0":
		*b = Bool{Valid: true, Value: false}
	default:
		return fmt.Errorf("not a boolean: %s", data)
	}
	return nil
}

// MarshalJSON writes true, false or null.
func (b Bool) MarshalJSON() ([]byte, error) {
	if !b.Valid {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatBool(b.Value)), nil
}

// Int is an optional number; Raw keeps non-numeric values ("Unlimited").
type Int struct {
	Valid bool
	Value int64
	Raw   string
}

// UnmarshalJSON accepts numbers, numeric strings and other strings.
func (n *Int) UnmarshalJSON(data []byte) error {
	s := strings.TrimSpace(string(data))
	if s == "null" {
		*n = Int{}
		return nil
	}
	s = strings.Trim(s, `"`)
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		*n = Int{Valid: true, Value: v, Raw: s}
		return nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		*n = Int{Valid: true, Value: int64(f), Raw: s}
		return nil
	}
	*n = Int{Raw: s}
	return nil
}

// MarshalJSON writes the number, the raw string, or null.
func (n Int) MarshalJSON() ([]byte, error) {
	switch {
	case n.Valid:
		return []byte(strconv.FormatInt(n.Value, 10)), nil
	case n.Raw != "":
		return json.Marshal(n.Raw)
	}
	return []byte("null"), nil
}

// StringList is a multi-valued property: an array, one string, or null.
type StringList []string

// UnmarshalJSON accepts an array of strings (or of objects, rendered), a
// single string, or null.
func (l *StringList) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, []byte("null")) {
		*l = nil
		return nil
	}
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		if s == "" {
			*l = nil
		} else {
			*l = StringList{s}
		}
		return nil
	}
	if len(data) > 0 && data[0] == '[' {
		// The common case, an array of strings, decodes directly; only a
		// list holding other values takes the element-by-element path.
		var strs []string
		if err := json.Unmarshal(data, &strs); err == nil {
			*l = strs
			return nil
		}
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("not a list: %w", err)
	}
	out := make(StringList, 0, len(raw))
	for _, r := range raw {
		var s string
		if err := json.Unmarshal(r, &s); err == nil {
			out = append(out, s)
			continue
		}
		out = append(out, string(bytes.TrimSpace(r)))
	}
	*l = out
	return nil
}

// OrganizationConfig is a row of Get-OrganizationConfig.
type OrganizationConfig struct {
	Identity                    string `json:"Identity"`
	Name                        string `json:"Name"`
	DisplayName                 string `json:"DisplayName"`
	OAuth2ClientProfileEnabled  Bool   `json:"OAuth2ClientProfileEnabled"`
	AuditDisabled               Bool   `json:"AuditDisabled"`
	DefaultAuthenticationPolicy string `json:"DefaultAuthenticationPolicy"`
	RejectDirectSend            Bool   `json:"RejectDirectSend"`
}

// TransportConfig is a row of Get-TransportConfig.
type TransportConfig struct {
	Identity                         string `json:"Identity"`
	SmtpClientAuthenticationDisabled Bool   `json:"SmtpClientAuthenticationDisabled"`
	AllowLegacyTLSClients            Bool   `json:"AllowLegacyTLSClients"`
}

// AdminAuditLogConfig is a row of Get-AdminAuditLogConfig.
type AdminAuditLogConfig struct {
	Identity                        string `json:"Identity"`
	UnifiedAuditLogIngestionEnabled Bool   `json:"UnifiedAuditLogIngestionEnabled"`
	AdminAuditLogEnabled            Bool   `json:"AdminAuditLogEnabled"`
}

// CASMailbox is a row of Get-CASMailbox.
type CASMailbox struct {
	Identity                         string `json:"Identity"`
	Name                             string `json:"Name"`
	DisplayName                      string `json:"DisplayName"`
	PrimarySmtpAddress               string `json:"PrimarySmtpAddress"`
	ExternalDirectoryObjectID        string `json:"ExternalDirectoryObjectId"`
	PopEnabled                       Bool   `json:"PopEnabled"`
	ImapEnabled                      Bool   `json:"ImapEnabled"`
	SmtpClientAuthenticationDisabled Bool   `json:"SmtpClientAuthenticationDisabled"`
	ActiveSyncEnabled                Bool   `json:"ActiveSyncEnabled"`
	EwsEnabled                       Bool   `json:"EwsEnabled"`
	MAPIEnabled                      Bool   `json:"MAPIEnabled"`
	OWAEnabled                       Bool   `json:"OWAEnabled"`
}

// Label returns the best human name of a CAS mailbox row.
func (c CASMailbox) Label() string {
	return firstNonEmpty(c.PrimarySmtpAddress, c.DisplayName, c.Name, c.Identity)
}

// CASMailboxPlan is a row of Get-CASMailboxPlan.
type CASMailboxPlan struct {
	Identity          string `json:"Identity"`
	Name              string `json:"Name"`
	DisplayName       string `json:"DisplayName"`
	PopEnabled        Bool   `json:"PopEnabled"`
	ImapEnabled       Bool   `json:"ImapEnabled"`
	ActiveSyncEnabled Bool   `json:"ActiveSyncEnabled"`
	OWAEnabled        Bool   `json:"OWAEnabled"`
}

// RemoteDomain is a row of Get-RemoteDomain.
type RemoteDomain struct {
	Identity           string `json:"Identity"`
	Name               string `json:"Name"`
	DomainName         string `json:"DomainName"`
	AutoForwardEnabled Bool   `json:"AutoForwardEnabled"`
	AllowedOOFType     string `json:"AllowedOOFType"`
}

// OutboundSpamPolicy is a row of Get-HostedOutboundSpamFilterPolicy.
type OutboundSpamPolicy struct {
	Identity                                  string     `json:"Identity"`
	Name                                      string     `json:"Name"`
	IsDefault                                 Bool       `json:"IsDefault"`
	Enabled                                   Bool       `json:"Enabled"`
	AutoForwardingMode                        string     `json:"AutoForwardingMode"`
	RecipientLimitExternalPerHour             Int        `json:"RecipientLimitExternalPerHour"`
	RecipientLimitInternalPerHour             Int        `json:"RecipientLimitInternalPerHour"`
	RecipientLimitPerDay                      Int        `json:"RecipientLimitPerDay"`
	ActionWhenThresholdReached                string     `json:"ActionWhenThresholdReached"`
	NotifyOutboundSpam                        Bool       `json:"NotifyOutboundSpam"`
	NotifyOutboundSpamRecipients              StringList `json:"NotifyOutboundSpamRecipients"`
	BccSuspiciousOutboundMail                 Bool       `json:"BccSuspiciousOutboundMail"`
	BccSuspiciousOutboundAdditionalRecipients StringList `json:"BccSuspiciousOutboundAdditionalRecipients"`
}

// OutboundSpamRule is a row of Get-HostedOutboundSpamFilterRule.
type OutboundSpamRule struct {
	Identity                       string     `json:"Identity"`
	Name                           string     `json:"Name"`
	HostedOutboundSpamFilterPolicy string     `json:"HostedOutboundSpamFilterPolicy"`
	State                          string     `json:"State"`
	Priority                       Int        `json:"Priority"`
	From                           StringList `json:"From"`
	FromMemberOf                   StringList `json:"FromMemberOf"`
	SenderDomainIs                 StringList `json:"SenderDomainIs"`
}

// Mailbox is a row of Get-Mailbox.
type Mailbox struct {
	Identity                   string     `json:"Identity"`
	Name                       string     `json:"Name"`
	DisplayName                string     `json:"DisplayName"`
	UserPrincipalName          string     `json:"UserPrincipalName"`
	PrimarySmtpAddress         string     `json:"PrimarySmtpAddress"`
	ExternalDirectoryObjectID  string     `json:"ExternalDirectoryObjectId"`
	RecipientTypeDetails       string     `json:"RecipientTypeDetails"`
	ForwardingAddress          string     `json:"ForwardingAddress"`
	ForwardingSmtpAddress      string     `json:"ForwardingSmtpAddress"`
	DeliverToMailboxAndForward Bool       `json:"DeliverToMailboxAndForward"`
	AuditEnabled               Bool       `json:"AuditEnabled"`
	AuditLogAgeLimit           string     `json:"AuditLogAgeLimit"`
	AuditAdmin                 StringList `json:"AuditAdmin"`
	AuditDelegate              StringList `json:"AuditDelegate"`
	AuditOwner                 StringList `json:"AuditOwner"`
	WhenChanged                string     `json:"WhenChanged"`
	GrantSendOnBehalfTo        StringList `json:"GrantSendOnBehalfTo"`
}

// Label returns the best human name of a mailbox row.
func (m Mailbox) Label() string {
	return firstNonEmpty(m.UserPrincipalName, m.PrimarySmtpAddress, m.DisplayName, m.Name, m.Identity)
}

// AuditBypassAssociation is a row of Get-MailboxAuditBypassAssociation.
type AuditBypassAssociation struct {
	Identity           string `json:"Identity"`
	Name               string `json:"Name"`
	AuditBypassEnabled Bool   `json:"AuditBypassEnabled"`
}

// TransportRule is a row of Get-TransportRule.
type TransportRule struct {
	Identity          string     `json:"Identity"`
	Name              string     `json:"Name"`
	State             string     `json:"State"`
	Mode              string     `json:"Mode"`
	Priority          Int        `json:"Priority"`
	WhenChanged       string     `json:"WhenChanged"`
	RedirectMessageTo StringList `json:"RedirectMessageTo"`
	BlindCopyTo       StringList `json:"BlindCopyTo"`
	AddToRecipients   StringList `json:"AddToRecipients"`
	CopyTo            StringList `json:"CopyTo"`
	SetSCL            Int        `json:"SetSCL"`
	SenderDomainIs    StringList `json:"SenderDomainIs"`
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
