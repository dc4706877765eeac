package pwsh

import (
	"strings"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/report/model"
)

// Block emitters: one per scripted check. Each reads the current value,
// compares it with the wanted one, and changes it only when it differs,
// inside Script.Change (ShouldProcess + change log) and Script.Try.

// setting describes a single-object read-compare-write fix.
type setting struct {
	checkID string
	target  string // our name for the object, shown by -WhatIf
	action  string
	// read assigns $before (and may set other variables).
	read []Code
	// compliant is a condition on $before (and what read set).
	compliant Code
	after     Code
	apply     []Code
}

func (g *gen) setting(st setting) {
	s := g.s
	tgt := Lit(st.target)
	s.Try(st.checkID, tgt, func() {
		for _, l := range st.read {
			s.Line("%s", l)
		}
		s.Open("if (%s) {", st.compliant)
		s.Unchanged(st.checkID, tgt, "$before")
		s.Close("} else {")
		s.Change(Change{CheckID: st.checkID, Target: tgt, Action: st.action, Before: "$before", After: st.after, Apply: func() {
			for _, l := range st.apply {
				s.Line("%s", l)
			}
		}})
		s.Close("}")
	})
}

// graphPatch is the statement that PATCHes uri with body (an expression).
func graphPatch(uri string, body Code) Code {
	return Code("Invoke-MgGraphRequest -Method PATCH -Uri " + string(Lit(uri)) + " -Body (ConvertTo-GraphBody " + string(body) + ") -ContentType 'application/json' | Out-Null")
}

const authorizationPolicyURI = "/v1.0/policies/authorizationPolicy"

// --- Authentication methods -------------------------------------------------

func (g *gen) disableMethod(checkID, methodID, odataType string) {
	uri := "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/" + methodID
	g.setting(setting{
		checkID: checkID,
		target:  "authenticationMethodsPolicy/" + methodID,
		action:  "Disable the " + methodID + " authentication method",
		read: []Code{
			Code("$method = Invoke-MgGraphRequest -Method GET -Uri " + string(Lit(uri))),
			"$before = [string]$method.state",
		},
		compliant: "$before -eq 'disabled'",
		after:     "'disabled'",
		apply:     []Code{graphPatch(uri, Code("@{ '@odata.type' = "+string(Lit(odataType))+"; state = 'disabled' }"))},
	})
}

func emitMFA005(g *gen, r checks.Result) {
	g.disableMethod(r.ID, "Sms", "#microsoft.graph.smsAuthenticationMethodConfiguration")
	g.disableMethod(r.ID, "Voice", "#microsoft.graph.voiceAuthenticationMethodConfiguration")
}

func emitMFA006(g *gen, r checks.Result) {
	g.disableMethod(r.ID, "Email", "#microsoft.graph.emailAuthenticationMethodConfiguration")
}

func emitMFA007(g *gen, r checks.Result) {
	s := g.s
	const uri = "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/MicrosoftAuthenticator"
	tgt := Lit("authenticationMethodsPolicy/MicrosoftAuthenticator")
	s.Try(r.ID, tgt, func() {
		s.Line("$method = Invoke-MgGraphRequest -Method GET -Uri %s", Lit(uri))
		s.Open("if ([string]$method.state -ne 'enabled') {")
		s.Skipped(r.ID, tgt, "Microsoft Authenticator is disabled: nothing to show")
		s.Close("} else {")
		s.Comment("featureSettings is replaced whole by PATCH: start from the current settings and change only the two display settings.")
		s.Line("$features = Copy-GraphObject $method.featureSettings")
		s.Line("$before = [ordered]@{ displayAppInformationRequiredState = $features['displayAppInformationRequiredState']; displayLocationInformationRequiredState = $features['displayLocationInformationRequiredState'] }")
		s.Line("$needsChange = $false")
		s.Open("foreach ($featureName in @('displayAppInformationRequiredState', 'displayLocationInformationRequiredState')) {")
		s.Line("$feature = Copy-GraphObject $features[$featureName]")
		s.Open("if ([string]$feature['state'] -ne 'enabled' -or [string]$feature['includeTarget'].id -ne 'all_users') {")
		s.Line("$feature['state'] = 'enabled'")
		s.Line("$feature['includeTarget'] = [ordered]@{ targetType = 'group'; id = 'all_users' }")
		s.Line("$features[$featureName] = $feature")
		s.Line("$needsChange = $true")
		s.Close("}")
		s.Close("}")
		s.Open("if (-not $needsChange) {")
		s.Unchanged(r.ID, tgt, "$before")
		s.Close("} else {")
		s.Change(Change{CheckID: r.ID, Target: tgt, Action: "Show application name and location in Microsoft Authenticator for all users",
			Before: "$before", After: "[ordered]@{ displayAppInformationRequiredState = $features['displayAppInformationRequiredState']; displayLocationInformationRequiredState = $features['displayLocationInformationRequiredState'] }",
			Apply: func() {
				s.Line("%s", graphPatch(uri, "@{ '@odata.type' = '#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration'; featureSettings = $features }"))
			}})
		s.Close("}")
		s.Close("}")
	})
}

