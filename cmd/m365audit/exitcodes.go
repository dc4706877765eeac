package main

import (
	"fmt"
	"strings"
)

// exitCode is one documented process exit code.
type exitCode struct {
	code    int
	meaning string
}

// Exit codes every command shares (run() maps errors and signals to them).
var (
	exitCodeOK        = exitCode{exitOK, "ran"}
	exitCodeCannotRun = exitCode{exitCannotRun, "could not run (bad input: an unreadable, refused or unverifiable snapshot, a bad config file or a config entry the snapshot does not have)"}
	exitCodeUsage     = exitCode{exitUsage, "usage error (unknown command or flag, bad flag value or argument)"}
	exitCodeSIGINT    = exitCode{130, "interrupted by SIGINT (Ctrl-C)"}
	exitCodeSIGTERM   = exitCode{143, "stopped by SIGTERM"}
)

// exitCodesHelp renders the exit-code table of a command's help: the
// shared codes with ok's meaning replaced, plus the command's own.
func exitCodesHelp(ok string, own ...exitCode) string {
	ok0 := exitCodeOK
	if ok != "" {
		ok0.meaning = ok
	}
	var list []exitCode
	for _, c := range []exitCode{ok0, exitCodeCannotRun, exitCodeUsage} {
		list = append(list, c)
		for _, o := range own {
			if o.code == c.code {
				list[len(list)-1] = o
			}
		}
	}
	for _, o := range own {
		if o.code > exitUsage {
			list = append(list, o)
		}
	}
	list = append(list, exitCodeSIGINT, exitCodeSIGTERM)
	var b strings.Builder
	b.WriteString("Exit codes:\n")
	for _, c := range list {
		fmt.Fprintf(&b, "  %-4d %s\n", c.code, c.meaning)
	}
	return strings.TrimRight(b.String(), "\n")
}
