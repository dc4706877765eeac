package pdf

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/describe"
)

// maxTopRisks is how many risks the executive summary names.
const maxTopRisks = 5

// summary draws the executive summary (page 1).
func (r *renderer) summary() error {
	d := r.doc
	if d.Incident == nil {
		r.bookmark("Executive summary", 0)
	}
	r.para("Microsoft 365 security audit", textStyle{size: 20, bold: true, color: colHeading}, marginX, contentW)
	r.para(tenantName(d), textStyle{size: 13, bold: true, color: colText}, marginX, contentW)
	r.y += 1
	meta := textStyle{size: 8.5, color: colMuted}
	var facts []string
	if d.Tenant.PrimaryDomain != "" {
		facts = append(facts, "Domain: "+d.Tenant.PrimaryDomain)
	}
	if d.Tenant.ID != "" {
		facts = append(facts, "Tenant ID: "+d.Tenant.ID)
	}
	if d.Cloud != "" {
		facts = append(facts, "Cloud: "+d.Cloud)
	}
	r.para(strings.Join(facts, "   ·   "), meta, marginX, contentW)
	lic := "licences unknown (subscribed SKUs not collected)"
	if d.Licences.Known {
		switch {
		case d.Licences.P2:
			lic = "Entra ID P2"
		case d.Licences.P1:
			lic = "Entra ID P1"
		default:
			lic = "no Entra ID P1/P2"
		}
	}
	r.para(fmt.Sprintf("Data collected %s   ·   Report generated %s   ·   %s   ·   %s",
		fmtDate(d.CollectedAt), fmtDate(d.GeneratedAt), toolName(d), lic), meta, marginX, contentW)
	ev := r.rep.Evidence
	digest := "not recorded"
	if ev.Digest != "" {
		digest = "SHA-256 " + ev.Digest
	}
	r.para("Snapshot digest: "+digest+"   ·   Signature: "+ev.Signature, meta, marginX, contentW)
	r.y += 3

	if len(d.Integrity) > 0 {
		r.integrityWarning()
	}
	r.evidenceWarning()
	if r.rep.Incident != nil {
		// After an account compromise the incident is what the reader
		// acts on first; the executive summary follows on its own page.
		if err := r.incidentSection(); err != nil {
			return err
		}
		r.newPage()
		r.heading("Executive summary", 0)
	}

	r.scorePanel()
	r.topRisks()
	r.coverage()
	return r.checkCtx()
}

// evidenceWarning says, for a snapshot that is not trusted, why, and what
// became of the scripts that change the tenant.
func (r *renderer) evidenceWarning() {
	ev, sp := r.rep.Evidence, r.rep.Scripts
	if ev.Trusted {
		return
	}
	var lines []string
	for _, w := range ev.Warnings {
		if len(r.doc.Integrity) > 0 && r.doc.Evidence.Tampered && strings.HasPrefix(w, "Snapshot files failed verification") {
			continue // the integrity warning above lists the files
		}
		lines = append(lines, w)
	}
	switch {
	case sp.Refused != nil:
		lines = append(lines, "remediation.ps1 and the containment scripts were not written: they change the tenant, and this snapshot is not trusted.")
	case sp.Unsafe:
		lines = append(lines, "remediation.ps1 and the containment scripts were written on request anyway: each opens with a warning and stops at a throw the administrator must delete by hand after checking every change.")
	}
	r.box("EVIDENCE NOT TRUSTED", strings.Join(lines, "\n"), colAlert, colAlertBg)
}

func (r *renderer) integrityWarning() {
	var b strings.Builder
	fmt.Fprintf(&b, "%d snapshot file(s) failed verification and were audited anyway. "+
		"The results below may rest on altered or incomplete data: do not rely on them until the "+
		"snapshot is collected again.", len(r.doc.Integrity))
	probs := append([]snapshot.IntegrityProblem(nil), r.doc.Integrity...)
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].File < probs[j].File })
	const maxShown = 8
	for i, p := range probs {
		if i == maxShown {
			fmt.Fprintf(&b, "\n• … and %d more (see results.json)", len(probs)-maxShown)
			break
		}
		name := p.File
		if p.Dataset != "" {
			name += " (" + p.Dataset + ")"
		}
		fmt.Fprintf(&b, "\n• %s: %s", name, p.Problem)
	}
	r.box("INTEGRITY WARNING: the snapshot was modified or damaged", b.String(), colAlert, colAlertBg)
}

