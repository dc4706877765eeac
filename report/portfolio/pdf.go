package portfolio

import (
	"fmt"
	"io"

	"github.com/m365audit/m365audit/report/pdf"
)

// WritePDF writes portfolio.pdf: the page an MSP manager reads in a
// minute (figures, tenants worst first with score and trend, the checks
// failing most widely, the tenants that need attention), drawn with the
// report's embedded fonts.
func WritePDF(w io.Writer, d *Document) error {
	v := buildView(d)
	p, err := pdf.NewPages(pdf.PagesOptions{Title: "all client tenants", Generated: d.GeneratedAt, Compress: true})
	if err != nil {
		return fmt.Errorf("portfolio pdf: %w", err)
	}
	p.Heading("Microsoft 365 security portfolio", 0)
	p.Text(fmt.Sprintf("Generated %s. Runs older than %d days are flagged as stale.", v.Generated, v.StaleDays), true)
	var figs []pdf.Figure
	for _, f := range v.Summary {
		figs = append(figs, pdf.Figure{Label: f.Label, Value: f.Value, Tone: f.Tone})
	}
	p.Figures(figs)
	if v.StaleNote != "" {
		p.Note("Stale runs", v.StaleNote, true)
	}
	p.Heading("Tenants, worst first", 1)
	var rows [][]pdf.Cell
	for _, t := range v.Tenants {
		trendTone := map[string]string{"up": "good", "down": "poor", "flat": "muted"}[t.Trend]
		collected := t.Collected
		ct := ""
		if t.Stale {
			collected += " STALE"
			ct = "alert"
		}
		rows = append(rows, []pdf.Cell{
			{Text: t.Name, Bold: true}, {Text: t.Score, Bold: true, Tone: t.Tone}, {Text: t.Arrow + " " + t.Delta, Tone: trendTone},
			{Text: t.Critical, Tone: nonZero(t.Critical)}, {Text: t.High, Tone: nonZero(t.High)}, {Text: t.Coverage},
			incidentCell(t), {Text: collected, Tone: ct},
		})
	}
	p.Table([]pdf.Column{{Title: "Tenant", Width: 46}, {Title: "Score", Width: 16}, {Title: "Trend", Width: 20}, {Title: "Critical", Width: 15}, {Title: "High", Width: 11}, {Title: "Evaluated", Width: 21}, {Title: "Incident", Width: 17}, {Title: "Collected", Width: 34}}, rows, 8.5)
	if v.TrendNote != "" {
		p.Text(v.TrendNote, true)
		for _, m := range v.TrendMoved {
			p.Text(m.Name+": "+m.Why, true)
		}
	}
	p.Heading("Checks failing most widely", 1)
	if len(v.Top) == 0 {
		p.Text("No check fails in a current run.", false)
	} else {
		rows = nil
		for _, c := range v.Top {
			rows = append(rows, []pdf.Cell{{Text: c.ID + " " + c.Title}, {Text: c.Severity}, {Text: c.Failing, Bold: true}, {Text: c.Tenants}})
		}
		p.Table([]pdf.Column{{Title: "Check", Width: 78}, {Title: "Severity", Width: 18}, {Title: "Failing in", Width: 20}, {Title: "Tenants", Width: 64}}, rows, 8.5)
	}
	p.Heading("Needs attention: open incidents and failing criticals", 1)
	if len(v.Attention) == 0 {
		p.Text("No tenant has an open incident or a failing critical check.", false)
	} else {
		rows = nil
		for _, a := range v.Attention {
			rows = append(rows, []pdf.Cell{{Text: a.Name, Bold: true}, {Text: a.Why}})
		}
		p.Table([]pdf.Column{{Title: "Tenant", Width: 60}, {Title: "Why", Width: 120}}, rows, 8.5)
	}
	return p.Output(w)
}

func nonZero(s string) string {
	if s != "0" {
		return "poor"
	}
	return ""
}

// incidentCell is "OPEN" in bold red for a tenant with an open incident,
// else a muted "none".
func incidentCell(t tenantRow) pdf.Cell {
	if t.IncidentOpen {
		return pdf.Cell{Text: t.Incident, Bold: true, Tone: "alert"}
	}
	return pdf.Cell{Text: t.Incident, Tone: "muted"}
}
