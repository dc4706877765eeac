package pwsh

import (
	"embed"
	"fmt"
	"sort"
	"strings"
	"time"
)

//go:embed fragments/*.ps1
var fragments embed.FS // read-only: the fixed PowerShell helper functions

// Minimum module versions written into #Requires. Graph SDK 2.x is needed
// for relative URIs in Invoke-MgGraphRequest and -NoWelcome; EXO 3.2 for
// REST-mode cmdlets and Get-ConnectionInformation with TenantID.
const (
	GraphAuthModule      = "Microsoft.Graph.Authentication"
	GraphAuthMinVersion  = "2.10.0"
	ExchangeModule       = "ExchangeOnlineManagement"
	ExchangeMinVersion   = "3.2.0"
	minPowerShellVersion = "5.1"
)

// Module is a PowerShell module the script needs, with its minimum version.
type Module struct {
	Name       string
	MinVersion string
}

// Param is a script parameter: its declaration (fixed template text, e.g.
// "[string] $SecurityNotificationAddress") and help text.
type Param struct {
	Name string
	Decl Code
	Help string
}

// Header is what the top of a script says about itself.
type Header struct {
	// Title is the first line, e.g. "m365audit remediation script".
	Title string
	// Synopsis and Description are our own text (comments).
	Synopsis    string
	Description []string
	// Tenant identity, from the snapshot. TenantID must be a GUID.
	TenantID      string
	TenantName    string
	PrimaryDomain string
	CollectedAt   time.Time
	ToolVersion   string
	// ScriptName is used in the usage examples (e.g. "remediation.ps1").
	ScriptName string
	Params     []Param
	// Notes are extra comment paragraphs (requirements, warnings).
	Notes []string
	// LogPrefix names the JSON change log in the header notes (the prefix
	// given to WriteFinish); "" means remediation-log.
	LogPrefix string
	// Unsafe, when set, is the warning banner of a script written from a
	// snapshot that is not trusted: it opens the file, and a throw right
	// after the param block stops the script until the admin deletes it.
	Unsafe []string
}

// unsafeThrow is the statement that keeps an unsafe script from running.
const unsafeThrow = "throw 'This script was generated from a snapshot that is not trusted (tampered or incomplete). Read the warning at the top of the file, check every change against the tenant, then delete this line to run it.'"

// Connection says which services the script connects to before changing
// anything, and how it proves it reached the audited tenant.
type Connection struct {
	TenantID string
	// Cloud is the snapshot's cloud: global (or empty), usgov, usgovdod, china.
	Cloud string
	// GraphScopes are the delegated Microsoft Graph permissions to request;
	// no Graph connection is made when empty.
	GraphScopes []string
	// Exchange connects to Exchange Online.
	Exchange bool
	// ExchangeOrganization, when known from the snapshot, is compared with
	// Get-OrganizationConfig's Name as a second check.
	ExchangeOrganization string
}

// Modules returns the modules a connection needs, in import order (Graph
// before Exchange: loading ExchangeOnlineManagement first is a known source
// of MSAL assembly conflicts).
func (c Connection) Modules() []Module {
	var m []Module
	if len(c.GraphScopes) > 0 {
		m = append(m, Module{GraphAuthModule, GraphAuthMinVersion})
	}
	if c.Exchange {
		m = append(m, Module{ExchangeModule, ExchangeMinVersion})
	}
	return m
}

// cloudEnvironments maps a snapshot cloud to Connect-MgGraph -Environment and
// Connect-ExchangeOnline -ExchangeEnvironmentName ("" = the default).
func cloudEnvironments(cloud string) (graph, exchange string, err error) {
	switch strings.ToLower(cloud) {
	case "", "global":
		return "", "", nil
	case "usgov":
		return "USGov", "O365USGovGCCHigh", nil
	case "usgovdod":
		return "USGovDoD", "O365USGovDoD", nil
	case "china":
		return "China", "O365China", nil
	}
	return "", "", fmt.Errorf("unknown cloud %q", cloud)
}

// isGUID reports whether s is a GUID in its 8-4-4-4-12 hex form.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}