// --- Security defaults ------------------------------------------------------

func emitMFA001SecurityDefaults(g *gen, r checks.Result) {
	const uri = "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy"
	g.s.Comment("Security defaults prompt for MFA when Microsoft deems it necessary and let unregistered users register at their next sign-in: pair this with ENTRA-MFA-003 (MFA registration).")
	g.setting(setting{
		checkID: r.ID,
		target:  "identitySecurityDefaultsEnforcementPolicy",
		action:  "Enable security defaults",
		read: []Code{
			Code("$current = Invoke-MgGraphRequest -Method GET -Uri " + string(Lit(uri))),
			"$before = $current.isEnabled",
		},
		compliant: "$before -eq $true",
		after:     "$true",
		apply:     []Code{graphPatch(uri, "@{ isEnabled = $true }")},
	})
}

// --- Domains ----------------------------------------------------------------

func emitID001(g *gen, r checks.Result) {
	s := g.s
	ts := g.cur.Targets
	g.targetList("$domainIds", r.ID, ts)
	s.Open("foreach ($domainId in $domainIds) {")
	s.Try(r.ID, "$domainId", func() {
		s.Line("$domainUri = '/v1.0/domains/' + [uri]::EscapeDataString($domainId)")
		s.Line("$domain = Invoke-MgGraphRequest -Method GET -Uri $domainUri")
		s.Line("$before = $domain.passwordValidityPeriodInDays")
		s.Open("if ($before -eq 2147483647) {")
		s.Unchanged(r.ID, "$domainId", "$before")
		s.Close("} else {")
		s.Change(Change{CheckID: r.ID, Target: "$domainId", Action: "Set passwords to never expire (passwordValidityPeriodInDays 2147483647)",
			Before: "$before", After: "2147483647", Apply: func() {
				s.Line("Invoke-MgGraphRequest -Method PATCH -Uri $domainUri -Body (ConvertTo-GraphBody @{ passwordValidityPeriodInDays = 2147483647 }) -ContentType 'application/json' | Out-Null")
			}})
		s.Close("}")
	})
	s.Close("}")
}

// --- Owners of privileged service principals -------------------------------

// emitPRIV007 removes each listed owner ("<collection>/<id>/owners/<owner
// id>") that still owns its object; the owners are read first.
func emitPRIV007(g *gen, r checks.Result) {
	s := g.s
	g.targetList("$ownerRefs", r.ID, g.cur.Targets)
	s.Open("foreach ($ownerRef in $ownerRefs) {")
	s.Try(r.ID, "$ownerRef", func() {
		s.Line("$ownerParts = $ownerRef -split '/'")
		s.Line("$objectUri = '/v1.0/' + $ownerParts[0] + '/' + [uri]::EscapeDataString($ownerParts[1])")
		s.Line("$owners = Invoke-MgGraphRequest -Method GET -Uri ($objectUri + '/owners?$select=id&$top=999')")
		s.Line("$before = @($owners.value | ForEach-Object { [string]$_.id }) -contains $ownerParts[3]")
		s.Open("if (-not $before) {")
		s.Unchanged(r.ID, "$ownerRef", "$before")
		s.Close("} else {")
		s.Change(Change{CheckID: r.ID, Target: "$ownerRef", Action: "Remove the owner of the privileged service principal or app registration",
			Before: "$before", After: "$false", Apply: func() {
				s.Line("Invoke-MgGraphRequest -Method DELETE -Uri ($objectUri + '/owners/' + [uri]::EscapeDataString($ownerParts[3]) + '/$ref') | Out-Null")
			}})
		s.Close("}")
	})
	s.Close("}")
}

