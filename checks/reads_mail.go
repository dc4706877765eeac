package checks

import "github.com/m365audit/m365audit/collectors/snapshot"

// Dataset reads of the mail blast-radius checks (see reads.go).

// IncidentMessageTrace records a read of DSIncidentMessageTrace and returns the incident users' message trace.
func (c *Context) IncidentMessageTrace() ([]snapshot.MessageTrace, error) {
	return c.data(snapshot.DSIncidentMessageTrace).IncidentMessageTrace()
}

// IncidentAuditLog records a read of DSIncidentAuditLog and returns the unified audit log records.
func (c *Context) IncidentAuditLog() ([]snapshot.AuditLogRecord, error) {
	return c.data(snapshot.DSIncidentAuditLog).IncidentAuditLog()
}

// IncidentInboxRules records a read of DSIncidentInboxRules and returns Get-InboxRule -IncludeHidden by user id.
func (c *Context) IncidentInboxRules() (map[string][]snapshot.ExoInboxRule, error) {
	return c.data(snapshot.DSIncidentInboxRules).IncidentInboxRules()
}

// BlockedSenders records a read of DSExoBlockedSenders and returns Get-BlockedSenderAddress.
func (c *Context) BlockedSenders() ([]snapshot.BlockedSender, error) {
	return c.data(snapshot.DSExoBlockedSenders).BlockedSenders()
}
