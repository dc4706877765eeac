package batch

import "time"

// Statuses of one tenant in a batch.
const (
	StatusOK     = "ok"
	StatusFailed = "failed"
)

// Entry is one tenant's outcome.
type Entry struct {
	Name        string    `json:"name"`
	Tenant      string    `json:"tenant"`
	Status      string    `json:"status"`
	Reason      string    `json:"reason,omitempty"`
	DurationMs  int64     `json:"durationMs"`
	Score       *float64  `json:"score,omitempty"`
	CollectedAt time.Time `json:"collectedAt,omitzero"`
	// Run is the run directory; Snapshot, Results, Baseline and Reports are
	// the files in it.
	Run      string   `json:"run,omitempty"`
	Snapshot string   `json:"snapshot,omitempty"`
	Results  string   `json:"results,omitempty"`
	Baseline string   `json:"baseline,omitempty"`
	Reports  []string `json:"reports,omitempty"`
	// Datasets not collected (denied, unlicensed, failed).
	NotCollected []string `json:"notCollected,omitempty"`
}

// Summary is ROOT/batch-<time>.json.
type Summary struct {
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt"`
	Shard      string    `json:"shard,omitempty"`
	Tenants    []Entry   `json:"tenants"`
	OK         int       `json:"ok"`
	Failed     int       `json:"failed"`
	Portfolio  []string  `json:"portfolio,omitempty"`
	// PortfolioSkipped says why no portfolio was written (a shard).
	PortfolioSkipped string `json:"portfolioSkipped,omitempty"`
}

// RunStamp is the run directory name for a collection time:
// 2026-12-04T1530Z.
func RunStamp(t time.Time) string { return t.UTC().Format("2006-01-02T1504Z") }
