package knowledge

import (
	"sort"
	"strings"
)

// riskyScopePrefixes are delegated scope families that are high risk
// whatever their suffix: files, sites, eDiscovery and chats.
func riskyScopePrefixes() []string { return []string{"files.", "sites.", "ediscovery.", "chat."} }

// riskyScopes are delegated scopes that read or send mail, reach mailbox
// protocols, read contacts, or write the directory, roles, apps, policies
// and authentication methods (lower case).
func riskyScopes() []string {
	return []string{
		"mail.read", "mail.readwrite", "mail.send", "mail.read.shared", "mail.readwrite.shared", "mail.send.shared",
		"mailboxsettings.readwrite", "contacts.read", "contacts.readwrite",
		"ews.accessasuser.all", "eas.accessasuser.all", "imap.accessasuser.all", "pop.accessasuser.all", "smtp.send",
		"full_access_as_user", "exchange.manage",
		"directory.readwrite.all", "user.readwrite.all", "group.readwrite.all", "domain.readwrite.all",
		"approleassignment.readwrite.all", "rolemanagement.readwrite.directory", "application.readwrite.all",
		"policy.readwrite.conditionalaccess", "userauthenticationmethod.readwrite.all",
		"bitlockerkey.read.all", "channelmessage.read.all",
	}
}

// RiskyScopes returns the high-risk delegated scopes (lower case, sorted)
// and the scope prefixes that are high risk whatever follows them.
func RiskyScopes() (scopes, prefixes []string) {
	s := riskyScopes()
	sort.Strings(s)
	return s, riskyScopePrefixes()
}

// IsRiskyScope reports whether a delegated scope is high risk.
func IsRiskyScope(scope string) bool {
	s := strings.ToLower(scope)
	for _, p := range riskyScopePrefixes() {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	for _, r := range riskyScopes() {
		if s == r {
			return true
		}
	}
	return false
}

// RiskyScopesIn returns the high-risk scopes among scopes, in order.
func RiskyScopesIn(scopes []string) []string {
	var out []string
	for _, s := range scopes {
		if IsRiskyScope(s) {
			out = append(out, s)
		}
	}
	return out
}

// AbusedClient returns the name of the OAuth client commonly abused in
// business email compromise that an app display name matches, or "".
func AbusedClient(displayName string) string {
	n := strings.ToLower(displayName)
	for _, k := range []string{"eM Client", "PerfectData Software", "Newsletter Software Supermailer", "SigParser", "CloudSponge", "rclone"} {
		if strings.Contains(n, strings.ToLower(k)) {
			return k
		}
	}
	return ""
}

// FirstPartyApps are Microsoft first-party app ids that Conditional Access
// policies commonly target (app id -> display name).
func FirstPartyApps() map[string]string {
	return map[string]string{
		"797f4846-ba00-4fd7-ba43-dac1f8f63013": "Windows Azure Service Management API",
		"00000003-0000-0000-c000-000000000000": "Microsoft Graph",
		"00000002-0000-0ff1-ce00-000000000000": "Office 365 Exchange Online",
		"00000003-0000-0ff1-ce00-000000000000": "Office 365 SharePoint Online",
		"00000004-0000-0ff1-ce00-000000000000": "Skype for Business Online",
		"cc15fd57-2c6c-4117-a88c-83b1d56b4bbe": "Microsoft Teams Services",
		"0000000a-0000-0000-c000-000000000000": "Microsoft Intune",
		"d4ebce55-015a-49b5-a083-c84d1797ae8c": "Microsoft Intune Enrollment",
		"c44b4083-3bb0-49c1-b47d-974e53cbdf3c": "Azure Portal",
		"1b730954-1685-4b74-9bfd-dac224a7b894": "Azure Active Directory PowerShell",
		"14d82eec-204b-4c2f-b7e8-296a70dab67e": "Microsoft Graph Command Line Tools",
		"04b07795-8ddb-461a-bbee-02f9e1bf7b46": "Microsoft Azure CLI",
		"1950a258-227b-4e31-a9cf-717495945fc2": "Microsoft Azure PowerShell",
	}
}

// IsLegacyClient reports whether a sign-in's clientAppUsed is a legacy
// protocol client (the exchangeActiveSync and other client app types
// Conditional Access blocks).
func IsLegacyClient(clientAppUsed string) bool {
	switch strings.ToLower(clientAppUsed) {
	case "exchange activesync", "imap4", "pop3", "authenticated smtp", "other clients",
		"exchange web services", "mapi over http", "outlook anywhere (rpc over http)",
		"offline address book", "autodiscover", "exchange online powershell", "reporting web services":
		return true
	}
	return false
}
