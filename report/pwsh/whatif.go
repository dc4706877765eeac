package pwsh

import (
	"sort"
	"strings"
)

// readScopes maps each delegated Microsoft Graph permission a script may
// request to the read permission a -WhatIf run asks for instead: a dry run
// reads what it would change and changes nothing, so it needs no consent
// to write.
var readScopes = map[string]string{
	"Application.ReadWrite.All":              "Application.Read.All",
	"AppRoleAssignment.ReadWrite.All":        "Application.Read.All",
	"DelegatedPermissionGrant.ReadWrite.All": "DelegatedPermissionGrant.Read.All",
	"Directory.ReadWrite.All":                "Directory.Read.All",
	"Domain.ReadWrite.All":                   "Domain.Read.All",
	"MailboxSettings.ReadWrite":              "MailboxSettings.Read",
	"Policy.ReadWrite.AuthenticationMethod":  "Policy.Read.AuthenticationMethod",
	"Policy.ReadWrite.Authorization":         "Policy.Read.All",
	"Policy.ReadWrite.ConditionalAccess":     "Policy.Read.All",
	"Policy.ReadWrite.ConsentRequest":        "Policy.Read.All",
	"Policy.ReadWrite.SecurityDefaults":      "Policy.Read.All",
	"RoleManagement.ReadWrite.Directory":     "RoleManagement.Read.Directory",
	"User-PasswordProfile.ReadWrite.All":     "User.Read.All",
	"User.DeleteRestore.All":                 "User.Read.All",
	"User.EnableDisableAccount.All":          "User.Read.All",
	"User.ReadWrite.All":                     "User.Read.All",
	"User.RevokeSessions.All":                "User.Read.All",
	"UserAuthenticationMethod.ReadWrite.All": "UserAuthenticationMethod.Read.All",
}

// isReadScope reports whether a permission only reads.
func isReadScope(s string) bool {
	return strings.Contains(s, ".Read.") || strings.HasSuffix(s, ".Read") || strings.Contains(s, ".ReadBasic")
}

// ReadScopes returns the read counterparts of scopes, sorted and each once:
// read permissions stay, write permissions become their read counterpart
// (readScopes; an unlisted X.ReadWrite.Y becomes X.Read.Y, anything else
// unlisted becomes User.Read.All, the least a script reads). A test keeps
// readScopes complete for every permission a script requests.
func ReadScopes(scopes []string) []string {
	set := map[string]bool{}
	for _, s := range scopes {
		switch r, ok := readScopes[s]; {
		case ok:
			set[r] = true
		case isReadScope(s):
			set[s] = true
		case strings.Contains(s, ".ReadWrite."):
			set[strings.Replace(s, ".ReadWrite.", ".Read.", 1)] = true
		default:
			set[scopeUserRead] = true
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// exchangeReadCmdlets are the Exchange Online cmdlets the generated scripts
// read with. A -WhatIf run loads only these (Connect-ExchangeOnline
// -CommandName), so it cannot change Exchange whatever the account may do.
var exchangeReadCmdlets = []string{
	"Get-AdminAuditLogConfig",
	"Get-BlockedSenderAddress",
	"Get-CASMailbox",
	"Get-CASMailboxPlan",
	"Get-HostedOutboundSpamFilterPolicy",
	"Get-HostedOutboundSpamFilterRule",
	"Get-InboxRule",
	"Get-Mailbox",
	"Get-MailboxAuditBypassAssociation",
	"Get-OrganizationConfig",
	"Get-RemoteDomain",
	"Get-TransportConfig",
}
