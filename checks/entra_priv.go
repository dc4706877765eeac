package checks

import (
	"fmt"
	"strings"
)

// entraHoldersFor reads role assignments (and users, when collected) and
// groups privileged holders; the outcome is set when the check cannot run.
func entraHoldersFor(c *Context, only ...string) ([]*entraHolder, bool, *Outcome) {
	ras, err := c.Snap.RoleAssignments()
	if err != nil {
		o := Unknown(err)
		return nil, false, &o
	}
	users, _, uerr := entraUsers(c.Snap)
	if uerr != nil && !entraIsNotCollected(uerr) {
		o := Unknown(uerr)
		return nil, false, &o
	}
	return entraPrivilegedHolders(c.Snap, ras, users, only...), uerr == nil, nil
}

// evalPRIV001: between two and four Global Administrators (users, active
// assignments); SCuBA's 2–8 range is reported alongside. Groups holding the
// role are listed because their members are not expanded.
func evalPRIV001(c *Context) Outcome {
	holders, _, o := entraHoldersFor(c, RoleGlobalAdministrator)
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
			entraPlural(n, "user", "users"), disabled, entraIsAre(disabled), usable)
	}
	scuba := "within"
	if n < 2 || n > 8 {
		scuba = "outside"
	}
	all := append(append(append([]Affected{}, admins...), groups...), others...)
	groupNote := ""
	if len(groups) > 0 {
		groupNote = fmt.Sprintf(", plus %s whose members were not expanded (%s)", entraPlural(len(groups), "group", "groups"), entraNames(entraAffectedNames(groups), 3))
	}
	count := fmt.Sprintf("%s hold Global Administrator through active assignments%s", entraPlural(n, "user", "users"), groupNote)
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
	return entraOutcome(StatusPass, nil, "%s: within CIS's 2 to 4 and SCuBA's 2 to 8 (PIM-eligible assignments are not collected).", count)
}

// evalPRIV002: no holder of a privileged role is synchronised from
// on-premises. The sync state comes from the expanded principal, else the
// users dataset; holders whose state is unknown keep the check from passing.
func evalPRIV002(c *Context) Outcome {
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
			entraPlural(len(groups), "role is assigned to a group whose members were not expanded", "roles are assigned to groups whose members were not expanded"),
			entraNames(entraAffectedNames(groups), 3))
	}
	return entraOutcome(StatusPass, nil, "Every privileged user (%d) is cloud-only.", nUsers)
}

// evalPRIV006: no guest holds a privileged role. Guest status is userType
// Guest or an #EXT# UPN; a holder with neither known cannot be cleared.
func evalPRIV006(c *Context) Outcome {
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
		basis = " (users dataset not collected: guests recognised by userType on the assignment or an #EXT# UPN)"
	}
	switch {
	case len(guests) > 0:
		return entraOutcome(StatusFail, all, "%s privileged roles: %s%s.",
			entraPlural(len(guests), "guest holds", "guests hold"), entraNames(entraAffectedNames(guests), 5), basis)
	case len(unknown) > 0:
		return entraOutcome(StatusUnknown, all, "It is unknown whether %d of %d privileged users are guests%s: %s.",
			len(unknown), nUsers, basis, entraNames(entraAffectedNames(unknown), 5))
	case nUsers == 0 && len(groups) == 0:
		return entraOutcome(StatusUnknown, nil, "No user holds a privileged role in the role assignments; a tenant always has a Global Administrator, so the data looks incomplete.")
	case len(groups) > 0:
		return entraOutcome(StatusManual, all, "No privileged user (%d) is a guest, but %s: %s.", nUsers,
			entraPlural(len(groups), "role is assigned to a group whose members were not expanded", "roles are assigned to groups whose members were not expanded"),
			entraNames(entraAffectedNames(groups), 3))
	}
	return entraOutcome(StatusPass, nil, "No privileged user (%d) is a guest%s.", nUsers, basis)
}
