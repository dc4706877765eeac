package checks_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

func resultOf(t *testing.T, doc *checks.Document, id string) checks.Result {
	t.Helper()
	for _, r := range doc.Results {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no result %s", id)
	return checks.Result{}
}

func attributedNames(r checks.Result) []string {
	var out []string
	for _, a := range r.Affected {
		if a.Attributed {
			out = append(out, a.Name)
		}
	}
	sort.Strings(out)
	return out
}

// TestContosoMailBlastRadius: on the sample, each mail check names exactly
// the story's objects, and the recipients list is exactly the burst's
// recipients (the ordinary mail before and inside the window is not).
func TestContosoMailBlastRadius(t *testing.T) {
	doc := auditSample(t)
	r := resultOf(t, doc, checks.IDIRMail001)
	if r.Status != checks.StatusFail || len(r.Affected) != 3 {
		t.Fatalf("IR-MAIL-001: %s %d %s", r.Status, len(r.Affected), r.Summary)
	}
	// The burst's recipients, straight from the sample's trace.
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "contoso", "incidentMessageTrace.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []snapshot.MessageTrace
	if err := json.Unmarshal(raw, &rows); err != nil {
		t.Fatal(err)
	}
	burst := map[string]bool{}
	for _, row := range rows {
		if row.FromIP == "203.0.113.45" {
			burst[row.RecipientAddress] = true
		}
	}
	var want, got []string
	for a := range burst {
		want = append(want, a)
	}
	for _, w := range checks.RecipientsToWarn(r, "adele.vance@contoso.com") {
		got = append(got, w.Address)
	}
	sort.Strings(want)
	sort.Strings(got)
	if len(want) != 30 || !reflect.DeepEqual(got, want) {
		t.Fatalf("recipients to warn %v\nwant the burst's %v", got, want)
	}
	for _, not := range []string{"Weekly sales figures", "Did you get a strange email from me?", "Q4 pipeline review"} {
		for _, a := range r.Affected {
			if a.Message.Subject == not {
				t.Errorf("ordinary message %q flagged", not)
			}
		}
	}

	if got, want := attributedNames(resultOf(t, doc, checks.IDIRMail002)), []string{"Adele Vance <adele.vance@contoso.com>"}; !reflect.DeepEqual(got, want) {
		t.Errorf("IR-MAIL-002: %v", got)
	}
	inb := resultOf(t, doc, checks.IDIRInb002)
	if got, want := attributedNames(inb), []string{"Adele Vance <adele.vance@contoso.com>: rule “Mailbox maintenance”", "Adele Vance <adele.vance@contoso.com>: rule “ndr”"}; !reflect.DeepEqual(got, want) || len(inb.Affected) != 2 {
		t.Errorf("IR-INB-002 names %v (of %d)", got, len(inb.Affected))
	}
	for _, a := range inb.Affected {
		if a.InboxRule.Name == "ndr" && (a.RuleHistory.Created == nil || a.RuleHistory.Removed == nil || a.RuleHistory.Exists) {
			t.Errorf("the deleted rule shows both times and that it is gone: %+v", a.RuleHistory)
		}
		if a.InboxRule.Name == "Mailbox maintenance" && !a.RuleHistory.Hidden {
			t.Errorf("the hidden rule: %+v", a.RuleHistory)
		}
	}
	if r := resultOf(t, doc, checks.IDIRMbx003); r.Status != checks.StatusNotApplicable {
		t.Errorf("IR-MBX-003 without Audit Premium: %s %s", r.Status, r.Summary)
	}
}

// TestContosoAuditIngestionOff: the same tenant with unified audit
// ingestion off gives unknown for the checks that read the audit log.
func TestContosoAuditIngestionOff(t *testing.T) {
	base, err := m365audit.SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := m365audit.EditSnapshot(base, func(m *snapshot.Manifest, d m365audit.Datasets) error {
		d.Object(snapshot.DSExoAdminAuditLogConfig)["UnifiedAuditLogIngestionEnabled"] = false
		delete(d, snapshot.DSIncidentAuditLog)
		info := m.Datasets[snapshot.DSIncidentAuditLog]
		info.Status, info.File, info.Reason = snapshot.StatusNotFound, "", "unified audit log ingestion is turned off in this tenant (AuditingDisabledTenant)"
		m.Datasets[snapshot.DSIncidentAuditLog] = info
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	doc := checks.Run(snap, checks.RunOptions{ToolVersion: "test", GeneratedAt: goldenGeneratedAt, Incident: checks.IncidentFrom(snap.Manifest.CollectedAt, snap.Manifest.Incident)})
	for _, id := range []string{checks.IDIRInb002, checks.IDIRMbx003} {
		if r := resultOf(t, doc, id); r.Status != checks.StatusUnknown {
			t.Errorf("%s with audit ingestion off: %s %s", id, r.Status, r.Summary)
		}
	}
	if r := resultOf(t, doc, checks.IDIRMail001); r.Status != checks.StatusFail {
		t.Errorf("the message trace does not depend on the audit log: %s", r.Status)
	}
}
