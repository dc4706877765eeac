package checks

import (
	"strings"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestIncidentSyncedUserNeedsManualConfirmation(t *testing.T) {
	files := map[string]string{snapshot.DSUsers: `[{"id":"` + irAdele + `","userPrincipalName":"adele.vance@contoso.com","onPremisesSyncEnabled":true,"lastPasswordChangeDateTime":"2026-11-19T10:00:00Z","signInSessionsValidFromDateTime":"2026-11-19T10:00:01Z"}]`}
	if r := RunCheck(irCheck(t, "IR-USR-002"), irTestCtx(t, files, nil)); r.Status != StatusManual {
		t.Fatalf("status = %s, want manual (%s)", r.Status, r.Summary)
	}
}

func TestIncidentUnresolvedUserIsNotAPass(t *testing.T) {
	files := map[string]string{snapshot.DSUsers: `[]`}
	r := RunCheck(irCheck(t, "IR-USR-002"), irTestCtx(t, files, nil))
	if r.Status == StatusPass {
		t.Fatalf("an incident user missing from the directory must not pass: %s", r.Summary)
	}
	if !strings.Contains(r.Summary, "Adele.Vance@contoso.com") {
		t.Errorf("summary should name the missing user: %s", r.Summary)
	}
}
