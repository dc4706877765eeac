package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDIRCfg001 is the ID of check IR-CFG-001.
const IDIRCfg001 = "IR-CFG-001"

func irCfg001() Check {
	return Check{Meta: Meta{ID: IDIRCfg001, Title: "Security configuration weakened in the window (CA, auth methods, authorization policy, domains/federation)", Category: categoryIncident, Severity: SeverityCritical, Incident: true,
		Rationale: "Attackers with admin access switch off the controls that would stop them, or federate a domain to their own identity provider.",
		Datasets:  []string{snapshot.DSDirectoryAudits}, AlsoReads: []string{snapshot.DSDomains, snapshot.DSOrganization, snapshot.DSUsers},
		References: References{Other: []string{"Hawk Get-HawkTenantDomainActivity", "Entra audit: Set federation settings on domain"}},
		Remediation: Remediation{Summary: "Revert unexplained changes through the matching configuration check's fix; remove rogue federation.",
			Steps: []string{"Remove-MgDomainFederationConfiguration -DomainId <d> -InternalDomainFederationId <id>, then Update-MgDomain -DomainId <d> -AuthenticationType Managed (only after confirming it is not the organisation's real IdP)"}}},
		Eval: evalIRCfg001}
}

// evalIRCfg001 is IR-CFG-001.
func evalIRCfg001(c *Context) Outcome {
	sc := newIncidentScope(c)
	audits, err := c.DirectoryAudits()
	if err != nil {
		return Unknown(err)
	}
	var out []Affected
	attributed, review := 0, 0
	for _, ev := range irAuditsNamed(audits, sc, irConfigActivities...) {
		a := Affected{Kind: "auditEvent", ID: ev.ID, Name: irAuditTargets(ev), Time: irTimePtr(ev.ActivityDateTime), Actor: ev.InitiatedBy.Label(),
			Detail: ev.ActivityDisplayName + irReason(ev)}
		act := strings.ToLower(ev.ActivityDisplayName)
		federation := strings.Contains(act, "federation") || strings.Contains(act, "domain authentication")
		if sc.initiatedByIncidentUser(ev) || federation || strings.HasPrefix(act, "delete conditional access") {
			a.Attributed = sc.initiatedByIncidentUser(ev)
			if federation {
				a.Detail += "; federation changes can hand sign-in to an attacker's identity provider"
			}
			attributed++
		} else {
			review++
		}
		out = append(out, a)
	}
	if ds, err := c.Domains(); err == nil {
		for _, d := range ds {
			if strings.EqualFold(d.AuthenticationType, "Federated") {
				review++
				out = append(out, Affected{Kind: "domain", ID: d.ID, Name: d.ID, Detail: "federated domain: confirm the identity provider is the organisation's own"})
			}
		}
	}
	st := irVerdict(attributed, review)
	note := irWindowNote(c, snapshot.DSDirectoryAudits)
	switch st {
	case StatusFail:
		return Outcome{Status: st, Summary: fmt.Sprintf("%s %s by incident users, or to federation or CA deletion — revert them.%s", phrase.Plural(attributed, "security configuration change", "security configuration changes"), sc.window(), note), Affected: out}
	case StatusWarn:
		return Outcome{Status: st, Summary: fmt.Sprintf("%s to review %s.%s", phrase.Plural(review, "configuration change or federated domain", "configuration changes or federated domains"), sc.window(), note), Affected: out}
	}
	return Outcome{Status: st, Summary: fmt.Sprintf("No security configuration change %s.%s", sc.window(), note), Affected: out}
}

// irConfigActivities are audit activities that change security
// configuration.
var irConfigActivities = []string{"Add conditional access policy", "Update conditional access policy", "Delete conditional access policy",
	"Update authorization policy", "Update policy", "Authentication Methods Policy Update", "Update authentication methods policy",
	"Add unverified domain", "Verify domain", "Set domain authentication", "Set federation settings on domain", "Update domain"}
