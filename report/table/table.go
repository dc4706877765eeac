// Package table renders the console summary of an audit (tablewriter):
// tenant, score, coverage, counts by status and severity, and the failing
// checks by severity with their affected counts.
package table

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/report/model"
)

// Options control rendering.
type Options struct {
	// Color adds ANSI colours to headline lines; the caller sets it only
	// when stdout is a terminal and NO_COLOR is unset.
	Color bool
}

const (
	ansiReset  = "\x1b[0m"
	ansiRed    = "\x1b[1;31m"
	ansiYellow = "\x1b[33m"
	ansiGreen  = "\x1b[32m"
	ansiBold   = "\x1b[1m"
)

// Write renders the summary of doc to w.
func Write(w io.Writer, doc *checks.Document, opt Options) error {
	p := &printer{w: w, opt: opt}
	p.header(doc)
	if err := p.counts(doc); err != nil {
		return err
	}
	if err := p.findings(doc); err != nil {
		return err
	}
	if err := p.notEvaluable(doc); err != nil {
		return err
	}
	return p.err
}

type printer struct {
	w   io.Writer
	opt Options
	err error
}

func (p *printer) line(color, format string, a ...any) {
	if p.err != nil {
		return
	}
	s := fmt.Sprintf(format, a...)
	if p.opt.Color && color != "" {
		s = color + s + ansiReset
	}
	_, p.err = fmt.Fprintln(p.w, s)
}

func (p *printer) header(doc *checks.Document) {
	t := doc.Tenant
	p.line(ansiBold, "m365audit %s: %s (%s, tenant %s)", Clean(doc.Tool.Version), Clean(t.DisplayName), Clean(t.PrimaryDomain), Clean(t.ID))
	cloud := doc.Cloud
	if cloud == "" {
		cloud = "global"
	}
	p.line("", "Collected at %s, audited at %s, cloud %s", doc.CollectedAt.UTC().Format("2006-01-02 15:04 MST"), doc.GeneratedAt.UTC().Format("2006-01-02 15:04 MST"), Clean(cloud))
	lic := "unknown (subscribedSkus not collected)"
	if doc.Licences.Known {
		lic = fmt.Sprintf("Entra ID P1 %s, P2 %s", yesNo(doc.Licences.P1), yesNo(doc.Licences.P2))
	}
	p.line("", "Licences: %s", lic)
	if n := len(doc.Integrity); n > 0 {
		p.line(ansiRed, "!!! SNAPSHOT INTEGRITY: %d file(s) failed verification and were audited anyway (--allow-tampered); results may not reflect the tenant:", n)
		for _, ip := range doc.Integrity {
			p.line(ansiRed, "!!!   %s: %s", Clean(ip.File), Clean(ip.Problem))
		}
	}
	if inc := doc.Incident; inc != nil {
		users := make([]string, len(inc.Users))
		for i, u := range inc.Users {
			users[i] = Clean(u)
		}
		p.line(ansiYellow, "Incident: %s; window %s to %s", strings.Join(users, ", "), inc.Start.UTC().Format("2006-01-02 15:04Z"), inc.End.UTC().Format("2006-01-02 15:04Z"))
	}
	s := doc.Score
	color := ansiGreen
	switch {
	case s.Percent < 50:
		color = ansiRed
	case s.Percent < 80:
		color = ansiYellow
	}
	p.line(color, "Score: %.1f%% (%s of %s weighted points over %d evaluated checks; %d accepted risk(s))", s.Percent, num(s.Earned), num(s.Possible), s.Evaluated, s.Accepted)
	p.line("", "Coverage: %d of %d checks evaluated; %d not evaluable because data was not collected", doc.Coverage.Evaluated, len(doc.Results), doc.Coverage.NotEvaluable)
	p.line("", "")
}

func newTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithRowAutoWrap(tw.WrapNormal),
		tablewriter.WithRowMaxWidth(60),
	)
}

