package portfolio

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/m365audit/m365audit/checks"
)

// Arrow is the trend arrow of a tenant ("" without a previous run).
func Arrow(t Tenant) string {
	switch t.Trend() {
	case "up":
		return "▲"
	case "down":
		return "▼"
	case "flat":
		return "▶"
	}
	return ""
}

// DeltaText is the signed score change ("+4.5", "-2.0", "±0.0", "new").
func DeltaText(t Tenant) string {
	if t.PreviousScore == nil {
		return "first run"
	}
	d := t.Delta()
	switch {
	case d > 0:
		return fmt.Sprintf("+%.1f", d)
	case d < 0:
		return fmt.Sprintf("%.1f", d)
	}
	return "±0.0"
}

// Coverage is "evaluated of total" for a tenant.
func Coverage(t Tenant) string {
	s := fmt.Sprintf("%d of %d evaluated", t.Evaluated, t.Total)
	if t.NotEvaluable > 0 {
		s += fmt.Sprintf(", %d not evaluable", t.NotEvaluable)
	}
	return s
}

// cellText keeps only what XML 1.0 allows and caps the length; the value
// is always stored as a string, never as a formula.
func cellText(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if r := []rune(s); len(r) > 32000 {
		s = string(r[:32000]) + "…"
	}
	return s
}

type sheetWriter struct {
	f   *excelize.File
	err error
}

func (w *sheetWriter) set(sheet string, col, row int, v any) {
	if w.err != nil {
		return
	}
	cell, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		w.err = err
		return
	}
	if s, ok := v.(string); ok {
		w.err = w.f.SetCellStr(sheet, cell, cellText(s))
		return
	}
	w.err = w.f.SetCellValue(sheet, cell, v)
}

func (w *sheetWriter) style(sheet string, c1, r1, c2, r2, style int) {
	if w.err != nil {
		return
	}
	a, _ := excelize.CoordinatesToCellName(c1, r1)
	b, _ := excelize.CoordinatesToCellName(c2, r2)
	w.err = w.f.SetCellStyle(sheet, a, b, style)
}

func (w *sheetWriter) table(sheet string, header []string, rows int, widths []float64) {
	if w.err != nil {
		return
	}
	for i, wd := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if w.err = w.f.SetColWidth(sheet, col, col, wd); w.err != nil {
			return
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(header), rows+1)
	w.err = w.f.AutoFilter(sheet, "A1:"+last, nil)
	if w.err == nil {
		w.err = w.f.SetPanes(sheet, &excelize.Panes{Freeze: true, Split: false, XSplit: 1, YSplit: 1, TopLeftCell: "B2", ActivePane: "bottomRight"})
	}
}

// heatFill colours a category score: red below 50, amber below 80, green
// from 80, grey when nothing was evaluated.
func heatFill(p *float64) string {
	switch {
	case p == nil:
		return "E5E7EB"
	case *p >= 80:
		return "BBF7D0"
	case *p >= 50:
		return "FDE68A"
	}
	return "FECACA"
}