// targetList writes the objects a per-object block acts on as a PowerShell
// array of literals (one per line), and logs accepted ones as skipped.
func (g *gen) targetList(variable Code, checkID string, ts []model.Target) {
	s := g.s
	var act []string
	for _, t := range ts {
		if t.Accepted {
			s.Skipped(checkID, Lit(t.Identity), acceptedObjectMessage)
			continue
		}
		act = append(act, t.Identity)
	}
	s.Comment("Objects the audit found (data, not code):")
	if len(act) == 0 {
		s.Line("%s = @()", variable)
		return
	}
	s.Open("%s = @(", variable)
	for _, id := range act {
		s.Line("%s", Lit(id))
	}
	s.Close(")")
}

// --- Authorization policy ---------------------------------------------------

func emitEXT001(g *gen, r checks.Result) {
	g.setting(setting{
		checkID: r.ID, target: "authorizationPolicy.allowInvitesFrom",
		action: "Allow only administrators and Guest Inviters to invite guests",
		read: []Code{
			Code("$current = Invoke-MgGraphRequest -Method GET -Uri " + string(Lit(authorizationPolicyURI))),
			"$before = [string]$current.allowInvitesFrom",
		},
		compliant: "@('none', 'adminsAndGuestInviters') -contains $before",
		after:     "'adminsAndGuestInviters'",
		apply:     []Code{graphPatch(authorizationPolicyURI, "@{ allowInvitesFrom = 'adminsAndGuestInviters' }")},
	})
}

func emitEXT002(g *gen, r checks.Result) {
	g.setting(setting{
		checkID: r.ID, target: "authorizationPolicy.guestUserRoleId",
		action: "Restrict guest access to their own directory objects",
		read: []Code{
			Code("$current = Invoke-MgGraphRequest -Method GET -Uri " + string(Lit(authorizationPolicyURI))),
			"$before = [string]$current.guestUserRoleId",
		},
		compliant: "@('2af84b1e-32c8-42b7-82bc-daa82404023b', '10dae51f-b6af-4016-8d66-8c2a99b929b3') -contains $before",
		after:     "'2af84b1e-32c8-42b7-82bc-daa82404023b'",
		apply:     []Code{graphPatch(authorizationPolicyURI, "@{ guestUserRoleId = '2af84b1e-32c8-42b7-82bc-daa82404023b' }")},
	})
}

func emitEXT005(g *gen, r checks.Result) {
	g.setting(setting{
		checkID: r.ID, target: "authorizationPolicy (self-service sign-up)",
		action: "Turn off email-verified sign-up and joining the tenant",
		read: []Code{
			Code("$current = Invoke-MgGraphRequest -Method GET -Uri " + string(Lit(authorizationPolicyURI))),
			"$before = [ordered]@{ allowEmailVerifiedUsersToJoinOrganization = $current.allowEmailVerifiedUsersToJoinOrganization; allowedToSignUpEmailBasedSubscriptions = $current.allowedToSignUpEmailBasedSubscriptions }",
		},
		compliant: "$before.allowEmailVerifiedUsersToJoinOrganization -eq $false -and $before.allowedToSignUpEmailBasedSubscriptions -eq $false",
		after:     "[ordered]@{ allowEmailVerifiedUsersToJoinOrganization = $false; allowedToSignUpEmailBasedSubscriptions = $false }",
		apply:     []Code{graphPatch(authorizationPolicyURI, "@{ allowEmailVerifiedUsersToJoinOrganization = $false; allowedToSignUpEmailBasedSubscriptions = $false }")},
	})
}

// defaultPermissions writes a read-modify-write of
// authorizationPolicy.defaultUserRolePermissions: the whole object is sent
// back with only the wanted keys changed, so nothing else is reset.
func (g *gen) defaultPermissions(checkID, target, action string, wanted Code) {
	s := g.s
	tgt := Lit(target)
	s.Try(checkID, tgt, func() {
		s.Line("$current = Invoke-MgGraphRequest -Method GET -Uri %s", Lit(authorizationPolicyURI))
		s.Line("$permissions = Copy-GraphObject $current.defaultUserRolePermissions")
		s.Line("$wanted = %s", wanted)
		s.Line("$before = [ordered]@{}")
		s.Line("foreach ($key in @($wanted.Keys)) { $before[$key] = $permissions[$key] }")
		s.Line("$differs = @(@($wanted.Keys) | Where-Object { $null -eq $permissions[$_] -or (ConvertTo-Json -InputObject $permissions[$_] -Compress) -ne (ConvertTo-Json -InputObject $wanted[$_] -Compress) })")
		s.Open("if ($differs.Count -eq 0) {")
		s.Unchanged(checkID, tgt, "$before")
		s.Close("} else {")
		s.Line("foreach ($key in @($wanted.Keys)) { $permissions[$key] = $wanted[$key] }")
		s.Change(Change{CheckID: checkID, Target: tgt, Action: action, Before: "$before", After: "$wanted", Apply: func() {
			s.Line("%s", graphPatch(authorizationPolicyURI, "@{ defaultUserRolePermissions = $permissions }"))
		}})
		s.Close("}")
	})
}

