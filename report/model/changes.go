package model

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/diff"
)

// Changes is what changed since the baseline audit (audit --baseline), as
// the "Since the last report" section and the Changes sheet show it. It is
// nil without a baseline.
type Changes struct {
	// Diff is the comparison itself (the "changes" of results.json).
	Diff *diff.Document
	// From and To are the two audits' collection times and scores;
	// ScoreDelta is the signed change ("+4.5").
	From, To   diff.Side
	ScoreDelta string
	// Comparable is the like-for-like score (the checks both audits
	// evaluated) when the two audits evaluated different sets of checks,
	// and ComparableText says it for the reader, with where the rest of
	// the headline change comes from. Both are empty when the sets are the
	// same: the headline change is then already like for like.
	Comparable     *diff.Comparable
	ComparableText string
	// NotRunNote says that incident checks ran in one audit only ("" when
	// none did, or when ComparableText already accounts for them).
	NotRunNote string
	// Fixed holds fixed and improved checks, Regressed regressed and
	// worsened ones, NotRunNoIncident the incident checks that ran in one
	// of the two audits only (the other had no incident), Other the
	// remaining check changes.
	Fixed, Regressed, NotRunNoIncident, Other []CheckLine
	// New risks among the object changes.
	NewRoleHolders, NewGuests, NewApps, NewConsents, PolicyChanges []ObjectLine
	// ObjectsCompared is false when the baseline was a results document
	// without its snapshot; Note then says that only verdicts were
	// compared.
	ObjectsCompared bool
	Note            string
	// Rows are the workbook's Changes sheet: one per check change and per
	// object change.
	Rows []ChangeRow
}

// CheckLine is one check change, worded for the reader.
type CheckLine struct {
	ID, Title string
	Severity  checks.Severity
	From, To  checks.Status
	Change    diff.Kind
	// Because says which object changes explain it ("" when none do).
	Because string
}

// ObjectLine is one object change, worded for the reader.
type ObjectLine struct {
	// What names the kind of object ("Conditional Access policy").
	What, Name, Detail string
	Change             diff.ObjectKind
	// Fields lists the changed fields with old and new values.
	Fields string
}

// ChangeRow is one row of the Changes sheet.
type ChangeRow struct {
	// Kind is "check", "object" or "dataset".
	Kind, Change, ID, Name, Severity, From, To, Detail string
}

// datasetWhat names objects of a dataset for readers.
var datasetWhat = map[string]string{
	snapshot.DSUsers:                          "User",
	snapshot.DSRoleAssignments:                "Role assignment",
	snapshot.DSServicePrincipals:              "Enterprise application",
	snapshot.DSApplications:                   "App registration",
	snapshot.DSOAuth2PermissionGrants:         "Delegated permission grant",
	snapshot.DSConditionalAccessPolicies:      "Conditional Access policy",
	snapshot.DSNamedLocations:                 "Named location",
	snapshot.DSAuthenticationStrengths:        "Authentication strength",
	snapshot.DSAuthorizationPolicy:            "Authorization policy",
	snapshot.DSAuthenticationMethodsPolicy:    "Authentication methods policy",
	snapshot.DSAdminConsentRequestPolicy:      "Admin consent workflow",
	snapshot.DSSecurityDefaults:               "Security defaults",
	snapshot.DSCrossTenantAccessPolicyDefault: "Cross-tenant access default",
	snapshot.DSDomains:                        "Domain",
	snapshot.DSExoOrganizationConfig:          "Exchange organization settings",
	snapshot.DSExoTransportConfig:             "Exchange transport settings",
	snapshot.DSExoAdminAuditLogConfig:         "Exchange audit log settings",
	snapshot.DSExoCASMailboxPlan:              "Mailbox plan",
	snapshot.DSExoRemoteDomain:                "Remote domain",
	snapshot.DSExoOutboundSpamPolicy:          "Outbound spam policy",
	snapshot.DSExoOutboundSpamRule:            "Outbound spam rule",
	snapshot.DSExoTransportRule:               "Transport rule",
	snapshot.DSExoCASMailbox:                  "Mailbox protocols",
	snapshot.DSExoMailbox:                     "Mailbox",
}

// What names the objects of a dataset for readers (the dataset id when it
// has no name).
func What(dataset string) string {
	if w, ok := datasetWhat[dataset]; ok {
		return w
	}
	return dataset
}

// ChangesOf decodes the document's changes (nil without a baseline).
func ChangesOf(doc *checks.Document) (*Changes, error) {
	if doc == nil || len(doc.Changes) == 0 || string(doc.Changes) == "null" {
		return nil, nil
	}
	var d diff.Document
	if err := json.Unmarshal(doc.Changes, &d); err != nil {
		return nil, fmt.Errorf("report model: changes since the baseline: %w", err)
	}
	return NewChanges(&d), nil
}

