package pdf

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/pwsh"
)

// The incident section is built in two steps: incidentModel reads the
// results (and, for a few facts, the snapshot) into plain data, and the
// renderer in incident.go draws it. Keeping the analysis pure lets tests
// assert what the section says without parsing a PDF.

// incObj is one affected object of an incident result.
type incObj struct {
	check string
	a     checks.Affected
}

// changeGroup is one kind of attacker change ("Guests invited").
type changeGroup struct {
	key, title string
	objs       []incObj
}

// changeKinds lists the groups of attacker changes in reading order.
var changeKinds = []struct{ key, title string }{
	{"methods", "Authentication methods registered"},
	{"rules", "Inbox rules"},
	{"forwarding", "Mailbox forwarding"},
	{"guests", "Guests invited"},
	{"consents", "OAuth consents"},
	{"delegation", "Mailbox delegations"},
	{"accounts", "Accounts created"},
	{"apps", "Apps and app credentials"},
	{"roles", "Role changes"},
	{"config", "Configuration changes"},
	{"other", "Other changes"},
}

// changeGroupOf names the group of an incident object, or "" for objects
// that are evidence rather than changes (sign-ins, the account's own state).
func changeGroupOf(check, kind string) string {
	switch kind {
	case "signIn":
		return ""
	case "authMethod":
		return "methods"
	case "inboxRule":
		return "rules"
	case "mailbox":
		return "forwarding"
	case "mailboxPermission":
		return "delegation"
	case "guest":
		return "guests"
	case "grant":
		return "consents"
	case "servicePrincipal", "application", "credential":
		return "apps"
	}
	switch check {
	case "IR-USR-001", "IR-USR-002", "IR-SIG-001", "IR-SIG-002":
		return ""
	case "IR-GST-001":
		return "accounts"
	case "IR-PRIV-001":
		return "roles"
	case "IR-CFG-001":
		return "config"
	case "IR-APP-002":
		return "apps"
	}
	return "other"
}

// incUser is one incident user, resolved as far as the data allows.
type incUser struct {
	given string // as named in the incident context
	upn   string
	id    string
	label string // "Display Name <upn>"
}

func (u incUser) matches(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" {
		return false
	}
	for _, k := range []string{u.given, u.upn, u.id, u.label} {
		if k != "" && strings.EqualFold(k, v) {
			return true
		}
	}
	return false
}

// plan is what one user's containment script does, as report/pwsh plans
// it: the same function builds the script, so the two cannot disagree.
type plan struct {
	user    incUser
	script  string
	actions []pwsh.Action
	review  []pwsh.ReviewItem
}

// incidentModel is everything the incident section says.
type incidentModel struct {
	users      []incUser
	start, end time.Time
	// firstChange is the earliest attributed change (not a sign-in).
	firstChange *time.Time
	happened    []string
	cannot      []string
	changes     []changeGroup
	nChanges    int
	open        []checks.Result
	posture     []postureGap
	plans       []plan
	hardening   []checks.Result
}

// postureGap is one failing configuration check that let the attack work.
type postureGap struct {
	id, title, line string
	sev             checks.Severity
}

// postureIDs are the configuration checks that decide whether a phished
// password is enough (MFA, legacy protocols, guest invitations, consent).
var postureIDs = []string{"ENTRA-MFA-001", "ENTRA-CA-001", "EXO-PROTO-001", "EXO-PROTO-002", "EXO-PROTO-003",
	"EXO-PROTO-005", "ENTRA-EXT-001", "ENTRA-APP-001"}

func isOpen(r checks.Result) bool {
	return (r.Status == checks.StatusFail || r.Status == checks.StatusWarn) && !r.IsAccepted()
}

func notEvaluated(s checks.Status) bool {
	return s == checks.StatusUnknown || s == checks.StatusNotApplicable || s == checks.StatusError
}

