package pdf

import (
	"fmt"
	"strings"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/internal/phrase"
	"github.com/m365audit/m365audit/report/model"
)

// Caps keep the incident section readable; the workbook has every row.
const (
	maxChangeRows    = 10 // per kind of change
	maxPlanItems     = 8  // per containment step
	maxReviewRows    = 15
	maxHardening     = 12
	maxTimelineRows  = 40
	maxRecipientRows = 60 // per compromised account
)

// incidentSection draws the incident part of the report, first thing after
// the title: what happened, what the attacker changed, what is still open,
// what the containment script will do, and the timeline. Everything comes
// from the report model, so it agrees with the findings, the workbook and
// the scripts.
func (r *renderer) incidentSection() error {
	m := r.rep.Incident
	if m == nil {
		return nil
	}
	body := textStyle{size: 9, color: colText}
	muted := textStyle{size: 8.5, color: colMuted}

	r.heading("Incident response: compromised account", 0)
	var names []string
	for _, u := range m.Users {
		names = append(names, u.Label)
	}
	if len(names) == 0 {
		names = []string{"(no user named)"}
	}
	end := fmtDate(m.End)
	if m.EndIsCollection {
		end += " (data collection)"
	}
	r.para(fmt.Sprintf("Investigated: %s. Window: %s to %s.", phrase.AndList(names), fmtDate(m.Start), end), body, marginX, contentW)
	r.para("This section comes first because it is what to act on now. The full findings, the score and the coverage follow it.", muted, marginX, contentW)
	r.y += 2
	r.containmentBox(m)

	r.heading("What happened", 1)
	for _, s := range m.Happened {
		r.bullet("•", s, body, 0)
	}
	if len(m.Cannot) > 0 {
		r.y += 1
		r.need(2 * lineH(9))
		r.para("Could not be answered from this snapshot", textStyle{size: 9, bold: true, color: colFair}, marginX, contentW)
		for _, s := range m.Cannot {
			r.bullet("•", s, body, 0)
		}
	}
	r.y += 1
	if err := r.checkCtx(); err != nil {
		return err
	}

	r.mailReach(m)
	r.attackerChanges(m)
	r.stillOpen(m)
	if err := r.checkCtx(); err != nil {
		return err
	}
	r.containment(m)
	r.timeline(m)
	return r.checkCtx()
}

