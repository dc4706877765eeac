// Package diff compares two audits of the same tenant: which verdicts
// changed (fixed, regressed, …) and which configuration objects were added,
// removed or modified, and ties each verdict change to the object changes
// in the datasets the check reads. It is pure: it reads two results
// documents and, when available, the two snapshots they came from; it
// touches neither the network nor the clock.
package diff

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// SchemaVersion is the version of the diff document.
const SchemaVersion = 1

// ErrTenantMismatch is returned when the two sides belong to different
// tenants.
var ErrTenantMismatch = errors.New("the two audits belong to different tenants")

// Kind is how a check's verdict changed.
type Kind string

// Check change kinds.
const (
	Fixed     Kind = "fixed"     // fail or warn -> pass
	Regressed Kind = "regressed" // pass -> fail or warn
	Improved  Kind = "improved"  // fail -> warn
	Worsened  Kind = "worsened"  // warn -> fail
	Changed   Kind = "changed"   // same failing status, different affected objects
	Coverage  Kind = "coverage"  // to or from unknown, not_applicable, manual or error, or run on one side only
	Added     Kind = "added"     // the check exists only in the new side's tool version
	Removed   Kind = "removed"   // the check exists only in the old side's tool version
)

// Kinds lists the check change kinds in report order.
func Kinds() []Kind {
	return []Kind{Regressed, Worsened, Fixed, Improved, Changed, Coverage, Added, Removed}
}

// ObjectKind is how a configuration object changed.
type ObjectKind string

// Object change kinds.
const (
	ObjectAdded    ObjectKind = "added"
	ObjectRemoved  ObjectKind = "removed"
	ObjectModified ObjectKind = "modified"
)

// Tenant identifies the tenant compared.
type Tenant struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// Side is one end of the comparison.
type Side struct {
	CollectedAt time.Time `json:"collectedAt"`
	Score       float64   `json:"score"`
}

// Ref is one object change that explains a verdict change, or a dataset
// whose coverage changed.
type Ref struct {
	Dataset string     `json:"dataset"`
	ID      string     `json:"id,omitempty"`
	Name    string     `json:"name,omitempty"`
	Change  ObjectKind `json:"change,omitempty"`
	Fields  []string   `json:"fields,omitempty"`
	// Coverage is set when the dataset itself was collected on one side
	// only.
	Coverage string `json:"coverage,omitempty"`
}

// CheckChange is one check whose verdict or affected objects changed.
type CheckChange struct {
	ID       string          `json:"id"`
	Title    string          `json:"title"`
	Category string          `json:"category,omitempty"`
	Severity checks.Severity `json:"severity"`
	From     checks.Status   `json:"from,omitempty"`
	To       checks.Status   `json:"to,omitempty"`
	Change   Kind            `json:"change"`
	// FromNotRun and ToNotRun are set when that side's audit did not run
	// the check, with the reason it gives (a coverage change, not a check
	// added or removed): "noIncident" for an incident check in an audit
	// without an incident.
	FromNotRun      checks.NotRunReason `json:"fromNotRun,omitempty"`
	ToNotRun        checks.NotRunReason `json:"toNotRun,omitempty"`
	AffectedAdded   []string            `json:"affectedAdded"`
	AffectedRemoved []string            `json:"affectedRemoved"`
	Because         []Ref               `json:"because"`
	// BecauseMore counts further explaining object changes left out of
	// Because (it lists at most MaxBecause).
	BecauseMore int `json:"becauseMore,omitempty"`

	datasets []string        // what the check reads, on either side
	keys     map[string]bool // affected objects added or removed (ids, names)
}

// MaxBecause is the most object changes listed under one check.
const MaxBecause = 20

// FieldChange is one changed field of a modified object.
type FieldChange struct {
	Path string `json:"path"`
	From any    `json:"from"`
	To   any    `json:"to"`
}

// ObjectChange is one configuration object added, removed or modified.
type ObjectChange struct {
	Dataset string     `json:"dataset"`
	ID      string     `json:"id"`
	Name    string     `json:"name"`
	Change  ObjectKind `json:"change"`
	// Detail qualifies the object (a user's type, an assignment's role, a
	// grant's scopes).
	Detail string        `json:"detail,omitempty"`
	Fields []FieldChange `json:"fields,omitempty"`
}

