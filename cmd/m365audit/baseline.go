package main

import (
	"encoding/json"
	"fmt"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/diff"
)

// attachBaseline compares the audit with an earlier one of the same tenant
// (audit --baseline) and stores the comparison in doc.Changes, which every
// report renders. No baseline leaves doc untouched.
func attachBaseline(doc *checks.Document, snap *snapshot.Snapshot, baseline string, cfg *checks.Config, version string) error {
	if baseline == "" {
		return nil
	}
	// The configuration was resolved against this audit's snapshot; the
	// baseline is older and may predate accounts created since, so its
	// entries that match nothing there (old.ConfigErr) are not an error.
	old, err := diff.Load(baseline, diff.LoadOptions{Config: cfg, ToolVersion: version})
	if err != nil {
		return fmt.Errorf("--baseline: %w", err)
	}
	d, err := diff.Compare(old, diff.Input{Doc: doc, Snap: snap})
	if err != nil {
		return fmt.Errorf("--baseline: %w", err)
	}
	raw, err := json.Marshal(d.WithoutSchema())
	if err != nil {
		return fmt.Errorf("--baseline: %w", err)
	}
	doc.Changes = raw
	return nil
}
