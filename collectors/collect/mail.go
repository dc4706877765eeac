package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/collectors/graph"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Mail blast-radius datasets of an incident: the message trace and the
// unified audit log of the incident users. Both resolve the incident users
// themselves (GET /users/{upn}), so they do not wait for the users dataset.

// auditQueryTimeout bounds an audit log query from creation to its last
// record page; the service can take many minutes to run one.
const auditQueryTimeout = 45 * time.Minute

// mailDataset returns the collection function of a mail dataset, or nil.
func (c *Collector) mailDataset(s snapshot.Spec) datasetFunc {
	switch s.ID {
	case snapshot.DSIncidentMessageTrace:
		return c.messageTrace
	case snapshot.DSIncidentAuditLog:
		return c.auditLog
	}
	return nil
}

// globalOnly answers notFound for the APIs Microsoft offers in the global
// cloud only.
func (c *Collector) globalOnly(what string) (outcome, bool) {
	cl := c.w.Manifest().Cloud
	if cl == "" || strings.EqualFold(cl, "global") {
		return outcome{}, false
	}
	return outcome{status: snapshot.StatusNotFound,
		reason: fmt.Sprintf("%s is available through Microsoft Graph in the global cloud only; this tenant is in the %s cloud", what, cl)}, true
}

// checkIncidentUsers looks up each incident user once, right after the
// tenant is bound and before any other dataset: a user the directory
// answers 404 for stops the run (ErrUnknownIncidentUser). Any other
// failure (a denied lookup, a server error) is left to the datasets, which
// record it with its reason.
func (c *Collector) checkIncidentUsers(ctx context.Context) error {
	if c.o.Incident == nil {
		return nil
	}
	var missing []string
	for _, who := range c.o.Incident.Users {
		who = strings.TrimSpace(who)
		if who == "" {
			continue
		}
		ri, err := c.g.RawRequest("/v1.0/users/"+url.PathEscape(who), "$select=id")
		if err != nil {
			return err
		}
		if _, err := c.g.Object(ctx, ri); err != nil {
			if f := checkFatal(err); f != nil {
				return f
			}
			if errors.Is(err, graph.ErrNotFound) {
				missing = append(missing, who)
				continue
			}
			c.log.Warn("incident user could not be looked up", "user", who, "reason", failed(err).reason)
		}
	}
	if len(missing) > 0 {
		return &fatalError{fmt.Errorf("%w: the tenant has no user %s (Graph answered 404 Not Found); give the user principal name or object id of an existing user; nothing was collected",
			ErrUnknownIncidentUser, strings.Join(missing, ", "))}
	}
	return nil
}

// incidentMailUser is an incident user as the mail APIs name it.
type incidentMailUser struct {
	ID, UPN, Mail string
}

// incidentMailUsers resolves the incident users (UPN or object id) to
// their UPN and primary address. Users that cannot be resolved are
// returned as notes; a fatal error stops the run.
func (c *Collector) incidentMailUsers(ctx context.Context) ([]incidentMailUser, []string, error) {
	var out []incidentMailUser
	var notes []string
	seen := map[string]bool{}
	for _, who := range c.o.Incident.Users {
		who = strings.TrimSpace(who)
		if who == "" {
			continue
		}
		ri, err := c.g.RawRequest("/v1.0/users/"+url.PathEscape(who), "$select=id,userPrincipalName,mail")
		if err != nil {
			return nil, nil, err
		}
		raw, err := c.g.Object(ctx, ri)
		if err != nil {
			if f := checkFatal(err); f != nil {
				return nil, nil, f
			}
			notes = append(notes, fmt.Sprintf("incident user %s could not be resolved (%s): not included", who, failed(err).reason))
			continue
		}
		var u struct {
			ID   string `json:"id"`
			UPN  string `json:"userPrincipalName"`
			Mail string `json:"mail"`
		}
		if json.Unmarshal(raw, &u) != nil || u.UPN == "" {
			notes = append(notes, fmt.Sprintf("incident user %s: the directory answered no user principal name: not included", who))
			continue
		}
		if seen[strings.ToLower(u.ID+u.UPN)] {
			continue
		}
		seen[strings.ToLower(u.ID+u.UPN)] = true
		out = append(out, incidentMailUser{ID: u.ID, UPN: u.UPN, Mail: u.Mail})
	}
	return out, notes, nil
}