// DatasetChange is a dataset collected on one side and not the other: a
// coverage change, never a list of every object added or removed.
type DatasetChange struct {
	Dataset    string          `json:"dataset"`
	From       snapshot.Status `json:"from"`
	To         snapshot.Status `json:"to"`
	FromReason string          `json:"fromReason,omitempty"`
	ToReason   string          `json:"toReason,omitempty"`
}

// Counts sums the changes. Every key is always present.
type Counts struct {
	Fixed     int `json:"fixed"`
	Regressed int `json:"regressed"`
	Improved  int `json:"improved"`
	Worsened  int `json:"worsened"`
	Changed   int `json:"changed"`
	Coverage  int `json:"coverage"`
	Added     int `json:"added"`
	Removed   int `json:"removed"`
	// Unchanged counts checks whose status and affected objects are equal
	// (counted, not listed).
	Unchanged       int `json:"unchanged"`
	ObjectsAdded    int `json:"objectsAdded"`
	ObjectsRemoved  int `json:"objectsRemoved"`
	ObjectsModified int `json:"objectsModified"`
	// Datasets counts datasets collected on one side only.
	Datasets int `json:"datasets"`
}

func (c *Counts) add(k Kind) {
	switch k {
	case Fixed:
		c.Fixed++
	case Regressed:
		c.Regressed++
	case Improved:
		c.Improved++
	case Worsened:
		c.Worsened++
	case Changed:
		c.Changed++
	case Coverage:
		c.Coverage++
	case Added:
		c.Added++
	case Removed:
		c.Removed++
	}
}

// Document is the diff document (`m365audit diff --format json`, and the
// "changes" of results.json without its schemaVersion).
type Document struct {
	SchemaVersion int    `json:"schemaVersion,omitempty"`
	Tenant        Tenant `json:"tenant"`
	From          Side   `json:"from"`
	To            Side   `json:"to"`
	// Comparable is the like-for-like score over the checks evaluated on
	// both sides (always set by Compare; absent from documents of older
	// versions).
	Comparable *Comparable `json:"comparable,omitempty"`
	// ObjectsCompared is false when either side is a results document
	// without its snapshot: only verdict changes are possible then, and
	// Note says so.
	ObjectsCompared bool            `json:"objectsCompared"`
	Note            string          `json:"note,omitempty"`
	Checks          []CheckChange   `json:"checks"`
	Objects         []ObjectChange  `json:"objects"`
	Datasets        []DatasetChange `json:"datasets"`
	Counts          Counts          `json:"counts"`
}

// Input is one side: the results document, and the snapshot it was
// audited from (nil when only results.json is available).
type Input struct {
	Doc  *checks.Document
	Snap *snapshot.Snapshot
	// Config is the configuration as resolved against Snap (nil for a
	// results document), and ConfigErr lists the entries that matched
	// nothing in Snap (checks.ResolveConfig).
	Config    *checks.Resolved
	ConfigErr error
}

// VerdictsOnlyNote is the note of a document built without both snapshots.
const VerdictsOnlyNote = "One side is a results document without its snapshot: only verdict changes are compared, not configuration objects."

// Compare builds the diff document of old -> new. The two sides must be
// the same tenant.
func Compare(old, new Input) (*Document, error) {
	if old.Doc == nil || new.Doc == nil {
		return nil, errors.New("diff: both sides need a results document")
	}
	oid, nid := strings.ToLower(old.Doc.Tenant.ID), strings.ToLower(new.Doc.Tenant.ID)
	if oid != nid {
		return nil, fmt.Errorf("%w: %s (%s) and %s (%s)", ErrTenantMismatch,
			old.Doc.Tenant.ID, old.Doc.Tenant.DisplayName, new.Doc.Tenant.ID, new.Doc.Tenant.DisplayName)
	}
	d := &Document{
		SchemaVersion: SchemaVersion,
		Tenant:        Tenant{ID: new.Doc.Tenant.ID, DisplayName: new.Doc.Tenant.DisplayName},
		From:          Side{CollectedAt: old.Doc.CollectedAt, Score: old.Doc.Score.Percent},
		To:            Side{CollectedAt: new.Doc.CollectedAt, Score: new.Doc.Score.Percent},
		Checks:        []CheckChange{},
		Objects:       []ObjectChange{},
		Datasets:      []DatasetChange{},
		Comparable:    compareScores(old.Doc, new.Doc),
	}
	if old.Snap != nil && new.Snap != nil {
		d.ObjectsCompared = true
		objs, ds, err := compareSnapshots(old.Snap, new.Snap)
		if err != nil {
			return nil, err
		}
		d.Objects, d.Datasets = objs, ds
	} else {
		d.Note = VerdictsOnlyNote
	}
	d.Checks, d.Counts.Unchanged = compareResults(old.Doc, new.Doc)
	explain(d)
	for _, c := range d.Checks {
		d.Counts.add(c.Change)
	}
	for _, o := range d.Objects {
		switch o.Change {
		case ObjectAdded:
			d.Counts.ObjectsAdded++
		case ObjectRemoved:
			d.Counts.ObjectsRemoved++
		case ObjectModified:
			d.Counts.ObjectsModified++
		}
	}
	d.Counts.Datasets = len(d.Datasets)
	return d, nil
}

