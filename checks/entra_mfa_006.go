package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraMFA006 is the ID of check ENTRA-MFA-006.
const IDEntraMFA006 = "ENTRA-MFA-006"

func entraMFA006() Check {
	return Check{Meta: Meta{ID: IDEntraMFA006, Title: "Email one-time passcode disabled", Category: entraCatIdentity, Severity: SeverityLow,
		Rationale: "A code sent to a mailbox is no second factor when the mailbox itself is what an attacker has taken over.",
		Datasets:  []string{snapshot.DSAuthenticationMethodsPolicy},
		References: References{CIS: []string{"5.2.3.5"}, CISVersion: entraCIS, SCuBA: []string{"MS.AAD.3.5"},
			Other: []string{"CIS v6/v7 5.2.3.7", "Prowler entra_authentication_method_email_otp_disabled"}},
		Remediation: Remediation{Summary: "Check guest sign-in impact, then disable the Email OTP method.", Script: true,
			Steps: []string{
				"Entra admin center > Protection > Authentication methods > Policies > Email OTP: Enable = No.",
				"Update-MgPolicyAuthenticationMethodPolicy -AuthenticationMethodConfigurations @(@{Id='Email'; State='disabled'})",
			}}},
		Eval: evalEntraMFA006}
}

// evalEntraMFA006: email one-time passcode disabled.
func evalEntraMFA006(c *Context) Outcome {
	cfgs, _, o := entraMethodConfig(c, "Email")
	if o != nil {
		return *o
	}
	m := cfgs[0]
	if strings.EqualFold(m.State, "disabled") {
		return entraOutcome(StatusPass, nil, "Email one-time passcode is disabled.")
	}
	return entraOutcome(StatusFail, []Affected{{Kind: "authMethod", ID: m.ID, Name: m.ID,
		Detail: fmt.Sprintf("state %s; %s", m.State, entraTargetsText(m.IncludeTargets))}},
		"Email one-time passcode is %s (%s); check guest sign-in impact before disabling it.", m.State, entraTargetsText(m.IncludeTargets))
}
