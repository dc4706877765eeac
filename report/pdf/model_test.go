package pdf

import (
	"testing"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/model"
	"github.com/m365audit/m365audit/report/pwsh"
)

// buildModel builds the report model as package report does. The tests
// take the script writer's fixes so the PDF lists remediation.ps1's blocks;
// the PDF package itself does not import report/pwsh.
func buildModel(t testing.TB, doc *checks.Document, snap *snapshot.Snapshot) *model.Report {
	t.Helper()
	rep, err := model.Build(doc, snap, model.Options{Fixes: pwsh.Fixes()})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func mustPlan(t testing.TB, doc *checks.Document, snap *snapshot.Snapshot, upn string) *model.Containment {
	t.Helper()
	c, err := buildModel(t, doc, snap).ContainmentPlan(upn)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
