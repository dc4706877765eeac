package portfolio

import (
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/m365audit/m365audit/checks"
)

// view is what the one-page views (HTML and PDF) show; both render it and
// decide nothing themselves.
type view struct {
	Generated string
	Summary   []figure
	Tenants   []tenantRow
	Top       []checkRow
	Attention []attentionRow
	StaleNote string
	StaleDays int
	// TrendNote explains the trend when some tenant's two runs evaluated
	// different sets of checks ("" otherwise); TrendMoved lists those
	// tenants.
	TrendNote  string
	TrendMoved []attentionRow
}

type figure struct{ Label, Value, Tone string }

type tenantRow struct {
	Name, ID, Score, Arrow, Delta, Trend, Critical, High, Coverage, Incident, Collected, Tone string
	IncidentOpen                                                                              bool
	Stale                                                                                     bool
}

type checkRow struct{ ID, Title, Severity, Failing, Tenants string }

type attentionRow struct{ Name, Why string }

// Tone names the band of a score: good (80 and above), fair (60), poor.
func Tone(score float64) string {
	switch {
	case score >= 80:
		return "good"
	case score >= 60:
		return "fair"
	}
	return "poor"
}

func buildView(d *Document) view {
	v := view{Generated: d.GeneratedAt.UTC().Format("2006-01-02 15:04 UTC"), StaleDays: d.StaleDays}
	avg := "—"
	tone := ""
	if d.Summary.AverageScore != nil {
		avg = fmt.Sprintf("%.1f%%", *d.Summary.AverageScore)
		tone = Tone(*d.Summary.AverageScore)
	}
	v.Summary = []figure{
		{"Tenants", fmt.Sprint(d.Summary.Tenants), ""},
		{"Average score (current runs)", avg, tone},
		{"Open incidents", fmt.Sprint(d.Summary.Incidents), alertTone(d.Summary.Incidents)},
		{"With failing criticals", fmt.Sprint(d.Summary.WithCriticals), alertTone(d.Summary.WithCriticals)},
		{"Fixed / regressed since previous", fmt.Sprintf("%d / %d", d.Summary.Fixed, d.Summary.Regressed), ""},
		{"Stale runs", fmt.Sprint(d.Summary.Stale), alertTone(d.Summary.Stale)},
	}
	if d.Summary.Stale > 0 {
		v.StaleNote = fmt.Sprintf("%d tenant(s) were last audited more than %d days ago: they are flagged, left out of the average and of the failing-check counts.", d.Summary.Stale, d.StaleDays)
	}
	for _, t := range d.Tenants {
		if t.CoverageMoved() {
			v.TrendMoved = append(v.TrendMoved, attentionRow{Name: t.DisplayName,
				Why: fmt.Sprintf("score %.1f%% → %.1f%%; on the %d checks both runs evaluated %.1f%% → %.1f%% (%s)",
					*t.PreviousScore, t.Score, t.Comparable.Checks, t.Comparable.From, t.Comparable.To, DeltaText(t))})
		}
	}
	if len(v.TrendMoved) > 0 {
		v.TrendNote = "The trend is the score change on the checks evaluated in both runs. Where the two runs evaluated different checks " +
			"(incident checks run in one only, data collected in one month only), the score also moved for that reason, not because the tenant changed:"
	}
	for _, t := range d.Tenants {
		inc := "none"
		if t.Incident {
			inc = "OPEN"
		}
		v.Tenants = append(v.Tenants, tenantRow{
			Name: t.DisplayName, ID: t.ID, Score: fmt.Sprintf("%.1f%%", t.Score), Arrow: Arrow(t), Delta: DeltaText(t), Trend: t.Trend(),
			Critical: fmt.Sprint(t.FailBySeverity[checks.SeverityCritical]), High: fmt.Sprint(t.FailBySeverity[checks.SeverityHigh]),
			Coverage: fmt.Sprintf("%d/%d", t.Evaluated, t.Total), Incident: inc, IncidentOpen: t.Incident,
			Collected: t.CollectedAt.UTC().Format("2006-01-02"), Tone: Tone(t.Score), Stale: t.Stale,
		})
		var why []string
		if t.Incident {
			why = append(why, "open incident")
		}
		if n := t.FailBySeverity[checks.SeverityCritical]; n > 0 {
			why = append(why, fmt.Sprintf("%d failing critical check(s)", n))
		}
		if t.Regressed > 0 {
			why = append(why, fmt.Sprintf("%d regression(s) since the previous run", t.Regressed))
		}
		if len(why) > 0 && (t.Incident || t.FailBySeverity[checks.SeverityCritical] > 0) {
			v.Attention = append(v.Attention, attentionRow{Name: t.DisplayName, Why: strings.Join(why, ", ")})
		}
	}
	for _, c := range d.Top(5) {
		names := make([]string, len(c.Tenants))
		for i, id := range c.Tenants {
			names[i] = d.TenantName(id)
		}
		v.Top = append(v.Top, checkRow{ID: c.ID, Title: c.Title, Severity: string(c.Severity), Failing: fmt.Sprint(c.Failing), Tenants: strings.Join(names, ", ")})
	}
	return v
}

