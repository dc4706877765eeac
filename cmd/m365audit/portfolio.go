package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/m365audit/m365audit/report/portfolio"
)

// newPortfolioCmd builds `m365audit portfolio --out DIR RUN...`.
func newPortfolioCmd(g *globalOptions) *cobra.Command {
	var out string
	stale := portfolio.DefaultStaleDays
	cmd := &cobra.Command{
		Use:   "portfolio --out DIR RUN...",
		Short: "Roll many tenants' audits into one portfolio (JSON, XLSX, PDF, HTML)",
		Long: "Each RUN is an audit --out directory or a results.json. Runs of the same tenant form its history:\n" +
			"the newest is current, the one before it previous (the trend). Writes portfolio.json, portfolio.xlsx,\n" +
			"portfolio.pdf and portfolio.html into --out. Runs older than --stale-days are flagged as stale and\n" +
			"left out of the averages.\n\n" + exitCodesHelp("written", exitCode{exitCannotRun, "could not run (a RUN that is not an audit directory or a readable results.json, or --out not writable)"}),
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("--out DIR is required")
			}
			if stale <= 0 {
				return usagef("--stale-days %d: must be positive", stale)
			}
			var runs []portfolio.Run
			for _, a := range args {
				r, err := portfolio.LoadRun(a)
				if err != nil {
					return &exitError{exitCannotRun, err}
				}
				runs = append(runs, r)
			}
			d, err := portfolio.Build(runs, portfolio.Options{GeneratedAt: g.now().UTC(), StaleDays: stale})
			if err != nil {
				return &exitError{exitCannotRun, err}
			}
			written, err := portfolio.WriteAll(cmd.Context(), out, d)
			if err != nil {
				return &exitError{exitCannotRun, err}
			}
			fmt.Fprintf(g.stdout, "%d tenant(s) from %d run(s); %d stale, %d with an open incident, %d with failing criticals.\nWrote:\n", d.Summary.Tenants, len(runs), d.Summary.Stale, d.Summary.Incidents, d.Summary.WithCriticals)
			for _, w := range written {
				fmt.Fprintf(g.stdout, "  %s\n", w)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory to write portfolio.json, .xlsx, .pdf and .html into")
	cmd.Flags().IntVar(&stale, "stale-days", stale, "flag runs older than this many days as stale")
	return cmd
}
