package html

import (
	"context"
	"fmt"
	htmltemplate "html/template"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
	"github.com/m365audit/m365audit/report/describe"
	"github.com/m365audit/m365audit/report/model"
)

// maxTopRisks is how many risks the summary names (as in the PDF).
const maxTopRisks = 5

// maxAffected caps the affected objects listed per finding; the workbook
// lists them all.
const maxAffected = 50

// maxTimeline caps the timeline rows; the workbook lists them all.
const maxTimeline = 200

// view is everything the template shows, already formatted. Strings are
// plain text: the template escapes them.
type view struct {
	Title      string
	Tenant     string
	Facts      []string
	Meta       string
	CSP        string
	CSS        htmltemplate.CSS
	Script     htmltemplate.JS
	Evidence   evidenceView
	Integrity  []string
	MoreIntegr int
	Incident   *incidentView
	Score      scoreView
	TopRisks   []checks.Result
	MoreRisks  int
	Coverage   coverageView
	Rows       []rowView
	Findings   []categoryView
	NFindings  int
	NotEval    []checks.Result
	Passed     []checks.Result
	Filter     filterView
	Changes    *model.Changes // since the baseline audit (changes.go); nil without one
}

type evidenceView struct {
	Digest   string
	Seal     string
	Warnings []string
}

type incidentView struct {
	Users    string
	Window   string
	Status   model.ContainmentStatus
	Happened []string
	Cannot   []string
	Mail     *mailView
	Changes  []changeView
	Open     []checks.Result
	Posture  []postureView
	Plans    []planView
	Review   []model.ReviewItem
	Timeline []timelineRow
	MoreTL   int
	// Single: one incident user, named once above the timeline.
	Single bool
}

// mailView is who received the attacker's mail (model.MailReach).
type mailView struct {
	// Unknown is the reason there is no list when IR-MAIL-001 could not
	// judge; None the check's summary when it found no attributed mail.
	Unknown, None string
	All, External int
	Senders       []senderView
}

type senderView struct {
	Label, File, Span string
	Messages, Bursts  int
	Rows              []recipientRow
}

type recipientRow struct {
	Address, Where, First, Last, Subjects string
	Messages                              int
	External                              bool
}

func mailOf(mr *model.MailReach) *mailView {
	if mr == nil {
		return nil
	}
	v := &mailView{}
	if len(mr.Senders) == 0 {
		if model.NotEvaluated(mr.Status) {
			v.Unknown = orDash(mr.Summary)
		} else {
			v.None = orDash(mr.Summary)
		}
		return v
	}
	v.All, v.External = mr.Total()
	for _, s := range mr.Senders {
		sv := senderView{Label: s.Label, File: s.File, Messages: s.Messages, Bursts: s.Bursts,
			Span: s.First.UTC().Format("2006-01-02 15:04") + " to " + s.Last.UTC().Format("2006-01-02 15:04")}
		for _, r := range s.Recipients {
			where := "internal"
			if r.External {
				where = "external"
			}
			sv.Rows = append(sv.Rows, recipientRow{Address: r.Address, Where: where, External: r.External, Messages: r.Messages,
				First: r.First.UTC().Format("2006-01-02 15:04"), Last: r.Last.UTC().Format("2006-01-02 15:04"), Subjects: strings.Join(r.Subjects, " | ")})
		}
		v.Senders = append(v.Senders, sv)
	}
	return v
}

type changeView struct {
	Group, When, Object, Detail, Check string
}

type postureView struct {
	model.PostureGap
	// Linked: the check has a detail in the findings.
	Linked bool
}

type planView struct {
	User, Script, Error string
	Planned             bool
	Steps               []model.PlanStep
	Evidence            []string
}

type timelineRow struct {
	When, User, Event, Detail string
	Attributed                bool
}

type scoreView struct {
	Label, Band, Points string
	Percent             float64
	Severities          []barView
	Statuses            []countView
	Accepted            int
	Total, Evaluated    int
}

type barView struct {
	Name  string
	Class string
	N     int
	Width float64
}

type countView struct {
	Status checks.Status
	N      int
}