// WriteXLSX writes portfolio.xlsx: Tenants (worst first, filterable),
// Checks (failing across tenants) and Heat map (tenant × category).
func WriteXLSX(out io.Writer, d *Document) error {
	f := excelize.NewFile()
	defer f.Close()
	w := &sheetWriter{f: f}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "FFFFFF"}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"113763"}}})
	if err != nil {
		return fmt.Errorf("portfolio workbook: %w", err)
	}
	alert, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "B91C1C"}})
	if err != nil {
		return fmt.Errorf("portfolio workbook: %w", err)
	}
	num, err := f.NewStyle(&excelize.Style{NumFmt: 2})
	if err != nil {
		return fmt.Errorf("portfolio workbook: %w", err)
	}
	// The date format of the report workbook (report/xlsx), so a filter or
	// sort on "Last collected" works on dates.
	dateFmt := `yyyy-mm-dd hh:mm "UTC"`
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt, Alignment: &excelize.Alignment{Horizontal: "left"}})
	if err != nil {
		return fmt.Errorf("portfolio workbook: %w", err)
	}
	deltaFmt := `+0.0;-0.0;"±"0.0`
	delta, err := f.NewStyle(&excelize.Style{CustomNumFmt: &deltaFmt})
	if err != nil {
		return fmt.Errorf("portfolio workbook: %w", err)
	}

	const tenants = "Tenants"
	if err := f.SetSheetName("Sheet1", tenants); err != nil {
		return fmt.Errorf("portfolio workbook: %w", err)
	}
	hdr := []string{"Tenant", "Tenant ID", "Score", "Trend", "Change (checks evaluated in both runs)", "Previous score", "Critical", "High", "Medium", "Low", "Coverage", "Not evaluable", "Incident", "Fixed", "Regressed", "Last collected", "Age (days)", "Stale"}
	for i, h := range hdr {
		w.set(tenants, i+1, 1, h)
	}
	w.style(tenants, 1, 1, len(hdr), 1, head)
	for i, t := range d.Tenants {
		r := i + 2
		w.set(tenants, 1, r, t.DisplayName)
		w.set(tenants, 2, r, t.ID)
		w.set(tenants, 3, r, t.Score)
		w.set(tenants, 4, r, Arrow(t))
		if t.PreviousScore != nil {
			// A number (one decimal, as shown elsewhere) so it sorts.
			w.set(tenants, 5, r, math.Round(t.Delta()*10)/10)
			w.style(tenants, 5, r, 5, r, delta)
		} else {
			w.set(tenants, 5, r, DeltaText(t))
		}
		if t.PreviousScore != nil {
			w.set(tenants, 6, r, *t.PreviousScore)
		}
		for j, s := range []checks.Severity{checks.SeverityCritical, checks.SeverityHigh, checks.SeverityMedium, checks.SeverityLow} {
			w.set(tenants, 7+j, r, t.FailBySeverity[s])
		}
		w.set(tenants, 11, r, Coverage(t))
		w.set(tenants, 12, r, t.NotEvaluable)
		w.set(tenants, 13, r, yesNo(t.Incident))
		w.set(tenants, 14, r, t.Fixed)
		w.set(tenants, 15, r, t.Regressed)
		w.set(tenants, 16, r, t.CollectedAt.UTC())
		w.style(tenants, 16, r, 16, r, date)
		w.set(tenants, 17, r, t.AgeDays)
		w.set(tenants, 18, r, yesNo(t.Stale))
		w.style(tenants, 3, r, 3, r, num)
		if t.Incident {
			w.style(tenants, 13, r, 13, r, alert)
		}
		if t.Stale {
			w.style(tenants, 18, r, 18, r, alert)
		}
	}
	w.table(tenants, hdr, len(d.Tenants), []float64{32, 38, 8, 7, 10, 10, 8, 7, 8, 6, 28, 8, 9, 7, 9, 21, 9, 7})

	const checksSheet = "Checks"
	if _, err := f.NewSheet(checksSheet); err != nil {
		return fmt.Errorf("portfolio workbook: %w", err)
	}
	hdr2 := []string{"Check", "Title", "Category", "Severity", "Failing tenants", "Tenants"}
	for i, h := range hdr2 {
		w.set(checksSheet, i+1, 1, h)
	}
	w.style(checksSheet, 1, 1, len(hdr2), 1, head)
	for i, c := range d.Checks {
		r := i + 2
		names := make([]string, len(c.Tenants))
		for j, id := range c.Tenants {
			names[j] = d.TenantName(id)
		}
		w.set(checksSheet, 1, r, c.ID)
		w.set(checksSheet, 2, r, c.Title)
		w.set(checksSheet, 3, r, c.Category)
		w.set(checksSheet, 4, r, string(c.Severity))
		w.set(checksSheet, 5, r, c.Failing)
		w.set(checksSheet, 6, r, strings.Join(names, "; "))
	}
	w.table(checksSheet, hdr2, len(d.Checks), []float64{16, 60, 30, 10, 10, 60})

	const heat = "Heat map"
	if _, err := f.NewSheet(heat); err != nil {
		return fmt.Errorf("portfolio workbook: %w", err)
	}
	w.set(heat, 1, 1, "Tenant")
	for j, c := range d.Categories {
		w.set(heat, j+2, 1, c)
	}
	w.style(heat, 1, 1, len(d.Categories)+1, 1, head)
	fills := map[string]int{}
	for i, t := range d.Tenants {
		r := i + 2
		w.set(heat, 1, r, t.DisplayName)
		for j, c := range d.Categories {
			p := t.Categories[c]
			if p != nil {
				w.set(heat, j+2, r, *p)
			} else {
				w.set(heat, j+2, r, "n/a")
			}
			color := heatFill(p)
			if _, ok := fills[color]; !ok {
				id, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}, NumFmt: 2})
				if err != nil {
					return fmt.Errorf("portfolio workbook: %w", err)
				}
				fills[color] = id
			}
			w.style(heat, j+2, r, j+2, r, fills[color])
		}
	}
	widths := []float64{32}
	for range d.Categories {
		widths = append(widths, 18)
	}
	w.table(heat, append([]string{"Tenant"}, d.Categories...), len(d.Tenants), widths)
	if w.err != nil {
		return fmt.Errorf("portfolio workbook: %w", w.err)
	}
	f.SetActiveSheet(0)
	if err := f.Write(out); err != nil {
		return fmt.Errorf("portfolio workbook: %w", err)
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
