package pdf

import (
	"fmt"
	"strings"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/describe"
	"github.com/m365audit/m365audit/report/pwsh"
)

// Caps keep the incident section readable; the workbook has every row.
const (
	maxChangeRows   = 10 // per kind of change
	maxPlanItems    = 8  // per containment step
	maxReviewRows   = 15
	maxHardening    = 12
	maxTimelineRows = 40
)

// incidentSection draws the incident part of the report, first thing after
// the title: what happened, what the attacker changed, what is still open,
// what the containment script will do, and the timeline. Everything comes
// from the results (and the snapshot for the timeline), so it agrees with
// the findings, the workbook and the scripts.
func (r *renderer) incidentSection(inc *checks.IncidentInfo) error {
	m := buildIncident(r.doc, r.snap)
	body := textStyle{size: 9, color: colText}
	muted := textStyle{size: 8.5, color: colMuted}

	r.heading("Incident response: compromised account", 0)
	var names []string
	for _, u := range m.users {
		names = append(names, u.label)
	}
	if len(names) == 0 {
		names = []string{"(no user named)"}
	}
	end := fmtDate(m.end)
	if inc.End.IsZero() || inc.End.Equal(r.doc.CollectedAt) {
		end += " (data collection)"
	}
	r.para(fmt.Sprintf("Investigated: %s. Window: %s to %s.", andList(names), fmtDate(m.start), end), body, marginX, contentW)
	r.para("This section comes first because it is what to act on now. The full findings, the score and the coverage follow it.", muted, marginX, contentW)
	r.y += 2
	r.containmentBox(m)

	r.heading("What happened", 1)
	for _, s := range m.happened {
		r.bullet("•", s, body, 0)
	}
	if len(m.cannot) > 0 {
		r.y += 1
		r.need(2 * lineH(9))
		r.para("Could not be answered from this snapshot", textStyle{size: 9, bold: true, color: colFair}, marginX, contentW)
		for _, s := range m.cannot {
			r.bullet("•", s, body, 0)
		}
	}
	r.y += 1
	if err := r.checkCtx(); err != nil {
		return err
	}

	r.attackerChanges(m)
	r.stillOpen(m)
	if err := r.checkCtx(); err != nil {
		return err
	}
	r.containment(m)
	r.timeline()
	return r.checkCtx()
}

// containmentBox states at a glance whether the accounts are contained.
func (r *renderer) containmentBox(m *incidentModel) {
	var res *checks.Result
	for i := range r.doc.Results {
		if r.doc.Results[i].ID == "IR-USR-002" {
			res = &r.doc.Results[i]
		}
	}
	changes := fmt.Sprintf("%s attributed to the attacker (listed below).", plural(m.nChanges, "change in the tenant is", "changes in the tenant are"))
	switch {
	case res == nil:
		r.box("CONTAINMENT NOT CHECKED", "The containment check (IR-USR-002) did not run. "+changes, colFair, rgb{255, 247, 237})
	case res.Status == checks.StatusPass:
		r.box("ACCOUNTS CONTAINED", res.Summary+"\n"+changes, colGood, rgb{236, 253, 243})
	case notEvaluated(res.Status):
		r.box("CONTAINMENT UNKNOWN", res.Summary+"\n"+changes, colFair, rgb{255, 247, 237})
	default:
		var b strings.Builder
		if len(res.Affected) == 0 {
			b.WriteString(res.Summary)
		}
		for i, a := range res.Affected {
			if i > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "• %s: %s", firstOf(a.Name, a.ID), orDash(a.Detail))
		}
		b.WriteString("\nThe containment script below blocks sign-in, resets the password and revokes the sessions.\n" + changes)
		r.box("NOT CONTAINED: the attacker may still have access", b.String(), colAlert, colAlertBg)
	}
}

// bullet draws a marked paragraph indented by indent millimetres.
func (r *renderer) bullet(mark, s string, st textStyle, indent float64) {
	lh := lineH(st.size)
	r.need(lh)
	x := marginX + indent
	ml := r.l.wrap(mark, 10, st, false)[0]
	r.l.drawLine(x, r.y+baseline(lh, st.size), ml, st)
	w := max(ml.w+1.5, 4.5)
	r.para(s, st, x+w, contentW-indent-w)
	r.y += 0.6
}

