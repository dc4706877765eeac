package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report"
)

// Exit codes (DESIGN.md).
const (
	exitOK        = 0
	exitCannotRun = 1
	exitFailOn    = 3
)

// exitError carries a process exit code out of a command; run() maps it.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// ExitCode returns the process exit code.
func (e *exitError) ExitCode() int { return e.code }

// exitCodeOf maps a command error to an exit code: 0 for nil, the carried
// code for an exitError, else 1 (could not run).
func exitCodeOf(err error) int {
	if err == nil {
		return exitOK
	}
	var ee interface{ ExitCode() int }
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return exitCannotRun
}

// auditOptions are the flags of `audit`.
type auditOptions struct {
	Format string
	Out    string
	// Formats selects the outputs --out writes (comma-separated; "" or
	// "all" for every one).
	Formats       string
	ConfigPath    string
	IncidentUsers []string
	IncidentStart string
	FailOn        string
	AllowTampered bool
	// AllowIncomplete audits a snapshot whose collection was interrupted.
	AllowIncomplete bool
	// VerifyKey is a public key file: the snapshot must carry a valid
	// signature made with its private key.
	VerifyKey string
	// AllowUnsafeScripts writes remediation.ps1 and incident-*.ps1 from a
	// tampered or incomplete snapshot (each behind a banner and a throw).
	AllowUnsafeScripts bool
	// Baseline is an earlier audit of the same tenant (baseline.go).
	Baseline string
	// Color forces colour on or off; nil detects (terminal and NO_COLOR
	// unset).
	Color *bool
	// Version is the tool version written into results; Now is the clock
	// (tests inject a fixed time).
	Version string
	Now     func() time.Time
	// Logger receives internal errors (nil logs nothing).
	Logger *slog.Logger
}

// newAuditCmd builds `m365audit audit SNAPSHOT`.
func newAuditCmd(stdout, stderr io.Writer, version string) *cobra.Command {
	o := auditOptions{Version: version}
	cmd := &cobra.Command{
		Use:   "audit SNAPSHOT",
		Short: "Audit a snapshot (directory or .zip) offline and report",
		Long: "Audit a snapshot offline against the check catalogue and print a console summary.\n" +
			"--out DIR writes results.json (and the reports); --format json prints the results document.\n" +
			"\n" + exitCodesHelp("audited (whatever the findings, unless --fail-on)", exitCode{exitFailOn, "--fail-on threshold reached: a non-accepted check failed at or above that severity"}),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// A check that panics is an m365audit bug: its stack goes to
			// stderr (the result itself says "error").
			o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))
			return runAudit(cmd.Context(), args[0], o, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Format, "format", "table", "output on stdout: table or json")
	f.StringVar(&o.Out, "out", "", "directory to write results.json and the reports into (the tool's earlier outputs there are replaced)")
	f.StringVar(&o.Formats, "formats", "all", "outputs --out writes, comma-separated: "+strings.Join(report.Default().Formats(), ", ")+", or all")
	f.StringVar(&o.ConfigPath, "config", "", "configuration file (YAML): breakGlass, exclusions, accept, incident")
	f.StringArrayVar(&o.IncidentUsers, "incident-user", nil, "compromised user (UPN or object id); repeatable; overrides the config and the snapshot")
	f.StringVar(&o.IncidentStart, "incident-start", "", "incident window start (RFC 3339)")
	f.StringVar(&o.FailOn, "fail-on", "", "exit 3 when a non-accepted check fails at or above this severity (critical, high, medium, low, info)")
	f.BoolVar(&o.AllowTampered, "allow-tampered", false, "audit a snapshot whose files fail integrity verification (output is marked)")
	f.BoolVar(&o.AllowIncomplete, "allow-incomplete", false, "audit a snapshot whose collection was interrupted (output is marked)")
	f.StringVar(&o.VerifyKey, "verify-key", "", "public key file (m365audit keygen): refuse the snapshot unless it is signed with its private key")
	f.BoolVar(&o.AllowUnsafeScripts, "allow-unsafe-scripts", false, "with --allow-tampered or --allow-incomplete, still write remediation.ps1 and incident-*.ps1 (each opens with a warning and a throw you must delete by hand)")
	f.StringVar(&o.Baseline, "baseline", "", "an earlier audit of the same tenant (snapshot, results.json or audit --out directory): every report gains what changed since")
	return cmd
}