// messageTrace collects the mail the incident users sent, from
// MessageTraceBaseline before the incident start (so their usual
// recipients are known) to now, in queries of at most ten days per sender
// address, following @odata.nextLink.
func (c *Collector) messageTrace(ctx context.Context, s snapshot.Spec) (outcome, error) {
	if o, stop := c.globalOnly("the message trace"); stop {
		return o, nil
	}
	users, notes, err := c.incidentMailUsers(ctx)
	if err != nil {
		return outcome{}, err
	}
	if len(users) == 0 {
		return outcome{status: snapshot.StatusError, notes: notes, reason: "none of the incident users could be resolved, so there is no sender to trace"}, nil
	}
	now := c.o.Now().UTC().Truncate(time.Second)
	from := c.o.Incident.Start.UTC().Add(-snapshot.MessageTraceBaseline)
	if earliest := now.Add(-snapshot.MessageTraceRetention); from.Before(earliest) {
		if c.o.Incident.Start.Before(earliest) {
			notes = append(notes, fmt.Sprintf("the incident start %s is older than the message trace retention (90 days): mail sent before %s is no longer available",
				c.o.Incident.Start.UTC().Format(time.RFC3339), earliest.Format(time.RFC3339)))
		}
		from = earliest
	}
	var senders []string
	seen := map[string]bool{}
	for _, u := range users {
		for _, a := range []string{u.Mail, u.UPN} {
			if a != "" && !seen[strings.ToLower(a)] {
				seen[strings.ToLower(a)] = true
				senders = append(senders, a)
			}
		}
	}
	sort.Strings(senders)
	var items []json.RawMessage
	ids := map[string]bool{}
	var fails []string
	var firstFail outcome
	queries := 0
	for _, sender := range senders {
		for lo := from; lo.Before(now); lo = lo.Add(snapshot.MessageTraceChunk) {
			hi := lo.Add(snapshot.MessageTraceChunk)
			if hi.After(now) {
				hi = now
			}
			// The spec quotes {sender}; a quote inside is doubled (OData).
			query := strings.NewReplacer("{sender}", strings.ReplaceAll(sender, "'", "''"),
				"{from}", lo.Format(time.RFC3339), "{to}", hi.Format(time.RFC3339)).Replace(s.Query)
			queries++
			out, err := c.fetch(ctx, s, query)
			if err != nil {
				return outcome{}, err
			}
			for _, it := range out.items {
				var row struct {
					ID string `json:"id"`
				}
				if json.Unmarshal(it, &row) == nil && row.ID != "" {
					if ids[row.ID] {
						continue // a row on a chunk boundary comes twice
					}
					ids[row.ID] = true
				}
				items = append(items, it)
			}
			if out.status != snapshot.StatusOK {
				if len(fails) == 0 {
					firstFail = out
				}
				fails = append(fails, fmt.Sprintf("%s %s..%s: %s", sender, lo.Format(time.RFC3339), hi.Format(time.RFC3339), out.reason))
			}
		}
	}
	win := &snapshot.Window{From: from, To: now, Retention: "90 days (message trace)"}
	switch {
	case len(fails) == queries:
		firstFail.notes = append(notes, firstFail.notes...)
		return firstFail, nil
	case len(fails) > 0:
		return outcome{status: snapshot.StatusPartial, items: items, window: win, notes: notes,
			reason: fmt.Sprintf("%d of %d message trace queries failed: %s", len(fails), queries, summarise(fails))}, nil
	}
	if items == nil {
		items = []json.RawMessage{}
	}
	return outcome{status: snapshot.StatusOK, items: items, window: win, notes: notes}, nil
}

