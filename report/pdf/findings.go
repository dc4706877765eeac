package pdf

import (
	"fmt"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/checks"
)

// isFinding reports results listed in full in the findings: everything but
// passes and the not-evaluable statuses, which get their own tables.
func isFinding(s checks.Status) bool {
	switch s {
	case checks.StatusPass, checks.StatusUnknown, checks.StatusNotApplicable:
		return false
	}
	return true
}

// category groups findings under one heading.
type category struct {
	name     string
	incident bool
	results  []checks.Result
}

// byCategory groups the findings: incident categories first, then the
// others alphabetically; within each, by severity, then ID.
func byCategory(results []checks.Result) []category {
	idx := map[string]int{}
	var cats []category
	for _, res := range results {
		if !isFinding(res.Status) {
			continue
		}
		name := res.Category
		if name == "" {
			name = "Other"
		}
		i, ok := idx[name]
		if !ok {
			i = len(cats)
			idx[name] = i
			cats = append(cats, category{name: name})
		}
		cats[i].results = append(cats[i].results, res)
		cats[i].incident = cats[i].incident || res.Incident
	}
	sort.SliceStable(cats, func(i, j int) bool {
		if cats[i].incident != cats[j].incident {
			return cats[i].incident
		}
		return cats[i].name < cats[j].name
	})
	for _, c := range cats {
		sort.SliceStable(c.results, func(i, j int) bool {
			a, b := c.results[i], c.results[j]
			if a.Severity.Rank() != b.Severity.Rank() {
				return a.Severity.Rank() < b.Severity.Rank()
			}
			return a.ID < b.ID
		})
	}
	return cats
}

func (r *renderer) findings() error {
	cats := byCategory(r.doc.Results)
	if len(cats) == 0 {
		// Nothing to detail: no need for a page of its own.
		r.y += 4
		r.heading("Findings", 0)
		msg := "No findings: every check that could be evaluated passed."
		if len(r.doc.Results) == 0 {
			msg = "No findings: the results contain no checks."
		}
		r.para(msg, textStyle{size: 10, color: colText}, marginX, contentW)
		return nil
	}
	r.sectionBreak()
	r.headingWith("Findings", 0, 14+r.findingHead(cats[0].results[0]))
	n := 0
	for _, c := range cats {
		n += len(c.results)
	}
	r.para(fmt.Sprintf("%d checks need attention, grouped by category and ordered by severity. "+
		"Each names the objects concerned and how to fix it; remediation.ps1 carries a script block where one exists.", n),
		textStyle{size: 9, color: colMuted}, marginX, contentW)
	r.y += 2
	for _, c := range cats {
		r.headingWith(fmt.Sprintf("%s (%d)", c.name, len(c.results)), 1, r.findingHead(c.results[0]))
		for _, res := range c.results {
			if err := r.checkCtx(); err != nil {
				return err
			}
			r.finding(res)
		}
	}
	return nil
}

// findingHead is the height kept together at the start of a finding:
// badges, title and the first lines.
func (r *renderer) findingHead(res checks.Result) float64 {
	titleSt := textStyle{size: 10.5, bold: true, color: colText}
	titleLines := r.l.wrap(res.ID+"  "+res.Title, contentW, titleSt, false)
	return 3 + lineH(7) + 0.8 + 1.5 + float64(len(titleLines))*lineH(10.5) + 4*lineH(9)
}

