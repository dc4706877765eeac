package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/m365audit/m365audit/checks"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// WriteJSON writes the diff document as indented JSON.
func WriteJSON(w io.Writer, d *Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return fmt.Errorf("write diff: %w", err)
	}
	return nil
}

// Headline is the one-line summary of a diff, e.g. "Score 41.2% -> 57.9%
// (+16.7); 3 fixed, 1 regressed; 12 objects changed".
func (d *Document) Headline() string {
	c := d.Counts
	s := fmt.Sprintf("Score %.1f%% -> %.1f%% (%s); %d fixed, %d regressed, %d improved, %d worsened, %d with other changes",
		d.From.Score, d.To.Score, Delta(d.To.Score-d.From.Score), c.Fixed, c.Regressed, c.Improved, c.Worsened, c.Changed+c.Coverage+c.Added+c.Removed)
	if d.ObjectsCompared {
		s += fmt.Sprintf("; objects: %d added, %d removed, %d modified", c.ObjectsAdded, c.ObjectsRemoved, c.ObjectsModified)
		if c.Datasets > 0 {
			s += fmt.Sprintf("; %d dataset(s) collected on one side only", c.Datasets)
		}
	}
	return s
}

// Delta formats a score change with its sign ("+16.7", "-3.0", "±0.0").
func Delta(v float64) string {
	switch {
	case v > 0.05:
		return fmt.Sprintf("+%.1f", v)
	case v < -0.05:
		return fmt.Sprintf("%.1f", v)
	}
	return "±0.0"
}

// Console makes tenant text inert on a terminal: control characters
// (escape sequences, carriage returns) become '?'.
func Console(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}

func newTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithRowAutoWrap(tw.WrapNormal),
		tablewriter.WithRowMaxWidth(60),
	)
}

// FieldSummary renders a modified object's changed fields in one line:
// "path: old -> new; …" (values shortened).
func FieldSummary(fields []FieldChange, max int) string {
	var parts []string
	for _, f := range fields {
		parts = append(parts, f.Path+": "+Value(f.From, max)+" -> "+Value(f.To, max))
	}
	return strings.Join(parts, "; ")
}

// Value renders a field value compactly (JSON, shortened to max runes).
func Value(v any, max int) string {
	if v == nil {
		return "(none)"
	}
	var s string
	if str, ok := v.(string); ok {
		s = str
	} else {
		b, _ := json.Marshal(v)
		s = string(b)
	}
	if r := []rune(s); max > 0 && len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return s
}

func becauseText(c CheckChange) string {
	var parts []string
	for _, r := range c.Because {
		switch {
		case r.Coverage != "":
			parts = append(parts, r.Dataset+" "+r.Coverage)
		case len(r.Fields) > 0:
			parts = append(parts, fmt.Sprintf("%s %s %s (%s)", r.Dataset, r.Name, r.Change, strings.Join(r.Fields, ", ")))
		default:
			parts = append(parts, fmt.Sprintf("%s %s %s", r.Dataset, r.Name, r.Change))
		}
	}
	if c.BecauseMore > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", c.BecauseMore))
	}
	return strings.Join(parts, "; ")
}

func affectedText(c CheckChange) string {
	var parts []string
	if len(c.AffectedAdded) > 0 {
		parts = append(parts, "+ "+strings.Join(limit(c.AffectedAdded, 5), ", "))
	}
	if len(c.AffectedRemoved) > 0 {
		parts = append(parts, "- "+strings.Join(limit(c.AffectedRemoved, 5), ", "))
	}
	return strings.Join(parts, "; ")
}

func limit(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(append([]string(nil), s[:n]...), fmt.Sprintf("… %d more", len(s)-n))
}

func statusPair(c CheckChange) string {
	return SideStatus(c.From, c.FromNotRun) + " -> " + SideStatus(c.To, c.ToNotRun)
}

// SideStatus words one side of a check change: its status, why that
// side's audit did not run the check, or "(absent)" when that side's tool
// version does not have it.
func SideStatus(s checks.Status, notRun checks.NotRunReason) string {
	switch {
	case s != "":
		return string(s)
	case notRun == checks.NotRunNoIncident:
		return "not run (no incident)"
	case notRun != "":
		// A reason of another tool version: said, not echoed.
		return "not run"
	}
	return "(absent)"
}

