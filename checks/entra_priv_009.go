package checks

import (
	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEntraPriv009 is the ID of check ENTRA-PRIV-009.
const IDEntraPriv009 = "ENTRA-PRIV-009"

func entraPriv009() Check {
	return Check{Meta: Meta{ID: IDEntraPriv009, Title: "Administrators hold finer-grained roles rather than Global Administrator", Category: entraCatPriv, Severity: SeverityMedium,
		Rationale: "Most administrators do not need unrestricted access to the tenant; giving them a narrower role limits what an attacker gains by taking over one of their accounts.",
		Datasets:  []string{snapshot.DSRoleAssignments}, AlsoReads: []string{snapshot.DSRoleDefinitions, snapshot.DSUsers},
		References: References{SCuBA: []string{"MS.AAD.7.2"},
			Other: []string{"Maester CISA.MS.AAD.7.2"}},
		Remediation: Remediation{Summary: "Give administrators who do not need full control a narrower privileged role (for example Exchange Administrator or User Administrator) instead of Global Administrator.",
			Steps: []string{
				"Entra admin center > Roles & admins > Global Administrator: for each listed administrator, assign the narrower role the work needs, then remove the Global Administrator assignment.",
				"Remove-MgRoleManagementDirectoryRoleAssignment -UnifiedRoleAssignmentId <id>",
			}}},
		Eval: evalEntraPriv009}
}

// evalEntraPriv009: the enabled users holding Global Administrator through
// an active assignment must not outnumber the enabled users holding only
// other privileged roles (a user holding both counts as a Global
// Administrator). An account whose state is unknown is counted on the side
// that makes the verdict stricter; when that decides it, the verdict is
// unknown. Groups holding a privileged role are not expanded, so they make
// the check manual. Service principals are not counted.
func evalEntraPriv009(c *Context) Outcome {
	holders, _, o := entraHoldersFor(c)
	if o != nil {
		return *o
	}
	var gaSure, gaMaybe, otherSure, otherMaybe int
	var gas, groups []Affected
	var otherNames []string
	for _, h := range holders {
		switch h.Kind {
		case "group":
			groups = append(groups, h.affected("group holds "+h.roleText()+"; members not expanded"))
			continue
		case "servicePrincipal":
			continue
		}
		if h.Enabled != nil && !*h.Enabled {
			continue // a disabled account holds no role in practice
		}
		ga := entraContainsFold(h.Roles, knowledge.PrivilegedRoles()[knowledge.RoleGlobalAdministrator])
		sure := h.Enabled != nil
		switch {
		case ga:
			d := "Global Administrator"
			if len(h.Roles) > 1 {
				d = "roles: " + h.roleText()
			}
			if h.UPN != "" {
				d += "; " + h.UPN
			}
			if !sure {
				d += "; whether the account is enabled is unknown"
			}
			gas = append(gas, h.affected(d))
			gaMaybe++
			if sure {
				gaSure++
			}
		default:
			otherMaybe++
			if sure {
				otherSure++
				otherNames = append(otherNames, h.Name)
			}
		}
	}
	all := append(append([]Affected{}, gas...), groups...)
	counts := func() string {
		return phrase.Plural(gaMaybe, "user holds", "users hold") + " Global Administrator and " +
			phrase.Plural(otherMaybe, "user holds", "users hold") + " only other privileged roles through active assignments (disabled accounts not counted)"
	}
	unsure := (gaMaybe - gaSure) + (otherMaybe - otherSure)
	if unsure == 0 || gaMaybe <= otherSure || gaSure > otherMaybe {
		// Every account state is known, or the unknown ones cannot change
		// the verdict: the users dataset adds nothing more.
		c.decidedWithout(snapshot.DSUsers)
	}
	switch {
	case gaMaybe == 0 && len(groups) == 0:
		return entraOutcome(StatusUnknown, nil, "No enabled user holds Global Administrator through an active assignment; a tenant always has one, so the role assignments look incomplete.")
	case len(groups) > 0:
		return entraOutcome(StatusManual, all, "%s, plus %s whose members were not expanded (%s); confirm that Global Administrators are not more numerous than the holders of narrower privileged roles.",
			counts(), phrase.Plural(len(groups), "group holding a privileged role", "groups holding privileged roles"), entraNames(entraAffectedNames(groups), 3))
	case gaSure > otherMaybe:
		return entraOutcome(StatusFail, all, "%s: Global Administrators outnumber the administrators with a narrower role; give those who do not need full control a finer-grained role.", counts())
	case gaMaybe <= otherSure:
		return entraOutcome(StatusPass, nil, "%s: Global Administrators do not outnumber the administrators with a narrower role (%s).", counts(), entraNames(otherNames, 3))
	}
	return entraOutcome(StatusUnknown, all, "%s, but whether %d of these accounts %s enabled is unknown (dataset users was not collected), and that decides whether Global Administrators outnumber the other administrators.",
		counts(), unsure, entraIsAre(unsure))
}
