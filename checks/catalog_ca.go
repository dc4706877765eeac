package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Categories of the CA-based checks.
const (
	categoryCA       = "Conditional Access"
	categoryIdentity = "Identity & MFA"
)

// cisV5 is the CIS benchmark print the CIS numbers below are taken from
// (numbering is stable from v4 to v7 for these controls, per catalog.md).
const cisV5 = "v5.0.0"

// caChecks are the checks judged on Conditional Access (and security
// defaults). Every one uses the shared evaluator in ca.go.
func caChecks() []Check {
	caDS := []string{snapshot.DSConditionalAccessPolicies}
	// Checks judged on security defaults alone without P1 gate only on
	// securityDefaults: loadCA decides what a missing CA dataset means
	// (nothing when security defaults are on or the tenant has no P1,
	// unknown otherwise).
	caSD := []string{snapshot.DSSecurityDefaults}
	return []Check{
		{Meta: Meta{
			ID: "ENTRA-MFA-001", Title: "MFA is enforced for all users (security defaults or Conditional Access)",
			Category: categoryIdentity, Severity: SeverityCritical, Datasets: caSD, AlsoReads: []string{snapshot.DSConditionalAccessPolicies},
			Rationale: "A stolen password is enough to take over an account that is not asked for a second factor; the seed incident (a phished user sending mail as themselves) is exactly this.",
			References: References{CIS: []string{"5.2.2.2"}, CISVersion: cisV5, SCuBA: []string{"MS.AAD.3.2"},
				Other: []string{"Maester MT.1007", "Maester MT.1021", "Prowler entra_users_mfa_enabled"}},
			Remediation: Remediation{
				Summary: "Require MFA for all users on all resources with a Conditional Access policy (Entra ID P1), excluding only the break-glass accounts; without P1, turn on security defaults.",
				Steps: []string{
					"Entra admin center > Protection > Conditional Access > New policy: Users = All users (exclude the break-glass accounts and the Directory Synchronization Accounts role), Target resources = All resources, Grant = Require multifactor authentication.",
					"Create it in report-only mode, review the sign-in logs for a week, then switch it to On.",
					"Without Entra ID P1: Entra admin center > Overview > Properties > Manage security defaults > Enabled.",
					"Check ENTRA-MFA-003: users with no method registered can register one at their next sign-in, which an attacker holding the password can do first.",
				},
				Script: true,
			}},
			Eval: evalMFA001},
		{Meta: Meta{
			ID: "ENTRA-MFA-010", Title: "Phishing-resistant MFA is required for all users",
			Category: categoryIdentity, Severity: SeverityMedium, Datasets: caDS,
			Rationale:  "Adversary-in-the-middle phishing kits relay passwords and one-time codes; only phishing-resistant methods (FIDO2, Windows Hello for Business, certificate-based) stop them.",
			References: References{SCuBA: []string{"MS.AAD.3.1"}, Other: []string{"CISA.MS.AAD.3.1"}},
			Remediation: Remediation{
				Summary: "Require the built-in 'Phishing-resistant MFA' authentication strength for all users on all resources with a Conditional Access policy, after every user has registered such a method.",
				Steps: []string{
					"Make sure every user has a FIDO2 key / passkey, Windows Hello for Business or certificate-based authentication registered (Authentication methods > Activity).",
					"Conditional Access > New policy: Users = All users (exclude break-glass), Target resources = All resources, Grant = Require authentication strength > Phishing-resistant MFA; report-only first, then On.",
				},
			}},
			Eval: evalMFA010},
		{Meta: Meta{
			ID: "ENTRA-CA-001", Title: "Legacy authentication is blocked",
			Category: categoryCA, Severity: SeverityCritical, Datasets: caSD, AlsoReads: []string{snapshot.DSConditionalAccessPolicies},
			Rationale: "Legacy protocols (IMAP, POP, SMTP AUTH, ActiveSync with basic authentication, older Office clients) cannot do MFA, so they let a stolen password in even where MFA is required.",
			References: References{CIS: []string{"5.2.2.3"}, CISVersion: cisV5, SCuBA: []string{"MS.AAD.1.1"},
				Other: []string{"Maester MT.1009", "Maester MT.1010", "CISA.MS.AAD.1.1", "Prowler entra_legacy_authentication_blocked"}},
			Remediation: Remediation{
				Summary: "Block the 'Exchange ActiveSync clients' and 'Other clients' client app types for all users on all resources with a Conditional Access policy (or turn on security defaults without P1); also turn the protocols off in Exchange (EXO-PROTO checks).",
				Steps: []string{
					"Conditional Access > New policy: Users = All users (exclude break-glass), Target resources = All resources, Conditions > Client apps = Exchange ActiveSync clients + Other clients, Grant = Block access; report-only first, then On.",
					"Without Entra ID P1: enable security defaults.",
					"Turn off SMTP AUTH, POP and IMAP in Exchange Online (EXO-PROTO-001..005): a protocol off at the mailbox stays off whatever CA does.",
				},
				Script: true,
			}},
			Eval: evalCA001},
		{Meta: Meta{
			ID: "ENTRA-CA-002", Title: "MFA is required for administrator roles on all resources",
			Category: categoryCA, Severity: SeverityHigh, Datasets: caSD, AlsoReads: []string{snapshot.DSConditionalAccessPolicies},
			Rationale: "Administrators hold the keys to the tenant; one phished admin password without MFA is a full compromise.",
			References: References{CIS: []string{"5.2.2.1"}, CISVersion: cisV5,
				Other: []string{"Maester MT.1006", "Prowler entra_admin_users_mfa_enabled"}},
			Remediation: Remediation{
				Summary: "Require MFA for the privileged roles (or all users) on all resources with a Conditional Access policy, with no role excluded.",
				Steps: []string{
					"Conditional Access > New policy: Users = Directory roles (Global, Privileged Role, User, SharePoint, Exchange, Hybrid Identity, Application and Cloud Application Administrator) or All users, Target resources = All resources, Grant = Require multifactor authentication.",
					"Without Entra ID P1: enable security defaults (they require MFA from administrators at every sign-in).",
				},
				Script: true,
			}},
			Eval: evalCA002},
		{Meta: Meta{
			ID: "ENTRA-CA-003", Title: "Phishing-resistant MFA is required for administrator roles",
			Category: categoryCA, Severity: SeverityMedium, Datasets: caDS,
			Rationale: "Admin accounts are the first target of adversary-in-the-middle phishing, which relays ordinary MFA codes and push approvals.",
			References: References{CIS: []string{"5.2.2.5"}, CISVersion: cisV5, SCuBA: []string{"MS.AAD.3.6"},
				Other: []string{"CISA.MS.AAD.3.6", "Prowler entra_admin_users_phishing_resistant_mfa_enabled"}},
			Remediation: Remediation{
				Summary: "Require the 'Phishing-resistant MFA' authentication strength for the privileged roles on all resources, after each admin has registered a FIDO2 key, Windows Hello for Business or a certificate (ENTRA-MFA-004).",
				Steps: []string{
					"Register a phishing-resistant method for every admin first, or they are locked out.",
					"Conditional Access > New policy: Users = the privileged directory roles, Target resources = All resources, Grant = Require authentication strength > Phishing-resistant MFA; report-only first, then On.",
				},
			}},
			Eval: evalCA003},
		{Meta: Meta{
			ID: "ENTRA-CA-004", Title: "MFA is required for guests and external users",
			Category: categoryCA, Severity: SeverityHigh, Datasets: caDS,
			Rationale:  "Guest accounts are often invited by a compromised user (as in the seed incident) and sign in with credentials the tenant does not control.",
			References: References{Other: []string{"Maester MT.1016", "Prowler entra_conditional_access_policy_mfa_enforced_for_guest_users"}},
			Remediation: Remediation{
				Summary: "Require MFA on all resources for all users, or for every guest and external user type in all external tenants.",
				Steps: []string{
					"Conditional Access > New policy: Users = Guest or external users (select every type, all external tenants) or All users, Target resources = All resources, Grant = Require multifactor authentication.",
				},
				Script: true,
			}},
			Eval: evalCA004},
		{Meta: Meta{
			ID: "ENTRA-CA-005", Title: "High user risk requires a secure password change or is blocked",
			Category: categoryCA, Severity: SeverityHigh, Datasets: caDS, Licence: LicenceNone,
			Rationale: "Entra ID Protection flags leaked credentials and compromised accounts as high user risk; without a policy the flag changes nothing.",
			References: References{CIS: []string{"5.2.2.6"}, CISVersion: cisV5, SCuBA: []string{"MS.AAD.2.1"},
				Other: []string{"Maester MT.1013", "Maester MT.1049", "CISA.MS.AAD.2.1"}},
			Remediation: Remediation{
				Summary: "With Entra ID P2, add a policy for all users on all resources with user risk = High and Grant = Require MFA AND Require password change (or Block); keep it separate from sign-in risk.",
				Steps: []string{
					"Conditional Access > New policy: Users = All users (exclude break-glass), Target resources = All resources, Conditions > User risk = High, Grant = Require multifactor authentication + Require password change (require all), Session = Sign-in frequency Every time.",
				},
			}},
			Eval: evalCA005},
		{Meta: Meta{
			ID: "ENTRA-CA-006", Title: "High sign-in risk requires MFA or is blocked",
			Category: categoryCA, Severity: SeverityHigh, Datasets: caDS,
			Rationale: "Sign-in risk catches token replay, impossible travel and password spray at the moment of sign-in.",
			References: References{CIS: []string{"5.2.2.7", "5.2.2.8"}, CISVersion: cisV5, SCuBA: []string{"MS.AAD.2.3"},
				Other: []string{"Maester MT.1012", "CISA.MS.AAD.2.3"}},
			Remediation: Remediation{
				Summary: "With Entra ID P2, add a policy for all users on all resources with sign-in risk = High (and Medium) and Grant = Block or Require MFA; keep it separate from user risk.",
				Steps: []string{
					"Conditional Access > New policy: Users = All users (exclude break-glass), Target resources = All resources, Conditions > Sign-in risk = High, Medium, Grant = Require multifactor authentication (or Block for High), Session = Sign-in frequency Every time.",
				},
			}},
			Eval: evalCA006},
		{Meta: Meta{
			ID: "ENTRA-CA-007", Title: "Device-code flow and authentication transfer are blocked",
			Category: categoryCA, Severity: SeverityHigh, Datasets: caDS,
			Rationale: "Device-code phishing gets a victim to enter a code on microsoft.com/devicelogin and hands the attacker a token, MFA included.",
			References: References{CIS: []string{"5.2.2.12"}, CISVersion: cisV5, SCuBA: []string{"MS.AAD.3.9"},
				Other: []string{"Maester MT.1052", "Prowler entra_conditional_access_policy_device_code_flow_blocked"}},
			Remediation: Remediation{
				Summary: "Block the device code flow and authentication transfer for all users on all resources (exclude only break-glass and documented meeting-room devices).",
				Steps: []string{
					"Conditional Access > New policy: Users = All users (exclude break-glass), Target resources = All resources, Conditions > Authentication flows = Device code flow + Authentication transfer, Grant = Block access.",
				},
			}},
			Eval: evalCA007},
		{Meta: Meta{
			ID: "ENTRA-CA-008", Title: "Security-information registration is protected",
			Category: categoryCA, Severity: SeverityHigh, Datasets: caDS,
			Rationale: "After a phish, attackers register their own authenticator so they keep access after a password reset; registration from a managed device stops that.",
			References: References{CIS: []string{"5.2.2.10"}, CISVersion: cisV5, SCuBA: []string{"MS.AAD.3.8"},
				Other: []string{"Maester MT.1011", "CISA.MS.AAD.3.8"}},
			Remediation: Remediation{
				Summary: "Require a compliant or hybrid-joined device for the user action 'Register security information' for all users; onboard new users with a Temporary Access Pass.",
				Steps: []string{
					"Conditional Access > New policy: Users = All users (exclude break-glass), Target resources = User actions > Register security information, Grant = Require device to be marked as compliant OR Require Microsoft Entra hybrid joined device.",
				},
				Script: true,
			}},
			Eval: evalCA008},
		{Meta: Meta{
			ID: "ENTRA-CA-011", Title: "No protective control relies only on report-only or disabled policies",
			Category: categoryCA, Severity: SeverityHigh, Datasets: caDS,
			Rationale: "A report-only or disabled policy looks like protection in the portal but enforces nothing: the tenant form of 'MFA enabled but not enforced'.",
			Remediation: Remediation{
				Summary: "Turn the listed policies On after reviewing their report-only results.",
				Steps: []string{
					"Conditional Access > Policies > open the policy > review 'Report-only' results in the sign-in logs / insights workbook > Enable policy = On.",
				},
			}},
			Eval: evalCA011},
		{Meta: Meta{
			ID: "ENTRA-CA-012", Title: "Every enabled policy excludes an emergency-access account",
			Category: categoryCA, Severity: SeverityMedium, Datasets: caDS,
			Rationale: "A Conditional Access mistake or an outage of the MFA service can lock every administrator out; a break-glass account excluded from every policy is the way back in. Directory synchronisation accounts must also be excluded or hybrid sync breaks.",
			References: References{CIS: []string{"1.1.2"}, CISVersion: cisV5,
				Other: []string{"Maester MT.1005", "Maester MT.1020", "Maester MT.1034", "Prowler entra_emergency_access_exclusion"}},
			Remediation: Remediation{
				Summary: "Declare the break-glass accounts in the config (breakGlass) and exclude them from every enabled policy; exclude the Directory Synchronization Accounts role from all-users policies in hybrid tenants.",
				Steps: []string{
					"Create two cloud-only emergency-access accounts (or a group holding them) and exclude them in Users > Exclude of every policy.",
					"With PowerShell, read the whole conditions object, append the id to ExcludeUsers, and send the whole object back (a partial conditions object replaces nested values).",
				},
			}},
			Eval: evalCA012},
	}
}

