package checks

import (
	"fmt"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// Helpers shared by the checks judged on Conditional Access and security
// defaults (the policy evaluator itself is in ca.go).

// caSubject is what the CA checks read: policies, security defaults (nil
// when the check does not use them) and the evaluator environment.
type caSubject struct {
	env      *caEnv
	policies []snapshot.CAPolicy
	sd       *snapshot.SecurityDefaults
}

func loadCA(c *Context, withSD bool) (caSubject, *Outcome) {
	s := caSubject{env: newCAEnv(c)}
	if withSD {
		sd, err := c.SecurityDefaults()
		if err != nil {
			o := Unknown(err)
			return caSubject{}, &o
		}
		s.sd = sd
	}
	pols, err := c.ConditionalAccessPolicies()
	info := c.Info(snapshot.DSConditionalAccessPolicies)
	switch {
	case err == nil && info.Status == snapshot.StatusPartial && withSD && !s.sd.IsEnabled:
		// A pass judged on some of the policies would be a false pass.
		o := Outcome{Status: StatusUnknown, Summary: "Not evaluated: Conditional Access policies were only partly collected (" + info.Describe() + ") and security defaults are off."}
		return caSubject{}, &o
	case err == nil:
		s.policies = pols
	case withSD && (s.sd.IsEnabled || info.Status == snapshot.StatusUnlicensed || (c.Licences.Known && !c.Licences.P1)):
		// Judged on security defaults: on, they decide (no Conditional
		// Access policy can be enforced beside them); off without P1,
		// nothing enforces the control whatever the (unavailable) policies.
		c.decidedWithout(snapshot.DSConditionalAccessPolicies)
	default:
		o := Unknown(err)
		return caSubject{}, &o
	}
	return s, nil
}

// sdState describes security defaults as a phrase, reading them when
// collected (the checks that do not depend on them still mention them).
func sdState(c *Context) string {
	sd, err := c.SecurityDefaults()
	switch {
	case err != nil:
		c.decidedWithout(snapshot.DSSecurityDefaults) // the phrase says so
		return "security defaults unknown (not collected)"
	case sd.IsEnabled:
		return "security defaults on"
	}
	return "security defaults off"
}

// unenforceable notes CA policies present in a tenant without P1 (they
// are not enforced, so they were not counted).
func unenforceable(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" The %d Conditional Access policies present were not counted: without P1 they are not enforced.", n)
}

// judgedOn says plainly what a CA check looked at.
func judgedOn(c *Context, n int) string {
	lic := "licences unknown"
	switch {
	case c.Licences.P2:
		lic = "Entra ID P2"
	case c.Licences.P1:
		lic = "Entra ID P1"
	case c.Licences.Known:
		lic = "no Entra ID P1"
	}
	return fmt.Sprintf("Judged on %s, %s, %s.", phrase.Plural(n, "Conditional Access policy", "Conditional Access policies"), sdState(c), lic)
}

// needP1 answers not_applicable when the tenant is known to lack P1: the
// control can only be enforced by Conditional Access, and security defaults
// do not do it.
func needP1(c *Context, what string) *Outcome {
	if c.Licences.Known && !c.Licences.P1 {
		return &Outcome{Status: StatusNotApplicable, Summary: fmt.Sprintf(
			"Not applicable: %s can only be enforced by Conditional Access, which needs Entra ID P1, and the tenant has no P1; security defaults do not do it (%s).", what, sdState(c))}
	}
	return nil
}

// needP2 answers not_applicable when the tenant is known to lack P2, even
// when a policy exists (it does nothing without P2).
func needP2(c *Context, n int) *Outcome {
	if c.Licences.Known && !c.Licences.P2 {
		s := "Not applicable: risk policies need Entra ID P2, and the tenant has no P2"
		if n > 0 {
			s += fmt.Sprintf(" (%d policies hold risk conditions but Identity Protection does not compute risk without P2)", n)
		}
		return &Outcome{Status: StatusNotApplicable, Summary: s + "."}
	}
	return nil
}

