package pwsh

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/report/model"
)

// Options configure remediation.ps1.
type Options struct {
	// BreakGlassUserIDs and BreakGlassGroupIDs are the object ids of the
	// emergency-access accounts and groups (resolved from the config); new
	// Conditional Access policies exclude them. Each must be a GUID.
	BreakGlassUserIDs  []string
	BreakGlassGroupIDs []string
	// ToolVersion is written into the header and the change log.
	ToolVersion string
}

// utf8BOM starts every script: Windows PowerShell 5.1 reads a .ps1 without
// a BOM as the ANSI code page, where the UTF-8 bytes of a name like "đ"
// (C4 91) decode to a typographic quote (0x91 = U+2018) and could end a
// string literal early. With the BOM both 5.1 and 7 read the file as UTF-8.
const utf8BOM = "\uFEFF"

// Graph permissions the fix blocks request.
const (
	scopePolicyRead         = "Policy.Read.All"
	scopeConditionalAccess  = "Policy.ReadWrite.ConditionalAccess"
	scopeSecurityDefaults   = "Policy.ReadWrite.SecurityDefaults"
	scopeAuthMethods        = "Policy.ReadWrite.AuthenticationMethod"
	scopeAuthorization      = "Policy.ReadWrite.Authorization"
	scopeDomains            = "Domain.ReadWrite.All"
	scopeApplications       = "Application.ReadWrite.All"
	reportOnlyState         = "enabledForReportingButNotEnforced"
	remediationScriptName   = "remediation.ps1"
	remediationLogPrefix    = "remediation-log"
	caPolicyNamePrefix      = "m365audit "
	acceptedObjectMessage   = "risk accepted in the audit configuration"
	exchangeAdminRoleNotice = "Exchange Online changes need the Exchange Administrator role (the unified audit log setting also needs the Audit Logs role, included in Organization Management)."
)

// fixKind tells how a check's block is built.
type fixKind int

const (
	fixGraph fixKind = iota
	fixConditionalAccess
	fixExchange
)

// fixSpec is how one check is remediated by script.
type fixSpec struct {
	kind fixKind
	// scopes are the Graph permissions the block needs.
	scopes []string
	// onWarn: a warn result gets the block too (the fix completes a partial
	// configuration); otherwise only fail does.
	onWarn bool
	// targets says whether the block acts on the result's affected objects.
	targets model.Targets
	// what is our one-line description of the block, for its comment.
	what string
	// template: the block is a commented template that changes nothing
	// until a person completes it.
	template bool
	emit     func(g *gen, r checks.Result)
}

