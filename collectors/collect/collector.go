// Package collect orchestrates a collection: it reads every dataset of
// snapshot.Specs() from Microsoft Graph (collectors/graph) and the Exchange
// admin API (collectors/exchange) and writes them through snapshot.Writer.
//
// Datasets are independent: a 403, a missing licence, a 404 or a failure
// after retries marks that dataset (forbidden, unlicensed, notFound, error,
// partial) with the API's reason and what would allow it, and collection
// goes on. Only a rejected Graph token (401), a tenant mismatch or a
// cancelled context stops the run.
package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/m365audit/m365audit/collectors/auth"
	"github.com/m365audit/m365audit/collectors/exchange"
	"github.com/m365audit/m365audit/collectors/graph"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Exchange is the part of *exchange.Client collection uses.
type Exchange interface {
	Invoke(ctx context.Context, cmdlet string, params map[string]any, sel []string) (*exchange.Result, error)
	InvokePages(ctx context.Context, cmdlet string, params map[string]any, sel []string, f func([]json.RawMessage) error) (*exchange.Result, error)
}

// Progress receives collection events; it must be safe for concurrent use.
type Progress interface {
	DatasetStarted(id string)
	DatasetDone(id string, info snapshot.DatasetInfo, done, total int)
}

// PageProgress is implemented by a Progress that also wants a report after
// every page of a paged dataset: objects and pages so far, and the total
// number of objects when the service said ($count), else -1.
type PageProgress interface {
	DatasetPage(id string, objects, pages int, total int64)
}

// Options configure a Collector.
type Options struct {
	Graph *graph.Client
	// NewExchange builds the Exchange client once the tenant GUID is known
	// (the InvokeCommand URL carries it). Nil: Exchange datasets are
	// recorded as skipped with ExchangeSkipReason.
	NewExchange        func(tenantID string) (Exchange, error)
	ExchangeSkipReason string
	// Writer receives the datasets. A Writer from snapshot.Resume already
	// holds the datasets an interrupted run finished: they are kept.
	Writer *snapshot.Writer
	// Tenant is --tenant: a GUID or a verified domain ("" = not bound).
	Tenant string
	// PreviousTenant, when set, is the tenant GUID of the earlier snapshot
	// the caller reads counts from: a token of another tenant stops the run.
	PreviousTenant string
	// GraphToken, when set, lets the run compare the token's tid claim with
	// the tenant it reads (wrong-tenant token reuse).
	GraphToken func(ctx context.Context) (string, error)
	// Incident enables the incident datasets.
	Incident *snapshot.Incident
	// Concurrency is how many chains of datasets run at once (0 = one slot
	// per chain, see plan). The datasets of a chain run one after another.
	Concurrency int
	Logger      *slog.Logger
	Progress    Progress
	Now         func() time.Time
}

// ErrTenantMismatch refuses a run whose token, --tenant and organization
// disagree.
var ErrTenantMismatch = errors.New("tenant mismatch")

// ErrInterrupted is returned when the context ended (Ctrl-C, SIGTERM)
// before every dataset finished; the manifest was written with complete
// false and the unfinished datasets marked interrupted.
var ErrInterrupted = errors.New("collection interrupted")

// ErrUnknownIncidentUser refuses a run whose incident user does not exist
// in the tenant: nothing is collected for a user who is not there.
var ErrUnknownIncidentUser = errors.New("unknown incident user")

// fatalError stops the whole run (as opposed to marking one dataset).
type fatalError struct{ err error }

func (f *fatalError) Error() string { return f.err.Error() }
func (f *fatalError) Unwrap() error { return f.err }

// Collector runs one collection.
type Collector struct {
	o     Options
	g     *graph.Client
	w     *snapshot.Writer
	log   *slog.Logger
	total int

	mu       sync.Mutex
	done     int
	usersOK  bool // the users file is complete (keys of per-key datasets)
	usersHas bool // the users file exists
	skus     []json.RawMessage
	skusOK   bool
	late     []lateDataset // incident window datasets, written when the window ends
	exo      Exchange
	exoErr   string
	exoSem   chan struct{}
}