// licenceUnknown turns a fail into unknown when licences were not collected
// for a control that needs a licence: fail and not_applicable cannot be told
// apart. A pass stands (it is proven from the policies).
func licenceUnknown(c *Context, o Outcome, lic Licence) Outcome {
	if c.Licences.Known || o.Status != StatusFail {
		return o
	}
	o.Status = StatusUnknown
	o.Summary = fmt.Sprintf("Not conclusive: licences are unknown (%s %s), and this control needs %s; if the tenant holds it: %s",
		snapshot.DSSubscribedSkus, c.Info(snapshot.DSSubscribedSkus).Describe(), lic, o.Summary)
	return o
}

func withJudged(c *Context, o Outcome, n int) Outcome {
	if o.Status != StatusPass {
		o.Summary += " " + judgedOn(c, n)
	}
	if (o.Status == StatusFail || o.Status == StatusWarn) && len(o.Affected) == 0 {
		// No policy to name (the tenant has none): the finding is about
		// the tenant's setting, security defaults.
		o.Affected = []Affected{tenantCAAffected(c, n)}
	}
	return o
}

// tenantCAAffected is the object a Conditional Access finding names when
// no policy is related: the security defaults setting, or the tenant when
// security defaults were not collected.
func tenantCAAffected(c *Context, n int) Affected {
	pols := "the tenant has no Conditional Access policy"
	if n > 0 {
		pols = fmt.Sprintf("none of the tenant's %s does this", phrase.Plural(n, "Conditional Access policy", "Conditional Access policies"))
	}
	if sd, err := c.SecurityDefaults(); err == nil {
		state := "disabled"
		if sd.IsEnabled {
			state = "enabled"
		}
		return sdAffected(sd, state+"; "+pols)
	}
	c.decidedWithout(snapshot.DSSecurityDefaults)
	t := c.Tenant()
	return Affected{Kind: "tenant", ID: t.ID, Name: phrase.FirstOf(t.DisplayName, t.PrimaryDomain, t.ID), Detail: pols + "; security defaults not collected"}
}

func sdAffected(sd *snapshot.SecurityDefaults, detail string) Affected {
	id := sd.ID
	if id == "" {
		id = "00000000-0000-0000-0000-000000000005"
	}
	return Affected{Kind: "policy", ID: id, Name: "Security defaults", Detail: detail}
}

// Requirements of the protective controls (also used by ENTRA-CA-011).
func reqMFA001() caRequirement {
	return caRequirement{CheckID: "ENTRA-MFA-001", Control: "MFA for all users", Target: targetAllUsers,
		Grant: grantMFA, GrantNoun: "require MFA"}
}

func reqCA001() caRequirement {
	legacy := []string{"exchangeActiveSync", "other"}
	return caRequirement{CheckID: "ENTRA-CA-001", Control: "blocking of legacy authentication (Exchange ActiveSync and other clients)",
		Target: targetAllUsers, ClientApps: legacy, Need: legacy, Grant: grantBlock, GrantNoun: "block access"}
}

func reqCA002() caRequirement {
	return caRequirement{CheckID: "ENTRA-CA-002", Control: "MFA for administrator roles", Target: targetAdmins,
		Grant: grantMFA, GrantNoun: "require MFA"}
}

func reqCA005() caRequirement {
	return caRequirement{CheckID: "ENTRA-CA-005", Control: "a high user-risk policy", Target: targetAllUsers, Risk: "user",
		Grant: grantBlockOrMFAAndPasswordChange, GrantNoun: "block, or require MFA AND password change"}
}

func reqCA006() caRequirement {
	return caRequirement{CheckID: "ENTRA-CA-006", Control: "a high sign-in-risk policy", Target: targetAllUsers, Risk: "signIn",
		Grant: grantBlockOrMFA, GrantNoun: "block or require MFA"}
}

// riskPolicies counts non-disabled policies holding a risk condition.
func riskPolicies(pols []snapshot.CAPolicy) int {
	n := 0
	for _, p := range pols {
		if p.State != caStateDisabled && (len(p.Conditions.UserRiskLevels) > 0 || len(p.Conditions.SignInRiskLevels) > 0) {
			n++
		}
	}
	return n
}

func evalRisk(c *Context, req caRequirement) Outcome {
	s, o := loadCA(c, false)
	if o != nil {
		return *o
	}
	if o := needP2(c, riskPolicies(s.policies)); o != nil {
		return *o
	}
	ev := s.env.evaluateCA(s.policies, req)
	return licenceUnknown(c, withJudged(c, ev.Outcome(), len(s.policies)), LicenceP2)
}
