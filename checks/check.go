package checks

import (
	"log/slog"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Licence is a licence a check's feature needs.
type Licence string

// Licences a check can need.
const (
	LicenceNone Licence = ""
	LicenceP1   Licence = "Entra ID P1"
	LicenceP2   Licence = "Entra ID P2"
)

// Meta is a check's metadata: the single source for results, reports, the
// `checks` command and docs.
type Meta struct {
	ID        string
	Title     string
	Category  string
	Severity  Severity
	Rationale string
	// Datasets the check reads. If one carries no data the runner answers
	// unknown naming it, without calling Eval. A partial dataset cannot give
	// a pass (the runner turns it into unknown), but a fail stands.
	Datasets []string
	// AlsoReads are datasets the check reads but decides about itself when
	// they are missing (e.g. CA policies for checks judged on security
	// defaults without P1). They are listed in results and coverage but do
	// not gate the check.
	AlsoReads []string
	// Licence the feature needs; without it the runner answers
	// not_applicable. (CA checks that fall back to security defaults without
	// P1 leave this empty and decide themselves.)
	Licence     Licence
	References  References
	Remediation Remediation
	// Incident checks run only when an incident is given.
	Incident bool
}

// Check is a check: metadata plus a pure evaluation over the snapshot.
type Check struct {
	Meta
	Eval func(c *Context) Outcome
}

// Outcome is what Eval returns.
type Outcome struct {
	Status   Status
	Summary  string
	Affected []Affected
}

// Context is everything a check may read. It carries no clock: Now is the
// snapshot's collectedAt.
type Context struct {
	// snap is read only through the dataset methods (reads.go), which
	// record every read in reads.
	snap  *snapshot.Snapshot
	reads map[string]bool
	// without holds the datasets the running check deliberately decided
	// without (decidedWithout), so a test can tell a deliberate judgement
	// without optional data from a false pass.
	without map[string]bool
	// Config is the configuration resolved against the snapshot
	// (ResolveConfig): break-glass accounts and exclusions as object ids.
	Config   *Resolved
	Now      time.Time
	Licences Licences
	// Incident is nil unless an incident is given.
	Incident *IncidentInfo
	// Logger receives internal errors (a check that panicked, with its
	// stack); nil logs nothing.
	Logger *slog.Logger

	// ca is the Conditional Access evaluation environment (name and
	// strength indexes), built once per run on first use. Run evaluates
	// checks one after another, so it needs no lock.
	ca *caEnv
}

// AllDatasets returns the datasets the check reads: gating ones first.
func (m Meta) AllDatasets() []string {
	return append(append([]string(nil), m.Datasets...), m.AlsoReads...)
}

// NewContext returns the evaluation context of a run over snap.
func NewContext(snap *snapshot.Snapshot, cfg *Resolved, now time.Time, lic Licences, inc *IncidentInfo, logger *slog.Logger) *Context {
	return &Context{snap: snap, Config: cfg, Now: now, Licences: lic, Incident: inc, Logger: logger}
}

// data records that the running check reads dataset id and returns the
// snapshot to read it from.
func (c *Context) data(id string) *snapshot.Snapshot {
	if c.reads == nil {
		c.reads = map[string]bool{}
	}
	c.reads[id] = true
	return c.snap
}

// Info returns what the manifest says about a dataset (status, reason,
// notes, window, omitted fields). It reads no data, so it records nothing.
func (c *Context) Info(id string) snapshot.DatasetInfo { return c.snap.Info(id) }

// Tenant returns the snapshot's tenant as the manifest records it.
func (c *Context) Tenant() snapshot.Tenant { return c.snap.Manifest.Tenant }

// decidedWithout records that the running check read dataset id, found it
// not collected, and deliberately judged without it (its summary says how).
// A pass over a missing dataset not recorded here fails the read test.
func (c *Context) decidedWithout(id string) {
	if c.without == nil {
		c.without = map[string]bool{}
	}
	c.without[id] = true
}

// startCheck forgets the reads of the previous check.
func (c *Context) startCheck() { c.reads, c.without = map[string]bool{}, map[string]bool{} }

// readDatasets returns the datasets the running check has read, sorted.
func (c *Context) readDatasets() []string { return sortedKeys(c.reads) }