// fixSpecs is the registry of scripted fixes, keyed by the checks' ID
// constants: the one place a check's fix is declared. A test fails when an
// entry names a check that does not exist, or a check that says it has a
// scripted fix (Remediation.Script) has none.
func fixSpecs() map[string]fixSpec {
	authz := []string{scopeAuthorization}
	methods := []string{scopeAuthMethods}
	ca := []string{scopeConditionalAccess, scopePolicyRead}
	return map[string]fixSpec{
		// Without Entra ID P1, ENTRA-MFA-001 gets securityDefaultsFix instead.
		checks.IDEntraMFA001:  {kind: fixConditionalAccess, scopes: ca, what: "Creates a report-only Conditional Access policy requiring MFA for all users.", emit: emitMFA001CA},
		checks.IDEntraCA001:   {kind: fixConditionalAccess, scopes: ca, what: "Creates a report-only Conditional Access policy blocking legacy authentication (Exchange ActiveSync and other legacy clients).", emit: emitCA001},
		checks.IDEntraCA002:   {kind: fixConditionalAccess, scopes: ca, what: "Creates a report-only Conditional Access policy requiring MFA for the privileged administrator roles.", emit: emitCA002},
		checks.IDEntraCA004:   {kind: fixConditionalAccess, scopes: ca, what: "Creates a report-only Conditional Access policy requiring MFA for guests and external users.", emit: emitCA004},
		checks.IDEntraCA008:   {kind: fixConditionalAccess, scopes: ca, what: "Creates a report-only Conditional Access policy that allows registering security info only from a compliant or hybrid-joined device. Users without such a device cannot register MFA once it is enabled: onboard them with a Temporary Access Pass.", emit: emitCA008},
		checks.IDEntraMFA005:  {kind: fixGraph, scopes: methods, onWarn: true, what: "Disables the SMS and voice call authentication methods. Users whose only method is SMS or voice must register another one (the audit finding counts them).", emit: emitMFA005},
		checks.IDEntraMFA006:  {kind: fixGraph, scopes: methods, onWarn: true, what: "Disables the email one-time passcode authentication method (check guest sign-in impact first).", emit: emitMFA006},
		checks.IDEntraMFA007:  {kind: fixGraph, scopes: methods, onWarn: true, what: "Makes Microsoft Authenticator show the application name and sign-in location for all users (keeps its other settings).", emit: emitMFA007},
		checks.IDEntraID001:   {kind: fixGraph, scopes: []string{scopeDomains}, onWarn: true, targets: model.TargetsObjects, what: "Sets passwords to never expire on each managed domain the audit listed.", emit: emitID001},
		checks.IDEntraID004:   {kind: fixGraph, scopes: authz, onWarn: true, what: "Stops members from creating tenants and security groups and from reading BitLocker keys of their own devices (keeps the other default permissions).", emit: emitID004},
		checks.IDEntraExt001:  {kind: fixGraph, scopes: authz, onWarn: true, what: "Lets only administrators and Guest Inviters invite guests.", emit: emitEXT001},
		checks.IDEntraExt002:  {kind: fixGraph, scopes: authz, onWarn: true, what: "Restricts guests to their own directory objects (most restrictive guest role).", emit: emitEXT002},
		checks.IDEntraExt005:  {kind: fixGraph, scopes: authz, onWarn: true, what: "Turns off email-verified self-service sign-up and joining the tenant.", emit: emitEXT005},
		checks.IDEntraApp001:  {kind: fixGraph, scopes: authz, onWarn: true, what: "Removes user consent to applications (ManagePermissionGrantsForSelf.* policies) and keeps every other assigned permission grant policy.", emit: emitAPP001},
		checks.IDEntraApp002:  {kind: fixGraph, onWarn: true, template: true, what: "The admin consent workflow needs a reviewer only you can choose: this block is a commented template.", emit: emitAPP002},
		checks.IDEntraApp003:  {kind: fixGraph, scopes: authz, onWarn: true, what: "Stops members from registering applications.", emit: emitAPP003},
		checks.IDEntraPriv007: {kind: fixGraph, scopes: []string{scopeApplications}, targets: model.TargetsOwners, what: "Removes each owner the audit listed from the privileged service principal or its app registration. Client secrets are not removed: add a certificate, move the workload to it, then remove the secret (Remove-MgApplicationPassword).", emit: emitPRIV007},
		checks.IDEXOProto001:  {kind: fixExchange, onWarn: true, what: "Disables SMTP AUTH for the organization.", emit: emitPROTO001},
		checks.IDEXOProto002:  {kind: fixExchange, onWarn: true, targets: model.TargetsMailboxes, what: "Removes the per-mailbox SMTP AUTH override (mailbox inherits the organization setting) on each mailbox the audit listed.", emit: emitPROTO002},
		checks.IDEXOProto003:  {kind: fixExchange, onWarn: true, targets: model.TargetsMailboxes, what: "Disables POP3 and IMAP4 on each mailbox the audit listed.", emit: emitPROTO003},
		checks.IDEXOProto005:  {kind: fixExchange, onWarn: true, what: "Disables POP3 and IMAP4 on every CAS mailbox plan, so new mailboxes are created without them.", emit: emitPROTO005},
		checks.IDEXOFwd001:    {kind: fixExchange, onWarn: true, what: "Turns off automatic forwarding on the Default remote domain. Other remote domains (partners) are left for review.", emit: emitFWD001},
		checks.IDEXOFwd002:    {kind: fixExchange, onWarn: true, what: "Sets automatic forwarding to Off in the Default outbound anti-spam policy. Custom policies are left for review.", emit: emitFWD002},
		checks.IDEXOMail001:   {kind: fixExchange, onWarn: true, what: "Sets outbound recipient limits on the Default outbound anti-spam policy (keeping stricter values), and with -SecurityNotificationAddress also blocks senders over the limit and notifies that address.", emit: emitMAIL001},
		checks.IDEXOAud001:    {kind: fixExchange, onWarn: true, what: "Turns on unified audit log ingestion (can take up to 60 minutes to take effect).", emit: emitAUD001},
		checks.IDEXOAud002:    {kind: fixExchange, onWarn: true, what: "Turns on mailbox auditing by default for the organization.", emit: emitAUD002},
		checks.IDEXOAud004:    {kind: fixExchange, onWarn: true, targets: model.TargetsObjects, what: "Turns off mailbox audit bypass on each association the audit listed.", emit: emitAUD004},
	}
}

