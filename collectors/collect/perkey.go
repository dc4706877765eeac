package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/collectors/graph"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// perKeyDataset collects a dataset with one request per key: incident
// users (by object id resolved from the users dataset), every guest, or the
// service principals holding directory roles (owners.go).
func (c *Collector) perKeyDataset(ctx context.Context, s snapshot.Spec) (outcome, error) {
	if isOwnersDataset(s.ID) {
		return c.ownersDataset(ctx, s)
	}
	c.mu.Lock()
	hasUsers, usersOK := c.usersHas, c.usersOK
	c.mu.Unlock()
	if !hasUsers {
		return outcome{status: snapshot.StatusError,
			reason: "the users dataset was not collected, so the user object ids this dataset is keyed by are unknown"}, nil
	}
	var notes []string
	if !usersOK {
		notes = append(notes, "the users dataset is partial: keys were resolved from the users collected")
	}
	keys, missing, err := c.keysFor(s)
	if err != nil {
		return outcome{}, &fatalError{err}
	}
	for _, upn := range missing {
		msg := fmt.Sprintf("incident user %s was not found in the users dataset: no %s entry for it", upn, s.ID)
		c.log.Error(msg, "section", s.ID)
		notes = append(notes, msg)
	}
	if len(keys) == 0 && s.ID != snapshot.DSGuestInviters {
		return outcome{status: snapshot.StatusError, notes: notes,
			reason: "none of the incident users was found in the users dataset: " + strings.Join(missing, ", ")}, nil
	}
	var results map[string]graph.KeyResult
	var exoReq, exoRetry int
	if s.Source == snapshot.SourceExchange {
		exo, why := c.exchange()
		if exo == nil {
			return outcome{status: snapshot.StatusSkipped, reason: why, notes: notes}, nil
		}
		results = map[string]graph.KeyResult{}
		for id, upn := range keys {
			ictx, cancel := context.WithTimeout(ctx, exchangeTimeout)
			res, err := exo.Invoke(ictx, s.Cmdlet, snapshot.PerKeyParams(s, upn), s.Select)
			cancel()
			if res != nil {
				exoReq += res.Requests
				exoRetry += res.Retries
			}
			if err == nil && res.Truncated {
				err = errors.New("result truncated: " + strings.Join(res.Warnings, "; "))
			}
			kr := graph.KeyResult{Err: err}
			if res != nil {
				kr.Items = res.Rows
			}
			results[id] = kr
		}
	} else {
		version, rel, ok := strings.Cut(strings.TrimPrefix(s.Path, "/"), "/")
		if !ok {
			return outcome{}, fmt.Errorf("dataset %s: bad path %q", s.ID, s.Path)
		}
		paths := make(map[string]string, len(keys))
		for id := range keys {
			p := "/" + strings.ReplaceAll(rel, "{id}", id)
			if s.Query != "" {
				p += "?" + graph.EncodeQuery(s.Query)
			}
			paths[id] = p
		}
		var err error
		results, err = c.g.BatchGet(ctx, version, paths)
		if err != nil {
			if f := checkFatal(err); f != nil {
				return outcome{}, f
			}
			return outcome{}, err
		}
	}
	out := aggregate(keys, results)
	out.notes = append(notes, out.notes...)
	out.exoRequests, out.exoRetries = exoReq, exoRetry
	return out, nil
}

// keysFor returns object id -> label (UPN) of the keys of a per-key dataset
// and the incident users that could not be resolved. It reads the users
// file one object at a time (a large tenant is never held in memory).
func (c *Collector) keysFor(s snapshot.Spec) (map[string]string, []string, error) {
	keys := map[string]string{}
	byUPN := map[string]string{}
	byID := map[string]string{}
	err := c.w.EachItem(snapshot.DSUsers, func(raw json.RawMessage) error {
		var u struct {
			ID                string `json:"id"`
			UserPrincipalName string `json:"userPrincipalName"`
			UserType          string `json:"userType"`
		}
		if json.Unmarshal(raw, &u) != nil || u.ID == "" {
			return nil
		}
		if s.ID == snapshot.DSGuestInviters {
			if (snapshot.User{UserType: u.UserType, UserPrincipalName: u.UserPrincipalName}).IsGuest() {
				keys[u.ID] = u.UserPrincipalName
			}
			return nil
		}
		byUPN[strings.ToLower(u.UserPrincipalName)] = u.ID
		byID[strings.ToLower(u.ID)] = u.UserPrincipalName
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read the users dataset: %w", err)
	}
	if s.ID == snapshot.DSGuestInviters {
		return keys, nil, nil
	}
	var missing []string
	for _, who := range c.o.Incident.Users {
		k := strings.ToLower(strings.TrimSpace(who))
		if id, ok := byUPN[k]; ok {
			keys[id] = who
		} else if upn, ok := byID[k]; ok {
			keys[who] = upn
		} else {
			missing = append(missing, who)
		}
	}
	sort.Strings(missing)
	return keys, missing, nil
}

// aggregate turns per-key results into one dataset outcome: ok when every
// key answered, partial when some did, else the status of the failure.
func aggregate(keys map[string]string, results map[string]graph.KeyResult) outcome {
	ids := make([]string, 0, len(keys))
	for id := range keys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	keyed := map[string][]json.RawMessage{}
	var fails []string
	var firstErr error
	for _, id := range ids {
		r, ok := results[id]
		if !ok {
			r.Err = errors.New("no response")
		}
		if r.Err != nil {
			if firstErr == nil {
				firstErr = r.Err
			}
			fails = append(fails, fmt.Sprintf("%s (%s): %s", keys[id], id, failed(r.Err).reason))
			if len(r.Items) == 0 {
				continue
			}
		}
		items := r.Items
		if items == nil {
			items = []json.RawMessage{}
		}
		keyed[id] = items
	}
	if len(fails) == 0 {
		return outcome{status: snapshot.StatusOK, keyed: keyed}
	}
	reason := summarise(fails)
	if len(keyed) == 0 {
		f := failed(firstErr)
		return outcome{status: f.status, reason: fmt.Sprintf("all %d keys failed: %s", len(fails), reason)}
	}
	return outcome{status: snapshot.StatusPartial, keyed: keyed,
		reason: fmt.Sprintf("%d of %d keys failed: %s", len(fails), len(ids), reason)}
}

func summarise(fails []string) string {
	const max = 5
	if len(fails) <= max {
		return strings.Join(fails, "; ")
	}
	return strings.Join(fails[:max], "; ") + fmt.Sprintf("; and %d more", len(fails)-max)
}