// runAudit loads the snapshot and config, runs every check, prints the
// summary or JSON, writes outputs, and applies --fail-on.
func runAudit(ctx context.Context, path string, o auditOptions, stdout, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	now := o.Now
	if now == nil {
		now = func() time.Time { return time.Now().UTC() }
	}
	reg := report.Default()
	format := o.Format
	if format == "" {
		format = "table"
	}
	console, err := reg.Console(format)
	if err != nil {
		return usagef("--format: %v", err)
	}
	outputs, err := reg.ParseFormats(o.Formats)
	if err != nil {
		return usagef("--formats: %v", err)
	}
	if o.Out == "" && o.Formats != "" && o.Formats != "all" {
		return usagef("--formats chooses what --out writes; give --out DIR too")
	}
	var failOn checks.Severity
	if o.FailOn != "" {
		failOn = checks.Severity(strings.ToLower(o.FailOn))
		if failOn.Rank() >= len(checks.Severities()) {
			return usagef("--fail-on %q: use critical, high, medium, low or info", o.FailOn)
		}
	}
	cfg := &checks.Config{}
	if o.ConfigPath != "" {
		c, err := checks.LoadConfig(o.ConfigPath)
		if err != nil {
			return &exitError{exitCannotRun, err}
		}
		cfg = c
	}
	var verifyKey ed25519.PublicKey
	if o.VerifyKey != "" {
		var err error
		if verifyKey, err = readVerifyKey(o.VerifyKey); err != nil {
			return err
		}
	}
	snap, err := snapshot.Load(path, snapshot.LoadOptions{AllowIntegrityErrors: o.AllowTampered, AllowIncomplete: o.AllowIncomplete})
	if err != nil {
		return &exitError{exitCannotRun, err}
	}
	evidence := evidenceOf(snap)
	if verifyKey != nil {
		if err := snap.VerifySignature(verifyKey); err != nil {
			return &exitError{exitCannotRun, fmt.Errorf("snapshot %s: %w", path, err)}
		}
		evidence.Verified, evidence.KeyFingerprint = true, snapshot.KeyFingerprint(verifyKey)
	}
	for _, f := range snap.Unexpected {
		fmt.Fprintf(stderr, "WARNING: snapshot %s holds %s, which its manifest does not name; it was ignored.\n", path, f)
	}
	inc, err := incidentFor(snap, cfg, o.IncidentUsers, o.IncidentStart)
	if err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			return err
		}
		return &exitError{exitCannotRun, err}
	}
	// The configuration is resolved once, against this snapshot: an entry
	// that matches nothing (a break-glass account, an exclusion or an
	// accepted object the tenant does not have) stops the audit in every
	// mode; checks and writers use only what it resolved to.
	resolved, err := checks.ResolveConfig(cfg, snap, inc)
	if err != nil {
		return &exitError{exitCannotRun, err}
	}
	for _, u := range resolved.Unverified {
		fmt.Fprintf(stderr, "WARNING: config %s\n", u)
	}
	doc := checks.Run(snap, checks.RunOptions{Config: resolved, ToolVersion: o.Version, GeneratedAt: now(), Incident: inc, Logger: o.Logger})
	doc.Evidence = evidence
	if err := attachBaseline(doc, snap, o.Baseline, cfg, o.Version); err != nil {
		return &exitError{exitCannotRun, err}
	}
	if len(doc.Integrity) > 0 {
		fmt.Fprintf(stderr, "WARNING: snapshot %s failed integrity verification (%d problem(s)); audited anyway because of --allow-tampered. Results are marked.\n", path, len(doc.Integrity))
	}
	if snap.Incomplete {
		fmt.Fprintf(stderr, "WARNING: snapshot %s is incomplete (collection was interrupted); audited anyway because of --allow-incomplete. Results are marked.\n", path)
	}
	in := &report.Input{Doc: doc, Snap: snap, Opt: report.Options{Config: resolved, ToolVersion: doc.Tool.Version,
		AllowUnsafeScripts: o.AllowUnsafeScripts, Log: slog.New(slog.DiscardHandler)}}
	var res report.Result
	if o.Out != "" {
		if res, err = reg.WriteDir(ctx, o.Out, outputs, in); err != nil {
			return &exitError{exitCannotRun, fmt.Errorf("write outputs to %s: %w", o.Out, err)}
		}
	}
	color := colorFor(stdout)
	if o.Color != nil {
		color = *o.Color
	}
	if err := console.WriteConsole(in, stdout, color); err != nil {
		return &exitError{exitCannotRun, err}
	}
	if format == "table" && len(res.Written) > 0 {
		fmt.Fprintf(stdout, "\nWrote:\n")
		for _, w := range res.Written {
			fmt.Fprintf(stdout, "  %s\n", w)
		}
	}
	if res.ScriptsRefused != nil {
		fmt.Fprintf(stderr, "WARNING: %v.\n", res.ScriptsRefused)
	}
	for _, p := range res.Removed {
		fmt.Fprintf(stderr, "Removed %s (written by an earlier run, not by this one).\n", p)
	}
	for _, p := range res.Kept {
		fmt.Fprintf(stderr, "WARNING: %s was written by an earlier run but has been changed since; left in place.\n", p)
	}
	if failOn != "" {
		var hit []string
		for _, r := range doc.Results {
			if r.Status == checks.StatusFail && !r.IsAccepted() && r.Severity.Rank() <= failOn.Rank() {
				hit = append(hit, r.ID)
			}
		}
		if len(hit) > 0 {
			return &exitError{exitFailOn, fmt.Errorf("--fail-on %s: %d check(s) failed: %s", failOn, len(hit), strings.Join(hit, ", "))}
		}
	}
	return nil
}

