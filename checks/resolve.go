package checks

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Resolved is a configuration checked against one snapshot: break-glass
// accounts and approved exclusions as object ids, acceptances whose objects
// were found. Checks and writers read principals only from it, never from
// the configuration's strings.
type Resolved struct {
	cfg      *Config
	bgUsers  map[string]bool // lower-case object ids
	bgGroups map[string]bool
	exUsers  map[string]map[string]bool // check ID (upper-case) -> lower-case object ids
	exGroups map[string]map[string]bool
	// Unverified lists entries that could not be checked against the
	// tenant because the data they name was not collected (file:line:
	// what and why). They are not errors; commands print them as warnings.
	Unverified []string
}

// ResolveConfig checks every entry of cfg against snap, once, right after
// both are loaded: break-glass users and groups, the users and groups of
// each approved exclusion, the incident users, and the objects of each
// acceptance. Users are given by object id or UPN and resolved through the
// users dataset; groups by object id (the snapshot holds no list of groups,
// so only their form is checked). An acceptance's object must name
// something its check reports on this snapshot or an object of the data the
// check reads (by id, name, UPN or mail). inc is the run's incident (nil:
// incident checks are not run, and their acceptances are checked against
// their data only).
//
// Every entry that matches nothing is listed in ONE error, each in the
// file:line form of the configuration's other errors. An entry that cannot
// be checked because the data it would be found in was not collected is not
// an error; it is listed in Resolved.Unverified. The Resolved value is
// returned even with an error: it then holds the entries that did not
// resolve as given (an earlier snapshot of a comparison may predate
// accounts created since; see report/diff).
func ResolveConfig(cfg *Config, snap *snapshot.Snapshot, inc *IncidentInfo) (*Resolved, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	r := &Resolved{cfg: cfg, bgUsers: map[string]bool{}, bgGroups: map[string]bool{},
		exUsers: map[string]map[string]bool{}, exGroups: map[string]map[string]bool{}}
	rs := &resolver{cfg: cfg, snap: snap, r: r}
	for i, u := range cfg.BreakGlass.Users {
		if id, ok := rs.user(fmt.Sprintf("breakGlass.users[%d]", i), u); ok {
			r.bgUsers[id] = true
		}
	}
	for i, g := range cfg.BreakGlass.Groups {
		if id, ok := rs.group(fmt.Sprintf("breakGlass.groups[%d]", i), g); ok {
			r.bgGroups[id] = true
		}
	}
	for _, check := range sortedKeys(cfg.Exclusions) {
		p := cfg.Exclusions[check]
		k := strings.ToUpper(check)
		if r.exUsers[k] == nil {
			r.exUsers[k], r.exGroups[k] = map[string]bool{}, map[string]bool{}
		}
		for i, u := range p.Users {
			if id, ok := rs.user(fmt.Sprintf("exclusions.%s.users[%d]", check, i), u); ok {
				r.exUsers[k][id] = true
			}
		}
		for i, g := range p.Groups {
			if id, ok := rs.group(fmt.Sprintf("exclusions.%s.groups[%d]", check, i), g); ok {
				r.exGroups[k][id] = true
			}
		}
	}
	if cfg.Incident != nil {
		for i, u := range cfg.Incident.Users {
			rs.user(fmt.Sprintf("incident.users[%d]", i), u)
		}
	}
	rs.acceptances(inc)
	if len(rs.problems) > 0 {
		sort.SliceStable(rs.problems, func(i, j int) bool { return rs.problems[i].line < rs.problems[j].line })
		msgs := make([]string, len(rs.problems))
		for i, p := range rs.problems {
			msgs[i] = p.msg
		}
		return r, fmt.Errorf("config %s: %d problem(s) against the snapshot:\n  %s", cfg.src.display(), len(msgs), strings.Join(msgs, "\n  "))
	}
	return r, nil
}

// Config returns the configuration the resolution was made from (never
// nil).
func (r *Resolved) Config() *Config {
	if r == nil || r.cfg == nil {
		return &Config{}
	}
	return r.cfg
}

// BreakGlassDeclared reports whether any break-glass account or group is
// declared.
func (r *Resolved) BreakGlassDeclared() bool {
	return r != nil && (len(r.bgUsers) > 0 || len(r.bgGroups) > 0)
}

// IsBreakGlassUser reports whether a user object id is a break-glass
// account.
func (r *Resolved) IsBreakGlassUser(id string) bool {
	return r != nil && r.bgUsers[strings.ToLower(strings.TrimSpace(id))]
}

// IsBreakGlassGroup reports whether a group object id is a break-glass
// group.
func (r *Resolved) IsBreakGlassGroup(id string) bool {
	return r != nil && r.bgGroups[strings.ToLower(strings.TrimSpace(id))]
}

// ApprovedUser reports whether a user object id is a break-glass account
// or an approved exclusion of the check.
func (r *Resolved) ApprovedUser(checkID, id string) bool {
	return r.IsBreakGlassUser(id) || r.ExcludedUser(checkID, id)
}

