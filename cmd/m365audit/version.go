package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Release builds stamp these with -ldflags, e.g.
//
//	-X main.version=v1.2.3 -X main.commit=$(git rev-parse HEAD) -X main.date=2026-12-05T03:00:00Z
//
// Without them the VCS settings Go records at build time are used.
var (
	commit = ""
	date   = ""
)

// buildInfo is what `version` and `--version` print.
type buildInfo struct {
	Version  string
	Commit   string
	Date     string
	Modified bool
}

// resolveBuildInfo combines the -ldflags values with the build's own
// information (runtime/debug.ReadBuildInfo): a stamped value wins; else the
// module version (go install …@v1.2.3) and the vcs.revision, vcs.time and
// vcs.modified settings recorded from the checkout.
func resolveBuildInfo(ldVersion, ldCommit, ldDate string, bi *debug.BuildInfo) buildInfo {
	out := buildInfo{Version: ldVersion, Commit: ldCommit, Date: ldDate}
	if bi == nil {
		return out
	}
	if (out.Version == "" || out.Version == "dev") && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		out.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if out.Commit == "" {
				out.Commit = s.Value
			}
		case "vcs.time":
			if out.Date == "" {
				out.Date = s.Value
			}
		case "vcs.modified":
			out.Modified = ldCommit == "" && s.Value == "true"
		}
	}
	if out.Version == "" {
		out.Version = "dev"
	}
	return out
}

// currentBuildInfo is this binary's buildInfo.
func currentBuildInfo() buildInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return resolveBuildInfo(version, commit, date, bi)
}

// writeVersion prints the version block of `version` and `--version`.
func writeVersion(w io.Writer, b buildInfo) error {
	c := b.Commit
	if c == "" {
		c = "unknown"
	}
	if b.Modified {
		c += " (modified)"
	}
	d := b.Date
	if d == "" {
		d = "unknown"
	}
	_, err := fmt.Fprintf(w, "m365audit %s\ncommit %s\nbuilt %s\ngo %s %s/%s\nsnapshot schema %d\n",
		b.Version, c, d, runtime.Version(), runtime.GOOS, runtime.GOARCH, snapshot.SchemaVersion)
	return err
}

// newVersionCmd builds `m365audit version`.
func newVersionCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the tool version, commit, build date, Go version and snapshot schema version",
		Long:  "Print the tool version, commit, build date, Go version and snapshot schema version.\n\n" + exitCodesHelp("printed", exitCode{exitCannotRun, "could not write to standard output"}),
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return writeVersion(g.stdout, g.build)
		},
	}
}
