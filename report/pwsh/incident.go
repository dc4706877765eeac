package pwsh

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/internal/phrase"
	"github.com/m365audit/m365audit/report/model"
)

// Graph permissions the containment steps request. Each is the least
// privileged delegated permission Microsoft documents for its call, so the
// script never asks for User.ReadWrite.All.
const (
	scopeUserRead        = "User.Read.All"                      // read the user and the guests first
	scopeEnableDisable   = "User.EnableDisableAccount.All"      // accountEnabled (with User.Read.All)
	scopePasswordProfile = "User-PasswordProfile.ReadWrite.All" // passwordProfile
	scopeRevokeSessions  = "User.RevokeSessions.All"            // revokeSignInSessions
	scopeUserAuthMethods = "UserAuthenticationMethod.ReadWrite.All"
	scopeMailboxSettings = "MailboxSettings.ReadWrite" // inbox rules (messageRules)
	scopeDeleteUser      = "User.DeleteRestore.All"    // DELETE /users/{id} (soft delete)
	scopeDelegatedGrant  = "DelegatedPermissionGrant.ReadWrite.All"
	containmentLogSuffix = "-log"
)

// Change log messages of the restricted-sender release (IR-MAIL-002) that
// the closing notes look for.
const (
	msgSenderNotListed = "not on the restricted senders list any more"
	msgSenderNotHeld   = "not released: containment steps above failed or were declined"
	msgSenderSynced    = "not released: the account is synchronised from on-premises Active Directory; release it after the password is reset there"
)

// containment renders one user's containment plan.
type containment struct{ *model.Containment }

// ContainmentFileName is the file name of upn's containment script
// (model.ContainmentFileName).
func ContainmentFileName(upn string) string { return model.ContainmentFileName(upn) }

// authMethodEndpoint is how one authentication method type is removed.
type authMethodEndpoint struct {
	segment string // /users/{id}/authentication/<segment>/{methodId}
	cmdlet  string // the Microsoft.Graph cmdlet doing the same, for the comment
}

// authMethodEndpoints maps the Graph method types the model removes
// (model.RemovableMethods; a test keeps the two equal) to their typed
// endpoints.
func authMethodEndpoints() map[string]authMethodEndpoint {
	return map[string]authMethodEndpoint{
		"microsoftAuthenticatorAuthenticationMethod":  {"microsoftAuthenticatorMethods", "Remove-MgUserAuthenticationMicrosoftAuthenticatorMethod"},
		"phoneAuthenticationMethod":                   {"phoneMethods", "Remove-MgUserAuthenticationPhoneMethod"},
		"fido2AuthenticationMethod":                   {"fido2Methods", "Remove-MgUserAuthenticationFido2Method"},
		"softwareOathAuthenticationMethod":            {"softwareOathMethods", "Remove-MgUserAuthenticationSoftwareOathMethod"},
		"emailAuthenticationMethod":                   {"emailMethods", "Remove-MgUserAuthenticationEmailMethod"},
		"temporaryAccessPassAuthenticationMethod":     {"temporaryAccessPassMethods", "Remove-MgUserAuthenticationTemporaryAccessPassMethod"},
		"windowsHelloForBusinessAuthenticationMethod": {"windowsHelloForBusinessMethods", "Remove-MgUserAuthenticationWindowsHelloForBusinessMethod"},
	}
}

// scopes are the Graph permissions the planned steps need, sorted.
func (c *containment) scopes() []string {
	set := map[string]bool{}
	if c.HasGraph() {
		set[scopeUserRead] = true // the target user is read and verified first
	}
	for _, s := range c.Steps {
		switch s.Op {
		case model.OpBlockSignIn, model.OpDisableGuest, model.OpDisableMember:
			set[scopeEnableDisable] = true
		case model.OpRevokeSessions:
			set[scopeRevokeSessions] = true
		case model.OpRemoveMethod:
			set[scopeUserAuthMethods] = true
		case model.OpRemoveRule:
			set[scopeMailboxSettings] = true
		case model.OpRevokeGrant:
			set[scopeDelegatedGrant] = true
		case model.OpRemoveGuest:
			set[scopeDeleteUser] = true
		case model.OpResetPassword:
			set[scopePasswordProfile] = true
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// WriteContainment writes incident-<upn>.ps1: the containment script for
// one incident user. It acts on exactly the objects the incident checks
// attributed to the attacker for this user (Affected.Attributed), in the
// order that stops the attacker first (block sign-in, revoke sessions),
// then removes persistence (methods, inbox rules, forwarding, consents,
// guests), then resets the password and disables legacy protocols.
// Everything else the checks found is printed for review, unchanged.
func WriteContainment(ctx context.Context, w io.Writer, rep *model.Report, upn string, opt Options) error {
	if rep == nil || rep.Doc == nil {
		return fmt.Errorf("containment script: no results document")
	}
	doc := rep.Doc
	if !isGUID(doc.Tenant.ID) {
		return fmt.Errorf("containment script: tenant id %q is not a GUID, so the script could not verify it is connected to the right tenant", doc.Tenant.ID)
	}
	if err := rep.Scripts.Refused; err != nil {
		return fmt.Errorf("containment script: %w", err)
	}
	plan, err := rep.ContainmentPlan(upn)
	if err != nil {
		return fmt.Errorf("containment script for %q: %w", upn, err)
	}
	c := &containment{plan}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("containment script: %w", err)
	}
	logPrefix := strings.TrimSuffix(ContainmentFileName(c.UPN), ".ps1") + containmentLogSuffix
	body := &Script{}
	c.writeUserVars(body)
	if err := body.WritePrelude(c.HasGraph(), false); err != nil {
		return fmt.Errorf("containment script: %w", err)
	}
	c.writeHelpers(body)
	conn := Connection{TenantID: doc.Tenant.ID, Cloud: doc.Cloud, GraphScopes: c.scopes(), Exchange: c.HasExchange()}
	if conn.Exchange {
		conn.ExchangeOrganization = c.ExchangeOrganization
	}
	if len(c.Steps) > 0 {
		if err := body.WriteConnect(conn); err != nil {
			return fmt.Errorf("containment script: %w", err)
		}
		if c.HasGraph() {
			c.writeUserGuard(body)
		}
		body.Blank()
		body.Line("Write-Host ('Containment of {0}: up to {1} changes, each confirmed separately (answer A for Yes to All).' -f (ConvertTo-ConsoleText $IncidentUserPrincipalName), %s)", Int(int64(len(c.Steps))))
		body.Line("if ($WhatIfPreference) { Write-Host 'What-if run: nothing is changed; every planned change is listed and logged.' -ForegroundColor Cyan }")
	} else {
		body.Blank()
		body.Comment("The incident checks attributed nothing to the attacker for this user: the script connects to nothing and changes nothing. See the review list at the end.")
	}
	c.writeSteps(ctx, body)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("containment script: %w", err)
	}
	body.WriteFinish(logPrefix, false)
	c.writeEvidence(body)
	c.writeReview(body)
	c.writeClosing(body)
	body.Blank()
	body.Line("if ($statusCounts.failed -gt 0) { exit 1 }")

	h := Header{
		Title:         "m365audit containment script for one compromised account",
		Synopsis:      "Contains one compromised user: stops the attacker, removes what the attacker left behind, resets the password, and turns off legacy mail protocols for the user.",
		Description:   c.description(),
		TenantID:      doc.Tenant.ID,
		TenantName:    doc.Tenant.DisplayName,
		PrimaryDomain: doc.Tenant.PrimaryDomain,
		CollectedAt:   doc.CollectedAt,
		ToolVersion:   opt.ToolVersion,
		ScriptName:    ContainmentFileName(c.UPN),
		Notes:         c.notes(conn),
		LogPrefix:     logPrefix,
	}
	if rep.Scripts.Unsafe {
		h.Unsafe = rep.Scripts.Banner
	}
	if c.HasRuleRemoval() {
		h.Params = append(h.Params, Param{
			Name: "KeepRulesDisabled",
			Decl: "[switch] $KeepRulesDisabled",
			Help: "Disable the attacker's inbox rules instead of deleting them, so they stay in the mailbox as evidence. Without it each rule is saved in the change log (its full JSON) and then deleted.",
		})
	}
	out, err := Assemble(h, conn.modulesFor(len(c.Steps) > 0), body)
	if err != nil {
		return fmt.Errorf("containment script: %w", err)
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("write containment script: %w", err)
	}
	return nil
}

// safeUPN reports whether a UPN may be written into a comment as is: only
// letters, digits and . _ - @ (anything else stays in quoted data only).
func safeUPN(s string) bool {
	if s == "" || len(s) > 113 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-', r == '@':
		default:
			return false
		}
	}
	return true
}

