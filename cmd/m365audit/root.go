package main

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// globalOptions are shared by every command: streams, logging, clock and
// environment. Commands take it in their constructor (no package-level flag
// variables), so tests run the CLI with their own streams.
type globalOptions struct {
	stdout, stderr io.Writer
	logLevel       string
	logFormat      string
	version        string
	build          buildInfo
	getenv         func(string) string
	now            func() time.Time
	// interactive reports whether stderr is a terminal (progress, device
	// code default).
	interactive bool
}

func newGlobalOptions(stdout, stderr io.Writer) *globalOptions {
	b := currentBuildInfo()
	g := &globalOptions{stdout: stdout, stderr: stderr, version: b.Version, build: b, getenv: os.Getenv, now: time.Now, logLevel: "warn"}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		g.interactive = true
	}
	return g
}

// logger builds the run's logger: text on stderr at --log-level.
func (g *globalOptions) logger() *slog.Logger { return g.loggerTo(g.stderr) }

// loggerTo builds the run's logger writing to w (a progress view's log
// writer on a terminal).
func (g *globalOptions) loggerTo(w io.Writer) *slog.Logger {
	var lvl slog.Level
	switch strings.ToLower(g.logLevel) {
	case "debug":
		lvl = slog.LevelDebug
	case "info":
		lvl = slog.LevelInfo
	case "error":
		lvl = slog.LevelError
	default:
		lvl = slog.LevelWarn
	}
	if g.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl}))
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl}))
}

// newRootCmd builds the command tree; each command is one line here.
func newRootCmd(g *globalOptions) *cobra.Command {
	root := &cobra.Command{
		Use:   "m365audit",
		Short: "Collect, audit and report on a Microsoft 365 tenant (read-only)",
		Long: "m365audit collects a read-only snapshot of a Microsoft 365 tenant (Entra ID through Microsoft Graph,\n" +
			"Exchange Online through the Exchange admin API), audits it offline and reports.\n\n" +
			exitCodesHelp("", exitCode{exitFailOn, "audit --fail-on threshold reached; collect --preflight: a dataset would not be collected whole"}),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			if g.logFormat != "text" && g.logFormat != "json" {
				return usagef("--log-format %q: use text or json", g.logFormat)
			}
			switch strings.ToLower(g.logLevel) {
			case "debug", "info", "warn", "error":
				return nil
			}
			return usagef("--log-level %q: use debug, info, warn or error", g.logLevel)
		},
	}
	// --version prints what `version` prints (the text holds no template
	// braces: versions, hashes and dates only).
	var vt strings.Builder
	_ = writeVersion(&vt, g.build)
	root.Version = g.build.Version
	root.SetVersionTemplate(strings.NewReplacer("{{", "", "}}", "").Replace(vt.String()))
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", g.logLevel, "log level on stderr: debug, info, warn or error")
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", "text", "log format on stderr: text or json (one JSON object per line, for unattended runs)")
	root.AddCommand(
		newCollectCmd(g),
		newAuditCmd(g.stdout, g.stderr, g.version),
		newChecksCmd(g.stdout),
		newDemoCmd(g),
		newDiffCmd(g),
		newSetupCmd(g),
		newPortfolioCmd(g),
		newBatchCmd(g),
		newVersionCmd(g),
		newKeygenCmd(g),
	)
	return root
}
