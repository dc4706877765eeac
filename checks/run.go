package checks

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sort"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// RunCheck evaluates one check: datasets without data give unknown naming
// them, a missing licence gives not_applicable, a panic gives error, and a
// pass over a partial dataset becomes unknown. Affected objects are sorted.
func RunCheck(c Check, ctx *Context) (r Result) {
	r = Result{
		ID: c.ID, Title: c.Title, Category: c.Category, Severity: c.Severity,
		Rationale: c.Rationale, References: c.References, Datasets: c.AllDatasets(),
		Remediation: c.Remediation, Incident: c.Incident, Affected: []Affected{},
	}
	var partial []string
	unlicensed := ""
	for _, id := range c.Datasets {
		info := ctx.Info(id)
		if info.Status == snapshot.StatusUnlicensed {
			// The API refused for want of a licence: the feature is absent
			// from the tenant, which is not_applicable, unless another
			// dataset is missing for another reason (then unknown wins).
			if unlicensed == "" {
				unlicensed = id
			}
			continue
		}
		if !info.Status.HasData() {
			r.Status = StatusUnknown
			r.Summary = fmt.Sprintf("Not evaluated: dataset %s was not collected (%s).", id, info.Describe())
			return r
		}
		if info.Status == snapshot.StatusPartial {
			partial = append(partial, id)
		}
	}
	if unlicensed != "" {
		r.Status = StatusNotApplicable
		r.Summary = fmt.Sprintf("Not applicable: the tenant is not licensed for dataset %s (%s).", unlicensed, ctx.Info(unlicensed).Describe())
		return r
	}
	if c.Licence != LicenceNone {
		if !ctx.Licences.Known {
			r.Status = StatusUnknown
			r.Summary = fmt.Sprintf("Not evaluated: licences unknown (subscribedSkus %s); the feature needs %s.", ctx.Info(snapshot.DSSubscribedSkus).Describe(), c.Licence)
			return r
		}
		if (c.Licence == LicenceP1 && !ctx.Licences.P1) || (c.Licence == LicenceP2 && !ctx.Licences.P2) {
			r.Status = StatusNotApplicable
			r.Summary = fmt.Sprintf("Not applicable: the tenant has no %s licence, which this feature needs.", c.Licence)
			return r
		}
	}
	defer func() {
		if p := recover(); p != nil {
			r.Status = StatusError
			r.Summary = fmt.Sprintf("The check failed with an internal error (a bug in m365audit, not a finding about the tenant): %v", p)
			r.Affected = []Affected{}
			if ctx.Logger != nil {
				ctx.Logger.Error("check panicked", "check", c.ID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			}
		}
	}()
	ctx.startCheck()
	o := c.Eval(ctx)
	r.Status, r.Summary = o.Status, o.Summary
	if o.Affected != nil {
		r.Affected = o.Affected
	}
	if r.Status == StatusPass && len(partial) > 0 {
		r.Status = StatusUnknown
		r.Summary = fmt.Sprintf("Not conclusive: dataset %v was only partly collected, so a pass cannot be given. %s", partial, o.Summary)
	}
	SortAffected(r.Affected)
	return r
}

// SortAffected sorts affected objects by name, then id, then time.
func SortAffected(a []Affected) {
	sort.SliceStable(a, func(i, j int) bool {
		if a[i].Name != a[j].Name {
			return a[i].Name < a[j].Name
		}
		if a[i].ID != a[j].ID {
			return a[i].ID < a[j].ID
		}
		ti, tj := a[i].Time, a[j].Time
		return ti != nil && tj != nil && ti.Before(*tj)
	})
}

// Unknown builds an unknown outcome from a dataset read error.
func Unknown(err error) Outcome {
	var nc *snapshot.NotCollectedError
	if errors.As(err, &nc) {
		return Outcome{Status: StatusUnknown, Summary: fmt.Sprintf("Not evaluated: dataset %s was not collected (%s).", nc.Dataset, nc.Info.Describe())}
	}
	return Outcome{Status: StatusUnknown, Summary: fmt.Sprintf("Not evaluated: %v.", err)}
}
