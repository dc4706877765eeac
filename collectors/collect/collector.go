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
}

// Progress receives collection events; it must be safe for concurrent use.
type Progress interface {
	DatasetStarted(id string)
	DatasetDone(id string, info snapshot.DatasetInfo, done, total int)
}

// Options configure a Collector.
type Options struct {
	Graph *graph.Client
	// NewExchange builds the Exchange client once the tenant GUID is known
	// (the InvokeCommand URL carries it). Nil: Exchange datasets are
	// recorded as skipped with ExchangeSkipReason.
	NewExchange        func(tenantID string) (Exchange, error)
	ExchangeSkipReason string
	Writer             *snapshot.Writer
	// Tenant is --tenant: a GUID or a verified domain ("" = not bound).
	Tenant string
	// GraphToken, when set, lets the run compare the token's tid claim with
	// the tenant it reads (wrong-tenant token reuse).
	GraphToken func(ctx context.Context) (string, error)
	// Incident enables the incident datasets.
	Incident *snapshot.Incident
	// Concurrency is how many datasets run at once (default 4). CA,
	// Identity Protection and report datasets always run one at a time.
	Concurrency int
	Logger      *slog.Logger
	Progress    Progress
	Now         func() time.Time
}

// ErrTenantMismatch refuses a run whose token, --tenant and organization
// disagree.
var ErrTenantMismatch = errors.New("tenant mismatch")

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

	mu        sync.Mutex
	done      int
	userItems []json.RawMessage // users dataset items, for per-key datasets
	usersOK   bool
	skus      []json.RawMessage
	skusOK    bool
	late      []lateDataset // incident window datasets, written when the window ends
	exo       Exchange
	exoErr    string
}

type lateDataset struct {
	spec  snapshot.Spec
	items []json.RawMessage
	info  snapshot.DatasetInfo
}