type coverageView struct {
	Sentence string
	Missing  []missingView
	Note     string
	Formula  string
}

type missingView struct {
	Title, Status, Reason, Needs string
	Checks                       int
}

// rowView is one row of the sortable findings table.
type rowView struct {
	checks.Result
	Order    int
	SevRank  int
	StatRank int
	NAff     int
	Anchor   string
	Detail   bool
}

type categoryView struct {
	Name    string
	Results []findingView
}

type findingView struct {
	checks.Result
	Anchor   string
	Affected []affectedView
	MoreAff  int
	WithTime bool
	Script   string
	Refs     string
}

type affectedView struct {
	Name, ID, When, Detail string
	Attributed, Accepted   bool
}

type filterView struct {
	Severities []checks.Severity
	Statuses   []checks.Status
	Categories []string
}

func buildView(ctx context.Context, rep *model.Report) (*view, error) {
	doc := rep.Doc
	v := &view{
		Tenant: tenantName(doc),
		CSS:    htmltemplate.CSS(pageCSS),
		Script: htmltemplate.JS(pageJS),
		CSP: "default-src 'none'; style-src 'unsafe-inline'; script-src " + scriptHash() +
			"; img-src data:; base-uri 'none'; form-action 'none'",
	}
	v.Title = "Microsoft 365 security audit: " + v.Tenant
	changes, err := model.ChangesOf(doc)
	if err != nil {
		return nil, err
	}
	v.Changes = changes
	if d := doc.Tenant.PrimaryDomain; d != "" {
		v.Facts = append(v.Facts, "Domain: "+d)
	}
	if id := doc.Tenant.ID; id != "" {
		v.Facts = append(v.Facts, "Tenant ID: "+id)
	}
	if doc.Cloud != "" {
		v.Facts = append(v.Facts, "Cloud: "+doc.Cloud)
	}
	v.Meta = fmt.Sprintf("Data collected %s · Report generated %s · %s · %s",
		fmtDate(doc.CollectedAt), fmtDate(doc.GeneratedAt), toolName(doc), licences(doc.Licences))
	v.Evidence = evidence(rep)
	probs := append([]snapshot.IntegrityProblem(nil), doc.Integrity...)
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].File < probs[j].File })
	for i, p := range probs {
		if i == 20 {
			v.MoreIntegr = len(probs) - i
			break
		}
		name := p.File
		if p.Dataset != "" {
			name += " (" + p.Dataset + ")"
		}
		v.Integrity = append(v.Integrity, name+": "+p.Problem)
	}
	if rep.Incident != nil {
		v.Incident = incident(rep.Incident)
		status := map[string]checks.Status{}
		for _, r := range doc.Results {
			status[r.ID] = r.Status
		}
		for _, p := range rep.Incident.Posture {
			v.Incident.Posture = append(v.Incident.Posture, postureView{PostureGap: p, Linked: isFinding(status[p.ID])})
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v.Score = score(doc.Score)
	risks := failing(doc.Results)
	if len(risks) > maxTopRisks {
		v.MoreRisks = len(risks) - maxTopRisks
		risks = risks[:maxTopRisks]
	}
	v.TopRisks = risks
	v.Coverage = coverage(rep)

	cats := byCategory(doc.Results)
	detail := map[string]bool{}
	for _, c := range cats {
		cv := categoryView{Name: c.name}
		for _, res := range c.results {
			cv.Results = append(cv.Results, finding(res))
			detail[res.ID] = true
			v.NFindings++
		}
		v.Findings = append(v.Findings, cv)
	}
	for _, res := range doc.Results {
		switch res.Status {
		case checks.StatusUnknown, checks.StatusNotApplicable:
			v.NotEval = append(v.NotEval, res)
		case checks.StatusPass:
			v.Passed = append(v.Passed, res)
		}
	}
	sort.SliceStable(v.NotEval, func(i, j int) bool {
		if v.NotEval[i].Status != v.NotEval[j].Status {
			return v.NotEval[i].Status == checks.StatusUnknown
		}
		return v.NotEval[i].ID < v.NotEval[j].ID
	})
	sort.SliceStable(v.Passed, func(i, j int) bool { return v.Passed[i].ID < v.Passed[j].ID })

	// The table lists every check in the report's order: findings by
	// category, then those that could not be evaluated, then the passes.
	var ordered []checks.Result
	for _, c := range cats {
		ordered = append(ordered, c.results...)
	}
	ordered = append(ordered, v.NotEval...)
	ordered = append(ordered, v.Passed...)
	catSeen := map[string]bool{}
	statSeen := map[checks.Status]bool{}
	sevSeen := map[checks.Severity]bool{}
	for i, res := range ordered {
		v.Rows = append(v.Rows, rowView{Result: res, Order: i, SevRank: res.Severity.Rank(), StatRank: statusRank(res.Status),
			NAff: len(res.Affected), Anchor: anchor(res.ID), Detail: detail[res.ID]})
		catSeen[categoryOf(res)] = true
		statSeen[res.Status] = true
		sevSeen[res.Severity] = true
	}
	for _, s := range checks.Severities() {
		if sevSeen[s] {
			v.Filter.Severities = append(v.Filter.Severities, s)
		}
	}
	for _, s := range checks.Statuses() {
		if statSeen[s] {
			v.Filter.Statuses = append(v.Filter.Statuses, s)
		}
	}
	for c := range catSeen {
		v.Filter.Categories = append(v.Filter.Categories, c)
	}
	sort.Strings(v.Filter.Categories)
	return v, ctx.Err()
}

func evidence(rep *model.Report) evidenceView {
	e := rep.Evidence
	ev := evidenceView{Digest: e.Digest, Seal: capitalise(e.Signature) + ".", Warnings: e.Warnings}
	return ev
}

// incident renders the model's incident part: who and when, whether the
// accounts are contained, what happened, the attacker's changes, what is
// still open, why the configuration let it happen, the containment plan,
// and the timeline.
func incident(m *model.Incident) *incidentView {
	iv := &incidentView{Status: m.Status, Happened: m.Happened, Cannot: m.Cannot, Open: m.Open, Mail: mailOf(m.Mail)}
	var names []string
	for _, u := range m.Users {
		names = append(names, u.Label)
	}
	if len(names) == 0 {
		names = []string{"(no user named)"}
	}
	iv.Users = phrase.AndList(names)
	end := fmtDate(m.End)
	if m.EndIsCollection {
		end += " (data collection)"
	}
	iv.Window = fmtDate(m.Start) + " to " + end
	for _, g := range m.Changes {
		for _, o := range g.Objects {
			a := o.Affected
			obj := orDash(a.Name)
			if a.Kind != "" {
				obj += " (" + a.Kind + ")"
			}
			iv.Changes = append(iv.Changes, changeView{Group: g.Title, When: whenOf(a), Object: obj, Detail: a.Detail, Check: o.Check})
		}
	}
	for _, p := range m.Plans {
		iv.Plans = append(iv.Plans, planView{User: p.User.Label, Script: p.Script, Error: p.PlanError, Steps: p.Steps, Evidence: p.Evidence, Planned: p.Containment != nil})
	}
	iv.Review = m.Review()
	single := m.SingleUser()
	for i, e := range m.Timeline {
		if i == maxTimeline {
			iv.MoreTL = len(m.Timeline) - i
			break
		}
		when := "present at collection"
		if e.Time != nil {
			when = e.Time.UTC().Format("2006-01-02 15:04")
		}
		detail := e.Detail
		if single != "" {
			detail = strings.TrimPrefix(detail, single+": ")
		}
		iv.Timeline = append(iv.Timeline, timelineRow{When: when, User: e.User, Event: e.Event, Detail: detail, Attributed: e.Attributed})
	}
	iv.Single = single != ""
	return iv
}

func whenOf(a checks.Affected) string {
	if a.Time == nil {
		return "—"
	}
	return a.Time.UTC().Format("2006-01-02 15:04")
}

func score(s checks.Score) scoreView {
	sv := scoreView{Label: "n/a", Band: "none", Points: "no check could be evaluated", Accepted: s.Accepted, Total: s.Total, Evaluated: s.Evaluated}
	if s.Possible > 0 && !math.IsNaN(s.Percent) && !math.IsInf(s.Percent, 0) {
		p := math.Max(0, math.Min(100, s.Percent))
		sv.Percent = p
		sv.Label = describe.ScorePercent(p)
		switch {
		case p >= 80:
			sv.Band = "good"
		case p >= 60:
			sv.Band = "fair"
		default:
			sv.Band = "poor"
		}
		sv.Points = fmt.Sprintf("%s · %.1f of %.1f points", sv.Band, s.Earned, s.Possible)
	}
	maxN := 0
	for _, sev := range checks.Severities() {
		maxN = max(maxN, s.FailBySeverity[sev])
	}
	for _, sev := range checks.Severities() {
		n := s.FailBySeverity[sev]
		w := 0.0
		if maxN > 0 && n > 0 {
			w = math.Max(2, 100*float64(n)/float64(maxN))
		}
		sv.Severities = append(sv.Severities, barView{Name: capitalise(string(sev)), Class: string(sev), N: n, Width: math.Round(w*10) / 10})
	}
	for _, st := range checks.Statuses() {
		sv.Statuses = append(sv.Statuses, countView{Status: st, N: s.ByStatus[st]})
	}
	return sv
}

func coverage(rep *model.Report) coverageView {
	doc := rep.Doc
	c := doc.Coverage
	cv := coverageView{
		Sentence: fmt.Sprintf("%d of %d checks evaluated; %d not evaluable because data was not collected; "+
			"%d not applicable (licence or feature absent); %d need a manual review. "+
			"A check that could not be evaluated is never counted as passed.",
			c.Evaluated, len(doc.Results), c.NotEvaluable, doc.Score.ByStatus[checks.StatusNotApplicable],
			doc.Score.ByStatus[checks.StatusManual]),
		Formula: strings.TrimSpace(doc.Score.Formula),
	}
	for _, g := range rep.NotCollected {
		cv.Missing = append(cv.Missing, missingView{Title: g.Title, Status: g.Status, Reason: orDash(g.Reason), Needs: orDash(g.Needs), Checks: g.Checks})
	}
	switch {
	case len(c.Datasets) == 0:
		cv.Note = "The results carry no dataset coverage information."
	case len(cv.Missing) == 0:
		cv.Note = "Every dataset was collected."
	}
	return cv
}

func finding(res checks.Result) findingView {
	fv := findingView{Result: res, Anchor: anchor(res.ID), Refs: references(res.References)}
	n := len(res.Affected)
	shown := res.Affected[:min(n, maxAffected)]
	fv.MoreAff = n - len(shown)
	for _, a := range shown {
		if a.Time != nil || a.Actor != "" {
			fv.WithTime = true
		}
	}
	for _, a := range shown {
		name := orDash(a.Name)
		if a.Kind != "" {
			name += " (" + a.Kind + ")"
		}
		when := ""
		if a.Time != nil {
			when = fmtDate(*a.Time)
		}
		if a.Actor != "" {
			when = strings.TrimSpace(when + " by " + a.Actor)
		}
		fv.Affected = append(fv.Affected, affectedView{Name: name, ID: orDash(a.ID), When: orDash(when), Detail: orDash(a.Detail),
			Attributed: a.Attributed, Accepted: a.Accepted})
	}
	switch {
	case res.Remediation.Script && res.Incident:
		fv.Script = "The containment script (incident-<user>.ps1) acts on the objects attributed to the attacker: read it, run it with -WhatIf first, then apply."
	case res.Remediation.Script:
		fv.Script = "remediation.ps1 has a block for this check: read it, run it with -WhatIf first, then apply."
	}
	return fv
}

// category groups findings under one heading.
type category struct {
	name     string
	incident bool
	results  []checks.Result
}

// isFinding reports results detailed in the findings: everything but passes
// and the statuses that could not be evaluated, which get their own lists.
func isFinding(s checks.Status) bool {
	switch s {
	case checks.StatusPass, checks.StatusUnknown, checks.StatusNotApplicable:
		return false
	}
	return true
}

func categoryOf(r checks.Result) string {
	if r.Category == "" {
		return "Other"
	}
	return r.Category
}

// byCategory groups the findings as the PDF does: incident categories
// first, then the others alphabetically; within each, by severity, then ID.
func byCategory(results []checks.Result) []category {
	idx := map[string]int{}
	var cats []category
	for _, res := range results {
		if !isFinding(res.Status) {
			continue
		}
		name := categoryOf(res)
		i, ok := idx[name]
		if !ok {
			i = len(cats)
			idx[name] = i
			cats = append(cats, category{name: name})
		}
		cats[i].results = append(cats[i].results, res)
		cats[i].incident = cats[i].incident || res.Incident
	}
	sort.SliceStable(cats, func(i, j int) bool {
		if cats[i].incident != cats[j].incident {
			return cats[i].incident
		}
		return cats[i].name < cats[j].name
	})
	for _, c := range cats {
		sort.SliceStable(c.results, func(i, j int) bool {
			a, b := c.results[i], c.results[j]
			if a.Severity.Rank() != b.Severity.Rank() {
				return a.Severity.Rank() < b.Severity.Rank()
			}
			return a.ID < b.ID
		})
	}
	return cats
}

// failing returns failing results worst first: fail before warn, then by
// severity and ID. Accepted risks are left out.
func failing(results []checks.Result) []checks.Result {
	var out []checks.Result
	for _, res := range results {
		if (res.Status == checks.StatusFail || res.Status == checks.StatusWarn) && !res.IsAccepted() {
			out = append(out, res)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Status != b.Status {
			return a.Status == checks.StatusFail
		}
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() < b.Severity.Rank()
		}
		return a.ID < b.ID
	})
	return out
}