func (r *renderer) attackerChanges(m *incidentModel) {
	r.heading("What the attacker changed", 1)
	body := textStyle{size: 9, color: colText}
	if len(m.changes) == 0 {
		r.para("No change in the tenant is attributed to the incident users in the window.", body, marginX, contentW)
		r.y += 2
		return
	}
	r.para("Objects created or changed by the incident users inside the window, which the incident checks attribute to the attacker.",
		textStyle{size: 8.5, color: colMuted}, marginX, contentW)
	r.y += 1
	for _, g := range m.changes {
		r.need(lineH(9.5) + 3*(lineH(7.5)+2.4))
		var ids []string
		for _, o := range g.objs {
			if !containsFold(ids, o.check) {
				ids = append(ids, o.check)
			}
		}
		r.para(fmt.Sprintf("%s (%d) · %s", g.title, len(g.objs), strings.Join(ids, ", ")), textStyle{size: 9.5, bold: true, color: colHeading}, marginX, contentW)
		r.y += 0.5
		shown := g.objs[:min(len(g.objs), maxChangeRows)]
		rows := make([][]cell, 0, len(shown))
		for _, o := range shown {
			rows = append(rows, []cell{
				{text: whenOf(o.a)},
				{text: orDash(o.a.Name)},
				{text: orDash(o.a.Detail)},
				{text: orDash(o.a.Actor)},
			})
		}
		r.table([]column{{"When (UTC)", 25}, {"Object", 47}, {"Detail", 66}, {"By", 42}}, rows, 7.5)
		if n := len(g.objs) - len(shown); n > 0 {
			r.para(fmt.Sprintf("… and %d more — full list in the workbook (report.xlsx).", n), textStyle{size: 8.5, color: colMuted}, marginX, contentW)
			r.y += 1.5
		}
	}
}

func whenOf(a checks.Affected) string {
	if a.Time == nil {
		return "present at collection"
	}
	return shortTime(*a.Time)
}

// shortTime is a UTC time for table columns headed "(UTC)".
func shortTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

func (r *renderer) stillOpen(m *incidentModel) {
	r.heading("What is still open", 1)
	body := textStyle{size: 9, color: colText}
	if len(m.open) == 0 {
		r.para("No incident check fails or warns.", body, marginX, contentW)
		r.y += 1
	} else {
		rows := make([][]cell, 0, len(m.open))
		for _, res := range m.open {
			c := severityColor(res.Severity)
			rows = append(rows, []cell{
				{text: capitalise(string(res.Severity)), bold: true, color: &c},
				{text: res.ID + "\n" + res.Title, lines: true},
				{text: orDash(res.Summary)},
			})
		}
		r.table([]column{{"Severity", 18}, {"Incident check", 62}, {"What is open", 100}}, rows, 7.5)
	}
	r.need(lineH(9.5) + 3*(lineH(7.5)+2.4))
	r.para("Gaps that let it happen", textStyle{size: 9.5, bold: true, color: colHeading}, marginX, contentW)
	r.y += 0.5
	if len(m.posture) == 0 {
		r.para("None of the configuration checks on MFA, legacy protocols, guest invitations and user consent fails.", body, marginX, contentW)
		r.y += 2
		return
	}
	rows := make([][]cell, 0, len(m.posture))
	for _, p := range m.posture {
		c := severityColor(p.sev)
		rows = append(rows, []cell{
			{text: capitalise(string(p.sev)), bold: true, color: &c},
			{text: p.id + "\n" + p.title, lines: true},
			{text: orDash(p.line)},
		})
	}
	r.table([]column{{"Severity", 18}, {"Configuration check", 62}, {"Finding", 100}}, rows, 7.5)
}

