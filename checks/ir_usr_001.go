package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDIRUsr001 is the ID of check IR-USR-001.
const IDIRUsr001 = "IR-USR-001"

func irUsr001() Check {
	return Check{Meta: Meta{ID: IDIRUsr001, Title: "Users flagged at risk by Identity Protection", Category: categoryIncident, Severity: SeverityCritical, Incident: true,
		Rationale: "A compromised account that Identity Protection still marks at risk has not been remediated; other risky users may be part of the same campaign.",
		Datasets:  []string{snapshot.DSRiskyUsers}, Licence: LicenceP2,
		References: References{SCuBA: []string{"MS.AAD.2.1v1"}, Other: []string{"Hawk Get-HawkTenantRiskyUsers"}},
		Remediation: Remediation{Summary: "Confirm the compromise, contain the account, then dismiss the risk.",
			Steps: []string{"Confirm-MgRiskyUserCompromised -UserIds @('<id>') during containment", "After password reset and session revocation: Invoke-MgDismissRiskyUser -UserIds @('<id>')"}}},
		Eval: evalIRUsr001}
}

// evalIRUsr001 is IR-USR-001.
func evalIRUsr001(c *Context) Outcome {
	sc := newIncidentScope(c)
	risky, err := c.RiskyUsers()
	if err != nil {
		return Unknown(err)
	}
	var out []Affected
	attributed, review := 0, 0
	for _, r := range risky {
		state := strings.ToLower(r.RiskState)
		if r.IsDeleted || (state != "atrisk" && state != "confirmedcompromised") {
			continue
		}
		incident := sc.isIncidentUser(r.ID) || sc.isIncidentUser(r.UserPrincipalName)
		level := strings.ToLower(r.RiskLevel)
		if !incident && level != "medium" && level != "high" {
			continue
		}
		a := Affected{Kind: "user", ID: r.ID, Name: phrase.FirstOf(r.UserPrincipalName, r.UserDisplayName, r.ID),
			Detail: fmt.Sprintf("risk %s, state %s (%s)", r.RiskLevel, r.RiskState, phrase.FirstOf(r.RiskDetail, "no detail")), Attributed: incident}
		if r.RiskLastUpdatedDateTime != nil {
			a.Time = irTimePtr(*r.RiskLastUpdatedDateTime)
		}
		if incident {
			attributed++
		} else {
			review++
		}
		out = append(out, a)
	}
	st := irVerdict(attributed, review)
	var sum string
	switch st {
	case StatusPass:
		sum = "No user is at medium or high risk, and no incident user is still flagged at risk." + sc.unresolvedNote()
	case StatusFail:
		sum = fmt.Sprintf("%s still flagged at risk by Identity Protection (not remediated or dismissed), %s at medium/high risk.",
			phrase.Plural(attributed, "incident user is", "incident users are"), phrase.Plural(review, "other user", "other users"))
	default:
		sum = fmt.Sprintf("%s at medium or high risk; review them.", phrase.Plural(review, "user is", "users are"))
	}
	return Outcome{Status: st, Summary: sum, Affected: out}
}