type lateDataset struct {
	spec snapshot.Spec
	list *snapshot.ListWriter
	info snapshot.DatasetInfo
}

// exchangeSlots bounds concurrent Exchange cmdlets (collection.md §3.6: a
// few at most).
const exchangeSlots = 4

// New checks options and returns a collector.
func New(o Options) (*Collector, error) {
	if o.Graph == nil || o.Writer == nil {
		return nil, errors.New("collect: Graph client and Writer are required")
	}
	if o.Concurrency < 0 {
		o.Concurrency = 0
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Collector{o: o, g: o.Graph, w: o.Writer, log: o.Logger, total: len(snapshot.Specs()),
		exoSem: make(chan struct{}, exchangeSlots)}, nil
}

// Run collects every dataset and closes the writer (writing the manifest).
// It returns the final manifest. When ctx ends first, the manifest is
// written incomplete and the error wraps ErrInterrupted. Any other error
// means the run was refused or stopped (401, tenant mismatch) and the
// manifest is not written.
func (c *Collector) Run(ctx context.Context) (snapshot.Manifest, error) {
	m, err := c.run(ctx)
	if err != nil && ctx.Err() != nil {
		ids := make([]string, 0, c.total)
		for _, s := range snapshot.Specs() {
			ids = append(ids, s.ID)
		}
		c.suspendLate()
		if cerr := c.w.CloseInterrupted(c.o.Now(), ids); cerr != nil {
			return snapshot.Manifest{}, fmt.Errorf("%w; writing the manifest failed: %v", ErrInterrupted, cerr)
		}
		return c.w.Manifest(), fmt.Errorf("%w: %w", ErrInterrupted, context.Cause(ctx))
	}
	return m, err
}

func (c *Collector) run(ctx context.Context) (snapshot.Manifest, error) {
	specs := snapshot.Specs()
	byID := map[string]snapshot.Spec{}
	for _, s := range specs {
		byID[s.ID] = s
	}

	// organization first: it binds the tenant and gives the Exchange URL its GUID.
	org, err := c.dataset(ctx, byID[snapshot.DSOrganization], c.graphDataset)
	if err != nil {
		return snapshot.Manifest{}, err
	}
	tenantID, err := c.bind(ctx, org)
	if err != nil {
		return snapshot.Manifest{}, err
	}
	c.setupExchange(tenantID)
	if err := c.checkIncidentUsers(ctx); err != nil {
		return snapshot.Manifest{}, err
	}

	chains, perKey := c.plan(specs)
	slots := c.o.Concurrency
	if slots == 0 {
		slots = autoConcurrency(len(chains))
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(slots)
	for _, ch := range chains {
		g.Go(func() error {
			for _, s := range ch.specs {
				if _, err := c.dataset(gctx, s, c.sourceDataset(s)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return snapshot.Manifest{}, err
	}
	for _, s := range perKey {
		if _, err := c.dataset(ctx, s, c.perKeyDataset); err != nil {
			return snapshot.Manifest{}, err
		}
	}

	collectedAt := c.o.Now().UTC()
	if err := c.writeLate(collectedAt); err != nil {
		return snapshot.Manifest{}, err
	}
	if err := c.w.Close(collectedAt); err != nil {
		return snapshot.Manifest{}, err
	}
	return c.w.Manifest(), nil
}

// outcome is what a dataset function produced.
type outcome struct {
	status snapshot.Status
	reason string
	notes  []string
	// omitted lists the properties left out of every object
	// (DatasetInfo.Omitted).
	omitted []string
	// list holds the streamed file of a list dataset (committed by record).
	list *snapshot.ListWriter
	// cp is the checkpoint after the last complete page of list.
	cp *snapshot.Checkpoint
	// items are kept in memory for the small datasets the run itself reads
	// (organization, subscribedSkus).
	items  []json.RawMessage
	object json.RawMessage
	keyed  map[string][]json.RawMessage
	window *snapshot.Window
	// late: write at the end of the run (the window ends at collectedAt).
	late bool
	// exoRequests/exoRetries/exoThrottled: what the Exchange client reports
	// itself.
	exoRequests, exoRetries int
	exoThrottled            time.Duration
}

type datasetFunc func(ctx context.Context, s snapshot.Spec) (outcome, error)

func (c *Collector) sourceDataset(s snapshot.Spec) datasetFunc {
	if f := c.mailDataset(s); f != nil {
		return f
	}
	if s.Source == snapshot.SourceExchange {
		return c.exchangeDataset
	}
	return c.graphDataset
}

// dataset runs one dataset function, times and counts it, and records it.
// Only fatal errors and the end of ctx are returned. A dataset a resumed
// run already holds is kept as it is.
func (c *Collector) dataset(ctx context.Context, s snapshot.Spec, f datasetFunc) (outcome, error) {
	if info, ok := c.w.Kept(s.ID); ok {
		out, err := c.kept(s, info)
		if err != nil {
			return out, &fatalError{err}
		}
		c.finish(s, info, true)
		return out, nil
	}
	if err := ctx.Err(); err != nil {
		return outcome{}, err
	}
	if c.o.Progress != nil {
		c.o.Progress.DatasetStarted(s.ID)
	}
	st := &graph.Stats{}
	start := time.Now()
	out, err := f(graph.WithStats(ctx, st), s)
	info := snapshot.DatasetInfo{
		Permission:  s.Permission,
		Licence:     s.Licence,
		DurationMs:  time.Since(start).Milliseconds(),
		Requests:    int(st.Requests.Load()) + out.exoRequests,
		Retries:     int(st.Retries.Load()) + out.exoRetries,
		ThrottledMs: (time.Duration(st.ThrottledNs.Load()) + out.exoThrottled).Milliseconds(),
		Notes:       out.notes,
		Omitted:     out.omitted,
		Window:      out.window,
	}
	if ctx.Err() != nil {
		// Stopped: keep what a resumed run can continue from.
		if out.list != nil {
			out.list.Suspend(out.cp, info)
		}
		return outcome{}, ctx.Err()
	}
	if err != nil {
		var fe *fatalError
		if errors.As(err, &fe) {
			if out.list != nil {
				out.list.Abort()
			}
			return outcome{}, err
		}
		if out.list != nil {
			out.list.Abort()
		}
		out = failed(err)
	}
	info.Status, info.Reason = out.status, out.reason
	if info.Status == "" {
		info.Status = snapshot.StatusOK
	}
	if out.list != nil && !info.Status.HasData() {
		out.list.Abort()
		out.list = nil
	}
	if out.late && info.Status.HasData() {
		c.mu.Lock()
		c.late = append(c.late, lateDataset{spec: s, list: out.list, info: info})
		c.mu.Unlock()
		return out, nil
	}
	if err := c.record(s, out, info); err != nil {
		return out, &fatalError{err}
	}
	return out, nil
}

// kept loads what the run needs from a dataset a resumed run keeps.
func (c *Collector) kept(s snapshot.Spec, info snapshot.DatasetInfo) (outcome, error) {
	out := outcome{status: info.Status}
	switch s.ID {
	case snapshot.DSOrganization, snapshot.DSSubscribedSkus:
		raw, err := c.w.ReadDataset(s.ID)
		if err != nil {
			return out, err
		}
		if err := json.Unmarshal(raw, &out.items); err != nil {
			return out, fmt.Errorf("dataset %s: %w", s.ID, err)
		}
		if s.ID == snapshot.DSSubscribedSkus {
			c.mu.Lock()
			c.skus, c.skusOK = out.items, true
			c.mu.Unlock()
		}
	case snapshot.DSUsers:
		c.mu.Lock()
		c.usersHas, c.usersOK = true, true
		c.mu.Unlock()
	}
	return out, nil
}

func (c *Collector) record(s snapshot.Spec, out outcome, info snapshot.DatasetInfo) error {
	var err error
	switch {
	case !info.Status.HasData():
		c.w.Record(s.ID, info)
	case out.list != nil:
		info, err = out.list.Commit(info)
	case s.Shape == snapshot.ShapeObject:
		err = c.w.WriteObject(s.ID, out.object, info)
	case s.Shape == snapshot.ShapePerKey:
		err = c.w.WritePerKey(s.ID, out.keyed, info)
	default:
		err = c.w.WriteList(s.ID, out.items, info)
	}
	if err != nil {
		return fmt.Errorf("write dataset %s: %w", s.ID, err)
	}
	if written, ok := c.w.Manifest().Datasets[s.ID]; ok {
		info = written // the count and hash as written
	}
	if s.ID == snapshot.DSUsers && info.Status.HasData() {
		c.mu.Lock()
		c.usersHas, c.usersOK = true, info.Status == snapshot.StatusOK
		c.mu.Unlock()
	}
	c.finish(s, info, false)
	return nil
}

func (c *Collector) finish(s snapshot.Spec, info snapshot.DatasetInfo, kept bool) {
	c.mu.Lock()
	c.done++
	done := c.done
	c.mu.Unlock()
	attrs := []any{"section", s.ID, "status", string(info.Status), "count", info.Count,
		"duration", time.Duration(info.DurationMs) * time.Millisecond, "requests", info.Requests}
	if info.ThrottledMs > 0 {
		attrs = append(attrs, "throttled", time.Duration(info.ThrottledMs)*time.Millisecond)
	}
	switch {
	case kept:
		c.log.Info("dataset kept from the interrupted run", "section", s.ID, "count", info.Count)
	case info.Status == snapshot.StatusOK:
		c.log.Info("dataset collected", attrs...)
	case info.Status != snapshot.StatusSkipped:
		// Info, not Warn: the coverage summary at the end reports every
		// dataset not fully collected, with its reason; a warning here
		// would say the same thing twice.
		c.log.Info("dataset not fully collected", append(attrs, "reason", info.Reason)...)
	}
	if c.o.Progress != nil {
		c.o.Progress.DatasetDone(s.ID, info, done, c.total)
	}
}

func (c *Collector) skip(s snapshot.Spec, reason string) {
	info := snapshot.DatasetInfo{Status: snapshot.StatusSkipped, Reason: reason, Permission: s.Permission, Licence: s.Licence}
	c.w.Record(s.ID, info)
	c.finish(s, info, false)
}

func (c *Collector) writeLate(collectedAt time.Time) error {
	c.mu.Lock()
	late := c.late
	c.late = nil
	c.mu.Unlock()
	for _, l := range late {
		if l.info.Window != nil {
			c.completeWindow(&l.info, collectedAt)
		}
		if err := c.record(l.spec, outcome{list: l.list}, l.info); err != nil {
			return err
		}
	}
	return nil
}

// suspendLate drops the finished-but-unwritten window datasets of a stopped
// run: their window ends when the run does, so a resumed run reads them
// again.
func (c *Collector) suspendLate() {
	c.mu.Lock()
	late := c.late
	c.late = nil
	c.mu.Unlock()
	for _, l := range late {
		if l.list != nil {
			l.list.Suspend(nil, l.info)
		}
	}
}

// failed classifies a dataset error into a status and reason.
func failed(err error) outcome {
	var ge *graph.Error
	var xe *exchange.Error
	reason := err.Error()
	if errors.As(err, &ge) {
		reason = fmt.Sprintf("HTTP %d %s", ge.Status, ge.Reason())
	} else if errors.As(err, &xe) {
		reason = strings.TrimPrefix(xe.Error(), "exchange: ")
	}
	switch {
	case errors.Is(err, graph.ErrUnlicensed):
		return outcome{status: snapshot.StatusUnlicensed, reason: reason}
	case errors.Is(err, graph.ErrForbidden), errors.Is(err, exchange.ErrForbidden), errors.Is(err, exchange.ErrUnauthorized):
		return outcome{status: snapshot.StatusForbidden, reason: reason}
	case errors.Is(err, graph.ErrNotFound), errors.Is(err, exchange.ErrNotFound):
		return outcome{status: snapshot.StatusNotFound, reason: reason}
	case errors.Is(err, graph.ErrThrottled), errors.Is(err, exchange.ErrThrottled):
		return outcome{status: snapshot.StatusError, reason: "still throttled after retries: " + reason}
	}
	return outcome{status: snapshot.StatusError, reason: reason}
}

// checkFatal turns a Graph 401 or an unreachable Graph host into a
// run-stopping error.
func checkFatal(err error) error {
	if errors.Is(err, graph.ErrUnauthorized) {
		return &fatalError{fmt.Errorf("the Graph token was rejected (401); stopping: %w", err)}
	}
	if f := unreachableFatal(err); f != nil {
		return f
	}
	return nil
}

// graphDataset collects a list or singleton Graph dataset.
func (c *Collector) graphDataset(ctx context.Context, s snapshot.Spec) (outcome, error) {
	query := s.Query
	var window *snapshot.Window
	if strings.Contains(query, "{start}") {
		if c.o.Incident == nil {
			return outcome{}, errors.New("no incident start for a windowed dataset")
		}
		query = strings.ReplaceAll(query, "{start}", c.o.Incident.Start.UTC().Format(time.RFC3339))
		// Completed in writeLate, when the window end and the licences are known.
		window = &snapshot.Window{From: c.o.Incident.Start.UTC()}
	}
	if s.ID == snapshot.DSUsers {
		return c.users(ctx, s, query)
	}
	var out outcome
	var err error
	if s.Shape == snapshot.ShapeObject {
		out, err = c.fetchObject(ctx, s, query)
	} else {
		var transform func([]byte) ([]byte, error)
		if s.ID == snapshot.DSServicePrincipals || s.ID == snapshot.DSApplications {
			transform = func(b []byte) ([]byte, error) { return graph.StripCredentialSecrets(b) }
		}
		keep := s.ID == snapshot.DSOrganization || s.ID == snapshot.DSSubscribedSkus
		out, err = c.fetchList(ctx, s, query, transform, keep)
		if s.ID == snapshot.DSServicePrincipals || s.ID == snapshot.DSApplications {
			out.notes = append(out.notes, graph.CredentialNote)
		}
	}
	if err != nil {
		return out, err
	}
	if s.ID == snapshot.DSSubscribedSkus && out.status.HasData() {
		c.mu.Lock()
		c.skus, c.skusOK = out.items, out.status == snapshot.StatusOK || out.status == ""
		c.mu.Unlock()
	}
	if window != nil {
		out.window = window
		out.late = true
	}
	return out, nil
}

// fetchObject reads a singleton.
func (c *Collector) fetchObject(ctx context.Context, s snapshot.Spec, query string) (outcome, error) {
	ri, err := c.g.FirstRequest(ctx, s, query)
	if err != nil {
		return outcome{}, err
	}
	obj, err := c.g.Object(ctx, ri)
	if err != nil {
		if f := checkFatal(err); f != nil {
			return outcome{}, f
		}
		return failed(err), nil
	}
	return outcome{status: snapshot.StatusOK, object: obj}, nil
}

// fetchList streams a paged dataset into its file page by page, with a
// checkpoint after each page. An interrupted dataset with a checkpoint
// continues from its saved nextLink; when the service refuses that link,
// the dataset starts again from the first page and a note says so.
func (c *Collector) fetchList(ctx context.Context, s snapshot.Spec, query string, transform func([]byte) ([]byte, error), keep bool) (outcome, error) {
	ri, err := c.g.FirstRequest(ctx, s, query)
	if err != nil {
		return outcome{}, err
	}
	var notes, omitted []string
	from := ""
	var lw *snapshot.ListWriter
	if prev, ok := c.w.Interrupted(s.ID); ok && prev.Checkpoint != nil && !keep {
		if lw, err = c.w.ResumeList(s.ID, *prev.Checkpoint); err == nil {
			from = prev.Checkpoint.NextLink
			notes = append(notes, prev.Notes...)
			// The saved link continues the query that was interrupted,
			// so what that query left out is still left out.
			omitted = append(omitted, prev.Omitted...)
			c.log.Info("dataset resumed from its checkpoint", "section", s.ID,
				"objects", prev.Checkpoint.Count, "pages", prev.Checkpoint.Pages)
		} else {
			c.log.Warn("dataset checkpoint unusable, collecting it from the start", "section", s.ID, "err", err)
		}
	}
	if lw == nil {
		if lw, err = c.w.StartList(s.ID); err != nil {
			return outcome{}, &fatalError{err}
		}
	}
	out := outcome{list: lw}
	var total int64 = -1
	onPage := func(p graph.Page) error {
		if p.Count >= 0 {
			total = p.Count
		}
		for _, it := range p.Items {
			if transform != nil {
				t, err := transform(it)
				if err != nil {
					return err
				}
				it = t
			}
			if err := lw.Add(it); err != nil {
				return &fatalError{err}
			}
			if keep {
				out.items = append(out.items, append(json.RawMessage(nil), bytes.TrimSpace(it)...))
			}
		}
		cp, err := lw.EndPage(p.Next)
		if err != nil {
			return &fatalError{err}
		}
		out.cp = &cp
		if pp, ok := c.o.Progress.(PageProgress); ok {
			pp.DatasetPage(s.ID, lw.Count(), lw.Pages(), total)
		}
		return nil
	}
	pages, err := c.g.Pages(ctx, ri, from, onPage)
	if err != nil && from != "" && pages == 0 && ctx.Err() == nil && staleLink(err) {
		reason := failed(err).reason
		c.log.Warn("the service refused the saved page link; collecting the dataset again from the start",
			"section", s.ID, "reason", reason)
		lw.Abort()
		if lw, err = c.w.StartList(s.ID); err != nil {
			return outcome{}, &fatalError{err}
		}
		out = outcome{list: lw}
		notes = append(notes, "the saved page link of the interrupted run was refused ("+reason+"): collected again from the start")
		// Collected again with this call's own query.
		omitted = nil
		pages, err = c.g.Pages(ctx, ri, "", onPage)
	}
	out.notes, out.omitted = notes, omitted
	if err != nil {
		var fe *fatalError
		if errors.As(err, &fe) {
			return out, err
		}
		if f := checkFatal(err); f != nil {
			return out, f
		}
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		if pages > 0 || from != "" {
			o := failed(err)
			out.status = snapshot.StatusPartial
			out.reason = fmt.Sprintf("page %d failed after %d items: %s", lw.Pages()+1, lw.Count(), o.reason)
			return out, nil
		}
		o := failed(err)
		o.list, o.notes, o.omitted = lw, notes, omitted
		return o, nil
	}
	out.status = snapshot.StatusOK
	return out, nil
}

// staleLink reports whether a failed resumed page means its link is no
// longer accepted (rather than a permission or service problem).
func staleLink(err error) bool {
	var ge *graph.Error
	if !errors.As(err, &ge) {
		return false
	}
	switch ge.Status {
	case 400, 404, 410, 422:
		return true
	}
	return false
}

// users collects members and guests with signInActivity, falling back to
// the same $select without it when the tenant is not licensed (or the app
// lacks AuditLog.Read.All): the dataset then lists signInActivity as
// omitted (and a note says why, for people).
func (c *Collector) users(ctx context.Context, s snapshot.Spec, query string) (outcome, error) {
	out, err := c.fetchList(ctx, s, query, nil, false)
	if err != nil {
		return out, err
	}
	if out.status == snapshot.StatusForbidden || out.status == snapshot.StatusUnlicensed {
		first := out.reason
		if fallback, ok := withoutSignInActivity(query); ok {
			c.log.Warn("users: signInActivity refused, collecting without it", "reason", first)
			if out.list != nil {
				out.list.Abort()
			}
			out, err = c.fetchList(ctx, s, fallback, nil, false)
			// Set before any return: an interrupted fallback keeps it in
			// its checkpoint, so a resumed run still knows.
			out.omitted = addOmitted(out.omitted, snapshot.PropSignInActivity)
			if err != nil {
				return out, err
			}
			if out.status.HasData() {
				out.notes = append(out.notes, "collected without signInActivity (needs Entra ID P1 and AuditLog.Read.All): "+first)
			}
		}
	}
	return out, nil
}

// addOmitted adds prop to omitted unless it is there already.
func addOmitted(omitted []string, prop string) []string {
	for _, p := range omitted {
		if p == prop {
			return omitted
		}
	}
	return append(omitted, prop)
}

// withoutSignInActivity drops signInActivity from a query's $select.
func withoutSignInActivity(query string) (string, bool) {
	q, err := graph.ParseQuery(query)
	if err != nil {
		return "", false
	}
	var keep []string
	for _, f := range strings.Split(q["$select"], ",") {
		if !strings.EqualFold(f, "signInActivity") {
			keep = append(keep, f)
		}
	}
	if len(keep) == len(strings.Split(q["$select"], ",")) {
		return "", false
	}
	q["$select"] = strings.Join(keep, ",")
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = k + "=" + q[k]
	}
	return strings.Join(parts, "&"), true
}

// completeWindow sets the end of an incident log window (collectedAt) and
// the retention the tenant's licences allow, and notes a start older than
// what the logs still hold.
func (c *Collector) completeWindow(info *snapshot.DatasetInfo, collectedAt time.Time) {
	w := info.Window
	w.To = collectedAt
	c.mu.Lock()
	skus, ok := c.skus, c.skusOK
	c.mu.Unlock()
	days := 0
	switch {
	case !ok:
		w.Retention = "7 days (Free) / 30 days (Entra ID P1/P2)"
	case hasPremium(skus):
		w.Retention, days = "30 days (Entra ID P1/P2)", 30
	default:
		w.Retention, days = "7 days (Free)", 7
	}
	if days == 0 {
		return
	}
	e := collectedAt.AddDate(0, 0, -days)
	w.EarliestAvailable = &e
	if w.From.Before(e) {
		info.Notes = append(info.Notes, fmt.Sprintf("the incident start %s is older than the log retention (%s): events before %s are no longer available",
			w.From.Format(time.RFC3339), w.Retention, e.Format(time.RFC3339)))
	}
}

func hasPremium(skus []json.RawMessage) bool {
	for _, raw := range skus {
		var s snapshot.SubscribedSku
		if json.Unmarshal(raw, &s) != nil || strings.EqualFold(s.CapabilityStatus, "Deleted") {
			continue
		}
		for _, p := range s.ServicePlans {
			if p.ServicePlanName == "AAD_PREMIUM" || p.ServicePlanName == "AAD_PREMIUM_P2" {
				return true
			}
		}
	}
	return false
}

// exchangeTimeout bounds one cmdlet with all its pages and retries (the
// HTTP client has no Timeout: it would cut retry waits short).
const exchangeTimeout = 15 * time.Minute

// exchangeDataset runs one Get-* cmdlet, streaming its rows to the file.
// Exchange nextLinks are bound to a backend server, so an interrupted
// cmdlet is run again from the start rather than from a checkpoint.
func (c *Collector) exchangeDataset(ctx context.Context, s snapshot.Spec) (outcome, error) {
	exo, why := c.exchange()
	if exo == nil {
		return outcome{status: snapshot.StatusSkipped, reason: why}, nil
	}
	select {
	case c.exoSem <- struct{}{}:
		defer func() { <-c.exoSem }()
	case <-ctx.Done():
		return outcome{}, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(ctx, exchangeTimeout)
	defer cancel()
	lw, err := c.w.StartList(s.ID)
	if err != nil {
		return outcome{}, &fatalError{err}
	}
	pages := 0
	res, err := exo.InvokePages(ctx, s.Cmdlet, s.Params, s.Select, func(rows []json.RawMessage) error {
		for _, r := range rows {
			if err := lw.Add(r); err != nil {
				return &fatalError{err}
			}
		}
		pages++
		if _, err := lw.EndPage(""); err != nil {
			return &fatalError{err}
		}
		if pp, ok := c.o.Progress.(PageProgress); ok {
			pp.DatasetPage(s.ID, lw.Count(), pages, -1)
		}
		return nil
	})
	var fe *fatalError
	if errors.As(err, &fe) {
		lw.Abort()
		return outcome{}, err
	}
	o := exoOutcome(res, err)
	o.list = lw
	return o, nil
}

func exoOutcome(res *exchange.Result, err error) outcome {
	var o outcome
	if res != nil {
		o.exoRequests, o.exoRetries, o.exoThrottled = res.Requests, res.Retries, res.Throttled
	}
	switch {
	case err != nil && res != nil && res.Count > 0:
		f := failed(err)
		o.status = snapshot.StatusPartial
		o.reason = fmt.Sprintf("stopped after %d rows: %s", res.Count, f.reason)
	case err != nil:
		f := failed(err)
		o.status, o.reason = f.status, f.reason
		if errors.Is(err, exchange.ErrUnauthorized) {
			o.reason += " (the Exchange token was rejected: it needs the Exchange audience and Exchange.ManageAsApp)"
		}
	case res.Truncated:
		o.status = snapshot.StatusPartial
		o.reason = "result truncated by the Exchange admin API: " + strings.Join(res.Warnings, "; ")
	default:
		o.status = snapshot.StatusOK
		for _, w := range res.Warnings {
			o.notes = append(o.notes, "Exchange warning: "+w)
		}
	}
	return o
}

func (c *Collector) setupExchange(tenantID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.o.NewExchange == nil:
		c.exoErr = c.o.ExchangeSkipReason
		if c.exoErr == "" {
			c.exoErr = "no Exchange client configured"
		}
	case tenantID == "":
		c.exoErr = "tenant id unknown (organization not readable and --tenant is not a GUID), so the Exchange admin API URL cannot be built"
	default:
		exo, err := c.o.NewExchange(tenantID)
		if err != nil {
			c.exoErr = "exchange client: " + err.Error()
			return
		}
		c.exo = exo
	}
}

func (c *Collector) exchange() (Exchange, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exo, c.exoErr
}

// tokenTenant returns the Graph token's tid claim, or "".
func (c *Collector) tokenTenant(ctx context.Context) string {
	if c.o.GraphToken == nil {
		return ""
	}
	tok, err := c.o.GraphToken(ctx)
	if err != nil {
		return ""
	}
	return auth.TokenTenantID(tok)
}

// fetch reads every page of a small list into memory (the incident mail
// datasets, which merge several queries into one dataset).
func (c *Collector) fetch(ctx context.Context, s snapshot.Spec, query string) (outcome, error) {
	ri, err := c.g.FirstRequest(ctx, s, query)
	if err != nil {
		return outcome{}, err
	}
	var items []json.RawMessage
	pages, err := c.g.Pages(ctx, ri, "", func(p graph.Page) error {
		for _, it := range p.Items {
			items = append(items, append(json.RawMessage(nil), bytes.TrimSpace(it)...))
		}
		return nil
	})
	if err != nil {
		if f := checkFatal(err); f != nil {
			return outcome{}, f
		}
		if ctx.Err() != nil {
			return outcome{}, ctx.Err()
		}
		o := failed(err)
		if pages > 0 {
			return outcome{status: snapshot.StatusPartial, items: items,
				reason: fmt.Sprintf("page %d failed after %d items: %s", pages+1, len(items), o.reason)}, nil
		}
		return o, nil
	}
	if items == nil {
		items = []json.RawMessage{}
	}
	return outcome{status: snapshot.StatusOK, items: items}, nil
}