// ApprovedGroup reports whether a group object id is a break-glass group or
// an approved exclusion of the check.
func (r *Resolved) ApprovedGroup(checkID, id string) bool {
	return r.IsBreakGlassGroup(id) || (r != nil && r.exGroups[strings.ToUpper(checkID)][strings.ToLower(strings.TrimSpace(id))])
}

// ExcludedUser reports whether a user object id is an approved exclusion of
// the check (exclusions.<check>.users; break-glass accounts are not
// included).
func (r *Resolved) ExcludedUser(checkID, id string) bool {
	return r != nil && r.exUsers[strings.ToUpper(checkID)][strings.ToLower(strings.TrimSpace(id))]
}

// BreakGlassUserIDs returns the break-glass users' object ids, sorted.
func (r *Resolved) BreakGlassUserIDs() []string {
	if r == nil {
		return nil
	}
	return sortedKeys(r.bgUsers)
}

// BreakGlassGroupIDs returns the break-glass groups' object ids, sorted.
func (r *Resolved) BreakGlassGroupIDs() []string {
	if r == nil {
		return nil
	}
	return sortedKeys(r.bgGroups)
}

var objectIDRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

type resolveProblem struct {
	line int
	msg  string
}

// resolver holds the state of one ResolveConfig call.
type resolver struct {
	cfg      *Config
	snap     *snapshot.Snapshot
	r        *Resolved
	problems []resolveProblem

	objCache    map[string][]map[string]json.RawMessage
	usersLoaded bool
	users       map[string]string // lower-case id and UPN -> lower-case id
	usersInfo   snapshot.DatasetInfo
	userCount   int
}

func (rs *resolver) fail(key, format string, a ...any) {
	line := rs.cfg.src.lines[key]
	rs.problems = append(rs.problems, resolveProblem{line, rs.cfg.src.at(key) + fmt.Sprintf(format, a...)})
}

func (rs *resolver) unverified(key, format string, a ...any) {
	rs.r.Unverified = append(rs.r.Unverified, rs.cfg.src.at(key)+fmt.Sprintf(format, a...))
}

func (rs *resolver) info(id string) snapshot.DatasetInfo {
	if rs.snap == nil {
		return snapshot.DatasetInfo{Status: snapshot.StatusSkipped, Reason: "no snapshot"}
	}
	return rs.snap.Info(id)
}

func (rs *resolver) loadUsers() {
	if rs.usersLoaded {
		return
	}
	rs.usersLoaded = true
	rs.users = map[string]string{}
	rs.usersInfo = rs.info(snapshot.DSUsers)
	if !rs.usersInfo.Status.HasData() {
		return
	}
	us, err := rs.snap.Users()
	if err != nil {
		rs.usersInfo = snapshot.DatasetInfo{Status: snapshot.StatusError, Reason: err.Error()}
		return
	}
	rs.userCount = len(us)
	for _, u := range us {
		id := strings.ToLower(u.ID)
		rs.users[id] = id
		if u.UserPrincipalName != "" {
			rs.users[strings.ToLower(u.UserPrincipalName)] = id
		}
	}
}

// user resolves a user entry (object id or UPN) to a lower-case object id.
// Entries that do not resolve are kept as given (lower-case) and reported:
// an error when the users dataset was collected whole, or when the entry
// is not an object id (a UPN cannot be used without the user's id);
// unverified when it is an object id and the users were not (all)
// collected.
func (rs *resolver) user(key, v string) (string, bool) {
	v = strings.TrimSpace(v)
	l := strings.ToLower(v)
	if l == "" {
		return "", false
	}
	rs.loadUsers()
	if id, ok := rs.users[l]; ok {
		return id, true
	}
	isID := objectIDRE.MatchString(v)
	switch st := rs.usersInfo.Status; {
	case st == snapshot.StatusOK:
		rs.fail(key, "%q matches no user of the tenant (%d users collected); give the object id or UPN of an existing user", v, rs.userCount)
	case isID:
		rs.unverified(key, "user %s was not checked against the tenant: %s", v, usersGap(rs.usersInfo))
	case st == snapshot.StatusPartial:
		rs.fail(key, "%q was not found among the users collected (%s) and is not an object id; give the user's object id", v, usersGap(rs.usersInfo))
	default:
		rs.fail(key, "%q cannot be resolved to a user: %s; give the user's object id", v, usersGap(rs.usersInfo))
	}
	return l, true
}

func usersGap(info snapshot.DatasetInfo) string {
	if info.Status == snapshot.StatusPartial {
		return "the users dataset is partial"
	}
	return "the users dataset was not collected (" + info.Describe() + ")"
}

// group checks a group entry: an object id (the snapshot holds no list of
// groups to resolve a name or to check that the group exists).
func (rs *resolver) group(key, v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", false
	}
	if !objectIDRE.MatchString(v) {
		rs.fail(key, "%q is not a group object id; groups are given by object id (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", v)
	}
	return strings.ToLower(v), true
}

