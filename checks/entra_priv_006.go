package checks

import (
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEntraPriv006 is the ID of check ENTRA-PRIV-006.
const IDEntraPriv006 = "ENTRA-PRIV-006"

func entraPriv006() Check {
	return Check{Meta: Meta{ID: IDEntraPriv006, Title: "No guests / external users in privileged roles", Category: entraCatPriv, Severity: SeverityHigh,
		Rationale: "A guest's account is secured by another organisation; a guest in an admin role puts the tenant's control in hands it cannot govern.",
		Datasets:  []string{snapshot.DSRoleAssignments}, AlsoReads: []string{snapshot.DSRoleDefinitions, snapshot.DSUsers},
		References: References{Other: []string{"Maester MT.1025"}},
		Remediation: Remediation{Summary: "Remove privileged roles from guest accounts; give the person an internal admin account if they need one.",
			Steps: []string{
				"Entra admin center > Roles & admins > <role>: remove the guest's assignment (and PIM eligibility).",
				"Remove-MgRoleManagementDirectoryRoleAssignment -UnifiedRoleAssignmentId <id>",
			}}},
		Eval: evalEntraPriv006}
}

// evalEntraPriv006: no guest holds a privileged role. Guest status is userType
// Guest or an #EXT# UPN; a holder with neither known cannot be cleared.
func evalEntraPriv006(c *Context) Outcome {
	holders, haveUsers, o := entraHoldersFor(c)
	if o != nil {
		return *o
	}
	var guests, unknown, groups []Affected
	nUsers := 0
	for _, h := range holders {
		switch h.Kind {
		case "group":
			groups = append(groups, h.affected("group assignment not expanded; check it holds no guests: "+h.roleText()))
			continue
		case "servicePrincipal":
			continue
		}
		nUsers++
		switch {
		case h.isGuest():
			d := "guest"
			if h.UserType == "" {
				d = "external (#EXT#) account"
			}
			guests = append(guests, h.affected(d+" holding "+h.roleText()))
		case h.UserType == "" && h.UPN == "":
			unknown = append(unknown, h.affected("user type unknown; roles: "+h.roleText()))
		}
	}
	all := append(append(append([]Affected{}, guests...), unknown...), groups...)
	basis := ""
	if !haveUsers {
		c.decidedWithout(snapshot.DSUsers) // the summary names the basis
		basis = " (users dataset not collected: guests recognised by userType on the assignment or an #EXT# UPN)"
	}
	switch {
	case len(guests) > 0:
		return entraOutcome(StatusFail, all, "%s privileged roles: %s%s.",
			phrase.Plural(len(guests), "guest holds", "guests hold"), entraNames(entraAffectedNames(guests), 5), basis)
	case len(unknown) > 0:
		return entraOutcome(StatusUnknown, all, "It is unknown whether %d of %d privileged users are guests%s: %s.",
			len(unknown), nUsers, basis, entraNames(entraAffectedNames(unknown), 5))
	case nUsers == 0 && len(groups) == 0:
		return entraOutcome(StatusUnknown, nil, "No user holds a privileged role in the role assignments; a tenant always has a Global Administrator, so the data looks incomplete.")
	case len(groups) > 0:
		return entraOutcome(StatusManual, all, "No privileged user (%d) is a guest, but %s: %s.", nUsers,
			phrase.Plural(len(groups), "role is assigned to a group whose members were not expanded", "roles are assigned to groups whose members were not expanded"),
			entraNames(entraAffectedNames(groups), 3))
	}
	return entraOutcome(StatusPass, nil, "No privileged user (%d) is a guest%s.", nUsers, basis)
}
