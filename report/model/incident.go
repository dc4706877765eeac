package model

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
)

// IncidentObject is one affected object of an incident result.
type IncidentObject struct {
	Check    string
	Affected checks.Affected
}

// ChangeGroup is one kind of attacker change ("Guests invited"), its
// objects in time order.
type ChangeGroup struct {
	Key, Title string
	Objects    []IncidentObject
}

// Checks lists the checks that found the group's objects, in order of
// first appearance.
func (g ChangeGroup) Checks() []string {
	var ids []string
	for _, o := range g.Objects {
		if !containsFold(ids, o.Check) {
			ids = append(ids, o.Check)
		}
	}
	return ids
}

// IncidentUser is one incident user, resolved as far as the data allows.
type IncidentUser struct {
	// Given is the user as named in the incident context.
	Given string
	UPN   string
	ID    string
	// Label is "Display Name <upn>", else the name given.
	Label string
}

func (u IncidentUser) matches(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" {
		return false
	}
	for _, k := range []string{u.Given, u.UPN, u.ID, u.Label} {
		if k != "" && strings.EqualFold(k, v) {
			return true
		}
	}
	return false
}

// Plan is what one user's containment script does. The script is written
// from Containment, so a report printing the plan cannot disagree with it.
type Plan struct {
	User IncidentUser
	// Script is the file name of the user's containment script.
	Script string
	// Containment is nil when no script can be planned (the account could
	// not be tied to an object id); PlanError says why.
	Containment *Containment
	PlanError   string
	// Steps are the script's actions grouped for reading, in script order.
	Steps []PlanStep
	// Review lists what the script shows and does not change, without the
	// sign-ins (evidence, not objects anyone changes) and the attacker's
	// messages (Incident.Mail lists who received them).
	Review []ReviewItem
	// Evidence names what the attacker made and already deleted (inbox
	// rules created and deleted again): listed, never a step.
	Evidence []string
}

// PlanStep is one numbered step of a containment plan: an action, or
// consecutive actions on objects of one kind, with the objects listed.
type PlanStep struct {
	Text  string
	Items []string
}

// ContainmentState says at a glance whether the accounts are contained.
type ContainmentState string

// Containment states, from IR-USR-002.
const (
	StateNotChecked   ContainmentState = "not_checked"
	StateContained    ContainmentState = "contained"
	StateUnknown      ContainmentState = "unknown"
	StateNotContained ContainmentState = "not_contained"
)

// ContainmentStatus is IR-USR-002's verdict on the incident accounts.
type ContainmentStatus struct {
	State   ContainmentState
	Summary string
	// Accounts lists, when not contained, each account and why.
	Accounts []AccountState
	// Restricted lists the incident accounts Exchange Online restricted
	// from sending (IR-MAIL-002): part of the account's state, whatever
	// the containment state.
	Restricted []AccountState
}

// AccountState is one account IR-USR-002 found not contained.
type AccountState struct {
	Name, Detail string
}

// Incident is everything the incident part of a report says, in reading
// order.
type Incident struct {
	Users      []IncidentUser
	Start, End time.Time
	// EndIsCollection: the window ends at data collection (no end given).
	EndIsCollection bool
	Status          ContainmentStatus
	// FirstChange is the earliest attributed change (not a sign-in).
	FirstChange *time.Time
	// Happened is the narrative, one fact per line; Cannot the questions
	// the data could not answer.
	Happened []string
	Cannot   []string
	// Mail is who received the attacker's mail (IR-MAIL-001); nil when
	// the check did not run.
	Mail *MailReach
	// Changes are the attacker's changes by kind; NChanges counts them.
	Changes  []ChangeGroup
	NChanges int
	// Open lists failing incident checks, worst first.
	Open []checks.Result
	// Posture lists the configuration gaps that let the attack work ("why
	// MFA did not stop it"), worst first.
	Posture []PostureGap
	// Plans holds one containment plan per incident user.
	Plans []Plan
	// Hardening lists the checks remediation.ps1 fixes (its blocks that
	// change something), in report order.
	Hardening []checks.Result
	// Templates lists the checks remediation.ps1 carries only a commented
	// template for: a person completes it; as written it changes nothing.
	Templates []checks.Result
	// Timeline holds the incident users' events, oldest first, with the
	// attacker's sign-ins marked.
	Timeline []TimelineEvent
}

