package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/report/diff"
)

// diffOptions are the flags of `diff`.
type diffOptions struct {
	Format     string
	ConfigPath string
}

// newDiffCmd builds `m365audit diff OLD NEW`.
func newDiffCmd(g *globalOptions) *cobra.Command {
	var o diffOptions
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Compare two audits of the same tenant: verdicts fixed or regressed, objects added, removed or modified",
		Long: "Compare two snapshots (directories or .zip) of the same tenant: which checks were fixed, regressed,\n" +
			"improved or worsened, which configuration objects were added, removed or modified (field by field),\n" +
			"and which object changes explain each verdict change. Either side may be a results.json (or an\n" +
			"audit --out directory): then only verdicts are compared. Snapshots of different tenants are refused.\n" +
			"\n" + exitCodesHelp("compared (whatever changed)"),
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDiff(args[0], args[1], o, g.version, g.stdout, g.stderr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Format, "format", "table", "output: table, json or markdown")
	f.StringVar(&o.ConfigPath, "config", "", "configuration file (YAML) applied to both sides: breakGlass, exclusions, accept, incident")
	return cmd
}

func runDiff(oldPath, newPath string, o diffOptions, version string, stdout, stderr io.Writer) error {
	var write func(io.Writer, *diff.Document) error
	switch o.Format {
	case "", "table":
		write = diff.WriteTable
	case "json":
		write = diff.WriteJSON
	case "markdown", "md":
		write = diff.WriteMarkdown
	default:
		return usagef("--format %q: use table, json or markdown", o.Format)
	}
	d, warnings, err := compareRuns(oldPath, newPath, o.ConfigPath, version)
	if err != nil {
		return &exitError{exitCannotRun, err}
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "WARNING: config %s\n", w)
	}
	if err := write(stdout, d); err != nil {
		return &exitError{exitCannotRun, err}
	}
	return nil
}

// compareRuns loads both sides (auditing snapshots with the config) and
// compares them. The configuration must resolve against the newer snapshot
// (NEW, or OLD when NEW is a results document); an earlier snapshot may
// predate accounts created since, so entries it does not have are not an
// error there. Entries that could not be checked are returned as warnings.
func compareRuns(oldPath, newPath, configPath, version string) (*diff.Document, []string, error) {
	cfg := &checks.Config{}
	if configPath != "" {
		c, err := checks.LoadConfig(configPath)
		if err != nil {
			return nil, nil, err
		}
		cfg = c
	}
	opt := diff.LoadOptions{Config: cfg, ToolVersion: version}
	old, err := diff.Load(oldPath, opt)
	if err != nil {
		return nil, nil, fmt.Errorf("old side: %w", err)
	}
	cur, err := diff.Load(newPath, opt)
	if err != nil {
		return nil, nil, fmt.Errorf("new side: %w", err)
	}
	checked := cur
	if cur.Snap == nil {
		checked = old
	}
	if checked.ConfigErr != nil {
		return nil, nil, checked.ConfigErr
	}
	var warnings []string
	if checked.Config != nil {
		warnings = checked.Config.Unverified
	}
	d, err := diff.Compare(old, cur)
	return d, warnings, err
}
