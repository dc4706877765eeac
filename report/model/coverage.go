package model

import (
	"sort"
	"strings"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// DatasetGap is one dataset the snapshot lacks, with what would allow it.
type DatasetGap struct {
	ID string
	// Title is "Title (id)" when the dataset is known, else its id.
	Title  string
	Status string
	Reason string
	// Needs names the permission and licence that would allow it.
	Needs string
	// Checks is the number of checks that depend on it.
	Checks int
}

// notCollected lists the datasets the coverage shows not collected, denied
// and failed ones first (they are what an operator can fix), then those
// collected without some properties. The snapshot's manifest, when given,
// says which permission or licence each one needed.
func notCollected(doc *checks.Document, snap *snapshot.Snapshot) []DatasetGap {
	var out []DatasetGap
	for _, dc := range doc.Coverage.Datasets {
		if dc.Status == snapshot.StatusOK {
			if len(dc.Omitted) > 0 {
				out = append(out, omittedGap(dc))
			}
			continue
		}
		title := dc.ID
		spec, ok := snapshot.SpecByID(dc.ID)
		// An incident dataset skipped because no incident was under
		// investigation is not a gap of a routine audit.
		if ok && spec.Incident && dc.Status == snapshot.StatusSkipped && doc.Incident == nil {
			continue
		}
		if ok {
			title = spec.Title + " (" + dc.ID + ")"
		}
		perm, lic := spec.Permission, spec.Licence
		if snap != nil {
			if info, ok := snap.Manifest.Datasets[dc.ID]; ok {
				if info.Permission != "" {
					perm = info.Permission
				}
				if info.Licence != "" {
					lic = info.Licence
				}
			}
		}
		needs := perm
		if lic != "" {
			if needs != "" {
				needs += "; "
			}
			needs += "licence: " + lic
		}
		if dc.Status == snapshot.StatusUnlicensed && lic != "" {
			needs = "licence: " + lic
			if perm != "" {
				needs += "; " + perm
			}
		}
		status := string(dc.Status)
		if status == "" {
			status = "not collected"
		}
		out = append(out, DatasetGap{ID: dc.ID, Title: title, Status: status, Reason: dc.Reason, Needs: needs, Checks: len(dc.Checks)})
	}
	rank := func(s string) int {
		if s == GapIncomplete {
			return 100
		}
		for i, v := range []snapshot.Status{snapshot.StatusForbidden, snapshot.StatusUnlicensed, snapshot.StatusError,
			snapshot.StatusPartial, snapshot.StatusNotFound, snapshot.StatusSkipped} {
			if string(v) == s {
				return i
			}
		}
		return 99
	}
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := rank(out[i].Status), rank(out[j].Status); a != b {
			return a < b
		}
		return out[i].Title < out[j].Title
	})
	return out
}

// GapIncomplete is the status of a dataset collected without some of its
// properties.
const GapIncomplete = "incomplete"

// omittedGap is a dataset collected without some of its properties: what
// would allow them is the registry's partial permission and licence when
// they are for the omitted property.
func omittedGap(dc checks.DatasetCoverage) DatasetGap {
	title := dc.ID
	var needs []string
	if spec, ok := snapshot.SpecByID(dc.ID); ok {
		title = spec.Title + " (" + dc.ID + ")"
		n := spec.Needs()
		for _, p := range dc.Omitted {
			if strings.EqualFold(p, n.PartialWhat) {
				needs = append(needs, n.Partial...)
				if n.PartialLicence != "" {
					needs = append(needs, "licence: "+n.PartialLicence)
				}
			}
		}
	}
	what := strings.Join(dc.Omitted, ", ")
	return DatasetGap{ID: dc.ID, Title: title, Status: GapIncomplete,
		Reason: "collected without " + what + " (the service refused it)",
		Needs:  strings.Join(needs, "; "), Checks: len(dc.Checks)}
}
