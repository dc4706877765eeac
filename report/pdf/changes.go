package pdf

import (
	"fmt"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/report/model"
)

// maxChangeLines caps each list of the "Since the last report" section;
// the workbook's Changes sheet has every row.
const maxChangeLines = 12

// changes draws "Since the last report" (audit --baseline): the score then
// and now, what was fixed, what regressed, and the new risks. Without a
// baseline it draws nothing.
func (r *renderer) changes() error {
	c := r.rep.Changes
	if c == nil {
		return nil
	}
	r.heading("Since the last report", 0)
	body := textStyle{size: 9, color: colText}
	muted := textStyle{size: 8.5, color: colMuted}
	scoreSt := textStyle{size: 11, bold: true, color: colText}
	_, then := scoreBand(c.From.Score)
	_, now := scoreBand(c.To.Score)
	r.need(3 * lineH(11))
	r.l.drawSpans(marginX, r.y+baseline(lineH(11), 11), contentW, []span{
		{fmt.Sprintf("Score %.1f%%", c.From.Score), textStyle{size: 11, bold: true, color: then}},
		{fmt.Sprintf(" on %s → ", fmtDay(c.From.CollectedAt)), scoreSt},
		{fmt.Sprintf("%.1f%%", c.To.Score), textStyle{size: 11, bold: true, color: now}},
		{fmt.Sprintf(" on %s (%s)", fmtDay(c.To.CollectedAt), c.ScoreDelta), scoreSt},
	})
	r.y += lineH(11) + 1
	if c.ComparableText != "" {
		r.para(c.ComparableText, body, marginX, contentW)
		r.y += 1.5
	}
	r.para(fmt.Sprintf("%d fixed, %d regressed, %d change(s) to review among the tenant's objects.", len(c.Fixed), len(c.Regressed), c.NewRisks()), body, marginX, contentW)
	r.y += 1.5
	if !c.ObjectsCompared {
		r.box("Only verdicts were compared", "The previous audit was given as results without its snapshot, so the objects that changed (new administrators, guests, applications, policy edits) cannot be listed.", colHeading, colInfoBg)
	}
	if c.Empty() {
		r.para("Nothing changed since the last report: every check has the same result and no configuration object was added, removed or modified.", body, marginX, contentW)
		r.y += 2
		return r.checkCtx()
	}
	r.checkList("Fixed", c.Fixed, "Nothing that failed last time passes now.")
	r.checkList("Regressed", c.Regressed, "Nothing that passed last time fails now.")
	if c.ObjectsCompared {
		r.heading("New risks", 1)
		none := true
		for _, g := range []struct {
			title string
			lines []model.ObjectLine
		}{
			{"New privileged role holders", c.NewRoleHolders},
			{"New guests", c.NewGuests},
			{"New applications", c.NewApps},
			{"New or changed consents", c.NewConsents},
			{"Policy changes", c.PolicyChanges},
		} {
			if len(g.lines) == 0 {
				continue
			}
			none = false
			r.objectList(g.title, g.lines)
		}
		if none {
			r.para("No new privileged role holder, guest, application or consent, and no policy change.", body, marginX, contentW)
			r.y += 2
		}
	}
	if c.NotRunNote != "" {
		r.para(c.NotRunNote, muted, marginX, contentW)
		r.y += 1
	}
	if n := len(c.Other); n > 0 {
		r.para(fmt.Sprintf("%d other check(s) changed their findings or their coverage; the workbook's Changes sheet lists every change.", n), muted, marginX, contentW)
		r.y += 2
	}
	return r.checkCtx()
}

func (r *renderer) checkList(title string, lines []model.CheckLine, none string) {
	r.heading(fmt.Sprintf("%s (%d)", title, len(lines)), 1)
	if len(lines) == 0 {
		r.para(none, textStyle{size: 9, color: colText}, marginX, contentW)
		r.y += 2
		return
	}
	for i, l := range lines {
		if i == maxChangeLines {
			r.para(fmt.Sprintf("… and %d more in the workbook's Changes sheet.", len(lines)-maxChangeLines), textStyle{size: 8.5, color: colMuted}, marginX+4, contentW-4)
			break
		}
		r.need(2 * lineH(9))
		w := r.badge(marginX, r.y+0.3, upper(string(l.Severity)), severityColor(l.Severity), 6.5)
		x := marginX + max(w, 17) + 2
		r.para(l.ID+"  "+l.Title, textStyle{size: 9, bold: true, color: colText}, x, contentW-(x-marginX))
		r.para(fmt.Sprintf("%s → %s", statusLabel(l.From), statusLabel(l.To)), textStyle{size: 8.5, bold: true, color: statusColor(checks.Status(l.To))}, x, contentW-(x-marginX))
		if l.Because != "" {
			r.para("Because: "+l.Because, textStyle{size: 8.5, color: colText}, x, contentW-(x-marginX))
		}
		r.y += 1.5
	}
	r.y += 1
}

func (r *renderer) objectList(title string, lines []model.ObjectLine) {
	r.heading(fmt.Sprintf("%s (%d)", title, len(lines)), 2)
	var rows [][]cell
	for i, l := range lines {
		if i == maxChangeLines {
			rows = append(rows, []cell{{text: fmt.Sprintf("… and %d more in the workbook", len(lines)-maxChangeLines), color: &colMuted}})
			break
		}
		detail := l.Detail
		if l.Fields != "" {
			detail = l.Fields
		}
		rows = append(rows, []cell{{text: l.Name, bold: true, lines: true}, {text: l.What}, {text: string(l.Change)}, {text: detail}})
	}
	r.table([]column{{"Name", 55}, {"Object", 35}, {"Change", 18}, {"Detail", contentW - 108}}, rows, 8)
}
