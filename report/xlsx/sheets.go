package xlsx

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/internal/phrase"
	"github.com/m365audit/m365audit/report/describe"
	"github.com/m365audit/m365audit/report/model"
	"github.com/xuri/excelize/v2"
)

// Sheet names, in workbook order.
const (
	sheetFindings   = "Findings"
	sheetActionPlan = "Action plan"
	sheetAffected   = "Affected objects"
	sheetTimeline   = "Incident timeline"
	sheetRecipients = "Recipients to warn"
	sheetUsers      = "Users"
	sheetGuests     = "Guests"
	sheetCA         = "Conditional Access"
	sheetMailboxes  = "Mailboxes"
)

// SheetNames lists the workbook's sheets in order; the incident timeline
// and the recipients to warn are there only when the audit had an
// incident.
func SheetNames(incident bool) []string {
	s := []string{sheetSummary, sheetFindings, sheetActionPlan, sheetAffected}
	if incident {
		s = append(s, sheetTimeline, sheetRecipients)
	}
	return append(s, sheetUsers, sheetGuests, sheetCA, sheetMailboxes)
}

// sortedResults orders results worst first: by status (fail, warn, …,
// pass), then severity, then ID.
func sortedResults(doc *checks.Document) []checks.Result {
	order := map[checks.Status]int{}
	for i, s := range checks.Statuses() {
		order[s] = i
	}
	rank := func(s checks.Status) int {
		if i, ok := order[s]; ok {
			return i
		}
		return len(order)
	}
	rs := append([]checks.Result(nil), doc.Results...)
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if rank(a.Status) != rank(b.Status) {
			return rank(a.Status) < rank(b.Status)
		}
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() < b.Severity.Rank()
		}
		return a.ID < b.ID
	})
	return rs
}

func cisRefs(r checks.References) string {
	if len(r.CIS) == 0 {
		return ""
	}
	label := "CIS"
	if r.CISVersion != "" {
		label += " v" + strings.TrimPrefix(r.CISVersion, "v")
	}
	return label + ": " + strings.Join(r.CIS, ", ")
}

func acceptedText(a *checks.Acceptance) string {
	if a == nil {
		return ""
	}
	s := "accepted by " + orUnknown(a.Owner) + " until " + orUnknown(a.Expires)
	if a.Expired {
		s = "EXPIRED acceptance (" + orUnknown(a.Owner) + ", expired " + orUnknown(a.Expires) + "); counts as not accepted"
	}
	if len(a.Objects) > 0 {
		s += "; objects: " + strings.Join(a.Objects, ", ")
	}
	if a.Reason != "" {
		s += "; reason: " + a.Reason
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "(not given)"
	}
	return s
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

func integrityNotes(doc *checks.Document) []string {
	if len(doc.Integrity) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("Integrity warning: %d snapshot file(s) failed verification and were audited anyway; see Summary.", len(doc.Integrity))}
}

func findingsTable(doc *checks.Document) table {
	rs := sortedResults(doc)
	return table{
		sheet: sheetFindings,
		notes: integrityNotes(doc),
		cols: []column{
			{header: "ID"}, {header: "Severity", kind: kindSeverity}, {header: "Status", kind: kindStatus},
			{header: "Title", wrap: true, width: 32}, {header: "Category", wrap: true, width: 18}, {header: "Summary", wrap: true, width: 50},
			{header: "Affected"}, {header: "CIS", wrap: true, width: 14}, {header: "SCuBA", wrap: true, width: 14},
			{header: "Other references", wrap: true, width: 24},
			{header: "Remediation", wrap: true, width: 42}, {header: "Script"}, {header: "Accepted", wrap: true, width: 24},
		},
		n: len(rs),
		row: func(i int) []any {
			r := rs[i]
			return []any{r.ID, string(r.Severity), string(r.Status), r.Title, r.Category, r.Summary,
				len(r.Affected), cisRefs(r.References), strings.Join(r.References.SCuBA, ", "),
				strings.Join(r.References.Other, ", "), r.Remediation.Summary, yes(r.Remediation.Script),
				acceptedText(r.Accepted)}
		},
	}
}