// caSubject is what the CA checks read: policies, security defaults (nil
// when the check does not use them) and the evaluator environment.
type caSubject struct {
	env      *caEnv
	policies []snapshot.CAPolicy
	sd       *snapshot.SecurityDefaults
}

func loadCA(c *Context, withSD bool) (caSubject, *Outcome) {
	s := caSubject{env: newCAEnv(c)}
	if withSD {
		sd, err := c.Snap.SecurityDefaults()
		if err != nil {
			o := Unknown(err)
			return caSubject{}, &o
		}
		s.sd = sd
	}
	pols, err := c.Snap.ConditionalAccessPolicies()
	info := c.Snap.Info(snapshot.DSConditionalAccessPolicies)
	switch {
	case err == nil && info.Status == snapshot.StatusPartial && withSD && !s.sd.IsEnabled:
		// A pass judged on some of the policies would be a false pass.
		o := Outcome{Status: StatusUnknown, Summary: "Not evaluated: Conditional Access policies were only partly collected (" + info.Describe() + ") and security defaults are off."}
		return caSubject{}, &o
	case err == nil:
		s.policies = pols
	case withSD && (s.sd.IsEnabled || info.Status == snapshot.StatusUnlicensed || (c.Licences.Known && !c.Licences.P1)):
		// Judged on security defaults: on, they decide; off without P1,
		// nothing enforces the control whatever the (unavailable) policies.
	default:
		o := Unknown(err)
		return caSubject{}, &o
	}
	return s, nil
}

