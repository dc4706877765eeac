package checks

import (
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraMFA008 is the ID of check ENTRA-MFA-008.
const IDEntraMFA008 = "ENTRA-MFA-008"

func entraMFA008() Check {
	return Check{Meta: Meta{ID: IDEntraMFA008, Title: "Authentication-methods policy migration complete", Category: entraCatIdentity, Severity: SeverityLow,
		Rationale: "Until migration is complete, the legacy MFA and SSPR settings still allow methods the authentication methods policy may have turned off.",
		Datasets:  []string{snapshot.DSAuthenticationMethodsPolicy},
		References: References{SCuBA: []string{"MS.AAD.3.4"},
			Other: []string{"Maester CISA.MS.AAD.3.4", "EIDSCA.AG01"}},
		Remediation: Remediation{Summary: "Review the legacy per-user MFA and SSPR method settings, move them into the authentication methods policy, then mark the migration complete.",
			Steps: []string{
				"Entra admin center > Protection > Authentication methods > Policies > Manage migration: Migration Complete.",
				"Update-MgPolicyAuthenticationMethodPolicy -PolicyMigrationState migrationComplete",
			}}},
		Eval: evalEntraMFA008}
}

// evalEntraMFA008: authentication methods policy migration complete (or never
// needed: Graph omits the state on tenants without legacy settings).
func evalEntraMFA008(c *Context) Outcome {
	p, err := c.AuthenticationMethodsPolicy()
	if err != nil {
		return Unknown(err)
	}
	if p.PolicyMigrationState == nil || *p.PolicyMigrationState == "" {
		return entraOutcome(StatusPass, nil, "The authentication methods policy reports no migration state, so legacy MFA and SSPR method settings are not in use.")
	}
	st := *p.PolicyMigrationState
	if strings.EqualFold(st, "migrationComplete") {
		return entraOutcome(StatusPass, nil, "Authentication methods policy migration is complete.")
	}
	return entraOutcome(StatusFail, []Affected{{Kind: "policy", ID: "authenticationMethodsPolicy", Name: "Authentication methods policy", Detail: "policyMigrationState " + st}},
		"Authentication methods policy migration is %s, not migrationComplete; legacy MFA and SSPR method settings still apply.", st)
}
