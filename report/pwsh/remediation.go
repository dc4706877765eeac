package pwsh

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
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
	syncAccountsRoleID      = "d29b2b05-8046-44ba-8758-1e26182fcf32"
	reportOnlyState         = "enabledForReportingButNotEnforced"
	remediationScriptName   = "remediation.ps1"
	remediationLogPrefix    = "remediation-log"
	caPolicyNamePrefix      = "m365audit "
	guestTypesAll           = "internalGuest,b2bCollaborationGuest,b2bCollaborationMember,b2bDirectConnectUser,otherExternalUser,serviceProvider"
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
	// what is our one-line description of the block, for its comment.
	what string
	emit func(g *gen, r checks.Result)
}

// fixSpecs is the registry of scripted fixes, keyed by check ID.
func fixSpecs() map[string]fixSpec {
	authz := []string{scopeAuthorization}
	methods := []string{scopeAuthMethods}
	ca := []string{scopeConditionalAccess, scopePolicyRead}
	return map[string]fixSpec{
		// ENTRA-MFA-001 is special-cased in plan (CA policy or security defaults).
		"ENTRA-MFA-001": {kind: fixConditionalAccess, scopes: ca, what: "Creates a report-only Conditional Access policy requiring MFA for all users.", emit: emitMFA001CA},
		"ENTRA-CA-001":  {kind: fixConditionalAccess, scopes: ca, what: "Creates a report-only Conditional Access policy blocking legacy authentication (Exchange ActiveSync and other legacy clients).", emit: emitCA001},
		"ENTRA-CA-002":  {kind: fixConditionalAccess, scopes: ca, what: "Creates a report-only Conditional Access policy requiring MFA for the privileged administrator roles.", emit: emitCA002},
		"ENTRA-CA-004":  {kind: fixConditionalAccess, scopes: ca, what: "Creates a report-only Conditional Access policy requiring MFA for guests and external users.", emit: emitCA004},
		"ENTRA-CA-008":  {kind: fixConditionalAccess, scopes: ca, what: "Creates a report-only Conditional Access policy that allows registering security info only from a compliant or hybrid-joined device. Users without such a device cannot register MFA once it is enabled: onboard them with a Temporary Access Pass.", emit: emitCA008},
		"ENTRA-MFA-005": {kind: fixGraph, scopes: methods, onWarn: true, what: "Disables the SMS and voice call authentication methods. Users whose only method is SMS or voice must register another one (the audit finding counts them).", emit: emitMFA005},
		"ENTRA-MFA-006": {kind: fixGraph, scopes: methods, onWarn: true, what: "Disables the email one-time passcode authentication method (check guest sign-in impact first).", emit: emitMFA006},
		"ENTRA-MFA-007": {kind: fixGraph, scopes: methods, onWarn: true, what: "Makes Microsoft Authenticator show the application name and sign-in location for all users (keeps its other settings).", emit: emitMFA007},
		"ENTRA-ID-001":  {kind: fixGraph, scopes: []string{scopeDomains}, onWarn: true, what: "Sets passwords to never expire on each managed domain the audit listed.", emit: emitID001},
		"ENTRA-ID-004":  {kind: fixGraph, scopes: authz, onWarn: true, what: "Stops members from creating tenants and security groups and from reading BitLocker keys of their own devices (keeps the other default permissions).", emit: emitID004},
		"ENTRA-EXT-001": {kind: fixGraph, scopes: authz, onWarn: true, what: "Lets only administrators and Guest Inviters invite guests.", emit: emitEXT001},
		"ENTRA-EXT-002": {kind: fixGraph, scopes: authz, onWarn: true, what: "Restricts guests to their own directory objects (most restrictive guest role).", emit: emitEXT002},
		"ENTRA-EXT-005": {kind: fixGraph, scopes: authz, onWarn: true, what: "Turns off email-verified self-service sign-up and joining the tenant.", emit: emitEXT005},
		"ENTRA-APP-001": {kind: fixGraph, scopes: authz, onWarn: true, what: "Removes user consent to applications (ManagePermissionGrantsForSelf.* policies) and keeps every other assigned permission grant policy.", emit: emitAPP001},
		"ENTRA-APP-002": {kind: fixGraph, onWarn: true, what: "The admin consent workflow needs a reviewer only you can choose: this block is a commented template.", emit: emitAPP002},
		"ENTRA-APP-003": {kind: fixGraph, scopes: authz, onWarn: true, what: "Stops members from registering applications.", emit: emitAPP003},
		"EXO-PROTO-001": {kind: fixExchange, onWarn: true, what: "Disables SMTP AUTH for the organization.", emit: emitPROTO001},
		"EXO-PROTO-002": {kind: fixExchange, onWarn: true, what: "Removes the per-mailbox SMTP AUTH override (mailbox inherits the organization setting) on each mailbox the audit listed.", emit: emitPROTO002},
		"EXO-PROTO-003": {kind: fixExchange, onWarn: true, what: "Disables POP3 and IMAP4 on each mailbox the audit listed.", emit: emitPROTO003},
		"EXO-PROTO-005": {kind: fixExchange, onWarn: true, what: "Disables POP3 and IMAP4 on every CAS mailbox plan, so new mailboxes are created without them.", emit: emitPROTO005},
		"EXO-FWD-001":   {kind: fixExchange, onWarn: true, what: "Turns off automatic forwarding on the Default remote domain. Other remote domains (partners) are left for review.", emit: emitFWD001},
		"EXO-FWD-002":   {kind: fixExchange, onWarn: true, what: "Sets automatic forwarding to Off in the Default outbound anti-spam policy. Custom policies are left for review.", emit: emitFWD002},
		"EXO-MAIL-001":  {kind: fixExchange, onWarn: true, what: "Sets outbound recipient limits on the Default outbound anti-spam policy (keeping stricter values), and with -SecurityNotificationAddress also blocks senders over the limit and notifies that address.", emit: emitMAIL001},
		"EXO-AUD-001":   {kind: fixExchange, onWarn: true, what: "Turns on unified audit log ingestion (can take up to 60 minutes to take effect).", emit: emitAUD001},
		"EXO-AUD-002":   {kind: fixExchange, onWarn: true, what: "Turns on mailbox auditing by default for the organization.", emit: emitAUD002},
		"EXO-AUD-004":   {kind: fixExchange, onWarn: true, what: "Turns off mailbox audit bypass on each association the audit listed.", emit: emitAUD004},
	}
}

