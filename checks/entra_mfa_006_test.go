package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEntraMFA006(t *testing.T) {
	runEntraCases(t, "ENTRA-MFA-006", []entraCase{
		{name: "pass", want: StatusPass, files: map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(map[string]string{"Email": "disabled"})}},
		{name: "fail", want: StatusFail, files: map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(map[string]string{"Email": "enabled"})},
			affected: []string{"Email|state enabled"}},
		{name: "unknown: missing config", want: StatusUnknown, files: map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(nil)}},
		{name: "unknown: forbidden", want: StatusUnknown, files: map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(map[string]string{"Email": "disabled"})},
			statuses: entraForbidden(snapshot.DSAuthenticationMethodsPolicy)},
	})
}
