package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraCA012 is the ID of check ENTRA-CA-012.
const IDEntraCA012 = "ENTRA-CA-012"

func entraCA012() Check {
	return Check{Meta: Meta{
		ID: IDEntraCA012, Title: "Every enabled policy excludes an emergency-access account",
		Category: categoryCA, Severity: SeverityMedium, Datasets: []string{snapshot.DSConditionalAccessPolicies}, AlsoReads: []string{snapshot.DSSecurityDefaults, snapshot.DSUsers, snapshot.DSRoleDefinitions, snapshot.DSAuthenticationStrengths},
		Rationale: "A Conditional Access mistake or an outage of the MFA service can lock every administrator out; a break-glass account excluded from every policy is the way back in. Directory synchronisation accounts must also be excluded or hybrid sync breaks.",
		References: References{CIS: []string{"1.1.2"}, CISVersion: cisV5,
			Other: []string{"Maester MT.1005", "Maester MT.1020", "Maester MT.1034", "Prowler entra_emergency_access_exclusion"}},
		Remediation: Remediation{
			Summary: "Declare the break-glass accounts in the config (breakGlass) and exclude them from every enabled policy; exclude the Directory Synchronization Accounts role from all-users policies in hybrid tenants.",
			Steps: []string{
				"Create two cloud-only emergency-access accounts (or a group holding them) and exclude them in Users > Exclude of every policy.",
				"With PowerShell, read the whole conditions object, append the id to ExcludeUsers, and send the whole object back (a partial conditions object replaces nested values).",
			},
		}},
		Eval: evalEntraCA012}
}

func evalEntraCA012(c *Context) Outcome {
	if o := needP1(c, "a Conditional Access policy"); o != nil {
		return *o
	}
	s, o := loadCA(c, false)
	if o != nil {
		return *o
	}
	var enabled []snapshot.CAPolicy
	for _, p := range s.policies {
		if p.State == caStateEnabled {
			enabled = append(enabled, p)
		}
	}
	if !s.env.cfg.BreakGlassDeclared() {
		sum := "No break-glass accounts are declared in the config (breakGlass), so exclusions cannot be checked; declare the emergency-access accounts."
		if sug := commonExclusions(s.env, enabled); len(sug) > 0 {
			sum += " Suggestion only: excluded from every enabled policy: " + strings.Join(sug, "; ") + "."
		}
		return Outcome{Status: StatusManual, Summary: sum + " " + judgedOn(c, len(s.policies))}
	}
	if len(enabled) == 0 {
		return Outcome{Status: StatusPass, Summary: fmt.Sprintf("No enabled Conditional Access policy can lock the break-glass accounts out (%d policies, none enabled).", len(s.policies))}
	}
	synced, syncKnown := false, false
	if orgs, err := c.Organizations(); err == nil && len(orgs) > 0 {
		syncKnown = true
		for _, o := range orgs {
			if o.OnPremisesSyncEnabled != nil && *o.OnPremisesSyncEnabled {
				synced = true
			}
		}
	}
	var missing, noSync []Affected
	broad, broadSync := 0, 0
	for _, p := range enabled {
		u := p.Conditions.Users
		if u == nil {
			u = &snapshot.CAUsers{}
		}
		ok := false
		for _, id := range u.ExcludeUsers {
			if s.env.isBreakGlassUser(id) {
				ok = true
			}
		}
		for _, id := range u.ExcludeGroups {
			if s.env.isBreakGlassGroup(id) {
				ok = true
			}
		}
		if !ok {
			missing = append(missing, Affected{Kind: "policy", ID: p.ID, Name: p.DisplayName, Detail: "enabled and excludes no declared break-glass account or group"})
		}
		if containsFold(u.IncludeUsers, "All") && p.Conditions.Applications != nil && containsFold(p.Conditions.Applications.IncludeApplications, "All") {
			broad++
			if containsFold(u.ExcludeRoles, knowledge.RoleDirectorySynchronizationAccounts) {
				broadSync++
			} else if synced {
				noSync = append(noSync, Affected{Kind: "policy", ID: p.ID, Name: p.DisplayName, Detail: "all users and all resources, but does not exclude the Directory Synchronization Accounts role (the tenant synchronises from on-premises)"})
			}
		}
	}
	syncNote := fmt.Sprintf(" The Directory Synchronization Accounts role is excluded from %d of %d enabled all-users/all-resources policies.", broadSync, broad)
	if len(missing) > 0 {
		return Outcome{Status: StatusFail, Summary: fmt.Sprintf("%d of %d enabled policies exclude no declared break-glass account, so a mistake in them can lock every administrator out.", len(missing), len(enabled)) + syncNote,
			Affected: append(missing, noSync...)}
	}
	if len(noSync) > 0 {
		return Outcome{Status: StatusWarn, Summary: fmt.Sprintf("Every enabled policy excludes a break-glass account, but %d all-users/all-resources policies do not exclude the Directory Synchronization Accounts role in this hybrid tenant.", len(noSync)) + syncNote,
			Affected: noSync}
	}
	if !syncKnown && broad > broadSync {
		// Whether the sync account needs excluding depends on hybrid sync,
		// which the organization dataset says; without it, no pass.
		return Outcome{Status: StatusUnknown, Summary: fmt.Sprintf("Every enabled policy (%d) excludes a declared break-glass account, but whether the tenant synchronises from on-premises (and so must exclude the Directory Synchronization Accounts role) is unknown: dataset organization was not collected (%s).", len(enabled), c.Info(snapshot.DSOrganization).Describe()) + syncNote}
	}
	return Outcome{Status: StatusPass, Summary: fmt.Sprintf("Every enabled policy (%d) excludes a declared break-glass account.", len(enabled)) + syncNote}
}

// commonExclusions returns users and groups excluded from every enabled
// policy: a labelled suggestion for the break-glass list, never a verdict.
func commonExclusions(env *caEnv, enabled []snapshot.CAPolicy) []string {
	if len(enabled) == 0 {
		return nil
	}
	count := map[string]int{}
	for _, p := range enabled {
		if p.Conditions.Users == nil {
			return nil
		}
		seen := map[string]bool{}
		for _, id := range p.Conditions.Users.ExcludeUsers {
			seen["u:"+strings.ToLower(id)] = true
		}
		for _, id := range p.Conditions.Users.ExcludeGroups {
			seen["g:"+strings.ToLower(id)] = true
		}
		for k := range seen {
			count[k]++
		}
	}
	var out []string
	for k, n := range count {
		if n != len(enabled) {
			continue
		}
		if strings.HasPrefix(k, "u:") {
			out = append(out, env.userName(k[2:]))
		} else {
			out = append(out, "group "+k[2:])
		}
	}
	sort.Strings(out)
	return out
}