// planStatuses are the choices offered in the Action plan's Status column.
var planStatuses = []string{"Open", "In progress", "Done", "Risk accepted", "Not planned"}

func actionPlanTable(doc *checks.Document) table {
	var rs []checks.Result
	for _, r := range doc.Results {
		if (r.Status == checks.StatusFail || r.Status == checks.StatusWarn) && !r.IsAccepted() {
			rs = append(rs, r)
		}
	}
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() < b.Severity.Rank()
		}
		if a.Status != b.Status {
			return a.Status == checks.StatusFail
		}
		return a.ID < b.ID
	})
	notes := []string{"Failing and warning checks not covered by an accepted risk, most severe first. Owner, Target date, Justification and Status are for you to fill in."}
	if len(rs) == 0 {
		notes = append(notes, "Nothing to do: no failing or warning check without an accepted risk.")
	}
	return table{
		sheet: sheetActionPlan,
		notes: notes,
		cols: []column{
			{header: "ID"}, {header: "Severity", kind: kindSeverity}, {header: "Finding status", kind: kindStatus},
			{header: "Title", wrap: true, width: 45}, {header: "What to do", wrap: true, width: 60}, {header: "Affected"},
			{header: "Script"}, {header: "Owner", width: 20}, {header: "Target date", width: 14},
			{header: "Justification", width: 40}, {header: "Status", width: 16},
		},
		n: len(rs),
		row: func(i int) []any {
			r := rs[i]
			return []any{r.ID, string(r.Severity), string(r.Status), r.Title, r.Remediation.Summary,
				len(r.Affected), yes(r.Remediation.Script)}
		},
		validate: func(f *excelize.File, sheet string, first, last int) error {
			dv := excelize.NewDataValidation(true)
			dv.Sqref = fmt.Sprintf("K%d:K%d", first, last)
			if err := dv.SetDropList(planStatuses); err != nil {
				return err
			}
			return f.AddDataValidation(sheet, dv)
		},
	}
}

func affectedTable(doc *checks.Document) table {
	rs := sortedResults(doc)
	type ref struct{ r, a int }
	var refs []ref
	for i, r := range rs {
		for j := range r.Affected {
			refs = append(refs, ref{i, j})
		}
	}
	var notes []string
	if len(refs) == 0 {
		notes = []string{"No check named any affected object."}
	}
	return table{
		sheet: sheetAffected,
		notes: append(integrityNotes(doc), notes...),
		cols: []column{
			{header: "Check ID"}, {header: "Severity", kind: kindSeverity}, {header: "Status", kind: kindStatus},
			{header: "Kind"}, {header: "Object ID"}, {header: "Name", wrap: true, width: 40}, {header: "Detail", wrap: true},
			{header: "Time"}, {header: "Actor"}, {header: "Attributed"}, {header: "Accepted"},
		},
		n: len(refs),
		row: func(i int) []any {
			r := rs[refs[i].r]
			a := r.Affected[refs[i].a]
			return []any{r.ID, string(r.Severity), string(r.Status), a.Kind, a.ID, a.Name, a.Detail,
				when(a.Time, ""), a.Actor, yes(a.Attributed), yes(a.Accepted)}
		},
	}
}

// datasetNotes says which of the datasets behind a sheet were not collected
// in full, in the sheet's first rows.
func datasetNotes(snap *snapshot.Snapshot, ids ...string) []string {
	if snap == nil {
		return []string{"Not collected: no snapshot was given to the report writer"}
	}
	var notes []string
	for _, id := range ids {
		info := snap.Info(id)
		switch {
		case info.Status == snapshot.StatusPartial:
			notes = append(notes, "Partial: "+id+" — "+info.Describe())
		case describe.IncidentSkipped(id, info):
			notes = append(notes, describe.DatasetTitle(id)+": not collected ("+describe.IncidentOnly+")")
		case !info.Status.HasData():
			notes = append(notes, "Not collected: "+id+" — "+info.Describe())
		}
	}
	return notes
}

// readNote turns a view's error into a note: a dataset that is missing is
// already named by datasetNotes; any other error (a file that does not
// decode) is shown rather than failing the whole workbook.
func readNote(err error) []string {
	var nc *snapshot.NotCollectedError
	if err == nil || errors.As(err, &nc) {
		return nil
	}
	return []string{"Could not read: " + err.Error()}
}