func (r *renderer) containment(m *incidentModel) {
	r.heading("What the containment script will do", 1)
	body := textStyle{size: 9, color: colText}
	small := textStyle{size: 8.5, color: colText}
	muted := textStyle{size: 8.5, color: colMuted}
	r.para("One script per incident user. It acts on exactly the objects below, which the incident checks attribute to the attacker, "+
		"and on nothing else. Read it and run it with -WhatIf first.", muted, marginX, contentW)
	r.y += 1
	objs := attributedByTarget(r.doc)
	for _, p := range m.plans {
		r.heading(p.user.label, 2)
		if len(p.actions) == 0 {
			r.para("No containment script can be planned for this user: the account could not be tied to an object id (it is not in the "+
				"snapshot's directory, and the containment check IR-USR-002 holds no evidence for it). Block sign-in, reset the password "+
				"and revoke the sessions by hand, then remove the objects listed under What the attacker changed.", body, marginX, contentW)
			r.y += 1.5
			continue
		}
		r.para("Script: "+p.script, textStyle{size: 8.5, bold: true, color: colAccepted}, marginX, contentW)
		r.y += 0.5
		for i, st := range planSteps(p, objs) {
			r.bullet(fmt.Sprintf("%d.", i+1), st.text, body, 0)
			for j, it := range st.items {
				if j == maxPlanItems {
					r.bullet("–", fmt.Sprintf("… and %d more — full list in the workbook (report.xlsx) and in the script.", len(st.items)-maxPlanItems), muted, 6)
					break
				}
				r.bullet("–", it, small, 6)
			}
		}
		r.y += 1.5
	}

	// What the scripts list for review without changing it.
	var review []pwsh.ReviewItem
	seen := map[string]bool{}
	for _, p := range m.plans {
		for _, it := range p.review {
			if k := it.CheckID + "|" + it.ID; !seen[k] {
				seen[k] = true
				review = append(review, it)
			}
		}
	}
	r.need(lineH(9.5) + 3*(lineH(7.5)+2.4))
	r.para("For review only (no script changes these)", textStyle{size: 9.5, bold: true, color: colHeading}, marginX, contentW)
	r.y += 0.5
	planned := false
	for _, p := range m.plans {
		planned = planned || len(p.actions) > 0
	}
	switch {
	case !planned:
		r.para("No containment script could be planned, so none lists objects for review: every incident finding is in the findings below.", body, marginX, contentW)
		r.y += 1.5
	case len(review) == 0:
		r.para("Nothing: the containment scripts list no object for review.", body, marginX, contentW)
		r.y += 1.5
	default:
		r.para("Objects the incident checks found that the scripts leave to a person: not attributed to the attacker, "+
			"or of a kind no script step handles (apps, delegations, role and configuration changes). Sign-ins are evidence, listed above.",
			muted, marginX, contentW)
		r.y += 0.5
		shown := review[:min(len(review), maxReviewRows)]
		rows := make([][]cell, 0, len(shown))
		for _, it := range shown {
			rows = append(rows, []cell{{text: orDash(it.Name)}, {text: orDash(it.Detail)}, {text: it.CheckID}})
		}
		r.table([]column{{"Object", 55}, {"Why it is listed", 100}, {"Check", 25}}, rows, 7.5)
		if n := len(review) - len(shown); n > 0 {
			r.para(fmt.Sprintf("… and %d more — full list in the workbook (report.xlsx).", n), muted, marginX, contentW)
			r.y += 1.5
		}
	}

	r.need(lineH(9.5) + 3*lineH(9))
	r.para("Then, organisation-wide (remediation.ps1)", textStyle{size: 9.5, bold: true, color: colHeading}, marginX, contentW)
	r.y += 0.5
	if len(m.hardening) == 0 {
		r.para("remediation.ps1 has no block for this tenant: no failing configuration check has a scripted fix.", body, marginX, contentW)
		r.y += 2
		return
	}
	r.para("remediation.ps1 hardens the tenant so the same attack fails next time; it changes only what is wrong. Its blocks, worst first:", body, marginX, contentW)
	for i, res := range m.hardening {
		if i == maxHardening {
			r.para(fmt.Sprintf("… and %d more, in the findings and in remediation.ps1.", len(m.hardening)-maxHardening), muted, marginX+4.5, contentW-4.5)
			break
		}
		r.bullet("•", res.ID+": "+res.Title, small, 0)
	}
	r.y += 2
}

// planStep is one numbered step of a containment plan: an action, or
// consecutive actions on objects of one kind, with the objects listed.
type planStep struct {
	text  string
	items []string
}

// objKinds are the kinds whose actions are listed object by object.
var objKinds = map[string]struct{ one, many string }{
	"authMethod": {"Remove the authentication method registered in the window:", "Remove the %d authentication methods registered in the window:"},
	"inboxRule":  {"Remove the suspicious inbox rule (saved in the script's change log first):", "Remove the %d suspicious inbox rules (each saved in the script's change log first):"},
	"grant":      {"Revoke the OAuth consent (delegated permission grant):", "Revoke the %d OAuth consents (delegated permission grants):"},
	"guest":      {"Block sign-in of, then delete (restorable for 30 days), the guest invited by the compromised account:", "Block sign-in of, then delete (restorable for 30 days), the %d guests invited by the compromised account:"},
}

