// Package setup writes setup-app.ps1: a reviewable PowerShell script that
// creates the app registration for app-only collection with exactly the
// permissions the dataset registry needs (collectors/snapshot), the Global
// Reader role, a certificate credential and admin consent. It follows the
// safety conventions of remediation.ps1 (report/pwsh): -WhatIf and -Confirm
// through ShouldProcess, a tenant guard before any change, and a JSON log.
package setup

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/auth"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/pwsh"
)

// Well-known application ids of the resources the app needs.
const (
	GraphAppID    = "00000003-0000-0000-c000-000000000000"
	ExchangeAppID = "00000002-0000-0ff1-ce00-000000000000"
)

// roleTemplateIDs are the built-in Entra role template ids (the same in
// every tenant).
var roleTemplateIDs = map[string]string{
	"Global Reader": "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
}

// DefaultAppName is the display name of the app registration.
const DefaultAppName = "m365audit collector"

// Options describe the app registration to create.
type Options struct {
	// Tenant is the tenant (GUID or verified domain) the script must run in.
	Tenant  string
	AppName string
	Cloud   auth.Cloud
	// Incident adds the incident-only permissions.
	Incident bool
	// MultiTenant registers an app other tenants can consent to.
	MultiTenant bool
	// CertificateFile is the public certificate the script uploads, relative
	// to the script's directory (or absolute).
	CertificateFile string
	// KeyFile is the PEM with the private key `collect` uses (shown in the
	// printed command line).
	KeyFile     string
	ToolVersion string
}

// Plan is what the script will request: the permissions and roles.
type Plan struct {
	Permissions []snapshot.Permission `json:"permissions"`
	Roles       []string              `json:"roles"`
}

// NewPlan derives the permissions from the dataset registry.
func NewPlan(incident bool) Plan {
	p, r := snapshot.AppPermissions(snapshot.Specs(), incident)
	return Plan{Permissions: p, Roles: r}
}

// names returns the permission names of one resource.
func (p Plan) names(resource string) []string {
	var out []string
	for _, x := range p.Permissions {
		if x.Resource == resource {
			out = append(out, x.Name)
		}
	}
	return out
}

// graphEnvironment is Connect-MgGraph's -Environment for a cloud.
func graphEnvironment(c string) string {
	switch c {
	case auth.CloudUSGov:
		return "USGov"
	case auth.CloudUSGovDoD:
		return "USGovDoD"
	case auth.CloudChina:
		return "China"
	}
	return "Global"
}

// LoginHost is the sign-in host of the cloud without trailing slash.
func LoginHost(c auth.Cloud) string {
	h := strings.TrimRight(c.Authority.ActiveDirectoryAuthorityHost, "/")
	if h == "" {
		h = "https://login.microsoftonline.com"
	}
	return h
}

// ConsentURL is the admin-consent URL a client tenant's administrator opens
// for a multi-tenant app (tenant "organizations" lets any tenant's admin use
// it; a tenant id or domain pins it).
func ConsentURL(c auth.Cloud, tenant, appID string) string {
	return LoginHost(c) + "/" + tenant + "/adminconsent?client_id=" + appID
}

// CollectCommand is the `collect` command line to use with the app.
func CollectCommand(c auth.Cloud, tenant, appID, keyFile string) string {
	var b strings.Builder
	b.WriteString("m365audit collect --tenant " + shellArg(tenant) + " --auth certificate --client-id " + shellArg(appID) +
		" --certificate " + shellArg(keyFile))
	if c.Name != "" && c.Name != auth.CloudGlobal {
		b.WriteString(" --cloud " + c.Name)
	}
	return b.String()
}

// shellArg quotes s for a POSIX shell when it needs it.
func shellArg(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._/:@<>", r))
	}) < 0 && !strings.ContainsAny(s, "<>") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Script renders setup-app.ps1.
