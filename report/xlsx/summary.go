package xlsx

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/describe"
	"github.com/m365audit/m365audit/report/model"
	"github.com/xuri/excelize/v2"
)

const sheetSummary = "Summary"

// summaryValueWidth is the width of the Summary's value column.
const summaryValueWidth = 70

// summary writes the Summary sheet cell by cell (it is small).
type summary struct {
	f   *excelize.File
	st  *styles
	row int
}

func (s *summary) str(col string, row int, v string, kind cellKind, wrap bool) error {
	v = cleanText(v)
	cell := fmt.Sprintf("%s%d", col, row)
	if err := s.f.SetCellStr(sheetSummary, cell, v); err != nil {
		return fmt.Errorf("xlsx: summary %s: %w", cell, err)
	}
	id, err := s.st.id(styleKey{kind: kind, wrap: wrap, quote: formulaLike(v)})
	if err != nil {
		return err
	}
	if err := s.f.SetCellStyle(sheetSummary, cell, cell, id); err != nil {
		return fmt.Errorf("xlsx: summary %s: %w", cell, err)
	}
	return nil
}

func (s *summary) num(col string, row int, v any, kind cellKind) error {
	cell := fmt.Sprintf("%s%d", col, row)
	var err error
	switch v := v.(type) {
	case int:
		err = s.f.SetCellInt(sheetSummary, cell, int64(v))
	case float64:
		err = s.f.SetCellFloat(sheetSummary, cell, v, -1, 64)
	case time.Time:
		err = s.f.SetCellValue(sheetSummary, cell, v.UTC())
	default:
		err = fmt.Errorf("unsupported %T", v)
	}
	if err != nil {
		return fmt.Errorf("xlsx: summary %s: %w", cell, err)
	}
	id, err := s.st.id(styleKey{kind: kind})
	if err != nil {
		return err
	}
	return s.f.SetCellStyle(sheetSummary, cell, cell, id)
}

// kv writes one "label: value" line in columns A and B.
func (s *summary) kv(label, value string) error {
	if err := s.str("A", s.row, label, kindLabel, false); err != nil {
		return err
	}
	if err := s.str("B", s.row, value, kindText, true); err != nil {
		return err
	}
	if n := wrapLines(cleanText(value), summaryValueWidth); n > 1 {
		if err := s.f.SetRowHeight(sheetSummary, s.row, rowHeight(n)); err != nil {
			return fmt.Errorf("xlsx: summary: %w", err)
		}
	}
	s.row++
	return nil
}

func licenceText(l checks.Licences) string {
	switch {
	case !l.Known:
		return "unknown (subscribedSkus not collected)"
	case l.P2:
		return "Entra ID P2 (includes P1)"
	case l.P1:
		return "Entra ID P1"
	}
	return "no Entra ID P1/P2 (Conditional Access, sign-in logs and risk data are not available)"
}

// datasetReason describes why a dataset carries no (or partial) data,
// preferring the manifest's wording (it names the permission or licence).
func datasetReason(d checks.DatasetCoverage, snap *snapshot.Snapshot) string {
	if snap != nil {
		if info, ok := snap.Manifest.Datasets[d.ID]; ok {
			return describe.DatasetStatus(d.ID, info)
		}
	}
	if describe.IncidentSkipped(d.ID, snapshot.DatasetInfo{Status: d.Status}) {
		return describe.DatasetStatus(d.ID, snapshot.DatasetInfo{Status: d.Status})
	}
	s := string(d.Status)
	if d.Reason != "" {
		s += ": " + d.Reason
	}
	return s
}

// statusMatrix counts results by severity and status. The Findings sheet
// lists the same results, so the two always agree.
func statusMatrix(doc *checks.Document) map[checks.Severity]map[checks.Status]int {
	m := map[checks.Severity]map[checks.Status]int{}
	for _, r := range doc.Results {
		if m[r.Severity] == nil {
			m[r.Severity] = map[checks.Status]int{}
		}
		m[r.Severity][r.Status]++
	}
	return m
}