func statusRank(s checks.Status) int {
	for i, v := range checks.Statuses() {
		if v == s {
			return i
		}
	}
	return len(checks.Statuses())
}

func references(ref checks.References) string {
	var parts []string
	if len(ref.CIS) > 0 {
		p := "CIS " + strings.Join(ref.CIS, ", ")
		if ref.CISVersion != "" {
			p += " (v" + strings.TrimPrefix(ref.CISVersion, "v") + ")"
		}
		parts = append(parts, p)
	}
	if len(ref.SCuBA) > 0 {
		parts = append(parts, "SCuBA "+strings.Join(ref.SCuBA, ", "))
	}
	parts = append(parts, ref.Other...)
	return strings.Join(parts, " · ")
}

// anchor is the fragment id of a finding: the check ID with anything but
// letters, digits and dashes replaced.
func anchor(id string) string {
	var b strings.Builder
	b.WriteString("check-")
	for _, r := range id {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func tenantName(d *checks.Document) string {
	switch {
	case d.Tenant.DisplayName != "":
		return d.Tenant.DisplayName
	case d.Tenant.PrimaryDomain != "":
		return d.Tenant.PrimaryDomain
	case d.Tenant.ID != "":
		return d.Tenant.ID
	}
	return "unknown tenant"
}

func toolName(d *checks.Document) string {
	name := d.Tool.Name
	if name == "" {
		name = "m365audit"
	}
	if d.Tool.Version != "" {
		name += " " + d.Tool.Version
	}
	return name
}

func licences(l checks.Licences) string {
	switch {
	case !l.Known:
		return "licences unknown (subscribed SKUs not collected)"
	case l.P2:
		return "Entra ID P2"
	case l.P1:
		return "Entra ID P1"
	}
	return "no Entra ID P1/P2"
}

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func statusLabel(s checks.Status) string {
	switch s {
	case checks.StatusNotApplicable:
		return "N/A"
	case "":
		return "?"
	}
	return strings.ToUpper(string(s))
}

var funcs = htmltemplate.FuncMap{
	"statusLabel": statusLabel,
	"upper":       func(s checks.Severity) string { return strings.ToUpper(string(s)) },
	"cap":         func(s checks.Severity) string { return capitalise(string(s)) },
	"category":    categoryOf,
	"anchor":      anchor,
	"detailed":    isFinding,
	"statusClass": func(s checks.Status) string { return strings.ReplaceAll(string(s), "_", "-") },
}