// SingleUser is the label of the only incident user, "" when there are
// several.
func (m *Incident) SingleUser() string {
	if len(m.Users) == 1 {
		return m.Users[0].Label
	}
	return ""
}

// Planned reports whether any containment script could be planned.
func (m *Incident) Planned() bool {
	for _, p := range m.Plans {
		if p.Containment != nil && len(p.Containment.Steps) > 0 {
			return true
		}
	}
	return false
}

// Review lists what the containment scripts show for review, each object
// once.
func (m *Incident) Review() []ReviewItem {
	var out []ReviewItem
	seen := map[string]bool{}
	for _, p := range m.Plans {
		for _, it := range p.Review {
			if k := it.CheckID + "\x00" + it.ID; !seen[k] {
				seen[k] = true
				out = append(out, it)
			}
		}
	}
	return out
}

// PostureGap is one failing configuration check that let the attack work.
type PostureGap struct {
	ID, Title, Line string
	Severity        checks.Severity
}

// postureIDs are the configuration checks that decide whether a phished
// password is enough (MFA, legacy protocols, guest invitations, consent).
func postureIDs() []string {
	return []string{checks.IDEntraMFA001, checks.IDEntraCA001, checks.IDEXOProto001, checks.IDEXOProto002, checks.IDEXOProto003,
		checks.IDEXOProto005, checks.IDEntraExt001, checks.IDEntraApp001}
}

// IsOpen reports whether a result asks for action: fail or warn, and not
// accepted.
func IsOpen(r checks.Result) bool {
	return (r.Status == checks.StatusFail || r.Status == checks.StatusWarn) && !r.IsAccepted()
}

// NotEvaluated reports whether a status means the check could not judge.
func NotEvaluated(s checks.Status) bool {
	return s == checks.StatusUnknown || s == checks.StatusNotApplicable || s == checks.StatusError
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
	case "message":
		// The attacker's mail: "Who received the attacker's mail".
		return ""
	case "restrictedSender":
		// Exchange's restriction is the account's state (Status).
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
	case checks.IDIRUsr001, checks.IDIRUsr002, checks.IDIRSig001, checks.IDIRSig002:
		return ""
	case checks.IDIRGst001:
		return "accounts"
	case checks.IDIRPriv001:
		return "roles"
	case checks.IDIRCfg001:
		return "config"
	case checks.IDIRApp002:
		return "apps"
	}
	return "other"
}