// WriteHeader writes the BOM-less start of a script: #Requires lines, the
// comment-based help, the [CmdletBinding] param block and the tenant data
// variables. The caller writes a UTF-8 BOM before it (see Document).
func (s *Script) WriteHeader(h Header, mods []Module) error {
	if !isGUID(h.TenantID) {
		return fmt.Errorf("tenant id %q is not a GUID", h.TenantID)
	}
	tenantID := strings.ToLower(h.TenantID)
	if len(h.Unsafe) > 0 {
		s.Line("# " + strings.Repeat("!", 98))
		for _, l := range h.Unsafe {
			s.Comment(l)
		}
		s.Line("# " + strings.Repeat("!", 98))
		s.Blank()
	}
	s.Line("#Requires -Version " + minPowerShellVersion)
	for _, m := range mods {
		s.Line("#Requires -Modules @{ ModuleName = %s; ModuleVersion = %s }", Lit(m.Name), Lit(m.MinVersion))
	}
	s.Blank()
	s.Comment(h.Title)
	s.Line("#")
	s.Line("# .SYNOPSIS")
	s.Comment(h.Synopsis)
	s.Line("#")
	s.Line("# .DESCRIPTION")
	s.Comment(fmt.Sprintf("Generated by m365audit %s from the snapshot of tenant %s collected at %s.",
		h.ToolVersion, tenantID, h.CollectedAt.UTC().Format(time.RFC3339)))
	s.Comment("The tenant's name and domain are in $TenantDisplayName and $TenantPrimaryDomain below (kept out of comments on purpose: names from the tenant appear only as quoted data).")
	for _, d := range h.Description {
		s.Line("#")
		s.Comment(d)
	}
	name := h.ScriptName
	if !plainID(name) {
		name = "script.ps1"
	}
	s.Line("#")
	s.Line("# .EXAMPLE")
	s.Comment("./" + name + " -WhatIf")
	s.Comment("Run this first. Connects, verifies the tenant, reads the current settings and lists every change it would make, changing nothing.")
	s.Line("#")
	s.Line("# .EXAMPLE")
	s.Comment("./" + name)
	s.Comment("Applies the changes, asking for confirmation before each one (answer A for 'Yes to All'). Add -Confirm:$false to skip the prompts, -Verbose for before/after details.")
	for _, p := range h.Params {
		s.Line("#")
		s.Line("# .PARAMETER " + p.Name)
		s.Comment(p.Help)
	}
	s.Line("#")
	s.Line("# .NOTES")
	logPrefix := h.LogPrefix
	if !plainID(logPrefix) {
		logPrefix = remediationLogPrefix
	}
	s.Comment("Every change is guarded by ShouldProcess (-WhatIf, -Confirm), is made only when the current value differs, and is logged with its before and after values. A JSON change log (" + logPrefix + "-<UTC time>.json) is written next to the script at the end, also for -WhatIf runs. Each block runs in its own try/catch: a failure is logged and the script goes on.")
	s.Line("#")
	s.Comment("The script refuses to run (throws before any change) when the signed-in session belongs to another tenant than the audited one.")
	for _, n := range h.Notes {
		s.Line("#")
		s.Comment(n)
	}
	s.Blank()
	s.Line("[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]")
	if len(h.Params) == 0 {
		s.Line("param()")
	} else {
		s.Open("param(")
		for i, p := range h.Params {
			sep := ","
			if i == len(h.Params)-1 {
				sep = ""
			}
			s.Line("%s"+sep, p.Decl)
		}
		s.Close(")")
	}
	if len(h.Unsafe) > 0 {
		s.Blank()
		s.Comment("DELETE THE NEXT LINE BY HAND once every change below has been checked against the tenant (see the warning at the top of the file).")
		s.Line(unsafeThrow)
	}
	s.Blank()
	s.Comment("Values from the audited snapshot. They are data (single-quoted strings), never code.")
	s.Line("$ExpectedTenantId = %s", Lit(tenantID))
	s.Line("$TenantDisplayName = %s", Lit(h.TenantName))
	s.Line("$TenantPrimaryDomain = %s", Lit(h.PrimaryDomain))
	s.Line("$SnapshotCollectedAt = %s", Lit(h.CollectedAt.UTC().Format(time.RFC3339)))
	s.Line("$ToolVersion = %s", Lit(h.ToolVersion))
	return nil
}

// WritePrelude writes the fixed helper functions (change log, skip status,
// and the Graph and Conditional Access helpers when asked for).
func (s *Script) WritePrelude(graph, conditionalAccess bool) error {
	names := []string{"common.ps1"}
	if graph {
		names = append(names, "graph.ps1")
	}
	if conditionalAccess {
		names = append(names, "ca.ps1")
	}
	s.Blank()
	s.raw("#region Helpers")
	for _, n := range names {
		b, err := fragments.ReadFile("fragments/" + n)
		if err != nil {
			return fmt.Errorf("read fragment %s: %w", n, err)
		}
		s.buf.Write(b)
	}
	s.raw("#endregion Helpers")
	return nil
}

