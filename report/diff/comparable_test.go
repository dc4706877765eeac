package diff_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/diff"
)

// evaluatedCount counts the checks a document evaluated (pass, fail, warn).
func evaluatedCount(d *checks.Document) int {
	n := 0
	for _, r := range d.Results {
		if r.Status == checks.StatusPass || r.Status == checks.StatusFail || r.Status == checks.StatusWarn {
			n++
		}
	}
	return n
}

// TestComparableSampleTenant: audits of one unchanged snapshot that
// evaluated different sets of checks (its incident given or not, a dataset
// denied) have different headline scores and the same like-for-like score;
// the readers say where the rest of the difference comes from.
func TestComparableSampleTenant(t *testing.T) {
	base := sample(t)
	s := load(t, base)
	withIncident := checks.Run(s, checks.RunOptions{GeneratedAt: s.Manifest.CollectedAt,
		Incident: checks.IncidentFrom(s.Manifest.CollectedAt, s.Manifest.Incident)})
	without := checks.Run(s, checks.RunOptions{GeneratedAt: s.Manifest.CollectedAt})
	irEvaluated := evaluatedCount(withIncident) - evaluatedCount(without)
	if irEvaluated <= 0 {
		t.Fatalf("the incident adds %d evaluated checks, want some", irEvaluated)
	}
	denied := load(t, edit(t, base, func(m *snapshot.Manifest, d m365audit.Datasets) {
		delete(d, snapshot.DSUsers)
		info := m.Datasets[snapshot.DSUsers]
		info.Status, info.Reason, info.File, info.SHA256, info.Count = snapshot.StatusForbidden, "Authorization_RequestDenied", "", "", 0
		m.Datasets[snapshot.DSUsers] = info
	}))
	deniedDoc := checks.Run(denied, checks.RunOptions{GeneratedAt: s.Manifest.CollectedAt})
	lost := evaluatedCount(without) - evaluatedCount(deniedDoc)
	if lost <= 0 {
		t.Fatalf("denying the users dataset loses %d evaluated checks, want some", lost)
	}
	for _, tc := range []struct {
		name             string
		old, new         diff.Input
		checks, fromOnly int
		toOnly           int
		line             []string // in the comparable line ("" = no line)
	}{
		{"incident then none", diff.Input{Doc: withIncident, Snap: s}, diff.Input{Doc: without, Snap: s},
			evaluatedCount(without), irEvaluated, 0,
			[]string{"On the " + itoa(evaluatedCount(without)) + " checks both audits evaluated", "(±0.0)", itoa(irEvaluated) + " incident checks not run this time because this audit has no incident"}},
		{"none then incident", diff.Input{Doc: without, Snap: s}, diff.Input{Doc: withIncident, Snap: s},
			evaluatedCount(without), 0, irEvaluated,
			[]string{"(±0.0)", itoa(irEvaluated) + " incident checks run only this time because the last audit had no incident"}},
		{"users denied this time", audit(s), diff.Input{Doc: deniedDoc, Snap: denied},
			evaluatedCount(deniedDoc), lost, 0,
			[]string{"(±0.0)", itoa(lost) + " checks whose data was not collected this time"}},
		{"users collected again", diff.Input{Doc: deniedDoc, Snap: denied}, audit(s),
			evaluatedCount(deniedDoc), 0, lost,
			[]string{"(±0.0)", itoa(lost) + " checks whose data was not collected last time"}},
		{"same checks", diff.Input{Doc: without, Snap: s}, diff.Input{Doc: without, Snap: s},
			evaluatedCount(without), 0, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := diff.Compare(tc.old, tc.new)
			if err != nil {
				t.Fatal(err)
			}
			c := d.Comparable
			if c == nil {
				t.Fatal("no comparable score")
			}
			if c.Checks != tc.checks || c.FromOnly != tc.fromOnly || c.ToOnly != tc.toOnly {
				t.Errorf("comparable %+v, want checks %d fromOnly %d toOnly %d", *c, tc.checks, tc.fromOnly, tc.toOnly)
			}
			// Nothing changed in the tenant: the like-for-like score does
			// not move, and it is the score of the audit that evaluated
			// fewer checks.
			if c.From != c.To {
				t.Errorf("comparable %.1f -> %.1f on an unchanged tenant", c.From, c.To)
			}
			fewer := tc.new.Doc
			if tc.fromOnly == 0 {
				fewer = tc.old.Doc
			}
			if c.From != fewer.Score.Percent {
				t.Errorf("comparable %.1f, want %.1f (the score over the common checks)", c.From, fewer.Score.Percent)
			}
			if tc.fromOnly+tc.toOnly > 0 && d.From.Score == d.To.Score {
				t.Errorf("headline %.1f -> %.1f: the sets differ, the headline should move", d.From.Score, d.To.Score)
			}
			sum := 0
			for _, g := range d.OneSided() {
				sum += g.Count
			}
			if sum != c.FromOnly+c.ToOnly {
				t.Errorf("one-sided groups %v add up to %d, want %d", d.OneSided(), sum, c.FromOnly+c.ToOnly)
			}
			line := d.ComparableLine()
			if len(tc.line) == 0 {
				if line != "" || c.Differs() {
					t.Errorf("same checks, yet line %q (differs %v)", line, c.Differs())
				}
			}
			for _, w := range tc.line {
				if !strings.Contains(line, w) {
					t.Errorf("line %q lacks %q", line, w)
				}
			}
			var table, md, js bytes.Buffer
			if err := diff.WriteTable(&table, d); err != nil {
				t.Fatal(err)
			}
			if err := diff.WriteMarkdown(&md, d); err != nil {
				t.Fatal(err)
			}
			if err := diff.WriteJSON(&js, d); err != nil {
				t.Fatal(err)
			}
			for name, out := range map[string]string{"table": table.String(), "markdown": md.String()} {
				if has := strings.Contains(out, "both audits evaluated"); has != (line != "") {
					t.Errorf("%s shows the comparable line: %v, want %v:\n%s", name, has, line != "", out)
				}
			}
			var back struct {
				Comparable map[string]float64 `json:"comparable"`
			}
			if err := json.Unmarshal(js.Bytes(), &back); err != nil {
				t.Fatal(err)
			}
			want := map[string]float64{"checks": float64(c.Checks), "from": c.From, "to": c.To, "fromOnly": float64(c.FromOnly), "toOnly": float64(c.ToOnly)}
			for k, v := range want {
				if got, ok := back.Comparable[k]; !ok || got != v {
					t.Errorf("json comparable.%s = %v (present %v), want %v", k, got, ok, v)
				}
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestComparableFormula: the like-for-like score uses the score formula on
// the checks evaluated on both sides only, each side with its own verdicts.
func TestComparableFormula(t *testing.T) {
	at := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	res := func(id string, sev checks.Severity, s checks.Status) checks.Result {
		return checks.Result{ID: id, Title: "t " + id, Severity: sev, Status: s, Affected: []checks.Affected{}}
	}
	doc := func(results ...checks.Result) *checks.Document {
		return &checks.Document{SchemaVersion: 1, Tenant: snapshot.Tenant{ID: "t"}, CollectedAt: at, Results: results,
			Score: checks.ComputeScore(results)}
	}
	for _, tc := range []struct {
		name     string
		old, new *checks.Document
		want     diff.Comparable
		oneSided string
	}{
		{"fixed critical, high on the old side only, medium added",
			doc(res("A", checks.SeverityCritical, checks.StatusFail), res("B", checks.SeverityHigh, checks.StatusPass)),
			doc(res("A", checks.SeverityCritical, checks.StatusPass), res("B", checks.SeverityHigh, checks.StatusUnknown), res("C", checks.SeverityMedium, checks.StatusFail)),
			diff.Comparable{Checks: 1, From: 0, To: 100, FromOnly: 1, ToOnly: 1},
			"1 check whose data was not collected this time; 1 check new in this version of the tool"},
		{"warn counts half, manual and not applicable never count",
			doc(res("A", checks.SeverityHigh, checks.StatusWarn), res("B", checks.SeverityLow, checks.StatusPass), res("M", checks.SeverityHigh, checks.StatusManual)),
			doc(res("A", checks.SeverityHigh, checks.StatusFail), res("B", checks.SeverityLow, checks.StatusPass), res("M", checks.SeverityHigh, checks.StatusNotApplicable)),
			diff.Comparable{Checks: 2, From: 58.3, To: 16.7}, ""},
		{"nothing in common",
			doc(res("A", checks.SeverityHigh, checks.StatusPass)),
			doc(res("A", checks.SeverityHigh, checks.StatusNotApplicable), res("B", checks.SeverityHigh, checks.StatusFail)),
			diff.Comparable{Checks: 0, FromOnly: 1, ToOnly: 1},
			"1 check not applicable this time; 1 check new in this version of the tool"},
		{"error and manual on the new side, removed check",
			doc(res("A", checks.SeverityHigh, checks.StatusPass), res("B", checks.SeverityHigh, checks.StatusFail), res("C", checks.SeverityLow, checks.StatusFail), res("D", checks.SeverityLow, checks.StatusPass)),
			doc(res("A", checks.SeverityHigh, checks.StatusError), res("B", checks.SeverityHigh, checks.StatusManual), res("D", checks.SeverityLow, checks.StatusPass)),
			diff.Comparable{Checks: 1, From: 100, To: 100, FromOnly: 3},
			"1 check left to manual review this time; 1 check that could not be evaluated this time; 1 check no longer in this version of the tool"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := diff.Compare(diff.Input{Doc: tc.old}, diff.Input{Doc: tc.new})
			if err != nil {
				t.Fatal(err)
			}
			if d.Comparable == nil || *d.Comparable != tc.want {
				t.Fatalf("comparable %+v, want %+v", d.Comparable, tc.want)
			}
			if got := d.OneSidedText(); got != tc.oneSided {
				t.Errorf("one-sided %q, want %q", got, tc.oneSided)
			}
			line := d.ComparableLine()
			switch {
			case tc.oneSided == "" && line != "":
				t.Errorf("line %q for the same evaluated checks", line)
			case tc.oneSided != "" && !strings.Contains(line, tc.oneSided):
				t.Errorf("line %q lacks %q", line, tc.oneSided)
			case tc.want.Checks == 0 && tc.oneSided != "" && !strings.HasPrefix(line, "No check was evaluated in both audits"):
				t.Errorf("line %q with nothing in common", line)
			}
		})
	}
}