// firstSentence returns s up to its first full stop followed by a space.
func firstSentence(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

func firstOf(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// buildIncident analyses the incident results of doc. snap may be nil; it
// only adds who the incident users are and the Conditional Access and
// security-defaults facts.
func buildIncident(doc *checks.Document, snap *snapshot.Snapshot) *incidentModel {
	inc := doc.Incident
	m := &incidentModel{start: inc.Start, end: inc.End}
	if m.end.IsZero() {
		m.end = doc.CollectedAt
	}
	byID := map[string]checks.Result{}
	var incident []checks.Result
	for _, r := range doc.Results {
		byID[r.ID] = r
		if r.Incident {
			incident = append(incident, r)
		}
	}
	sort.SliceStable(incident, func(i, j int) bool { return incident[i].ID < incident[j].ID })
	m.users = resolveUsers(inc.Users, snap, byID["IR-USR-002"])

	// Attacker changes, grouped; everything else for review.
	groups := map[string]*changeGroup{}
	for _, k := range changeKinds {
		groups[k.key] = &changeGroup{key: k.key, title: k.title}
	}
	for _, r := range incident {
		for _, a := range r.Affected {
			g := changeGroupOf(r.ID, a.Kind)
			if g == "" {
				continue
			}
			o := incObj{check: r.ID, a: a}
			if !a.Attributed {
				continue
			}
			groups[g].objs = append(groups[g].objs, o)
			m.nChanges++
			if a.Time != nil && (m.firstChange == nil || a.Time.Before(*m.firstChange)) {
				t := a.Time.UTC()
				m.firstChange = &t
			}
		}
	}
	for _, k := range changeKinds {
		g := groups[k.key]
		if len(g.objs) == 0 {
			continue
		}
		sort.SliceStable(g.objs, func(i, j int) bool { return objLess(g.objs[i], g.objs[j]) })
		m.changes = append(m.changes, *g)
	}

	// Containment plan per user, from the script's own planner.
	for _, u := range m.users {
		p := plan{user: u, script: pwsh.ContainmentFileName(firstOf(u.upn, u.given)),
			actions: pwsh.ContainmentActions(doc, snap, u.given)}
		for _, it := range pwsh.ContainmentReview(doc, snap, u.given) {
			if it.Kind == "signIn" {
				// Sign-ins are evidence (What happened, the timeline),
				// not objects anyone changes.
				continue
			}
			p.review = append(p.review, it)
		}
		m.plans = append(m.plans, p)
	}

	// Still open: failing incident checks, worst first, then posture gaps.
	for _, r := range incident {
		if isOpen(r) {
			m.open = append(m.open, r)
		}
	}
	sort.SliceStable(m.open, func(i, j int) bool {
		a, b := m.open[i], m.open[j]
		if a.Status != b.Status {
			return a.Status == checks.StatusFail
		}
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() < b.Severity.Rank()
		}
		return a.ID < b.ID
	})
	for _, id := range postureIDs {
		r, ok := byID[id]
		if !ok || !isOpen(r) {
			continue
		}
		m.posture = append(m.posture, postureGap{id: r.ID, title: r.Title, line: firstSentence(r.Summary), sev: r.Severity})
	}
	if mfa, ok := byID["ENTRA-MFA-001"]; ok && mfa.Status == checks.StatusPass {
		if sig, ok := byID["IR-SIG-002"]; ok && sig.Status == checks.StatusFail {
			m.posture = append(m.posture, postureGap{id: "ENTRA-MFA-001", title: mfa.Title, sev: mfa.Severity,
				line: "Passes on configuration, but IR-SIG-002 shows sign-ins that succeeded with a password alone: " +
					"require MFA for all users with a Conditional Access policy (report-only first)."})
		}
	}

	sort.SliceStable(m.posture, func(i, j int) bool { return m.posture[i].sev.Rank() < m.posture[j].sev.Rank() })

	// Organisation-wide hardening: the checks remediation.ps1 carries a
	// block for, from the script's own plan, worst first.
	inScript := map[string]bool{}
	for _, id := range pwsh.RemediationChecks(doc) {
		inScript[id] = true
	}
	for _, r := range doc.Results {
		if inScript[r.ID] {
			m.hardening = append(m.hardening, r)
		}
	}

	m.happened, m.cannot = narrative(m, byID, doc, snap)
	return m
}

func objLess(a, b incObj) bool {
	ta, tb := a.a.Time, b.a.Time
	switch {
	case ta == nil && tb != nil:
		return false
	case ta != nil && tb == nil:
		return true
	case ta != nil && tb != nil && !ta.Equal(*tb):
		return ta.Before(*tb)
	}
	if a.check != b.check {
		return a.check < b.check
	}
	if a.a.Name != b.a.Name {
		return a.a.Name < b.a.Name
	}
	return a.a.ID < b.a.ID
}

// resolveUsers names the incident users from the users dataset and the
// containment check's objects; a user found in neither keeps the name the
// incident context gave.
func resolveUsers(given []string, snap *snapshot.Snapshot, contained checks.Result) []incUser {
	var dir []snapshot.User
	if snap != nil {
		dir, _ = snap.Users()
	}
	out := make([]incUser, 0, len(given))
	for _, g := range given {
		u := incUser{given: g, label: g}
		for _, d := range dir {
			if strings.EqualFold(d.ID, g) || strings.EqualFold(d.UserPrincipalName, g) || (d.Mail != "" && strings.EqualFold(d.Mail, g)) {
				u.upn, u.id = d.UserPrincipalName, d.ID
				u.label = firstOf(d.UserPrincipalName, g)
				if d.DisplayName != "" {
					u.label = d.DisplayName + " <" + u.label + ">"
				}
				break
			}
		}
		if u.id == "" {
			for _, a := range contained.Affected {
				if strings.EqualFold(a.Extra["upn"], g) || strings.EqualFold(a.Extra["userId"], g) || strings.EqualFold(a.ID, g) {
					u.upn, u.id = a.Extra["upn"], firstOf(a.Extra["userId"], a.ID)
					u.label = firstOf(a.Name, g)
					break
				}
			}
		}
		out = append(out, u)
	}
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i].label) < strings.ToLower(out[j].label) })
	return out
}