func Script(o Options, p Plan) ([]byte, error) {
	if strings.TrimSpace(o.Tenant) == "" {
		return nil, fmt.Errorf("setup: the tenant is required")
	}
	if o.AppName == "" {
		o.AppName = DefaultAppName
	}
	var roleIDs []string
	for _, r := range p.Roles {
		id, ok := roleTemplateIDs[r]
		if !ok {
			return nil, fmt.Errorf("setup: unknown directory role %q", r)
		}
		roleIDs = append(roleIDs, id)
	}
	graphPerms, exoPerms := p.names(snapshot.ResourceGraph), p.names(snapshot.ResourceExchange)
	audience := "AzureADMyOrg"
	if o.MultiTenant {
		audience = "AzureADMultipleOrgs"
	}
	s := &pwsh.Script{}
	s.Line("#Requires -Version 5.1")
	s.Line("#Requires -Modules @{ ModuleName = 'Microsoft.Graph.Authentication'; ModuleVersion = '2.10.0' }")
	s.Blank()
	s.Comment("m365audit app registration script")
	s.Line("#")
	s.Comment(".SYNOPSIS")
	s.Comment("Creates (or completes) the app registration m365audit uses to collect a tenant app-only: the " +
		"application permissions below, admin consent for them, the Global Reader role for the app, and a certificate credential.")
	s.Line("#")
	s.Comment(".DESCRIPTION")
	s.Comment("Generated by m365audit " + o.ToolVersion + ". The permissions are exactly those the collector's datasets need:")
	for _, x := range p.Permissions {
		what := strings.Join(x.Datasets, ", ")
		if len(x.Partial) > 0 {
			if what != "" {
				what += "; "
			}
			what += "part of " + strings.Join(x.Partial, ", ")
		}
		s.Comment("  " + x.Resource + " / " + x.Name + " (" + what + ")")
	}
	for _, r := range p.Roles {
		s.Comment("  directory role " + r + " (read-only; the Exchange admin API needs a role besides Exchange.ManageAsApp)")
	}
	if o.MultiTenant {
		s.Comment("The app is registered as multi-tenant: an administrator of each client tenant consents with the URL printed at the end, then assigns the Global Reader role to the app in that tenant.")
	}
	s.Line("#")
	s.Comment(".EXAMPLE")
	s.Comment("./setup-app.ps1 -WhatIf")
	s.Comment("Run this first. Signs in, verifies the tenant and lists every change it would make, changing nothing.")
	s.Line("#")
	s.Comment(".EXAMPLE")
	s.Comment("./setup-app.ps1")
	s.Comment("Makes the changes, asking for confirmation before each (answer A for 'Yes to All').")
	s.Line("#")
	s.Comment(".NOTES")
	s.Comment("Sign in as a Global Administrator (or Privileged Role Administrator plus Application Administrator). " +
		"The script refuses to change anything when the signed-in tenant is not the expected one. " +
		"It is idempotent: an existing app of the same name is completed, existing grants are kept. " +
		"A JSON log (setup-log-<UTC time>.json) is written next to the script, also for -WhatIf runs. " +
		"The certificate's private key never leaves this machine: only the public certificate is uploaded.")
	s.Blank()
	s.Line("[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]")
	s.Line("param(")
	s.Line("    [string] $CertificatePath = %s", certDefault(o.CertificateFile))
	s.Line(")")
	s.Blank()
	s.Comment("Values chosen when the script was generated. They are data (single-quoted strings), never code.")
	s.Line("$ExpectedTenant = %s", pwsh.Lit(o.Tenant))
	s.Line("$AppDisplayName = %s", pwsh.Lit(o.AppName))
	s.Line("$SignInAudience = %s", pwsh.Lit(audience))
	s.Line("$GraphEnvironment = %s", pwsh.Lit(graphEnvironment(o.Cloud.Name)))
	s.Line("$LoginHost = %s", pwsh.Lit(LoginHost(o.Cloud)))
	s.Line("$CloudFlag = %s", pwsh.Lit(cloudFlag(o.Cloud)))
	s.Line("$KeyFile = %s", pwsh.Lit(o.KeyFile))
	s.Line("$GraphAppId = %s", pwsh.Lit(GraphAppID))
	s.Line("$ExchangeAppId = %s", pwsh.Lit(ExchangeAppID))
	s.Line("$GraphPermissions = %s", pwsh.LitList(graphPerms))
	s.Line("$ExchangePermissions = %s", pwsh.LitList(exoPerms))
	s.Line("$DirectoryRoleIds = %s", pwsh.LitList(roleIDs))
	s.Line("$ToolVersion = %s", pwsh.Lit(o.ToolVersion))
	s.Blank()
	fixed(s, helpers)
	fixed(s, body)
	return s.Bytes(), nil
}

func certDefault(f string) pwsh.Code {
	if f == "" {
		f = "app.cer"
	}
	if strings.HasPrefix(f, "/") || strings.Contains(f, ":\\") {
		return pwsh.Lit(f)
	}
	return pwsh.Code("(Join-Path $PSScriptRoot " + string(pwsh.Lit(f)) + ")")
}

func cloudFlag(c auth.Cloud) string {
	if c.Name == "" || c.Name == auth.CloudGlobal {
		return ""
	}
	return " --cloud " + c.Name
}

// fixed writes template text (no tenant data) line by line.
func fixed(s *pwsh.Script, text string) {
	for _, l := range strings.Split(strings.TrimPrefix(text, "\n"), "\n") {
		s.Line(l)
	}
}