// finding draws one non-passing check.
func (r *renderer) finding(res checks.Result) {
	titleSt := textStyle{size: 10.5, bold: true, color: colText}
	titleX := marginX
	badgeH := lineH(7) + 0.8
	// Keep the badges, title and the first lines together.
	titleLines := r.l.wrap(res.ID+"  "+res.Title, contentW, titleSt, false)
	r.need(r.findingHead(res))
	r.y += 1
	r.f.SetDrawColor(colRule.r, colRule.g, colRule.b)
	r.f.SetLineWidth(0.3)
	r.f.Line(marginX, r.y, pageW-marginX, r.y)
	r.y += 2
	r.bookmark(res.ID+" "+res.Title, 2)
	x := marginX
	x += r.badge(x, r.y, statusLabel(res.Status), statusColor(res.Status), 7) + 1.5
	x += r.badge(x, r.y, upper(string(res.Severity)), severityColor(res.Severity), 7) + 1.5
	if res.Accepted != nil {
		label, c := "ACCEPTED RISK", colAccepted
		if res.Accepted.Expired {
			label, c = "ACCEPTANCE EXPIRED", colAlert
		}
		r.badge(x, r.y, label, c, 7)
	}
	r.y += badgeH + 1.5
	for _, ln := range titleLines {
		r.l.drawLine(titleX, r.y+baseline(lineH(10.5), 10.5), ln, titleSt)
		r.y += lineH(10.5)
	}
	r.y += 1

	if a := res.Accepted; a != nil {
		who := orDash(a.Owner)
		var text string
		if a.Expired {
			text = fmt.Sprintf("Accepted by %s until %s; the acceptance has EXPIRED and no longer counts. Renew it or fix the finding.", who, orDash(a.Expires))
		} else {
			text = fmt.Sprintf("Risk accepted by %s until %s. It is still evaluated and shown here.", who, orDash(a.Expires))
		}
		if a.Reason != "" {
			text += "\nReason: " + a.Reason
		}
		if len(a.Objects) > 0 {
			text += "\nCovers: " + strings.Join(a.Objects, ", ")
		}
		r.para(text, textStyle{size: 9, color: colAccepted}, marginX, contentW)
		r.y += 1.2
	}
	refs := references(res.References)
	refSt := textStyle{size: 7.5, color: colMuted}
	// The References line stays with the end of its finding: the last
	// block drawn before it keeps its last line (or row) with it.
	tail := r.paraH(refs, refSt, contentW)
	if tail > 0 {
		tail += 1.5 // the space after the block
	}
	rem := res.Remediation
	hasRem := rem.Summary != "" || len(rem.Steps) > 0 || rem.Script
	r.labelled("Why it matters", res.Rationale, marginX, contentW)
	if !hasRem && len(res.Affected) == 0 {
		r.tail = tail
	}
	r.labelled("Finding", res.Summary, marginX, contentW)
	if len(res.Affected) > 0 {
		if !hasRem {
			r.tail = tail
		}
		r.affected(res)
	}
	if hasRem {
		r.tail = tail
	}
	r.remediation(rem, res.Incident)
	r.tail = 0
	if refs != "" {
		r.para(refs, refSt, marginX, contentW)
	}
	r.y += 2
}

// affected lists the first objects of a finding and counts the rest.
func (r *renderer) affected(res checks.Result) {
	n := len(res.Affected)
	shown := res.Affected[:min(n, r.opt.MaxAffected)]
	withTime := false
	for _, a := range shown {
		if a.Time != nil || a.Actor != "" {
			withTime = true
			break
		}
	}
	var cols []column
	if withTime {
		cols = []column{{"Name", 40}, {"ID", 32}, {"When / by", 42}, {"Detail", 66}}
	} else {
		cols = []column{{"Name", 55}, {"ID", 50}, {"Detail", 75}}
	}
	rows := make([][]cell, 0, len(shown))
	for _, a := range shown {
		name := a.Name
		if name == "" {
			name = "—"
		}
		if a.Kind != "" {
			name += " (" + a.Kind + ")"
		}
		detail := a.Detail
		if a.Attributed {
			detail = strings.TrimSpace("Attributed to the attacker. " + detail)
		}
		if a.Accepted {
			detail = strings.TrimSpace("[accepted] " + detail)
		}
		row := []cell{{text: name}, {text: orDash(a.ID)}}
		if withTime {
			when := ""
			if a.Time != nil {
				when = fmtDate(*a.Time)
			}
			if a.Actor != "" {
				when = strings.TrimSpace(when + "\nby " + a.Actor)
			}
			row = append(row, cell{text: orDash(when), lines: true})
		}
		row = append(row, cell{text: orDash(detail)})
		rows = append(rows, row)
	}
	// Keep the label with the table header and its first row.
	r.need(lineH(9) + 0.5 + r.tableLead(cols, rows, 7.5))
	r.para(fmt.Sprintf("Affected objects (%d)", n), textStyle{size: 9, bold: true, color: colText}, marginX, contentW)
	r.y += 0.5
	r.table(cols, rows, 7.5)
	if n > len(shown) {
		r.para(fmt.Sprintf("… and %d more — full list in the workbook (report.xlsx, sheet Affected objects).", n-len(shown)),
			textStyle{size: 8.5, color: colMuted}, marginX, contentW)
		r.y += 1.5
	}
}

