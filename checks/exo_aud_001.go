package checks

import (
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEXOAud001 is the ID of check EXO-AUD-001.
const IDEXOAud001 = "EXO-AUD-001"

func exoAud001() Check {
	return Check{Meta: Meta{
		ID: IDEXOAud001, Title: "Unified audit log ingestion is enabled",
		Category: exoCategoryAuditing, Severity: SeverityCritical, Datasets: []string{snapshot.DSExoAdminAuditLogConfig},
		Rationale: "Without the unified audit log there is no record of mailbox or admin activity, so after a compromise nobody can tell what the attacker read, changed or sent.",
		References: References{CIS: []string{"3.1.1"}, CISVersion: exoCIS, SCuBA: []string{"MS.SECURITYSUITE.5.1", "MS.DEFENDER.6.1", "MS.EXO.17.1"},
			Other: []string{"Maester CIS.M365.3.1.1", "Maester CISA.MS.EXO.17.1", "Prowler purview_audit_log_search_enabled"}},
		Remediation: Remediation{
			Summary: "Turn unified audit log ingestion on (and, with Audit Premium, keep Exchange records for twelve months).",
			Steps: []string{
				"Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled $true",
				"With Audit Premium: New-UnifiedAuditLogRetentionPolicy -Name 'Exchange 12m' -RecordTypes ExchangeAdmin,ExchangeItem,ExchangeItemGroup -RetentionDuration TwelveMonths -Priority 100",
			},
			Script: true,
		}},
		Eval: evalEXOAud001}
}

// evalEXOAud001: the unified audit log ingests Exchange and other workload
// events. A null value means the property was not collected: unknown.
func evalEXOAud001(c *Context) Outcome {
	cfg, err := c.AdminAuditLogConfig()
	if err != nil {
		return Unknown(err)
	}
	v := cfg.UnifiedAuditLogIngestionEnabled
	obj := phrase.FirstOf(cfg.Identity, "AdminAuditLogConfig")
	switch {
	case v.True():
		return exoOutcome(StatusPass, nil, "Unified audit log ingestion is enabled (UnifiedAuditLogIngestionEnabled = True).")
	case v.False():
		return exoOutcome(StatusFail, []Affected{exoSetting(obj, "UnifiedAuditLogIngestionEnabled", "False: no unified audit log is recorded")},
			"Unified audit log ingestion is disabled (UnifiedAuditLogIngestionEnabled = False): mailbox and admin activity is not recorded, so an incident cannot be reconstructed.")
	}
	return exoOutcome(StatusUnknown, nil, "Not evaluated: UnifiedAuditLogIngestionEnabled is not reported in Get-AdminAuditLogConfig (null).")
}
