package checks

import (
	"strings"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEXOAud004(t *testing.T) {
	ds := snapshot.DSExoMailboxAuditBypass
	runExoCases(t, "EXO-AUD-004", []exoCase{
		{name: "bypass fails, hostile names verbatim", files: map[string]string{ds: `[
			{"Identity":"svc-backup","Name":"svc-backup","AuditBypassEnabled":"True"},
			{"Identity":"x","Name":"` + exoEvilPS + `","AuditBypassEnabled@odata.type":"#Boolean","AuditBypassEnabled":true},
			{"Identity":"adele","Name":"adele","AuditBypassEnabled":false}]`},
			want: StatusFail, affected: []string{exoEvilPS, "svc-backup"}, contains: []string{"2 accounts bypass mailbox audit logging"}},
		{name: "none passes", files: map[string]string{ds: `[{"Identity":"adele","Name":"adele","AuditBypassEnabled":"False"}]`}, want: StatusPass},
		{name: "empty with no mailboxes passes", files: map[string]string{ds: `[]`, snapshot.DSExoMailbox: `[]`}, want: StatusPass},
		{name: "null is unknown", files: map[string]string{ds: `[{"Identity":"adele","Name":"adele"}]`}, want: StatusUnknown, affected: []string{"adele"}},
		{name: "forbidden is unknown", statuses: forbidden(ds), want: StatusUnknown},
	})
}

func TestAuditBypassEmptyWithMailboxesIsNotAPass(t *testing.T) {
	c := exoCheckByID(t, "EXO-AUD-004")
	s := testSnap(t, map[string]string{snapshot.DSExoMailboxAuditBypass: `[]`, snapshot.DSExoMailbox: `[{"UserPrincipalName":"a@contoso.com"}]`}, nil)
	if r := RunCheck(c, testCtx(t, s, nil)); r.Status != StatusUnknown {
		t.Fatalf("status = %s, want unknown (%s)", r.Status, r.Summary)
	}
	s = testSnap(t, map[string]string{snapshot.DSExoMailboxAuditBypass: `[]`, snapshot.DSExoMailbox: `[]`}, nil)
	if r := RunCheck(c, testCtx(t, s, nil)); r.Status != StatusPass {
		t.Fatalf("no mailboxes: status = %s, want pass (%s)", r.Status, r.Summary)
	}
	// Regression: exoMailbox not collected and an empty bypass list used to
	// pass ("0 associations checked"); the mailbox count is unknown.
	for _, st := range []map[string]snapshot.Status{nil, forbidden(snapshot.DSExoMailbox)} {
		s = testSnap(t, map[string]string{snapshot.DSExoMailboxAuditBypass: `[]`}, st)
		if r := RunCheck(c, testCtx(t, s, nil)); r.Status != StatusUnknown || !strings.Contains(r.Summary, "exoMailbox") {
			t.Fatalf("exoMailbox not collected: status = %s, want unknown naming exoMailbox (%s)", r.Status, r.Summary)
		}
	}
}

func exoCheckByID(t *testing.T, id string) Check {
	t.Helper()
	for _, c := range exoChecks() {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no check %s", id)
	return Check{}
}
