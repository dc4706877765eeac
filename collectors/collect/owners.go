package collect

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/collectors/graph"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// isOwnersDataset reports whether a per-key dataset holds the owners of the
// service principals that hold directory roles (or of their applications):
// its keys come from the role assignments, not from the users.
func isOwnersDataset(id string) bool {
	return id == snapshot.DSServicePrincipalOwners || id == snapshot.DSApplicationOwners
}

// ownersDataset collects the owners of every service principal that holds
// a directory role (servicePrincipalOwners) or of its app registration in
// this tenant (applicationOwners), one GET per key in $batch. The keys are
// read from the roleAssignments, servicePrincipals and applications files
// already written; every role counts, so the checks choose the roles.
func (c *Collector) ownersDataset(ctx context.Context, s snapshot.Spec) (outcome, error) {
	keys, notes, skip, err := c.ownerKeys(s)
	if err != nil {
		return outcome{}, &fatalError{err}
	}
	if skip != "" {
		return outcome{status: snapshot.StatusSkipped, reason: skip, notes: notes}, nil
	}
	version, rel, ok := strings.Cut(strings.TrimPrefix(s.Path, "/"), "/")
	if !ok {
		return outcome{}, fmt.Errorf("dataset %s: bad path %q", s.ID, s.Path)
	}
	paths := make(map[string]string, len(keys))
	for id := range keys {
		paths[id] = "/" + strings.ReplaceAll(rel, "{id}", id)
	}
	results, err := c.g.BatchGet(ctx, version, paths)
	if err != nil {
		if f := checkFatal(err); f != nil {
			return outcome{}, f
		}
		return outcome{}, err
	}
	// An owner can be a service principal: keep its credentials as metadata
	// only, as in the servicePrincipals dataset.
	for id, r := range results {
		for i, it := range r.Items {
			clean, err := graph.StripCredentialSecrets(it)
			if err != nil {
				return outcome{}, fmt.Errorf("dataset %s: %w", s.ID, err)
			}
			r.Items[i] = clean
		}
		results[id] = r
	}
	out := aggregate(keys, results)
	out.notes = append(notes, out.notes...)
	return out, nil
}

// ownerKeys returns the keys (object id -> display name) of an owners
// dataset, notes on what they were resolved from, or why the dataset cannot
// be collected.
func (c *Collector) ownerKeys(s snapshot.Spec) (keys map[string]string, notes []string, skip string, err error) {
	m := c.w.Manifest()
	has := func(id string) (bool, bool) {
		info, ok := m.Datasets[id]
		return ok && info.Status.HasData(), ok && info.Status == snapshot.StatusOK
	}
	raHas, raOK := has(snapshot.DSRoleAssignments)
	if !raHas {
		return nil, nil, "the roleAssignments dataset was not collected, so the service principals holding directory roles are unknown", nil
	}
	if !raOK {
		notes = append(notes, "the roleAssignments dataset is partial: keys were resolved from the role assignments collected")
	}
	type spFacts struct{ name, appID string }
	sps := map[string]spFacts{}
	spHas, spOK := has(snapshot.DSServicePrincipals)
	if spHas {
		if !spOK {
			notes = append(notes, "the servicePrincipals dataset is partial")
		}
		err := c.w.EachItem(snapshot.DSServicePrincipals, func(raw json.RawMessage) error {
			var sp struct {
				ID          string `json:"id"`
				AppID       string `json:"appId"`
				DisplayName string `json:"displayName"`
			}
			if json.Unmarshal(raw, &sp) == nil && sp.ID != "" {
				sps[strings.ToLower(sp.ID)] = spFacts{name: sp.DisplayName, appID: sp.AppID}
			}
			return nil
		})
		if err != nil {
			return nil, nil, "", fmt.Errorf("read the servicePrincipals dataset: %w", err)
		}
	}
	// The service principals holding a role: an expanded principal says its
	// type; otherwise the servicePrincipals dataset decides.
	holders := map[string]spFacts{}
	untyped := 0
	err = c.w.EachItem(snapshot.DSRoleAssignments, func(raw json.RawMessage) error {
		var ra snapshot.RoleAssignment
		if json.Unmarshal(raw, &ra) != nil {
			return nil
		}
		pid := ra.PrincipalID
		if pid == "" && ra.Principal != nil {
			pid = ra.Principal.ID
		}
		if pid == "" {
			return nil
		}
		f, known := sps[strings.ToLower(pid)]
		switch {
		case ra.Principal != nil && ra.Principal.Kind() == "servicePrincipal":
			if f.name == "" {
				f.name = ra.Principal.DisplayName
			}
			if f.appID == "" {
				f.appID = ra.Principal.AppID
			}
		case known:
		case (ra.Principal == nil || ra.Principal.ODataType == "") && !spHas:
			untyped++
			return nil
		default:
			return nil
		}
		holders[pid] = f
		return nil
	})
	if err != nil {
		return nil, nil, "", fmt.Errorf("read the roleAssignments dataset: %w", err)
	}
	if untyped > 0 {
		notes = append(notes, fmt.Sprintf("%d role assignment(s) name a principal of unknown type (principal not expanded, servicePrincipals not collected): their owners were not asked", untyped))
	}
	keys = map[string]string{}
	if s.ID == snapshot.DSServicePrincipalOwners {
		for id, f := range holders {
			keys[id] = f.name
		}
		return keys, notes, "", nil
	}
	appHas, appOK := has(snapshot.DSApplications)
	if !appHas {
		return nil, notes, "the applications dataset was not collected, so the app registrations of the service principals holding directory roles are unknown", nil
	}
	if !appOK {
		notes = append(notes, "the applications dataset is partial: app registrations not collected were not asked")
	}
	wantApp := map[string]bool{}
	for _, f := range holders {
		if f.appID != "" {
			wantApp[strings.ToLower(f.appID)] = true
		}
	}
	err = c.w.EachItem(snapshot.DSApplications, func(raw json.RawMessage) error {
		var app struct {
			ID          string `json:"id"`
			AppID       string `json:"appId"`
			DisplayName string `json:"displayName"`
		}
		if json.Unmarshal(raw, &app) == nil && app.ID != "" && wantApp[strings.ToLower(app.AppID)] {
			keys[app.ID] = app.DisplayName
		}
		return nil
	})
	if err != nil {
		return nil, nil, "", fmt.Errorf("read the applications dataset: %w", err)
	}
	return keys, notes, "", nil
}