// WriteTable writes the diff as console tables (tablewriter).
func WriteTable(w io.Writer, d *Document) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "%s (%s)\n", Console(d.Tenant.DisplayName), Console(d.Tenant.ID))
	fmt.Fprintf(ew, "From %s to %s\n", d.From.CollectedAt.Format("2006-01-02 15:04 MST"), d.To.CollectedAt.Format("2006-01-02 15:04 MST"))
	fmt.Fprintln(ew, d.Headline())
	if l := d.ComparableLine(); l != "" {
		fmt.Fprintln(ew, l)
	}
	if d.Note != "" {
		fmt.Fprintln(ew, "Note: "+d.Note)
	}
	if ew.err != nil {
		return ew.err
	}
	if d.Empty() {
		_, err := fmt.Fprintln(w, "\nNo changes.")
		return err
	}
	if len(d.Checks) > 0 {
		fmt.Fprintln(ew, "\nChecks")
		t := newTable(ew)
		t.Header("change", "check", "severity", "status", "affected", "because")
		for _, c := range d.Checks {
			if err := t.Append(string(c.Change), c.ID+" "+Console(c.Title), string(c.Severity), statusPair(c), Console(affectedText(c)), Console(becauseText(c))); err != nil {
				return fmt.Errorf("write diff: %w", err)
			}
		}
		if err := t.Render(); err != nil {
			return fmt.Errorf("write diff: %w", err)
		}
	}
	if len(d.Objects) > 0 {
		fmt.Fprintln(ew, "\nObjects")
		t := newTable(ew)
		t.Header("change", "dataset", "object", "fields")
		for _, o := range d.Objects {
			name := o.Name
			if o.Detail != "" {
				name += " [" + o.Detail + "]"
			}
			if err := t.Append(string(o.Change), o.Dataset, Console(name), Console(FieldSummary(o.Fields, 60))); err != nil {
				return fmt.Errorf("write diff: %w", err)
			}
		}
		if err := t.Render(); err != nil {
			return fmt.Errorf("write diff: %w", err)
		}
	}
	if len(d.Datasets) > 0 {
		fmt.Fprintln(ew, "\nCoverage (datasets collected on one side only)")
		t := newTable(ew)
		t.Header("dataset", "from", "to", "reason")
		for _, c := range d.Datasets {
			if err := t.Append(c.Dataset, string(c.From), string(c.To), Console(strings.TrimSpace(c.FromReason+" "+c.ToReason))); err != nil {
				return fmt.Errorf("write diff: %w", err)
			}
		}
		if err := t.Render(); err != nil {
			return fmt.Errorf("write diff: %w", err)
		}
	}
	return ew.err
}

// Markdown escapes tenant text for a Markdown table cell: no HTML, no
// table breaks, no links or emphasis.
func Markdown(s string) string {
	s = Console(s)
	r := strings.NewReplacer(
		"\\", "\\\\", "|", "\\|", "<", "&lt;", ">", "&gt;", "&", "&amp;",
		"`", "\\`", "*", "\\*", "_", "\\_", "[", "\\[", "]", "\\]", "#", "\\#", "!", "\\!",
	)
	return r.Replace(s)
}

// WriteMarkdown writes the diff as Markdown.
func WriteMarkdown(w io.Writer, d *Document) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "# Changes: %s\n\n", Markdown(d.Tenant.DisplayName))
	fmt.Fprintf(ew, "Tenant `%s`, from %s to %s.\n\n", strings.ReplaceAll(Console(d.Tenant.ID), "`", ""), d.From.CollectedAt.Format("2006-01-02 15:04 MST"), d.To.CollectedAt.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(ew, "%s.\n\n", Markdown(d.Headline()))
	if l := d.ComparableLine(); l != "" {
		fmt.Fprintf(ew, "%s\n\n", Markdown(l))
	}
	if d.Note != "" {
		fmt.Fprintf(ew, "> %s\n\n", Markdown(d.Note))
	}
	if d.Empty() {
		fmt.Fprintln(ew, "No changes.")
		return ew.err
	}
	if len(d.Checks) > 0 {
		fmt.Fprintln(ew, "## Checks\n\n| change | check | severity | status | affected | because |\n|---|---|---|---|---|---|")
		for _, c := range d.Checks {
			fmt.Fprintf(ew, "| %s | %s %s | %s | %s | %s | %s |\n", c.Change, c.ID, Markdown(c.Title), c.Severity,
				strings.ReplaceAll(statusPair(c), ">", "&gt;"), Markdown(affectedText(c)), Markdown(becauseText(c)))
		}
		fmt.Fprintln(ew)
	}
	if len(d.Objects) > 0 {
		fmt.Fprintln(ew, "## Objects\n\n| change | dataset | object | fields |\n|---|---|---|---|")
		for _, o := range d.Objects {
			name := o.Name
			if o.Detail != "" {
				name += " [" + o.Detail + "]"
			}
			fmt.Fprintf(ew, "| %s | %s | %s | %s |\n", o.Change, o.Dataset, Markdown(name), Markdown(FieldSummary(o.Fields, 80)))
		}
		fmt.Fprintln(ew)
	}
	if len(d.Datasets) > 0 {
		fmt.Fprintln(ew, "## Coverage\n\n| dataset | from | to | reason |\n|---|---|---|---|")
		for _, c := range d.Datasets {
			fmt.Fprintf(ew, "| %s | %s | %s | %s |\n", c.Dataset, c.From, c.To, Markdown(strings.TrimSpace(c.FromReason+" "+c.ToReason)))
		}
	}
	return ew.err
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
