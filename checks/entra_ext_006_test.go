package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEntraEXT006(t *testing.T) {
	// testNow is 2026-11-20.
	sia := func(last string) string {
		return `"signInActivity":{"lastSignInDateTime":"` + last + `","lastNonInteractiveSignInDateTime":null,"lastSuccessfulSignInDateTime":null}`
	}
	member := entraUser("m1", "Member", "m@contoso.com", "Member", true, `"createdDateTime":"2020-01-01T00:00:00Z"`, sia("2026-11-19T00:00:00Z"))
	fresh := entraUser("g1", "Fresh Guest", "fresh_x.com#EXT#@contoso.onmicrosoft.com", "Guest", true,
		`"externalUserState":"Accepted","createdDateTime":"2026-01-01T00:00:00Z"`, sia("2026-11-01T00:00:00Z"))
	pendingOld := entraUser("g2", entraHostileXLSX, "old_x.com#EXT#@contoso.onmicrosoft.com", "Guest", true,
		`"externalUserState":"PendingAcceptance","externalUserStateChangeDateTime":"2026-09-01T00:00:00Z","createdDateTime":"2026-09-01T00:00:00Z"`)
	pendingNew := entraUser("g3", "New Invite", "new_x.com#EXT#@contoso.onmicrosoft.com", "Guest", true,
		`"externalUserState":"PendingAcceptance","externalUserStateChangeDateTime":"2026-11-10T00:00:00Z","createdDateTime":"2026-11-10T00:00:00Z"`)
	stale := entraUser("g4", "Stale Guest", "stale_x.com#EXT#@contoso.onmicrosoft.com", "Guest", true,
		`"externalUserState":"Accepted","createdDateTime":"2025-01-01T00:00:00Z"`, sia("2026-05-01T00:00:00Z"))
	never := entraUser("g5", "Never Guest", "never_x.com#EXT#@contoso.onmicrosoft.com", "Guest", true,
		`"externalUserState":"Accepted","createdDateTime":"2026-01-01T00:00:00Z"`, `"signInActivity":null`)
	disabled := entraUser("g6", "Disabled Guest", "dis_x.com#EXT#@contoso.onmicrosoft.com", "Guest", false,
		`"externalUserState":"PendingAcceptance","externalUserStateChangeDateTime":"2020-01-01T00:00:00Z"`)
	// A pending guest without dates in a snapshot without sign-in activity.
	pendingNoDate := entraUser("g7", "No Date", "nodate_x.com#EXT#@contoso.onmicrosoft.com", "Guest", true, `"externalUserState":"PendingAcceptance"`)
	// Guests without the signInActivity property: the collector fell back.
	noSIA := func(id, name string) string {
		return entraUser(id, name, id+"_x.com#EXT#@contoso.onmicrosoft.com", "Guest", true, `"externalUserState":"Accepted","createdDateTime":"2020-01-01T00:00:00Z"`)
	}
	u := func(items ...string) map[string]string {
		return map[string]string{snapshot.DSUsers: entraList(items...)}
	}
	runEntraCases(t, "ENTRA-EXT-006", []entraCase{
		{name: "pass", want: StatusPass, files: u(member, fresh, pendingNew, disabled), summary: []string{"Every enabled guest (2)"}},
		{name: "pass: no guests", want: StatusPass, files: u(member)},
		{name: "fail: pending, stale and never signed in", want: StatusFail, files: u(member, fresh, pendingOld, pendingNew, stale, never, disabled),
			summary: []string{"3 of 5 enabled guests need review", "1 pending acceptance for more than 30 days", "2 without a sign-in for 90 days"},
			affected: []string{
				entraHostileXLSX + "|invitation pending acceptance since 2026-09-01 (80 days)",
				"Never Guest|never signed in; created 2026-01-01",
				"Stale Guest|last sign-in 2026-05-01 (203 days ago)",
			}},
		{name: "sign-in not collected: pending still fails and says so", want: StatusFail, files: u(noSIA("a", "Alpha"), pendingOld),
			summary:  []string{"sign-in activity was not collected"},
			affected: []string{entraHostileXLSX + "|pending acceptance since 2026-09-01"}},
		{name: "sign-in not collected: never passes on staleness", want: StatusUnknown, files: u(noSIA("a", "Alpha"), noSIA("b", "Beta")),
			summary: []string{"sign-in activity was not collected"}},
		{name: "pending with unknown date is listed", want: StatusFail, files: u(noSIA("a", "Alpha"), pendingNoDate),
			affected: []string{"No Date|since an unknown date"}},
		{name: "unknown: forbidden", want: StatusUnknown, files: u(member), statuses: entraForbidden(snapshot.DSUsers)},
		{name: "partial cannot pass", want: StatusUnknown, files: u(member, fresh), statuses: entraPartial(snapshot.DSUsers)},
	})
}

// TestEntraEXT006OmittedSignIn: when the manifest lists signInActivity as
// omitted (the collector fell back without it), staleness is not judged
// even if some rows carry the property; a note's wording alone decides
// nothing.
func TestEntraEXT006OmittedSignIn(t *testing.T) {
	users := entraList(
		entraUser("g1", "Guest", "g_x.com#EXT#@contoso.onmicrosoft.com", "Guest", true,
			`"externalUserState":"Accepted","createdDateTime":"2020-01-01T00:00:00Z","signInActivity":{"lastSignInDateTime":"2026-11-01T00:00:00Z"}`),
	)
	for _, tc := range []struct {
		name string
		info snapshot.DatasetInfo
		want Status
	}{
		{"omitted", snapshot.DatasetInfo{Status: snapshot.StatusOK, File: "users.json", Omitted: []string{snapshot.PropSignInActivity}}, StatusUnknown},
		{"omitted with a note", snapshot.DatasetInfo{Status: snapshot.StatusOK, File: "users.json", Omitted: []string{snapshot.PropSignInActivity},
			Notes: []string{"=HYPERLINK(\"x\") '; Remove-MgUser"}}, StatusUnknown},
		{"note only", snapshot.DatasetInfo{Status: snapshot.StatusOK, File: "users.json", Notes: []string{"collected without signInActivity: Entra ID P1 required"}}, StatusPass},
		{"another property omitted", snapshot.DatasetInfo{Status: snapshot.StatusOK, File: "users.json", Omitted: []string{"assignedLicenses"}}, StatusPass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := snapshot.Manifest{SchemaVersion: snapshot.SchemaVersion, CollectedAt: testNow, Datasets: map[string]snapshot.DatasetInfo{snapshot.DSUsers: tc.info}}
			s := snapshot.FromFiles(m, map[string][]byte{snapshot.DSUsers: []byte(users)})
			r := RunCheck(entraCheck(t, "ENTRA-EXT-006"), testCtx(t, s, nil))
			if r.Status != tc.want {
				t.Fatalf("status = %s (%s), want %s", r.Status, r.Summary, tc.want)
			}
		})
	}
}
