package checks

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// incidentScope is the incident context resolved against the snapshot: the
// window and the incident users' directory objects.
type incidentScope struct {
	start, end time.Time
	// users are the incident users found in the users dataset, by id.
	users map[string]snapshot.User
	// upns maps lower-case UPNs and mail addresses of incident users to ids
	// ("" when the user could not be resolved).
	upns map[string]string
	// unresolved lists incident UPNs not found in the users dataset.
	unresolved []string
	// domains are the tenant's verified domains, lower-case; nil when
	// unknown.
	domains map[string]bool
	// directory is every user by id (nil when users was not collected).
	directory map[string]snapshot.User
}

func newIncidentScope(c *Context) *incidentScope {
	sc := &incidentScope{users: map[string]snapshot.User{}, upns: map[string]string{}}
	if c.Incident != nil {
		sc.start, sc.end = c.Incident.Start.UTC(), c.Incident.End.UTC()
	}
	if sc.end.IsZero() {
		sc.end = c.Now
	}
	users, err := c.Users()
	if err != nil {
		// Incident users cannot be resolved: checks that look at their own
		// data turn a pass into unknown (unresolvedOutcome); checks that
		// look at every event of the window need no directory.
		c.decidedWithout(snapshot.DSUsers)
	} else {
		sc.directory = make(map[string]snapshot.User, len(users))
		for _, u := range users {
			sc.directory[u.ID] = u
		}
	}
	for _, upn := range irIncidentUPNs(c) {
		key := strings.ToLower(strings.TrimSpace(upn))
		sc.upns[key] = ""
		found := false
		for _, u := range users {
			if strings.EqualFold(u.UserPrincipalName, key) || (u.Mail != "" && strings.EqualFold(u.Mail, key)) || strings.EqualFold(u.ID, key) {
				sc.users[u.ID] = u
				sc.upns[key] = u.ID
				sc.upns[strings.ToLower(u.UserPrincipalName)] = u.ID
				if u.Mail != "" {
					sc.upns[strings.ToLower(u.Mail)] = u.ID
				}
				found = true
				break
			}
		}
		if !found {
			sc.unresolved = append(sc.unresolved, upn)
		}
	}
	sc.domains = irTenantDomains(c)
	if len(sc.domains) == 0 {
		// Without the domains datasets, fall back to what the manifest and
		// the members' UPNs say about the tenant's own domains.
		sc.domains = map[string]bool{}
		for _, d := range []string{c.Tenant().PrimaryDomain, c.Tenant().InitialDomain} {
			if d != "" {
				sc.domains[strings.ToLower(d)] = true
			}
		}
		for _, u := range users {
			if at := strings.LastIndex(u.UserPrincipalName, "@"); at > 0 && !u.IsGuest() {
				sc.domains[strings.ToLower(u.UserPrincipalName[at+1:])] = true
			}
		}
		if len(sc.domains) == 0 {
			sc.domains = nil
		}
	}
	return sc
}

func irIncidentUPNs(c *Context) []string {
	if c.Incident == nil {
		return nil
	}
	out := append([]string(nil), c.Incident.Users...)
	sort.Strings(out)
	return out
}

// irTenantDomains returns the tenant's verified domains (from domains, else
// organization), lower-case; nil when neither was collected.
func irTenantDomains(c *Context) map[string]bool {
	var out map[string]bool
	// domains and organization both list the verified domains: either
	// will do, and without both newIncidentScope falls back further.
	ds, err := c.Domains()
	if err != nil {
		c.decidedWithout(snapshot.DSDomains)
	} else {
		out = map[string]bool{}
		for _, d := range ds {
			if d.IsVerified {
				out[strings.ToLower(d.ID)] = true
			}
		}
	}
	orgs, err := c.Organizations()
	if err != nil {
		c.decidedWithout(snapshot.DSOrganization)
	} else {
		if out == nil {
			out = map[string]bool{}
		}
		for _, o := range orgs {
			for _, d := range o.VerifiedDomains {
				out[strings.ToLower(d.Name)] = true
			}
		}
	}
	return out
}

// isIncidentUser reports whether an object id, UPN or mail address is an
// incident user.
func (sc *incidentScope) isIncidentUser(v string) bool {
	if v == "" {
		return false
	}
	if _, ok := sc.users[v]; ok {
		return true
	}
	_, ok := sc.upns[strings.ToLower(v)]
	return ok
}

// initiatedByIncidentUser reports whether an audit record was initiated by
// an incident user.
func (sc *incidentScope) initiatedByIncidentUser(a snapshot.DirectoryAudit) bool {
	if a.InitiatedBy.User == nil {
		return false
	}
	return sc.isIncidentUser(a.InitiatedBy.User.ID) || sc.isIncidentUser(a.InitiatedBy.User.UserPrincipalName)
}

// inWindow reports whether t falls inside the incident window.
func (sc *incidentScope) inWindow(t time.Time) bool {
	return !t.Before(sc.start) && !t.After(sc.end)
}

// window renders the window for summaries.
func (sc *incidentScope) window() string {
	return fmt.Sprintf("between %s and %s", irTime(sc.start), irTime(sc.end))
}

// isExternal reports whether an address is outside the tenant's domains;
// known is false when the tenant's domains are unknown (then the address
// can only be reviewed, never attributed).
func (sc *incidentScope) isExternal(addr string) (external, known bool) {
	addr = strings.ToLower(strings.TrimSpace(irSMTP(addr)))
	at := strings.LastIndex(addr, "@")
	if at < 0 {
		return false, true
	}
	if sc.domains == nil {
		return false, false
	}
	return !sc.domains[addr[at+1:]], true
}

