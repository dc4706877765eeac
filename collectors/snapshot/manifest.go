package snapshot

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// SchemaVersion is the snapshot layout version this build reads and writes.
// Loading refuses any other version.
const SchemaVersion = 1

// ManifestFile is the name of the manifest inside a snapshot.
const ManifestFile = "manifest.json"

// Status is how collection of one dataset ended.
type Status string

// Dataset statuses. Only ok and partial datasets carry data.
const (
	StatusOK         Status = "ok"
	StatusPartial    Status = "partial"
	StatusForbidden  Status = "forbidden"
	StatusUnlicensed Status = "unlicensed"
	StatusNotFound   Status = "notFound"
	StatusError      Status = "error"
	StatusSkipped    Status = "skipped"
	// StatusInterrupted marks a dataset whose collection was cut short
	// (Ctrl-C, SIGTERM): it carries no data and the manifest is marked
	// incomplete.
	StatusInterrupted Status = "interrupted"
)

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusOK, StatusPartial, StatusForbidden, StatusUnlicensed, StatusNotFound, StatusError, StatusSkipped, StatusInterrupted:
		return true
	}
	return false
}

// HasData reports whether a dataset with this status carries a file.
func (s Status) HasData() bool { return s == StatusOK || s == StatusPartial }

// Manifest describes a snapshot: who collected what, when, and how each
// dataset ended.
type Manifest struct {
	SchemaVersion int                    `json:"schemaVersion"`
	Tool          Tool                   `json:"tool"`
	Tenant        Tenant                 `json:"tenant"`
	Cloud         string                 `json:"cloud"`
	CollectedAt   time.Time              `json:"collectedAt"`
	StartedAt     *time.Time             `json:"startedAt,omitempty"`
	Endpoints     Endpoints              `json:"endpoints"`
	Incident      *Incident              `json:"incident,omitempty"`
	Datasets      map[string]DatasetInfo `json:"datasets"`
	// Complete is false when collection did not finish (interrupted); a
	// manifest without the field predates it and is judged by its datasets'
	// statuses alone.
	Complete *bool `json:"complete,omitempty"`
	// Resumed lists when an interrupted collection was continued
	// (collect --resume), oldest first.
	Resumed []time.Time `json:"resumed,omitempty"`
}