// auditLog runs one unified audit log query for the incident users, the
// incident operations and the window: create it (the one POST collection
// sends), poll its status with back-off, then read its records page by
// page. A tenant whose unified audit ingestion is off answers the creation
// with AuditingDisabledTenant: the dataset is then notFound with that
// reason, never an empty log.
func (c *Collector) auditLog(ctx context.Context, s snapshot.Spec) (outcome, error) {
	if o, stop := c.globalOnly("the audit log query API"); stop {
		return o, nil
	}
	users, notes, err := c.incidentMailUsers(ctx)
	if err != nil {
		return outcome{}, err
	}
	if len(users) == 0 {
		return outcome{status: snapshot.StatusError, notes: notes, reason: "none of the incident users could be resolved, so the audit log cannot be queried for them"}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, auditQueryTimeout)
	defer cancel()
	now := c.o.Now().UTC().Truncate(time.Second)
	start := c.o.Incident.Start.UTC()
	q := graph.AuditLogQuery{DisplayName: "m365audit incident " + start.Format(time.RFC3339),
		FilterStartDateTime: start, FilterEndDateTime: now, OperationFilters: snapshot.AuditLogOperations()}
	for _, u := range users {
		q.UserPrincipalNameFilters = append(q.UserPrincipalNameFilters, u.UPN)
	}
	sort.Strings(q.UserPrincipalNameFilters)
	created, err := c.g.CreateAuditLogQuery(ctx, q)
	if err != nil {
		if f := checkFatal(err); f != nil {
			return outcome{}, f
		}
		if strings.Contains(err.Error(), "AuditingDisabledTenant") {
			return outcome{status: snapshot.StatusNotFound, notes: notes,
				reason: "unified audit log ingestion is turned off in this tenant (AuditingDisabledTenant): there is no audit log to read"}, nil
		}
		return failed(err), nil
	}
	var st struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(created, &st); err != nil || st.ID == "" {
		return outcome{status: snapshot.StatusError, reason: "the audit log query was created but the answer carries no id"}, nil
	}
	for attempt := 0; !strings.EqualFold(st.Status, "succeeded"); attempt++ {
		switch strings.ToLower(st.Status) {
		case "failed", "cancelled":
			return outcome{status: snapshot.StatusError, notes: notes, reason: "the audit log query " + st.Status}, nil
		}
		if err := c.g.Wait(ctx, pollWait(attempt)); err != nil {
			if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return outcome{}, err
			}
			return outcome{status: snapshot.StatusError, notes: notes,
				reason: fmt.Sprintf("the audit log query did not finish within %s (last status %s)", auditQueryTimeout, st.Status)}, nil
		}
		raw, err := c.g.AuditLogQueryStatus(ctx, st.ID)
		if err != nil {
			if f := checkFatal(err); f != nil {
				return outcome{}, f
			}
			return failed(err), nil
		}
		if err := json.Unmarshal(raw, &st); err != nil {
			return outcome{status: snapshot.StatusError, reason: "audit log query status is not JSON"}, nil
		}
	}
	items, pages, err := c.g.AuditLogRecords(ctx, st.ID, 1000)
	win := &snapshot.Window{From: start, To: now, Retention: "180 days (Audit Standard) / 1 year (Audit Premium)"}
	if err != nil {
		if f := checkFatal(err); f != nil {
			return outcome{}, f
		}
		o := failed(err)
		if pages > 0 {
			return outcome{status: snapshot.StatusPartial, items: items, window: win, notes: notes,
				reason: fmt.Sprintf("records page %d failed after %d records: %s", pages+1, len(items), o.reason)}, nil
		}
		o.notes = notes
		return o, nil
	}
	if items == nil {
		items = []json.RawMessage{}
	}
	return outcome{status: snapshot.StatusOK, items: items, window: win, notes: notes}, nil
}

// pollWait is the wait before status poll attempt n: 2 s doubling to 60 s.
func pollWait(attempt int) time.Duration {
	d := 2 * time.Second
	for i := 0; i < attempt && d < time.Minute; i++ {
		d *= 2
	}
	if d > time.Minute {
		d = time.Minute
	}
	return d
}