// scorePanel draws the score gauge, the failing-by-severity bar chart and
// the status counts side by side.
func (r *renderer) scorePanel() {
	const h = 55.0
	r.need(h + 4)
	top := r.y
	s := r.doc.Score

	// Gauge: a semicircle track with the score's share drawn over it.
	cx, cy, rad := marginX+32.0, top+33.0, 24.0
	r.l.drawLine(marginX, top+4, r.l.wrap("Score", 60, textStyle{size: 10, bold: true, color: colHeading}, false)[0],
		textStyle{size: 10, bold: true, color: colHeading})
	r.f.SetLineCapStyle("butt")
	r.f.SetLineWidth(7)
	r.f.SetDrawColor(colTrack.r, colTrack.g, colTrack.b)
	r.f.Arc(cx, cy, rad, rad, 0, 0, 180, "D")
	label, sub := "n/a", "no check could be evaluated"
	if s.Possible > 0 && !math.IsNaN(s.Percent) && !math.IsInf(s.Percent, 0) {
		p := math.Max(0, math.Min(100, s.Percent))
		band, c := scoreBand(p)
		if p > 0 {
			r.f.SetDrawColor(c.r, c.g, c.b)
			r.f.Arc(cx, cy, rad, rad, 0, 180-180*p/100, 180, "D")
		}
		label = describe.ScorePercent(p)
		sub = fmt.Sprintf("%s · %.1f of %.1f points", band, s.Earned, s.Possible)
	}
	r.f.SetLineWidth(0.2)
	big := textStyle{size: 20, bold: true, color: colText}
	ln := r.l.wrap(label, 60, big, false)[0]
	r.l.drawLine(cx-ln.w/2, cy-1, ln, big)
	small := textStyle{size: 7.5, color: colMuted}
	sl := r.l.wrap(sub, 62, small, false)
	for i, l := range sl {
		r.l.drawLine(cx-l.w/2, cy+5+float64(i)*lineH(7.5), l, small)
	}
	r.l.drawLine(cx-rad-3.5, cy+4.5, r.l.wrap("0", 10, small, false)[0], small)
	hundred := r.l.wrap("100", 10, small, false)[0]
	r.l.drawLine(cx+rad+3.5-hundred.w, cy+4.5, hundred, small)

	// Failing checks by severity.
	bx := marginX + 72.0
	head := textStyle{size: 10, bold: true, color: colHeading}
	r.l.drawLine(bx, top+4, r.l.wrap("Failing checks by severity", 80, head, false)[0], head)
	maxN := 0
	for _, sev := range checks.Severities() {
		maxN = max(maxN, s.FailBySeverity[sev])
	}
	barX, barW := bx+20, 42.0
	rowSt := textStyle{size: 8.5, color: colText}
	for i, sev := range checks.Severities() {
		y := top + 9 + float64(i)*7.5
		n := s.FailBySeverity[sev]
		r.l.drawLine(bx, y+4, r.l.wrap(capitalise(string(sev)), 20, rowSt, false)[0], rowSt)
		r.f.SetFillColor(colTrack.r, colTrack.g, colTrack.b)
		r.f.Rect(barX, y+0.8, barW, 4.4, "F")
		if n > 0 && maxN > 0 {
			c := severityColor(sev)
			r.f.SetFillColor(c.r, c.g, c.b)
			r.f.Rect(barX, y+0.8, math.Max(1, barW*float64(n)/float64(maxN)), 4.4, "F")
		}
		cnt := textStyle{size: 8.5, bold: true, color: colText}
		r.l.drawLine(barX+barW+2, y+4, r.l.wrap(fmt.Sprint(n), 20, cnt, false)[0], cnt)
	}

	// Status counts.
	tx := marginX + 145.0
	r.l.drawLine(tx, top+4, r.l.wrap("Checks", 40, head, false)[0], head)
	y := top + 9.0
	for _, st := range checks.Statuses() {
		n := s.ByStatus[st]
		c := statusColor(st)
		r.badge(tx, y, statusLabel(st), c, 7)
		cnt := textStyle{size: 8.5, bold: true, color: colText}
		r.l.drawLine(tx+24, y+3.3, r.l.wrap(fmt.Sprint(n), 20, cnt, false)[0], cnt)
		y += 5.6
	}
	acc := textStyle{size: 8, color: colAccepted, bold: true}
	r.l.drawLine(tx, y+3.3, r.l.wrap(fmt.Sprintf("Accepted risks: %d", s.Accepted), 40, acc, false)[0], acc)

	r.y = top + h
	total := textStyle{size: 8, color: colMuted}
	r.para(fmt.Sprintf("%d checks in total; %d count towards the score (see How the score is computed, under Coverage).", s.Total, s.Evaluated), total, marginX, contentW)
	r.y += 3
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return upper(s[:1]) + s[1:]
}