// who names the user in our comments: the UPN when it is plain, else a
// pointer to the quoted variable.
func (c *containment) who() string {
	if safeUPN(c.UPN) {
		return c.UPN
	}
	return "the user in $IncidentUserPrincipalName"
}

// description is the header's plain list of what the script does.
func (c *containment) description() []string {
	d := []string{
		fmt.Sprintf("Compromised account: %s (object id %s). Incident window: %s to %s (UTC).", c.who(), c.UserID,
			c.Start.UTC().Format("2006-01-02 15:04"), c.End.UTC().Format("2006-01-02 15:04")),
		"It changes only the objects the audit attributed to the attacker for this account (created or changed by this account inside the window), each by its id, and reads each one first: an object already removed or already in the wanted state is skipped. Everything else the audit found is printed at the end under 'For review (not changed)'.",
	}
	if len(c.Steps) == 0 {
		return append(d, "What it will do: nothing. The audit attributed no object to the attacker for this account.")
	}
	var list []string
	n := 0
	item := func(text string) {
		n++
		list = append(list, fmt.Sprintf("%d. %s", n, text))
	}
	if c.Has(model.OpBlockSignIn) {
		item("Block sign-in and revoke all sessions and refresh tokens (stops the attacker now).")
	} else if c.Has(model.OpRevokeSessions) {
		item("Revoke all sessions and refresh tokens (stops the attacker's sessions now).")
	}
	if k := c.Count(model.OpRemoveMethod); k > 0 {
		item(fmt.Sprintf("Remove %s registered in the window, so the user re-registers.", phrase.Plural(k, "authentication method", "authentication methods")))
	}
	if k := c.Count(model.OpRemoveRule); k > 0 {
		item(fmt.Sprintf("Remove %s (each saved in the change log first; -KeepRulesDisabled disables them instead).", phrase.Plural(k, "suspicious inbox rule", "suspicious inbox rules")))
	}
	if k := c.Count(model.OpRemoveRuleExchange); k > 0 {
		hidden := 0
		for _, st := range c.Steps {
			if st.Op == model.OpRemoveRuleExchange && st.Hidden {
				hidden++
			}
		}
		what := phrase.Plural(k, "inbox rule", "inbox rules") + " the audit log shows the attacker made"
		if hidden == k {
			what = phrase.Plural(k, "hidden inbox rule", "hidden inbox rules") + " (not shown by Outlook, Graph or Get-InboxRule without -IncludeHidden)"
		}
		item(fmt.Sprintf("Remove %s through Exchange Online by rule identity (%s).", what,
			pick(k == 1, "saved in the change log first; -KeepRulesDisabled disables it instead", "each saved in the change log first; -KeepRulesDisabled disables them instead")))
	}
	if c.Has(model.OpClearForwarding) {
		item("Clear mailbox forwarding.")
	}
	if k := c.Count(model.OpRevokeGrant); k > 0 {
		item(fmt.Sprintf("Revoke %s the account gave in the window.", phrase.Plural(k, "OAuth consent", "OAuth consents")))
	}
	if k := c.Count(model.OpRemoveGuest); k > 0 {
		item(fmt.Sprintf("Block, then delete, %s the account invited in the window (deleted users are restorable for 30 days).", phrase.Plural(k, "guest", "guests")))
	}
	if k := c.Count(model.OpDisableMember); k > 0 {
		item(fmt.Sprintf("Block sign-in of %s the account created in the window (not deleted).", phrase.Plural(k, "member account", "member accounts")))
	}
	if c.Has(model.OpResetPassword) {
		item("Reset the password to a random one generated when the script runs (shown once on the console, never saved), with a change required at next sign-in.")
	}
	if c.Has(model.OpProtocols) {
		item("Disable POP, IMAP and SMTP AUTH for the user's mailbox.")
	}
	if c.Has(model.OpReleaseSender) {
		item("Last, and only when every step above held (applied, or found already done): release the account from Exchange Online's restricted senders list, so the user can send mail again. Released any earlier, the attacker could mail again from the account and it would be restricted again; Microsoft limits how many times an account can be released.")
	}
	d = append(d, "What it will do, in this order: "+strings.Join(list, " "))
	if c.Synced {
		d = append(d, "The account is synchronised from on-premises Active Directory: this script revokes its sessions but cannot block it or reset its password. Do both in Active Directory first (Disable-ADAccount; Set-ADAccountPassword, then Set-ADUser -ChangePasswordAtLogon $true) and run a delta sync (Start-ADSyncSyncCycle -PolicyType Delta).")
	}
	if c.Contained {
		d = append(d, "IR-USR-002 found the account already contained (password reset and sessions revoked after the incident start), so sign-in is not blocked and the password is not reset again.")
	}
	return d
}