// sdState describes security defaults as a phrase, reading them when
// collected (the checks that do not depend on them still mention them).
func sdState(c *Context) string {
	sd, err := c.Snap.SecurityDefaults()
	switch {
	case err != nil:
		return "security defaults unknown (not collected)"
	case sd.IsEnabled:
		return "security defaults on"
	}
	return "security defaults off"
}

// unenforceable notes CA policies present in a tenant without P1 (they
// are not enforced, so they were not counted).
func unenforceable(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" The %d Conditional Access policies present were not counted: without P1 they are not enforced.", n)
}

// judgedOn says plainly what a CA check looked at.
func judgedOn(c *Context, n int) string {
	lic := "licences unknown"
	switch {
	case c.Licences.P2:
		lic = "Entra ID P2"
	case c.Licences.P1:
		lic = "Entra ID P1"
	case c.Licences.Known:
		lic = "no Entra ID P1"
	}
	return fmt.Sprintf("Judged on %d Conditional Access policies, %s, %s.", n, sdState(c), lic)
}

// needP1 answers not_applicable when the tenant is known to lack P1: the
// control can only be enforced by Conditional Access, and security defaults
// do not do it.
func needP1(c *Context, what string) *Outcome {
	if c.Licences.Known && !c.Licences.P1 {
		return &Outcome{Status: StatusNotApplicable, Summary: fmt.Sprintf(
			"Not applicable: %s can only be enforced by Conditional Access, which needs Entra ID P1, and the tenant has no P1; security defaults do not do it (%s).", what, sdState(c))}
	}
	return nil
}

