package checks

import (
	"fmt"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEntraApp002 is the ID of check ENTRA-APP-002.
const IDEntraApp002 = "ENTRA-APP-002"

func entraApp002() Check {
	return Check{Meta: Meta{ID: IDEntraApp002, Title: "Admin consent workflow enabled with reviewers", Category: entraCatApps, Severity: SeverityMedium,
		Rationale: "With user consent off, the admin consent workflow gives users a reviewed route to request apps instead of workarounds.",
		Datasets:  []string{snapshot.DSAdminConsentRequestPolicy},
		References: References{CIS: []string{"5.1.5.2"}, CISVersion: entraCIS, SCuBA: []string{"MS.AAD.5.3"},
			Other: []string{"Maester CISA.MS.AAD.5.3", "Maester CIS.M365.5.1.5.2", "EIDSCA.CR01", "Prowler entra_admin_consent_workflow_enabled"}},
		Remediation: Remediation{Summary: "Turn on the admin consent workflow with at least one reviewer and reviewer notifications.", Script: true,
			Steps: []string{
				"Entra admin center > Identity > Applications > Enterprise applications > Admin consent settings: Users can request admin consent = Yes; add reviewers.",
				"Update-MgPolicyAdminConsentRequestPolicy -IsEnabled:$true -NotifyReviewers:$true -RemindersEnabled:$true -RequestDurationInDays 30 -Reviewers @(@{query='/users/<reviewerObjectId>'; queryType='MicrosoftGraph'})",
			}}},
		Eval: evalEntraApp002}
}

// evalEntraApp002: the admin consent workflow is on with at least one reviewer.
func evalEntraApp002(c *Context) Outcome {
	p, err := c.AdminConsentRequestPolicy()
	if err != nil {
		return Unknown(err)
	}
	notify := "reviewers are notified"
	if !p.NotifyReviewers {
		notify = "reviewers are not notified of new requests"
	}
	aff := Affected{Kind: "policy", ID: "adminConsentRequestPolicy", Name: "Admin consent request policy"}
	switch {
	case !p.IsEnabled:
		aff.Detail = "isEnabled false"
		return entraOutcome(StatusFail, []Affected{aff}, "The admin consent workflow is off, so users have no reviewed route to request an app.")
	case len(p.Reviewers) == 0:
		aff.Detail = "isEnabled true; no reviewers"
		return entraOutcome(StatusFail, []Affected{aff}, "The admin consent workflow is on but has no reviewers, so requests go nowhere.")
	}
	expiry := ""
	if p.RequestDurationInDays > 0 {
		expiry = fmt.Sprintf(", requests expire after %d days", p.RequestDurationInDays)
	}
	return entraOutcome(StatusPass, nil, "The admin consent workflow is on with %s; %s, reminders %s%s.",
		phrase.Plural(len(p.Reviewers), "reviewer", "reviewers"), notify, map[bool]string{true: "on", false: "off"}[p.RemindersEnabled], expiry)
}