// notes are the header's requirement notes.
func (c *containment) notes(conn Connection) []string {
	var n []string
	var mods []string
	for _, m := range conn.modulesFor(len(c.Steps) > 0) {
		mods = append(mods, m.Name+" "+m.MinVersion+" or later")
	}
	if len(mods) > 0 {
		n = append(n, "Requires Windows PowerShell 5.1 or PowerShell 7 with "+strings.Join(mods, " and ")+" (Install-Module <name> -Scope CurrentUser). Microsoft Graph is called with Invoke-MgGraphRequest only; the Remove-Mg* cmdlet doing the same is named in a comment at each step.")
	}
	if len(conn.GraphScopes) > 0 {
		n = append(n, "Microsoft Graph permissions requested (delegated, the least privileged that allow each step; User.ReadWrite.All is not needed): "+strings.Join(conn.GraphScopes, ", ")+
			". With -WhatIf only their read counterparts are requested ("+strings.Join(ReadScopes(conn.GraphScopes), ", ")+"), so a dry run needs no consent to write"+
			". Sign in interactively as an administrator: resetting the password and removing authentication methods of an administrator needs Privileged Authentication Administrator; for other users Authentication Administrator and User Administrator together suffice (Global Administrator covers everything).")
	}
	if conn.Exchange {
		n = append(n, "Exchange Online steps (forwarding, protocols, hidden inbox rules, the restricted senders list, and inbox rules when Graph cannot open the mailbox) need the Exchange Administrator role.")
	}
	if c.Has(model.OpRemoveRuleExchange) {
		n = append(n, "Inbox rules that only the audit log and Get-InboxRule -IncludeHidden show are changed through Exchange Online by their rule identity, and only when the rule with that identity still has the name the audit recorded.")
	}
	if len(c.Evidence) > 0 {
		var when []string
		for _, e := range c.Evidence {
			var w []string
			if e.Created != nil {
				w = append(w, "created "+e.Created.UTC().Format("2006-01-02 15:04"))
			}
			if e.Removed != nil {
				w = append(w, "deleted "+e.Removed.UTC().Format("2006-01-02 15:04"))
			}
			if len(w) > 0 {
				when = append(when, strings.Join(w, ", "))
			}
		}
		text := fmt.Sprintf("Evidence only: %s the attacker made and deleted again %s already gone, so there is nothing to remove", phrase.Plural(len(c.Evidence), "inbox rule", "inbox rules"), pick(len(c.Evidence) == 1, "is", "are"))
		if len(when) > 0 {
			text += " (" + strings.Join(when, "; ") + ", UTC)"
		}
		n = append(n, text+". The script prints "+pick(len(c.Evidence) == 1, "it", "them")+" at the end under 'Already deleted (evidence only)'; the audit report has the full history.")
	}
	if c.Has(model.OpRemoveRule) {
		n = append(n, "Inbox rules are changed through Microsoft Graph by rule id. In a delegated session Graph opens only mailboxes the signed-in account may open; when it answers access denied, the step uses Exchange Online instead (Get-InboxRule, then Remove-InboxRule or Disable-InboxRule), and only when exactly one rule of the mailbox has the rule's name.")
	}
	if c.Has(model.OpResetPassword) {
		n = append(n, "The new password is generated when the script runs, with a cryptographic random number generator, and shown once on the console. It is never written to the change log or any file, but a transcript (Start-Transcript) or a console log you keep would contain it.")
	}
	if len(c.NotEvaluated) > 0 {
		n = append(n, "WARNING: these incident checks could not be evaluated (data not collected), so the attacker may have left more than this script removes: "+strings.Join(c.NotEvaluated, ", ")+".")
	}
	return n
}

// writeUserVars writes the incident user's identity as quoted data.
// pick returns a when cond holds, else b.
func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

func (c *containment) writeUserVars(s *Script) {
	s.Blank()
	s.Comment("The compromised account and the incident window, from the audit. Data, never code.")
	s.Line("$IncidentUserId = %s", Lit(c.UserID))
	s.Line("$IncidentUserPrincipalName = %s", Lit(c.UPN))
	s.Line("$IncidentWindowStart = %s", Lit(c.Start.UTC().Format(time.RFC3339)))
	s.Line("$IncidentWindowEnd = %s", Lit(c.End.UTC().Format(time.RFC3339)))
}

// helperGraphObject reads one Graph object or $null when it is gone.
const helperGraphObject = `
function Get-GraphObjectOrNull {
    # GET one Microsoft Graph object; $null when it does not exist (404), so
    # an object already removed is skipped instead of failing.
    param([Parameter(Mandatory = $true)] [string] $Uri)
    try {
        return Invoke-MgGraphRequest -Method GET -Uri $Uri
    } catch {
        $status = 0
        $response = $_.Exception.Response
        if ($null -ne $response -and $null -ne $response.StatusCode) { $status = [int]$response.StatusCode }
        if ($status -eq 404 -or [string]$_.Exception.Message -match '\b404\b|NotFound|does not exist') { return $null }
        throw
    }
}
`

// helperPassword generates the new password. No character that is hard to
// read aloud or to type (0/O, 1/l/I, quotes, backtick, $, space).
const helperPassword = `
function Get-RandomIndex {
    # Unbiased random integer in [0, $Max) from a cryptographic RNG
    # (rejection sampling: values past the last whole multiple of $Max are
    # drawn again).
    param([Parameter(Mandatory = $true)] $Rng, [Parameter(Mandatory = $true)] [int] $Max)
    $bytes = New-Object 'byte[]' 4
    $range = [long]4294967296
    $limit = $range - ($range % $Max)
    do {
        $Rng.GetBytes($bytes)
        $value = [long][System.BitConverter]::ToUInt32($bytes, 0)
    } while ($value -ge $limit)
    return [int]($value % $Max)
}

function Get-ContainmentPassword {
    # A random password of $Length characters with at least one upper-case
    # letter, lower-case letter, digit and symbol, from
    # System.Security.Cryptography.RandomNumberGenerator (never Get-Random).
    param([int] $Length = 28)
    $classes = @('ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '!#%+-.:=?@_~')
    $all = -join $classes
    $rng = [System.Security.Cryptography.RandomNumberGenerator]::Create()
    try {
        $chars = New-Object 'System.Collections.Generic.List[char]'
        foreach ($class in $classes) { $chars.Add($class[(Get-RandomIndex -Rng $rng -Max $class.Length)]) }
        while ($chars.Count -lt $Length) { $chars.Add($all[(Get-RandomIndex -Rng $rng -Max $all.Length)]) }
        for ($i = $chars.Count - 1; $i -gt 0; $i--) {
            $j = Get-RandomIndex -Rng $rng -Max ($i + 1)
            $swap = $chars[$i]; $chars[$i] = $chars[$j]; $chars[$j] = $swap
        }
        return (-join $chars)
    } finally {
        $rng.Dispose()
    }
}
`