// Empty reports whether nothing changed at all.
func (d *Document) Empty() bool {
	return len(d.Checks) == 0 && len(d.Objects) == 0 && len(d.Datasets) == 0
}

// WithoutSchema returns a copy without the schema version: the "changes"
// member of results.json.
func (d *Document) WithoutSchema() *Document {
	c := *d
	c.SchemaVersion = 0
	return &c
}

func evaluated(s checks.Status) bool {
	return s == checks.StatusPass || s == checks.StatusFail || s == checks.StatusWarn
}

func failing(s checks.Status) bool { return s == checks.StatusFail || s == checks.StatusWarn }

// classify returns the change kind of a check present on both sides, or ""
// when nothing changed.
func classify(from, to checks.Status, affectedDiffer bool) Kind {
	if from == to {
		if failing(from) && affectedDiffer {
			return Changed
		}
		return ""
	}
	if !evaluated(from) || !evaluated(to) {
		return Coverage
	}
	switch {
	case to == checks.StatusPass:
		return Fixed
	case from == checks.StatusPass:
		return Regressed
	case from == checks.StatusFail && to == checks.StatusWarn:
		return Improved
	default:
		return Worsened
	}
}

// affectedKey identifies an affected object across the two audits.
func affectedKey(a checks.Affected) string {
	if a.ID != "" {
		return strings.ToLower(a.ID)
	}
	return strings.ToLower(a.Kind + ":" + a.Name)
}

func affectedLabel(a checks.Affected) string {
	switch {
	case a.Name != "" && a.ID != "" && a.Name != a.ID:
		return a.Name + " (" + a.ID + ")"
	case a.Name != "":
		return a.Name
	}
	return a.ID
}

func compareAffected(from, to []checks.Affected) (added, removed []string) {
	fromKeys := map[string]bool{}
	for _, a := range from {
		fromKeys[affectedKey(a)] = true
	}
	toKeys := map[string]bool{}
	for _, a := range to {
		toKeys[affectedKey(a)] = true
		if !fromKeys[affectedKey(a)] {
			added = append(added, affectedLabel(a))
		}
	}
	for _, a := range from {
		if !toKeys[affectedKey(a)] {
			removed = append(removed, affectedLabel(a))
		}
	}
	added, removed = uniqSorted(added), uniqSorted(removed)
	return added, removed
}

func uniqSorted(s []string) []string {
	out := []string{}
	sort.Strings(s)
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// notRun maps the checks an audit did not run to the reason it gives.
func notRun(doc *checks.Document) map[string]checks.NotRunReason {
	m := make(map[string]checks.NotRunReason, len(doc.NotRun))
	for _, n := range doc.NotRun {
		m[n.ID] = n.Reason
	}
	return m
}

// compareResults compares the verdicts. A check with a result on one side
// only is a coverage change when the other side's audit says it did not
// run it (FromNotRun, ToNotRun), and otherwise added or removed: that
// side's tool version does not have it.
func compareResults(oldDoc, newDoc *checks.Document) ([]CheckChange, int) {
	old, new := oldDoc.Results, newDoc.Results
	oldNotRun, newNotRun := notRun(oldDoc), notRun(newDoc)
	om := map[string]checks.Result{}
	for _, r := range old {
		om[r.ID] = r
	}
	nm := map[string]checks.Result{}
	for _, r := range new {
		nm[r.ID] = r
	}
	var out []CheckChange
	unchanged := 0
	for _, n := range new {
		o, ok := om[n.ID]
		if !ok {
			c := newChange(n, Added)
			if why, ok := oldNotRun[n.ID]; ok {
				c.Change, c.FromNotRun = Coverage, why
			}
			c.To = n.Status
			out = append(out, c)
			continue
		}
		added, removed := []string{}, []string{}
		if failing(o.Status) || failing(n.Status) {
			added, removed = compareAffected(o.Affected, n.Affected)
		}
		k := classify(o.Status, n.Status, len(added)+len(removed) > 0)
		if k == "" {
			unchanged++
			continue
		}
		c := newChange(n, k)
		c.From, c.To = o.Status, n.Status
		c.AffectedAdded, c.AffectedRemoved = added, removed
		c.datasets = uniqSorted(append(append([]string(nil), o.Datasets...), n.Datasets...))
		c.keys = changedKeys(o.Affected, n.Affected)
		out = append(out, c)
	}
	for _, o := range old {
		if _, ok := nm[o.ID]; !ok {
			c := newChange(o, Removed)
			if why, ok := newNotRun[o.ID]; ok {
				c.Change, c.ToNotRun = Coverage, why
			}
			c.From = o.Status
			out = append(out, c)
		}
	}
	rank := map[Kind]int{}
	for i, k := range Kinds() {
		rank[k] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if rank[a.Change] != rank[b.Change] {
			return rank[a.Change] < rank[b.Change]
		}
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() < b.Severity.Rank()
		}
		return a.ID < b.ID
	})
	if out == nil {
		out = []CheckChange{}
	}
	return out, unchanged
}

