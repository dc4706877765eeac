// Package m365audit holds what the whole module shares at its root: the
// embedded sample tenant used by `m365audit demo` and by tests.
package m365audit

import (
	"embed"
	"fmt"
	"io/fs"
)

// sample is the Contoso sample snapshot (a compromised-user story with
// hostile display names), embedded so the demo needs no files or network.
//
//go:embed testdata/contoso
var sample embed.FS

// SampleTenant returns the Contoso sample snapshot as a file system rooted
// at the snapshot directory, ready for snapshot.LoadFS.
func SampleTenant() (fs.FS, error) {
	sub, err := fs.Sub(sample, "testdata/contoso")
	if err != nil {
		return nil, fmt.Errorf("sample tenant: %w", err)
	}
	return sub, nil
}
