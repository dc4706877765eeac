package checks

import (
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEXOProto001 is the ID of check EXO-PROTO-001.
const IDEXOProto001 = "EXO-PROTO-001"

func exoProto001() Check {
	return Check{Meta: Meta{
		ID: IDEXOProto001, Title: "SMTP AUTH is disabled for the organisation",
		Category: exoCategoryProtocols, Severity: SeverityHigh, Datasets: []string{snapshot.DSExoTransportConfig},
		Rationale: "SMTP AUTH lets a client send mail with a username and password alone, so a stolen password sends phishing as the user even where MFA is required. Basic authentication for SMTP AUTH is still available through 2026.",
		References: References{CIS: []string{"6.5.4"}, CISVersion: exoCIS, SCuBA: []string{"MS.EXO.5.1"},
			Other: []string{"Maester CISA.MS.EXO.5.1", "Prowler exchange_transport_config_smtp_auth_disabled", "Monkey365 exchange-smtp-auth-enabled", "Microsoft MC786329"}},
		Remediation: Remediation{
			Summary: "Disable SMTP AUTH for the organisation; re-enable it only on the few mailboxes of devices or apps that cannot use anything else.",
			Steps: []string{
				"Set-TransportConfig -SmtpClientAuthenticationDisabled $true",
				"Or: Exchange admin center > Settings > Mail flow > tick 'Turn off SMTP AUTH protocol for your organization'.",
			},
			Script: true,
		}},
		Eval: evalEXOProto001}
}

// evalEXOProto001: SMTP AUTH is disabled for the organisation. Per
// docs/semantics.md only an explicit True passes; False and null fail
// (null is how a missing value reads, and the service default was "on").
func evalEXOProto001(c *Context) Outcome {
	tc, err := c.TransportConfig()
	if err != nil {
		return Unknown(err)
	}
	v := tc.SmtpClientAuthenticationDisabled
	obj := phrase.FirstOf(tc.Identity, "TransportConfig")
	switch {
	case v.True():
		return exoOutcome(StatusPass, nil, "SMTP AUTH is disabled for the organisation (Get-TransportConfig SmtpClientAuthenticationDisabled = True). Per-mailbox overrides are checked by EXO-PROTO-002.")
	case v.False():
		return exoOutcome(StatusFail, []Affected{exoSetting(obj, "SmtpClientAuthenticationDisabled", "False: SMTP AUTH is allowed for every mailbox that does not override it")},
			"SMTP AUTH is enabled for the organisation (SmtpClientAuthenticationDisabled = False): any mailbox can send with a password alone, bypassing MFA.")
	}
	return exoOutcome(StatusFail, []Affected{exoSetting(obj, "SmtpClientAuthenticationDisabled", "not reported (null): treated as enabled")},
		"SmtpClientAuthenticationDisabled is not set in Get-TransportConfig (null), so SMTP AUTH cannot be shown to be disabled; set it to True explicitly.")
}
