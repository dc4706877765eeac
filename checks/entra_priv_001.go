package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEntraPriv001 is the ID of check ENTRA-PRIV-001.
const IDEntraPriv001 = "ENTRA-PRIV-001"

func entraPriv001() Check {
	return Check{Meta: Meta{ID: IDEntraPriv001, Title: "Between two and four Global Administrators", Category: entraCatPriv, Severity: SeverityMedium,
		Rationale: "One Global Administrator is a single point of failure; many of them widen the set of accounts whose compromise means tenant takeover.",
		Datasets:  []string{snapshot.DSRoleAssignments}, AlsoReads: []string{snapshot.DSRoleDefinitions, snapshot.DSUsers},
		References: References{CIS: []string{"1.1.3"}, CISVersion: entraCIS, SCuBA: []string{"MS.AAD.7.1"},
			Other: []string{"Maester CIS.M365.1.1.3", "Maester CISA.MS.AAD.7.1", "Maester MT.1032", "Prowler admincenter_users_between_two_and_four_global_admins"}},
		Remediation: Remediation{Summary: "Keep two to four Global Administrators (including break-glass accounts); give others a narrower role.",
			Steps: []string{
				"Entra admin center > Roles & admins > Global Administrator: remove extra assignments or add a second administrator.",
				"Remove-MgRoleManagementDirectoryRoleAssignment -UnifiedRoleAssignmentId <id>",
			}}},
		Eval: evalEntraPriv001}
}

// evalEntraPriv001: between two and four Global Administrators (users, active
// assignments); SCuBA's 2–8 range is reported alongside. Groups holding the
// role are listed because their members are not expanded.
func evalEntraPriv001(c *Context) Outcome {
	holders, _, o := entraHoldersFor(c, knowledge.RoleGlobalAdministrator)
	if o != nil {
		return *o
	}
	var admins, groups, others []Affected
	for _, h := range holders {
		switch h.Kind {
		case "group":
			groups = append(groups, h.affected("group holds Global Administrator; members not expanded"))
		case "servicePrincipal":
			others = append(others, h.affected("service principal holds Global Administrator (not counted; see ENTRA-PRIV-007)"))
		default:
			d := "Global Administrator"
			if h.UPN != "" {
				d += "; " + h.UPN
			}
			if h.Enabled != nil && !*h.Enabled {
				d += "; account disabled"
			}
			admins = append(admins, h.affected(d))
		}
	}
	n := len(admins)
	disabled := 0
	for _, h := range holders {
		if h.Kind != "group" && h.Kind != "servicePrincipal" && h.Enabled != nil && !*h.Enabled {
			disabled++
		}
	}
	if usable := n - disabled; disabled > 0 && usable < 2 && n >= 2 {
		// A disabled account is no second administrator: it cannot sign in
		// when the first is lost.
		return entraOutcome(StatusFail, append(append(append([]Affected{}, admins...), groups...), others...),
			"%s hold Global Administrator, but %d of them %s disabled, leaving %d usable: there is no working second administrator (CIS wants 2 to 4 usable).",
			phrase.Plural(n, "user", "users"), disabled, entraIsAre(disabled), usable)
	}
	scuba := "within"
	if n < 2 || n > 8 {
		scuba = "outside"
	}
	all := append(append(append([]Affected{}, admins...), groups...), others...)
	groupNote := ""
	if len(groups) > 0 {
		groupNote = fmt.Sprintf(", plus %s whose members were not expanded (%s)", phrase.Plural(len(groups), "group", "groups"), entraNames(entraAffectedNames(groups), 3))
	}
	count := fmt.Sprintf("%s hold Global Administrator through active assignments%s", phrase.Plural(n, "user", "users"), groupNote)
	count = strings.Replace(count, "1 user hold ", "1 user holds ", 1)
	switch {
	case n == 0 && len(groups) == 0:
		return entraOutcome(StatusUnknown, all, "No user holds Global Administrator through an active assignment; PIM-eligible assignments are not collected, so the count cannot be judged.")
	case n < 2 && len(groups) == 0:
		return entraOutcome(StatusFail, all, "Only %s: there is no second administrator if that account is lost (CIS wants 2 to 4, SCuBA 2 to 8).", count)
	case n > 4:
		return entraOutcome(StatusFail, all, "%s: more than CIS's 4 (SCuBA's 2 to 8: %s).", count, scuba)
	case len(groups) > 0:
		return entraOutcome(StatusManual, all, "%s; confirm the total is between 2 and 4 (CIS), SCuBA 2 to 8.", count)
	}
	unsure := 0
	for _, h := range holders {
		if h.Kind != "group" && h.Kind != "servicePrincipal" && h.Enabled == nil {
			unsure++
		}
	}
	if unsure == 0 {
		// Every account's state came with its assignment: the users
		// dataset adds nothing.
		c.decidedWithout(snapshot.DSUsers)
	}
	if unsure > 0 && n-unsure < 2 {
		// Whether the accounts can sign in is not known: a disabled one is
		// no second administrator, so the count alone cannot pass.
		return entraOutcome(StatusUnknown, all, "%s, but whether %d of them %s enabled is unknown (dataset users was not collected), so a working second administrator cannot be confirmed.", count, unsure, entraIsAre(unsure))
	}
	return entraOutcome(StatusPass, nil, "%s: within CIS's 2 to 4 and SCuBA's 2 to 8 (PIM-eligible assignments are not collected).", count)
}