func emitID004(g *gen, r checks.Result) {
	g.defaultPermissions(r.ID, "authorizationPolicy.defaultUserRolePermissions",
		"Stop members creating tenants and security groups and reading BitLocker keys",
		"[ordered]@{ allowedToCreateTenants = $false; allowedToCreateSecurityGroups = $false; allowedToReadBitlockerKeysForOwnedDevice = $false }")
}

func emitAPP003(g *gen, r checks.Result) {
	g.defaultPermissions(r.ID, "authorizationPolicy.defaultUserRolePermissions.allowedToCreateApps",
		"Stop members registering applications", "[ordered]@{ allowedToCreateApps = $false }")
}

func emitAPP001(g *gen, r checks.Result) {
	s := g.s
	tgt := Lit("authorizationPolicy.defaultUserRolePermissions.permissionGrantPoliciesAssigned")
	s.Try(r.ID, tgt, func() {
		s.Line("$current = Invoke-MgGraphRequest -Method GET -Uri %s", Lit(authorizationPolicyURI))
		s.Line("$permissions = Copy-GraphObject $current.defaultUserRolePermissions")
		s.Line("$before = @($permissions['permissionGrantPoliciesAssigned'] | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })")
		s.Comment("Keep every assigned policy except user consent (ManagePermissionGrantsForSelf.*); resource-specific consent (ManagePermissionGrantsForOwnedResource.*) is not user consent.")
		s.Line("$after = @($before | Where-Object { $_ -notlike 'ManagePermissionGrantsForSelf.*' })")
		s.Open("if ($after.Count -eq $before.Count) {")
		s.Unchanged(r.ID, tgt, "$before")
		s.Close("} else {")
		s.Line("$permissions['permissionGrantPoliciesAssigned'] = $after")
		s.Change(Change{CheckID: r.ID, Target: tgt, Action: "Remove user consent to applications", Before: "$before", After: "$after", Apply: func() {
			s.Line("%s", graphPatch(authorizationPolicyURI, "@{ defaultUserRolePermissions = $permissions }"))
		}})
		s.Close("}")
	})
}

func emitAPP002(g *gen, r checks.Result) {
	s := g.s
	s.Comment("A reviewer must be chosen by you (a user who will approve consent requests); the audit does not pick one. To apply: put the reviewer's object id below, add Policy.ReadWrite.ConsentRequest to $RequiredGraphScopes in the TenantGuard region, uncomment these lines and run the script again.")
	s.CommentCode("$consentReviewerId = '<reviewer object id>'")
	s.CommentCode("if ($PSCmdlet.ShouldProcess('adminConsentRequestPolicy', 'Enable the admin consent workflow')) {")
	s.CommentCode("    Invoke-MgGraphRequest -Method PUT -Uri '/v1.0/policies/adminConsentRequestPolicy' -Body (ConvertTo-GraphBody @{ isEnabled = $true; notifyReviewers = $true; remindersEnabled = $true; requestDurationInDays = 30; reviewers = @(@{ query = '/users/' + $consentReviewerId; queryType = 'MicrosoftGraph' }) }) -ContentType 'application/json' | Out-Null")
	s.CommentCode("    Add-ChangeLog -CheckId 'ENTRA-APP-002' -Target 'adminConsentRequestPolicy' -Before $null -After 'enabled' -Status 'applied'")
	s.CommentCode("}")
	s.Line("Write-Warning 'ENTRA-APP-002: the admin consent workflow needs a reviewer you choose; see the commented template in its region of this script.'")
	s.Skipped(r.ID, Lit("adminConsentRequestPolicy"), "needs a reviewer: complete the commented template in the script")
}

// --- Conditional Access -----------------------------------------------------

