package preflight

import (
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// WriteTable prints the preflight table, the checks that would end
// unknown, and a one-line verdict.
func WriteTable(w io.Writer, r *Report) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithRowAutoWrap(tw.WrapNormal),
		tablewriter.WithRowMaxWidth(48),
	)
	t.Header("dataset", "needs", "granted", "licence", "verdict")
	for _, row := range r.Rows {
		if err := t.Append(row.Dataset, row.Needs, row.Granted, row.Licence, row.Verdict); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Token: %s permissions", r.TokenKind)
	switch {
	case !r.Licences.Known:
		fmt.Fprintf(&b, "; licences unknown (%s)", r.Licences.Why)
	default:
		fmt.Fprintf(&b, "; Entra ID P1: %s, P2: %s", yesNo(r.Licences.P1), yesNo(r.Licences.P2))
	}
	b.WriteString("\n")
	for _, n := range r.Notes {
		b.WriteString("Note: " + n + "\n")
	}
	lost := r.LostDatasets()
	if len(lost) == 0 && r.OK() {
		b.WriteString("Every dataset would be collected.\n")
	} else {
		if len(lost) > 0 {
			fmt.Fprintf(&b, "Not collected: %d dataset(s): %s\n", len(lost), strings.Join(lost, ", "))
		}
		if len(r.Lost) > 0 {
			fmt.Fprintf(&b, "These %d check(s) would end unknown:\n", len(r.Lost))
			for _, c := range r.Lost {
				fmt.Fprintf(&b, "  %s  %s (needs %s)\n", c.ID, c.Title, strings.Join(c.Datasets, ", "))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
