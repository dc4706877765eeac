package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDIRPriv001 is the ID of check IR-PRIV-001.
const IDIRPriv001 = "IR-PRIV-001"

func irPriv001() Check {
	return Check{Meta: Meta{ID: IDIRPriv001, Title: "Privileged role changes in the window", Category: categoryIncident, Severity: SeverityCritical, Incident: true,
		Rationale: "A role granted by a compromised account, or to a guest, turns a mailbox compromise into a tenant compromise.",
		Datasets:  []string{snapshot.DSDirectoryAudits}, AlsoReads: []string{snapshot.DSDomains, snapshot.DSOrganization, snapshot.DSUsers},
		References: References{SCuBA: []string{"MS.AAD.7.7v1"}, Other: []string{"Hawk Get-HawkTenantEntraIDAdmin"}},
		Remediation: Remediation{Summary: "Remove role assignments no approved admin action explains.",
			Steps: []string{"Remove-MgRoleManagementDirectoryRoleAssignment -UnifiedRoleAssignmentId <id>"}}},
		Eval: evalIRPriv001}
}

// evalIRPriv001 is IR-PRIV-001.
func evalIRPriv001(c *Context) Outcome {
	sc := newIncidentScope(c)
	audits, err := c.DirectoryAudits()
	if err != nil {
		return Unknown(err)
	}
	var out []Affected
	attributed, review := 0, 0
	for _, ev := range irAuditsNamed(audits, sc, irRoleActivities...) {
		a := Affected{Kind: "auditEvent", ID: ev.ID, Name: irAuditTargets(ev), Time: irTimePtr(ev.ActivityDateTime), Actor: ev.InitiatedBy.Label(),
			Detail: ev.ActivityDisplayName + irRoleName(ev)}
		guest := false
		for _, t := range ev.TargetResources {
			if strings.Contains(strings.ToUpper(t.UserPrincipalName), "#EXT#") {
				guest = true
			}
			if u, ok := sc.directory[t.ID]; ok && (u.IsGuest() || (u.CreatedDateTime != nil && sc.inWindow(*u.CreatedDateTime))) {
				guest = true
			}
		}
		if guest {
			a.Detail += "; granted to a guest or an account created in the window"
		}
		if sc.initiatedByIncidentUser(ev) {
			a.Attributed = true
			attributed++
		} else {
			review++
		}
		out = append(out, a)
	}
	st := irVerdict(attributed, review)
	note := irWindowNote(c, snapshot.DSDirectoryAudits)
	switch st {
	case StatusFail:
		return Outcome{Status: st, Summary: fmt.Sprintf("%s %s made by incident users — remove them; %s to review.%s", phrase.Plural(attributed, "role change was", "role changes were"), sc.window(), phrase.Plural(review, "other change", "other changes"), note), Affected: out}
	case StatusWarn:
		return Outcome{Status: st, Summary: fmt.Sprintf("%s %s; confirm each was an approved admin action.%s", phrase.Plural(review, "role change", "role changes"), sc.window(), note), Affected: out}
	}
	return Outcome{Status: st, Summary: fmt.Sprintf("No role assignment was added %s.%s", sc.window(), note), Affected: out}
}

// irRoleActivities are the role-assignment audit activities.
var irRoleActivities = []string{"Add member to role", "Add eligible member to role", "Add member to role in PIM completed*",
	"Add scoped member to role", "Add member to role outside of PIM*"}

func irRoleName(ev snapshot.DirectoryAudit) string {
	for _, t := range ev.TargetResources {
		for _, p := range t.ModifiedProperties {
			if strings.EqualFold(p.DisplayName, "Role.DisplayName") {
				return ": " + strings.Trim(p.NewValue, `"`)
			}
		}
	}
	return ""
}