// caPolicy writes the idempotent creation of one report-only policy:
// nothing is created when a policy with the same display name exists.
// conditions and grant are PowerShell hashtable expressions.
func (g *gen) caPolicy(checkID, name string, conditions []Code, grant Code) {
	s := g.s
	s.Line("$policyName = %s", Lit(caPolicyNamePrefix+checkID+" "+name))
	s.Try(checkID, "$policyName", func() {
		s.Line("$existing = Find-ConditionalAccessPolicy -DisplayName $policyName")
		s.Open("if ($null -ne $existing) {")
		s.Line("Add-ChangeLog -CheckId %s -Target $policyName -Before $existing.state -After $existing.state -Status 'skipped' -Message ('a policy with this name exists already, id ' + $existing.id)", Lit(checkID))
		s.Open("if ([string]$existing.state -eq %s) {", Lit(reportOnlyState))
		s.Line("$script:ReportOnlyPolicies.Add([pscustomobject]@{ checkId = %s; displayName = $policyName; id = [string]$existing.id; origin = 'existed' })", Lit(checkID))
		s.Close("}")
		s.Close("} else {")
		s.Open("$policy = [ordered]@{")
		s.Line("displayName   = $policyName")
		s.Line("state         = %s", Lit(reportOnlyState))
		s.Open("conditions    = [ordered]@{")
		for _, c := range conditions {
			s.Line("%s", c)
		}
		s.Close("}")
		s.Line("grantControls = %s", grant)
		s.Close("}")
		s.Change(Change{CheckID: checkID, Target: "$policyName", Action: "Create Conditional Access policy in report-only mode",
			Before: "$null", After: Lit(reportOnlyState), Message: "('id ' + $created.id)", Apply: func() {
				s.Line("$created = Invoke-MgGraphRequest -Method POST -Uri '/v1.0/identity/conditionalAccess/policies' -Body (ConvertTo-GraphBody $policy) -ContentType 'application/json'")
				s.Line("$script:ReportOnlyPolicies.Add([pscustomobject]@{ checkId = %s; displayName = $policyName; id = [string]$created.id; origin = 'created' })", Lit(checkID))
			}})
		s.Close("}")
	})
}

// caUsersAll is "all users except break-glass and the directory sync role".
func caUsersAll() Code {
	return Code("users          = [ordered]@{ includeUsers = @('All'); excludeUsers = @($BreakGlassUserIds); excludeGroups = @($BreakGlassGroupIds); excludeRoles = @(" + string(Lit(knowledge.RoleDirectorySynchronizationAccounts)) + ") }")
}

const caAllApps Code = "applications   = [ordered]@{ includeApplications = @('All') }"

func emitMFA001CA(g *gen, r checks.Result) {
	g.caPolicy(r.ID, "Require MFA for all users",
		[]Code{caUsersAll(), caAllApps, "clientAppTypes = @('all')"},
		"[ordered]@{ operator = 'OR'; builtInControls = @('mfa') }")
}

func emitCA001(g *gen, r checks.Result) {
	g.caPolicy(r.ID, "Block legacy authentication",
		[]Code{caUsersAll(), caAllApps, "clientAppTypes = @('exchangeActiveSync', 'other')"},
		"[ordered]@{ operator = 'OR'; builtInControls = @('block') }")
}

func emitCA002(g *gen, r checks.Result) {
	roles := knowledge.PrivilegedRoleIDs()
	g.s.Comment("Privileged roles: Global, Privileged Role, User, SharePoint, Exchange, Hybrid Identity, Application and Cloud Application Administrator.")
	g.caPolicy(r.ID, "Require MFA for administrators",
		[]Code{
			Code("users          = [ordered]@{ includeRoles = " + string(LitList(roles)) + "; excludeUsers = @($BreakGlassUserIds); excludeGroups = @($BreakGlassGroupIds) }"),
			caAllApps, "clientAppTypes = @('all')",
		},
		"[ordered]@{ operator = 'OR'; builtInControls = @('mfa') }")
}

func emitCA004(g *gen, r checks.Result) {
	g.caPolicy(r.ID, "Require MFA for guests and external users",
		[]Code{
			Code("users          = [ordered]@{ includeGuestsOrExternalUsers = [ordered]@{ guestOrExternalUserTypes = " + string(Lit(knowledge.GuestTypesValue())) + "; externalTenants = [ordered]@{ '@odata.type' = '#microsoft.graph.conditionalAccessAllExternalTenants'; membershipKind = 'all' } }; excludeUsers = @($BreakGlassUserIds); excludeGroups = @($BreakGlassGroupIds) }"),
			caAllApps, "clientAppTypes = @('all')",
		},
		"[ordered]@{ operator = 'OR'; builtInControls = @('mfa') }")
}

