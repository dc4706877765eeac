package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/report/diff"
	"github.com/m365audit/m365audit/report/portfolio"
)

// checkDemoFurther checks what demo writes after today's Contoso outputs
// in out: Contoso a month later with its changes since today in every
// report, the hardened second tenant, and the portfolio over both.
func checkDemoFurther(t *testing.T, out string) {
	t.Helper()
	readDoc := func(dir string) *checks.Document {
		t.Helper()
		raw, err := os.ReadFile(filepath.Join(dir, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		var doc checks.Document
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		return &doc
	}
	today := readDoc(out)
	if today.Changes != nil {
		t.Error("today's run has no baseline, so no changes")
	}

	// Contoso a month later, compared with today.
	next := filepath.Join(out, demoNextMonthDir)
	nd := readDoc(next)
	if nd.Tenant.ID != today.Tenant.ID || nd.CollectedAt.Sub(today.CollectedAt).Hours() < 24*29 || nd.Incident != nil {
		t.Fatalf("next month: tenant %s collected %s incident %+v; today %s %s", nd.Tenant.ID, nd.CollectedAt, nd.Incident, today.Tenant.ID, today.CollectedAt)
	}
	var ch diff.Document
	if err := json.Unmarshal(nd.Changes, &ch); err != nil || !ch.ObjectsCompared {
		t.Fatalf("next month's changes: %v (objects compared %v)", err, ch.ObjectsCompared)
	}
	got := map[string]string{}
	for _, c := range ch.Checks {
		got[c.ID] = string(c.Change)
	}
	for id, want := range map[string]string{"EXO-PROTO-001": "fixed", "ENTRA-APP-004": "fixed", "ENTRA-CA-002": "regressed", "ENTRA-PRIV-009": "changed"} {
		if got[id] != want {
			t.Errorf("next month: %s change %q, want %q", id, got[id], want)
		}
	}
	// Today's incident checks were not run next month (no incident): a
	// coverage change, never a check removed from the tool.
	notRun := map[string]bool{}
	for _, n := range nd.NotRun {
		notRun[n.ID] = n.Reason == checks.NotRunNoIncident
	}
	byID := map[string]diff.CheckChange{}
	for _, c := range ch.Checks {
		byID[c.ID] = c
	}
	ir := 0
	for _, r := range today.Results {
		if !r.Incident {
			continue
		}
		ir++
		c := byID[r.ID]
		if !notRun[r.ID] || c.Change != diff.Coverage || c.From != r.Status || c.ToNotRun != checks.NotRunNoIncident {
			t.Errorf("next month: %s listed as not run %v, change %q from %q (not run %q)", r.ID, notRun[r.ID], c.Change, c.From, c.ToNotRun)
		}
	}
	if ir == 0 || ch.Counts.Removed != 0 || ch.Counts.Added != 0 {
		t.Errorf("next month: %d incident checks today; %d checks removed, %d added", ir, ch.Counts.Removed, ch.Counts.Added)
	}
	// The headline scores compare different sets of checks (today's
	// incident checks are not run next month); the like-for-like score is
	// over the checks both audits evaluated, and next month's reports say
	// so.
	isEval := func(s checks.Status) bool {
		return s == checks.StatusPass || s == checks.StatusFail || s == checks.StatusWarn
	}
	var common []checks.Result
	irEvaluated := 0
	for _, r := range today.Results {
		switch {
		case r.Incident && isEval(r.Status):
			irEvaluated++
		case isEval(r.Status):
			common = append(common, r)
		}
	}
	nextEvaluated := 0
	for _, r := range nd.Results {
		if isEval(r.Status) {
			nextEvaluated++
		}
	}
	cmp := ch.Comparable
	if cmp == nil || cmp.FromOnly != irEvaluated || cmp.ToOnly != 0 || cmp.Checks != nextEvaluated || cmp.Checks != len(common) ||
		cmp.From != checks.ComputeScore(common).Percent || cmp.To != nd.Score.Percent {
		t.Errorf("next month: comparable %+v; want %d checks (%d common), from %.1f, to %.1f, %d evaluated today only",
			cmp, nextEvaluated, len(common), checks.ComputeScore(common).Percent, nd.Score.Percent, irEvaluated)
	} else {
		if cmp.To-cmp.From >= ch.To.Score-ch.From.Score {
			t.Errorf("next month: like-for-like %.1f -> %.1f is not below the headline %.1f -> %.1f (today's failing incident checks)", cmp.From, cmp.To, ch.From.Score, ch.To.Score)
		}
		line := "On the " + strconv.Itoa(cmp.Checks) + " checks both audits evaluated"
		if html, _ := os.ReadFile(filepath.Join(next, "report.html")); !strings.Contains(string(html), line) ||
			!strings.Contains(string(html), strconv.Itoa(irEvaluated)+" incident checks not run this time") {
			t.Errorf("next month's report.html lacks %q and the %d incident checks not run", line, irEvaluated)
		}
	}
	h := ch.Highlights()
	if len(h.NewGuests) != 3 || len(h.NewRoleHolders) != 1 || ch.To.Score <= ch.From.Score {
		t.Errorf("next month: %d new guests, %d new role holders, score %v -> %v", len(h.NewGuests), len(h.NewRoleHolders), ch.From.Score, ch.To.Score)
	}
	for _, f := range []string{"report.pdf", "report.html", "report.xlsx"} {
		if st, err := os.Stat(filepath.Join(next, f)); err != nil || st.Size() == 0 {
			t.Errorf("next month: %s missing: %v", f, err)
		}
	}
	html, err := os.ReadFile(filepath.Join(next, "report.html"))
	if err != nil || !strings.Contains(string(html), "Since the last report") {
		t.Errorf("next month's report.html has no changes section (%v)", err)
	}
	if html, _ := os.ReadFile(filepath.Join(out, "report.html")); strings.Contains(string(html), "Since the last report") {
		t.Error("today's report.html shows a changes section without a baseline")
	}

	// The second tenant: hardened, no incident.
	second := readDoc(filepath.Join(out, demoSecondTenantDir))
	if second.Tenant.ID == today.Tenant.ID || second.Incident != nil || second.Score.Percent < 90 {
		t.Errorf("second tenant %s (%s): score %v, incident %+v", second.Tenant.DisplayName, second.Tenant.ID, second.Score.Percent, second.Incident)
	}

	// A routine audit does not list the incident-only datasets it did not
	// need as coverage gaps.
	if html, _ := os.ReadFile(filepath.Join(out, demoSecondTenantDir, "report.html")); strings.Contains(string(html), "collected only for an incident") {
		t.Error("the second tenant's report lists skipped incident datasets as not collected")
	}

	// The portfolio: both tenants, Contoso with its trend.
	raw, err := os.ReadFile(filepath.Join(out, demoPortfolioDir, "portfolio.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pd portfolio.Document
	if err := json.Unmarshal(raw, &pd); err != nil {
		t.Fatal(err)
	}
	if len(pd.Tenants) != 2 {
		t.Fatalf("portfolio: %d tenants", len(pd.Tenants))
	}
	for _, tn := range pd.Tenants {
		switch tn.ID {
		case today.Tenant.ID:
			if tn.PreviousScore == nil || *tn.PreviousScore != today.Score.Percent || tn.Score != nd.Score.Percent || tn.Runs != 2 || tn.Stale {
				t.Errorf("portfolio Contoso: %+v", tn)
			}
			// The trend is like for like: today's incident checks, not run
			// next month, do not move it.
			if cmp != nil && (tn.Comparable == nil || *tn.Comparable != *cmp || !tn.CoverageMoved() ||
				tn.Delta() != math.Round((cmp.To-cmp.From)*10)/10) {
				t.Errorf("portfolio Contoso trend %.1f (comparable %+v), want %.1f from %+v", tn.Delta(), tn.Comparable, cmp.To-cmp.From, *cmp)
			}
		case second.Tenant.ID:
			if tn.Score != second.Score.Percent || tn.Incident || tn.Stale {
				t.Errorf("portfolio second tenant: %+v", tn)
			}
		default:
			t.Errorf("portfolio: unexpected tenant %s", tn.ID)
		}
	}
	for _, f := range []string{"portfolio.xlsx", "portfolio.pdf", "portfolio.html"} {
		if st, err := os.Stat(filepath.Join(out, demoPortfolioDir, f)); err != nil || st.Size() == 0 {
			t.Errorf("portfolio: %s missing: %v", f, err)
		}
	}
}