// needP2 answers not_applicable when the tenant is known to lack P2, even
// when a policy exists (it does nothing without P2).
func needP2(c *Context, n int) *Outcome {
	if c.Licences.Known && !c.Licences.P2 {
		s := "Not applicable: risk policies need Entra ID P2, and the tenant has no P2"
		if n > 0 {
			s += fmt.Sprintf(" (%d policies hold risk conditions but Identity Protection does not compute risk without P2)", n)
		}
		return &Outcome{Status: StatusNotApplicable, Summary: s + "."}
	}
	return nil
}

// licenceUnknown turns a fail into unknown when licences were not collected
// for a control that needs a licence: fail and not_applicable cannot be told
// apart. A pass stands (it is proven from the policies).
func licenceUnknown(c *Context, o Outcome, lic Licence) Outcome {
	if c.Licences.Known || o.Status != StatusFail {
		return o
	}
	o.Status = StatusUnknown
	o.Summary = fmt.Sprintf("Not conclusive: licences are unknown (%s %s), and this control needs %s; if the tenant holds it: %s",
		snapshot.DSSubscribedSkus, c.Snap.Info(snapshot.DSSubscribedSkus).Describe(), lic, o.Summary)
	return o
}

func withJudged(c *Context, o Outcome, n int) Outcome {
	if o.Status != StatusPass {
		o.Summary += " " + judgedOn(c, n)
	}
	return o
}

func sdAffected(sd *snapshot.SecurityDefaults, detail string) Affected {
	id := sd.ID
	if id == "" {
		id = "00000000-0000-0000-0000-000000000005"
	}
	return Affected{Kind: "policy", ID: id, Name: "Security defaults", Detail: detail}
}

// Requirements of the protective controls (also used by ENTRA-CA-011).
func reqMFA001() caRequirement {
	return caRequirement{CheckID: "ENTRA-MFA-001", Control: "MFA for all users", Target: targetAllUsers,
		Grant: grantMFA, GrantNoun: "require MFA"}
}

func reqCA001() caRequirement {
	legacy := []string{"exchangeActiveSync", "other"}
	return caRequirement{CheckID: "ENTRA-CA-001", Control: "blocking of legacy authentication (Exchange ActiveSync and other clients)",
		Target: targetAllUsers, ClientApps: legacy, Need: legacy, Grant: grantBlock, GrantNoun: "block access"}
}

func reqCA002() caRequirement {
	return caRequirement{CheckID: "ENTRA-CA-002", Control: "MFA for administrator roles", Target: targetAdmins,
		Grant: grantMFA, GrantNoun: "require MFA"}
}

func reqCA005() caRequirement {
	return caRequirement{CheckID: "ENTRA-CA-005", Control: "a high user-risk policy", Target: targetAllUsers, Risk: "user",
		Grant: grantBlockOrMFAAndPasswordChange, GrantNoun: "block, or require MFA AND password change"}
}