// irSMTP strips an "smtp:" prefix from an Exchange address.
func irSMTP(addr string) string {
	if len(addr) > 5 && strings.EqualFold(addr[:5], "smtp:") {
		return addr[5:]
	}
	return addr
}

// userName names a user id from the directory (display name and UPN).
func (sc *incidentScope) userName(id string) string {
	if u, ok := sc.directory[id]; ok {
		if u.UserPrincipalName != "" && u.DisplayName != "" {
			return u.DisplayName + " <" + u.UserPrincipalName + ">"
		}
		return u.Name()
	}
	return id
}

// userRef names a user by id, with the UPN when the directory has it.
func (sc *incidentScope) userRef(id string) *UserRef {
	r := &UserRef{ID: id}
	if u, ok := sc.directory[id]; ok {
		r.UPN = u.UserPrincipalName
	}
	return r
}

// incidentUserIDs returns the resolved incident user ids, sorted.
func (sc *incidentScope) incidentUserIDs() []string {
	ids := make([]string, 0, len(sc.users))
	for id := range sc.users {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// unresolvedNote is a sentence about incident users missing from the users
// dataset, or "".
func (sc *incidentScope) unresolvedNote() string {
	if len(sc.unresolved) == 0 {
		return ""
	}
	return fmt.Sprintf(" Incident user(s) not found in the directory: %s.", strings.Join(sc.unresolved, ", "))
}

func irTime(t time.Time) string {
	if t.IsZero() {
		return "unknown time"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func irTimePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// irVerdict turns counts of attributed and review objects into a status.
func irVerdict(attributed, review int) Status {
	switch {
	case attributed > 0:
		return StatusFail
	case review > 0:
		return StatusWarn
	}
	return StatusPass
}

// irAuditTargets renders the target resources of an audit record.
func irAuditTargets(a snapshot.DirectoryAudit) string {
	var names []string
	for _, t := range a.TargetResources {
		n := t.DisplayName
		if t.UserPrincipalName != "" {
			if n != "" {
				n += " <" + t.UserPrincipalName + ">"
			} else {
				n = t.UserPrincipalName
			}
		}
		if n == "" {
			n = t.ID
		}
		if n != "" {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// irAuditsNamed returns the successful audit records whose activity matches
// one of the names (case-insensitive; a name ending in "*" is a prefix), in
// the window, sorted by time.
func irAuditsNamed(audits []snapshot.DirectoryAudit, sc *incidentScope, names ...string) []snapshot.DirectoryAudit {
	var out []snapshot.DirectoryAudit
	for _, a := range audits {
		if !sc.inWindow(a.ActivityDateTime) || strings.EqualFold(a.Result, "failure") {
			continue // outside the window, or an attempt that changed nothing
		}
		act := strings.ToLower(a.ActivityDisplayName)
		for _, n := range names {
			n = strings.ToLower(n)
			if strings.HasSuffix(n, "*") && strings.HasPrefix(act, strings.TrimSuffix(n, "*")) || act == n {
				out = append(out, a)
				break
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ActivityDateTime.Before(out[j].ActivityDateTime) })
	return out
}

// irWindowNote says what the audit log covers, from its manifest window.
func irWindowNote(c *Context, id string) string {
	info := c.Info(id)
	if info.Window == nil {
		return ""
	}
	note := ""
	if info.Window.EarliestAvailable != nil && info.Window.EarliestAvailable.After(info.Window.From) {
		note = fmt.Sprintf(" Log retention only reaches back to %s, so earlier events in the window are not visible.", irTime(*info.Window.EarliestAvailable))
	}
	return note
}

// unresolvedOutcome turns a pass of a check that looks at each incident
// user's own data into unknown when an incident user could not be found in
// the directory: that user's data was never examined.
func (sc *incidentScope) unresolvedOutcome(o Outcome) Outcome {
	if len(sc.unresolved) == 0 {
		return o
	}
	switch {
	case len(sc.users) == 0:
		return Outcome{Status: StatusUnknown, Summary: "Not evaluated: no incident user was found in the directory." + sc.unresolvedNote(), Affected: o.Affected}
	case o.Status == StatusPass:
		o.Status = StatusUnknown
		o.Summary = "Not conclusive: " + o.Summary
	}
	if !strings.Contains(o.Summary, "not found in the directory") {
		o.Summary += sc.unresolvedNote()
	}
	return o
}

// irAddressGap says which sources of the attacker's addresses
// (irAttackerAddresses) were not collected: the sign-in log (sisErr, the
// error of reading it) and the directory audit log. It records that the
// running check judged without them; the check must say so through note
// and must not pass when signInsMissing, since the sign-in log is where
// the attacker's addresses are found.
func irAddressGap(c *Context, sisErr error) (note string, signInsMissing bool) {
	_, auditErr := c.DirectoryAudits()
	switch {
	case sisErr != nil && auditErr != nil:
		c.decidedWithout(snapshot.DSSignIns)
		c.decidedWithout(snapshot.DSDirectoryAudits)
		return " The addresses the attacker used are unknown: neither the sign-in log nor the directory audit log was collected.", true
	case sisErr != nil:
		c.decidedWithout(snapshot.DSSignIns)
		return " The addresses the attacker used are known from the directory audit log only: the sign-in log was not collected.", true
	case auditErr != nil:
		c.decidedWithout(snapshot.DSDirectoryAudits)
		return " The addresses the attacker used are known from the sign-in log only: the directory audit log was not collected.", false
	}
	return "", false
}

// notConclusive turns a pass into unknown, keeping what was found: the
// check could not look at everything the pass claims.
func notConclusive(o Outcome, why string) Outcome {
	if o.Status != StatusPass {
		o.Summary += why
		return o
	}
	o.Status = StatusUnknown
	o.Summary = "Not conclusive: " + o.Summary + why
	return o
}