// planSteps groups a plan's actions, in script order, into steps. Objects
// are named from the incident results (with when they were created), else
// by the action's own target name.
func planSteps(p plan, objs map[string]checks.Affected) []planStep {
	var out []planStep
	for i := 0; i < len(p.actions); {
		a := p.actions[i]
		phr, grouped := objKinds[a.Kind]
		if a.Kind == "guest" && !strings.HasPrefix(a.What, "Block sign-in") && !strings.HasPrefix(a.What, "Delete") {
			grouped = false
		}
		if !grouped {
			st := planStep{text: a.What + "."}
			if a.Kind == "mailbox" || (a.Kind != "user" && a.TargetName != "") {
				st.items = []string{targetItem(a, objs, p.user)}
			}
			out = append(out, st)
			i++
			continue
		}
		j := i
		var items []string
		done := map[string]bool{}
		mixed := false
		for ; j < len(p.actions) && p.actions[j].Kind == a.Kind; j++ {
			if a.Kind != "guest" && p.actions[j].What != a.What && !strings.HasPrefix(p.actions[j].What, "Remove authentication method") {
				mixed = true
			}
			if done[p.actions[j].TargetID] {
				continue
			}
			done[p.actions[j].TargetID] = true
			items = append(items, targetItem(p.actions[j], objs, p.user))
		}
		text := phr.one
		if len(items) != 1 {
			text = fmt.Sprintf(phr.many, len(items))
		}
		if mixed {
			// Not the uniform action the phrase describes: say each.
			for k := i; k < j; k++ {
				out = append(out, planStep{text: p.actions[k].What + ".", items: []string{targetItem(p.actions[k], objs, p.user)}})
			}
		} else {
			out = append(out, planStep{text: text, items: items})
		}
		i = j
	}
	return out
}

// attributedByTarget indexes the attributed objects of incident results by
// every id a script action may name them by.
func attributedByTarget(doc *checks.Document) map[string]checks.Affected {
	out := map[string]checks.Affected{}
	for _, r := range doc.Results {
		if !r.Incident {
			continue
		}
		for _, a := range r.Affected {
			if !a.Attributed {
				continue
			}
			for _, id := range []string{a.ID, a.Extra["methodId"], a.Extra["ruleId"], a.Extra["grantId"], a.Extra["userId"]} {
				if id == "" {
					continue
				}
				k := r.ID + "|" + strings.ToLower(id)
				if _, ok := out[k]; !ok {
					out[k] = a
				}
			}
		}
	}
	return out
}

// targetItem names the object of an action.
func targetItem(a pwsh.Action, objs map[string]checks.Affected, u incUser) string {
	if o, ok := objs[a.CheckID+"|"+strings.ToLower(a.TargetID)]; ok && o.Kind == a.Kind {
		return planItem(incObj{check: a.CheckID, a: o}, u)
	}
	name := firstOf(a.TargetName, a.TargetID)
	if u.label != "" {
		name = strings.TrimPrefix(name, u.label+": ")
	}
	return name
}

// planItem names one object for a containment step: its name without the
// user's label (the step is already under the user), and what it is.
func planItem(o incObj, u incUser) string {
	name := firstOf(o.a.Name, o.a.ID)
	if u.label != "" {
		name = strings.TrimPrefix(name, u.label+": ")
	}
	detail := o.a.Detail
	if i := strings.Index(detail, "; "); i >= 0 {
		detail = detail[:i]
	}
	switch o.a.Kind {
	case "mailbox":
		return name + ": " + detail
	case "authMethod":
		if o.a.Time != nil {
			return name + " — registered " + fmtDate(*o.a.Time)
		}
	case "guest", "user":
		if o.a.Time != nil {
			s := name + " — invited " + fmtDate(*o.a.Time)
			// The invitation state, e.g. "(Invitation, Accepted)": an
			// accepted guest has access today.
			if i := strings.LastIndex(o.a.Detail, " ("); i >= 0 && strings.HasSuffix(o.a.Detail, ")") {
				s += o.a.Detail[i:]
			}
			return s
		}
	}
	if detail == "" {
		return name
	}
	return name + " — " + detail
}

