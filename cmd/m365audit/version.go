package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// newVersionCmd builds `m365audit version`.
func newVersionCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the tool version, Go version and snapshot schema version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(g.stdout, "m365audit %s\ngo %s %s/%s\nsnapshot schema %d\n",
				g.version, runtime.Version(), runtime.GOOS, runtime.GOARCH, snapshot.SchemaVersion)
			return err
		},
	}
}