func emitCA008(g *gen, r checks.Result) {
	g.caPolicy(r.ID, "Register security info only from a managed device",
		[]Code{caUsersAll(), "applications   = [ordered]@{ includeUserActions = @('urn:user:registersecurityinfo') }", "clientAppTypes = @('all')"},
		"[ordered]@{ operator = 'OR'; builtInControls = @('compliantDevice', 'domainJoinedDevice') }")
}

// --- Exchange Online --------------------------------------------------------

func emitPROTO001(g *gen, r checks.Result) {
	action := "Disable SMTP AUTH for the organization"
	if keep := g.cur.KeepSMTPAuth; len(keep) > 0 {
		var ev, names []string
		for _, u := range keep {
			ev = append(ev, u.Evidence())
			names = append(names, u.Account)
		}
		keeps, its := "keep their own SMTP AUTH override", "them"
		if len(keep) == 1 {
			keeps, its = "keeps its own SMTP AUTH override", "it"
		}
		g.s.commentWrap("Still in use: the collected sign-in log shows "+strings.Join(ev, "; ")+". "+
			strings.Join(names, ", ")+" "+keeps+" (EXO-PROTO-002 leaves it in place), so this change does not stop "+its+
			"; move "+its+" off SMTP AUTH, then remove the override (see the ManualSteps region).", "")
		action += " (" + strings.Join(names, ", ") + " " + strings.TrimSuffix(keeps, " own SMTP AUTH override") + " per-mailbox override and can still send through SMTP AUTH)"
	}
	g.setting(setting{
		checkID: r.ID, target: "TransportConfig", action: action,
		read:      []Code{"$before = (Get-TransportConfig).SmtpClientAuthenticationDisabled"},
		compliant: "$before -eq $true", after: "$true",
		apply: []Code{"Set-TransportConfig -SmtpClientAuthenticationDisabled $true -Confirm:$false"},
	})
}

// mailboxLoop writes a per-mailbox fix over the affected mailboxes.
func (g *gen) mailboxLoop(r checks.Result, read []Code, compliant, after Code, action string, apply Code) {
	s := g.s
	g.targetList("$mailboxes", r.ID, g.cur.Targets)
	s.Open("foreach ($mailbox in $mailboxes) {")
	s.Try(r.ID, "$mailbox", func() {
		for _, l := range read {
			s.Line("%s", l)
		}
		s.Open("if (%s) {", compliant)
		s.Unchanged(r.ID, "$mailbox", "$before")
		s.Close("} else {")
		s.Change(Change{CheckID: r.ID, Target: "$mailbox", Action: action, Before: "$before", After: after, Apply: func() { s.Line("%s", apply) }})
		s.Close("}")
	})
	s.Close("}")
}

func emitPROTO002(g *gen, r checks.Result) {
	g.s.Comment("$null makes the mailbox inherit the organization setting (EXO-PROTO-001); $false would keep SMTP AUTH on for it.")
	for _, h := range g.cur.Held {
		g.s.commentWrap("Left out: "+h.Reason+". Removing its override would stop it sending; see the ManualSteps region.", "")
	}
	g.mailboxLoop(r,
		[]Code{"$before = (Get-CASMailbox -Identity $mailbox).SmtpClientAuthenticationDisabled"},
		"$before -ne $false", "$null", "Remove the SMTP AUTH override (inherit the organization setting)",
		"Set-CASMailbox -Identity $mailbox -SmtpClientAuthenticationDisabled $null -Confirm:$false")
}

func emitPROTO003(g *gen, r checks.Result) {
	g.mailboxLoop(r,
		[]Code{"$cas = Get-CASMailbox -Identity $mailbox", "$before = [ordered]@{ PopEnabled = $cas.PopEnabled; ImapEnabled = $cas.ImapEnabled }"},
		"$cas.PopEnabled -eq $false -and $cas.ImapEnabled -eq $false",
		"[ordered]@{ PopEnabled = $false; ImapEnabled = $false }", "Disable POP3 and IMAP4",
		"Set-CASMailbox -Identity $mailbox -PopEnabled $false -ImapEnabled $false -Confirm:$false")
}