// buildIncident analyses the incident results of doc. snap may be nil; it
// adds who the incident users are, the Conditional Access and
// security-defaults facts, the containment plans and the timeline.
func buildIncident(doc *checks.Document, snap *snapshot.Snapshot, rem RemediationPlan) *Incident {
	inc := doc.Incident
	m := &Incident{Start: inc.Start, End: inc.End, EndIsCollection: inc.End.IsZero() || inc.End.Equal(doc.CollectedAt)}
	if m.End.IsZero() {
		m.End = doc.CollectedAt
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
	m.Users = resolveUsers(inc.Users, snap, byID[checks.IDIRUsr002])
	m.Status = containmentStatus(byID)

	// Attacker changes, grouped; everything else for review.
	groups := map[string]*ChangeGroup{}
	for _, k := range changeKinds {
		groups[k.key] = &ChangeGroup{Key: k.key, Title: k.title}
	}
	for _, r := range incident {
		for _, a := range r.Affected {
			g := changeGroupOf(r.ID, a.Kind)
			if g == "" {
				continue
			}
			o := IncidentObject{Check: r.ID, Affected: a}
			if !a.Attributed {
				continue
			}
			groups[g].Objects = append(groups[g].Objects, o)
			m.NChanges++
			if a.Time != nil && (m.FirstChange == nil || a.Time.Before(*m.FirstChange)) {
				t := a.Time.UTC()
				m.FirstChange = &t
			}
		}
	}
	for _, k := range changeKinds {
		g := groups[k.key]
		if len(g.Objects) == 0 {
			continue
		}
		sort.SliceStable(g.Objects, func(i, j int) bool { return objLess(g.Objects[i], g.Objects[j]) })
		m.Changes = append(m.Changes, *g)
	}

	// Containment plan per user, from the script's own planner.
	objs := attributedByTarget(doc)
	for _, u := range m.Users {
		p := Plan{User: u, Script: ContainmentFileName(phrase.FirstOf(u.UPN, u.Given))}
		c, err := PlanContainment(doc, snap, u.Given)
		if err != nil {
			p.PlanError = err.Error()
		} else {
			p.Containment = c
			p.Steps = planSteps(c.Actions(), objs, u)
			for _, e := range c.Evidence {
				p.Evidence = append(p.Evidence, evidenceItem(e, u))
			}
			for _, it := range c.Review {
				if it.Kind == "signIn" || it.Kind == "message" {
					// Sign-ins are evidence (What happened, the timeline),
					// not objects anyone changes; the attacker's mail is
					// in the recipients list (Mail).
					continue
				}
				p.Review = append(p.Review, it)
			}
		}
		m.Plans = append(m.Plans, p)
	}
	m.Status.Restricted = restrictedAccounts(byID, m.Plans)

	// Still open: failing incident checks, worst first, then posture gaps.
	for _, r := range incident {
		if IsOpen(r) {
			m.Open = append(m.Open, r)
		}
	}
	sort.SliceStable(m.Open, func(i, j int) bool {
		a, b := m.Open[i], m.Open[j]
		if a.Status != b.Status {
			return a.Status == checks.StatusFail
		}
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() < b.Severity.Rank()
		}
		return a.ID < b.ID
	})
	for _, id := range postureIDs() {
		r, ok := byID[id]
		if !ok || !IsOpen(r) {
			continue
		}
		m.Posture = append(m.Posture, PostureGap{ID: r.ID, Title: r.Title, Line: postureLine(r), Severity: r.Severity})
	}
	if mfa, ok := byID[checks.IDEntraMFA001]; ok && mfa.Status == checks.StatusPass {
		if sig, ok := byID[checks.IDIRSig002]; ok && sig.Status == checks.StatusFail {
			m.Posture = append(m.Posture, PostureGap{ID: checks.IDEntraMFA001, Title: mfa.Title, Severity: mfa.Severity,
				Line: "Passes on configuration, but IR-SIG-002 shows sign-ins that succeeded with a password alone: " +
					"require MFA for all users with a Conditional Access policy (report-only first)."})
		}
	}

	sort.SliceStable(m.Posture, func(i, j int) bool { return m.Posture[i].Severity.Rank() < m.Posture[j].Severity.Rank() })

	// Organisation-wide hardening: the checks remediation.ps1 carries a
	// block for, from the script's own plan, worst first.
	inScript := map[string]scriptBlock{}
	for _, b := range rem.Blocks {
		inScript[b.Result.ID] = scriptBlock{true, b.Changes()}
	}
	for _, r := range doc.Results {
		switch b := inScript[r.ID]; {
		case b.in && b.changes:
			m.Hardening = append(m.Hardening, r)
		case b.in:
			m.Templates = append(m.Templates, r)
		}
	}

	m.Mail = MailRecipients(doc, snap)
	m.Happened, m.Cannot = narrative(m, byID, doc, snap)
	m.Timeline = Timeline(doc, snap)
	markAttackerSignIns(m.Timeline, doc)
	return m
}

