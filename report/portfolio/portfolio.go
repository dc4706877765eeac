// Package portfolio rolls the audits of many tenants into one view for the
// people who look after all of them: each tenant's current score and its
// trend since the previous run, failing checks by severity, coverage, open
// incidents, the checks failing most widely, and a tenant × category heat
// map. It reads results documents only and is pure (the generation time is
// passed in).
package portfolio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/report/diff"
)

// SchemaVersion is the version of portfolio.json.
const SchemaVersion = 1

// DefaultStaleDays is how old a tenant's current run may be before it is
// flagged as stale.
const DefaultStaleDays = 45

// Run is one audit of one tenant: its results document and where it came
// from.
type Run struct {
	Path string
	Doc  *checks.Document
	// Changes is the "changes" member of results.json (audit --baseline),
	// used for the trend when the previous run is not among the inputs.
	Changes *diff.Document
}

// LoadRun reads a run: an `audit --out` directory (its results.json) or a
// results.json file.
func LoadRun(path string) (Run, error) {
	p := path
	if st, err := os.Stat(path); err != nil {
		return Run{}, fmt.Errorf("run %s: %w", path, err)
	} else if st.IsDir() {
		p = filepath.Join(path, diff.ResultsFile)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return Run{}, fmt.Errorf("run %s: %w (expected an audit --out directory or a results.json)", path, err)
	}
	return ParseRun(path, data)
}

// ParseRun decodes a results document read from path.
func ParseRun(path string, data []byte) (Run, error) {
	var doc struct {
		checks.Document
		Changes *diff.Document `json:"changes"`
	}
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return Run{}, fmt.Errorf("run %s: not a results document: %w", path, err)
	}
	if doc.SchemaVersion != checks.ResultsSchemaVersion || doc.Results == nil {
		return Run{}, fmt.Errorf("run %s: not a results document of schema version %d", path, checks.ResultsSchemaVersion)
	}
	if doc.Tenant.ID == "" {
		return Run{}, fmt.Errorf("run %s: the results document names no tenant id", path)
	}
	d := doc.Document
	return Run{Path: path, Doc: &d, Changes: doc.Changes}, nil
}

// Options configure Build.
type Options struct {
	// GeneratedAt is the time of the portfolio (staleness is measured
	// from it).
	GeneratedAt time.Time
	// StaleDays flags a tenant whose current run is older (0 = default).
	StaleDays int
}

// Document is portfolio.json.
type Document struct {
	SchemaVersion int       `json:"schemaVersion"`
	GeneratedAt   time.Time `json:"generatedAt"`
	StaleDays     int       `json:"staleDays"`
	Summary       Summary   `json:"summary"`
	// Tenants sorted worst first (lowest score, then most criticals).
	Tenants []Tenant `json:"tenants"`
	// Checks that fail in at least one current, non-stale run, most widely
	// failing first.
	Checks []Check `json:"checks"`
	// Categories are the heat map's columns, in catalogue order.
	Categories []string `json:"categories"`
}

// Summary is the portfolio at a glance. Stale tenants are never averaged
// in: they are counted apart.
type Summary struct {
	Tenants int `json:"tenants"`
	// AverageScore is over current (non-stale) tenants; nil when none.
	AverageScore *float64 `json:"averageScore"`
	Stale        int      `json:"stale"`
	Incidents    int      `json:"incidents"`
	// WithCriticals counts tenants with at least one failing critical check.
	WithCriticals int `json:"withCriticals"`
	Fixed         int `json:"fixed"`
	Regressed     int `json:"regressed"`
}

