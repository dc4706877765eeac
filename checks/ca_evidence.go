package checks

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/checks/knowledge"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// Evidence over configuration (docs/semantics.md): a control whose
// configuration would pass is judged again against the collected sign-in
// log. Successful sign-ins the control should have stopped, after the
// control's last recorded change, make it fail; the summary names the
// configuration first, then the evidence, and the affected objects are
// those sign-ins.

// contraryEvidence is what the sign-in log says against a control.
type contraryEvidence struct {
	// checked is false when the evidence could not be looked at; note
	// then says why.
	checked bool
	note    string
	// failNote says the same for a control that fails on its
	// configuration: the sign-ins it let through were not looked at.
	failNote string
	// since is the control's last recorded change (zero when none is
	// recorded); only later sign-ins count.
	since     time.Time
	sinceNote string
	groups    []*irSignInGroup
	signIns   int
}

// signInsAgainst collects the successful sign-ins after since that stopped
// says the control should have stopped. what names them in the summary
// ("single-factor sign-ins of members").
func signInsAgainst(c *Context, since time.Time, sinceNote string, stopped func(s snapshot.SignIn) bool) contraryEvidence {
	sis, err := c.SignIns()
	if err != nil {
		c.decidedWithout(snapshot.DSSignIns) // the configuration's verdict stands, and says so
		return contraryEvidence{note: "The sign-in log was not collected, so whether the control held in practice was not checked.",
			failNote: "The sign-in log was not collected, so which sign-ins got through was not checked."}
	}
	ev := contraryEvidence{checked: true, since: since, sinceNote: sinceNote}
	ev.groups = irGroupSignIns(sis, func(s snapshot.SignIn) bool {
		if !s.Succeeded() || !s.CreatedDateTime.After(since) || !stopped(s) {
			return false
		}
		ev.signIns++
		return true
	})
	return ev
}

// failed reports whether the evidence contradicts the configuration.
func (ev contraryEvidence) failed() bool { return ev.checked && ev.signIns > 0 }

// judge applies the evidence to an outcome judged on configuration: a pass
// or warn with contrary sign-ins becomes a fail listing them; otherwise the
// summary says what the log showed or why it was not checked (a fail on
// configuration too: evidence over configuration).
func (ev contraryEvidence) judge(o Outcome, what string) Outcome {
	if o.Status == StatusFail && !ev.checked && ev.failNote != "" {
		o.Summary += " " + ev.failNote
		return o
	}
	if o.Status != StatusPass && o.Status != StatusWarn {
		return o
	}
	if !ev.checked {
		o.Summary += " " + ev.note
		return o
	}
	if !ev.failed() {
		after := ""
		if !ev.since.IsZero() {
			after = " after " + irTime(ev.since)
		}
		o.Summary += fmt.Sprintf(" The collected sign-in log shows no successful %s%s.", what, after)
		return o
	}
	users := map[string]bool{}
	first := time.Time{}
	var aff []Affected
	for _, g := range ev.groups {
		users[g.upn] = true
		if first.IsZero() || g.first.Before(first) {
			first = g.first
		}
		aff = append(aff, Affected{Kind: "signIn", ID: g.key, Name: g.upn, Time: irTimePtr(g.first), Actor: g.where(),
			Detail: fmt.Sprintf("%s over %s from %s, %s", phrase.Plural(g.ok, "successful sign-in", "successful sign-ins"), g.client, g.where(), irSpan(g.first, g.last)),
			SignIn: g.evidence(),
			User:   &UserRef{ID: g.userID, UPN: g.upn},
		})
	}
	names := make([]string, 0, len(users))
	for u := range users {
		names = append(names, u)
	}
	sort.Strings(names)
	// The configuration's first sentence, then the evidence, then the rest.
	head, tail := o.Summary, ""
	if i := strings.Index(head, ". "); i >= 0 {
		head, tail = head[:i+1], " "+head[i+2:]
	}
	o.Status = StatusFail
	o.Summary = fmt.Sprintf("%s Configured, but it did not hold: the collected sign-in log shows %s%s by %s (%s), first %s.%s",
		head, phrase.Plural(ev.signIns, "successful "+singular(what), "successful "+what), ev.after(),
		phrase.Plural(len(names), "user", "users"), entraNames(names, 5), irTime(first), tail)
	o.Affected = aff
	return o
}

// after says from when sign-ins count.
func (ev contraryEvidence) after() string {
	if ev.since.IsZero() {
		return ev.sinceNote
	}
	return " after " + irTime(ev.since) + ev.sinceNote
}

// singular turns "single-factor sign-ins of members" into its singular.
func singular(what string) string { return strings.Replace(what, "sign-ins", "sign-in", 1) }

// sdLastChange returns when security defaults were last changed according
// to the collected directory audit log (zero when no change is recorded),
// and a note for the summary when the audit log was not collected.
func sdLastChange(c *Context, sd *snapshot.SecurityDefaults) (time.Time, string) {
	audits, err := c.DirectoryAudits()
	if err != nil {
		// Every sign-in in the log counts: stricter, never a false pass.
		c.decidedWithout(snapshot.DSDirectoryAudits)
		return time.Time{}, " (the directory audit log was not collected, so every sign-in in the log counts)"
	}
	id := "00000000-0000-0000-0000-000000000005"
	if sd != nil && sd.ID != "" {
		id = sd.ID
	}
	var last time.Time
	for _, a := range audits {
		hit := strings.Contains(strings.ToLower(a.ActivityDisplayName), "security defaults")
		for _, t := range a.TargetResources {
			if strings.EqualFold(t.ID, id) || strings.Contains(strings.ToLower(t.DisplayName), "security defaults") {
				hit = true
			}
		}
		if hit && a.ActivityDateTime.After(last) {
			last = a.ActivityDateTime
		}
	}
	return last, ""
}

// policiesLastChange returns the latest modification (or creation) of the
// policies that make a control pass.
func policiesLastChange(ev CAEvaluation) time.Time {
	var last time.Time
	for _, p := range ev.Policies {
		if !p.Counts {
			continue
		}
		for _, t := range []*time.Time{p.Policy.ModifiedDateTime, p.Policy.CreatedDateTime} {
			if t != nil && t.After(last) {
				last = *t
			}
		}
	}
	return last
}

// controlLastChange is the last recorded change of whatever makes the
// control pass: its Conditional Access policies when they enforce it, else
// security defaults.
func controlLastChange(c *Context, s caSubject, ev CAEvaluation) (time.Time, string) {
	if ev.Enforced {
		return policiesLastChange(ev), ""
	}
	return sdLastChange(c, s.sd)
}

// singleFactorMember reports whether a sign-in is an interactive member
// sign-in that satisfied a single factor, by a user who is neither a
// break-glass account nor an approved exclusion of the check.
func singleFactorMember(env *caEnv, checkID string, s snapshot.SignIn) bool {
	if !s.IsInteractive || strings.EqualFold(s.UserType, "guest") || strings.Contains(strings.ToUpper(s.UserPrincipalName), "#EXT#") {
		return false
	}
	req := strings.ToLower(s.AuthenticationRequirement)
	if req != "" && req != "singlefactorauthentication" {
		return false
	}
	return !env.approvedUser(checkID, s.UserID) && !env.approvedUser(checkID, s.UserPrincipalName)
}

// legacySignIn reports whether a sign-in used a legacy protocol.
func legacySignIn(s snapshot.SignIn) bool {
	return knowledge.IsLegacyClient(s.ClientAppUsed)
}