func reqCA006() caRequirement {
	return caRequirement{CheckID: "ENTRA-CA-006", Control: "a high sign-in-risk policy", Target: targetAllUsers, Risk: "signIn",
		Grant: grantBlockOrMFA, GrantNoun: "block or require MFA"}
}

// caLegacyClients are sign-in clientAppUsed values of the legacy client
// app types (exchangeActiveSync and other) Conditional Access blocks.
func caLegacyClients() map[string]bool {
	return map[string]bool{"exchange activesync": true, "imap4": true, "pop3": true, "authenticated smtp": true,
		"other clients": true, "outlook anywhere (rpc over http)": true, "mapi over http": true, "offline address book": true,
		"autodiscover": true, "exchange online powershell": true, "reporting web services": true, "exchange web services": true}
}

// signInEvidence counts, in the incident sign-in log when collected,
// successful legacy-protocol sign-ins and successful single-factor member
// sign-ins: evidence that contradicts a control judged on configuration.
func signInEvidence(c *Context) (legacy, singleFactor int, ok bool) {
	sis, err := c.Snap.SignIns()
	if err != nil {
		return 0, 0, false
	}
	leg := caLegacyClients()
	for _, s := range sis {
		if !s.Succeeded() {
			continue
		}
		if leg[strings.ToLower(s.ClientAppUsed)] {
			legacy++
		}
		if strings.EqualFold(s.AuthenticationRequirement, "singleFactorAuthentication") && !strings.EqualFold(s.UserType, "guest") {
			singleFactor++
		}
	}
	return legacy, singleFactor, true
}

const sdCaveat = "Security defaults prompt members for MFA only when Microsoft deems it necessary (administrators at every sign-in), and users who have not registered a method can register one at their first sign-in, so whoever signs in first with a password sets up the MFA; see ENTRA-MFA-003 for users who are not MFA-capable. A Conditional Access policy requiring MFA for all users at every sign-in (Entra ID P1) is stronger."

func evalMFA001(c *Context) Outcome {
	s, o := loadCA(c, true)
	if o != nil {
		return *o
	}
	ev := s.env.evaluateCA(s.policies, reqMFA001())
	if s.sd.IsEnabled {
		sum := "Security defaults are enabled, so MFA is required for all users. " + sdCaveat
		if ev.Enforced {
			sum = "MFA for all users is enforced by Conditional Access (" + strings.Join(ev.Counting(), ", ") + ") and security defaults are enabled."
		}
		if _, n, ok := signInEvidence(c); ok && n > 0 {
			sum += fmt.Sprintf(" Evidence: the collected sign-in log holds %d successful single-factor member sign-ins (see IR-SIG-002), so MFA was not asked every time.", n)
		}
		return Outcome{Status: StatusPass, Summary: sum,
			Affected: append(ev.Affected(), sdAffected(s.sd, "enabled: registration of MFA required; MFA prompted when Microsoft deems it necessary"))}
	}
	if c.Licences.Known && !c.Licences.P1 {
		return Outcome{Status: StatusFail, Summary: "Nothing enforces MFA: security defaults are off and the tenant has no Entra ID P1, so Conditional Access is not available. Turn security defaults on." + unenforceable(len(s.policies)) + " " + judgedOn(c, len(s.policies))}
	}
	out := ev.Outcome()
	if out.Status != StatusPass {
		out.Summary = "Security defaults are off. " + out.Summary
	}
	return withJudged(c, out, len(s.policies))
}

func evalMFA010(c *Context) Outcome {
	if o := needP1(c, "phishing-resistant MFA for all users"); o != nil {
		return *o
	}
	s, o := loadCA(c, false)
	if o != nil {
		return *o
	}
	ev := s.env.evaluateCA(s.policies, caRequirement{CheckID: "ENTRA-MFA-010", Control: "phishing-resistant MFA for all users",
		Target: targetAllUsers, Grant: grantPhishingResistant, GrantNoun: "require a phishing-resistant authentication strength"})
	out := ev.Outcome()
	if out.Status != StatusPass && strings.HasPrefix(sdState(c), "security defaults on") {
		out.Summary += " Security defaults never require phishing-resistant methods."
	}
	return licenceUnknown(c, withJudged(c, out, len(s.policies)), LicenceP1)
}