// NewChanges words a diff document for the reports.
func NewChanges(d *diff.Document) *Changes {
	if d == nil {
		return nil
	}
	h := d.Highlights()
	c := &Changes{Diff: d, From: d.From, To: d.To, ScoreDelta: diff.Delta(d.To.Score - d.From.Score),
		ObjectsCompared: d.ObjectsCompared, Note: d.Note}
	if d.Comparable.Differs() {
		c.Comparable, c.ComparableText = d.Comparable, d.ComparableText("→")
	}
	for _, x := range h.Fixed {
		c.Fixed = append(c.Fixed, checkLine(x))
	}
	for _, x := range h.Regressed {
		c.Regressed = append(c.Regressed, checkLine(x))
	}
	for _, x := range h.Other {
		if x.FromNotRun == checks.NotRunNoIncident || x.ToNotRun == checks.NotRunNoIncident {
			c.NotRunNoIncident = append(c.NotRunNoIncident, checkLine(x))
			continue
		}
		c.Other = append(c.Other, checkLine(x))
	}
	if n := len(c.NotRunNoIncident); n > 0 && c.ComparableText == "" {
		c.NotRunNote = fmt.Sprintf("%d incident check(s) ran in only one of the two audits, because the other had no incident: a change of coverage, not of the tenant.", n)
	}
	for _, set := range []struct {
		in  []diff.ObjectChange
		out *[]ObjectLine
	}{{h.NewRoleHolders, &c.NewRoleHolders}, {h.NewGuests, &c.NewGuests}, {h.NewApps, &c.NewApps}, {h.NewConsents, &c.NewConsents}, {h.PolicyChanges, &c.PolicyChanges}} {
		for _, o := range set.in {
			*set.out = append(*set.out, objectLine(o))
		}
	}
	for _, x := range d.Checks {
		l := checkLine(x)
		detail := l.Because
		if a := affected(x); a != "" {
			detail = strings.TrimSpace(a + "\n" + detail)
		}
		if n := notRunDetail(x); n != "" {
			detail = strings.TrimSpace(n + "\n" + detail)
		}
		c.Rows = append(c.Rows, ChangeRow{Kind: "check", Change: string(x.Change), ID: x.ID, Name: x.Title, Severity: string(x.Severity),
			From: sideStatus(x.From, x.FromNotRun), To: sideStatus(x.To, x.ToNotRun), Detail: detail})
	}
	for _, o := range d.Objects {
		l := objectLine(o)
		name := l.Name
		if l.Detail != "" {
			name += " (" + l.Detail + ")"
		}
		c.Rows = append(c.Rows, ChangeRow{Kind: "object", Change: string(o.Change), ID: o.ID, Name: name, From: "", To: "",
			Detail: strings.TrimSpace(l.What + ": " + l.Fields)})
	}
	for _, ds := range d.Datasets {
		c.Rows = append(c.Rows, ChangeRow{Kind: "dataset", Change: "coverage", ID: ds.Dataset, Name: What(ds.Dataset), From: string(ds.From), To: string(ds.To),
			Detail: strings.TrimSpace(ds.FromReason + " " + ds.ToReason)})
	}
	return c
}

// Empty reports whether nothing changed.
func (c *Changes) Empty() bool { return c == nil || c.Diff.Empty() }

// NewRisks counts the new risks listed.
func (c *Changes) NewRisks() int {
	return len(c.NewRoleHolders) + len(c.NewGuests) + len(c.NewApps) + len(c.NewConsents) + len(c.PolicyChanges)
}

// sideStatus is a status in the Changes sheet; a side whose audit did not
// run the check says so and why.
func sideStatus(s checks.Status, notRun checks.NotRunReason) string {
	if s == "" && notRun != "" {
		return diff.SideStatus(s, notRun)
	}
	return string(s)
}

// notRunDetail says why a side did not run the check ("" when both did).
func notRunDetail(x diff.CheckChange) string {
	switch {
	case x.ToNotRun == checks.NotRunNoIncident:
		return "Not run this time: this audit has no incident, and incident checks run only for one."
	case x.FromNotRun == checks.NotRunNoIncident:
		return "Not run last time: that audit had no incident, and incident checks run only for one."
	case x.ToNotRun != "":
		return "Not run this time."
	case x.FromNotRun != "":
		return "Not run last time."
	}
	return ""
}

func checkLine(x diff.CheckChange) CheckLine {
	return CheckLine{ID: x.ID, Title: x.Title, Severity: x.Severity, From: x.From, To: x.To, Change: x.Change, Because: changeBecause(x)}
}

func changeBecause(x diff.CheckChange) string {
	var parts []string
	for _, r := range x.Because {
		switch {
		case r.Coverage != "":
			parts = append(parts, fmt.Sprintf("%s: collection %s", What(r.Dataset), r.Coverage))
		case len(r.Fields) > 0:
			parts = append(parts, fmt.Sprintf("%s %s %s (%s)", What(r.Dataset), r.Name, r.Change, strings.Join(r.Fields, ", ")))
		default:
			parts = append(parts, fmt.Sprintf("%s %s %s", What(r.Dataset), r.Name, r.Change))
		}
	}
	if x.BecauseMore > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", x.BecauseMore))
	}
	return strings.Join(parts, "; ")
}

func affected(x diff.CheckChange) string {
	var parts []string
	if n := len(x.AffectedAdded); n > 0 {
		parts = append(parts, "now also: "+strings.Join(x.AffectedAdded, ", "))
	}
	if n := len(x.AffectedRemoved); n > 0 {
		parts = append(parts, "no longer: "+strings.Join(x.AffectedRemoved, ", "))
	}
	return strings.Join(parts, "; ")
}

func objectLine(o diff.ObjectChange) ObjectLine {
	return ObjectLine{What: What(o.Dataset), Name: o.Name, Detail: o.Detail, Change: o.Change, Fields: diff.FieldSummary(o.Fields, 80)}
}
