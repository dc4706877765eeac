package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDIRSig002 is the ID of check IR-SIG-002.
const IDIRSig002 = "IR-SIG-002"

func irSig002() Check {
	return Check{Meta: Meta{ID: IDIRSig002, Title: "Successful single-factor interactive sign-ins (MFA not actually enforced)", Category: categoryIncident, Severity: SeverityHigh, Incident: true,
		Rationale: "Successful sign-ins with a password alone show MFA is configured but not enforced — the reason a phished password is enough.",
		Datasets:  []string{snapshot.DSSignIns}, AlsoReads: []string{snapshot.DSDirectoryAudits, snapshot.DSDomains, snapshot.DSOrganization, snapshot.DSUsers},
		References:  References{Other: []string{"Evidence for ENTRA-MFA-001 and ENTRA-CA-011"}},
		Remediation: Remediation{Summary: "Require MFA for all users with Conditional Access (report-only first), see ENTRA-MFA-001."}},
		Eval: evalIRSig002}
}

// evalIRSig002 is IR-SIG-002: successful interactive single-factor member
// sign-ins (MFA not actually enforced).
func evalIRSig002(c *Context) Outcome {
	sc := newIncidentScope(c)
	sis, err := c.SignIns()
	if err != nil {
		return Unknown(err)
	}
	haveReq := false
	for _, s := range sis {
		if s.AuthenticationRequirement != "" {
			haveReq = true
			break
		}
	}
	if len(sis) > 0 && !haveReq {
		return Outcome{Status: StatusUnknown, Summary: "Not evaluated: the sign-in log carries no authenticationRequirement (a beta field), so single-factor sign-ins cannot be told apart."}
	}
	groups := irGroupSignIns(sis, func(s snapshot.SignIn) bool {
		if !sc.inWindow(s.CreatedDateTime) || !s.Succeeded() || !s.IsInteractive || !strings.EqualFold(s.AuthenticationRequirement, "singleFactorAuthentication") {
			return false
		}
		if strings.EqualFold(s.UserType, "guest") || c.Config.IsBreakGlassUser(s.UserID) {
			return false
		}
		if u, ok := sc.directory[s.UserID]; ok && u.IsGuest() {
			return false
		}
		return true
	})
	attackerIPs := irAttackerAddresses(c, sc, sis)
	gap, _ := irAddressGap(c, nil)
	var out []Affected
	users := map[string]bool{}
	attributed := 0
	for _, g := range groups {
		a := Affected{Kind: "signIn", ID: g.key, Name: g.upn, Time: irTimePtr(g.first), Actor: g.where(),
			Detail: fmt.Sprintf("%s to %s from %s, %s", phrase.Plural(g.ok, "successful single-factor sign-in", "successful single-factor sign-ins"), g.client, g.where(), irSpan(g.first, g.last)),
			SignIn: g.evidence(), User: &UserRef{ID: g.userID, UPN: g.upn}}
		incident := sc.isIncidentUser(g.userID) || sc.isIncidentUser(g.upn)
		switch {
		case incident && attackerIPs[g.ip] != "":
			// The incident user's password was used from an address the
			// attacker used: attribute it.
			a.Attributed = true
			a.Detail += "; the attacker used this address (" + attackerIPs[g.ip] + ")"
			attributed++
		case incident:
			a.Detail += "; not from a known attacker address — may be the user"
		}
		users[strings.ToLower(g.upn)] = true
		out = append(out, a)
	}
	// Sign-ins of incident users that passed MFA from an address the
	// attacker used: MFA was met by a claim in a stolen session token
	// (adversary-in-the-middle phishing), the usual way a phished account
	// "with MFA" is taken over.
	stolen := irGroupSignIns(sis, func(s snapshot.SignIn) bool {
		return sc.inWindow(s.CreatedDateTime) && s.Succeeded() && s.IsInteractive && attackerIPs[s.IPAddress] != "" &&
			strings.EqualFold(s.AuthenticationRequirement, "multiFactorAuthentication") &&
			(sc.isIncidentUser(s.UserID) || sc.isIncidentUser(s.UserPrincipalName))
	})
	for _, g := range stolen {
		out = append(out, Affected{Kind: "signIn", ID: g.key + "|mfa", Name: g.upn, Time: irTimePtr(g.first), Actor: g.where(), Attributed: true,
			Detail: fmt.Sprintf("%s to %s from %s that satisfied MFA, %s, from an address the attacker used (%s): a stolen session token (adversary-in-the-middle phishing) is likely",
				phrase.Plural(g.ok, "successful sign-in", "successful sign-ins"), g.client, g.where(), irSpan(g.first, g.last), attackerIPs[g.ip]),
			SignIn: g.evidence(), User: &UserRef{ID: g.userID, UPN: g.upn}})
	}
	tokenNote := ""
	if len(stolen) > 0 {
		tokenNote = fmt.Sprintf(" %s from the attacker's addresses passed MFA, most likely with a stolen session token.", phrase.Plural(len(stolen), "sign-in source", "sign-in sources"))
	}
	if len(groups) > 0 {
		return Outcome{Status: StatusFail, Summary: fmt.Sprintf("%s signed in successfully with a password alone %s (%s from addresses the attacker used): MFA is not actually enforced. Require MFA with Conditional Access.%s",
			phrase.Plural(len(users), "member", "members"), sc.window(), phrase.Plural(attributed, "source", "sources"), tokenNote), Affected: out}
	}
	if len(stolen) > 0 {
		return Outcome{Status: StatusFail, Summary: "Every interactive sign-in in the window used MFA, but" + tokenNote + " Revoke sessions and require phishing-resistant MFA.", Affected: out}
	}
	return Outcome{Status: StatusPass, Summary: fmt.Sprintf("No successful interactive single-factor member sign-in %s.%s", sc.window(), gap), Affected: out}
}

// irAttackerAddresses returns the addresses the attacker is known to have
// used, with why: successful legacy-protocol sign-ins of incident users in
// the window, and the addresses of audit events incident users initiated in
// the window for attacker activities (security info, invitations,
// consents).
func irAttackerAddresses(c *Context, sc *incidentScope, sis []snapshot.SignIn) map[string]string {
	out := map[string]string{}
	for _, s := range sis {
		if s.IPAddress == "" || !s.Succeeded() || !sc.inWindow(s.CreatedDateTime) || !knowledge.IsLegacyClient(s.ClientAppUsed) {
			continue
		}
		if sc.isIncidentUser(s.UserID) || sc.isIncidentUser(s.UserPrincipalName) {
			out[s.IPAddress] = "successful " + s.ClientAppUsed + " sign-in"
		}
	}
	if audits, err := c.DirectoryAudits(); err == nil {
		acts := append([]string{"Invite external user", "Consent to application", "Add delegated permission grant"}, irSecurityInfoActivities...)
		for _, a := range irAuditsNamed(audits, sc, acts...) {
			if a.InitiatedBy.User == nil || a.InitiatedBy.User.IPAddress == "" || !sc.initiatedByIncidentUser(a) {
				continue
			}
			if _, ok := out[a.InitiatedBy.User.IPAddress]; !ok {
				out[a.InitiatedBy.User.IPAddress] = "\"" + a.ActivityDisplayName + "\" " + irTime(a.ActivityDateTime)
			}
		}
	}
	return out
}