// writeHelpers writes the containment helper functions the steps use.
func (c *containment) writeHelpers(s *Script) {
	if !c.HasGraph() && !c.Has(model.OpResetPassword) {
		return
	}
	s.raw("#region ContainmentHelpers")
	if c.HasGraph() {
		s.buf.WriteString(strings.TrimPrefix(helperGraphObject, "\n"))
	}
	if c.Has(model.OpResetPassword) {
		s.buf.WriteString(helperPassword)
	}
	s.raw("#endregion ContainmentHelpers")
}

// writeUserGuard reads the incident user from the live tenant before any
// change and stops when the object id no longer exists.
func (c *containment) writeUserGuard(s *Script) {
	s.Blank()
	s.Region("TargetUser", "Read the compromised account (nothing is changed before this passes)", func() {
		s.Line("$IncidentUser = Get-GraphObjectOrNull -Uri ('/v1.0/users/' + [uri]::EscapeDataString($IncidentUserId) + '?$select=id,userPrincipalName,displayName,accountEnabled,onPremisesSyncEnabled')")
		s.Open("if ($null -eq $IncidentUser -or [string]$IncidentUser.id -ne $IncidentUserId) {")
		s.Line("throw ('User {0} ({1}) was not found in the tenant. Nothing was changed.' -f $IncidentUserId, (ConvertTo-ConsoleText $IncidentUserPrincipalName))")
		s.Close("}")
		s.Open("if ([string]$IncidentUser.userPrincipalName -ne $IncidentUserPrincipalName) {")
		s.Line("Write-Warning ('The account {0} is now called {1} (it was {2} in the audit). It is the same object id; the script goes on.' -f $IncidentUserId, (ConvertTo-ConsoleText ([string]$IncidentUser.userPrincipalName)), (ConvertTo-ConsoleText $IncidentUserPrincipalName))")
		s.Close("}")
		s.Line("Write-Host ('Compromised account: {0} ({1}), sign-in enabled: {2}' -f (ConvertTo-ConsoleText ([string]$IncidentUser.userPrincipalName)), $IncidentUserId, $IncidentUser.accountEnabled)")
		if len(c.NotEvaluated) > 0 {
			s.Line("Write-Warning ('Not evaluated by the audit (data not collected), so this script may not remove everything the attacker left: {0}' -f (%s -join ', '))", LitList(c.NotEvaluated))
		}
	})
}

// graphURI renders a Graph path whose {} placeholders are filled with the
// ids, each URL-escaped at run time.
func graphURI(parts ...string) Code {
	// parts alternate: fixed text, id, fixed text, id, …
	var b strings.Builder
	b.WriteByte('(')
	for i, p := range parts {
		if i > 0 {
			b.WriteString(" + ")
		}
		if i%2 == 0 {
			b.WriteString(Quote(p))
		} else {
			b.WriteString("[uri]::EscapeDataString(" + Quote(p) + ")")
		}
	}
	b.WriteByte(')')
	return Code(b.String())
}

// targetLit is the ShouldProcess target of a step: the object's name and
// id, one quoted literal, both sanitised for display (no line breaks or
// invisible characters: the target is shown by -WhatIf and -Confirm and
// kept on one line). The change statements use the ids as they are.
func targetLit(a model.Action) Code { return Lit(targetText(a)) }

// targetText is the display text of a step's target.
func targetText(a model.Action) string {
	name, id := CommentText(a.TargetName), CommentText(a.TargetID)
	if name == "" || name == id {
		return id
	}
	return name + " [" + id + "]"
}

// writeSteps writes one region per phase, one guarded block per step.
func (c *containment) writeSteps(ctx context.Context, s *Script) {
	rulesIntro := "Each rule is read first; its full JSON goes into the change log as evidence (before), then it is deleted, or only disabled with -KeepRulesDisabled."
	if c.Has(model.OpRemoveRuleExchange) {
		rulesIntro = "Each rule is read first and saved in the change log as evidence (before): Graph's full JSON, or through Exchange Online its name, rule identity, state and description. Then it is deleted, or only disabled with -KeepRulesDisabled. A hidden rule exists only in Exchange Online: Outlook, Graph and Get-InboxRule without -IncludeHidden do not show it."
	}
	phases := []struct {
		id, title string
		ops       []model.Op
		intro     string
	}{
		{"Step1-StopAttacker", "Block sign-in and revoke sessions", []model.Op{model.OpBlockSignIn, model.OpRevokeSessions},
			"First stop the attacker: with sign-in blocked and every refresh token revoked, neither the stolen password nor a stolen session works, and nothing can be re-added while the steps below run."},
		{"Step2-AuthMethods", "Remove the authentication methods registered in the window", []model.Op{model.OpRemoveMethod},
			"The attacker's own authenticator or phone would pass MFA after the password reset. Each method is read first and removed by its id; the user re-registers afterwards."},
		{"Step3-InboxRules", "Remove the suspicious inbox rules", []model.Op{model.OpRemoveRule, model.OpRemoveRuleExchange},
			rulesIntro},
		{"Step4-Forwarding", "Clear mailbox forwarding", []model.Op{model.OpClearForwarding},
			"Mailbox forwarding survives a password reset and copies every message to the attacker."},
		{"Step5-OAuthConsents", "Revoke the OAuth consents given in the window", []model.Op{model.OpRevokeGrant},
			"A consented mail client keeps its own access to the mailbox; revoking the grant removes it. The grant is read first and must still belong to this user."},
		{"Step6-Guests", "Block, then delete, the guests invited in the window", []model.Op{model.OpDisableGuest, model.OpRemoveGuest, model.OpDisableMember},
			"Each guest is read first and must still be a guest. Sign-in is blocked first (a separate step you can accept alone), then the guest is deleted; deleted users stay restorable for 30 days (Entra admin center > Users > Deleted users)."},
		{"Step7-Password", "Reset the password", []model.Op{model.OpResetPassword},
			"Done after the attacker's methods and sessions are gone. The password is generated here, shown once, and never logged."},
		{"Step8-Protocols", "Disable POP, IMAP and SMTP AUTH for the mailbox", []model.Op{model.OpProtocols},
			"These protocols accept a password alone and skip MFA. The organisation-wide settings are in remediation.ps1."},
		{"Step9-RestrictedSender", "Release the account from the restricted senders list", []model.Op{model.OpReleaseSender},
			"Exchange Online stopped this account from sending after it sent spam. The restriction is released last, and only when every containment step above held (applied, or found already done): released while the attacker may still sign in, the account mails again and is restricted again, and Microsoft limits how many times an account can be released (after that only Microsoft support can)."},
	}
	for _, ph := range phases {
		var steps []model.Step
		for _, st := range c.Steps {
			for _, o := range ph.ops {
				if st.Op == o {
					steps = append(steps, st)
				}
			}
		}
		if len(steps) == 0 {
			continue
		}
		if ctx.Err() != nil {
			return
		}
		s.Blank()
		s.Region(ph.id, ph.title, func() {
			s.Comment(ph.intro)
			for i := 0; i < len(steps); i++ {
				st := steps[i]
				if st.Op == model.OpDisableGuest && i+1 < len(steps) && steps[i+1].Op == model.OpRemoveGuest && steps[i+1].TargetID == st.TargetID {
					c.writeGuest(s, st, steps[i+1])
					i++
					continue
				}
				c.writeStep(s, st)
			}
		})
	}
}