// WriteConnect connects to the services and verifies the tenant. It throws
// before any change when a session belongs to another tenant, lacks a
// requested Graph permission, or (Exchange) its organisation differs from
// the snapshot's.
func (s *Script) WriteConnect(c Connection) error {
	if !isGUID(c.TenantID) {
		return fmt.Errorf("tenant id %q is not a GUID", c.TenantID)
	}
	graphEnv, exoEnv, err := cloudEnvironments(c.Cloud)
	if err != nil {
		return err
	}
	s.Blank()
	s.Region("TenantGuard", "Connect and verify the tenant (nothing is changed before this passes)", func() {
		s.Line("Write-Host ('Tenant: {0} ({1}), snapshot of {2}' -f (ConvertTo-ConsoleText $TenantDisplayName), $ExpectedTenantId, $SnapshotCollectedAt)")
		if len(c.GraphScopes) > 0 {
			scopes := append([]string(nil), c.GraphScopes...)
			sort.Strings(scopes)
			s.Comment("Delegated Microsoft Graph permissions the blocks below need, and no others. A -WhatIf run only reads, so it asks for their read counterparts and needs no consent to write.")
			s.Line("$RequiredGraphScopes = %s", LitList(scopes))
			if read := ReadScopes(scopes); strings.Join(read, ",") != strings.Join(scopes, ",") {
				s.Open("if ($WhatIfPreference) {")
				s.Line("$RequiredGraphScopes = %s", LitList(read))
				s.Close("}")
			}
			if graphEnv != "" {
				s.Line("Connect-MgGraph -TenantId %s -Scopes $RequiredGraphScopes -Environment %s -NoWelcome", Lit(strings.ToLower(c.TenantID)), Lit(graphEnv))
			} else {
				s.Line("Connect-MgGraph -TenantId %s -Scopes $RequiredGraphScopes -NoWelcome", Lit(strings.ToLower(c.TenantID)))
			}
			s.Line("$mgContext = Get-MgContext")
			s.Open("if ($null -eq $mgContext) {")
			s.Line("throw 'Connect-MgGraph did not create a session. Nothing was changed.'")
			s.Close("}")
			s.Open("if ([string]$mgContext.TenantId -ne $ExpectedTenantId) {")
			s.Line("throw ('Microsoft Graph is connected to tenant {0}, but this script was generated for tenant {1}. Nothing was changed. Run Disconnect-MgGraph and start again.' -f $mgContext.TenantId, $ExpectedTenantId)")
			s.Close("}")
			s.Line("$missingScopes = @($RequiredGraphScopes | Where-Object { @($mgContext.Scopes) -notcontains $_ })")
			s.Open("if ($missingScopes.Count -gt 0) {")
			s.Line("throw ('The Microsoft Graph session lacks these permissions: {0}. Nothing was changed. Consent to them, or sign in with an account that can.' -f ($missingScopes -join ', '))")
			s.Close("}")
			s.Line("Write-Host ('Microsoft Graph: tenant {0}, signed in as {1}' -f $mgContext.TenantId, (ConvertTo-ConsoleText ([string]$mgContext.Account)))")
		}
		if c.Exchange {
			env := Code("")
			if exoEnv != "" {
				env = " -ExchangeEnvironmentName " + Lit(exoEnv)
			}
			s.Comment("A -WhatIf run only reads: it loads only the Exchange cmdlets that read, so it cannot change Exchange Online.")
			s.Open("if ($WhatIfPreference) {")
			s.Line("Connect-ExchangeOnline -ShowBanner:$false%s -CommandName %s", env, LitList(exchangeReadCmdlets))
			s.Close("} else {")
			s.Line("Connect-ExchangeOnline -ShowBanner:$false%s", env)
			s.Close("}")
			s.Line("$exoConnections = @(Get-ConnectionInformation | Where-Object { [string]$_.State -eq 'Connected' })")
			s.Open("if ($exoConnections.Count -eq 0) {")
			s.Line("throw 'Connect-ExchangeOnline did not create a session. Nothing was changed.'")
			s.Close("}")
			s.Comment("Every open Exchange Online session must belong to the audited tenant: cmdlets run in whichever one was opened last.")
			s.Open("foreach ($exoConnection in $exoConnections) {")
			s.Open("if ([string]$exoConnection.TenantID -ne $ExpectedTenantId) {")
			s.Line("throw ('Exchange Online session {0} is connected to tenant {1}, but this script was generated for tenant {2}. Nothing was changed. Run Disconnect-ExchangeOnline and start again.' -f $exoConnection.Name, $exoConnection.TenantID, $ExpectedTenantId)")
			s.Close("}")
			s.Close("}")
			if c.ExchangeOrganization != "" {
				s.Line("$ExpectedExchangeOrganization = %s", Lit(c.ExchangeOrganization))
				s.Line("$exoOrganization = Get-OrganizationConfig")
				s.Open("if ([string]$exoOrganization.Name -ne $ExpectedExchangeOrganization) {")
				s.Line("throw ('Exchange Online organization {0} is not the audited one ({1}). Nothing was changed.' -f (ConvertTo-ConsoleText ([string]$exoOrganization.Name)), (ConvertTo-ConsoleText $ExpectedExchangeOrganization))")
				s.Close("}")
			}
			s.Line("Write-Host ('Exchange Online: tenant {0}, signed in as {1}' -f $exoConnections[0].TenantID, (ConvertTo-ConsoleText ([string]$exoConnections[0].UserPrincipalName)))")
		}
	})
	return nil
}

