package model

import (
	"fmt"
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

// NotCollected is Report.NotCollected without building the whole model:
// the console summary lists the same datasets as the PDF and workbook.
func NotCollected(doc *checks.Document, snap *snapshot.Snapshot) []DatasetGap {
	return notCollected(doc, snap)
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

// CheckCounts splits an audit's checks by what could be judged. Every
// count is taken from the results, so the parts add up to Total.
type CheckCounts struct {
	Total int
	// Evaluated: pass, fail or warn.
	Evaluated int
	// NotEvaluable: unknown, data not collected.
	NotEvaluable int
	// NotApplicable: licence or feature absent.
	NotApplicable int
	// Manual: needs a person's review.
	Manual int
	// Errors: the check itself could not run.
	Errors int
}

// Counts counts doc's results by CheckCounts' groups.
func Counts(doc *checks.Document) CheckCounts {
	c := CheckCounts{Total: len(doc.Results)}
	for _, r := range doc.Results {
		switch r.Status {
		case checks.StatusPass, checks.StatusFail, checks.StatusWarn:
			c.Evaluated++
		case checks.StatusUnknown:
			c.NotEvaluable++
		case checks.StatusNotApplicable:
			c.NotApplicable++
		case checks.StatusManual:
			c.Manual++
		case checks.StatusError:
			c.Errors++
		}
	}
	return c
}

// Sentence words the counts: "63 checks: 58 evaluated; 0 not evaluable
// because data was not collected; 4 not applicable (licence or feature
// absent); 1 needs a manual review". Checks that failed to run are named
// only when there are some.
func (c CheckCounts) Sentence() string {
	needs := "need"
	if c.Manual == 1 {
		needs = "needs"
	}
	s := fmt.Sprintf("%d checks: %d evaluated; %d not evaluable because data was not collected; "+
		"%d not applicable (licence or feature absent); %d %s a manual review",
		c.Total, c.Evaluated, c.NotEvaluable, c.NotApplicable, c.Manual, needs)
	if c.Errors > 0 {
		s += fmt.Sprintf("; %d could not run (check error)", c.Errors)
	}
	return s
}
