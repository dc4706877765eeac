package checks

import (
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// ToolName is the tool name written into results documents.
const ToolName = "m365audit"

// RunOptions are the inputs of an audit besides the snapshot.
type RunOptions struct {
	// Config is the audit configuration resolved against the snapshot
	// (ResolveConfig; nil = empty).
	Config *Resolved
	// ToolVersion is written into the document.
	ToolVersion string
	// GeneratedAt is when the audit ran. It is injected (the CLI passes the
	// time of the run, tests a fixed time) so output stays deterministic;
	// checks themselves read time only from the snapshot's collectedAt.
	GeneratedAt time.Time
	// Incident is the incident context; nil means no incident, and incident
	// checks are then skipped entirely.
	Incident *IncidentInfo
	// Checks restricts the run (nil = All()).
	Checks []Check
	// Logger receives internal errors of checks (nil logs nothing).
	Logger *slog.Logger
}

// Run audits a snapshot: every check runs through RunCheck (dataset and
// licence gating, panics become error), acceptances from the config are
// applied, and the document gets its score and coverage. Output is
// deterministic: results are sorted by severity rank then ID.
func Run(snap *snapshot.Snapshot, opts RunOptions) *Document {
	cfg := opts.Config
	list := opts.Checks
	if list == nil {
		list = All()
	}
	ctx := NewContext(snap, cfg, snap.Manifest.CollectedAt, DetectLicences(snap), opts.Incident, opts.Logger)
	doc := &Document{
		SchemaVersion: ResultsSchemaVersion,
		Tool:          snapshot.Tool{Name: ToolName, Version: opts.ToolVersion},
		Tenant:        snap.Manifest.Tenant,
		Cloud:         snap.Manifest.Cloud,
		CollectedAt:   snap.Manifest.CollectedAt,
		GeneratedAt:   opts.GeneratedAt,
		Licences:      ctx.Licences,
		Incident:      opts.Incident,
		Integrity:     append([]snapshot.IntegrityProblem(nil), snap.Integrity...),
		Results:       []Result{},
	}
	var ran []Check
	for _, c := range list {
		if c.Incident && opts.Incident == nil {
			doc.NotRun = append(doc.NotRun, NotRun{ID: c.ID, Reason: NotRunNoIncident})
			continue
		}
		ran = append(ran, c)
		r := RunCheck(c, ctx)
		applyAcceptance(&r, cfg.Config().Accept, ctx.Now)
		doc.Results = append(doc.Results, r)
	}
	sort.SliceStable(doc.Results, func(i, j int) bool {
		a, b := doc.Results[i], doc.Results[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() < b.Severity.Rank()
		}
		return a.ID < b.ID
	})
	sort.Slice(doc.NotRun, func(i, j int) bool { return doc.NotRun[i].ID < doc.NotRun[j].ID })
	doc.Score = ComputeScore(doc.Results)
	doc.Coverage = computeCoverage(snap, ran, doc.Results)
	return doc
}

// applyAcceptance marks a fail or warn result accepted by the config.
// Unexpired entries cover the objects they name (Affected.Accepted); an
// entry with no objects covers the whole result, and so does a set of
// entries covering every affected object. An entry that expired before
// collectedAt no longer counts but is shown (Expired) so it gets renewed.
func applyAcceptance(r *Result, entries []AcceptEntry, now time.Time) {
	if r.Status != StatusFail && r.Status != StatusWarn {
		return
	}
	var mine []AcceptEntry
	for _, e := range entries {
		if strings.EqualFold(e.Check, r.ID) {
			mine = append(mine, e)
		}
	}
	if len(mine) == 0 {
		return
	}
	var whole, expired *AcceptEntry
	var partial []AcceptEntry
	for i := range mine {
		e := &mine[i]
		if e.Expires.Before(now) {
			if expired == nil {
				expired = e
			}
			continue
		}
		if len(e.Objects) == 0 {
			if whole == nil {
				whole = e
			}
			continue
		}
		partial = append(partial, *e)
		for j := range r.Affected {
			if acceptCovers(e.Objects, r.Affected[j]) {
				r.Affected[j].Accepted = true
			}
		}
	}
	covered := 0
	for _, a := range r.Affected {
		if a.Accepted {
			covered++
		}
	}
	switch {
	case whole != nil:
		r.Accepted = acceptance(*whole, false)
		for j := range r.Affected {
			r.Affected[j].Accepted = true
		}
	case len(r.Affected) > 0 && covered == len(r.Affected):
		a := acceptance(partial[0], false)
		for _, e := range partial[1:] {
			a.Objects = append(a.Objects, e.Objects...)
		}
		r.Accepted = a
	case covered > 0:
		e := partial[0]
		r.Summary += fmt.Sprintf(" Accepted risk covers %d of %d objects (owner %s, expires %s: %s); the rest are not accepted.",
			covered, len(r.Affected), e.Owner, e.Expires.Format("2006-01-02"), e.Reason)
	case expired != nil:
		r.Accepted = acceptance(*expired, true)
		r.Summary += fmt.Sprintf(" An acceptance of this risk expired on %s and no longer counts.", expired.Expires.Format("2006-01-02"))
	}
}

func acceptance(e AcceptEntry, expired bool) *Acceptance {
	return &Acceptance{Reason: e.Reason, Owner: e.Owner, Expires: e.Expires.Format("2006-01-02"),
		Objects: append([]string(nil), e.Objects...), Expired: expired}
}

// acceptCovers matches an acceptance object against an affected object by
// id, name, or the UPN or mail address of the user it is or belongs to.
func acceptCovers(objects []string, a Affected) bool {
	var keys []string
	if a.User != nil {
		keys = append(keys, a.User.UPN, a.User.Mail)
	}
	if a.SignIn != nil {
		keys = append(keys, a.SignIn.UPN)
	}
	for _, o := range objects {
		o = strings.TrimSpace(o)
		if strings.EqualFold(o, a.ID) || strings.EqualFold(o, a.Name) {
			return true
		}
		for _, v := range keys {
			if v != "" && strings.EqualFold(o, v) {
				return true
			}
		}
	}
	return false
}

// computeCoverage lists every dataset a run check depends on or the
// manifest records, with its status and the checks that read it.
func computeCoverage(snap *snapshot.Snapshot, ran []Check, results []Result) Coverage {
	deps := map[string][]string{}
	for _, c := range ran {
		for _, d := range c.AllDatasets() {
			deps[d] = append(deps[d], c.ID)
		}
	}
	ids := map[string]bool{}
	for id := range deps {
		ids[id] = true
	}
	for id := range snap.Manifest.Datasets {
		ids[id] = true
	}
	cov := Coverage{Datasets: []DatasetCoverage{}}
	for _, id := range sortedKeys(ids) {
		info := snap.Info(id)
		checks := deps[id]
		sort.Strings(checks)
		cov.Datasets = append(cov.Datasets, DatasetCoverage{ID: id, Status: info.Status, Reason: info.Reason, Count: info.Count, Checks: checks,
			Omitted: info.Omitted})
	}
	for _, r := range results {
		switch r.Status {
		case StatusPass, StatusFail, StatusWarn:
			cov.Evaluated++
		case StatusUnknown:
			cov.NotEvaluable++
		}
	}
	return cov
}

// IncidentFrom builds the incident info of a run from the first source
// that gives one, in precedence order (flag, config, manifest); the window
// ends at collectedAt. Users are deduplicated and sorted.
func IncidentFrom(collectedAt time.Time, sources ...*snapshot.Incident) *IncidentInfo {
	for _, s := range sources {
		if s == nil || len(s.Users) == 0 {
			continue
		}
		seen := map[string]bool{}
		var users []string
		for _, u := range s.Users {
			k := strings.ToLower(strings.TrimSpace(u))
			if k != "" && !seen[k] {
				seen[k] = true
				users = append(users, strings.TrimSpace(u))
			}
		}
		sort.Strings(users)
		return &IncidentInfo{Users: users, Start: s.Start, End: collectedAt}
	}
	return nil
}