func evalCA001(c *Context) Outcome {
	s, o := loadCA(c, true)
	if o != nil {
		return *o
	}
	ev := s.env.evaluateCA(s.policies, reqCA001())
	if s.sd.IsEnabled {
		sum := "Security defaults are enabled; they block legacy authentication for all users. Protocols should still be turned off in Exchange (EXO-PROTO checks)."
		if n, _, ok := signInEvidence(c); ok && n > 0 {
			sum += fmt.Sprintf(" Evidence: the collected sign-in log holds %d successful legacy-protocol sign-ins (see IR-SIG-001), so turning the protocols off in Exchange is what actually closes them.", n)
		}
		return Outcome{Status: StatusPass, Summary: sum,
			Affected: append(ev.Affected(), sdAffected(s.sd, "enabled: blocks legacy authentication"))}
	}
	if c.Licences.Known && !c.Licences.P1 {
		return Outcome{Status: StatusFail, Summary: "Legacy authentication is not blocked: security defaults are off and the tenant has no Entra ID P1, so Conditional Access is not available. Turn security defaults on." + unenforceable(len(s.policies)) + " " + judgedOn(c, len(s.policies))}
	}
	out := ev.Outcome()
	if out.Status == StatusFail && !ev.WithExclusions && len(ev.Covered) > 0 {
		var rest []string
		for _, t := range []string{"exchangeActiveSync", "other"} {
			if !containsFold(ev.Covered, t) {
				rest = append(rest, t)
			}
		}
		out.Summary = fmt.Sprintf("Legacy authentication is only partly blocked: enforced policies cover %s but not %s. ", strings.Join(ev.Covered, ", "), strings.Join(rest, " and ")) + out.Summary
	}
	if out.Status != StatusPass {
		out.Summary = "Security defaults are off. " + out.Summary
	}
	return withJudged(c, out, len(s.policies))
}

func evalCA002(c *Context) Outcome {
	s, o := loadCA(c, true)
	if o != nil {
		return *o
	}
	ev := s.env.evaluateCA(s.policies, reqCA002())
	if s.sd.IsEnabled {
		sum := "Security defaults are enabled; they require MFA from administrators at every sign-in."
		if ev.Enforced {
			sum = "MFA for administrators is enforced by Conditional Access (" + strings.Join(ev.Counting(), ", ") + ") and security defaults are enabled."
		}
		return Outcome{Status: StatusPass, Summary: sum,
			Affected: append(ev.Affected(), sdAffected(s.sd, "enabled: MFA for administrators at every sign-in"))}
	}
	if c.Licences.Known && !c.Licences.P1 {
		return Outcome{Status: StatusFail, Summary: "Nothing enforces MFA for administrators: security defaults are off and the tenant has no Entra ID P1. Turn security defaults on." + unenforceable(len(s.policies)) + " " + judgedOn(c, len(s.policies))}
	}
	out := ev.Outcome()
	if out.Status != StatusPass {
		out.Summary = "Security defaults are off. " + out.Summary
	}
	return withJudged(c, out, len(s.policies))
}

func evalCA003(c *Context) Outcome {
	if o := needP1(c, "phishing-resistant MFA for administrators"); o != nil {
		return *o
	}
	s, o := loadCA(c, false)
	if o != nil {
		return *o
	}
	ev := s.env.evaluateCA(s.policies, caRequirement{CheckID: "ENTRA-CA-003", Control: "phishing-resistant MFA for administrator roles",
		Target: targetAdmins, Grant: grantPhishingResistant, GrantNoun: "require a phishing-resistant authentication strength"})
	out := ev.Outcome()
	if out.Status != StatusPass && strings.HasPrefix(sdState(c), "security defaults on") {
		out.Summary += " Security defaults never require phishing-resistant methods."
	}
	return licenceUnknown(c, withJudged(c, out, len(s.policies)), LicenceP1)
}

func evalCA004(c *Context) Outcome {
	if o := needP1(c, "MFA for guests at every sign-in"); o != nil {
		return *o
	}
	s, o := loadCA(c, false)
	if o != nil {
		return *o
	}
	ev := s.env.evaluateCA(s.policies, caRequirement{CheckID: "ENTRA-CA-004", Control: "MFA for guests and external users",
		Target: targetGuests, Grant: grantMFA, GrantNoun: "require MFA"})
	out := ev.Outcome()
	if out.Status != StatusPass && strings.HasPrefix(sdState(c), "security defaults on") {
		out.Summary += " Security defaults prompt for MFA only when Microsoft deems it necessary, so guests are not asked at every sign-in."
	}
	return licenceUnknown(c, withJudged(c, out, len(s.policies)), LicenceP1)
}

// riskPolicies counts non-disabled policies holding a risk condition.
func riskPolicies(pols []snapshot.CAPolicy) int {
	n := 0
	for _, p := range pols {
		if p.State != caStateDisabled && (len(p.Conditions.UserRiskLevels) > 0 || len(p.Conditions.SignInRiskLevels) > 0) {
			n++
		}
	}
	return n
}

func evalCA005(c *Context) Outcome { return evalRisk(c, reqCA005()) }
func evalCA006(c *Context) Outcome { return evalRisk(c, reqCA006()) }

func evalRisk(c *Context, req caRequirement) Outcome {
	s, o := loadCA(c, false)
	if o != nil {
		return *o
	}
	if o := needP2(c, riskPolicies(s.policies)); o != nil {
		return *o
	}
	ev := s.env.evaluateCA(s.policies, req)
	return licenceUnknown(c, withJudged(c, ev.Outcome(), len(s.policies)), LicenceP2)
}