// postureLine is a gap's line in "Gaps that let it happen": the first
// sentence of the summary (what is configured) and, when the check failed
// on sign-in evidence, that evidence from the typed sign-in groups — a
// configuration that reads as sound must not hide that it did not hold.
func postureLine(r checks.Result) string {
	line := FirstSentence(r.Summary)
	if r.Status != checks.StatusFail {
		return line
	}
	n := 0
	users := map[string]bool{}
	var clients []string
	single := true
	var first time.Time
	for _, a := range r.Affected {
		s := a.SignIn
		if a.Kind != "signIn" || s == nil || s.Succeeded == 0 {
			continue
		}
		n += s.Succeeded
		users[phrase.FirstOf(s.UPN, s.UserID)] = true
		if s.Client != "" && !containsFold(clients, s.Client) {
			clients = append(clients, s.Client)
		}
		if s.MFA {
			single = false
		}
		if !s.First.IsZero() && (first.IsZero() || s.First.Before(first)) {
			first = s.First
		}
	}
	if n == 0 {
		return line
	}
	names := make([]string, 0, len(users))
	for u := range users {
		names = append(names, u)
	}
	sort.Strings(names)
	sort.Strings(clients)
	what := "successful sign-in"
	whats := "successful sign-ins"
	if single {
		what, whats = "successful single-factor sign-in", "successful single-factor sign-ins"
	}
	ev := " It did not hold: the sign-in log shows " + phrase.Plural(n, what, whats)
	if len(clients) > 0 {
		ev += " over " + phrase.AndList(clients)
	}
	ev += " by " + phrase.AndList(names)
	if !first.IsZero() {
		ev += ", first " + FmtDate(first)
	}
	return line + ev + "."
}

func objLess(a, b IncidentObject) bool {
	ta, tb := a.Affected.Time, b.Affected.Time
	switch {
	case ta == nil && tb != nil:
		return false
	case ta != nil && tb == nil:
		return true
	case ta != nil && tb != nil && !ta.Equal(*tb):
		return ta.Before(*tb)
	}
	if a.Check != b.Check {
		return a.Check < b.Check
	}
	if a.Affected.Name != b.Affected.Name {
		return a.Affected.Name < b.Affected.Name
	}
	return a.Affected.ID < b.Affected.ID
}

// resolveUsers names the incident users from the users dataset and the
// containment check's objects; a user found in neither keeps the name the
// incident context gave.
func resolveUsers(given []string, snap *snapshot.Snapshot, contained checks.Result) []IncidentUser {
	var dir []snapshot.User
	if snap != nil {
		dir, _ = snap.Users()
	}
	out := make([]IncidentUser, 0, len(given))
	for _, g := range given {
		u := IncidentUser{Given: g, Label: g}
		for _, d := range dir {
			if strings.EqualFold(d.ID, g) || strings.EqualFold(d.UserPrincipalName, g) || (d.Mail != "" && strings.EqualFold(d.Mail, g)) {
				u.UPN, u.ID = d.UserPrincipalName, d.ID
				u.Label = phrase.FirstOf(d.UserPrincipalName, g)
				if d.DisplayName != "" {
					u.Label = d.DisplayName + " <" + u.Label + ">"
				}
				break
			}
		}
		if u.ID == "" {
			for _, a := range contained.Affected {
				if strings.EqualFold(UPNOf(a), g) || strings.EqualFold(UserIDOf(a), g) || strings.EqualFold(a.ID, g) {
					u.UPN, u.ID = UPNOf(a), phrase.FirstOf(UserIDOf(a), a.ID)
					u.Label = phrase.FirstOf(a.Name, g)
					break
				}
			}
		}
		out = append(out, u)
	}
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i].Label) < strings.ToLower(out[j].Label) })
	return out
}