// New checks options and returns a collector.
func New(o Options) (*Collector, error) {
	if o.Graph == nil || o.Writer == nil {
		return nil, errors.New("collect: Graph client and Writer are required")
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Collector{o: o, g: o.Graph, w: o.Writer, log: o.Logger, total: len(snapshot.Specs())}, nil
}

// sequential datasets share Graph's tenant-wide 1 request/second budget
// (CA, named locations, Identity Protection) or the report limits.
func sequential(id string) bool {
	switch id {
	case snapshot.DSConditionalAccessPolicies, snapshot.DSNamedLocations, snapshot.DSAuthenticationStrengths,
		snapshot.DSUserRegistrationDetails, snapshot.DSDirectoryAudits, snapshot.DSSignIns,
		snapshot.DSRiskyUsers, snapshot.DSRiskDetections:
		return true
	}
	return false
}

// Run collects every dataset and closes the writer (writing the manifest).
// It returns the final manifest. An error means the run was refused or
// stopped (401, tenant mismatch, cancellation); the manifest is then not
// written.
func (c *Collector) Run(ctx context.Context) (snapshot.Manifest, error) {
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

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.o.Concurrency)
	var seq []snapshot.Spec
	var perKey []snapshot.Spec
	for _, s := range specs {
		switch {
		case s.ID == snapshot.DSOrganization:
		case s.Incident && c.o.Incident == nil:
			c.skip(s, "collected only for an incident (--incident-user and --incident-start)")
		case s.Shape == snapshot.ShapePerKey:
			perKey = append(perKey, s)
		case sequential(s.ID):
			seq = append(seq, s)
		default:
			g.Go(func() error {
				_, err := c.dataset(gctx, s, c.sourceDataset(s))
				return err
			})
		}
	}
	g.Go(func() error {
		for _, s := range seq {
			if _, err := c.dataset(gctx, s, c.sourceDataset(s)); err != nil {
				return err
			}
		}
		return nil
	})
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
	items  []json.RawMessage
	object json.RawMessage
	keyed  map[string][]json.RawMessage
	window *snapshot.Window
	// late: write at the end of the run (the window ends at collectedAt).
	late bool
	// exoRequests/exoRetries: counts the Exchange client reports itself.
	exoRequests, exoRetries int
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
// Only fatal errors are returned.
func (c *Collector) dataset(ctx context.Context, s snapshot.Spec, f datasetFunc) (outcome, error) {
	if c.o.Progress != nil {
		c.o.Progress.DatasetStarted(s.ID)
	}
	st := &graph.Stats{}
	start := time.Now()
	out, err := f(graph.WithStats(ctx, st), s)
	if err != nil {
		var fe *fatalError
		if errors.As(err, &fe) || ctx.Err() != nil {
			return out, err
		}
		out = failed(err)
	}
	info := snapshot.DatasetInfo{
		Status:     out.status,
		Reason:     out.reason,
		Permission: s.Permission,
		Licence:    s.Licence,
		DurationMs: time.Since(start).Milliseconds(),
		Requests:   int(st.Requests.Load()) + out.exoRequests,
		Retries:    int(st.Retries.Load()) + out.exoRetries,
		Notes:      out.notes,
		Window:     out.window,
	}
	if info.Status == "" {
		info.Status = snapshot.StatusOK
	}
	if out.late && info.Status.HasData() {
		c.mu.Lock()
		c.late = append(c.late, lateDataset{spec: s, items: out.items, info: info})
		c.mu.Unlock()
		return out, nil
	}
	if err := c.record(s, out, info); err != nil {
		return out, &fatalError{err}
	}
	return out, nil
}

func (c *Collector) record(s snapshot.Spec, out outcome, info snapshot.DatasetInfo) error {
	var err error
	switch {
	case !info.Status.HasData():
		c.w.Record(s.ID, info)
	case s.Shape == snapshot.ShapeObject:
		err = c.w.WriteObject(s.ID, out.object, info)
	case s.Shape == snapshot.ShapePerKey:
		err = c.w.WritePerKey(s.ID, out.keyed, info)
	default:
		if out.items == nil {
			out.items = []json.RawMessage{}
		}
		err = c.w.WriteList(s.ID, out.items, info)
	}
	if err != nil {
		return fmt.Errorf("write dataset %s: %w", s.ID, err)
	}
	c.finish(s, info)
	return nil
}

func (c *Collector) finish(s snapshot.Spec, info snapshot.DatasetInfo) {
	c.mu.Lock()
	c.done++
	done := c.done
	c.mu.Unlock()
	attrs := []any{"section", s.ID, "status", string(info.Status), "count", info.Count,
		"duration", time.Duration(info.DurationMs) * time.Millisecond, "requests", info.Requests}
	if info.Status == snapshot.StatusOK {
		c.log.Info("dataset collected", attrs...)
	} else if info.Status != snapshot.StatusSkipped {
		c.log.Warn("dataset not fully collected", append(attrs, "reason", info.Reason)...)
	}
	if c.o.Progress != nil {
		c.o.Progress.DatasetDone(s.ID, info, done, c.total)
	}
}

func (c *Collector) skip(s snapshot.Spec, reason string) {
	info := snapshot.DatasetInfo{Status: snapshot.StatusSkipped, Reason: reason, Permission: s.Permission, Licence: s.Licence}
	c.w.Record(s.ID, info)
	c.finish(s, info)
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
		if err := c.record(l.spec, outcome{items: l.items}, l.info); err != nil {
			return err
		}
	}
	return nil
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

// checkFatal turns a Graph 401 into a run-stopping error.
func checkFatal(err error) error {
	if errors.Is(err, graph.ErrUnauthorized) {
		return &fatalError{fmt.Errorf("the Graph token was rejected (401); stopping: %w", err)}
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
	out, err := c.fetch(ctx, s, query)
	if err != nil {
		return out, err
	}
	if s.ID == snapshot.DSServicePrincipals || s.ID == snapshot.DSApplications {
		if out.items, err = stripAll(out.items); err != nil {
			return outcome{}, err
		}
		out.notes = append(out.notes, graph.CredentialNote)
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

// fetch sends the first request of s and follows its pages.
func (c *Collector) fetch(ctx context.Context, s snapshot.Spec, query string) (outcome, error) {
	ri, err := c.g.FirstRequest(ctx, s, query)
	if err != nil {
		return outcome{}, err
	}
	if s.Shape == snapshot.ShapeObject {
		obj, err := c.g.Object(ctx, ri)
		if err != nil {
			if f := checkFatal(err); f != nil {
				return outcome{}, f
			}
			return failed(err), nil
		}
		return outcome{status: snapshot.StatusOK, object: obj}, nil
	}
	items, pages, err := c.g.List(ctx, ri)
	if err != nil {
		if f := checkFatal(err); f != nil {
			return outcome{}, f
		}
		if pages > 0 {
			o := failed(err)
			return outcome{status: snapshot.StatusPartial, items: items,
				reason: fmt.Sprintf("page %d failed after %d items: %s", pages+1, len(items), o.reason)}, nil
		}
		return failed(err), nil
	}
	return outcome{status: snapshot.StatusOK, items: items}, nil
}

// users collects members and guests with signInActivity, falling back to
// the same $select without it when the tenant is not licensed (or the app
// lacks AuditLog.Read.All), as a dataset note.
func (c *Collector) users(ctx context.Context, s snapshot.Spec, query string) (outcome, error) {
	out, err := c.fetch(ctx, s, query)
	if err != nil {
		return out, err
	}
	if out.status == snapshot.StatusForbidden || out.status == snapshot.StatusUnlicensed {
		first := out.reason
		if fallback, ok := withoutSignInActivity(query); ok {
			c.log.Warn("users: signInActivity refused, collecting without it", "reason", first)
			out, err = c.fetch(ctx, s, fallback)
			if err != nil {
				return out, err
			}
			if out.status.HasData() {
				out.notes = append(out.notes, "collected without signInActivity (needs Entra ID P1 and AuditLog.Read.All): "+first)
			}
		}
	}
	if out.status.HasData() {
		c.mu.Lock()
		c.userItems, c.usersOK = out.items, out.status == snapshot.StatusOK
		c.mu.Unlock()
	}
	return out, nil
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

func stripAll(items []json.RawMessage) ([]json.RawMessage, error) {
	for i, it := range items {
		s, err := graph.StripCredentialSecrets(it)
		if err != nil {
			return nil, err
		}
		items[i] = s
	}
	return items, nil
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

// exchangeDataset runs one Get-* cmdlet.
func (c *Collector) exchangeDataset(ctx context.Context, s snapshot.Spec) (outcome, error) {
	exo, why := c.exchange()
	if exo == nil {
		return outcome{status: snapshot.StatusSkipped, reason: why}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, exchangeTimeout)
	defer cancel()
	res, err := exo.Invoke(ctx, s.Cmdlet, s.Params, s.Select)
	return exoOutcome(res, err), nil
}

func exoOutcome(res *exchange.Result, err error) outcome {
	var o outcome
	if res != nil {
		o.exoRequests, o.exoRetries = res.Requests, res.Retries
	}
	switch {
	case err != nil && res != nil && len(res.Rows) > 0:
		f := failed(err)
		o.status, o.items = snapshot.StatusPartial, res.Rows
		o.reason = fmt.Sprintf("stopped after %d rows: %s", len(res.Rows), f.reason)
	case err != nil:
		f := failed(err)
		o.status, o.reason = f.status, f.reason
		if errors.Is(err, exchange.ErrUnauthorized) {
			o.reason += " (the Exchange token was rejected: it needs the Exchange audience and Exchange.ManageAsApp)"
		}
	case res.Truncated:
		o.status, o.items = snapshot.StatusPartial, res.Rows
		o.reason = "result truncated by the Exchange admin API: " + strings.Join(res.Warnings, "; ")
	default:
		o.status, o.items = snapshot.StatusOK, res.Rows
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