// narrative builds "What happened" (one line per fact the results support)
// and the questions that could not be answered.
func narrative(m *incidentModel, byID map[string]checks.Result, doc *checks.Document, snap *snapshot.Snapshot) (happened, cannot []string) {
	incUserName := func(v string) bool {
		for _, u := range m.users {
			if u.matches(v) {
				return true
			}
		}
		return false
	}
	ofIncident := func(a checks.Affected) bool {
		return incUserName(a.Name) || incUserName(a.Extra["userId"]) || incUserName(strings.SplitN(a.ID, "|", 2)[0])
	}
	clientOf := func(a checks.Affected) string {
		if c := a.Extra["client"]; c != "" {
			return c
		}
		if p := strings.Split(a.ID, "|"); len(p) == 3 {
			return p[1]
		}
		return "an unnamed client"
	}
	// Sign-ins: group attributed sign-ins by origin, listing the clients.
	type origin struct {
		where   string
		clients []string
		first   *time.Time
	}
	// collect groups the attributed sign-ins of r; mfa selects the groups
	// IR-SIG-002 marks as having passed MFA from an attacker address (id
	// suffix "|mfa") instead of the password-only ones.
	collect := func(r checks.Result, skip map[string]bool, mfa bool) []origin {
		idx := map[string]int{}
		var out []origin
		for _, a := range r.Affected {
			if a.Kind != "signIn" || !a.Attributed || strings.HasSuffix(a.ID, "|mfa") != mfa {
				continue
			}
			c := clientOf(a)
			if skip[strings.ToLower(c)] {
				continue
			}
			w := firstOf(a.Actor, "an unknown address")
			i, ok := idx[w]
			if !ok {
				i = len(out)
				idx[w] = i
				out = append(out, origin{where: w})
			}
			if !containsFold(out[i].clients, c) {
				out[i].clients = append(out[i].clients, c)
			}
			if a.Time != nil && (out[i].first == nil || a.Time.Before(*out[i].first)) {
				out[i].first = a.Time
			}
		}
		for i := range out {
			sort.Strings(out[i].clients)
		}
		sort.SliceStable(out, func(i, j int) bool {
			a, b := out[i].first, out[j].first
			if (a == nil) != (b == nil) {
				return a != nil
			}
			if a != nil && !a.Equal(*b) {
				return a.Before(*b)
			}
			return out[i].where < out[j].where
		})
		return out
	}
	describeOrigins := func(os []origin) string {
		var parts []string
		for _, o := range os {
			s := andList(o.clients) + " from " + o.where
			if o.first != nil {
				s += ", first at " + fmtDate(*o.first)
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, "; ")
	}
	signInsWhy := datasetWhy(doc, snapshot.DSSignIns, "sign-in logs")

	sig1, has1 := byID["IR-SIG-001"]
	sig2, has2 := byID["IR-SIG-002"]
	legacy := map[string]bool{}
	switch {
	case !has1:
	case sig1.Status == checks.StatusFail || sig1.Status == checks.StatusWarn:
		os := collect(sig1, nil, false)
		for _, o := range os {
			for _, c := range o.clients {
				legacy[strings.ToLower(c)] = true
			}
		}
		if len(os) > 0 {
			happened = append(happened, "Successful sign-ins with a password alone over "+describeOrigins(os)+
				" — legacy protocols, which cannot ask for MFA (IR-SIG-001).")
		}
		var other []string
		for _, a := range sig1.Affected {
			if a.Kind == "signIn" && !a.Attributed && ofIncident(a) && a.Detail != "" {
				other = append(other, strings.TrimSuffix(a.Detail, "."))
			}
		}
		sort.Strings(other)
		if len(other) > 0 {
			happened = append(happened, "Other legacy sign-in activity on the account, not attributed to the attacker: "+strings.Join(other, "; ")+".")
		}
		if len(os) == 0 && len(other) == 0 {
			happened = append(happened, "Legacy-protocol sign-ins were found in the tenant, but none on the incident users (IR-SIG-001).")
		}
	case sig1.Status == checks.StatusPass:
		happened = append(happened, "No legacy-protocol (IMAP, POP, SMTP AUTH) sign-in succeeded on the incident users in the window (IR-SIG-001).")
	case notEvaluated(sig1.Status):
		cannot = append(cannot, fmt.Sprintf("%s: legacy-protocol sign-ins could not be checked (IR-SIG-001).", signInsWhy))
	}
	switch {
	case !has2:
	case sig2.Status == checks.StatusFail || sig2.Status == checks.StatusWarn:
		if os := collect(sig2, nil, true); len(os) > 0 {
			happened = append(happened, "The attacker also signed in and passed MFA: "+describeOrigins(os)+
				". MFA was met by a claim in the token, most likely a session stolen by adversary-in-the-middle phishing: a password reset alone does not end this access, the sessions must be revoked (IR-SIG-002).")
		}
		os := collect(sig2, legacy, false)
		if len(os) > 0 {
			happened = append(happened, "Other sign-ins of the incident users also succeeded with a password alone: "+describeOrigins(os)+" (IR-SIG-002).")
		}
	case sig2.Status == checks.StatusPass:
		happened = append(happened, "Every successful interactive sign-in of the incident users in the window used MFA (IR-SIG-002).")
	case notEvaluated(sig2.Status):
		cannot = append(cannot, fmt.Sprintf("%s: whether sign-ins succeeded without MFA could not be checked (IR-SIG-002).", signInsWhy))
	}

	// Why MFA did not stop it.
	if line := mfaLine(byID, snap, has2 && sig2.Status == checks.StatusFail); line != "" {
		happened = append(happened, line)
	}
	if line := legacyOpenLine(byID, m.users); line != "" {
		happened = append(happened, line)
	}

	// What the attacker did with the account.
	if m.nChanges > 0 {
		var did []string
		for _, g := range m.changes {
			did = append(did, changeVerb(g))
		}
		s := "With the account, the attacker " + andList(did)
		if m.firstChange != nil {
			s += ", starting " + fmtDate(*m.firstChange)
		}
		happened = append(happened, s+". Each change is listed below.")
	} else {
		happened = append(happened, "The incident checks attribute no change in the tenant to the incident users in the window.")
	}
	if r, ok := byID["ENTRA-EXT-001"]; ok && isOpen(r) {
		s := "Guest invitations are not restricted: " + because(r)
		if g := groupLen(m.changes, "guests"); g > 0 {
			s = fmt.Sprintf("Nothing stopped the account inviting %s: %s", plural(g, "guest", "guests"), because(r))
		}
		happened = append(happened, s)
	}
	if r, ok := byID["ENTRA-APP-001"]; ok && isOpen(r) {
		s := "User consent to applications is not restricted: " + because(r)
		for _, g := range m.changes {
			if g.key == "consents" {
				s = fmt.Sprintf("Nothing stopped the account consenting to %s: %s", andList(objNames(g.objs, 3)), because(r))
			}
		}
		happened = append(happened, s)
	}

	// Incident questions the data could not answer.
	for _, id := range sortedIncidentIDs(byID) {
		r := byID[id]
		if !notEvaluated(r.Status) || id == "IR-SIG-001" || id == "IR-SIG-002" {
			continue
		}
		verb := "could not be checked"
		if r.Status == checks.StatusError {
			verb = "failed to run (a bug; see the findings)"
		}
		why := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(r.Summary, "Not applicable:"), "Unknown:"))
		cannot = append(cannot, fmt.Sprintf("%s (%s) %s: %s", r.Title, r.ID, verb, why))
	}
	return happened, cannot
}