// Tenant is one tenant's current run and its trend.
type Tenant struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"displayName"`
	CollectedAt time.Time `json:"collectedAt"`
	Score       float64   `json:"score"`
	// PreviousScore and PreviousCollectedAt are the run before the current
	// one (nil without one).
	PreviousScore       *float64   `json:"previousScore"`
	PreviousCollectedAt *time.Time `json:"previousCollectedAt,omitempty"`
	// Comparable is the like-for-like score of the previous and current
	// runs: the score over only the checks both evaluated (diff.Comparable;
	// nil without a previous run, or when the current run's "changes" come
	// from an older version without it). The trend uses it, so that checks
	// evaluated in one run only (incident checks, a dataset collected one
	// month only) do not move the arrow.
	Comparable     *diff.Comparable        `json:"comparable,omitempty"`
	FailBySeverity map[checks.Severity]int `json:"failBySeverity"`
	NotEvaluable   int                     `json:"notEvaluable"`
	Evaluated      int                     `json:"evaluated"`
	Total          int                     `json:"total"`
	// Incident is true when an incident check fails: evidence of a
	// compromise that is not contained.
	Incident  bool `json:"incident"`
	Fixed     int  `json:"fixed"`
	Regressed int  `json:"regressed"`
	// Stale is true when the current run is older than StaleDays at
	// GeneratedAt; AgeDays is its age in whole days.
	Stale   bool `json:"stale"`
	AgeDays int  `json:"ageDays"`
	// Runs counts the runs of this tenant among the inputs.
	Runs int `json:"runs"`
	// Categories holds the score per category (nil when nothing in the
	// category was evaluated), for the heat map.
	Categories map[string]*float64 `json:"categories"`
	// Source is the current run's path.
	Source string `json:"source"`
}

// Delta is the score change since the previous run (0 without one): on the
// checks both runs evaluated (Comparable) when known, otherwise the change
// of the headline scores.
func (t Tenant) Delta() float64 {
	switch {
	case t.PreviousScore == nil:
		return 0
	case t.Comparable != nil:
		return math.Round((t.Comparable.To-t.Comparable.From)*10) / 10
	}
	return math.Round((t.Score-*t.PreviousScore)*10) / 10
}

// CoverageMoved reports whether the previous and current runs evaluated
// different sets of checks, so that the headline scores moved by more (or
// less) than the trend.
func (t Tenant) CoverageMoved() bool { return t.PreviousScore != nil && t.Comparable.Differs() }

// Trend is "up", "down", "flat" or "" (no previous run).
func (t Tenant) Trend() string {
	if t.PreviousScore == nil {
		return ""
	}
	switch d := t.Delta(); {
	case d > 0:
		return "up"
	case d < 0:
		return "down"
	}
	return "flat"
}

// Check is one check failing across tenants.
type Check struct {
	ID       string          `json:"id"`
	Title    string          `json:"title"`
	Category string          `json:"category"`
	Severity checks.Severity `json:"severity"`
	Failing  int             `json:"failing"`
	// Tenants are the ids of the tenants where it fails.
	Tenants []string `json:"tenants"`
}

// Build rolls runs into the portfolio. Runs of the same tenant (by id)
// form its history: the newest is current, the one before it previous.
func Build(runs []Run, opt Options) (*Document, error) {
	if len(runs) == 0 {
		return nil, errors.New("portfolio: no runs")
	}
	stale := opt.StaleDays
	if stale <= 0 {
		stale = DefaultStaleDays
	}
	byTenant := map[string][]Run{}
	for _, r := range runs {
		if r.Doc == nil {
			return nil, fmt.Errorf("portfolio: run %s has no results", r.Path)
		}
		k := strings.ToLower(r.Doc.Tenant.ID)
		byTenant[k] = append(byTenant[k], r)
	}
	d := &Document{SchemaVersion: SchemaVersion, GeneratedAt: opt.GeneratedAt, StaleDays: stale, Tenants: []Tenant{}, Checks: []Check{}}
	catSeen := map[string]bool{}
	checkIdx := map[string]*Check{}
	var scoreSum float64
	current := 0
	for _, hist := range byTenant {
		sort.SliceStable(hist, func(i, j int) bool { return hist[i].Doc.CollectedAt.Before(hist[j].Doc.CollectedAt) })
		// Two inputs of the same collection (a directory and its
		// results.json) are one run.
		var uniq []Run
		for _, r := range hist {
			if len(uniq) > 0 && uniq[len(uniq)-1].Doc.CollectedAt.Equal(r.Doc.CollectedAt) {
				uniq[len(uniq)-1] = r
				continue
			}
			uniq = append(uniq, r)
		}
		cur := uniq[len(uniq)-1]
		doc := cur.Doc
		t := Tenant{
			ID: doc.Tenant.ID, DisplayName: doc.Tenant.DisplayName, CollectedAt: doc.CollectedAt,
			Score: doc.Score.Percent, FailBySeverity: map[checks.Severity]int{},
			NotEvaluable: doc.Coverage.NotEvaluable, Evaluated: doc.Score.Evaluated, Total: len(doc.Results),
			Runs: len(uniq), Source: cur.Path, Categories: map[string]*float64{},
		}
		for _, s := range checks.Severities() {
			t.FailBySeverity[s] = doc.Score.FailBySeverity[s]
		}
		if len(uniq) > 1 {
			prev := uniq[len(uniq)-2].Doc
			ps, pt := prev.Score.Percent, prev.CollectedAt
			t.PreviousScore, t.PreviousCollectedAt = &ps, &pt
			ch, err := diff.Compare(diff.Input{Doc: prev}, diff.Input{Doc: doc})
			if err != nil {
				return nil, err
			}
			t.Fixed, t.Regressed, t.Comparable = ch.Counts.Fixed, ch.Counts.Regressed, ch.Comparable
		} else if cur.Changes != nil {
			ps, pt := cur.Changes.From.Score, cur.Changes.From.CollectedAt
			t.PreviousScore, t.PreviousCollectedAt = &ps, &pt
			t.Fixed, t.Regressed, t.Comparable = cur.Changes.Counts.Fixed, cur.Changes.Counts.Regressed, cur.Changes.Comparable
		}
		age := opt.GeneratedAt.Sub(doc.CollectedAt)
		t.AgeDays = int(age.Hours() / 24)
		t.Stale = age > time.Duration(stale)*24*time.Hour
		byCat := map[string][]checks.Result{}
		for _, r := range doc.Results {
			if r.Incident && r.Status == checks.StatusFail {
				t.Incident = true
			}
			byCat[r.Category] = append(byCat[r.Category], r)
			catSeen[r.Category] = true
		}
		for cat, rs := range byCat {
			s := checks.ComputeScore(rs)
			if s.Evaluated > 0 {
				p := s.Percent
				t.Categories[cat] = &p
			} else {
				t.Categories[cat] = nil
			}
		}
		d.Tenants = append(d.Tenants, t)
		if t.Stale {
			d.Summary.Stale++
			continue
		}
		scoreSum += t.Score
		current++
		for _, r := range doc.Results {
			if r.Status != checks.StatusFail || r.IsAccepted() {
				continue
			}
			c := checkIdx[r.ID]
			if c == nil {
				c = &Check{ID: r.ID, Title: r.Title, Category: r.Category, Severity: r.Severity}
				checkIdx[r.ID] = c
			}
			c.Failing++
			c.Tenants = append(c.Tenants, t.ID)
		}
	}
	d.Summary.Tenants = len(d.Tenants)
	if current > 0 {
		avg := math.Round(scoreSum/float64(current)*10) / 10
		d.Summary.AverageScore = &avg
	}
	for _, t := range d.Tenants {
		if t.Incident {
			d.Summary.Incidents++
		}
		if t.FailBySeverity[checks.SeverityCritical] > 0 {
			d.Summary.WithCriticals++
		}
		d.Summary.Fixed += t.Fixed
		d.Summary.Regressed += t.Regressed
	}
	sort.SliceStable(d.Tenants, func(i, j int) bool {
		a, b := d.Tenants[i], d.Tenants[j]
		if a.Score != b.Score {
			return a.Score < b.Score
		}
		if a.FailBySeverity[checks.SeverityCritical] != b.FailBySeverity[checks.SeverityCritical] {
			return a.FailBySeverity[checks.SeverityCritical] > b.FailBySeverity[checks.SeverityCritical]
		}
		if a.DisplayName != b.DisplayName {
			return a.DisplayName < b.DisplayName
		}
		return a.ID < b.ID
	})
	for _, c := range checkIdx {
		sort.Strings(c.Tenants)
		d.Checks = append(d.Checks, *c)
	}
	sort.Slice(d.Checks, func(i, j int) bool {
		a, b := d.Checks[i], d.Checks[j]
		if a.Failing != b.Failing {
			return a.Failing > b.Failing
		}
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() < b.Severity.Rank()
		}
		return a.ID < b.ID
	})
	d.Categories = categoryOrder(catSeen)
	return d, nil
}

// categoryOrder lists categories in catalogue order, unknown ones after.
func categoryOrder(seen map[string]bool) []string {
	var out []string
	done := map[string]bool{}
	for _, c := range checks.All() {
		if seen[c.Category] && !done[c.Category] {
			done[c.Category] = true
			out = append(out, c.Category)
		}
	}
	var rest []string
	for c := range seen {
		if !done[c] {
			rest = append(rest, c)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// Top returns the n checks failing most widely.
func (d *Document) Top(n int) []Check {
	if len(d.Checks) < n {
		return d.Checks
	}
	return d.Checks[:n]
}

// TenantName returns a tenant's display name by id (the id when unknown).
func (d *Document) TenantName(id string) string {
	for _, t := range d.Tenants {
		if strings.EqualFold(t.ID, id) {
			if t.DisplayName != "" {
				return t.DisplayName
			}
			break
		}
	}
	return id
}

// WriteJSON writes portfolio.json.
func WriteJSON(w io.Writer, d *Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return fmt.Errorf("write portfolio: %w", err)
	}
	return nil
}