func newChange(r checks.Result, k Kind) CheckChange {
	return CheckChange{
		ID: r.ID, Title: r.Title, Category: r.Category, Severity: r.Severity, Change: k,
		AffectedAdded: []string{}, AffectedRemoved: []string{}, Because: []Ref{},
		datasets: r.Datasets,
	}
}

// changedKeys returns the ids and names (lower case) of the affected
// objects present on one side only.
func changedKeys(from, to []checks.Affected) map[string]bool {
	count := map[string]int{}
	for _, a := range from {
		count[affectedKey(a)] |= 1
	}
	for _, a := range to {
		count[affectedKey(a)] |= 2
	}
	keys := map[string]bool{}
	for _, a := range append(append([]checks.Affected(nil), from...), to...) {
		if count[affectedKey(a)] == 3 {
			continue
		}
		for _, k := range []string{a.ID, a.Name} {
			if k != "" {
				keys[strings.ToLower(k)] = true
			}
		}
		if a.User != nil {
			for _, k := range []string{a.User.ID, a.User.UPN} {
				if k != "" {
					keys[strings.ToLower(k)] = true
				}
			}
		}
	}
	return keys
}

// explain fills Because of every check change: the object changes in the
// datasets the check reads, those about the objects whose presence in the
// check's findings changed first (when any match, only those), and the
// datasets whose coverage changed.
func explain(d *Document) {
	byDataset := map[string][]int{}
	for i, o := range d.Objects {
		byDataset[o.Dataset] = append(byDataset[o.Dataset], i)
	}
	cov := map[string]DatasetChange{}
	for _, c := range d.Datasets {
		cov[c.Dataset] = c
	}
	for ci := range d.Checks {
		c := &d.Checks[ci]
		if c.Change == Added || c.Change == Removed || c.FromNotRun != "" || c.ToNotRun != "" {
			continue
		}
		var all, matched []Ref
		for _, ds := range c.datasets {
			if dc, ok := cov[ds]; ok {
				c.Because = append(c.Because, Ref{Dataset: ds, Coverage: string(dc.From) + " -> " + string(dc.To)})
			}
			for _, i := range byDataset[ds] {
				o := d.Objects[i]
				r := Ref{Dataset: o.Dataset, ID: o.ID, Name: o.Name, Change: o.Change, Fields: fieldPaths(o.Fields)}
				all = append(all, r)
				if c.keys[strings.ToLower(o.ID)] || c.keys[strings.ToLower(o.Name)] || matchesID(c.keys, o.ID) {
					matched = append(matched, r)
				}
			}
		}
		refs := all
		if len(matched) > 0 {
			refs = matched
		}
		if len(refs) > MaxBecause {
			c.BecauseMore = len(refs) - MaxBecause
			refs = refs[:MaxBecause]
		}
		c.Because = append(c.Because, refs...)
	}
}

// matchesID reports whether a per-key object id ("<user id>/<rule id>")
// belongs to an affected object.
func matchesID(keys map[string]bool, id string) bool {
	for _, part := range strings.Split(strings.ToLower(id), "/") {
		if keys[part] {
			return true
		}
	}
	return false
}

func fieldPaths(f []FieldChange) []string {
	var out []string
	for _, c := range f {
		out = append(out, c.Path)
	}
	return out
}
