package checks

import (
	"fmt"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// entraAuthenticator builds a MicrosoftAuthenticator configuration.
func entraAuthenticator(state, features string) string {
	return fmt.Sprintf(`{"@odata.type":"#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration","id":"MicrosoftAuthenticator","state":%q,"featureSettings":%s}`, state, features)
}

func entraFeature(state, include, exclude string) string {
	return fmt.Sprintf(`{"state":%q,"includeTarget":{"targetType":"group","id":%q},"excludeTarget":{"targetType":"group","id":%q}}`, state, include, exclude)
}

func TestEntraMFA007(t *testing.T) {
	none := entraNoTarget
	good := fmt.Sprintf(`{"displayAppInformationRequiredState":%s,"displayLocationInformationRequiredState":%s,"numberMatchingRequiredState":%s}`,
		entraFeature("enabled", "all_users", none), entraFeature("enabled", "all_users", none), entraFeature("enabled", "all_users", none))
	pol := func(cfg string) map[string]string {
		return map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(nil, cfg)}
	}
	runEntraCases(t, "ENTRA-MFA-007", []entraCase{
		{name: "pass", want: StatusPass, files: pol(entraAuthenticator("enabled", good)), summary: []string{"number matching: enabled"}},
		{name: "pass: authenticator disabled", want: StatusPass, files: pol(entraAuthenticator("disabled", "null"))},
		{name: "fail: Microsoft-managed default and a group target", want: StatusFail,
			files: pol(entraAuthenticator("enabled", fmt.Sprintf(`{"displayAppInformationRequiredState":%s,"displayLocationInformationRequiredState":%s}`,
				entraFeature("default", "all_users", none), entraFeature("enabled", "grp-1", none)))),
			affected: []string{"displayAppInformationRequiredState|state default", "displayLocationInformationRequiredState|enabled only for \"grp-1\""}},
		{name: "fail: feature settings null", want: StatusFail, files: pol(entraAuthenticator("enabled", "null")),
			affected: []string{"displayAppInformationRequiredState|not configured", "displayLocationInformationRequiredState|not configured"}},
		{name: "warn: exclusion", want: StatusWarn,
			files: pol(entraAuthenticator("enabled", fmt.Sprintf(`{"displayAppInformationRequiredState":%s,"displayLocationInformationRequiredState":%s}`,
				entraFeature("enabled", "all_users", "grp-x"), entraFeature("enabled", "all_users", none)))),
			affected: []string{"displayAppInformationRequiredState|excludes \"grp-x\""}},
		{name: "unknown: no authenticator config", want: StatusUnknown, files: map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(nil)}},
		{name: "unknown: forbidden", want: StatusUnknown, files: pol(entraAuthenticator("enabled", good)), statuses: entraForbidden(snapshot.DSAuthenticationMethodsPolicy)},
	})
}