// skippedMsg logs a step left alone with our reason.
// disableAccount writes the guarded change that blocks sign-in of the
// account at uri (a quoted Graph URI).
func disableAccount(s *Script, checkID string, target Code, action string, uri Code) {
	s.Change(Change{CheckID: checkID, Target: target, Action: action, Before: "$true", After: "$false", Apply: func() {
		s.Line("Invoke-MgGraphRequest -Method PATCH -Uri %s -Body (ConvertTo-GraphBody @{ accountEnabled = $false }) -ContentType 'application/json' | Out-Null", uri)
	}})
}

func skippedMsg(s *Script, checkID string, target Code, reason string) {
	s.Skipped(checkID, target, reason)
}

// writeStep writes one step's read, compare and guarded change.
func (c *containment) writeStep(s *Script, st model.Step) {
	tgt := targetLit(st.Action)
	id := st.CheckID
	uid := c.UserID
	userURI := graphURI("/v1.0/users/", uid)
	s.Blank()
	switch st.Op {
	case model.OpBlockSignIn:
		s.Comment("Update-MgUser -UserId <id> -AccountEnabled:$false")
		s.Try(id, tgt, func() {
			s.Open("if ($IncidentUser.onPremisesSyncEnabled -eq $true) {")
			skippedMsg(s, id, tgt, "synchronised from on-premises Active Directory: disable the account there (Disable-ADAccount) and run a delta sync")
			s.Close("} elseif ($IncidentUser.accountEnabled -eq $false) {")
			s.Unchanged(id, tgt, "$false")
			s.Close("} else {")
			disableAccount(s, id, tgt, st.What, userURI)
			s.Close("}")
		})
	case model.OpRevokeSessions:
		s.Comment("Revoke-MgUserSignInSession -UserId <id>. Also ends the refresh tokens of consented apps (the attacker's mail client) until they are revoked below.")
		s.Try(id, tgt, func() {
			s.Change(Change{CheckID: id, Target: tgt, Action: st.What, After: "'sessions revoked'", Apply: func() {
				s.Line("Invoke-MgGraphRequest -Method POST -Uri %s | Out-Null", graphURI("/v1.0/users/", uid, "/revokeSignInSessions"))
			}})
		})
	case model.OpRemoveMethod:
		ep := authMethodEndpoints()[st.MethodType]
		uri := graphURI("/v1.0/users/", uid, "/authentication/"+ep.segment+"/", st.TargetID)
		s.Comment(ep.cmdlet + " -UserId <id> (method id below)")
		s.Try(id, tgt, func() {
			s.Line("$method = Get-GraphObjectOrNull -Uri %s", uri)
			s.Open("if ($null -eq $method) {")
			skippedMsg(s, id, tgt, "already removed")
			s.Close("} else {")
			s.Change(Change{CheckID: id, Target: tgt, Action: st.What, Before: "$method", Apply: func() {
				s.Line("Invoke-MgGraphRequest -Method DELETE -Uri %s | Out-Null", uri)
			}})
			s.Close("}")
		})
	case model.OpRemoveRule:
		uri := graphURI("/v1.0/users/", uid, "/mailFolders/inbox/messageRules/", st.TargetID)
		mbx := Lit(c.UPN)
		s.Comment("Remove-MgUserMailFolderMessageRule -UserId <id> -MailFolderId inbox -MessageRuleId <rule id below>")
		s.Try(id, tgt, func() {
			s.Line("$rule = $null")
			s.Line("$viaExchange = $false")
			s.Open("try {")
			s.Line("$rule = Get-GraphObjectOrNull -Uri %s", uri)
			s.Close("} catch {")
			s.Comment("In a delegated session Graph opens only mailboxes the signed-in account may open; an administrator role is not enough. Exchange Online can do the same with the administrator role.")
			s.Line("if ([string]$_.Exception.Message -notmatch 'Forbidden|AccessDenied|Access is denied') { throw }")
			s.Line("$viaExchange = $true")
			s.Close("}")
			s.Open("if ($viaExchange) {")
			s.Comment("Remove-InboxRule / Disable-InboxRule by the rule's name, only when exactly one rule of the mailbox has it.")
			s.Line("$exoRules = @(Get-InboxRule -Mailbox %s -IncludeHidden | Where-Object { [string]$_.Name -ceq %s })", mbx, Lit(st.RuleName))
			s.Open("if ($exoRules.Count -ne 1) {")
			s.Line("Add-ChangeLog -CheckId %s -Target %s -Status 'failed' -Message ('Graph could not open the mailbox, and Exchange Online has {0} rules with this name: remove it by hand (Get-InboxRule -Mailbox <user> -IncludeHidden, then Remove-InboxRule)' -f $exoRules.Count)", Lit(id), tgt)
			s.Close("} else {")
			s.Line("$exoRule = $exoRules[0]")
			s.Line("$evidence = [ordered]@{ name = [string]$exoRule.Name; ruleIdentity = [string]$exoRule.RuleIdentity; enabled = [bool]$exoRule.Enabled; description = [string]$exoRule.Description }")
			s.Open("if ($KeepRulesDisabled) {")
			s.Change(Change{CheckID: id, Target: tgt, Action: model.WhatDisableRuleExo, Before: "$evidence", After: "[ordered]@{ enabled = $false }", Apply: func() {
				s.Line("Disable-InboxRule -Mailbox %s -Identity ([string]$exoRule.RuleIdentity) -Confirm:$false", mbx)
			}})
			s.Close("} else {")
			s.Change(Change{CheckID: id, Target: tgt, Action: model.WhatRemoveRuleExo, Before: "$evidence", Message: "'the rule as it was is saved in before (evidence)'", Apply: func() {
				s.Line("Remove-InboxRule -Mailbox %s -Identity ([string]$exoRule.RuleIdentity) -Confirm:$false", mbx)
			}})
			s.Close("}")
			s.Close("}")
			s.Close("} elseif ($null -eq $rule) {")
			skippedMsg(s, id, tgt, "already removed")
			s.Close("} elseif ($KeepRulesDisabled) {")
			s.Open("if ($rule.isEnabled -eq $false) {")
			s.Line("Add-ChangeLog -CheckId %s -Target %s -Before $rule -After $rule -Status 'skipped' -Message 'already disabled (kept as evidence)'", Lit(id), tgt)
			s.Close("} else {")
			s.Change(Change{CheckID: id, Target: tgt, Action: model.WhatDisableRule, Before: "$rule", After: "[ordered]@{ isEnabled = $false }", Apply: func() {
				s.Line("Invoke-MgGraphRequest -Method PATCH -Uri %s -Body (ConvertTo-GraphBody @{ isEnabled = $false }) -ContentType 'application/json' | Out-Null", uri)
			}})
			s.Close("}")
			s.Close("} else {")
			s.Change(Change{CheckID: id, Target: tgt, Action: st.What, Before: "$rule", Message: "'the rule as it was is saved in before (evidence)'", Apply: func() {
				s.Line("Invoke-MgGraphRequest -Method DELETE -Uri %s | Out-Null", uri)
			}})
			s.Close("}")
		})
	case model.OpRemoveRuleExchange:
		mbx := Lit(c.UPN)
		if st.Hidden {
			s.Comment("A hidden rule: Outlook and Graph do not show it, and Get-InboxRule only with -IncludeHidden. Remove-InboxRule removes it by its rule identity.")
		} else {
			s.Comment("Get-InboxRule -IncludeHidden, then Remove-InboxRule by the rule identity the audit recorded.")
		}
		s.Try(id, tgt, func() {
			s.Line("$ruleIdentity = %s", Lit(st.Identity))
			s.Line("$ruleName = %s", Lit(st.RuleName))
			s.Line("$exoRules = @(Get-InboxRule -Mailbox %s -IncludeHidden | Where-Object { [string]$_.RuleIdentity -eq $ruleIdentity })", mbx)
			s.Open("if ($exoRules.Count -eq 0) {")
			skippedMsg(s, id, tgt, "already removed")
			s.Close("} elseif ([string]$exoRules[0].Name -cne $ruleName) {")
			s.Line("Add-ChangeLog -CheckId %s -Target %s -Before ([string]$exoRules[0].Name) -Status 'skipped' -Message 'the rule with this identity now has another name than in the audit: not changed, review it'", Lit(id), tgt)
			s.Close("} else {")
			s.Line("$exoRule = $exoRules[0]")
			s.Line("$evidence = [ordered]@{ name = [string]$exoRule.Name; ruleIdentity = [string]$exoRule.RuleIdentity; enabled = [bool]$exoRule.Enabled; description = [string]$exoRule.Description }")
			s.Open("if ($KeepRulesDisabled) {")
			s.Open("if ($exoRule.Enabled -eq $false) {")
			s.Line("Add-ChangeLog -CheckId %s -Target %s -Before $evidence -After $evidence -Status 'skipped' -Message 'already disabled (kept as evidence)'", Lit(id), tgt)
			s.Close("} else {")
			s.Change(Change{CheckID: id, Target: tgt, Action: model.WhatDisableRuleExo, Before: "$evidence", After: "[ordered]@{ enabled = $false }", Apply: func() {
				s.Line("Disable-InboxRule -Mailbox %s -Identity $ruleIdentity -Confirm:$false", mbx)
			}})
			s.Close("}")
			s.Close("} else {")
			s.Change(Change{CheckID: id, Target: tgt, Action: st.What, Before: "$evidence", Message: "'the rule as it was is saved in before (evidence)'", Apply: func() {
				s.Line("Remove-InboxRule -Mailbox %s -Identity $ruleIdentity -Confirm:$false", mbx)
			}})
			s.Close("}")
			s.Close("}")
		})
	case model.OpReleaseSender:
		addr := Lit(st.Identity)
		s.Comment("Remove-BlockedSenderAddress releases the account; Get-BlockedSenderAddress reads the restriction first. A step above that failed, or that you declined, keeps the restriction in place.")
		s.Try(id, tgt, func() {
			s.Line("$containmentChecks = %s", LitList(st.Requires))
			s.Comment("Failed, or declined at the prompt (a skip without a reason).")
			s.Line("$notHeld = @($script:ChangeLog | Where-Object { $containmentChecks -contains $_.checkId -and ($_.status -eq 'failed' -or ($_.status -eq 'skipped' -and -not $_.message)) })")
			if c.HasGraph() {
				s.Open("if ($IncidentUser.onPremisesSyncEnabled -eq $true) {")
				skippedMsg(s, id, tgt, msgSenderSynced)
				s.Close("} elseif ($notHeld.Count -gt 0) {")
			} else {
				s.Open("if ($notHeld.Count -gt 0) {")
			}
			skippedMsg(s, id, tgt, msgSenderNotHeld)
			s.Close("} else {")
			s.Line("$restriction = @(Get-BlockedSenderAddress -SenderAddress %s)", addr)
			s.Open("if ($restriction.Count -eq 0) {")
			skippedMsg(s, id, tgt, msgSenderNotListed)
			s.Close("} else {")
			s.Line("$before = [ordered]@{ SenderAddress = [string]$restriction[0].SenderAddress; Reason = [string]$restriction[0].Reason; CreatedDatetime = [string]$restriction[0].CreatedDatetime }")
			s.Change(Change{CheckID: id, Target: tgt, Action: st.What, Before: "$before", After: "'released'", Apply: func() {
				s.Line("Remove-BlockedSenderAddress -SenderAddress %s", addr)
			}})
			s.Close("}")
			s.Close("}")
		})
	case model.OpClearForwarding:
		ident := Lit(st.Identity)
		s.Try(id, tgt, func() {
			s.Line("$mailbox = Get-Mailbox -Identity %s", ident)
			s.Line("$before = [ordered]@{ ForwardingSmtpAddress = [string]$mailbox.ForwardingSmtpAddress; ForwardingAddress = [string]$mailbox.ForwardingAddress; DeliverToMailboxAndForward = [bool]$mailbox.DeliverToMailboxAndForward }")
			s.Open("if (-not $before.ForwardingSmtpAddress -and -not $before.ForwardingAddress) {")
			s.Unchanged(id, tgt, "$before")
			s.Close("} else {")
			s.Change(Change{CheckID: id, Target: tgt, Action: st.What, Before: "$before",
				After: "[ordered]@{ ForwardingSmtpAddress = ''; ForwardingAddress = ''; DeliverToMailboxAndForward = $false }", Apply: func() {
					s.Line("Set-Mailbox -Identity %s -ForwardingSmtpAddress $null -ForwardingAddress $null -DeliverToMailboxAndForward $false -Confirm:$false", ident)
				}})
			s.Close("}")
		})
	case model.OpRevokeGrant:
		uri := graphURI("/v1.0/oauth2PermissionGrants/", st.TargetID)
		s.Comment("Remove-MgOauth2PermissionGrant -OAuth2PermissionGrantId <grant id below>")
		s.Try(id, tgt, func() {
			s.Line("$grant = Get-GraphObjectOrNull -Uri %s", uri)
			s.Open("if ($null -eq $grant) {")
			skippedMsg(s, id, tgt, "already revoked")
			s.Close("} elseif ([string]$grant.principalId -ne $IncidentUserId) {")
			s.Line("Add-ChangeLog -CheckId %s -Target %s -Before $grant -Status 'skipped' -Message 'the grant no longer belongs to this user: not changed, review it'", Lit(id), tgt)
			s.Close("} else {")
			s.Change(Change{CheckID: id, Target: tgt, Action: st.What, Before: "$grant", Apply: func() {
				s.Line("Invoke-MgGraphRequest -Method DELETE -Uri %s | Out-Null", uri)
			}})
			s.Close("}")
		})
	case model.OpDisableMember:
		uri := graphURI("/v1.0/users/", st.TargetID)
		s.Try(id, tgt, func() {
			s.Line("$account = Get-GraphObjectOrNull -Uri %s", graphURI("/v1.0/users/", st.TargetID, "?$select=id,userType,accountEnabled"))
			s.Open("if ($null -eq $account) {")
			skippedMsg(s, id, tgt, "already deleted")
			s.Close("} elseif ($account.accountEnabled -eq $false) {")
			s.Unchanged(id, tgt, "$false")
			s.Close("} else {")
			disableAccount(s, id, tgt, st.What, uri)
			s.Close("}")
		})
	case model.OpResetPassword:
		s.Comment("Update-MgUser -UserId <id> -PasswordProfile @{ ForceChangePasswordNextSignIn = $true; Password = <random> }")
		s.Try(id, tgt, func() {
			s.Open("if ($IncidentUser.onPremisesSyncEnabled -eq $true) {")
			skippedMsg(s, id, tgt, "synchronised from on-premises Active Directory: reset the password there (Set-ADAccountPassword, then Set-ADUser -ChangePasswordAtLogon $true) and run a delta sync")
			s.Close("} else {")
			s.Change(Change{CheckID: id, Target: tgt, Action: st.What, After: "'password reset, change required at next sign-in (the password itself is not logged)'", Apply: func() {
				s.Line("$newPassword = Get-ContainmentPassword")
				s.Comment("-Verbose:$false -Debug:$false: debug output would print the request body, which holds the password.")
				s.Line("Invoke-MgGraphRequest -Method PATCH -Uri %s -Body (ConvertTo-GraphBody @{ passwordProfile = @{ forceChangePasswordNextSignIn = $true; password = $newPassword } }) -ContentType 'application/json' -Verbose:$false -Debug:$false | Out-Null", userURI)
				s.Line("Write-Host ''")
				s.Line("Write-Host 'New temporary password (shown only now and saved nowhere; give it to the user in person or by phone, never by mail to this mailbox):' -ForegroundColor Yellow")
				s.Line("Write-Host ('    ' + $newPassword) -ForegroundColor Yellow")
				s.Line("Write-Host ''")
				s.Line("$newPassword = $null")
			}})
			s.Close("}")
		})
	case model.OpProtocols:
		ident := Lit(st.Identity)
		s.Try(id, tgt, func() {
			s.Line("$cas = Get-CASMailbox -Identity %s", ident)
			s.Line("$before = [ordered]@{ PopEnabled = $cas.PopEnabled; ImapEnabled = $cas.ImapEnabled; SmtpClientAuthenticationDisabled = $cas.SmtpClientAuthenticationDisabled }")
			s.Open("if ($cas.PopEnabled -eq $false -and $cas.ImapEnabled -eq $false -and $cas.SmtpClientAuthenticationDisabled -eq $true) {")
			s.Unchanged(id, tgt, "$before")
			s.Close("} else {")
			s.Change(Change{CheckID: id, Target: tgt, Action: st.What, Before: "$before", After: "[ordered]@{ PopEnabled = $false; ImapEnabled = $false; SmtpClientAuthenticationDisabled = $true }", Apply: func() {
				s.Line("Set-CASMailbox -Identity %s -PopEnabled $false -ImapEnabled $false -SmtpClientAuthenticationDisabled $true -Confirm:$false", ident)
			}})
			s.Close("}")
		})
	}
}