func (r *renderer) remediation(rem checks.Remediation, incident bool) {
	if rem.Summary == "" && len(rem.Steps) == 0 && !rem.Script {
		return
	}
	body := textStyle{size: 9, color: colText}
	r.need(3*lineH(9) + r.tail)
	r.para("How to fix", textStyle{size: 9, bold: true, color: colText}, marginX, contentW)
	if rem.Summary != "" {
		r.para(rem.Summary, body, marginX, contentW)
	}
	for i, s := range rem.Steps {
		num := fmt.Sprintf("%d.", i+1)
		if h := r.paraH(s, body, contentW-7) + r.tail; i == len(rem.Steps)-1 && !rem.Script && h < contentBot-contentTop {
			r.need(h) // the last step stays with the References line
		} else {
			r.need(lineH(9))
		}
		top := r.y
		nl := r.l.wrap(num, 10, body, false)[0]
		r.l.drawLine(marginX+1, top+baseline(lineH(9), 9), nl, body)
		r.para(s, body, marginX+7, contentW-7)
	}
	switch {
	case rem.Script && incident:
		r.para("The containment script (incident-<user>.ps1) acts on the objects attributed to the attacker: read it, run it with -WhatIf first, then apply.",
			textStyle{size: 8.5, color: colAccepted}, marginX, contentW)
	case rem.Script:
		r.para("remediation.ps1 has a block for this check: read it, run it with -WhatIf first, then apply.",
			textStyle{size: 8.5, color: colAccepted}, marginX, contentW)
	}
	r.y += 1.2
}

func references(ref checks.References) string {
	var parts []string
	if len(ref.CIS) > 0 {
		p := "CIS " + strings.Join(ref.CIS, ", ")
		if ref.CISVersion != "" {
			p += " (v" + strings.TrimPrefix(ref.CISVersion, "v") + ")"
		}
		parts = append(parts, p)
	}
	if len(ref.SCuBA) > 0 {
		parts = append(parts, "SCuBA "+strings.Join(ref.SCuBA, ", "))
	}
	parts = append(parts, ref.Other...)
	if len(parts) == 0 {
		return ""
	}
	return "References: " + strings.Join(parts, "  ·  ")
}

// notEvaluable lists unknown and not-applicable checks with their reasons.
func (r *renderer) notEvaluable() error {
	var rows [][]cell
	var list []checks.Result
	for _, res := range r.doc.Results {
		if res.Status == checks.StatusUnknown || res.Status == checks.StatusNotApplicable {
			list = append(list, res)
		}
	}
	if len(list) == 0 {
		return nil
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Status != list[j].Status {
			return list[i].Status == checks.StatusUnknown
		}
		return list[i].ID < list[j].ID
	})
	for _, res := range list {
		c := statusColor(res.Status)
		rows = append(rows, []cell{
			{text: res.ID, bold: true},
			{text: res.Title},
			{text: statusLabel(res.Status), bold: true, color: &c},
			{text: orDash(res.Summary), lines: true},
		})
	}
	intro := "Unknown: the data the check needs was not collected (the reason says which permission or licence is missing). " +
		"N/A: the licence or feature the check concerns is absent. None of these count as passed."
	introSt := textStyle{size: 8.5, color: colMuted}
	cols := []column{{"ID", 38}, {"Check", 58}, {"Status", 20}, {"Reason", 64}}
	r.y += 4
	r.headingWith("Checks that could not be evaluated", 0, r.paraH(intro, introSt, contentW)+1.5+r.tableLead(cols, rows, 7.5))
	r.para(intro, introSt, marginX, contentW)
	r.y += 1.5
	r.table(cols, rows, 7.5)
	return r.checkCtx()
}

// passed lists passing checks compactly.
func (r *renderer) passed() error {
	var list []checks.Result
	for _, res := range r.doc.Results {
		if res.Status == checks.StatusPass {
			list = append(list, res)
		}
	}
	if len(list) == 0 {
		return nil
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	rows := make([][]cell, 0, len(list))
	for _, res := range list {
		c := severityColor(res.Severity)
		rows = append(rows, []cell{
			{text: res.ID, bold: true},
			{text: res.Title},
			{text: orDash(res.Category)},
			{text: capitalise(string(res.Severity)), color: &c},
		})
	}
	cols := []column{{"ID", 38}, {"Check", 84}, {"Category", 40}, {"Severity", 18}}
	r.y += 4
	r.headingWith("Passed checks", 0, r.tableLead(cols, rows, 7.5))
	r.table(cols, rows, 7.5)
	return r.checkCtx()
}