func joinList(xs []string) string { return strings.Join(xs, ", ") }

func usersTable(snap *snapshot.Snapshot) table {
	notes := datasetNotes(snap, snapshot.DSUsers, snapshot.DSUserRegistrationDetails, snapshot.DSRoleAssignments, snapshot.DSSubscribedSkus)
	var rows []describe.UserRow
	if snap != nil {
		var err error
		rows, err = describe.Users(snap)
		notes = append(notes, readNote(err)...)
	}
	return table{
		sheet: sheetUsers,
		notes: notes,
		cols: []column{
			{header: "User principal name"}, {header: "Display name"}, {header: "Type"}, {header: "Enabled"},
			{header: "Admin"}, {header: "Roles", wrap: true, width: 40}, {header: "MFA registered"}, {header: "MFA capable"},
			{header: "Methods", wrap: true, width: 40}, {header: "Last sign-in"}, {header: "Licences", wrap: true, width: 36},
			{header: "Synced"}, {header: "Created"}, {header: "Object ID"},
		},
		n: len(rows),
		row: func(i int) []any {
			r := rows[i]
			return []any{r.UPN, r.DisplayName, r.Type, r.Enabled, r.Admin, joinList(r.Roles), r.MFARegistered,
				r.MFACapable, joinList(r.Methods), when(r.LastSignInTime, r.LastSignIn), joinList(r.Licences), r.Synced,
				when(r.CreatedTime, r.Created), r.ID}
		},
	}
}

func guestsTable(snap *snapshot.Snapshot) table {
	notes := datasetNotes(snap, snapshot.DSUsers, snapshot.DSGuestInviters)
	var rows []describe.GuestRow
	if snap != nil {
		var err error
		rows, err = describe.Guests(snap)
		notes = append(notes, readNote(err)...)
	}
	return table{
		sheet: sheetGuests,
		notes: notes,
		cols: []column{
			{header: "User principal name"}, {header: "Display name"}, {header: "Mail"}, {header: "Enabled"},
			{header: "Created"}, {header: "Creation type"}, {header: "State"}, {header: "Invited by"},
			{header: "Last sign-in"}, {header: "Object ID"},
		},
		n: len(rows),
		row: func(i int) []any {
			r := rows[i]
			return []any{r.UPN, r.DisplayName, r.Mail, r.Enabled, when(r.CreatedTime, r.Created), r.CreationType, r.State,
				r.InvitedBy, when(r.LastSignInTime, r.LastSignIn), r.ID}
		},
	}
}

func caTable(snap *snapshot.Snapshot) table {
	notes := datasetNotes(snap, snapshot.DSConditionalAccessPolicies)
	var views []describe.PolicyView
	if snap != nil {
		ps, err := snap.ConditionalAccessPolicies()
		notes = append(notes, readNote(err)...)
		if err == nil && len(ps) == 0 {
			notes = append(notes, "The tenant has no Conditional Access policies.")
		}
		names := describe.NewNames(snap)
		for _, p := range ps {
			views = append(views, describe.CAPolicy(p, names))
		}
		sort.SliceStable(views, func(i, j int) bool {
			a, b := strings.ToLower(views[i].Name), strings.ToLower(views[j].Name)
			if a != b {
				return a < b
			}
			return views[i].ID < views[j].ID
		})
	}
	return table{
		sheet: sheetCA,
		notes: notes,
		cols: []column{
			{header: "Policy", wrap: true, width: 32}, {header: "State"}, {header: "Users", wrap: true, width: 50},
			{header: "Resources", wrap: true, width: 36}, {header: "Conditions", wrap: true, width: 44},
			{header: "Grant", wrap: true, width: 36}, {header: "Session", wrap: true, width: 30},
			{header: "Modified"}, {header: "Policy ID"},
		},
		n: len(views),
		row: func(i int) []any {
			v := views[i]
			return []any{v.Name, v.State, v.Users, v.Resources, v.Conditions, v.Grant, v.Session, whenRFC3339(v.Modified), v.ID}
		},
	}
}