// writeGuest writes the block-then-delete pair for one guest: two guarded
// changes, so an operator can block and keep.
func (c *containment) writeGuest(s *Script, disable, remove model.Step) {
	tgt := targetLit(disable.Action)
	id := disable.CheckID
	uri := graphURI("/v1.0/users/", disable.TargetID)
	s.Blank()
	s.Comment("Update-MgUser -UserId <guest id> -AccountEnabled:$false, then Remove-MgUser -UserId <guest id>")
	s.Try(id, tgt, func() {
		s.Line("$guest = Get-GraphObjectOrNull -Uri %s", graphURI("/v1.0/users/", disable.TargetID, "?$select=id,userPrincipalName,userType,accountEnabled,createdDateTime"))
		s.Open("if ($null -eq $guest) {")
		skippedMsg(s, id, tgt, "already deleted")
		s.Close("} elseif ([string]$guest.userType -ne 'Guest') {")
		s.Line("Add-ChangeLog -CheckId %s -Target %s -Before $guest -Status 'skipped' -Message 'no longer a guest: not changed, review it'", Lit(id), tgt)
		s.Close("} else {")
		s.Open("if ($guest.accountEnabled -eq $false) {")
		s.Unchanged(id, tgt, "$false")
		s.Close("} else {")
		disableAccount(s, id, tgt, disable.What, uri)
		s.Close("}")
		s.Change(Change{CheckID: remove.CheckID, Target: targetLit(remove.Action), Action: remove.What, Before: "$guest", After: "'deleted (restorable for 30 days)'", Apply: func() {
			s.Line("Invoke-MgGraphRequest -Method DELETE -Uri %s | Out-Null", uri)
		}})
		s.Close("}")
	})
}

