package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEntraMFA005 is the ID of check ENTRA-MFA-005.
const IDEntraMFA005 = "ENTRA-MFA-005"

func entraMFA005() Check {
	return Check{Meta: Meta{ID: IDEntraMFA005, Title: "SMS and voice call methods disabled", Category: entraCatIdentity, Severity: SeverityMedium,
		Rationale: "SMS and voice codes can be intercepted or SIM-swapped and are easily phished; stronger methods should replace them.",
		Datasets:  []string{snapshot.DSAuthenticationMethodsPolicy}, AlsoReads: []string{snapshot.DSUserRegistrationDetails},
		References: References{CIS: []string{"5.2.3.5"}, CISVersion: entraCIS, SCuBA: []string{"MS.AAD.3.5"},
			Other: []string{"Maester CIS.M365.5.2.3.5", "Maester CISA.MS.AAD.3.5", "EIDSCA.AV01", "EIDSCA.AS04", "Prowler entra_authentication_method_sms_voice_disabled"}},
		Remediation: Remediation{Summary: "Move users to Authenticator or passkeys, then disable the SMS and Voice call methods.", Script: true,
			Steps: []string{
				"Entra admin center > Protection > Authentication methods > Policies > SMS and Voice call: Enable = No.",
				"Update-MgPolicyAuthenticationMethodPolicy -AuthenticationMethodConfigurations @(@{Id='Sms'; State='disabled'}, @{Id='Voice'; State='disabled'})",
			}}},
		Eval: evalEntraMFA005}
}

// evalEntraMFA005: SMS and voice configurations both disabled.
func evalEntraMFA005(c *Context) Outcome {
	cfgs, _, o := entraMethodConfig(c, "Sms", "Voice")
	if o != nil {
		return *o
	}
	var bad []Affected
	for _, m := range cfgs {
		if strings.EqualFold(m.State, "disabled") {
			continue
		}
		name := "SMS"
		if strings.EqualFold(m.ID, "Voice") {
			name = "Voice call"
		}
		bad = append(bad, Affected{Kind: "authMethod", ID: m.ID, Name: name,
			Detail: fmt.Sprintf("state %s; %s", m.State, entraTargetsText(m.IncludeTargets))})
	}
	if len(bad) == 0 {
		return entraOutcome(StatusPass, nil, "SMS and voice call authentication methods are both disabled.")
	}
	count := ""
	if regs, err := c.RegistrationDetails(); err == nil {
		n := 0
		for _, r := range regs {
			if entraPhoneOnly(r.MethodsRegistered) {
				n++
			}
		}
		if n == 0 {
			count = "; no user relies on SMS or voice alone, so turning them off locks nobody out"
		} else {
			count = fmt.Sprintf("; %s SMS or voice as their only method and must register another before it is turned off",
				phrase.Plural(n, "user has", "users have"))
		}
	}
	verb := "is"
	if len(bad) > 1 {
		verb = "are"
	}
	return entraOutcome(StatusFail, bad, "%s %s enabled%s.", strings.Join(entraAffectedNames(bad), " and "), verb, count)
}

// entraPhoneMethodList are the phone methods SMS and voice deliver to.
func entraPhoneMethodList() []string {
	return []string{"mobilePhone", "alternateMobilePhone", "officePhone"}
}

// entraPhoneOnly reports whether the only factors are SMS/voice phones.
func entraPhoneOnly(m []string) bool {
	phone := 0
	for _, x := range m {
		switch {
		case entraContainsFold(entraPhoneMethodList(), x):
			phone++
		case entraContainsFold(entraNonFactorMethodList(), x):
		default:
			return false
		}
	}
	return phone > 0
}