func evalCA007(c *Context) Outcome {
	if o := needP1(c, "blocking of the device code flow"); o != nil {
		return *o
	}
	s, o := loadCA(c, false)
	if o != nil {
		return *o
	}
	ev := s.env.evaluateCA(s.policies, caRequirement{CheckID: "ENTRA-CA-007", Control: "blocking of the device code flow",
		Target: targetAllUsers, Flows: []string{"deviceCodeFlow", "authenticationTransfer"}, Need: []string{"deviceCodeFlow"},
		Grant: grantBlock, GrantNoun: "block access"})
	out := ev.Outcome()
	if out.Status == StatusPass && !containsFold(ev.Covered, "authenticationTransfer") {
		out.Status = StatusWarn
		out.Summary = "The device code flow is blocked (" + strings.Join(ev.Counting(), ", ") + "), but authentication transfer is not."
	}
	return licenceUnknown(c, withJudged(c, out, len(s.policies)), LicenceP1)
}

func evalCA008(c *Context) Outcome {
	if o := needP1(c, "protection of security-information registration"); o != nil {
		return *o
	}
	s, o := loadCA(c, false)
	if o != nil {
		return *o
	}
	strict := s.env.evaluateCA(s.policies, caRequirement{CheckID: "ENTRA-CA-008", Control: "a managed device for security-information registration",
		Target: targetAllUsers, Resource: resourceRegisterSecurityInfo, Grant: grantManagedDevice, GrantNoun: "require a compliant or hybrid-joined device"})
	out := strict.Outcome()
	if out.Status != StatusPass {
		relaxed := s.env.evaluateCA(s.policies, caRequirement{CheckID: "ENTRA-CA-008", Control: "protection of security-information registration",
			Target: targetAllUsers, Resource: resourceRegisterSecurityInfo, AllowLocations: true, Grant: grantBlockOrMFA, GrantNoun: "block or require MFA"})
		if relaxed.Enforced {
			out = Outcome{Status: StatusWarn, Summary: "Security-information registration is protected only by MFA or a location condition (" +
				strings.Join(relaxed.Counting(), ", ") + "), not by a managed device: an attacker who passes MFA once can register their own method.",
				Affected: relaxed.Affected()}
		}
	}
	return licenceUnknown(c, withJudged(c, out, len(s.policies)), LicenceP1)
}

func evalCA011(c *Context) Outcome {
	if o := needP1(c, "a Conditional Access policy"); o != nil {
		return *o
	}
	s, o := loadCA(c, false)
	if o != nil {
		return *o
	}
	sdOn := false
	if sd, err := c.Snap.SecurityDefaults(); err == nil {
		sdOn = sd.IsEnabled
	}
	type control struct {
		id  string
		req caRequirement
		// bySD: security defaults already do it, so a dormant policy is not
		// the only control.
		bySD bool
		p2   bool
	}
	controls := []control{
		{"ENTRA-MFA-001", reqMFA001(), true, false},
		{"ENTRA-CA-001", reqCA001(), true, false},
		{"ENTRA-CA-002", reqCA002(), true, false},
		{"ENTRA-CA-005", reqCA005(), false, true},
		{"ENTRA-CA-006", reqCA006(), false, true},
	}
	var found []string
	var aff []Affected
	seen := map[string]int{}
	for _, ctl := range controls {
		if (ctl.bySD && sdOn) || (ctl.p2 && c.Licences.Known && !c.Licences.P2) {
			continue
		}
		ev := s.env.evaluateCA(s.policies, ctl.req)
		if ev.Enforced || !ev.Dormant {
			continue
		}
		found = append(found, ctl.id+" ("+ev.Control+")")
		for _, p := range ev.Policies {
			if p.Policy.State == caStateEnabled || len(p.Reasons) > 0 || len(p.Unapproved) > 0 || p.Unresolved != "" {
				continue
			}
			state := "report-only"
			if p.Policy.State == caStateDisabled {
				state = "disabled"
			}
			why := fmt.Sprintf("%s: would give %s (%s) if it were On", state, ev.Control, ctl.id)
			if i, ok := seen[p.Policy.ID]; ok {
				aff[i].Detail += "; " + why
				continue
			}
			seen[p.Policy.ID] = len(aff)
			aff = append(aff, Affected{Kind: "policy", ID: p.Policy.ID, Name: p.Policy.DisplayName, Detail: why,
				Extra: map[string]string{"state": p.Policy.State}})
		}
	}
	if len(found) > 0 {
		return Outcome{Status: StatusFail, Summary: fmt.Sprintf("%d protective control(s) exist only as report-only or disabled policies, so nothing enforces them: %s.",
			len(found), strings.Join(found, "; ")), Affected: aff}
	}
	out := Outcome{Status: StatusPass, Summary: "No protective control (MFA for all users, legacy-authentication block, MFA for admins, risk policies) relies only on report-only or disabled policies."}
	if len(s.policies) == 0 {
		out.Summary = "There are no Conditional Access policies, so none is left unenforced; the missing controls are reported by their own checks."
	}
	return licenceUnknown(c, out, LicenceP1)
}