// counts renders status x severity counts.
func (p *printer) counts(doc *checks.Document) error {
	if p.err != nil {
		return p.err
	}
	n := map[checks.Status]map[checks.Severity]int{}
	for _, r := range doc.Results {
		if n[r.Status] == nil {
			n[r.Status] = map[checks.Severity]int{}
		}
		n[r.Status][r.Severity]++
	}
	t := newTable(p.w)
	head := []any{"status"}
	for _, sev := range checks.Severities() {
		head = append(head, string(sev))
	}
	head = append(head, "total")
	t.Header(head...)
	for _, st := range checks.Statuses() {
		row := []any{string(st)}
		total := 0
		for _, sev := range checks.Severities() {
			row = append(row, n[st][sev])
			total += n[st][sev]
		}
		row = append(row, total)
		if err := t.Append(row...); err != nil {
			return fmt.Errorf("render counts: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("render counts: %w", err)
	}
	p.line("", "")
	return p.err
}

// findings renders failing and warning checks, most severe first.
func (p *printer) findings(doc *checks.Document) error {
	var list []checks.Result
	for _, r := range doc.Results {
		if r.Status == checks.StatusFail || r.Status == checks.StatusWarn {
			list = append(list, r)
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() < b.Severity.Rank()
		}
		if a.Status != b.Status {
			return a.Status == checks.StatusFail
		}
		return a.ID < b.ID
	})
	var rows [][]any
	for _, r := range list {
		acc := ""
		switch {
		case r.IsAccepted():
			acc = "accepted until " + r.Accepted.Expires
		case r.Accepted != nil && r.Accepted.Expired:
			acc = "EXPIRED " + r.Accepted.Expires
		default:
			k := 0
			for _, a := range r.Affected {
				if a.Accepted {
					k++
				}
			}
			if k > 0 {
				acc = fmt.Sprintf("%d of %d objects", k, len(r.Affected))
			}
		}
		rows = append(rows, []any{string(r.Severity), string(r.Status), r.ID, Clean(r.Title), len(r.Affected), acc})
	}
	if len(rows) == 0 {
		p.line(ansiGreen, "No failing or warning checks.")
		return p.err
	}
	p.line(ansiBold, "Failing and warning checks, by severity:")
	t := newTable(p.w)
	t.Header("severity", "status", "check", "title", "affected", "accepted")
	for _, row := range rows {
		if err := t.Append(row...); err != nil {
			return fmt.Errorf("render findings: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("render findings: %w", err)
	}
	p.line("", "")
	return p.err
}

// notEvaluable lists the datasets the report model counts as not
// collected (model.NotCollected, as the PDF and workbook do) and the checks
// each left unknown (or not applicable, when the tenant lacks the licence).
func (p *printer) notEvaluable(doc *checks.Document) error {
	unknown := map[string]bool{}
	for _, r := range doc.Results {
		if r.Status == checks.StatusUnknown || r.Status == checks.StatusNotApplicable {
			unknown[r.ID] = true
		}
	}
	gated := map[string][]string{}
	for _, d := range doc.Coverage.Datasets {
		gated[d.ID] = d.Checks
	}
	var rows [][]any
	for _, g := range model.NotCollected(doc, nil) {
		var hit []string
		for _, c := range gated[g.ID] {
			if unknown[c] {
				hit = append(hit, c)
			}
		}
		rows = append(rows, []any{g.ID, g.Status, Clean(g.Reason), strings.Join(hit, " ")})
	}
	if len(rows) == 0 {
		return p.err
	}
	p.line(ansiYellow, "Datasets not collected (unknown: data missing; not_applicable: not licensed):")
	t := newTable(p.w)
	t.Header("dataset", "status", "reason", "checks not evaluated")
	for _, row := range rows {
		if err := t.Append(row...); err != nil {
			return fmt.Errorf("render coverage: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("render coverage: %w", err)
	}
	return p.err
}

// Clean makes tenant text safe for a terminal: control characters (ANSI
// escapes included) and bidirectional overrides are replaced by U+FFFD so
// hostile names cannot recolour the screen or reorder what is shown.
func Clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case unicode.IsControl(r):
			return '\uFFFD'
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
			return '\uFFFD'
		}
		return r
	}, s)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func num(f float64) string {
	if f == float64(int64(f)) {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprintf("%.1f", f)
}
