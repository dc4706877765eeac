package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEntraMFA008(t *testing.T) {
	p := func(state string) map[string]string {
		return map[string]string{snapshot.DSAuthenticationMethodsPolicy: `{"id":"authenticationMethodsPolicy",` + state + `"authenticationMethodConfigurations":[]}`}
	}
	runEntraCases(t, "ENTRA-MFA-008", []entraCase{
		{name: "pass: complete", want: StatusPass, files: p(`"policyMigrationState":"migrationComplete",`)},
		{name: "pass: null", want: StatusPass, files: p(`"policyMigrationState":null,`)},
		{name: "pass: absent", want: StatusPass, files: p(``)},
		{name: "fail: pre-migration", want: StatusFail, files: p(`"policyMigrationState":"preMigration",`),
			affected: []string{"Authentication methods policy|policyMigrationState preMigration"}},
		{name: "fail: in progress", want: StatusFail, files: p(`"policyMigrationState":"migrationInProgress",`)},
		{name: "unknown: forbidden", want: StatusUnknown, files: p(``), statuses: entraForbidden(snapshot.DSAuthenticationMethodsPolicy)},
	})
}