func writeSummary(f *excelize.File, st *styles, doc *checks.Document, snap *snapshot.Snapshot) error {
	s := &summary{f: f, st: st, row: 1}
	for _, cw := range []struct {
		col string
		w   float64
	}{{"A", 26}, {"B", summaryValueWidth}, {"C", 3}, {"D", 20}} {
		if err := f.SetColWidth(sheetSummary, cw.col, cw.col, cw.w); err != nil {
			return fmt.Errorf("xlsx: summary: %w", err)
		}
	}
	if err := f.SetColWidth(sheetSummary, "E", "L", 14); err != nil {
		return fmt.Errorf("xlsx: summary: %w", err)
	}
	if err := printLayout(f, sheetSummary); err != nil {
		return err
	}
	if err := s.str("A", 1, "Microsoft 365 security audit", kindTitle, false); err != nil {
		return err
	}
	s.row = 3
	if len(doc.Integrity) > 0 {
		msg := fmt.Sprintf("INTEGRITY WARNING: %d snapshot file(s) failed verification and were audited anyway; results may not reflect the tenant as collected.", len(doc.Integrity))
		if err := s.str("A", s.row, msg, kindAlarm, false); err != nil {
			return err
		}
		s.row++
		for _, p := range doc.Integrity {
			line := p.File
			if p.Dataset != "" {
				line += " (dataset " + p.Dataset + ")"
			}
			if err := s.str("A", s.row, line+": "+p.Problem, kindAlarm, false); err != nil {
				return err
			}
			s.row++
		}
		s.row++
	}
	top := s.row
	lines := [][2]string{
		{"Tenant", doc.Tenant.DisplayName},
		{"Tenant ID", doc.Tenant.ID},
		{"Primary domain", doc.Tenant.PrimaryDomain},
	}
	if doc.Cloud != "" {
		lines = append(lines, [2]string{"Cloud", doc.Cloud})
	}
	for _, l := range lines {
		if err := s.kv(l[0], l[1]); err != nil {
			return err
		}
	}
	for _, d := range []struct {
		label string
		t     time.Time
	}{{"Collected at", doc.CollectedAt}, {"Report generated at", doc.GeneratedAt}} {
		if err := s.str("A", s.row, d.label, kindLabel, false); err != nil {
			return err
		}
		if d.t.IsZero() {
			s.row++
			continue
		}
		if err := s.num("B", s.row, d.t, kindDate); err != nil {
			return err
		}
		s.row++
	}
	if err := s.kv("Tool", strings.TrimSpace(doc.Tool.Name+" "+doc.Tool.Version)); err != nil {
		return err
	}
	if err := s.str("A", s.row, "Score", kindLabel, false); err != nil {
		return err
	}
	if doc.Score.Possible == 0 && doc.Score.Evaluated == 0 {
		// 0% would read as "everything failed"; nothing was scored.
		if err := s.str("B", s.row, "not scored: no check could be evaluated", kindText, false); err != nil {
			return err
		}
	} else if err := s.num("B", s.row, doc.Score.Percent/100, kindPercent); err != nil {
		return err
	}
	s.row++
	more := [][2]string{
		{"Score formula", doc.Score.Formula},
		{"Score points", fmt.Sprintf("%s of %s", trimFloat(doc.Score.Earned), trimFloat(doc.Score.Possible))},
		{"Checks", fmt.Sprintf("%s; accepted risks: %d", model.Counts(doc).Sentence(), doc.Score.Accepted)},
		{"Licences", licenceText(doc.Licences)},
	}
	if subs := subscriptionsText(snap); subs != "" {
		more = append(more, [2]string{"Subscriptions", subs})
	}
	if inc := doc.Incident; inc != nil {
		users := append([]string(nil), inc.Users...)
		sort.Strings(users)
		more = append(more, [2]string{"Incident", fmt.Sprintf("users: %s; window %s to %s",
			strings.Join(users, ", "), describe.FormatTime(&inc.Start), describe.FormatTime(&inc.End))})
	}
	for _, l := range more {
		if err := s.kv(l[0], l[1]); err != nil {
			return err
		}
	}

	// Coverage: the datasets the report model counts as not collected (as
	// the PDF, HTML and console list them), with why.
	s.row++
	if err := s.str("A", s.row, "Data not collected", kindHeader, false); err != nil {
		return err
	}
	if err := s.str("B", s.row, "Why, and the checks that could not be evaluated", kindHeader, false); err != nil {
		return err
	}
	s.row++
	gap := map[string]bool{}
	for _, g := range model.NotCollected(doc, snap) {
		gap[g.ID] = true
	}
	var missing []checks.DatasetCoverage
	for _, d := range doc.Coverage.Datasets {
		if gap[d.ID] {
			missing = append(missing, d)
		}
	}
	sort.Slice(missing, func(i, j int) bool { return missing[i].ID < missing[j].ID })
	if len(missing) == 0 {
		if err := s.kv("(none)", "Every dataset was collected in full."); err != nil {
			return err
		}
	}
	for _, d := range missing {
		v := datasetReason(d, snap)
		if len(d.Omitted) > 0 {
			v += ", without " + strings.Join(d.Omitted, ", ") + " (refused by the service)"
		}
		if len(d.Checks) > 0 {
			cs := append([]string(nil), d.Checks...)
			sort.Strings(cs)
			v += fmt.Sprintf(". Checks affected (%d): %s", len(cs), strings.Join(cs, ", "))
		}
		if err := s.kv(d.ID, v); err != nil {
			return err
		}
	}

	return writeMatrix(s, doc, top)
}

