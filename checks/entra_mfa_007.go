package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraMFA007 is the ID of check ENTRA-MFA-007.
const IDEntraMFA007 = "ENTRA-MFA-007"

func entraMFA007() Check {
	return Check{Meta: Meta{ID: IDEntraMFA007, Title: "Microsoft Authenticator shows app name and location (MFA-fatigue protection)", Category: entraCatIdentity, Severity: SeverityMedium,
		Rationale: "Showing the requesting app and sign-in location lets a user recognise a push they did not start, which blunts MFA-fatigue attacks.",
		Datasets:  []string{snapshot.DSAuthenticationMethodsPolicy},
		References: References{CIS: []string{"5.2.3.1"}, CISVersion: entraCIS, SCuBA: []string{"MS.AAD.3.3"},
			Other: []string{"Maester CISA.MS.AAD.3.3", "EIDSCA.AM03", "Prowler entra_authentication_method_authenticator_show_context"}},
		Remediation: Remediation{Summary: "Enable 'Show application name' and 'Show geographic location' in Microsoft Authenticator for all users.", Script: true,
			Steps: []string{
				"Entra admin center > Protection > Authentication methods > Policies > Microsoft Authenticator > Configure: show application name and geographic location = Enabled, target All users.",
				"Update-MgPolicyAuthenticationMethodPolicyAuthenticationMethodConfiguration -AuthenticationMethodConfigurationId MicrosoftAuthenticator -BodyParameter @{'@odata.type'='#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration'; featureSettings=@{displayAppInformationRequiredState=@{state='enabled'; includeTarget=@{targetType='group'; id='all_users'}}; displayLocationInformationRequiredState=@{state='enabled'; includeTarget=@{targetType='group'; id='all_users'}}}}",
			}}},
		Eval: evalEntraMFA007}
}

// evalEntraMFA007: Authenticator shows app name and location to all users, or
// Authenticator is disabled.
func evalEntraMFA007(c *Context) Outcome {
	cfgs, _, o := entraMethodConfig(c, "MicrosoftAuthenticator")
	if o != nil {
		return *o
	}
	m := cfgs[0]
	if strings.EqualFold(m.State, "disabled") {
		return entraOutcome(StatusPass, nil, "Microsoft Authenticator is disabled, so push-notification fatigue does not apply.")
	}
	var fs snapshot.AuthenticatorFeatures
	if m.FeatureSettings != nil {
		fs = *m.FeatureSettings
	}
	type feat struct {
		name string
		t    *snapshot.FeatureTarget
	}
	var bad, narrowed []Affected
	for _, f := range []feat{{"displayAppInformationRequiredState", fs.DisplayAppInformationRequiredState},
		{"displayLocationInformationRequiredState", fs.DisplayLocationInformationRequiredState}} {
		a := Affected{Kind: "authMethodSetting", ID: "MicrosoftAuthenticator/" + f.name, Name: f.name}
		switch {
		case f.t == nil:
			a.Detail = "not configured"
			bad = append(bad, a)
		case !strings.EqualFold(f.t.State, "enabled"):
			a.Detail = fmt.Sprintf("state %s", f.t.State)
			bad = append(bad, a)
		case !strings.EqualFold(f.t.IncludeTarget.ID, "all_users"):
			a.Detail = fmt.Sprintf("enabled only for %q, not all_users", f.t.IncludeTarget.ID)
			bad = append(bad, a)
		case f.t.ExcludeTarget.ID != "" && f.t.ExcludeTarget.ID != entraNoTarget:
			a.Detail = fmt.Sprintf("enabled for all_users but excludes %q", f.t.ExcludeTarget.ID)
			narrowed = append(narrowed, a)
		}
	}
	nm := "not reported"
	if fs.NumberMatchingRequiredState != nil {
		nm = fs.NumberMatchingRequiredState.State
	}
	switch {
	case len(bad) > 0:
		return entraOutcome(StatusFail, append(bad, narrowed...), "Microsoft Authenticator is enabled but does not show both app name and location to all users (%s); number matching: %s.",
			entraNames(entraAffectedNames(bad), 2), nm)
	case len(narrowed) > 0:
		return entraOutcome(StatusWarn, narrowed, "Microsoft Authenticator shows app name and location to all users except an excluded group (%s); number matching: %s.",
			entraNames(entraAffectedNames(narrowed), 2), nm)
	}
	return entraOutcome(StatusPass, nil, "Microsoft Authenticator shows app name and location to all users; number matching: %s.", nm)
}

// entraNoTarget is Graph's "nobody" target id on feature settings.
const entraNoTarget = "00000000-0000-0000-0000-000000000000"