// because cites a failing check as the reason for something: its first
// sentence, then its ID.
func because(r checks.Result) string {
	s := strings.TrimSuffix(firstSentence(r.Summary), ".")
	if rs := []rune(s); len(rs) > 1 && unicode.IsUpper(rs[0]) && unicode.IsLower(rs[1]) {
		s = string(unicode.ToLower(rs[0])) + string(rs[1:])
	}
	return s + " (" + r.ID + ")."
}

// mfaLine explains why MFA did not stop the sign-ins, from the MFA check,
// and the snapshot's security defaults and Conditional Access policies.
func mfaLine(byID map[string]checks.Result, snap *snapshot.Snapshot, singleFactor bool) string {
	sd, caN, caEnabled := -1, -1, 0
	if snap != nil {
		if d, err := snap.SecurityDefaults(); err == nil && d != nil {
			sd = 0
			if d.IsEnabled {
				sd = 1
			}
		}
		if ps, err := snap.ConditionalAccessPolicies(); err == nil {
			caN = len(ps)
			for _, p := range ps {
				if p.State == "enabled" {
					caEnabled++
				}
			}
		}
	}
	mfa, hasMFA := byID["ENTRA-MFA-001"]
	prefix := ""
	if singleFactor {
		prefix = "MFA was not enforced: "
	}
	switch {
	case sd == 1 && caN == 0:
		return prefix + "security defaults were on, but the tenant has no Conditional Access policy, so nothing required MFA at every sign-in; " +
			"security defaults ask for MFA only when Microsoft deems it necessary."
	case sd == 1 && caEnabled == 0:
		return prefix + fmt.Sprintf("security defaults were on, but none of the tenant's %s is enabled, so nothing required MFA at every sign-in.",
			plural(caN, "Conditional Access policy", "Conditional Access policies"))
	case hasMFA && isOpen(mfa):
		return prefix + firstSentence(mfa.Summary) + " (ENTRA-MFA-001)"
	case hasMFA && mfa.Status == checks.StatusPass && singleFactor:
		return prefix + "the configuration check passes (" + firstSentence(mfa.Summary) + "), yet sign-ins succeeded with a password alone (IR-SIG-002)."
	case sd == 0 && caN == 0:
		return prefix + "security defaults were off and the tenant has no Conditional Access policy."
	}
	return ""
}