// failing returns failing results worst first: fail before warn, then by
// severity and ID. Accepted risks are left out; they are reported as such.
func failing(results []checks.Result) []checks.Result {
	var out []checks.Result
	for _, res := range results {
		if (res.Status == checks.StatusFail || res.Status == checks.StatusWarn) && !res.IsAccepted() {
			out = append(out, res)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Status != b.Status {
			return a.Status == checks.StatusFail
		}
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() < b.Severity.Rank()
		}
		return a.ID < b.ID
	})
	return out
}

func (r *renderer) topRisks() {
	r.heading("Top risks", 1)
	risks := failing(r.doc.Results)
	if len(risks) == 0 {
		r.para("No failing checks. Accepted risks and checks that could not be evaluated are listed below.",
			textStyle{size: 9, color: colText}, marginX, contentW)
		r.y += 2
		return
	}
	for i, res := range risks {
		if i == maxTopRisks {
			r.para(fmt.Sprintf("… and %d more checks that fail or warn, in the findings below.", len(risks)-maxTopRisks),
				textStyle{size: 8.5, color: colMuted}, marginX+4, contentW-4)
			break
		}
		r.need(2 * lineH(9))
		w := r.badge(marginX, r.y+0.3, upper(string(res.Severity)), severityColor(res.Severity), 6.5)
		x := marginX + max(w, 17) + 2
		r.para(res.Title, textStyle{size: 9, bold: true, color: colText}, x, contentW-(x-marginX))
		r.para(res.Summary, textStyle{size: 9, color: colText}, x, contentW-(x-marginX))
		r.y += 1.5
	}
	r.y += 2
}

func (r *renderer) coverage() {
	c := r.doc.Coverage
	r.heading("Coverage", 1)
	body := textStyle{size: 9, color: colText}
	r.para(fmt.Sprintf("%d of %d checks evaluated; %d not evaluable because data was not collected; "+
		"%d not applicable (licence or feature absent); %d need a manual review. "+
		"A check that could not be evaluated is never counted as passed.",
		c.Evaluated, len(r.doc.Results), c.NotEvaluable, r.doc.Score.ByStatus[checks.StatusNotApplicable],
		r.doc.Score.ByStatus[checks.StatusManual]), body, marginX, contentW)
	r.y += 1.5
	defer r.formula()
	missing := r.rep.NotCollected
	if len(c.Datasets) == 0 {
		r.para("The results carry no dataset coverage information.", body, marginX, contentW)
		r.y += 2
		return
	}
	if len(missing) == 0 {
		r.para("Every dataset was collected.", body, marginX, contentW)
		r.y += 2
		return
	}
	r.need(lineH(9) + 2*(lineH(7.5)+2.4) + 3*lineH(7.5))
	r.para("Datasets not (fully) collected, and what would allow them:", textStyle{size: 9, bold: true, color: colText}, marginX, contentW)
	r.y += 1
	rows := make([][]cell, 0, len(missing))
	for _, m := range missing {
		reason := m.Reason
		if reason == "" {
			reason = "—"
		}
		stc := colAlert
		if m.Status == string(snapshot.StatusPartial) {
			stc = colFair
		}
		rows = append(rows, []cell{
			{text: m.Title},
			{text: m.Status, bold: true, color: &stc},
			{text: reason},
			{text: orDash(m.Needs)},
			{text: fmt.Sprint(m.Checks)},
		})
	}
	r.table([]column{{"Dataset", 44}, {"Status", 20}, {"Reason", 52}, {"Would be allowed by", 50}, {"Checks", 14}}, rows, 7.5)
}

// formula explains the score in the words of the results document.
func (r *renderer) formula() {
	f := strings.TrimSpace(r.doc.Score.Formula)
	if f == "" {
		return
	}
	r.need(3 * lineH(8))
	r.para("How the score is computed", textStyle{size: 8.5, bold: true, color: colText}, marginX, contentW)
	r.para(f, textStyle{size: 8, color: colMuted}, marginX, contentW)
	r.y += 2
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}