// narrative builds "What happened" (one line per fact the results support)
// and the questions that could not be answered.
func narrative(m *Incident, byID map[string]checks.Result, doc *checks.Document, snap *snapshot.Snapshot) (happened, cannot []string) {
	incUserName := func(v string) bool {
		for _, u := range m.Users {
			if u.matches(v) {
				return true
			}
		}
		return false
	}
	ofIncident := func(a checks.Affected) bool {
		si, _ := SignInOf(a)
		return incUserName(a.Name) || incUserName(UserIDOf(a)) || incUserName(si.UserID)
	}
	clientOf := func(a checks.Affected) string {
		si, _ := SignInOf(a)
		return phrase.FirstOf(si.Client, "an unnamed client")
	}
	// Sign-ins: group attributed sign-ins by origin, listing the clients.
	type origin struct {
		where   string
		clients []string
		first   *time.Time
	}
	// collect groups the attributed sign-ins of r; mfa selects the groups
	// IR-SIG-002 marks as having passed MFA from an attacker address
	// instead of the password-only ones.
	collect := func(r checks.Result, skip map[string]bool, mfa bool) []origin {
		idx := map[string]int{}
		var out []origin
		for _, a := range r.Affected {
			si, ok := SignInOf(a)
			if !ok || !a.Attributed || si.MFA != mfa {
				continue
			}
			c := clientOf(a)
			if skip[strings.ToLower(c)] {
				continue
			}
			w := phrase.FirstOf(a.Actor, "an unknown address")
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
			s := phrase.AndList(o.clients) + " from " + o.where
			if o.first != nil {
				s += ", first at " + FmtDate(*o.first)
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, "; ")
	}
	signInsWhy := datasetWhy(doc, snapshot.DSSignIns, "sign-in logs")

	sig1, has1 := byID[checks.IDIRSig001]
	sig2, has2 := byID[checks.IDIRSig002]
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
	case NotEvaluated(sig1.Status):
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
	case NotEvaluated(sig2.Status):
		cannot = append(cannot, fmt.Sprintf("%s: whether sign-ins succeeded without MFA could not be checked (IR-SIG-002).", signInsWhy))
	}

	// Why MFA did not stop it.
	if line := mfaLine(byID, snap, has2 && sig2.Status == checks.StatusFail); line != "" {
		happened = append(happened, line)
	}
	if line := legacyOpenLine(byID, m.Users); line != "" {
		happened = append(happened, line)
	}

	// What the attacker did with the account.
	if m.NChanges > 0 {
		var did []string
		for _, g := range m.Changes {
			did = append(did, changeVerb(g))
		}
		s := "With the account, the attacker " + phrase.AndList(did)
		if m.FirstChange != nil {
			s += ", starting " + FmtDate(*m.FirstChange)
		}
		happened = append(happened, s+". Each change is listed below.")
	} else {
		happened = append(happened, "The incident checks attribute no change in the tenant to the incident users in the window.")
	}
	if r, ok := byID[checks.IDEntraExt001]; ok && IsOpen(r) {
		s := "Guest invitations are not restricted: " + because(r)
		if g := groupLen(m.Changes, "guests"); g > 0 {
			s = fmt.Sprintf("Nothing stopped the account inviting %s: %s", phrase.Plural(g, "guest", "guests"), because(r))
		}
		happened = append(happened, s)
	}
	if r, ok := byID[checks.IDEntraApp001]; ok && IsOpen(r) {
		s := "User consent to applications is not restricted: " + because(r)
		for _, g := range m.Changes {
			if g.Key == "consents" {
				s = fmt.Sprintf("Nothing stopped the account consenting to %s: %s", phrase.AndList(objNames(g.Objects, 3)), because(r))
			}
		}
		happened = append(happened, s)
	}

	// Incident questions the data could not answer.
	for _, id := range sortedIncidentIDs(byID) {
		r := byID[id]
		if !NotEvaluated(r.Status) || id == checks.IDIRSig001 || id == checks.IDIRSig002 {
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
	s := strings.TrimSuffix(FirstSentence(r.Summary), ".")
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
	mfa, hasMFA := byID[checks.IDEntraMFA001]
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
			phrase.Plural(caN, "Conditional Access policy", "Conditional Access policies"))
	case hasMFA && IsOpen(mfa):
		return prefix + FirstSentence(mfa.Summary) + " (ENTRA-MFA-001)"
	case hasMFA && mfa.Status == checks.StatusPass && singleFactor:
		return prefix + "the configuration check passes (" + FirstSentence(mfa.Summary) + "), yet sign-ins succeeded with a password alone (IR-SIG-002)."
	case sd == 0 && caN == 0:
		return prefix + "security defaults were off and the tenant has no Conditional Access policy."
	}
	return ""
}