// writeEvidence prints what the attacker made and already deleted.
func (c *containment) writeEvidence(s *Script) {
	if len(c.Evidence) == 0 {
		return
	}
	s.Blank()
	s.Region("Evidence", "Already deleted (evidence only)", func() {
		s.Comment("Inbox rules the attacker created and deleted again inside the window. They are gone, so nothing is removed; they show what the attacker hid (replies, bounces, warnings) while using the mailbox. The audit report has each rule's history.")
		s.Line("Write-Host ''")
		s.Line("Write-Host 'Already deleted by the attacker (evidence only, nothing to remove):' -ForegroundColor Yellow")
		for _, e := range c.Evidence {
			s.Line("Write-Host ('  [{0}] {1}: {2}' -f %s, (ConvertTo-ConsoleText %s), (ConvertTo-ConsoleText %s))", Lit(e.CheckID), Lit(e.Name), Lit(e.Detail))
		}
	})
}

// writeReview prints what the audit found and the script leaves alone.
func (c *containment) writeReview(s *Script) {
	if len(c.Review) == 0 && len(c.NotScripted) == 0 {
		return
	}
	s.Blank()
	s.Region("ForReview", "For review (not changed)", func() {
		s.Comment("Objects the audit found that this script does not change: created by someone else or before the window, ordinary, or not scriptable. Decide on each one; the audit report has the details.")
		s.Line("Write-Host ''")
		s.Line("Write-Host 'For review (not changed by this script):' -ForegroundColor Yellow")
		for _, r := range c.Review {
			s.Line("Write-Host ('  [{0}] {1} ({2}): {3}' -f %s, (ConvertTo-ConsoleText %s), (ConvertTo-ConsoleText %s), (ConvertTo-ConsoleText %s))",
				Lit(r.CheckID), Lit(r.Name), Lit(r.ID), Lit(r.Detail))
		}
		if len(c.NotScripted) > 0 {
			s.Line("Write-Host ('  Also failing, with no containment step (see the audit report): {0}' -f (%s -join ', '))", LitList(c.NotScripted))
		}
	})
}

