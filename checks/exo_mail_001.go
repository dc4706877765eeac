package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEXOMail001 is the ID of check EXO-MAIL-001.
const IDEXOMail001 = "EXO-MAIL-001"

func exoMail001() Check {
	return Check{Meta: Meta{
		ID: IDEXOMail001, Title: "Outbound spam limits and administrator notifications are configured",
		Category: exoCategoryProtocols, Severity: SeverityMedium, Datasets: []string{snapshot.DSExoOutboundSpamPolicy},
		Rationale: "Sending limits, blocking at the limit and an admin notification are what stop and reveal a hijacked mailbox mass-mailing phishing to its address book.",
		References: References{CIS: []string{"2.1.6"}, CISVersion: exoCIS,
			Other: []string{"CIS v6.0.0/v7.0.0 2.1.15 (limits)", "Maester CIS.M365.2.1.6", "ORCA.103", "Prowler defender_antispam_outbound_policy_configured"}},
		Remediation: Remediation{
			Summary: "Set the default outbound spam policy to at most 500 external and 1000 internal recipients per hour and 1000 per day, block the user at the limit, and notify a monitored mailbox.",
			Steps: []string{
				"Set-HostedOutboundSpamFilterPolicy -Identity Default -RecipientLimitExternalPerHour 500 -RecipientLimitInternalPerHour 1000 -RecipientLimitPerDay 1000 -ActionWhenThresholdReached BlockUser -NotifyOutboundSpam $true -NotifyOutboundSpamRecipients '<soc@domain>' -BccSuspiciousOutboundMail $true -BccSuspiciousOutboundAdditionalRecipients '<soc@domain>'",
			},
			Script: true,
		}},
		Eval: evalEXOMail001}
}

// evalEXOMail001: the default outbound spam policy limits how much a
// hijacked mailbox can send, blocks it at the limit and tells an admin.
// Every setting that deviates is listed with its value; a null counts as
// not configured (fail), since the settings object is what was collected.
func evalEXOMail001(c *Context) Outcome {
	policies, err := c.OutboundSpamPolicies()
	if err != nil {
		return Unknown(err)
	}
	var def *snapshot.OutboundSpamPolicy
	for i := range policies {
		if exoIsDefaultPolicy(policies[i]) {
			def = &policies[i]
			break
		}
	}
	if def == nil {
		return exoOutcome(StatusUnknown, nil, "Not evaluated: no default outbound spam policy in Get-HostedOutboundSpamFilterPolicy output (%s), but every tenant has one.",
			phrase.Plural(len(policies), "policy", "policies"))
	}
	obj := phrase.FirstOf(def.Identity, def.Name, "Default")
	var bad []Affected
	for _, l := range []exoLimit{
		{"RecipientLimitExternalPerHour", def.RecipientLimitExternalPerHour, 500},
		{"RecipientLimitInternalPerHour", def.RecipientLimitInternalPerHour, 1000},
		{"RecipientLimitPerDay", def.RecipientLimitPerDay, 1000},
	} {
		if d := exoLimitDeviation(l); d != "" {
			bad = append(bad, exoSetting(obj, l.Property, d))
		}
	}
	if a := strings.TrimSpace(def.ActionWhenThresholdReached); !strings.EqualFold(a, "BlockUser") {
		if a == "" {
			a = "not reported"
		}
		bad = append(bad, exoSetting(obj, "ActionWhenThresholdReached", a+", expected BlockUser"))
	}
	var recipients []string
	for _, r := range def.NotifyOutboundSpamRecipients {
		if strings.TrimSpace(r) != "" {
			recipients = append(recipients, r)
		}
	}
	switch {
	case !def.NotifyOutboundSpam.True():
		bad = append(bad, exoSetting(obj, "NotifyOutboundSpam", exoBoolText(def.NotifyOutboundSpam)+", expected True"))
	case len(recipients) == 0:
		bad = append(bad, exoSetting(obj, "NotifyOutboundSpamRecipients", "empty: nobody is notified, expected at least one monitored address"))
	}
	if len(bad) > 0 {
		parts := make([]string, 0, len(bad))
		for _, a := range bad {
			v, _, _ := strings.Cut(a.Detail, ",")
			parts = append(parts, a.Name+" = "+v)
		}
		return exoOutcome(StatusFail, bad, "The default outbound spam policy %s deviates on %s: %s.",
			exoPolicyName(*def), phrase.Plural(len(bad), "setting", "settings"), strings.Join(parts, "; "))
	}
	return exoOutcome(StatusPass, nil, "The default outbound spam policy limits sending (%d external/h, %d internal/h, %d/day), blocks the user at the limit and notifies %s.",
		def.RecipientLimitExternalPerHour.Value, def.RecipientLimitInternalPerHour.Value, def.RecipientLimitPerDay.Value, exoNames(recipients, 3))
}

// exoBoolText renders a lenient Exchange boolean for a detail line.
func exoBoolText(b snapshot.Bool) string {
	if !b.Valid {
		return "not reported (null)"
	}
	return b.String()
}

// exoLimit is one recipient limit of the default outbound spam policy and
// its CIS ceiling.
type exoLimit struct {
	Property string
	Value    snapshot.Int
	Max      int64
}

// exoLimitDeviation says how a limit deviates, or "" when it is within
// 1..Max. 0 is the service default, which CIS treats as not configured; a
// null or non-numeric value is not configured either.
func exoLimitDeviation(l exoLimit) string {
	switch {
	case !l.Value.Valid && l.Value.Raw != "":
		return fmt.Sprintf("%s (not a number), expected 1–%d", l.Value.Raw, l.Max)
	case !l.Value.Valid:
		return fmt.Sprintf("not reported (null), expected 1–%d", l.Max)
	case l.Value.Value == 0:
		return fmt.Sprintf("0 (service default: not configured), expected 1–%d", l.Max)
	case l.Value.Value < 0 || l.Value.Value > l.Max:
		return fmt.Sprintf("%d, expected 1–%d", l.Value.Value, l.Max)
	}
	return ""
}