// legacyOpenLine says which legacy-protocol settings are still open,
// naming the incident users' own mailboxes where the checks list them.
func legacyOpenLine(byID map[string]checks.Result, users []IncidentUser) string {
	var ids, own []string
	for _, id := range []string{checks.IDEXOProto001, checks.IDEXOProto002, checks.IDEXOProto003, checks.IDEXOProto005} {
		r, ok := byID[id]
		if !ok || !IsOpen(r) {
			continue
		}
		ids = append(ids, id)
		for _, a := range r.Affected {
			for _, u := range users {
				if (u.matches(a.ID) || u.matches(a.Name)) && !containsFold(own, u.Label) {
					own = append(own, u.Label)
				}
			}
		}
	}
	if len(ids) == 0 {
		return ""
	}
	s := "Legacy protocols (POP, IMAP, SMTP AUTH) are still open in Exchange Online (" + strings.Join(ids, ", ") + ")"
	if len(own) > 0 {
		s += ", including on the mailbox of " + phrase.AndList(own)
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

func groupLen(gs []ChangeGroup, key string) int {
	for _, g := range gs {
		if g.Key == key {
			return len(g.Objects)
		}
	}
	return 0
}

// changeVerb says what the attacker did for one group.
func changeVerb(g ChangeGroup) string {
	n := len(g.Objects)
	switch g.Key {
	case "methods":
		return "registered " + phrase.Plural(n, "authentication method", "authentication methods")
	case "rules":
		return "created " + phrase.Plural(n, "inbox rule", "inbox rules")
	case "forwarding":
		return "set forwarding on " + phrase.Plural(n, "mailbox", "mailboxes")
	case "delegation":
		return "added " + phrase.Plural(n, "mailbox delegation", "mailbox delegations")
	case "guests":
		return "invited " + phrase.Plural(n, "guest", "guests")
	case "accounts":
		return "created " + phrase.Plural(n, "account", "accounts")
	case "consents":
		return "granted " + phrase.Plural(n, "OAuth consent", "OAuth consents") + " (" + phrase.AndList(objNames(g.Objects, 3)) + ")"
	case "apps":
		return "added or changed " + phrase.Plural(n, "app", "apps") + " (" + phrase.AndList(objNames(g.Objects, 3)) + ")"
	case "roles":
		return "made " + phrase.Plural(n, "role change", "role changes")
	case "config":
		return "changed " + phrase.Plural(n, "security setting", "security settings")
	}
	return "made " + phrase.Plural(n, "other change", "other changes")
}

func objNames(os []IncidentObject, max int) []string {
	var out []string
	for _, o := range os {
		n := phrase.FirstOf(o.Affected.Name, o.Affected.ID)
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

// restrictedAccounts lists the incident accounts IR-MAIL-002 found on
// Exchange Online's restricted senders list.
func restrictedAccounts(byID map[string]checks.Result, plans []Plan) []AccountState {
	res, ok := byID[checks.IDIRMail002]
	if !ok {
		return nil
	}
	released := map[string]bool{}
	for _, p := range plans {
		if p.Containment == nil {
			continue
		}
		for _, s := range p.Containment.Steps {
			if s.Op == OpReleaseSender {
				released[strings.ToLower(s.TargetID)] = true
			}
		}
	}
	var out []AccountState
	for _, a := range res.Affected {
		if !a.Attributed {
			continue
		}
		d := "restricted from sending"
		if a.Time != nil {
			d += " since " + FmtDate(*a.Time)
		}
		if released[strings.ToLower(phrase.FirstOf(ExchangeIdentityOf(a), a.ID))] {
			d += ". The containment script releases it as its last step, only once the account is contained"
		} else {
			d += ". Release it (Remove-BlockedSenderAddress) only once the account is contained; the containment script does not"
		}
		out = append(out, AccountState{Name: phrase.FirstOf(a.Name, a.ID), Detail: d})
	}
	return out
}

// containmentStatus reads IR-USR-002's verdict.
func containmentStatus(byID map[string]checks.Result) ContainmentStatus {
	res, ok := byID[checks.IDIRUsr002]
	switch {
	case !ok:
		return ContainmentStatus{State: StateNotChecked}
	case res.Status == checks.StatusPass:
		return ContainmentStatus{State: StateContained, Summary: res.Summary}
	case NotEvaluated(res.Status):
		return ContainmentStatus{State: StateUnknown, Summary: res.Summary}
	}
	st := ContainmentStatus{State: StateNotContained, Summary: res.Summary}
	for _, a := range res.Affected {
		st.Accounts = append(st.Accounts, AccountState{Name: phrase.FirstOf(a.Name, a.ID), Detail: a.Detail})
	}
	return st
}

// objKinds are the kinds whose actions are listed object by object.
var objKinds = map[string]struct{ one, many string }{
	"authMethod": {"Remove the authentication method registered in the window:", "Remove the %d authentication methods registered in the window:"},
	"inboxRule":  {"Remove the suspicious inbox rule (saved in the script's change log first):", "Remove the %d suspicious inbox rules (each saved in the script's change log first):"},
	"grant":      {"Revoke the OAuth consent (delegated permission grant):", "Revoke the %d OAuth consents (delegated permission grants):"},
	"guest":      {"Block sign-in of, then delete (restorable for 30 days), the guest invited by the compromised account:", "Block sign-in of, then delete (restorable for 30 days), the %d guests invited by the compromised account:"},
}

// planSteps groups a plan's actions, in script order, into steps. Objects
// are named from the incident results (with when they were created), else
// by the action's own target name.
func planSteps(actions []Action, objs map[string]checks.Affected, u IncidentUser) []PlanStep {
	var out []PlanStep
	for i := 0; i < len(actions); {
		a := actions[i]
		phr, grouped := objKinds[a.Kind]
		if a.Kind == "guest" && a.What != WhatDisableGuest && a.What != WhatRemoveGuest {
			grouped = false
		}
		if !grouped {
			st := PlanStep{Text: a.What + "."}
			if a.Kind == "mailbox" || (a.Kind != "user" && a.TargetName != "") {
				st.Items = []string{targetItem(a, objs, u)}
			}
			out = append(out, st)
			i++
			continue
		}
		// One step per run of actions of this kind doing the same thing.
		j := i
		var items []string
		done := map[string]bool{}
		for ; j < len(actions) && sameStep(a, actions[j]); j++ {
			if done[actions[j].TargetID] {
				continue
			}
			done[actions[j].TargetID] = true
			items = append(items, targetItem(actions[j], objs, u))
		}
		text := phr.one
		if len(items) != 1 {
			text = fmt.Sprintf(phr.many, len(items))
		}
		if a.Kind == "inboxRule" && a.What != WhatRemoveRule {
			// Not what the kind's phrase describes: say it.
			text = a.What + ":"
		}
		out = append(out, PlanStep{Text: text, Items: items})
		i = j
	}
	return out
}

// sameStep reports whether action b joins the step action a starts: same
// kind and the same change (any method type; a guest's block and delete).
func sameStep(a, b Action) bool {
	switch {
	case a.Kind != b.Kind:
		return false
	case a.Kind == "guest":
		return true
	case a.Kind == "authMethod":
		return strings.HasPrefix(a.What, WhatRemoveMethodPf) && strings.HasPrefix(b.What, WhatRemoveMethodPf)
	}
	return a.What == b.What
}

// targetKey indexes an attributed object by its check and one of its ids.
func targetKey(check, id string) string { return check + "\x00" + strings.ToLower(id) }

// attributedByTarget indexes the attributed objects of incident results by
// every id a script action may name them by.
func attributedByTarget(doc *checks.Document) map[string]checks.Affected {
	out := map[string]checks.Affected{}
	for _, r := range doc.Results {
		if !r.Incident {
			continue
		}
		for _, a := range r.Affected {
			if !a.Attributed {
				continue
			}
			mid, _ := MethodOf(a)
			rid, _ := InboxRuleOf(a)
			gid, _ := GrantOf(a)
			for _, id := range []string{a.ID, mid, rid, gid, UserIDOf(a)} {
				if id == "" {
					continue
				}
				if _, ok := out[targetKey(r.ID, id)]; !ok {
					out[targetKey(r.ID, id)] = a
				}
			}
		}
	}
	return out
}

// targetItem names the object of an action.
func targetItem(a Action, objs map[string]checks.Affected, u IncidentUser) string {
	if o, ok := objs[targetKey(a.CheckID, a.TargetID)]; ok && o.Kind == a.Kind {
		return planItem(o, u)
	}
	name := phrase.FirstOf(a.TargetName, a.TargetID)
	if u.Label != "" {
		name = strings.TrimPrefix(name, u.Label+": ")
	}
	return name
}

// evidenceItem names one already-deleted object of a plan: its name
// without the user's label, and when it was made and deleted.
func evidenceItem(e EvidenceItem, u IncidentUser) string {
	name := phrase.FirstOf(e.Name, e.ID)
	if u.Label != "" {
		name = strings.TrimPrefix(name, u.Label+": ")
	}
	var when []string
	if e.Created != nil {
		when = append(when, "created "+FmtDate(*e.Created))
	}
	if e.Removed != nil {
		when = append(when, "deleted "+FmtDate(*e.Removed))
	}
	if len(when) == 0 {
		return name + " — already deleted"
	}
	return name + " — " + strings.Join(when, ", ")
}

// planItem names one object for a containment step: its name without the
// user's label (the step is already under the user), and what it is.
func planItem(a checks.Affected, u IncidentUser) string {
	name := phrase.FirstOf(a.Name, a.ID)
	if u.Label != "" {
		name = strings.TrimPrefix(name, u.Label+": ")
	}
	detail := a.Detail
	if i := strings.Index(detail, "; "); i >= 0 {
		detail = detail[:i]
	}
	switch a.Kind {
	case "mailbox":
		return name + ": " + detail
	case "authMethod":
		if a.Time != nil {
			return name + " — registered " + FmtDate(*a.Time)
		}
	case "guest", "user":
		if a.Time != nil {
			s := name + " — invited " + FmtDate(*a.Time)
			// The invitation state, e.g. "(Invitation, Accepted)": an
			// accepted guest has access today.
			if i := strings.LastIndex(a.Detail, " ("); i >= 0 && strings.HasSuffix(a.Detail, ")") {
				s += a.Detail[i:]
			}
			return s
		}
	}
	if detail == "" {
		return name
	}
	return name + " — " + detail
}

// scriptBlock says whether remediation.ps1 carries a block for a check and
// whether that block changes anything.
type scriptBlock struct{ in, changes bool }
