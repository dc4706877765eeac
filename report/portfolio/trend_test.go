package portfolio_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/diff"
	"github.com/m365audit/m365audit/report/portfolio"
)

// TestTrendLikeForLike: the trend arrow and delta are the score change on
// the checks both runs evaluated, so a month whose audit had an incident
// next to a routine one does not show the tenant improving; the one-page
// views say why the scores moved by more than the trend.
func TestTrendLikeForLike(t *testing.T) {
	earlier := func(m *snapshot.Manifest, d m365audit.Datasets) {
		m.CollectedAt = m.CollectedAt.Add(-30 * 24 * time.Hour)
	}
	withIncidentThen := run(t, earlier)
	routineNow := run(t, func(m *snapshot.Manifest, d m365audit.Datasets) { m.Incident = nil })
	smtpThen := run(t, func(m *snapshot.Manifest, d m365audit.Datasets) {
		earlier(m, d)
		d.Object(snapshot.DSExoTransportConfig)["SmtpClientAuthenticationDisabled"] = true
	})
	incidentNow := run(t, nil)
	evil := func(m *snapshot.Manifest, d m365audit.Datasets) {
		d.SetTenant(m, "33333333-3333-4333-8333-333333333333", hostile)
	}
	evilThen := run(t, func(m *snapshot.Manifest, d m365audit.Datasets) { evil(m, d); earlier(m, d) })
	evilNow := run(t, func(m *snapshot.Manifest, d m365audit.Datasets) { evil(m, d); m.Incident = nil })
	withChanges := func(c *diff.Comparable) portfolio.Run {
		r := run(t, nil)
		r.Changes = &diff.Document{From: diff.Side{CollectedAt: r.Doc.CollectedAt.Add(-30 * 24 * time.Hour), Score: r.Doc.Score.Percent - 8},
			To: diff.Side{CollectedAt: r.Doc.CollectedAt, Score: r.Doc.Score.Percent}, Comparable: c}
		return r
	}
	for _, tc := range []struct {
		name  string
		runs  []portfolio.Run
		delta float64 // want Delta()
		moved bool
		trend string
	}{
		{"incident then routine, tenant unchanged", []portfolio.Run{withIncidentThen, routineNow}, 0, true, "flat"},
		{"hostile name, incident then routine", []portfolio.Run{evilThen, evilNow}, 0, true, "flat"},
		{"same checks: the headline change", []portfolio.Run{smtpThen, incidentNow},
			round1(incidentNow.Doc.Score.Percent - smtpThen.Doc.Score.Percent), false, "down"},
		{"previous run from the changes", []portfolio.Run{withChanges(&diff.Comparable{Checks: 40, From: 40, To: 42.5, FromOnly: 3})}, 2.5, true, "up"},
		{"older changes without the like-for-like score", []portfolio.Run{withChanges(nil)}, 8, false, "up"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.runs[len(tc.runs)-1].Doc.CollectedAt.Add(24 * time.Hour)
			d, err := portfolio.Build(tc.runs, portfolio.Options{GeneratedAt: now})
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Tenants) != 1 {
				t.Fatalf("%d tenants", len(d.Tenants))
			}
			tn := d.Tenants[0]
			if tn.PreviousScore == nil {
				t.Fatal("no previous score")
			}
			if got := tn.Delta(); abs(got-tc.delta) > 0.001 || tn.Trend() != tc.trend || tn.CoverageMoved() != tc.moved {
				t.Errorf("delta %.1f trend %s moved %v; want %.1f %s %v (scores %.1f -> %.1f, comparable %+v)",
					got, tn.Trend(), tn.CoverageMoved(), tc.delta, tc.trend, tc.moved, *tn.PreviousScore, tn.Score, tn.Comparable)
			}
			if tc.moved && round1(tn.Score-*tn.PreviousScore) == tn.Delta() {
				t.Errorf("headline %.1f -> %.1f moved as much as the trend %.1f", *tn.PreviousScore, tn.Score, tn.Delta())
			}
			dir := t.TempDir()
			if _, err := portfolio.WriteAll(t.Context(), dir, d); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(filepath.Join(dir, portfolio.JSONFile))
			if err != nil {
				t.Fatal(err)
			}
			var back struct {
				Tenants []struct {
					Comparable *diff.Comparable `json:"comparable"`
				} `json:"tenants"`
			}
			if err := json.Unmarshal(raw, &back); err != nil || len(back.Tenants) != 1 {
				t.Fatalf("portfolio.json: %v", err)
			}
			if (back.Tenants[0].Comparable == nil) != (tn.Comparable == nil) {
				t.Errorf("portfolio.json comparable %+v, built %+v", back.Tenants[0].Comparable, tn.Comparable)
			}
			html, err := os.ReadFile(filepath.Join(dir, portfolio.HTMLFile))
			if err != nil {
				t.Fatal(err)
			}
			const note = "The trend is the score change on the checks evaluated in both runs"
			if got := bytes.Contains(html, []byte(note)); got != tc.moved {
				t.Errorf("HTML trend note %v, want %v", got, tc.moved)
			}
			if bytes.Contains(html, []byte("<script>")) {
				t.Error("hostile name not escaped in the HTML")
			}
			if bin, err := exec.LookPath("pdftotext"); err == nil {
				out, err := exec.Command(bin, "-enc", "UTF-8", filepath.Join(dir, portfolio.PDFFile), "-").Output()
				if err != nil {
					t.Fatal(err)
				}
				text := strings.Join(strings.Fields(string(out)), " ")
				if got := strings.Contains(text, note); got != tc.moved {
					t.Errorf("PDF trend note %v, want %v", got, tc.moved)
				}
			}
		})
	}
}

func round1(f float64) float64 {
	if f < 0 {
		return -round1(-f)
	}
	return float64(int64(f*10+0.5)) / 10
}
