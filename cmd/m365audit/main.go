// Command m365audit collects a read-only snapshot of a Microsoft 365 tenant,
// audits it offline and reports. See DESIGN.md for the CLI contract.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// version is the tool version, set at build time with
// -ldflags "-X main.version=v1.2.3" (commit and date: version.go).
var version = "dev"

// exitUsage is the exit code of a usage error (bad flag or argument).
const exitUsage = 2

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the CLI with injectable streams and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	ctx, stop := withSignals(ctx)
	defer stop()
	g := newGlobalOptions(stdout, stderr)
	root := newRootCmd(g)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	code := codeOf(err)
	var sig *signalError
	if errors.As(context.Cause(ctx), &sig) {
		code = sig.ExitCode()
	}
	fmt.Fprintf(stderr, "m365audit: %v\n", err)
	if code == exitUsage {
		fmt.Fprintln(stderr, "Run 'm365audit --help' for usage.")
	}
	return code
}

// usageError marks a bad flag or argument (exit 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// ExitCode implements the exit-code interface commands share.
func (e *usageError) ExitCode() int { return exitUsage }

func usagef(format string, a ...any) error { return &usageError{fmt.Errorf(format, a...)} }

// codeOf maps an error to an exit code: a carried code (usage, fail-on),
// cobra's own argument errors as usage, anything else 1 (could not run).
func codeOf(err error) int {
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "invalid argument", "flag needs an argument"} {
		if strings.HasPrefix(msg, p) {
			return exitUsage
		}
	}
	return 1
}

// signalError is the cause of a context ended by SIGINT or SIGTERM; a run
// it stops exits 128 + the signal number (130, 143), as shells expect.
type signalError struct{ sig os.Signal }

func (e *signalError) Error() string { return "stopped by " + e.sig.String() }

// ExitCode is 128 + the signal number.
func (e *signalError) ExitCode() int {
	if s, ok := e.sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 130
}

// withSignals returns a context cancelled by SIGINT or SIGTERM with a
// *signalError cause. A second signal is left to the default handler (a
// user pressing Ctrl-C twice gets out at once).
func withSignals(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			cancel(&signalError{sig: s})
			signal.Stop(ch)
		case <-done:
		}
	}()
	return ctx, func() {
		close(done)
		signal.Stop(ch)
		cancel(nil)
	}
}
