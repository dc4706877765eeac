package checks

import (
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEXOProto004 is the ID of check EXO-PROTO-004.
const IDEXOProto004 = "EXO-PROTO-004"

func exoProto004() Check {
	return Check{Meta: Meta{
		ID: IDEXOProto004, Title: "Modern authentication is enabled for Outlook",
		Category: exoCategoryProtocols, Severity: SeverityMedium, Datasets: []string{snapshot.DSExoOrganizationConfig},
		Rationale: "With modern authentication off, Outlook clients fall back to basic authentication, which cannot do MFA or Conditional Access.",
		References: References{CIS: []string{"6.5.1"}, CISVersion: exoCIS,
			Other: []string{"Maester MT.1044", "Prowler exchange_organization_modern_authentication_enabled", "Monkey365 exchange-modern-authentication-disabled"}},
		Remediation: Remediation{
			Summary: "Turn modern authentication on for Exchange Online.",
			Steps:   []string{"Set-OrganizationConfig -OAuth2ClientProfileEnabled $true"},
		}},
		Eval: evalEXOProto004}
}

// evalEXOProto004: modern authentication for Outlook is on. A null value
// means the property was not collected: unknown.
func evalEXOProto004(c *Context) Outcome {
	oc, err := c.OrganizationConfig()
	if err != nil {
		return Unknown(err)
	}
	v := oc.OAuth2ClientProfileEnabled
	obj := phrase.FirstOf(oc.Identity, oc.Name, "OrganizationConfig")
	switch {
	case v.True():
		return exoOutcome(StatusPass, nil, "Modern authentication is enabled for Outlook (OAuth2ClientProfileEnabled = True).")
	case v.False():
		return exoOutcome(StatusFail, []Affected{exoSetting(obj, "OAuth2ClientProfileEnabled", "False: Outlook clients fall back to basic authentication")},
			"Modern authentication is disabled for Outlook (OAuth2ClientProfileEnabled = False): Outlook clients use basic authentication, which cannot do MFA.")
	}
	return exoOutcome(StatusUnknown, nil, "Not evaluated: OAuth2ClientProfileEnabled is not reported in Get-OrganizationConfig (null).")
}
