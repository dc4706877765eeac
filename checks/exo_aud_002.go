package checks

import (
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEXOAud002 is the ID of check EXO-AUD-002.
const IDEXOAud002 = "EXO-AUD-002"

func exoAud002() Check {
	return Check{Meta: Meta{
		ID: IDEXOAud002, Title: "Mailbox auditing is on by default for the organisation",
		Category: exoCategoryAuditing, Severity: SeverityHigh, Datasets: []string{snapshot.DSExoOrganizationConfig},
		Rationale: "AuditDisabled True switches mailbox auditing off for every mailbox, whatever their own settings say, so mailbox access during an incident is not recorded.",
		References: References{CIS: []string{"6.1.1"}, CISVersion: exoCIS, SCuBA: []string{"MS.EXO.13.1"},
			Other: []string{"Maester CISA.MS.EXO.13.1", "Prowler exchange_organization_mailbox_auditing_enabled"}},
		Remediation: Remediation{
			Summary: "Turn mailbox auditing on for the organisation.",
			Steps:   []string{"Set-OrganizationConfig -AuditDisabled $false"},
			Script:  true,
		}},
		Eval: evalEXOAud002}
}

// evalEXOAud002: mailbox auditing is on by default for the organisation
// (AuditDisabled False). A null value is unknown.
func evalEXOAud002(c *Context) Outcome {
	oc, err := c.OrganizationConfig()
	if err != nil {
		return Unknown(err)
	}
	v := oc.AuditDisabled
	obj := phrase.FirstOf(oc.Identity, oc.Name, "OrganizationConfig")
	switch {
	case v.False():
		return exoOutcome(StatusPass, nil, "Mailbox auditing is on by default for the organisation (AuditDisabled = False).")
	case v.True():
		return exoOutcome(StatusFail, []Affected{exoSetting(obj, "AuditDisabled", "True: mailbox auditing is off for every mailbox")},
			"Mailbox auditing is turned off for the whole organisation (AuditDisabled = True), whatever each mailbox's own audit settings say.")
	}
	return exoOutcome(StatusUnknown, nil, "Not evaluated: AuditDisabled is not reported in Get-OrganizationConfig (null).")
}
