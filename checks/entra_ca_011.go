package checks

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// IDEntraCA011 is the ID of check ENTRA-CA-011.
const IDEntraCA011 = "ENTRA-CA-011"

func entraCA011() Check {
	return Check{Meta: Meta{
		ID: IDEntraCA011, Title: "No protective control relies only on report-only or disabled policies",
		Category: categoryCA, Severity: SeverityHigh, Datasets: []string{snapshot.DSConditionalAccessPolicies}, AlsoReads: []string{snapshot.DSSecurityDefaults, snapshot.DSUsers, snapshot.DSRoleDefinitions, snapshot.DSAuthenticationStrengths},
		Rationale: "A report-only or disabled policy looks like protection in the portal but enforces nothing: the tenant form of 'MFA enabled but not enforced'.",
		Remediation: Remediation{
			Summary: "Turn the listed policies On after reviewing their report-only results.",
			Steps: []string{
				"Conditional Access > Policies > open the policy > review 'Report-only' results in the sign-in logs / insights workbook > Enable policy = On.",
			},
		}},
		Eval: evalEntraCA011}
}

func evalEntraCA011(c *Context) Outcome {
	if o := needP1(c, "a Conditional Access policy"); o != nil {
		return *o
	}
	s, o := loadCA(c, false)
	if o != nil {
		return *o
	}
	sdOn := false
	if sd, err := c.SecurityDefaults(); err == nil {
		sdOn = sd.IsEnabled
	} else {
		// Not collected: judged as off, which can only find more dormant
		// controls, never fewer.
		c.decidedWithout(snapshot.DSSecurityDefaults)
	}
	type control struct {
		id  string
		req caRequirement
		// bySD: security defaults already do it, so a dormant policy is not
		// the only control.
		bySD bool
		p2   bool
	}
	controls := []control{
		{"ENTRA-MFA-001", reqMFA001(), true, false},
		{"ENTRA-CA-001", reqCA001(), true, false},
		{"ENTRA-CA-002", reqCA002(), true, false},
		{"ENTRA-CA-005", reqCA005(), false, true},
		{"ENTRA-CA-006", reqCA006(), false, true},
	}
	var found []string
	var aff []Affected
	seen := map[string]int{}
	for _, ctl := range controls {
		if (ctl.bySD && sdOn) || (ctl.p2 && c.Licences.Known && !c.Licences.P2) {
			continue
		}
		ev := s.env.evaluateCA(s.policies, ctl.req)
		if ev.Enforced || !ev.Dormant {
			continue
		}
		found = append(found, ctl.id+" ("+ev.Control+")")
		for _, p := range ev.Policies {
			if p.Policy.State == caStateEnabled || len(p.Reasons) > 0 || len(p.Unapproved) > 0 || p.Unresolved != "" {
				continue
			}
			state := "report-only"
			if p.Policy.State == caStateDisabled {
				state = "disabled"
			}
			why := fmt.Sprintf("%s: would give %s (%s) if it were On", state, ev.Control, ctl.id)
			if i, ok := seen[p.Policy.ID]; ok {
				aff[i].Detail += "; " + why
				continue
			}
			seen[p.Policy.ID] = len(aff)
			aff = append(aff, Affected{Kind: "policy", ID: p.Policy.ID, Name: p.Policy.DisplayName, Detail: why,
				PolicyState: p.Policy.State})
		}
	}
	if len(found) > 0 {
		return Outcome{Status: StatusFail, Summary: fmt.Sprintf("%d protective control(s) exist only as report-only or disabled policies, so nothing enforces them: %s.",
			len(found), strings.Join(found, "; ")), Affected: aff}
	}
	out := Outcome{Status: StatusPass, Summary: "No protective control (MFA for all users, legacy-authentication block, MFA for admins, risk policies) relies only on report-only or disabled policies."}
	if len(s.policies) == 0 {
		out.Summary = "There are no Conditional Access policies, so none is left unenforced; the missing controls are reported by their own checks."
	}
	return licenceUnknown(c, out, LicenceP1)
}
