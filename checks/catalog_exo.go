package checks

import "github.com/m365audit/m365audit/collectors/snapshot"

// exoChecks are the Exchange Online checks (catalog.md §7 and §8, decided by
// check-semantics.md). Evaluations live in exo_*.go.
func exoChecks() []Check {
	spam := []string{snapshot.DSExoOutboundSpamPolicy, snapshot.DSExoOutboundSpamRule}
	return []Check{
		{Meta: Meta{
			ID: "EXO-PROTO-001", Title: "SMTP AUTH is disabled for the organisation",
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
			Eval: evalEXOProto001},
		{Meta: Meta{
			ID: "EXO-PROTO-002", Title: "No mailbox re-enables SMTP AUTH for itself",
			Category: exoCategoryProtocols, Severity: SeverityHigh, Datasets: []string{snapshot.DSExoCASMailbox},
			Rationale: "A mailbox with SmtpClientAuthenticationDisabled set to False can use SMTP AUTH even when the organisation has turned it off, so the organisation setting alone does not close the hole.",
			References: References{CIS: []string{"6.5.4"}, CISVersion: exoCIS, SCuBA: []string{"MS.EXO.5.1"},
				Other: []string{"Microsoft Learn: Enable or disable SMTP AUTH in Exchange Online"}},
			Remediation: Remediation{
				Summary: "Clear the per-mailbox override so each listed mailbox inherits the organisation setting (or set it to disabled), except documented device or app senders.",
				Steps: []string{
					"For each listed mailbox: Set-CASMailbox -Identity '<address>' -SmtpClientAuthenticationDisabled $null (inherit) or $true (disable).",
					"Accept the documented exceptions (scanners, line-of-business apps) in the configuration file rather than leaving them unexplained.",
				},
				Script: true,
			}},
			Eval: evalEXOProto002},
		{Meta: Meta{
			ID: "EXO-PROTO-003", Title: "POP3 and IMAP4 are disabled on every mailbox",
			Category: exoCategoryProtocols, Severity: SeverityMedium, Datasets: []string{snapshot.DSExoCASMailbox},
			Rationale:  "POP and IMAP sign in with a password and are common ways to read a compromised mailbox without MFA; turning them off per mailbox closes them independently of Conditional Access.",
			References: References{Other: []string{"Microsoft Learn: Enable or disable POP3 or IMAP4 access for a user in Exchange Online", "Complements ENTRA-CA-001 (legacy authentication blocked)"}},
			Remediation: Remediation{
				Summary: "Turn POP and IMAP off on every listed mailbox, keeping documented exceptions only.",
				Steps: []string{
					"Get-EXOCASMailbox -ResultSize Unlimited | Where-Object { $_.PopEnabled -or $_.ImapEnabled } | ForEach-Object { Set-CASMailbox -Identity $_.PrimarySmtpAddress -PopEnabled $false -ImapEnabled $false }",
					"Fix the CAS mailbox plans too (EXO-PROTO-005) so new mailboxes are born without them.",
				},
				Script: true,
			}},
			Eval: evalEXOProto003},
		{Meta: Meta{
			ID: "EXO-PROTO-004", Title: "Modern authentication is enabled for Outlook",
			Category: exoCategoryProtocols, Severity: SeverityMedium, Datasets: []string{snapshot.DSExoOrganizationConfig},
			Rationale: "With modern authentication off, Outlook clients fall back to basic authentication, which cannot do MFA or Conditional Access.",
			References: References{CIS: []string{"6.5.1"}, CISVersion: exoCIS,
				Other: []string{"Maester MT.1044", "Prowler exchange_organization_modern_authentication_enabled", "Monkey365 exchange-modern-authentication-disabled"}},
			Remediation: Remediation{
				Summary: "Turn modern authentication on for Exchange Online.",
				Steps:   []string{"Set-OrganizationConfig -OAuth2ClientProfileEnabled $true"},
			}},
			Eval: evalEXOProto004},
		{Meta: Meta{
			ID: "EXO-PROTO-005", Title: "New mailboxes are created without POP3 and IMAP4",
			Category: exoCategoryProtocols, Severity: SeverityMedium, Datasets: []string{snapshot.DSExoCASMailboxPlan},
			Rationale:  "CAS mailbox plans set the protocols of every new mailbox, and they default to POP and IMAP on, so a clean-up of existing mailboxes is undone by the next hire.",
			References: References{Other: []string{"Microsoft Learn: Set-CASMailboxPlan", "Complements EXO-PROTO-003"}},
			Remediation: Remediation{
				Summary: "Turn POP and IMAP off in every CAS mailbox plan.",
				Steps:   []string{"Get-CASMailboxPlan | Set-CASMailboxPlan -PopEnabled $false -ImapEnabled $false"},
				Script:  true,
			}},
			Eval: evalEXOProto005},
		{Meta: Meta{
			ID: "EXO-FWD-001", Title: "Automatic forwarding to external recipients is blocked",
			Category: exoCategoryProtocols, Severity: SeverityHigh,
			Datasets:  []string{snapshot.DSExoOutboundSpamPolicy, snapshot.DSExoOutboundSpamRule, snapshot.DSExoRemoteDomain},
			Rationale: "Attackers set up forwarding in a compromised mailbox to keep reading mail after the password is reset. Exchange forwards externally only when both the applied outbound spam policy and the remote domain allow it, so this check judges the effective result.",
			References: References{CIS: []string{"6.2.1"}, CISVersion: exoCIS, SCuBA: []string{"MS.EXO.1.1"},
				Other: []string{"Maester CISA.MS.EXO.1.1", "Microsoft Learn: Control automatic external email forwarding"}},
			Remediation: Remediation{
				Summary: "Block automatic forwarding in the outbound spam policies (AutoForwardingMode Off) and on the remote domains (AutoForwardEnabled False); allow it only through a custom policy scoped to approved users.",
				Steps: []string{
					"Set-HostedOutboundSpamFilterPolicy -Identity Default -AutoForwardingMode Off",
					"Set-RemoteDomain -Identity Default -AutoForwardEnabled $false",
					"For a custom policy set to On: scope its rule to the approved users only, or set it to Off.",
				},
				Script: true,
			}},
			Eval: evalEXOFwd001},
		{Meta: Meta{
			ID: "EXO-FWD-002", Title: "Outbound spam policies block automatic forwarding",
			Category: exoCategoryProtocols, Severity: SeverityHigh, Datasets: spam,
			Rationale: "CIS requires the default and every applied custom outbound spam policy to set AutoForwardingMode to Off; Automatic is Off today only because Microsoft says so, and can change.",
			References: References{CIS: []string{"6.2.1"}, CISVersion: exoCIS,
				Other: []string{"Prowler defender_antispam_outbound_policy_forwarding_disabled", "Monkey365 exchange-mail-forwarding-blocked-and-disabled"}},
			Remediation: Remediation{
				Summary: "Set AutoForwardingMode to Off on the default policy and on every applied custom policy; keep On only in a custom policy scoped to approved users (accept it in the configuration).",
				Steps: []string{
					"Set-HostedOutboundSpamFilterPolicy -Identity Default -AutoForwardingMode Off",
					"For each listed custom policy: Set-HostedOutboundSpamFilterPolicy -Identity '<name>' -AutoForwardingMode Off",
				},
				Script: true,
			}},
			Eval: evalEXOFwd002},
		{Meta: Meta{
			ID: "EXO-FWD-003", Title: "No transport rule redirects or copies mail to external recipients",
			Category: exoCategoryProtocols, Severity: SeverityHigh, Datasets: []string{snapshot.DSExoTransportRule, snapshot.DSDomains},
			Rationale: "A transport rule that redirects or blind-copies mail outside the tenant exfiltrates every matching message and survives password resets. Accepted domains are not collected, so the tenant's verified domains (Graph) decide what is internal; an address in any other domain counts as external.",
			References: References{CIS: []string{"6.2.1"}, CISVersion: exoCIS,
				Other: []string{"Prowler exchange_transport_rules_mail_forwarding_disabled"}},
			Remediation: Remediation{
				Summary: "Disable each listed rule at once, confirm with its owner whether it is legitimate, then remove it.",
				Steps: []string{
					"Disable-TransportRule -Identity '<name>'",
					"Remove-TransportRule -Identity '<name>' -Confirm:$false (once confirmed unwanted)",
				},
			}},
			Eval: evalEXOFwd003},
		{Meta: Meta{
			ID: "EXO-MAIL-001", Title: "Outbound spam limits and administrator notifications are configured",
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
			Eval: evalEXOMail001},
		{Meta: Meta{
			ID: "EXO-AUD-001", Title: "Unified audit log ingestion is enabled",
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
			Eval: evalEXOAud001},
		{Meta: Meta{
			ID: "EXO-AUD-002", Title: "Mailbox auditing is on by default for the organisation",
			Category: exoCategoryAuditing, Severity: SeverityHigh, Datasets: []string{snapshot.DSExoOrganizationConfig},
			Rationale: "AuditDisabled True switches mailbox auditing off for every mailbox, whatever their own settings say, so mailbox access during an incident is not recorded.",
			References: References{CIS: []string{"6.1.1"}, CISVersion: exoCIS, SCuBA: []string{"MS.EXO.13.1"},
				Other: []string{"Maester CISA.MS.EXO.13.1", "Prowler exchange_organization_mailbox_auditing_enabled"}},
			Remediation: Remediation{
				Summary: "Turn mailbox auditing on for the organisation.",
				Steps:   []string{"Set-OrganizationConfig -AuditDisabled $false"},
				Script:  true,
			}},
			Eval: evalEXOAud002},
		{Meta: Meta{
			ID: "EXO-AUD-004", Title: "No account bypasses mailbox audit logging",
			Category: exoCategoryAuditing, Severity: SeverityHigh, Datasets: []string{snapshot.DSExoMailboxAuditBypass},
			Rationale: "An audit bypass association hides every mailbox access by that account from the audit log, which is exactly what an attacker with a service account wants.",
			References: References{CIS: []string{"6.1.3"}, CISVersion: exoCIS,
				Other: []string{"Prowler exchange_mailbox_audit_bypass_disabled", "Monkey365 exchange-audit-bypass-enabled"}},
			Remediation: Remediation{
				Summary: "Remove the audit bypass from each listed account.",
				Steps:   []string{"Set-MailboxAuditBypassAssociation -Identity '<name>' -AuditBypassEnabled $false"},
				Script:  true,
			}},
			Eval: evalEXOAud004},
	}
}
