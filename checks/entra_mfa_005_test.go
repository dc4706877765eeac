package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEntraMFA005(t *testing.T) {
	off := map[string]string{"Sms": "disabled", "Voice": "disabled", "Email": "enabled"}
	runEntraCases(t, "ENTRA-MFA-005", []entraCase{
		{name: "pass", want: StatusPass, files: map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(off)}},
		{name: "fail with phone-only count", want: StatusFail,
			files: map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(map[string]string{"Sms": "enabled", "Voice": "disabled"}),
				snapshot.DSUserRegistrationDetails: entraList(
					entraReg("u1", "a@x", true, "mobilePhone"),
					entraReg("u2", "b@x", true, "mobilePhone", "officePhone", "securityQuestion"),
					entraReg("u3", "c@x", true, "mobilePhone", "microsoftAuthenticatorPush"),
					entraReg("u4", "d@x", false))},
			summary:  []string{"SMS is enabled", "2 users have SMS or voice as their only method"},
			affected: []string{"SMS|state enabled; targets: all_users"}},
		{name: "fail without registration report", want: StatusFail,
			files:    map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(map[string]string{"Sms": "enabled", "Voice": "enabled"})},
			affected: []string{"SMS|", "Voice call|"}},
		{name: "unknown: configuration missing", want: StatusUnknown,
			files:   map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(map[string]string{"Sms": "disabled"})},
			summary: []string{"no Voice configuration"}},
		{name: "unknown: forbidden", want: StatusUnknown,
			files:    map[string]string{snapshot.DSAuthenticationMethodsPolicy: entraMethods(off)},
			statuses: entraForbidden(snapshot.DSAuthenticationMethodsPolicy)},
	})
}