// securityDefaultsFix is ENTRA-MFA-001's fix without Entra ID P1
// (model.VariantSecurityDefaults).
func securityDefaultsFix() fixSpec {
	return fixSpec{kind: fixGraph, scopes: []string{scopeSecurityDefaults}, onWarn: true,
		what: "The tenant has no Entra ID P1, so MFA is enforced with security defaults (read first: nothing to do when they are already on).", emit: emitMFA001SecurityDefaults}
}

// Fixes describes the registry's fixes for the report model's remediation
// plan (model.Options.Fixes).
func Fixes() model.Fixes {
	out := model.Fixes{}
	for id, s := range fixSpecs() {
		out[id] = model.Fix{OnWarn: s.onWarn, ConditionalAccess: s.kind == fixConditionalAccess, Targets: s.targets, Template: s.template}
	}
	return out
}

// Supports reports whether remediation.ps1 carries a script block for the
// check (the value its Remediation.Script flag should have).
func Supports(checkID string) bool {
	_, ok := fixSpecs()[checkID]
	return ok
}

// specFor is the fix a planned block is written with.
func specFor(b model.Block) fixSpec {
	if b.Variant == model.VariantSecurityDefaults {
		return securityDefaultsFix()
	}
	return fixSpecs()[b.Result.ID]
}

// plan is the model's remediation plan with each block's fix.
type plan struct {
	model.RemediationPlan
	specs []fixSpec // one per block
}

func newPlan(p model.RemediationPlan) plan {
	out := plan{RemediationPlan: p}
	for _, b := range p.Blocks {
		out.specs = append(out.specs, specFor(b))
	}
	return out
}