// writeClosing prints what the admin must do next.
func (c *containment) writeClosing(s *Script) {
	s.Blank()
	s.Region("NextSteps", "What to do after this script", func() {
		s.Line("Write-Host ''")
		s.Line("Write-Host 'Next steps:' -ForegroundColor Yellow")
		if c.HasRuleRemoval() {
			s.Open("if (@($script:ChangeLog | Where-Object { %s -contains $_.checkId -and $_.status -eq 'failed' }).Count -gt 0) {", LitList([]string{checks.IDIRInb001, checks.IDIRInb002}))
			s.Line("Write-Warning 'Some inbox rule steps failed (see the change log). Remove those rules in Exchange Online (connected already):'")
			s.Line("$upnLiteral = \"'\" + (ConvertTo-ConsoleText ($IncidentUserPrincipalName -replace \"['‘’‚‛]\", '$0$0')) + \"'\"")
			s.Line("Write-Host ('    Get-InboxRule -Mailbox {0} -IncludeHidden | Format-List Name, RuleIdentity, Enabled, Description' -f $upnLiteral)")
			s.Line("Write-Host ('    Remove-InboxRule -Mailbox {0} -Identity <RuleIdentity of each rule whose name matches a rule in the change log>' -f $upnLiteral)")
			s.Close("}")
		}
		if c.Has(model.OpReleaseSender) {
			s.Line("$releasePending = @($script:ChangeLog | Where-Object { $_.checkId -eq %s -and ($_.status -eq 'failed' -or ($_.status -eq 'skipped' -and $_.message -ne %s)) }).Count -gt 0", Lit(checks.IDIRMail002), Lit(msgSenderNotListed))
			s.Open("if ($releasePending) {")
			s.Line("Write-Warning 'The account is still restricted from sending (Exchange Online restricted senders list). Once every containment step has held, release it:'")
			for _, st := range c.Steps {
				if st.Op == model.OpReleaseSender {
					// The address as a literal to paste: its value is the quoted address.
					s.Line("Write-Host ('    Remove-BlockedSenderAddress -SenderAddress {0}' -f (ConvertTo-ConsoleText %s))", Lit(Quote(st.Identity)))
				}
			}
			s.Close("}")
		}
		s.Line("if ($WhatIfPreference) { Write-Host 'What-if run: nothing was changed. Run the script again without -WhatIf to contain the account.' -ForegroundColor Cyan }")
		if c.Has(model.OpBlockSignIn) {
			s.Comment("Blocked when the block step was applied now, or found the account already blocked.")
			s.Line("$accountBlocked = @($script:ChangeLog | Where-Object { $_.checkId -eq %s -and $_.after -is [bool] -and $_.after -eq $false -and ($_.status -eq 'applied' -or $_.message -eq 'already compliant') }).Count -gt 0", Lit(checks.IDIRUsr002))
			s.Open("if (-not $accountBlocked) {")
			s.Line("Write-Warning 'Sign-in of the account is NOT blocked (the step was declined, failed, or this was a what-if run). Block it before anything else.'")
			s.Close("}")
			s.Line("Write-Host '  1. The account stays BLOCKED. It is not re-enabled by this script.'")
			s.Line("Write-Host '  2. Audit the tenant again (m365audit) and confirm the incident findings for this user are clean.'")
			s.Line("Write-Host '  3. Create a Temporary Access Pass for the user (Entra admin center > Users > Authentication methods) and hand it over in person or by phone, with the new password.'")
			s.Line("Write-Host '  4. Re-enable sign-in:'")
			s.Line("Write-Host ('       Invoke-MgGraphRequest -Method PATCH -Uri ''/v1.0/users/{0}'' -Body ''{{\"accountEnabled\":true}}'' -ContentType ''application/json''' -f $IncidentUserId)")
			s.Line("Write-Host ('       (or, with Microsoft.Graph.Users: Update-MgUser -UserId ''{0}'' -AccountEnabled:$true)' -f $IncidentUserId)")
			s.Line("Write-Host '  5. The user signs in with the new password (and must change it), then registers MFA again with the Temporary Access Pass at https://aka.ms/mysecurityinfo.'")
		} else {
			if c.Synced {
				s.Line("Write-Warning 'This account is synchronised from on-premises Active Directory. Block it and reset its password THERE now (Disable-ADAccount; Set-ADAccountPassword; Set-ADUser -ChangePasswordAtLogon $true), then run Start-ADSyncSyncCycle -PolicyType Delta. Until then the stolen password still works.'")
			}
			s.Line("Write-Host '  Sign-in was not blocked by this script. Make sure the user registers MFA again (https://aka.ms/mysecurityinfo) on a device they control.'")
		}
		s.Line("Write-Host '  Organisation-wide: run remediation.ps1 from the same audit (SMTP AUTH off for the organisation, POP and IMAP off in the CAS mailbox plans, legacy authentication blocked, and a Conditional Access policy requiring MFA for all users, created report-only first).'")
		s.Line("Write-Host '  Until MFA is enforced for everyone, a phished password is enough to sign in: that is how this account was taken.'")
		if len(c.NotEvaluated) > 0 {
			s.Line("Write-Warning ('Not evaluated by the audit (data not collected), so the attacker may have left more than this script removed: {0}' -f (%s -join ', '))", LitList(c.NotEvaluated))
		}
	})
}
