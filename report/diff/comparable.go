package diff

import (
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/checks"
)

// Comparable is the like-for-like score: the severity-weighted score
// (checks.ComputeScore) computed on each side over only the checks both
// audits evaluated (pass, fail or warn on both sides). When the two audits
// evaluated different sets of checks (incident checks run in one only, a
// dataset collected in one only, a check added by a newer version), the
// headline scores move without the tenant changing; this one does not.
type Comparable struct {
	// Checks counts the checks evaluated on both sides.
	Checks int `json:"checks"`
	// From and To are the two sides' scores over those checks (percent,
	// one decimal).
	From float64 `json:"from"`
	To   float64 `json:"to"`
	// FromOnly and ToOnly count the checks evaluated on that side only.
	FromOnly int `json:"fromOnly"`
	ToOnly   int `json:"toOnly"`
}

// Differs reports whether the two audits evaluated different sets of
// checks, so that the headline scores are not like for like.
func (c *Comparable) Differs() bool { return c != nil && c.FromOnly+c.ToOnly > 0 }

// Delta is the signed like-for-like change ("+2.9").
func (c *Comparable) Delta() string { return Delta(c.To - c.From) }

// compareScores computes the like-for-like score of old -> new.
func compareScores(old, new *checks.Document) *Comparable {
	nm := make(map[string]checks.Result, len(new.Results))
	for _, r := range new.Results {
		nm[r.ID] = r
	}
	om := make(map[string]bool, len(old.Results))
	c := &Comparable{}
	var from, to []checks.Result
	for _, o := range old.Results {
		om[o.ID] = true
		n, ok := nm[o.ID]
		switch {
		case evaluated(o.Status) && ok && evaluated(n.Status):
			from, to = append(from, o), append(to, n)
		case evaluated(o.Status):
			c.FromOnly++
		case ok && evaluated(n.Status):
			c.ToOnly++
		}
	}
	for _, n := range new.Results {
		if !om[n.ID] && evaluated(n.Status) {
			c.ToOnly++
		}
	}
	c.Checks = len(from)
	c.From, c.To = checks.ComputeScore(from).Percent, checks.ComputeScore(to).Percent
	return c
}

// OneSided is a group of checks evaluated in one of the two audits only,
// and why the other did not evaluate them.
type OneSided struct {
	Count int
	// Text words the group for a client, without the count ("incident
	// checks not run this time because this audit has no incident").
	Text string
}

// String is the group with its count.
func (g OneSided) String() string { return fmt.Sprintf("%d %s", g.Count, g.Text) }

// oneSidedReasons words, in report order, why a check was evaluated on one
// side only. The key is the side that did not evaluate it ("now": the new
// audit, "then": the old one) and its status or reason.
var oneSidedReasons = []struct{ key, one, many string }{
	{"now:notRun:" + string(checks.NotRunNoIncident), "incident check not run this time because this audit has no incident", "incident checks not run this time because this audit has no incident"},
	{"then:notRun:" + string(checks.NotRunNoIncident), "incident check run only this time because the last audit had no incident", "incident checks run only this time because the last audit had no incident"},
	{"now:notRun", "check not run this time", "checks not run this time"},
	{"then:notRun", "check not run last time", "checks not run last time"},
	{"now:" + string(checks.StatusUnknown), "check whose data was not collected this time", "checks whose data was not collected this time"},
	{"then:" + string(checks.StatusUnknown), "check whose data was not collected last time", "checks whose data was not collected last time"},
	{"now:" + string(checks.StatusNotApplicable), "check not applicable this time", "checks not applicable this time"},
	{"then:" + string(checks.StatusNotApplicable), "check not applicable last time", "checks not applicable last time"},
	{"now:" + string(checks.StatusManual), "check left to manual review this time", "checks left to manual review this time"},
	{"then:" + string(checks.StatusManual), "check left to manual review last time", "checks left to manual review last time"},
	{"now:" + string(checks.StatusError), "check that could not be evaluated this time", "checks that could not be evaluated this time"},
	{"then:" + string(checks.StatusError), "check that could not be evaluated last time", "checks that could not be evaluated last time"},
	{"now:absent", "check no longer in this version of the tool", "checks no longer in this version of the tool"},
	{"then:absent", "check new in this version of the tool", "checks new in this version of the tool"},
}

// OneSided groups the checks evaluated in one audit only by why the other
// did not evaluate them, in a fixed order. Their counts add up to
// Comparable.FromOnly + Comparable.ToOnly.
func (d *Document) OneSided() []OneSided {
	count := map[string]int{}
	for _, c := range d.Checks {
		if evaluated(c.From) == evaluated(c.To) {
			continue
		}
		side, st, why := "now:", c.To, c.ToNotRun
		if evaluated(c.To) {
			side, st, why = "then:", c.From, c.FromNotRun
		}
		switch {
		case why == checks.NotRunNoIncident:
			count[side+"notRun:"+string(why)]++
		case why != "":
			count[side+"notRun"]++
		case st == "":
			count[side+"absent"]++
		default:
			count[side+string(st)]++
		}
	}
	var out []OneSided
	for _, r := range oneSidedReasons {
		if n := count[r.key]; n > 0 {
			text := r.many
			if n == 1 {
				text = r.one
			}
			out = append(out, OneSided{Count: n, Text: text})
		}
	}
	return out
}

// OneSidedText joins the groups ("17 incident checks not run this time
// because this audit has no incident; 3 checks whose data was not
// collected this time").
func (d *Document) OneSidedText() string {
	var parts []string
	for _, g := range d.OneSided() {
		parts = append(parts, g.String())
	}
	return strings.Join(parts, "; ")
}

// ComparableLine is ComparableText with an ASCII arrow (console and
// Markdown).
func (d *Document) ComparableLine() string { return d.ComparableText("->") }

// ComparableText says, when the two audits evaluated different sets of
// checks, what the score did on the checks both evaluated and where the
// rest of the headline difference comes from; "" when they evaluated the
// same checks (the headline change is then already like for like) or the
// document predates the like-for-like score.
func (d *Document) ComparableText(arrow string) string {
	c := d.Comparable
	if !c.Differs() {
		return ""
	}
	rest := d.OneSidedText()
	if c.Checks == 0 {
		return fmt.Sprintf("No check was evaluated in both audits, so the scores cannot be compared like for like (%s).", rest)
	}
	return fmt.Sprintf("On the %d checks both audits evaluated: %.1f%% %s %.1f%% (%s); the rest of the difference comes from checks evaluated in only one of them (%s).",
		c.Checks, c.From, arrow, c.To, c.Delta(), rest)
}
