package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"

	"github.com/m365audit/m365audit/checks"
)

// newChecksCmd builds `m365audit checks`, the catalogue from the checks'
// own metadata.
func newChecksCmd(stdout io.Writer) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "checks",
		Short: "List the check catalogue (table, json or markdown)",
		Long:  "List the check catalogue from the checks' own metadata.\n\n" + exitCodesHelp("listed", exitCode{exitCannotRun, "could not write the catalogue"}),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return writeCatalog(stdout, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table, json or markdown")
	return cmd
}

// writeCatalog renders the catalogue in a format.
func writeCatalog(w io.Writer, format string) error {
	cat := checks.Catalog()
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(cat); err != nil {
			return fmt.Errorf("write catalogue: %w", err)
		}
		return nil
	case "markdown", "md":
		var b strings.Builder
		b.WriteString("| ID | Title | Category | Severity | CIS | SCuBA | Datasets |\n|---|---|---|---|---|---|---|\n")
		for _, c := range cat {
			cis := strings.Join(c.References.CIS, ", ")
			if cis != "" && c.References.CISVersion != "" {
				cis += " (" + c.References.CISVersion + ")"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", mdCell(c.ID), mdCell(c.Title), mdCell(c.Category), c.Severity,
				mdCell(cis), mdCell(strings.Join(c.References.SCuBA, ", ")), mdCell(strings.Join(c.Datasets, ", ")))
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return fmt.Errorf("write catalogue: %w", err)
		}
		return nil
	case "", "table":
		t := tablewriter.NewTable(w,
			tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
			tablewriter.WithRowAutoWrap(tw.WrapNormal), tablewriter.WithRowMaxWidth(60))
		t.Header("id", "severity", "category", "title", "cis", "scuba")
		for _, c := range cat {
			if err := t.Append(c.ID, string(c.Severity), c.Category, c.Title, strings.Join(c.References.CIS, ", "), strings.Join(c.References.SCuBA, ", ")); err != nil {
				return fmt.Errorf("write catalogue: %w", err)
			}
		}
		if err := t.Render(); err != nil {
			return fmt.Errorf("write catalogue: %w", err)
		}
		_, err := fmt.Fprintf(w, "%d checks\n", len(cat))
		return err
	}
	return usagef("--format %q: use table, json or markdown", format)
}

// mdCell escapes text for a Markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "\\", "\\\\")
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "\n", " ")
}