func trimFloat(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

// writeMatrix writes the severity × status table at D{top} and a column
// chart of failing and warning checks by severity below it.
func writeMatrix(s *summary, doc *checks.Document, top int) error {
	m := statusMatrix(doc)
	statuses := checks.Statuses()
	cols := []string{"E", "F", "G", "H", "I", "J", "K", "L"}
	if err := s.str("D", top, "Checks by severity", kindHeader, false); err != nil {
		return err
	}
	for i, st := range statuses {
		if err := s.str(cols[i], top, string(st), kindHeader, false); err != nil {
			return err
		}
	}
	if err := s.str(cols[len(statuses)], top, "total", kindHeader, false); err != nil {
		return err
	}
	totals := map[checks.Status]int{}
	sevs := checks.Severities()
	for i, sev := range sevs {
		r := top + 1 + i
		if err := s.str("D", r, string(sev), kindSeverity, false); err != nil {
			return err
		}
		// The severity cell's fill needs the severity as its style value.
		id, err := s.st.id(styleKey{kind: kindSeverity, value: string(sev)})
		if err != nil {
			return err
		}
		if err := s.f.SetCellStyle(sheetSummary, fmt.Sprintf("D%d", r), fmt.Sprintf("D%d", r), id); err != nil {
			return err
		}
		sum := 0
		for j, st := range statuses {
			n := m[sev][st]
			totals[st] += n
			sum += n
			if err := s.num(cols[j], r, n, kindNumber); err != nil {
				return err
			}
		}
		if err := s.num(cols[len(statuses)], r, sum, kindNumber); err != nil {
			return err
		}
	}
	tr := top + 1 + len(sevs)
	if err := s.str("D", tr, "total", kindLabel, false); err != nil {
		return err
	}
	all := 0
	for j, st := range statuses {
		all += totals[st]
		if err := s.num(cols[j], tr, totals[st], kindNumber); err != nil {
			return err
		}
	}
	if err := s.num(cols[len(statuses)], tr, all, kindNumber); err != nil {
		return err
	}
	// Status colours on the header cells tie the table to the Findings fills.
	for j, st := range statuses {
		id, err := s.st.id(styleKey{kind: kindStatus, value: string(st)})
		if err != nil {
			return err
		}
		c := fmt.Sprintf("%s%d", cols[j], top)
		if err := s.f.SetCellStyle(sheetSummary, c, c, id); err != nil {
			return err
		}
	}

	first, last := top+1, top+len(sevs)
	series := func(col string, colour string) excelize.ChartSeries {
		return excelize.ChartSeries{
			Name:       fmt.Sprintf("%s!$%s$%d", sheetSummary, col, top),
			Categories: fmt.Sprintf("%s!$D$%d:$D$%d", sheetSummary, first, last),
			Values:     fmt.Sprintf("%s!$%s$%d:$%s$%d", sheetSummary, col, first, col, last),
			Fill:       solid(colour),
		}
	}
	// statuses[0] is fail, statuses[1] warn.
	chart := &excelize.Chart{
		Type:       excelize.Col,
		Series:     []excelize.ChartSeries{series(cols[0], "C00000"), series(cols[1], "FFC000")},
		Title:      excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Failing and warning checks by severity"}}},
		Legend:     excelize.ChartLegend{Position: "bottom"},
		Dimension:  excelize.ChartDimension{Width: 640, Height: 300},
		Format:     excelize.GraphicOptions{OffsetX: 5, OffsetY: 5},
		PlotArea:   excelize.ChartPlotArea{ShowVal: true},
		VaryColors: new(bool),
		XAxis:      excelize.ChartAxis{Font: excelize.Font{Color: "000000", Size: 10}},
		YAxis:      excelize.ChartAxis{Font: excelize.Font{Color: "000000", Size: 9}, MajorGridLines: true},
	}
	if err := s.f.AddChart(sheetSummary, fmt.Sprintf("D%d", tr+2), chart); err != nil {
		return fmt.Errorf("xlsx: summary chart: %w", err)
	}
	return nil
}

// subscriptionsText lists the tenant's SKUs with assigned/purchased units,
// "" when subscribedSkus is not in the snapshot.
func subscriptionsText(snap *snapshot.Snapshot) string {
	if snap == nil {
		return ""
	}
	skus, err := snap.SubscribedSkus()
	if err != nil {
		return ""
	}
	parts := make([]string, 0, len(skus))
	for _, k := range skus {
		name := k.SkuPartNumber
		if name == "" {
			name = k.SkuID
		}
		p := fmt.Sprintf("%s (%d of %d assigned)", name, k.ConsumedUnits, k.PrepaidUnits.Enabled)
		if k.CapabilityStatus != "" && !strings.EqualFold(k.CapabilityStatus, "Enabled") {
			p += " " + k.CapabilityStatus
		}
		parts = append(parts, p)
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}
