package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

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
