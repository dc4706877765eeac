package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEntraMFA004 is the ID of check ENTRA-MFA-004.
const IDEntraMFA004 = "ENTRA-MFA-004"

func entraMFA004() Check {
	return Check{Meta: Meta{ID: IDEntraMFA004, Title: "Privileged users have MFA (preferably phishing-resistant) registered", Category: entraCatIdentity, Severity: SeverityCritical,
		Rationale: "An administrator without MFA is a direct path to tenant takeover, and phone or app-push factors can be phished or fatigued; admins need phishing-resistant methods.",
		Datasets:  []string{snapshot.DSRoleAssignments, snapshot.DSUserRegistrationDetails}, AlsoReads: []string{snapshot.DSRoleDefinitions, snapshot.DSUsers},
		References: References{CIS: []string{"5.2.2.1"}, CISVersion: entraCIS, SCuBA: []string{"MS.AAD.3.6"},
			Other: []string{"Maester MT.1063", "Prowler entra_users_mfa_capable", "Prowler entra_break_glass_account_fido2_security_key_registered"}},
		Remediation: Remediation{Summary: "Register a FIDO2 security key, passkey or Windows Hello for Business for every listed administrator; until then make sure they are at least MFA capable.",
			Steps: []string{
				"Entra admin center > Protection > Authentication methods > Policies: enable Passkey (FIDO2) for the admins.",
				"Have each admin register at https://aka.ms/mysecurityinfo (issue a Temporary Access Pass if they have no method).",
			}}},
		Eval: evalEntraMFA004}
}

// evalEntraMFA004: holders of privileged roles are MFA capable (fail) and have a
// phishing-resistant method (warn). Group principals are not expanded and
// keep the check from passing.
func evalEntraMFA004(c *Context) Outcome {
	ras, err := c.RoleAssignments()
	if err != nil {
		return Unknown(err)
	}
	regs, err := c.RegistrationDetails()
	if err != nil {
		return Unknown(err)
	}
	users, _, uerr := entraUsers(c)
	if uerr != nil && !entraIsNotCollected(uerr) {
		return Unknown(uerr)
	}
	if uerr != nil {
		// Without the users every holder counts as enabled, the stricter side.
		c.decidedWithout(snapshot.DSUsers)
	}
	reg := entraRegistrationIndex(regs)
	holders := entraPrivilegedHolders(c, ras, users)
	var incapable, notPR, missing, groups []Affected
	nUsers, disabled := 0, 0
	for _, h := range holders {
		switch h.Kind {
		case "group":
			groups = append(groups, h.affected("group assignment not expanded; check its members' MFA registration: "+h.roleText()))
			continue
		case "servicePrincipal":
			continue // no interactive sign-in; see ENTRA-PRIV-007
		}
		if h.Enabled != nil && !*h.Enabled {
			disabled++
			continue
		}
		nUsers++
		r, ok := reg[strings.ToLower(h.ID)]
		switch {
		case !ok:
			missing = append(missing, h.affected("not in the registration report; MFA registration unknown; roles: "+h.roleText()))
		case !r.IsMfaCapable:
			incapable = append(incapable, h.affected("not MFA capable; methods: "+entraMethodsText(r.MethodsRegistered)+"; roles: "+h.roleText()))
		case !entraHasPhishingResistant(r.MethodsRegistered):
			notPR = append(notPR, h.affected("no phishing-resistant method; methods: "+entraMethodsText(r.MethodsRegistered)+"; roles: "+h.roleText()))
		}
	}
	if nUsers == 0 && len(groups) == 0 {
		if disabled > 0 {
			return entraOutcome(StatusPass, nil, "Every user holding a privileged role (%d) is disabled.", disabled)
		}
		return entraOutcome(StatusUnknown, nil, "No user holds a privileged role in the role assignments; a tenant always has a Global Administrator, so the data looks incomplete (PIM-eligible assignments are not collected).")
	}
	all := append(append(append(append([]Affected{}, incapable...), missing...), notPR...), groups...)
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, fmt.Sprintf("%s not in the registration report", phrase.Plural(len(missing), "is", "are")))
	}
	if len(notPR) > 0 {
		parts = append(parts, fmt.Sprintf("%s no phishing-resistant method", phrase.Plural(len(notPR), "has", "have")))
	}
	if len(groups) > 0 {
		parts = append(parts, fmt.Sprintf("%s not expanded", phrase.Plural(len(groups), "group assignment is", "group assignments are")))
	}
	tail := ""
	if len(parts) > 0 {
		tail = "; " + strings.Join(parts, "; ")
	}
	switch {
	case len(incapable) > 0:
		return entraOutcome(StatusFail, all, "%d of %d privileged users %s not MFA capable: %s%s.",
			len(incapable), nUsers, entraIsAre(len(incapable)), entraNames(entraAffectedNames(incapable), 5), tail)
	case len(missing) > 0 || len(notPR) > 0:
		return entraOutcome(StatusWarn, all, "Every privileged user in the registration report (%d) is MFA capable, but %s.",
			nUsers-len(missing), strings.TrimPrefix(tail, "; "))
	case len(groups) > 0:
		return entraOutcome(StatusManual, all, "Every privileged user (%d) has phishing-resistant MFA, but %s: %s.",
			nUsers, phrase.Plural(len(groups), "role is assigned to a group", "roles are assigned to groups"), entraNames(entraAffectedNames(groups), 5))
	}
	return entraOutcome(StatusPass, nil, "Every privileged user (%d) is MFA capable with a phishing-resistant method.", nUsers)
}

// entraPhishingResistantMethodList are the phishing-resistant values of
// methodsRegistered (catalog ENTRA-MFA-004).
func entraPhishingResistantMethodList() []string {
	return []string{"fido2SecurityKey", "windowsHelloForBusiness", "passKeyDeviceBound",
		"passKeyDeviceBoundAuthenticator", "passKeyDeviceBoundWindowsHello", "x509CertificateMultiFactor", "macOsSecureEnclaveKey"}
}

// entraHasPhishingResistant reports whether a phishing-resistant method is
// registered.
func entraHasPhishingResistant(m []string) bool {
	for _, x := range m {
		if entraContainsFold(entraPhishingResistantMethodList(), x) {
			return true
		}
	}
	return false
}