// evidenceOf is the snapshot's chain-of-custody state for the results
// document: its digest, and whether it was audited despite failed
// verification or an interrupted collection.
func evidenceOf(snap *snapshot.Snapshot) checks.Evidence {
	return checks.Evidence{
		Digest:     snap.Digest,
		Signed:     len(snap.Signature) > 0,
		Incomplete: snap.Incomplete,
		Tampered:   len(snap.Integrity) > 0,
	}
}

// incidentFor resolves the incident context with precedence flag > config >
// manifest. A start without users (or users without any start) is an
// error rather than a silently skipped incident.
func incidentFor(snap *snapshot.Snapshot, cfg *checks.Config, users []string, start string) (*checks.IncidentInfo, error) {
	var flag *snapshot.Incident
	if len(users) > 0 || start != "" {
		if len(users) == 0 {
			return nil, usagef("--incident-start needs at least one --incident-user")
		}
		flag = &snapshot.Incident{Users: users}
		switch {
		case start != "":
			t, err := time.Parse(time.RFC3339, start)
			if err != nil {
				return nil, &usageError{fmt.Errorf("--incident-start %q: not an RFC 3339 time (e.g. 2026-11-10T00:00:00Z): %w", start, err)}
			}
			flag.Start = t
		case cfg.Incident != nil:
			flag.Start = cfg.Incident.Start
		case snap.Manifest.Incident != nil:
			flag.Start = snap.Manifest.Incident.Start
		default:
			return nil, usagef("--incident-user needs --incident-start (no start in the config or the snapshot)")
		}
	}
	var fromCfg *snapshot.Incident
	if cfg.Incident != nil {
		fromCfg = &snapshot.Incident{Users: cfg.Incident.Users, Start: cfg.Incident.Start}
	}
	inc := checks.IncidentFrom(snap.Manifest.CollectedAt, flag, fromCfg, snap.Manifest.Incident)
	if inc != nil && inc.Start.After(inc.End) {
		return nil, fmt.Errorf("incident start %s is after the snapshot was collected (%s)", inc.Start.Format(time.RFC3339), inc.End.Format(time.RFC3339))
	}
	return inc, nil
}

// colorFor reports whether output to w may be coloured: w is a terminal and
// NO_COLOR is unset.
func colorFor(w io.Writer) bool {
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
