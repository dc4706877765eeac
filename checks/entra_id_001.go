package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEntraID001 is the ID of check ENTRA-ID-001.
const IDEntraID001 = "ENTRA-ID-001"

func entraID001() Check {
	return Check{Meta: Meta{ID: IDEntraID001, Title: "Passwords set to never expire (cloud-managed domains)", Category: entraCatIdentity, Severity: SeverityLow,
		Rationale: "Forced periodic password changes push users to predictable passwords; with MFA and banned-password lists, passwords should change only on suspicion of compromise.",
		Datasets:  []string{snapshot.DSDomains},
		References: References{CIS: []string{"1.3.1"}, CISVersion: entraCIS, SCuBA: []string{"MS.AAD.6.1"},
			Other: []string{"Maester CIS.M365.1.3.1", "Maester CISA.MS.AAD.6.1", "Prowler admincenter_settings_password_never_expire"}},
		Remediation: Remediation{Summary: "Set passwords to never expire on every listed managed domain.", Script: true,
			Steps: []string{
				"Microsoft 365 admin center > Settings > Org settings > Security & privacy > Password expiration policy: Set passwords to never expire.",
				"Update-MgDomain -DomainId <domain> -PasswordValidityPeriodInDays 2147483647",
			}}},
		Eval: evalEntraID001}
}

// evalEntraID001: every verified Managed domain has passwords set to never
// expire. A null period is the 90-day default and fails; federated domains
// take their policy from the identity provider and are skipped.
func evalEntraID001(c *Context) Outcome {
	domains, err := c.Domains()
	if err != nil {
		return Unknown(err)
	}
	if len(domains) == 0 {
		return entraOutcome(StatusUnknown, nil, "Not evaluated: the domains dataset is empty, yet every tenant has at least its onmicrosoft.com domain.")
	}
	// A subdomain (isRoot false) carries no password policy of its own:
	// Graph returns null and the root domain's setting applies.
	rootOf := func(d snapshot.Domain) *snapshot.Domain {
		var best *snapshot.Domain
		for i := range domains {
			r := &domains[i]
			if r.IsRoot && strings.HasSuffix(strings.ToLower(d.ID), "."+strings.ToLower(r.ID)) && (best == nil || len(r.ID) > len(best.ID)) {
				best = r
			}
		}
		return best
	}
	var bad, unsure []Affected
	managed, federated, inherited := 0, 0, 0
	for _, d := range domains {
		if !d.IsVerified {
			continue
		}
		if !strings.EqualFold(d.AuthenticationType, "Managed") {
			federated++
			continue
		}
		managed++
		a := Affected{Kind: "domain", ID: d.ID, Name: d.ID}
		if d.PasswordValidityPeriodInDays == nil && !d.IsRoot {
			root := rootOf(d)
			if root == nil {
				a.Detail = "subdomain without its own password policy, and its root domain is not in the data"
				unsure = append(unsure, a)
				continue
			}
			inherited++
			d.PasswordValidityPeriodInDays = root.PasswordValidityPeriodInDays
			if d.PasswordValidityPeriodInDays != nil && *d.PasswordValidityPeriodInDays == entraNeverExpires {
				continue
			}
			a.Detail = "inherits from its root domain " + root.ID + ": "
		}
		switch {
		case d.PasswordValidityPeriodInDays == nil:
			a.Detail += "passwordValidityPeriodInDays not set (90-day default)"
		case *d.PasswordValidityPeriodInDays != entraNeverExpires:
			a.Detail += fmt.Sprintf("passwords expire after %d days", *d.PasswordValidityPeriodInDays)
		default:
			continue
		}
		bad = append(bad, a)
	}
	if managed == 0 {
		return entraOutcome(StatusNotApplicable, nil, "No verified cloud-managed domain (%s skipped); password expiry is set by the identity provider.",
			phrase.Plural(federated, "federated domain", "federated domains"))
	}
	note := ""
	if inherited > 0 {
		note = fmt.Sprintf(" %s without a password policy of %s own %s judged by %s root domain.", phrase.Plural(inherited, "subdomain", "subdomains"),
			map[bool]string{true: "its", false: "their"}[inherited == 1], map[bool]string{true: "is", false: "are"}[inherited == 1], map[bool]string{true: "its", false: "their"}[inherited == 1])
	}
	if len(bad) > 0 {
		return entraOutcome(StatusFail, append(bad, unsure...), "%d of %d verified managed domains %s passwords expire: %s.%s",
			len(bad), managed, map[bool]string{true: "makes", false: "make"}[len(bad) == 1], entraNames(entraAffectedNames(bad), 5), note)
	}
	if len(unsure) > 0 {
		return entraOutcome(StatusUnknown, unsure, "Not conclusive: %s without a password policy of their own and no root domain in the data: %s.%s",
			phrase.Plural(len(unsure), "subdomain", "subdomains"), entraNames(entraAffectedNames(unsure), 5), note)
	}
	return entraOutcome(StatusPass, nil, "Passwords never expire on any verified managed domain (%d).%s", managed, note)
}

// entraNeverExpires is the passwordValidityPeriodInDays value Graph uses for
// "passwords never expire" (the largest int32).
const entraNeverExpires = 2147483647