// Supports reports whether remediation.ps1 carries a script block for the
// check (the value its Remediation.Script flag should have).
func Supports(checkID string) bool {
	_, ok := fixSpecs()[checkID]
	return ok
}

// block is one selected fix.
type block struct {
	r    checks.Result
	spec fixSpec
}

// manualItem is a failing check the script does not fix.
type manualItem struct {
	r      checks.Result
	reason string
}

// plan is what the script will contain.
type plan struct {
	blocks   []block
	manual   []manualItem
	accepted []string // check IDs whose whole risk is accepted
	incident []string // incident check IDs (handled by containment scripts)
	unknown  []string // checks that could not be evaluated
}

func (p plan) scopes() []string {
	set := map[string]bool{}
	for _, b := range p.blocks {
		for _, s := range b.spec.scopes {
			set[s] = true
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
	for _, b := range p.blocks {
		if b.spec.kind == kind {
			return true
		}
	}
	return false
}

// graph reports whether any block talks to Microsoft Graph.
func (p plan) graph() bool { return len(p.scopes()) > 0 }

// makePlan selects a block, a manual procedure, or nothing for every result.
func makePlan(doc *checks.Document) plan {
	specs := fixSpecs()
	results := append([]checks.Result(nil), doc.Results...)
	sort.SliceStable(results, func(i, j int) bool { return results[i].ID < results[j].ID })
	var p plan
	for _, r := range results {
		switch r.Status {
		case checks.StatusUnknown, checks.StatusError:
			p.unknown = append(p.unknown, r.ID)
			continue
		case checks.StatusFail, checks.StatusWarn, checks.StatusManual:
		default:
			continue
		}
		if r.Incident {
			p.incident = append(p.incident, r.ID)
			continue
		}
		if r.IsAccepted() && len(r.Accepted.Objects) == 0 {
			p.accepted = append(p.accepted, r.ID)
			continue
		}
		spec, ok := specs[r.ID]
		if !ok || r.Status == checks.StatusManual {
			p.manual = append(p.manual, manualItem{r, "needs a person's decision or is not scriptable"})
			continue
		}
		if r.Status == checks.StatusWarn && !spec.onWarn {
			p.manual = append(p.manual, manualItem{r, "partly configured (for example a report-only policy exists): review it rather than add another"})
			continue
		}
		if r.ID == "ENTRA-MFA-001" {
			switch {
			case !doc.Licences.Known:
				p.manual = append(p.manual, manualItem{r, "licences were not collected, so the script cannot choose between a Conditional Access policy (Entra ID P1) and security defaults"})
				continue
			case !doc.Licences.P1:
				spec = fixSpec{kind: fixGraph, scopes: []string{scopeSecurityDefaults}, onWarn: true,
					what: "The tenant has no Entra ID P1, so MFA is enforced with security defaults (read first: nothing to do when they are already on).", emit: emitMFA001SecurityDefaults}
			}
		}
		if spec.kind == fixConditionalAccess && r.ID != "ENTRA-MFA-001" && !doc.Licences.P1 {
			p.manual = append(p.manual, manualItem{r, "Conditional Access needs Entra ID P1; without it, security defaults (ENTRA-MFA-001) provide the baseline"})
			continue
		}
		if needsObjects(r.ID) && len(r.Affected) == 0 {
			p.manual = append(p.manual, manualItem{r, "the audit listed no objects to change"})
			continue
		}
		p.blocks = append(p.blocks, block{r, spec})
	}
	p.addEvidenceUpgrades(doc, specs)
	return p
}

// addEvidenceUpgrades adds Conditional Access policies that a passing check
// would not ask for, when the incident evidence shows the passing control
// did not hold: security defaults pass ENTRA-MFA-001 and ENTRA-CA-001, yet
// password-only (IR-SIG-002) or legacy-protocol (IR-SIG-001) sign-ins
// succeeded. With Entra ID P1 the response the seed story calls for is a
// Conditional Access policy requiring MFA for all users (report-only
// first), and one blocking legacy authentication.
func (p *plan) addEvidenceUpgrades(doc *checks.Document, specs map[string]fixSpec) {
	if !doc.Licences.P1 {
		return
	}
	byID := map[string]checks.Result{}
	for _, r := range doc.Results {
		byID[r.ID] = r
	}
	for _, up := range []struct{ check, evidence, why string }{
		{"ENTRA-MFA-001", "IR-SIG-002", "security defaults are on, yet sign-ins with a password alone succeeded (IR-SIG-002): a Conditional Access policy requires MFA at every sign-in"},
		{"ENTRA-CA-001", "IR-SIG-001", "security defaults are on, yet legacy-protocol sign-ins succeeded (IR-SIG-001): a Conditional Access policy blocks legacy authentication explicitly"},
	} {
		r, ok := byID[up.check]
		ev := byID[up.evidence]
		if !ok || r.Status != checks.StatusPass || ev.Status != checks.StatusFail || p.hasBlock(up.check) {
			continue
		}
		spec := specs[up.check]
		spec.what = "Passes on configuration, but " + up.why + ". " + spec.what
		p.blocks = append(p.blocks, block{r, spec})
	}
	sort.SliceStable(p.blocks, func(i, j int) bool { return p.blocks[i].r.ID < p.blocks[j].r.ID })
}

func (p plan) hasBlock(id string) bool {
	for _, b := range p.blocks {
		if b.r.ID == id {
			return true
		}
	}
	return false
}

// needsObjects reports whether a check's block acts on its affected objects
// (and so has nothing to do without them).
func needsObjects(id string) bool {
	switch id {
	case "ENTRA-ID-001", "EXO-PROTO-002", "EXO-PROTO-003", "EXO-AUD-004":
		return true
	}
	return false
}

// gen carries what block emitters need.
type gen struct {
	s    *Script
	doc  *checks.Document
	snap *snapshot.Snapshot
	opt  Options
	cas  map[string]string // see casIndex
}

// WriteRemediation writes remediation.ps1 for the failing checks of doc:
// one guarded, logged block per scriptable fix, and a commented manual
// procedure for the rest. snap (may be nil) resolves Exchange identities and
// the organisation name used by the tenant guard. The output depends only
// on its inputs (no clock).
func WriteRemediation(ctx context.Context, w io.Writer, doc *checks.Document, snap *snapshot.Snapshot, opt Options) error {
	if doc == nil {
		return fmt.Errorf("remediation script: no results document")
	}
	for _, id := range append(append([]string(nil), opt.BreakGlassUserIDs...), opt.BreakGlassGroupIDs...) {
		if !isGUID(id) {
			return fmt.Errorf("remediation script: break-glass id %q is not an object id (GUID); resolve it before generating the script", id)
		}
	}
	if !isGUID(doc.Tenant.ID) {
		return fmt.Errorf("remediation script: tenant id %q is not a GUID, so the script could not verify it is connected to the right tenant", doc.Tenant.ID)
	}
	p := makePlan(doc)
	g := &gen{s: &Script{}, doc: doc, snap: snap, opt: opt}
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
		conn.ExchangeOrganization = exchangeOrganization(snap)
	}
	if len(p.blocks) > 0 {
		if err := body.WriteConnect(conn); err != nil {
			return fmt.Errorf("remediation script: %w", err)
		}
	} else {
		body.Blank()
		body.Comment("No failing check has a scripted fix: the script connects to nothing and changes nothing.")
	}
	for _, b := range p.blocks {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("remediation script: %w", err)
		}
		g.writeBlock(b)
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
	if p.hasID("EXO-MAIL-001") {
		h.Params = append(h.Params, Param{
			Name: "SecurityNotificationAddress",
			Decl: "[ValidatePattern('^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$')] [string] $SecurityNotificationAddress",
			Help: "Mailbox (for example your SOC) that Exchange Online notifies when a user is blocked for sending outbound spam (EXO-MAIL-001). Without it the notification part of that fix is skipped with a warning.",
		})
	}
	out, err := Assemble(h, conn.modulesFor(len(p.blocks) > 0), body)
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

func (p plan) hasID(id string) bool {
	for _, b := range p.blocks {
		if b.r.ID == id {
			return true
		}
	}
	return false
}

// notes are the header's requirement notes.
func (g *gen) notes(p plan, c Connection) []string {
	var n []string
	var mods []string
	for _, m := range c.modulesFor(len(p.blocks) > 0) {
		mods = append(mods, m.Name+" "+m.MinVersion+" or later")
	}
	if len(mods) > 0 {
		n = append(n, "Requires Windows PowerShell 5.1 or PowerShell 7 with "+strings.Join(mods, " and ")+
			" (Install-Module <name> -Scope CurrentUser). Microsoft Graph is called with Invoke-MgGraphRequest only, so no other Microsoft.Graph module is needed and module version conflicts between Graph submodules cannot occur.")
	}
	if len(c.GraphScopes) > 0 {
		n = append(n, "Microsoft Graph permissions requested: "+strings.Join(c.GraphScopes, ", ")+
			". Sign in as an administrator allowed to change these settings (Global Administrator covers all of them).")
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
func (g *gen) writeBlock(b block) {
	s := g.s
	s.Blank()
	s.Region(b.r.ID, b.r.Title, func() {
		s.Comment(fmt.Sprintf("Finding: %s, severity %s.", b.r.Status, b.r.Severity))
		s.Comment(b.spec.what)
		if len(b.spec.scopes) > 0 {
			s.Comment("Graph permissions: " + strings.Join(b.spec.scopes, ", ") + ".")
		}
		b.spec.emit(g, b.r)
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
		if g.securityDefaultsOn() {
			s.Line("Write-Warning 'Security defaults are on in this tenant. Conditional Access policies can be switched on only after security defaults are turned off: in the same maintenance window, turn security defaults off (Entra admin center > Overview > Properties > Manage security defaults) and enable the policies at once, so there is no gap without MFA.'")
		}
		s.Close("}")
	})
}

// writeManual writes the Manual steps region: the procedure of every failing
// check without a block, as comments, and a console reminder.
func (g *gen) writeManual(p plan) {
	s := g.s
	if len(p.manual)+len(p.accepted)+len(p.incident)+len(p.unknown) == 0 {
		return
	}
	s.Blank()
	s.Region("ManualSteps", "(not scripted)", func() {
		if len(p.manual) > 0 {
			s.Comment("These findings are not fixed by this script. The affected objects are listed in the audit report (report.xlsx / results.json).")
			var ids []string
			for _, m := range p.manual {
				ids = append(ids, m.r.ID)
				s.Line("#")
				s.Comment(fmt.Sprintf("%s %s (%s, severity %s)", m.r.ID, m.r.Title, m.r.Status, m.r.Severity))
				s.Comment("Not scripted: " + m.reason + ".")
				steps := m.r.Remediation.Steps
				if len(steps) == 0 && m.r.Remediation.Summary != "" {
					steps = []string{m.r.Remediation.Summary}
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
		if len(p.accepted) > 0 {
			s.Line("#")
			s.Comment("Risk accepted in the audit configuration, left unchanged: " + strings.Join(p.accepted, ", ") + ".")
		}
		if len(p.incident) > 0 {
			s.Line("#")
			s.Comment("Incident findings are contained by the incident scripts (incident-<user>.ps1), not here: " + strings.Join(p.incident, ", ") + ".")
		}
		if len(p.unknown) > 0 {
			s.Line("#")
			s.Comment("Not evaluated (data not collected or check error), so not fixed either: " + strings.Join(p.unknown, ", ") + ". Collect again with the missing permissions.")
		}
	})
}

// exchangeOrganization is the Get-OrganizationConfig Name of the snapshot,
// compared with the live one by the tenant guard ("" when unknown).
func exchangeOrganization(snap *snapshot.Snapshot) string {
	if snap == nil {
		return ""
	}
	oc, err := snap.OrganizationConfig()
	if err != nil || oc == nil {
		return ""
	}
	return oc.Name
}

// target is one object a per-object block acts on.
type target struct {
	identity string
	accepted bool
}

// targets returns the affected objects of r, sorted, with the identity
// resolve gives each (deduplicated).
func targets(r checks.Result, resolve func(checks.Affected) string) []target {
	seen := map[string]bool{}
	var out []target
	for _, a := range r.Affected {
		id := resolve(a)
		if id == "" || seen[strings.ToLower(id)] {
			continue
		}
		seen[strings.ToLower(id)] = true
		out = append(out, target{identity: id, accepted: a.Accepted})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].identity < out[j].identity })
	return out
}

// mailboxIdentity is the identity Set-CASMailbox gets for an affected
// mailbox: its primary SMTP address when known (unique, readable), else
// the snapshot's Identity, else the affected id.
func (g *gen) mailboxIdentity(a checks.Affected) string {
	// The Exchange checks name the cmdlet identity to use in Extra.
	for _, k := range []string{"identity", "primarySmtpAddress"} {
		if v := a.Extra[k]; v != "" {
			return v
		}
	}
	if v, ok := g.casIndex()[strings.ToLower(a.ID)]; ok && a.ID != "" {
		return v
	}
	if a.ID != "" {
		return a.ID
	}
	return a.Name
}

// casIndex maps every key of a snapshot CAS mailbox row (object id,
// address, identity, name; lower-cased) to the identity scripts use for
// it. Built once per script.
func (g *gen) casIndex() map[string]string {
	if g.cas != nil {
		return g.cas
	}
	g.cas = map[string]string{}
	if g.snap == nil {
		return g.cas
	}
	rows, err := g.snap.CASMailboxes()
	if err != nil {
		return g.cas
	}
	for _, m := range rows {
		ident := m.PrimarySmtpAddress
		if ident == "" {
			ident = m.Identity
		}
		if ident == "" {
			continue
		}
		for _, k := range []string{m.ExternalDirectoryObjectID, m.PrimarySmtpAddress, m.Identity, m.Name} {
			if k == "" {
				continue
			}
			if _, dup := g.cas[strings.ToLower(k)]; !dup {
				g.cas[strings.ToLower(k)] = ident
			}
		}
	}
	return g.cas
}

// affectedID is the affected object's cmdlet identity when the check names
// one (Extra["identity"]), else its id, else its name.
func affectedID(a checks.Affected) string {
	if v := a.Extra["identity"]; v != "" {
		return v
	}
	if a.ID != "" {
		return a.ID
	}
	return a.Name
}

// securityDefaultsOn reports whether the snapshot shows security defaults
// enabled.
func (g *gen) securityDefaultsOn() bool {
	if g.snap == nil {
		return false
	}
	sd, err := g.snap.SecurityDefaults()
	return err == nil && sd.IsEnabled
}

// RemediationChecks returns the IDs of the checks remediation.ps1 carries a
// block for, from the same plan the script is written from (so a report
// listing them cannot disagree with the script).
func RemediationChecks(doc *checks.Document) []string {
	if doc == nil {
		return nil
	}
	var ids []string
	for _, b := range makePlan(doc).blocks {
		ids = append(ids, b.r.ID)
	}
	return ids
}