// acceptances checks every acceptance's objects. An object resolves when it
// names a user of the tenant (id, UPN or mail), an object of a dataset the
// check reads (its id, name, display name, UPN, mail or Exchange identity),
// or an object the check reports on this snapshot (what the acceptance is
// matched against: id, name, UPN or mail). When nothing matches and some
// of that data was not collected, or the check does not run (an incident
// check without an incident), the acceptance is unverified, not an error.
func (rs *resolver) acceptances(inc *IncidentInfo) {
	byID := map[string]Check{}
	for _, c := range All() {
		byID[strings.ToUpper(c.ID)] = c
	}
	var ctx *Context
	reported := map[string][]Affected{}
	for i, e := range rs.cfg.Accept {
		c, ok := byID[strings.ToUpper(strings.TrimSpace(e.Check))]
		if !ok || len(e.Objects) == 0 {
			continue // unknown IDs are refused when the file is parsed; no objects = the whole result
		}
		entry := fmt.Sprintf("accept[%d]", i)
		var gaps []string
		for _, ds := range append(c.AllDatasets(), snapshot.DSUsers) {
			if rs.info(ds).Status != snapshot.StatusOK && !containsFold(gaps, ds) {
				gaps = append(gaps, ds)
			}
		}
		var missing []int
		for j, o := range e.Objects {
			if strings.TrimSpace(o) != "" && !rs.inData(c, o) {
				missing = append(missing, j)
			}
		}
		if len(missing) == 0 {
			continue
		}
		runs := !c.Incident || inc != nil
		if runs && rs.snap != nil {
			aff, done := reported[c.ID]
			if !done {
				if ctx == nil {
					ctx = NewContext(rs.snap, rs.r, rs.snap.Manifest.CollectedAt, DetectLicences(rs.snap), inc, nil)
				}
				aff = RunCheck(c, ctx).Affected
				reported[c.ID] = aff
			}
			var still []int
			for _, j := range missing {
				if !coversAny(e.Objects[j], aff) {
					still = append(still, j)
				}
			}
			missing = still
		}
		for _, j := range missing {
			key := fmt.Sprintf("%s.objects[%d]", entry, j)
			o := strings.TrimSpace(e.Objects[j])
			switch {
			case len(gaps) > 0:
				rs.unverified(key, "%s object %q was not checked against the tenant: not found, and dataset %s was not collected whole", c.ID, o, strings.Join(gaps, ", "))
			case !runs:
				rs.unverified(key, "%s object %q was not checked against the tenant: not found in the data the check reads, and the check runs only with an incident", c.ID, o)
			default:
				rs.fail(key, "%s object %q matches nothing the check reports and no object of its data (%s); name an object by its id, name, or a user's UPN or mail", c.ID, o, strings.Join(append(c.AllDatasets(), snapshot.DSUsers), ", "))
			}
		}
	}
}

// coversAny reports whether an acceptance object matches one of the
// affected objects, as acceptances are applied.
func coversAny(o string, aff []Affected) bool {
	for _, a := range aff {
		if acceptCovers([]string{o}, a) {
			return true
		}
	}
	return false
}

// identityFields are the fields by which an acceptance may name an object
// of the data (Graph and Exchange spellings; compared case-insensitively).
var identityFields = map[string]bool{
	"id": true, "displayname": true, "name": true, "userprincipalname": true, "mail": true,
	"identity": true, "primarysmtpaddress": true, "appid": true, "guid": true, "externaldirectoryobjectid": true,
	"windowsemailaddress": true, "alias": true,
}

// inData reports whether o names a user or an object of a dataset the
// check reads.
func (rs *resolver) inData(c Check, o string) bool {
	o = strings.ToLower(strings.TrimSpace(o))
	rs.loadUsers()
	if _, ok := rs.users[o]; ok {
		return true
	}
	if rs.snap == nil {
		return false
	}
	for _, ds := range append(c.AllDatasets(), snapshot.DSUsers) {
		if !rs.info(ds).Status.HasData() {
			continue
		}
		for _, obj := range rs.objects(ds) {
			for k, v := range obj {
				if !identityFields[strings.ToLower(k)] {
					continue
				}
				var s string
				if json.Unmarshal(v, &s) == nil && strings.EqualFold(strings.TrimSpace(s), o) {
					return true
				}
			}
		}
	}
	return false
}

// objects returns a dataset's objects as field maps, whatever its shape.
func (rs *resolver) objects(ds string) []map[string]json.RawMessage {
	if objs, ok := rs.objCache[ds]; ok {
		return objs
	}
	if rs.objCache == nil {
		rs.objCache = map[string][]map[string]json.RawMessage{}
	}
	spec, ok := snapshot.SpecByID(ds)
	if !ok {
		return nil
	}
	var raws []json.RawMessage
	switch spec.Shape {
	case snapshot.ShapeList:
		raws, _ = rs.snap.RawItems(ds)
	case snapshot.ShapeObject:
		if b, err := rs.snap.Raw(ds); err == nil {
			raws = []json.RawMessage{b}
		}
	case snapshot.ShapePerKey:
		m, _ := rs.snap.RawPerKey(ds)
		for _, k := range sortedKeys(m) {
			raws = append(raws, m[k]...)
		}
	}
	out := make([]map[string]json.RawMessage, 0, len(raws))
	for _, b := range raws {
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) == nil {
			out = append(out, m)
		}
	}
	rs.objCache[ds] = out
	return out
}