func (p plan) scopes() []string {
	set := map[string]bool{}
	for _, s := range p.specs {
		for _, sc := range s.scopes {
			set[sc] = true
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func (p plan) has(kind fixKind) bool {
	for _, s := range p.specs {
		if s.kind == kind {
			return true
		}
	}
	return false
}

// graph reports whether any block talks to Microsoft Graph.
func (p plan) graph() bool { return len(p.scopes()) > 0 }

// gen carries what block emitters need.
type gen struct {
	s   *Script
	doc *checks.Document
	rem model.RemediationPlan
	opt Options
	// cur is the block being written (its targets).
	cur model.Block
}

// WriteRemediation writes remediation.ps1 from the report model's
// remediation plan: one guarded, logged block per planned fix, and a
// commented manual procedure for the rest. It refuses when the model says
// scripts may not be written (an untrusted snapshot without the override).
// The output depends only on its inputs (no clock).
func WriteRemediation(ctx context.Context, w io.Writer, rep *model.Report, opt Options) error {
	if rep == nil || rep.Doc == nil {
		return fmt.Errorf("remediation script: no results document")
	}
	doc := rep.Doc
	for _, id := range append(append([]string(nil), opt.BreakGlassUserIDs...), opt.BreakGlassGroupIDs...) {
		if !isGUID(id) {
			return fmt.Errorf("remediation script: break-glass id %q is not an object id (GUID); resolve it before generating the script", id)
		}
	}
	if !isGUID(doc.Tenant.ID) {
		return fmt.Errorf("remediation script: tenant id %q is not a GUID, so the script could not verify it is connected to the right tenant", doc.Tenant.ID)
	}
	if err := rep.Scripts.Refused; err != nil {
		return fmt.Errorf("remediation script: %w", err)
	}
	p := newPlan(rep.Remediation)
	g := &gen{s: &Script{}, doc: doc, rem: rep.Remediation, opt: opt}
	caUsed := p.has(fixConditionalAccess)
	exchange := p.has(fixExchange)

	if err := ctx.Err(); err != nil {
		return fmt.Errorf("remediation script: %w", err)
	}
	body := g.s
	if caUsed {
		g.writeBreakGlass()
	}
	if err := body.WritePrelude(p.graph(), caUsed); err != nil {
		return fmt.Errorf("remediation script: %w", err)
	}
	conn := Connection{TenantID: doc.Tenant.ID, Cloud: doc.Cloud, GraphScopes: p.scopes(), Exchange: exchange}
	if exchange {
		conn.ExchangeOrganization = rep.Remediation.ExchangeOrganization
	}
	if len(p.Blocks) > 0 {
		if err := body.WriteConnect(conn); err != nil {
			return fmt.Errorf("remediation script: %w", err)
		}
	} else {
		body.Blank()
		body.Comment("No failing check has a scripted fix: the script connects to nothing and changes nothing.")
	}
	for i, b := range p.Blocks {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("remediation script: %w", err)
		}
		g.writeBlock(b, p.specs[i])
	}
	if caUsed {
		g.writeEnableInstructions()
	}
	body.WriteFinish(remediationLogPrefix, caUsed)
	g.writeManual(p)
	body.Blank()
	body.Line("if ($statusCounts.failed -gt 0) { exit 1 }")

	h := Header{
		Title:    "m365audit remediation script",
		Synopsis: "Fixes the settings m365audit found failing, after verifying it is connected to the audited tenant.",
		Description: []string{
			"One region per fixable finding (#region <check ID> <title>). Each region reads the current value, changes it only if it differs from the wanted value, and logs the before and after values.",
			"New Conditional Access policies are created in report-only mode (" + reportOnlyState + ") and exclude the configured break-glass accounts; the end of the run prints the commands to enable them after review.",
			"Findings the script cannot fix (they need a person's decision, or a portal) are described in the ManualSteps region at the end.",
		},
		TenantID:      doc.Tenant.ID,
		TenantName:    doc.Tenant.DisplayName,
		PrimaryDomain: doc.Tenant.PrimaryDomain,
		CollectedAt:   doc.CollectedAt,
		ToolVersion:   opt.ToolVersion,
		ScriptName:    remediationScriptName,
		Notes:         g.notes(p, conn),
	}
	if rep.Scripts.Unsafe {
		h.Unsafe = rep.Scripts.Banner
	}
	if p.Has(checks.IDEXOMail001) {
		h.Params = append(h.Params, Param{
			Name: "SecurityNotificationAddress",
			Decl: "[ValidatePattern('^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$')] [string] $SecurityNotificationAddress",
			Help: "Mailbox (for example your SOC) that Exchange Online notifies when a user is blocked for sending outbound spam (EXO-MAIL-001). Without it the notification part of that fix is skipped with a warning.",
		})
	}
	out, err := Assemble(h, conn.modulesFor(len(p.Blocks) > 0), body)
	if err != nil {
		return fmt.Errorf("remediation script: %w", err)
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("write remediation script: %w", err)
	}
	return nil
}

// modulesFor returns the modules to #Require: none when the script connects
// to nothing.
func (c Connection) modulesFor(connects bool) []Module {
	if !connects {
		return nil
	}
	return c.Modules()
}

// notes are the header's requirement notes.
func (g *gen) notes(p plan, c Connection) []string {
	var n []string
	var mods []string
	for _, m := range c.modulesFor(len(p.Blocks) > 0) {
		mods = append(mods, m.Name+" "+m.MinVersion+" or later")
	}
	if len(mods) > 0 {
		n = append(n, "Requires Windows PowerShell 5.1 or PowerShell 7 with "+strings.Join(mods, " and ")+
			" (Install-Module <name> -Scope CurrentUser). Microsoft Graph is called with Invoke-MgGraphRequest only, so no other Microsoft.Graph module is needed and module version conflicts between Graph submodules cannot occur.")
	}
	if len(c.GraphScopes) > 0 {
		n = append(n, "Microsoft Graph permissions requested: "+strings.Join(c.GraphScopes, ", ")+
			". Sign in as an administrator allowed to change these settings (Global Administrator covers all of them). With -WhatIf only their read counterparts are requested ("+
			strings.Join(ReadScopes(c.GraphScopes), ", ")+"), so a dry run needs no consent to write.")
	}
	if c.Exchange {
		n = append(n, exchangeAdminRoleNotice)
	}
	return n
}

// writeBreakGlass writes the break-glass ids new CA policies exclude, and
// the lockout warning when there are none.
func (g *gen) writeBreakGlass() {
	s := g.s
	s.Blank()
	s.Comment("Emergency-access (break-glass) accounts and groups, by object id: every new Conditional Access policy excludes them.")
	s.Line("$BreakGlassUserIds = %s", LitList(sortedCopy(g.opt.BreakGlassUserIDs)))
	s.Line("$BreakGlassGroupIds = %s", LitList(sortedCopy(g.opt.BreakGlassGroupIDs)))
	if len(g.opt.BreakGlassUserIDs)+len(g.opt.BreakGlassGroupIDs) == 0 {
		s.Comment("WARNING: LOCKOUT RISK. No break-glass account was configured for the audit (breakGlass in the config file), so the new Conditional Access policies exclude no emergency-access account. They are created report-only and enforce nothing yet, but once enabled a mistake in them, or an MFA outage, can lock every administrator out of the tenant. Before running the script, add the object ids of two cloud-only emergency-access accounts to $BreakGlassUserIds above (or configure them and generate the script again); a policy already created without them must be edited to exclude them before it is enabled.")
		s.Line("Write-Warning 'LOCKOUT RISK: no break-glass account is configured. New Conditional Access policies will exclude no emergency-access account. Stop now (Ctrl+C) and add their object ids to $BreakGlassUserIds in the script, or exclude them from each new policy before enabling it.'")
	}
}

func sortedCopy(ss []string) []string {
	c := make([]string, 0, len(ss))
	for _, s := range ss {
		c = append(c, strings.ToLower(s))
	}
	sort.Strings(c)
	return c
}

// writeBlock writes one check's region.
func (g *gen) writeBlock(b model.Block, spec fixSpec) {
	s := g.s
	g.cur = b
	s.Blank()
	s.Region(b.Result.ID, b.Result.Title, func() {
		s.Comment(fmt.Sprintf("Finding: %s, severity %s.", b.Result.Status, b.Result.Severity))
		s.Comment(spec.what)
		if len(spec.scopes) > 0 {
			s.Comment("Graph permissions: " + strings.Join(spec.scopes, ", ") + ".")
		}
		spec.emit(g, b.Result)
	})
}

// writeEnableInstructions prints the report-only policies and the commands
// to enable them after review.
func (g *gen) writeEnableInstructions() {
	s := g.s
	s.Blank()
	s.Region("EnableConditionalAccess", "after review: how to enable the report-only policies", func() {
		s.Open("if ($script:ReportOnlyPolicies.Count -gt 0) {")
		s.Line("Write-Host ''")
		s.Line("Write-Host 'Conditional Access policies in report-only mode (they enforce nothing yet):' -ForegroundColor Yellow")
		s.Open("foreach ($reportOnly in $script:ReportOnlyPolicies) {")
		s.Line("Write-Host ('  {0} [{1}] id {2} ({3})' -f (ConvertTo-ConsoleText $reportOnly.displayName), $reportOnly.checkId, $reportOnly.id, $reportOnly.origin)")
		s.Close("}")
		s.Line("Write-Host 'Review their report-only results (Entra admin center > Conditional Access > Insights and reporting, or the sign-in logs) for at least a week. Then enable each one with:' -ForegroundColor Yellow")
		s.Open("foreach ($reportOnly in $script:ReportOnlyPolicies) {")
		s.Open("if ($reportOnly.id) {")
		s.Line("Write-Host ('  Update-MgIdentityConditionalAccessPolicy -ConditionalAccessPolicyId ''{0}'' -State enabled' -f $reportOnly.id)")
		s.Close("}")
		s.Close("}")
		s.Line("Write-Host '(Update-MgIdentityConditionalAccessPolicy is in the Microsoft.Graph.Identity.SignIns module. With this script''s module only: Invoke-MgGraphRequest -Method PATCH -Uri /v1.0/identity/conditionalAccess/policies/<id> -Body ''{\"state\":\"enabled\"}'')'")
		if len(g.opt.BreakGlassUserIDs)+len(g.opt.BreakGlassGroupIDs) == 0 {
			s.Line("Write-Warning 'LOCKOUT RISK: these policies exclude no break-glass account. Exclude two emergency-access accounts before enabling them.'")
		}
		if g.rem.SecurityDefaultsOn {
			s.Line("Write-Warning 'Security defaults are on in this tenant. Conditional Access policies can be switched on only after security defaults are turned off: in the same maintenance window, turn security defaults off (Entra admin center > Overview > Properties > Manage security defaults) and enable the policies at once, so there is no gap without MFA.'")
		}
		s.Close("}")
	})
}

// writeManual writes the Manual steps region: the procedure of every failing
// check without a block, as comments, and a console reminder.
func (g *gen) writeManual(p plan) {
	s := g.s
	if len(p.Manual)+len(p.Accepted)+len(p.Incident)+len(p.Unknown) == 0 {
		return
	}
	s.Blank()
	s.Region("ManualSteps", "(not scripted)", func() {
		if len(p.Manual) > 0 {
			s.Comment("These findings are not fixed by this script. The affected objects are listed in the audit report (report.xlsx / results.json).")
			var ids []string
			for _, m := range p.Manual {
				ids = append(ids, m.Result.ID)
				s.Line("#")
				s.Comment(fmt.Sprintf("%s %s (%s, severity %s)", m.Result.ID, m.Result.Title, m.Result.Status, m.Result.Severity))
				s.Comment("Not scripted: " + m.Reason + ".")
				steps := m.Result.Remediation.Steps
				if len(steps) == 0 && m.Result.Remediation.Summary != "" {
					steps = []string{m.Result.Remediation.Summary}
				}
				for i, st := range steps {
					s.commentWrap(fmt.Sprintf("%d. %s", i+1, st), "   ")
				}
			}
			defer func() {
				s.Line("Write-Host ''")
				s.Line("Write-Host ('Manual steps remain for: {0} (see the ManualSteps region at the end of this script).' -f (%s -join ', ')) -ForegroundColor Yellow", LitList(ids))
			}()
		}
		if len(p.Accepted) > 0 {
			s.Line("#")
			s.Comment("Risk accepted in the audit configuration, left unchanged: " + strings.Join(p.Accepted, ", ") + ".")
		}
		if len(p.Incident) > 0 {
			s.Line("#")
			s.Comment("Incident findings are contained by the incident scripts (incident-<user>.ps1), not here: " + strings.Join(p.Incident, ", ") + ".")
		}
		if len(p.Unknown) > 0 {
			s.Line("#")
			s.Comment("Not evaluated (data not collected or check error), so not fixed either: " + strings.Join(p.Unknown, ", ") + ". Collect again with the missing permissions.")
		}
	})
}
