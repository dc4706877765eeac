package checks

import (
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IDEntraPriv002 is the ID of check ENTRA-PRIV-002.
const IDEntraPriv002 = "ENTRA-PRIV-002"

func entraPriv002() Check {
	return Check{Meta: Meta{ID: IDEntraPriv002, Title: "Privileged accounts are cloud-only", Category: entraCatPriv, Severity: SeverityHigh,
		Rationale: "A privileged account synchronised from Active Directory can be taken over from on-premises, so a domain compromise becomes a cloud compromise.",
		Datasets:  []string{snapshot.DSRoleAssignments}, AlsoReads: []string{snapshot.DSRoleDefinitions, snapshot.DSUsers},
		References: References{CIS: []string{"1.1.1"}, CISVersion: entraCIS, SCuBA: []string{"MS.AAD.7.3"},
			Other: []string{"Maester CIS.M365.1.1.1", "Maester CISA.MS.AAD.7.3", "Maester MT.1026", "Maester MT.1081", "Prowler entra_admin_users_cloud_only"}},
		Remediation: Remediation{Summary: "Create a separate cloud-only admin account for each listed person and remove the role from the synchronised account.",
			Steps: []string{
				"Create a cloud-only admin (*.onmicrosoft.com UPN), assign the role, then remove it from the synchronised account in Entra admin center > Roles & admins.",
			}}},
		Eval: evalEntraPriv002}
}

// evalEntraPriv002: no holder of a privileged role is synchronised from
// on-premises. The sync state comes from the expanded principal, else the
// users dataset; holders whose state is unknown keep the check from passing.
func evalEntraPriv002(c *Context) Outcome {
	holders, haveUsers, o := entraHoldersFor(c)
	if o != nil {
		return *o
	}
	var synced, unknown, groups []Affected
	nUsers := 0
	for _, h := range holders {
		switch h.Kind {
		case "group":
			groups = append(groups, h.affected("group assignment not expanded; check that its members are cloud-only: "+h.roleText()))
			continue
		case "servicePrincipal":
			continue
		}
		nUsers++
		switch {
		case h.Synced == nil:
			unknown = append(unknown, h.affected("on-premises sync state unknown; roles: "+h.roleText()))
		case *h.Synced:
			synced = append(synced, h.affected("synchronised from on-premises; roles: "+h.roleText()))
		}
	}
	all := append(append(append([]Affected{}, synced...), unknown...), groups...)
	switch {
	case len(synced) > 0:
		return entraOutcome(StatusFail, all, "%d of %d privileged users %s synchronised from on-premises: %s.",
			len(synced), nUsers, entraIsAre(len(synced)), entraNames(entraAffectedNames(synced), 5))
	case len(unknown) > 0:
		why := "the users dataset has no entry for them"
		if !haveUsers {
			why = "the users dataset was not collected"
		}
		return entraOutcome(StatusUnknown, all, "The on-premises sync state of %d of %d privileged users is unknown (%s): %s.",
			len(unknown), nUsers, why, entraNames(entraAffectedNames(unknown), 5))
	case nUsers == 0 && len(groups) == 0:
		return entraOutcome(StatusUnknown, nil, "No user holds a privileged role in the role assignments; a tenant always has a Global Administrator, so the data looks incomplete.")
	case len(groups) > 0:
		return entraOutcome(StatusManual, all, "Every privileged user (%d) is cloud-only, but %s: %s.", nUsers,
			phrase.Plural(len(groups), "role is assigned to a group whose members were not expanded", "roles are assigned to groups whose members were not expanded"),
			entraNames(entraAffectedNames(groups), 3))
	}
	return entraOutcome(StatusPass, nil, "Every privileged user (%d) is cloud-only.", nUsers)
}