func mailboxesTable(snap *snapshot.Snapshot) table {
	notes := datasetNotes(snap, snapshot.DSExoCASMailbox, snapshot.DSExoMailbox, snapshot.DSExoTransportConfig)
	var rows []describe.MailboxRow
	if snap != nil {
		var err error
		rows, err = describe.Mailboxes(snap)
		notes = append(notes, readNote(err)...)
	}
	return table{
		sheet: sheetMailboxes,
		notes: notes,
		cols: []column{
			{header: "Address"}, {header: "Display name"}, {header: "Type"}, {header: "POP"}, {header: "IMAP"},
			{header: "SMTP AUTH"}, {header: "ActiveSync"}, {header: "Forwarding to"}, {header: "Keeps a copy"},
			{header: "Object ID"},
		},
		n: len(rows),
		row: func(i int) []any {
			r := rows[i]
			return []any{r.Address, r.DisplayName, r.Type, r.POP, r.IMAP, r.SMTPAuth, r.ActiveSync,
				r.Forwarding, r.KeepCopy, r.Key}
		},
	}
}

// timelineTable lists the incident users' sign-ins, audit events and the
// objects incident checks attributed to the attacker, in time order.
func timelineTable(doc *checks.Document, snap *snapshot.Snapshot) table {
	notes := datasetNotes(snap, snapshot.DSSignIns, snapshot.DSDirectoryAudits)
	src := snap
	if src == nil {
		// Without a snapshot the timeline still shows what the results hold.
		src = snapshot.FromFiles(snapshot.Manifest{}, nil)
	}
	events := describe.Timeline(doc, src)
	if len(events) == 0 {
		notes = append(notes, "No event of the incident users in the window.")
	}
	return table{
		sheet: sheetTimeline,
		notes: notes,
		cols: []column{
			{header: "Time"}, {header: "User"}, {header: "Source"}, {header: "Event", wrap: true, width: 40},
			{header: "Detail", wrap: true, width: 60}, {header: "Actor"}, {header: "Attributed"}, {header: "Check ID"},
		},
		n: len(events),
		row: func(i int) []any {
			e := events[i]
			return []any{when(e.Time, ""), e.User, e.Source, e.Event, e.Detail, e.Actor, yes(e.Attributed), e.CheckID}
		},
	}
}

// recipientsTable lists who received the attacker's mail (the report
// model's list, the same as the PDF section and recipients-<user>.csv):
// one row per compromised account and recipient, outside the organisation
// first.
func recipientsTable(doc *checks.Document, snap *snapshot.Snapshot) table {
	type row struct {
		sender string
		r      checks.RecipientToWarn
	}
	var rows []row
	var notes []string
	mr := model.MailRecipients(doc, snap)
	switch {
	case mr == nil:
		notes = append(notes, "The mail check (IR-MAIL-001) did not run.")
	case len(mr.Senders) == 0 && model.NotEvaluated(mr.Status):
		notes = append(notes, "Not known: "+mr.Summary)
	case len(mr.Senders) == 0:
		notes = append(notes, "No mail in the message trace is attributed to the attacker. "+mr.Summary)
	default:
		all, ext := mr.Total()
		notes = append(notes, fmt.Sprintf("%s received the attacker's mail, %d outside the organisation: warn them (ask them to delete the message and report any reply, click or payment).",
			phrase.Plural(all, "person", "people"), ext))
		for _, s := range mr.Senders {
			for _, r := range s.Recipients {
				rows = append(rows, row{sender: s.Label, r: r})
			}
		}
	}
	return table{
		sheet: sheetRecipients,
		notes: notes,
		cols: []column{
			{header: "Recipient"}, {header: "Internal or external"}, {header: "Messages"},
			{header: "First"}, {header: "Last"}, {header: "Subjects", wrap: true, width: 60}, {header: "Sent from (compromised account)"},
		},
		n: len(rows),
		row: func(i int) []any {
			r := rows[i]
			where := "internal"
			if r.r.External {
				where = "external"
			}
			return []any{r.r.Address, where, r.r.Messages, when(&r.r.First, ""), when(&r.r.Last, ""), strings.Join(r.r.Subjects, "\n"), r.sender}
		},
	}
}