func emitPROTO005(g *gen, r checks.Result) {
	s := g.s
	s.Try(r.ID, "'CASMailboxPlan'", func() {
		s.Open("foreach ($plan in @(Get-CASMailboxPlan)) {")
		s.Line("$planIdentity = [string]$plan.Identity")
		s.Try(r.ID, "$planIdentity", func() {
			s.Line("$before = [ordered]@{ PopEnabled = $plan.PopEnabled; ImapEnabled = $plan.ImapEnabled }")
			s.Open("if ($plan.PopEnabled -eq $false -and $plan.ImapEnabled -eq $false) {")
			s.Unchanged(r.ID, "$planIdentity", "$before")
			s.Close("} else {")
			s.Change(Change{CheckID: r.ID, Target: "$planIdentity", Action: "Disable POP3 and IMAP4 for new mailboxes of this plan",
				Before: "$before", After: "[ordered]@{ PopEnabled = $false; ImapEnabled = $false }", Apply: func() {
					s.Line("Set-CASMailboxPlan -Identity $planIdentity -PopEnabled $false -ImapEnabled $false -Confirm:$false")
				}})
			s.Close("}")
		})
		s.Close("}")
	})
}

func emitFWD001(g *gen, r checks.Result) {
	g.setting(setting{
		checkID: r.ID, target: "RemoteDomain Default", action: "Turn off automatic forwarding to external domains",
		read:      []Code{"$before = (Get-RemoteDomain -Identity 'Default').AutoForwardEnabled"},
		compliant: "$before -eq $false", after: "$false",
		apply: []Code{"Set-RemoteDomain -Identity 'Default' -AutoForwardEnabled $false -Confirm:$false"},
	})
}

func emitFWD002(g *gen, r checks.Result) {
	g.setting(setting{
		checkID: r.ID, target: "HostedOutboundSpamFilterPolicy Default", action: "Set automatic forwarding to Off",
		read:      []Code{"$before = [string](Get-HostedOutboundSpamFilterPolicy -Identity 'Default').AutoForwardingMode"},
		compliant: "$before -eq 'Off'", after: "'Off'",
		apply: []Code{"Set-HostedOutboundSpamFilterPolicy -Identity 'Default' -AutoForwardingMode Off -Confirm:$false"},
	})
}