// legacyOpenLine says which legacy-protocol settings are still open,
// naming the incident users' own mailboxes where the checks list them.
func legacyOpenLine(byID map[string]checks.Result, users []incUser) string {
	var ids, own []string
	for _, id := range []string{"EXO-PROTO-001", "EXO-PROTO-002", "EXO-PROTO-003", "EXO-PROTO-005"} {
		r, ok := byID[id]
		if !ok || !isOpen(r) {
			continue
		}
		ids = append(ids, id)
		for _, a := range r.Affected {
			for _, u := range users {
				if (u.matches(a.ID) || u.matches(a.Name)) && !containsFold(own, u.label) {
					own = append(own, u.label)
				}
			}
		}
	}
	if len(ids) == 0 {
		return ""
	}
	s := "Legacy protocols (POP, IMAP, SMTP AUTH) are still open in Exchange Online (" + strings.Join(ids, ", ") + ")"
	if len(own) > 0 {
		s += ", including on the mailbox of " + andList(own)
	}
	return s + "."
}

// datasetWhy says why a dataset was not collected, from the coverage.
func datasetWhy(doc *checks.Document, id, name string) string {
	for _, d := range doc.Coverage.Datasets {
		if d.ID != id || d.Status == snapshot.StatusOK {
			continue
		}
		s := name + " were not collected (" + string(d.Status)
		if d.Reason != "" {
			s += ": " + d.Reason
		}
		return s + ")"
	}
	return name + " were not available"
}