// containmentBox states at a glance whether the accounts are contained.
func (r *renderer) containmentBox(m *model.Incident) {
	st := m.Status
	changes := fmt.Sprintf("%s attributed to the attacker (listed below).", phrase.Plural(m.NChanges, "change in the tenant is", "changes in the tenant are"))
	for _, a := range st.Restricted {
		changes += fmt.Sprintf("\nExchange Online: %s is %s.", a.Name, orDash(a.Detail))
	}
	switch st.State {
	case model.StateNotChecked:
		r.box("CONTAINMENT NOT CHECKED", "The containment check (IR-USR-002) did not run. "+changes, colFair, rgb{255, 247, 237})
	case model.StateContained:
		r.box("ACCOUNTS CONTAINED", st.Summary+"\n"+changes, colGood, rgb{236, 253, 243})
	case model.StateUnknown:
		r.box("CONTAINMENT UNKNOWN", st.Summary+"\n"+changes, colFair, rgb{255, 247, 237})
	default:
		var b strings.Builder
		if len(st.Accounts) == 0 {
			b.WriteString(st.Summary)
		}
		for i, a := range st.Accounts {
			if i > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "• %s: %s", a.Name, orDash(a.Detail))
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

func (r *renderer) attackerChanges(m *model.Incident) {
	r.heading("What the attacker changed", 1)
	body := textStyle{size: 9, color: colText}
	if len(m.Changes) == 0 {
		r.para("No change in the tenant is attributed to the incident users in the window.", body, marginX, contentW)
		r.y += 2
		return
	}
	r.para("Objects created or changed by the incident users inside the window, which the incident checks attribute to the attacker.",
		textStyle{size: 8.5, color: colMuted}, marginX, contentW)
	r.y += 1
	for _, g := range m.Changes {
		r.need(lineH(9.5) + 3*(lineH(7.5)+2.4))
		r.para(fmt.Sprintf("%s (%d) · %s", g.Title, len(g.Objects), strings.Join(g.Checks(), ", ")), textStyle{size: 9.5, bold: true, color: colHeading}, marginX, contentW)
		r.y += 0.5
		shown := g.Objects[:min(len(g.Objects), maxChangeRows)]
		rows := make([][]cell, 0, len(shown))
		for _, o := range shown {
			rows = append(rows, []cell{
				{text: whenOf(o.Affected)},
				{text: orDash(o.Affected.Name)},
				{text: orDash(o.Affected.Detail)},
				{text: orDash(o.Affected.Actor)},
			})
		}
		r.table([]column{{"When (UTC)", 25}, {"Object", 47}, {"Detail", 66}, {"By", 42}}, rows, 7.5)
		if n := len(g.Objects) - len(shown); n > 0 {
			r.para(fmt.Sprintf("… and %d more — full list in the workbook (report.xlsx).", n), textStyle{size: 8.5, color: colMuted}, marginX, contentW)
			r.y += 1.5
		}
	}
}

// mailReach draws who received the attacker's mail (the model's list, the
// same as the workbook's Recipients to warn sheet and recipients-<user>.csv).
func (r *renderer) mailReach(m *model.Incident) {
	mr := m.Mail
	if mr == nil {
		return
	}
	r.heading("Who received the attacker's mail", 1)
	body := textStyle{size: 9, color: colText}
	muted := textStyle{size: 8.5, color: colMuted}
	if len(mr.Senders) == 0 {
		switch {
		case model.NotEvaluated(mr.Status):
			r.para("Not known: "+orDash(mr.Summary), body, marginX, contentW)
		default:
			r.para("No mail in the message trace is attributed to the attacker. "+orDash(mr.Summary), body, marginX, contentW)
		}
		r.y += 2
		return
	}
	all, ext := mr.Total()
	r.para(fmt.Sprintf("Warn these people: %s, %d outside the organisation (they cannot be reached by a purge, only by a warning). "+
		"Ask them to delete the message and to report any reply, click or payment.", phrase.Plural(all, "person received", "people received")+" the attacker's mail", ext),
		body, marginX, contentW)
	r.y += 1
	for _, s := range mr.Senders {
		r.need(lineH(9.5) + 3*(lineH(7.5)+2.4))
		r.para(fmt.Sprintf("From %s: %s in %s, %s to %s · list for a mail merge: %s", s.Label, phrase.Plural(s.Messages, "message", "messages"),
			phrase.Plural(s.Bursts, "burst", "bursts"), shortTime(s.First), shortTime(s.Last), s.File), textStyle{size: 9.5, bold: true, color: colHeading}, marginX, contentW)
		r.y += 0.5
		shown := s.Recipients[:min(len(s.Recipients), maxRecipientRows)]
		rows := make([][]cell, 0, len(shown))
		for _, rc := range shown {
			where := "internal"
			if rc.External {
				where = "external"
			}
			rows = append(rows, []cell{{text: rc.Address}, {text: where}, {text: fmt.Sprint(rc.Messages)},
				{text: shortTime(rc.First)}, {text: shortTime(rc.Last)}, {text: orDash(strings.Join(rc.Subjects, " | "))}})
		}
		r.table([]column{{"Recipient", 42}, {"Where", 14}, {"Messages", 18}, {"First (UTC)", 27}, {"Last (UTC)", 27}, {"Subjects", 52}}, rows, 7.5)
		if n := len(s.Recipients) - len(shown); n > 0 {
			r.para(fmt.Sprintf("… and %d more — full list in %s and in the workbook (report.xlsx), sheet Recipients to warn.", n, s.File), muted, marginX, contentW)
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

func (r *renderer) stillOpen(m *model.Incident) {
	r.heading("What is still open", 1)
	body := textStyle{size: 9, color: colText}
	if len(m.Open) == 0 {
		r.para("No incident check fails or warns.", body, marginX, contentW)
		r.y += 1
	} else {
		rows := make([][]cell, 0, len(m.Open))
		for _, res := range m.Open {
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
	if len(m.Posture) == 0 {
		r.para("None of the configuration checks on MFA, legacy protocols, guest invitations and user consent fails.", body, marginX, contentW)
		r.y += 2
		return
	}
	rows := make([][]cell, 0, len(m.Posture))
	for _, p := range m.Posture {
		c := severityColor(p.Severity)
		rows = append(rows, []cell{
			{text: capitalise(string(p.Severity)), bold: true, color: &c},
			{text: p.ID + "\n" + p.Title, lines: true},
			{text: orDash(p.Line)},
		})
	}
	r.table([]column{{"Severity", 18}, {"Configuration check", 62}, {"Finding", 100}}, rows, 7.5)
}

func (r *renderer) containment(m *model.Incident) {
	r.heading("What the containment script will do", 1)
	body := textStyle{size: 9, color: colText}
	small := textStyle{size: 8.5, color: colText}
	muted := textStyle{size: 8.5, color: colMuted}
	r.para("One script per incident user. It acts on exactly the objects below, which the incident checks attribute to the attacker, "+
		"and on nothing else. Read it and run it with -WhatIf first.", muted, marginX, contentW)
	r.y += 1
	for _, p := range m.Plans {
		r.heading(p.User.Label, 2)
		if p.Containment == nil || len(p.Containment.Steps) == 0 {
			r.para("No containment script can be planned for this user: the account could not be tied to an object id (it is not in the "+
				"snapshot's directory, and the containment check IR-USR-002 holds no evidence for it). Block sign-in, reset the password "+
				"and revoke the sessions by hand, then remove the objects listed under What the attacker changed.", body, marginX, contentW)
			r.y += 1.5
			continue
		}
		r.para("Script: "+p.Script, textStyle{size: 8.5, bold: true, color: colAccepted}, marginX, contentW)
		r.y += 0.5
		for i, st := range p.Steps {
			r.bullet(fmt.Sprintf("%d.", i+1), st.Text, body, 0)
			for j, it := range st.Items {
				if j == maxPlanItems {
					r.bullet("–", fmt.Sprintf("… and %d more — full list in the workbook (report.xlsx) and in the script.", len(st.Items)-maxPlanItems), muted, 6)
					break
				}
				r.bullet("–", it, small, 6)
			}
		}
		if len(p.Evidence) > 0 {
			r.y += 0.5
			r.para("Already deleted, evidence only (not a script step: nothing to remove):", body, marginX, contentW)
			for j, it := range p.Evidence {
				if j == maxPlanItems {
					r.bullet("–", fmt.Sprintf("… and %d more — full list in the script.", len(p.Evidence)-maxPlanItems), muted, 6)
					break
				}
				r.bullet("–", it, small, 6)
			}
		}
		r.y += 1.5
	}

	// What the scripts list for review without changing it.
	review := m.Review()
	r.need(lineH(9.5) + 3*(lineH(7.5)+2.4))
	r.para("For review only (no script changes these)", textStyle{size: 9.5, bold: true, color: colHeading}, marginX, contentW)
	r.y += 0.5
	switch {
	case !m.Planned():
		r.para("No containment script could be planned, so none lists objects for review: every incident finding is in the findings below.", body, marginX, contentW)
		r.y += 1.5
	case len(review) == 0:
		r.para("Nothing: the containment scripts list no object for review.", body, marginX, contentW)
		r.y += 1.5
	default:
		r.para("Objects the incident checks found that the scripts leave to a person: not attributed to the attacker, "+
			"or of a kind no script step handles (apps, delegations, role and configuration changes). Sign-ins are evidence: they are in the Timeline below; "+
			"the attacker's mail is under Who received the attacker's mail, above.",
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
	if len(m.Hardening) == 0 {
		r.para("remediation.ps1 changes nothing in this tenant: no failing configuration check has a scripted fix.", body, marginX, contentW)
	} else {
		r.para("remediation.ps1 hardens the tenant so the same attack fails next time; it changes only what is wrong. Its blocks, worst first:", body, marginX, contentW)
		for i, res := range m.Hardening {
			if i == maxHardening {
				r.para(fmt.Sprintf("… and %d more, in the findings and in remediation.ps1.", len(m.Hardening)-maxHardening), muted, marginX+4.5, contentW-4.5)
				break
			}
			r.bullet("•", res.ID+": "+res.Title, small, 0)
		}
	}
	if len(m.Templates) > 0 {
		r.y += 1
		r.para("Manual: templates to complete in remediation.ps1 (as written they change nothing):", body, marginX, contentW)
		for _, res := range m.Templates {
			r.bullet("•", res.ID+": "+res.Title, small, 0)
		}
	}
	r.y += 2
}

// timeline draws the model's timeline, the same events as the workbook's
// Timeline sheet. Over the cap, attributed events are kept first, then
// sign-ins, then the earliest audit-log events.
func (r *renderer) timeline(m *model.Incident) {
	evs := m.Timeline
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
	single := m.SingleUser()
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

func timelineRank(e model.TimelineEvent) int {
	switch {
	case e.Attributed:
		return 0
	case e.SignIn != nil:
		return 1
	}
	return 2
}