// Incomplete reports whether collection did not finish, and the datasets
// it left interrupted (sorted).
func (m Manifest) Incomplete() (bool, []string) {
	var ids []string
	for id, d := range m.Datasets {
		if d.Status == StatusInterrupted {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return len(ids) > 0 || (m.Complete != nil && !*m.Complete), ids
}

// Tool names the program that wrote the snapshot.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Tenant identifies the tenant a snapshot belongs to.
type Tenant struct {
	ID            string `json:"id"`
	DisplayName   string `json:"displayName"`
	PrimaryDomain string `json:"primaryDomain"`
	InitialDomain string `json:"initialDomain,omitempty"`
	// TokenTenantID is the tenant id the access token was issued for (its
	// tid claim), recorded at collect when the token is a JWT. Audit checks
	// it against ID.
	TokenTenantID string `json:"tokenTenantId,omitempty"`
}

// Endpoints records the service roots collection used.
type Endpoints struct {
	Graph    string `json:"graph,omitempty"`
	Exchange string `json:"exchange,omitempty"`
}

// Incident is the incident context collect used: the compromised users and
// the window start. The window ends at CollectedAt.
type Incident struct {
	Users []string  `json:"users"`
	Start time.Time `json:"start"`
}

// DatasetInfo is the manifest entry of one dataset.
type DatasetInfo struct {
	File   string `json:"file,omitempty"`
	Status Status `json:"status"`
	// Reason says why a dataset is not ok (the API's error code and message).
	Reason string `json:"reason,omitempty"`
	// Permission and Licence name what would allow the dataset.
	Permission string `json:"permission,omitempty"`
	Licence    string `json:"licence,omitempty"`
	Count      int    `json:"count"`
	SHA256     string `json:"sha256,omitempty"`
	DurationMs int64  `json:"durationMs"`
	Requests   int    `json:"requests"`
	Retries    int    `json:"retries,omitempty"`
	// ThrottledMs is the time spent waiting on throttling (Retry-After,
	// back-off after a 429/503, pacing ahead of a limit).
	ThrottledMs int64 `json:"throttledMs,omitempty"`
	// Checkpoint, on an interrupted dataset, is where its collection stopped
	// (collect --resume continues from there).
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`
	// Notes record degradations that still gave data, for people to read;
	// no verdict depends on their wording (see Omitted).
	Notes []string `json:"notes,omitempty"`
	// Omitted lists the properties the collector left out of every object
	// of the dataset because the service refused them (licence or
	// permission), e.g. ["signInActivity"] on users: such a property is
	// unknown, never "none". Read it through Omits.
	Omitted []string `json:"omitted,omitempty"`
	// Window is set on time-bounded datasets (logs).
	Window *Window `json:"window,omitempty"`
}

// Omits reports whether the collector left property prop out of the
// dataset's objects.
func (d DatasetInfo) Omits(prop string) bool {
	for _, p := range d.Omitted {
		if strings.EqualFold(p, prop) {
			return true
		}
	}
	return false
}

// legacySignInNote starts the note with which collectors before the
// omitted field recorded the users fallback without sign-in activity.
const legacySignInNote = "collected without signInActivity"

// UnmarshalJSON reads a manifest entry. An entry written before the
// omitted field existed, whose notes carry the old fallback sentence, is
// read as omitting signInActivity, so an old snapshot is not taken to hold
// sign-in activity it never collected. This is the only place a note's
// text is interpreted.
func (d *DatasetInfo) UnmarshalJSON(b []byte) error {
	type plain DatasetInfo
	if err := json.Unmarshal(b, (*plain)(d)); err != nil {
		return err
	}
	if d.Omitted != nil {
		return nil
	}
	for _, n := range d.Notes {
		if strings.HasPrefix(n, legacySignInNote) {
			d.Omitted = []string{PropSignInActivity}
			break
		}
	}
	return nil
}

// Window is the time range a log dataset covers.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Retention notes what log retention allowed (e.g. "30 days with Entra
	// ID P1"), and EarliestAvailable the earliest time the API could return.
	Retention         string     `json:"retention,omitempty"`
	EarliestAvailable *time.Time `json:"earliestAvailable,omitempty"`
}

// Describe renders the status and reason of a dataset as one phrase, e.g.
// "forbidden: Authorization_RequestDenied (needs Policy.Read.All)".
func (d DatasetInfo) Describe() string {
	s := string(d.Status)
	if s == "" {
		s = "not collected"
	}
	if d.Reason != "" {
		s += ": " + d.Reason
	}
	need := d.Permission
	if d.Status == StatusUnlicensed && d.Licence != "" {
		need = d.Licence
	}
	if need != "" && !d.Status.HasData() && d.Status != StatusInterrupted {
		s += " (needs " + need + ")"
	}
	return s
}

// Checkpoint is the state of a paged dataset after its last complete page:
// the partial file holds Bytes bytes (Count objects of Pages pages) and
// NextLink is the page to fetch next. HashState is the SHA-256 state over
// those bytes (crypto/sha256's binary form), so a resumed dataset's hash
// covers the whole file without reading it again.
type Checkpoint struct {
	File      string `json:"file"`
	NextLink  string `json:"nextLink"`
	Bytes     int64  `json:"bytes"`
	Count     int    `json:"count"`
	Pages     int    `json:"pages"`
	HashState []byte `json:"hashState"`
}

// NotCollectedError is returned by typed accessors for a dataset that carries
// no data. Checks turn it into an unknown verdict naming the dataset.
type NotCollectedError struct {
	Dataset string
	Info    DatasetInfo
}

func (e *NotCollectedError) Error() string {
	return fmt.Sprintf("dataset %s not collected: %s", e.Dataset, e.Info.Describe())
}
