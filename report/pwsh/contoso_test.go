package pwsh

import (
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/model"
)

// TestContosoSample runs the real checks over the Contoso sample snapshot
// and checks the script for it: every failing scripted check gets a region
// (or a manual step), every change is guarded, and the tenant guard comes
// first. This ties the script to the affected objects the checks really
// emit, not only to hand-made fixtures.
func TestContosoSample(t *testing.T) {
	snap, err := snapshot.Load("../../testdata/contoso", snapshot.LoadOptions{})
	if err != nil {
		t.Fatalf("Contoso sample not loadable: %v", err)
	}
	doc := checks.Run(snap, checks.RunOptions{ToolVersion: "test", GeneratedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)})
	script := generate(t, doc, snap, Options{BreakGlassUserIDs: []string{"00000000-0000-0000-0000-0000000000b1"}, ToolVersion: "test"})
	if _, err := psLex(script); err != nil {
		t.Fatalf("lex: %v", err)
	}
	muts, _ := mutations(t, script)
	for _, m := range muts {
		if !m.guarded {
			t.Errorf("line %d: %s not guarded", m.line, m.command)
		}
	}
	p := model.PlanRemediation(doc, snap, Fixes())
	for _, b := range p.Blocks {
		if !strings.Contains(script, "#region "+b.Result.ID+" ") {
			t.Errorf("%s: planned block missing", b.Result.ID)
		}
	}
	failing := 0
	for _, r := range doc.Results {
		if r.Status != checks.StatusFail || r.Incident || !Supports(r.ID) {
			continue
		}
		failing++
		if !strings.Contains(script, "#region "+r.ID+" ") && !strings.Contains(script, "# "+r.ID+" ") && !strings.Contains(script, r.ID+".") {
			t.Errorf("%s fails but is neither scripted nor listed", r.ID)
		}
	}
	if failing == 0 {
		t.Error("the sample has no failing scripted check: nothing above was compared")
	}
	if !strings.Contains(script, "$ExpectedTenantId = '"+strings.ToLower(snap.Manifest.Tenant.ID)+"'") {
		t.Error("tenant id missing")
	}
}
