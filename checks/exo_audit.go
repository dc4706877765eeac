package checks

import "fmt"

// evalEXOAud001: the unified audit log ingests Exchange and other workload
// events. A null value means the property was not collected: unknown.
func evalEXOAud001(c *Context) Outcome {
	cfg, err := c.Snap.AdminAuditLogConfig()
	if err != nil {
		return Unknown(err)
	}
	v := cfg.UnifiedAuditLogIngestionEnabled
	obj := exoFirst(cfg.Identity, "AdminAuditLogConfig")
	switch {
	case v.True():
		return exoOutcome(StatusPass, nil, "Unified audit log ingestion is enabled (UnifiedAuditLogIngestionEnabled = True).")
	case v.False():
		return exoOutcome(StatusFail, []Affected{exoSetting(obj, "UnifiedAuditLogIngestionEnabled", "False: no unified audit log is recorded")},
			"Unified audit log ingestion is disabled (UnifiedAuditLogIngestionEnabled = False): mailbox and admin activity is not recorded, so an incident cannot be reconstructed.")
	}
	return exoOutcome(StatusUnknown, nil, "Not evaluated: UnifiedAuditLogIngestionEnabled is not reported in Get-AdminAuditLogConfig (null).")
}

// evalEXOAud002: mailbox auditing is on by default for the organisation
// (AuditDisabled False). A null value is unknown.
func evalEXOAud002(c *Context) Outcome {
	oc, err := c.Snap.OrganizationConfig()
	if err != nil {
		return Unknown(err)
	}
	v := oc.AuditDisabled
	obj := exoFirst(oc.Identity, oc.Name, "OrganizationConfig")
	switch {
	case v.False():
		return exoOutcome(StatusPass, nil, "Mailbox auditing is on by default for the organisation (AuditDisabled = False).")
	case v.True():
		return exoOutcome(StatusFail, []Affected{exoSetting(obj, "AuditDisabled", "True: mailbox auditing is off for every mailbox")},
			"Mailbox auditing is turned off for the whole organisation (AuditDisabled = True), whatever each mailbox's own audit settings say.")
	}
	return exoOutcome(StatusUnknown, nil, "Not evaluated: AuditDisabled is not reported in Get-OrganizationConfig (null).")
}

// evalEXOAud004: no account bypasses mailbox audit logging. A row whose
// AuditBypassEnabled is null cannot pass.
func evalEXOAud004(c *Context) Outcome {
	rows, err := c.Snap.AuditBypassAssociations()
	if err != nil {
		return Unknown(err)
	}
	var bad, unknown []Affected
	for _, r := range rows {
		a := Affected{Kind: "auditBypassAssociation", ID: exoFirst(r.Identity, r.Name), Name: exoFirst(r.Name, r.Identity, "(unnamed account)"),
			Extra: map[string]string{"identity": exoFirst(r.Identity, r.Name)}}
		switch {
		case r.AuditBypassEnabled.True():
			a.Detail = "AuditBypassEnabled = True: mailbox access by this account is not audited"
			bad = append(bad, a)
		case !r.AuditBypassEnabled.Valid:
			a.Detail = "AuditBypassEnabled not reported (null)"
			unknown = append(unknown, a)
		}
	}
	switch {
	case len(bad) > 0:
		o := exoOutcome(StatusFail, bad, "%s bypass%s mailbox audit logging, so what %s in mailboxes leaves no trace: %s.",
			exoPlural(len(bad), "account", "accounts"), exoPluralWord(len(bad), "es", ""), exoPluralWord(len(bad), "it does", "they do"), exoNames(exoAffectedNames(bad), 5))
		if len(unknown) > 0 {
			o.Summary += fmt.Sprintf(" %s %s not report the setting.", exoPlural(len(unknown), "further association", "further associations"), exoPluralWord(len(unknown), "does", "do"))
		}
		return o
	case len(unknown) > 0:
		return exoOutcome(StatusUnknown, unknown, "No account is known to bypass mailbox auditing, but %s %s not report AuditBypassEnabled (null): %s.",
			exoPlural(len(unknown), "association", "associations"), exoPluralWord(len(unknown), "does", "do"), exoNames(exoAffectedNames(unknown), 5))
	}
	if len(rows) == 0 {
		// The cmdlet returns one association per mailbox and user; none at
		// all while the tenant has mailboxes means the answer is missing,
		// not that nothing bypasses auditing.
		if boxes, err := c.Snap.Mailboxes(); err == nil && len(boxes) > 0 {
			return exoOutcome(StatusUnknown, nil, "Not evaluated: Get-MailboxAuditBypassAssociation returned no rows although the tenant has %s; it normally returns one per mailbox and user.", exoPlural(len(boxes), "mailbox", "mailboxes"))
		}
	}
	return exoOutcome(StatusPass, nil, "No account bypasses mailbox audit logging (%s checked).", exoPlural(len(rows), "association", "associations"))
}