// timeline draws describe.Timeline, the same events as the workbook's
// Timeline sheet. Over the cap, attributed events are kept first, then
// sign-ins, then the earliest audit-log events.
func (r *renderer) timeline() {
	snap := r.snap
	if snap == nil {
		snap = snapshot.FromFiles(snapshot.Manifest{}, nil)
	}
	evs := describe.Timeline(r.doc, snap)
	markAttackerSignIns(evs, r.doc)
	r.heading("Timeline", 1)
	muted := textStyle{size: 8.5, color: colMuted}
	if len(evs) == 0 {
		r.para("No event of the incident users in the window was found in the data collected.", textStyle{size: 9, color: colText}, marginX, contentW)
		r.y += 2
		return
	}
	keep := make([]bool, len(evs))
	if len(evs) <= maxTimelineRows {
		for i := range keep {
			keep[i] = true
		}
	} else {
		n := 0
		for pass := 0; pass < 3 && n < maxTimelineRows; pass++ {
			for i, e := range evs {
				if n == maxTimelineRows {
					break
				}
				if !keep[i] && timelineRank(e) == pass {
					keep[i] = true
					n++
				}
			}
		}
	}
	shownN := 0
	for _, k := range keep {
		if k {
			shownN++
		}
	}
	single := ""
	if len(r.doc.Incident.Users) == 1 {
		users := resolveUsers(r.doc.Incident.Users, r.snap, checks.Result{})
		single = users[0].label
	}
	who := "the incident users"
	if single != "" {
		who = single
	}
	intro := "Events of " + who + " in the window, oldest first. Rows in red are attributed to the attacker by the incident checks " +
		"(changes, and the sign-ins IR-SIG-001 and IR-SIG-002 attribute)."
	if shownN < len(evs) {
		intro += fmt.Sprintf(" Showing %d of %d events: every attributed event and sign-in first, then the earliest audit-log events; "+
			"full timeline in the workbook (report.xlsx), sheet Timeline.", shownN, len(evs))
	}
	r.para(intro, muted, marginX, contentW)
	r.y += 1
	rows := make([][]cell, 0, shownN)
	for i, e := range evs {
		if !keep[i] {
			continue
		}
		when := "present at collection"
		if e.Time != nil {
			when = shortTime(*e.Time)
		}
		detail := e.Detail
		if single != "" {
			// The user is named once above; the detail need not repeat it.
			detail = strings.TrimPrefix(detail, single+": ")
		}
		row := []cell{{text: when}, {text: orDash(e.User)}, {text: orDash(e.Event)}, {text: orDash(detail)}}
		if single != "" {
			row = append(row[:1], row[2:]...)
		}
		if e.Attributed {
			c := colAlert
			for j := range row {
				row[j].color = &c
			}
			row[0].bold, row[len(row)-2].bold = true, true
		}
		rows = append(rows, row)
	}
	cols := []column{{"Time (UTC)", 27}, {"User", 38}, {"Event", 44}, {"Detail", 71}}
	if single != "" {
		cols = []column{{"Time (UTC)", 27}, {"Event", 56}, {"Detail", 97}}
	}
	r.table(cols, rows, 7)
	if shownN < len(evs) {
		r.para(fmt.Sprintf("… %d more events — full timeline in the workbook (report.xlsx), sheet Timeline.", len(evs)-shownN), muted, marginX, contentW)
		r.y += 1.5
	}
}

// markAttackerSignIns marks the successful sign-ins that the sign-in
// checks attribute to the attacker (IR-SIG-001/002 group them by user,
// client and address), so the attacker's legacy sign-ins stand out in the
// timeline like their changes do. The rows themselves are the timeline's.
func markAttackerSignIns(evs []describe.TimelineEvent, doc *checks.Document) {
	type origin struct{ client, ip string }
	// attributed maps an origin to whether every successful sign-in from
	// it counts (legacy protocols), or only those with a password alone.
	attributed := map[origin]bool{}
	for _, r := range doc.Results {
		if r.ID != "IR-SIG-001" && r.ID != "IR-SIG-002" {
			continue
		}
		for _, a := range r.Affected {
			p := strings.Split(a.ID, "|")
			if a.Kind != "signIn" || !a.Attributed || len(p) != 3 {
				continue
			}
			// IR-SIG-002 groups single-factor sign-ins only; the same client
			// and address may also have signed in with MFA.
			o := origin{strings.ToLower(firstOf(a.Extra["client"], p[1])), p[2]}
			attributed[o] = attributed[o] || r.ID == "IR-SIG-001"
		}
	}
	for i, e := range evs {
		if e.Attributed || e.Source != "sign-in log" || !strings.HasSuffix(e.Event, " succeeded") {
			continue
		}
		client := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(e.Event, "Sign-in via "), " succeeded"))
		for o, any := range attributed {
			if o.client != client || (!any && !strings.Contains(e.Detail, "password only")) {
				continue
			}
			if d := e.Detail + ","; strings.Contains(d, "from "+o.ip+",") {
				evs[i].Attributed = true
				break
			}
		}
	}
}

func timelineRank(e describe.TimelineEvent) int {
	switch {
	case e.Attributed:
		return 0
	case e.Source == "sign-in log":
		return 1
	}
	return 2
}