func emitMAIL001(g *gen, r checks.Result) {
	s := g.s
	tgt := Lit("HostedOutboundSpamFilterPolicy Default")
	s.Try(r.ID, tgt, func() {
		s.Line("$spamPolicy = Get-HostedOutboundSpamFilterPolicy -Identity 'Default'")
		s.Comment("Recipient limits: 0 means the (high) service default. Stricter values already set are kept.")
		s.Line("$before = [ordered]@{ RecipientLimitExternalPerHour = $spamPolicy.RecipientLimitExternalPerHour; RecipientLimitInternalPerHour = $spamPolicy.RecipientLimitInternalPerHour; RecipientLimitPerDay = $spamPolicy.RecipientLimitPerDay }")
		s.Line("$limits = @{}")
		s.Line("if ([int]$spamPolicy.RecipientLimitExternalPerHour -eq 0 -or [int]$spamPolicy.RecipientLimitExternalPerHour -gt 500) { $limits['RecipientLimitExternalPerHour'] = 500 }")
		s.Line("if ([int]$spamPolicy.RecipientLimitInternalPerHour -eq 0 -or [int]$spamPolicy.RecipientLimitInternalPerHour -gt 1000) { $limits['RecipientLimitInternalPerHour'] = 1000 }")
		s.Line("if ([int]$spamPolicy.RecipientLimitPerDay -eq 0 -or [int]$spamPolicy.RecipientLimitPerDay -gt 1000) { $limits['RecipientLimitPerDay'] = 1000 }")
		s.Open("if ($limits.Count -eq 0) {")
		s.Unchanged(r.ID, tgt, "$before")
		s.Close("} else {")
		s.Change(Change{CheckID: r.ID, Target: tgt, Action: "Set outbound recipient limits", Before: "$before", After: "$limits", Apply: func() {
			s.Line("Set-HostedOutboundSpamFilterPolicy -Identity 'Default' @limits -Confirm:$false")
		}})
		s.Close("}")
		s.Blank()
		s.Comment("Blocking senders over the limit and the notifications need a monitored mailbox, which only you can name: run with -SecurityNotificationAddress.")
		s.Open("if ([string]::IsNullOrWhiteSpace($SecurityNotificationAddress)) {")
		s.Line("Write-Warning 'EXO-MAIL-001: outbound spam notifications not configured: run the script with -SecurityNotificationAddress <monitored mailbox>.'")
		s.Skipped(r.ID, tgt, "notifications need -SecurityNotificationAddress")
		s.Close("} else {")
		s.Line("$notifyBefore = [ordered]@{ ActionWhenThresholdReached = [string]$spamPolicy.ActionWhenThresholdReached; NotifyOutboundSpam = $spamPolicy.NotifyOutboundSpam; NotifyOutboundSpamRecipients = @($spamPolicy.NotifyOutboundSpamRecipients | ForEach-Object { [string]$_ }); BccSuspiciousOutboundMail = $spamPolicy.BccSuspiciousOutboundMail; BccSuspiciousOutboundAdditionalRecipients = @($spamPolicy.BccSuspiciousOutboundAdditionalRecipients | ForEach-Object { [string]$_ }) }")
		s.Line("$notify = @{}")
		s.Line("if ($notifyBefore.ActionWhenThresholdReached -ne 'BlockUser') { $notify['ActionWhenThresholdReached'] = 'BlockUser' }")
		s.Line("if ($notifyBefore.NotifyOutboundSpam -ne $true) { $notify['NotifyOutboundSpam'] = $true }")
		s.Line("if ($notifyBefore.NotifyOutboundSpamRecipients -notcontains $SecurityNotificationAddress) { $notify['NotifyOutboundSpamRecipients'] = @($notifyBefore.NotifyOutboundSpamRecipients + $SecurityNotificationAddress) }")
		s.Line("if ($notifyBefore.BccSuspiciousOutboundMail -ne $true) { $notify['BccSuspiciousOutboundMail'] = $true }")
		s.Line("if ($notifyBefore.BccSuspiciousOutboundAdditionalRecipients -notcontains $SecurityNotificationAddress) { $notify['BccSuspiciousOutboundAdditionalRecipients'] = @($notifyBefore.BccSuspiciousOutboundAdditionalRecipients + $SecurityNotificationAddress) }")
		s.Open("if ($notify.Count -eq 0) {")
		s.Unchanged(r.ID, tgt, "$notifyBefore")
		s.Close("} else {")
		s.Change(Change{CheckID: r.ID, Target: tgt, Action: "Block senders over the limit and notify the security mailbox", Before: "$notifyBefore", After: "$notify", Apply: func() {
			s.Line("Set-HostedOutboundSpamFilterPolicy -Identity 'Default' @notify -Confirm:$false")
		}})
		s.Close("}")
		s.Close("}")
	})
}

func emitAUD001(g *gen, r checks.Result) {
	g.setting(setting{
		checkID: r.ID, target: "AdminAuditLogConfig", action: "Turn on unified audit log ingestion",
		read:      []Code{"$before = (Get-AdminAuditLogConfig).UnifiedAuditLogIngestionEnabled"},
		compliant: "$before -eq $true", after: "$true",
		apply: []Code{"Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled $true -Confirm:$false"},
	})
}

func emitAUD002(g *gen, r checks.Result) {
	g.setting(setting{
		checkID: r.ID, target: "OrganizationConfig", action: "Turn on mailbox auditing by default",
		read:      []Code{"$before = (Get-OrganizationConfig).AuditDisabled"},
		compliant: "$before -eq $false", after: "$false",
		apply: []Code{"Set-OrganizationConfig -AuditDisabled $false -Confirm:$false"},
	})
}

func emitAUD004(g *gen, r checks.Result) {
	s := g.s
	g.targetList("$bypassIdentities", r.ID, g.cur.Targets)
	s.Open("foreach ($bypassIdentity in $bypassIdentities) {")
	s.Try(r.ID, "$bypassIdentity", func() {
		s.Line("$before = (Get-MailboxAuditBypassAssociation -Identity $bypassIdentity).AuditBypassEnabled")
		s.Open("if ($before -eq $false) {")
		s.Unchanged(r.ID, "$bypassIdentity", "$before")
		s.Close("} else {")
		s.Change(Change{CheckID: r.ID, Target: "$bypassIdentity", Action: "Turn off mailbox audit bypass", Before: "$before", After: "$false", Apply: func() {
			s.Line("Set-MailboxAuditBypassAssociation -Identity $bypassIdentity -AuditBypassEnabled $false -Confirm:$false")
		}})
		s.Close("}")
	})
	s.Close("}")
}