// WriteFinish writes the summary and the JSON change log. logPrefix names
// the log file (prefix-<UTC time>.json, next to the script);
// reportOnlyPolicies adds the Conditional Access policy list to the log.
func (s *Script) WriteFinish(logPrefix string, reportOnlyPolicies bool) {
	if !plainID(logPrefix) {
		logPrefix = "script-log"
	}
	s.Blank()
	s.Region("Summary", "and JSON change log", func() {
		s.Line("$finishedAt = (Get-Date).ToUniversalTime()")
		s.Line("$statusCounts = [ordered]@{ applied = 0; whatif = 0; skipped = 0; failed = 0 }")
		s.Line("foreach ($entry in $script:ChangeLog) { $statusCounts[$entry.status] = $statusCounts[$entry.status] + 1 }")
		s.Line("$logDirectory = $PSScriptRoot")
		s.Line("if (-not $logDirectory) { $logDirectory = (Get-Location).Path }")
		s.Line("$logPath = Join-Path $logDirectory (%s + $finishedAt.ToString('yyyyMMdd-HHmmss') + 'Z.json')", Lit(logPrefix+"-"))
		s.Open("$logDocument = [ordered]@{")
		s.Line("tool                = 'm365audit'")
		s.Line("toolVersion         = $ToolVersion")
		s.Line("tenantId            = $ExpectedTenantId")
		s.Line("snapshotCollectedAt = $SnapshotCollectedAt")
		s.Line("startedAt           = $script:StartedAt.ToString('o')")
		s.Line("finishedAt          = $finishedAt.ToString('o')")
		s.Line("whatIf              = [bool]$WhatIfPreference")
		s.Line("counts              = $statusCounts")
		s.Line("changes             = $script:ChangeLog.ToArray()")
		if reportOnlyPolicies {
			s.Line("reportOnlyPolicies  = $script:ReportOnlyPolicies.ToArray()")
		}
		s.Close("}")
		s.Comment("-WhatIf:$false: the log is written on -WhatIf runs too (it is the list of planned changes).")
		s.Line("ConvertTo-Json -InputObject $logDocument -Depth 6 | Set-Content -LiteralPath $logPath -Encoding UTF8 -WhatIf:$false -Confirm:$false")
		s.Line("Write-Host ''")
		s.Line("Write-Host ('Applied: {0}   What-if: {1}   Skipped: {2}   Failed: {3}' -f $statusCounts.applied, $statusCounts.whatif, $statusCounts.skipped, $statusCounts.failed)")
		s.Line("Write-Host ('Change log: {0}' -f $logPath)")
	})
}

// Assemble returns a complete script: a UTF-8 BOM, the header (see
// WriteHeader) with the given #Requires modules, a warning comment when
// some literal carries control or invisible characters, then body.
func Assemble(h Header, mods []Module, body *Script) ([]byte, error) {
	head := &Script{}
	if err := head.WriteHeader(h, mods); err != nil {
		return nil, err
	}
	if body.invisible || head.invisible {
		head.Blank()
		head.Comment("NOTE: some quoted values in this script come from the tenant and contain control or invisible formatting characters (line breaks, bidirectional marks). They are inert data inside single-quoted strings, but an editor may display those lines oddly; view the file with invisible characters shown.")
	}
	out := make([]byte, 0, len(utf8BOM)+len(head.Bytes())+len(body.Bytes()))
	out = append(out, utf8BOM...)
	out = append(out, head.Bytes()...)
	out = append(out, body.Bytes()...)
	return out, nil
}