func sortedIncidentIDs(byID map[string]checks.Result) []string {
	var ids []string
	for id, r := range byID {
		if r.Incident {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func groupLen(gs []changeGroup, key string) int {
	for _, g := range gs {
		if g.key == key {
			return len(g.objs)
		}
	}
	return 0
}

// changeVerb says what the attacker did for one group.
func changeVerb(g changeGroup) string {
	n := len(g.objs)
	switch g.key {
	case "methods":
		return "registered " + plural(n, "authentication method", "authentication methods")
	case "rules":
		return "created " + plural(n, "inbox rule", "inbox rules")
	case "forwarding":
		return "set forwarding on " + plural(n, "mailbox", "mailboxes")
	case "delegation":
		return "added " + plural(n, "mailbox delegation", "mailbox delegations")
	case "guests":
		return "invited " + plural(n, "guest", "guests")
	case "accounts":
		return "created " + plural(n, "account", "accounts")
	case "consents":
		return "granted " + plural(n, "OAuth consent", "OAuth consents") + " (" + andList(objNames(g.objs, 3)) + ")"
	case "apps":
		return "added or changed " + plural(n, "app", "apps") + " (" + andList(objNames(g.objs, 3)) + ")"
	case "roles":
		return "made " + plural(n, "role change", "role changes")
	case "config":
		return "changed " + plural(n, "security setting", "security settings")
	}
	return "made " + plural(n, "other change", "other changes")
}

func objNames(os []incObj, max int) []string {
	var out []string
	for _, o := range os {
		n := firstOf(o.a.Name, o.a.ID)
		if !containsFold(out, n) {
			out = append(out, n)
		}
	}
	if len(out) > max {
		rest := len(out) - max
		out = append(out[:max], fmt.Sprintf("%d more", rest))
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// andList joins "a", "a and b", "a, b and c".
func andList(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

func containsFold(xs []string, x string) bool {
	for _, v := range xs {
		if strings.EqualFold(v, x) {
			return true
		}
	}
	return false
}