func evalCA012(c *Context) Outcome {
	if o := needP1(c, "a Conditional Access policy"); o != nil {
		return *o
	}
	s, o := loadCA(c, false)
	if o != nil {
		return *o
	}
	var enabled []snapshot.CAPolicy
	for _, p := range s.policies {
		if p.State == caStateEnabled {
			enabled = append(enabled, p)
		}
	}
	bg := s.env.cfg.BreakGlass
	if len(bg.Users) == 0 && len(bg.Groups) == 0 {
		sum := "No break-glass accounts are declared in the config (breakGlass), so exclusions cannot be checked; declare the emergency-access accounts."
		if sug := commonExclusions(s.env, enabled); len(sug) > 0 {
			sum += " Suggestion only: excluded from every enabled policy: " + strings.Join(sug, "; ") + "."
		}
		return Outcome{Status: StatusManual, Summary: sum + " " + judgedOn(c, len(s.policies))}
	}
	if len(enabled) == 0 {
		return Outcome{Status: StatusPass, Summary: fmt.Sprintf("No enabled Conditional Access policy can lock the break-glass accounts out (%d policies, none enabled).", len(s.policies))}
	}
	synced, syncKnown := false, false
	if orgs, err := c.Snap.Organizations(); err == nil && len(orgs) > 0 {
		syncKnown = true
		for _, o := range orgs {
			if o.OnPremisesSyncEnabled != nil && *o.OnPremisesSyncEnabled {
				synced = true
			}
		}
	}
	var missing, noSync []Affected
	broad, broadSync := 0, 0
	for _, p := range enabled {
		u := p.Conditions.Users
		if u == nil {
			u = &snapshot.CAUsers{}
		}
		ok := false
		for _, id := range u.ExcludeUsers {
			if s.env.isBreakGlassUser(id) {
				ok = true
			}
		}
		for _, id := range u.ExcludeGroups {
			if s.env.isBreakGlassGroup(id) {
				ok = true
			}
		}
		if !ok {
			missing = append(missing, Affected{Kind: "policy", ID: p.ID, Name: p.DisplayName, Detail: "enabled and excludes no declared break-glass account or group"})
		}
		if containsFold(u.IncludeUsers, "All") && p.Conditions.Applications != nil && containsFold(p.Conditions.Applications.IncludeApplications, "All") {
			broad++
			if containsFold(u.ExcludeRoles, RoleDirectorySynchronizationAccounts) {
				broadSync++
			} else if synced {
				noSync = append(noSync, Affected{Kind: "policy", ID: p.ID, Name: p.DisplayName, Detail: "all users and all resources, but does not exclude the Directory Synchronization Accounts role (the tenant synchronises from on-premises)"})
			}
		}
	}
	syncNote := fmt.Sprintf(" The Directory Synchronization Accounts role is excluded from %d of %d enabled all-users/all-resources policies.", broadSync, broad)
	if len(missing) > 0 {
		return Outcome{Status: StatusFail, Summary: fmt.Sprintf("%d of %d enabled policies exclude no declared break-glass account, so a mistake in them can lock every administrator out.", len(missing), len(enabled)) + syncNote,
			Affected: append(missing, noSync...)}
	}
	if len(noSync) > 0 {
		return Outcome{Status: StatusWarn, Summary: fmt.Sprintf("Every enabled policy excludes a break-glass account, but %d all-users/all-resources policies do not exclude the Directory Synchronization Accounts role in this hybrid tenant.", len(noSync)) + syncNote,
			Affected: noSync}
	}
	if !syncKnown && broad > broadSync {
		// Whether the sync account needs excluding depends on hybrid sync,
		// which the organization dataset says; without it, no pass.
		return Outcome{Status: StatusUnknown, Summary: fmt.Sprintf("Every enabled policy (%d) excludes a declared break-glass account, but whether the tenant synchronises from on-premises (and so must exclude the Directory Synchronization Accounts role) is unknown: dataset organization was not collected (%s).", len(enabled), c.Snap.Info(snapshot.DSOrganization).Describe()) + syncNote}
	}
	return Outcome{Status: StatusPass, Summary: fmt.Sprintf("Every enabled policy (%d) excludes a declared break-glass account.", len(enabled)) + syncNote}
}

// commonExclusions returns users and groups excluded from every enabled
// policy: a labelled suggestion for the break-glass list, never a verdict.
func commonExclusions(env *caEnv, enabled []snapshot.CAPolicy) []string {
	if len(enabled) == 0 {
		return nil
	}
	count := map[string]int{}
	for _, p := range enabled {
		if p.Conditions.Users == nil {
			return nil
		}
		seen := map[string]bool{}
		for _, id := range p.Conditions.Users.ExcludeUsers {
			seen["u:"+strings.ToLower(id)] = true
		}
		for _, id := range p.Conditions.Users.ExcludeGroups {
			seen["g:"+strings.ToLower(id)] = true
		}
		for k := range seen {
			count[k]++
		}
	}
	var out []string
	for k, n := range count {
		if n != len(enabled) {
			continue
		}
		if strings.HasPrefix(k, "u:") {
			out = append(out, env.userName(k[2:]))
		} else {
			out = append(out, "group "+k[2:])
		}
	}
	sort.Strings(out)
	return out
}