func alertTone(n int) string {
	if n > 0 {
		return "poor"
	}
	return "good"
}

var page = template.Must(template.New("portfolio").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Microsoft 365 security portfolio</title>
<style>
body{font-family:"DejaVu Sans",system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2937;margin:0;background:#f9fafb}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{color:#113763;font-size:24px;margin:0 0 4px}
h2{color:#113763;font-size:17px;margin:28px 0 8px;border-bottom:2px solid #113763;padding-bottom:3px}
.muted{color:#6b7280;font-size:13px}
.figures{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.figure{background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:10px 14px;min-width:140px}
.figure .v{font-size:22px;font-weight:bold}
.figure .l{font-size:12px;color:#6b7280}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th{background:#e5e7eb;text-align:left;padding:6px}
td{padding:6px;border-bottom:1px solid #e5e7eb;vertical-align:top;overflow-wrap:anywhere}
tr:nth-child(even) td{background:#f8f9fb}
.good{color:#15803d}.fair{color:#b45309}.poor{color:#b91c1c}
.score{font-weight:bold}
.up{color:#15803d}.down{color:#b91c1c}.flat{color:#6b7280}
.badge{display:inline-block;border-radius:3px;padding:0 5px;font-size:11px;font-weight:bold;color:#fff;background:#b91c1c}
.stale{background:#6b7280}
.note{background:#fef3c7;border-left:4px solid #d97706;padding:8px 12px;margin:10px 0;font-size:13px}
.id{font-size:11px;color:#6b7280}
</style>
</head>
<body>
<main>
<h1>Microsoft 365 security portfolio</h1>
<div class="muted">Generated {{.Generated}} · runs older than {{.StaleDays}} days are flagged as stale</div>
<div class="figures">
{{range .Summary}}<div class="figure"><div class="v {{.Tone}}">{{.Value}}</div><div class="l">{{.Label}}</div></div>
{{end}}</div>
{{with .StaleNote}}<div class="note">{{.}}</div>{{end}}
<h2>Tenants, worst first</h2>
<table>
<thead><tr><th>Tenant</th><th>Score</th><th>Trend</th><th>Critical</th><th>High</th><th>Evaluated</th><th>Incident</th><th>Last collected</th></tr></thead>
<tbody>
{{range .Tenants}}<tr><td><bdi>{{.Name}}</bdi><div class="id">{{.ID}}</div></td><td class="score {{.Tone}}">{{.Score}}</td><td class="{{.Trend}}">{{.Arrow}} {{.Delta}}</td><td>{{.Critical}}</td><td>{{.High}}</td><td>{{.Coverage}}</td><td>{{if .IncidentOpen}}<span class="badge">{{.Incident}}</span>{{else}}{{.Incident}}{{end}}</td><td>{{.Collected}}{{if .Stale}} <span class="badge stale">STALE</span>{{end}}</td></tr>
{{end}}</tbody>
</table>
{{with .TrendNote}}<p class="muted">{{.}}</p>
<ul class="muted">{{range $.TrendMoved}}<li><bdi>{{.Name}}</bdi>: {{.Why}}</li>{{end}}</ul>{{end}}
<h2>Checks failing most widely</h2>
{{if .Top}}<table>
<thead><tr><th>Check</th><th>Severity</th><th>Failing in</th><th>Tenants</th></tr></thead>
<tbody>
{{range .Top}}<tr><td><b>{{.ID}}</b> {{.Title}}</td><td>{{.Severity}}</td><td>{{.Failing}}</td><td><bdi>{{.Tenants}}</bdi></td></tr>
{{end}}</tbody>
</table>{{else}}<p>No check fails in a current run.</p>{{end}}
<h2>Needs attention: open incidents and failing criticals</h2>
{{if .Attention}}<table>
<thead><tr><th>Tenant</th><th>Why</th></tr></thead>
<tbody>
{{range .Attention}}<tr><td><bdi>{{.Name}}</bdi></td><td>{{.Why}}</td></tr>
{{end}}</tbody>
</table>{{else}}<p>No tenant has an open incident or a failing critical check.</p>{{end}}
</main>
</body>
</html>
`))

// WriteHTML writes portfolio.html: one self-contained page (no scripts,
// no external resources; every tenant string escaped by html/template).
func WriteHTML(w io.Writer, d *Document) error {
	if err := page.Execute(w, buildView(d)); err != nil {
		return fmt.Errorf("portfolio page: %w", err)
	}
	return nil
}
