package pwsh

import (
	"context"
	"io"
	"testing"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/model"
)

// The tests build the report model the way package report does (with this
// package's fixes) and write from it.

func buildModel(doc *checks.Document, snap *snapshot.Snapshot) (*model.Report, error) {
	if doc == nil {
		return nil, nil
	}
	return model.Build(doc, snap, model.Options{Fixes: Fixes()})
}

func writeContainmentDoc(ctx context.Context, w io.Writer, doc *checks.Document, snap *snapshot.Snapshot, upn string, opt Options) error {
	rep, err := buildModel(doc, snap)
	if err != nil {
		return err
	}
	return WriteContainment(ctx, w, rep, upn, opt)
}

func writeRemediationDoc(ctx context.Context, w io.Writer, doc *checks.Document, snap *snapshot.Snapshot, opt Options) error {
	rep, err := buildModel(doc, snap)
	if err != nil {
		return err
	}
	return WriteRemediation(ctx, w, rep, opt)
}

// containmentActions is the plan the report model holds for upn (nil when
// none can be planned).
func containmentActions(doc *checks.Document, snap *snapshot.Snapshot, upn string) []model.Action {
	rep, err := buildModel(doc, snap)
	if err != nil || rep == nil {
		return nil
	}
	c, err := rep.ContainmentPlan(upn)
	if err != nil {
		return nil
	}
	return c.Actions()
}

func containmentReview(doc *checks.Document, snap *snapshot.Snapshot, upn string) []model.ReviewItem {
	rep, err := buildModel(doc, snap)
	if err != nil || rep == nil {
		return nil
	}
	c, err := rep.ContainmentPlan(upn)
	if err != nil {
		return nil
	}
	return c.Review
}

// TestMethodEndpointsMatchModel: every method type the model plans to
// remove has an endpoint here, and no endpoint is unused.
func TestMethodEndpointsMatchModel(t *testing.T) {
	eps := authMethodEndpoints()
	for typ := range model.RemovableMethods() {
		if _, ok := eps[typ]; !ok {
			t.Errorf("model removes %s, but the script has no endpoint for it", typ)
		}
	}
	for typ := range eps {
		if _, ok := model.RemovableMethods()[typ]; !ok {
			t.Errorf("endpoint for %s, which the model never removes", typ)
		}
	}
}
