package checks

import (
	"strings"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// TestResolveConfig resolves configurations against the Contoso sample (and
// the sample with a dataset not collected): what resolves, what is one
// error naming file:line of every entry that matches nothing, and what is
// only unverified.
func TestResolveConfig(t *testing.T) {
	m, files := sampleFiles(t)
	full := snapshot.FromFiles(m, files)
	noUsers := without(m, files, snapshot.DSUsers)
	noCAS := without(m, files, snapshot.DSExoCASMailbox)
	const (
		adminID = "5c44c1da-077e-43bd-8347-85b1be46b7d7"
		adeleID = "477cc17f-1d98-48e0-9895-619b666be1f8"
		ghostID = "0badc0de-0000-4000-8000-000000000001"
		groupID = "7A1E0000-0000-4000-8000-0000000000B6"
		future  = "2099-01-31"
	)
	acc := func(check, objects string) string {
		return "accept:\n  - {check: " + check + ", objects: [" + objects + "], reason: r, owner: o, expires: " + future + "}\n"
	}
	inc := IncidentFrom(m.CollectedAt, m.Incident)
	tests := []struct {
		name       string
		yaml       string
		snap       *snapshot.Snapshot
		incident   bool
		bgUsers    []string // resolved break-glass user ids
		bgGroups   []string
		excluded   [][2]string // check, user id approved
		errs       []string    // each must appear in the one error
		errCount   int
		unverified []string
	}{
		{name: "break-glass UPN and id resolve to object ids", snap: full,
			yaml:    "breakGlass:\n  users: [ADMIN@contoso.onmicrosoft.com, " + adeleID + "]\n  groups: [" + groupID + "]\n",
			bgUsers: []string{adeleID, adminID}, bgGroups: []string{strings.ToLower(groupID)}},
		{name: "break-glass UPN not in the tenant", snap: full, errCount: 1,
			yaml: "breakGlass:\n  users: [admin@contoso.onmicrosoft.com,\n    nobody@contoso.com]\n",
			errs: []string{`cfg.yaml:3: breakGlass.users[1]: "nobody@contoso.com" matches no user of the tenant (25 users collected); give the object id or UPN of an existing user`}},
		{name: "break-glass object id not in the tenant", snap: full, errCount: 1,
			yaml: "breakGlass:\n  users: [" + ghostID + "]\n",
			errs: []string{`cfg.yaml:2: breakGlass.users[0]: "` + ghostID + `" matches no user`}},
		{name: "break-glass group given by name", snap: full, errCount: 1,
			yaml: "breakGlass:\n  groups: [Break Glass Group]\n",
			errs: []string{`cfg.yaml:2: breakGlass.groups[0]: "Break Glass Group" is not a group object id`}},
		{name: "users not collected: an object id is unverified, a UPN an error", snap: noUsers, errCount: 1,
			yaml:       "breakGlass:\n  users: [" + adminID + ", admin@contoso.onmicrosoft.com]\n",
			bgUsers:    []string{adminID, "admin@contoso.onmicrosoft.com"},
			errs:       []string{`cfg.yaml:2: breakGlass.users[1]: "admin@contoso.onmicrosoft.com" cannot be resolved to a user: the users dataset was not collected`},
			unverified: []string{"cfg.yaml:2: breakGlass.users[0]: user " + adminID + " was not checked against the tenant: the users dataset was not collected"}},
		{name: "hostile entries are quoted, never raw", snap: full, errCount: 2,
			yaml: "breakGlass:\n  users: [\"'; Remove-MgUser -UserId x; '\", \"adm\u200fin@contoso.com\"]\n",
			errs: []string{`breakGlass.users[0]: "'; Remove-MgUser -UserId x; '" matches no user`, `breakGlass.users[1]: "adm\u200fin@contoso.com" matches no user`}},
		{name: "approved exclusion by UPN resolves for its check only", snap: full,
			yaml:     "exclusions:\n  ENTRA-MFA-001: {users: [adele.vance@contoso.com]}\n",
			excluded: [][2]string{{"ENTRA-MFA-001", adeleID}, {"entra-mfa-001", strings.ToUpper(adeleID)}}},
		{name: "approved exclusion of a user the tenant does not have", snap: full, errCount: 2,
			yaml: "exclusions:\n  ENTRA-MFA-001:\n    users: [ghost@contoso.com]\n    groups: [sales]\n",
			errs: []string{`cfg.yaml:3: exclusions.ENTRA-MFA-001.users[0]: "ghost@contoso.com" matches no user`,
				`cfg.yaml:4: exclusions.ENTRA-MFA-001.groups[0]: "sales" is not a group object id`}},
		{name: "incident user the tenant does not have", snap: full, errCount: 1,
			yaml: "incident: {users: [adel.vance@contoso.com], start: 2026-11-16T00:00:00Z}\n",
			errs: []string{`cfg.yaml:1: incident.users[0]: "adel.vance@contoso.com" matches no user`}},
		{name: "accepted object found in the check's data though the check does not report it", snap: full,
			yaml: acc("EXO-PROTO-003", "scanner@contoso.com, Scan to Email, info@contoso.com")},
		{name: "accepted object the check reports but no dataset names (sign-in source, method)", snap: full,
			yaml: acc("ENTRA-CA-001", "'"+adeleID+"|Authenticated SMTP|203.0.113.45'") + "  - {check: ENTRA-MFA-005, objects: [Sms], reason: r, owner: o, expires: " + future + "}\n"},
		{name: "accepted object that matches nothing", snap: full, errCount: 1,
			yaml: acc("EXO-PROTO-003", "scanner@contoso.com, scaner@contoso.com"),
			errs: []string{`cfg.yaml:2: accept[0].objects[1]: EXO-PROTO-003 object "scaner@contoso.com" matches nothing the check reports and no object of its data (exoCasMailbox, users)`}},
		{name: "an expired acceptance is checked too", snap: full, errCount: 1,
			yaml: "accept:\n  - {check: EXO-PROTO-003, objects: [nobody], reason: r, owner: o, expires: 2020-01-01}\n",
			errs: []string{`accept[0].objects[0]: EXO-PROTO-003 object "nobody" matches nothing`}},
		{name: "acceptance whose check's data was not collected is unverified", snap: noCAS,
			yaml:       acc("EXO-PROTO-003", "scaner@contoso.com"),
			unverified: []string{`cfg.yaml:2: accept[0].objects[0]: EXO-PROTO-003 object "scaner@contoso.com" was not checked against the tenant: not found, and dataset exoCasMailbox was not collected whole`}},
		{name: "acceptance of an incident check without an incident is unverified", snap: full,
			yaml:       acc("IR-INB-002", "no-such-rule"),
			unverified: []string{`accept[0].objects[0]: IR-INB-002 object "no-such-rule" was not checked against the tenant: not found in the data the check reads, and the check runs only with an incident`}},
		{name: "acceptance of an incident check with the incident is checked", snap: full, incident: true, errCount: 1,
			yaml: acc("IR-INB-002", "no-such-rule"),
			errs: []string{`IR-INB-002 object "no-such-rule" matches nothing the check reports`}},
		{name: "acceptance of an incident object the check reports", snap: full, incident: true,
			yaml: acc("IR-INB-002", "11774201209002950657")},
		{name: "whole-result acceptance names no object", snap: full,
			yaml: "accept:\n  - {check: EXO-PROTO-003, reason: r, owner: o, expires: " + future + "}\n"},
		{name: "every problem in one error, in file order", snap: full, errCount: 3,
			yaml: acc("EXO-PROTO-003", "ghost") + "breakGlass:\n  users: [ghost@contoso.com]\nexclusions:\n  ENTRA-CA-002: {users: [ghost2@contoso.com]}\n",
			errs: []string{"config cfg.yaml: 3 problem(s) against the snapshot:\n  cfg.yaml:2: accept[0].objects[0]", "\n  cfg.yaml:4: breakGlass.users[0]", "\n  cfg.yaml:6: exclusions.ENTRA-CA-002.users[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tt.yaml), "cfg.yaml")
			if err != nil {
				t.Fatal(err)
			}
			var in *IncidentInfo
			if tt.incident {
				in = inc
			}
			r, err := ResolveConfig(cfg, tt.snap, in)
			if r == nil {
				t.Fatal("no resolution returned")
			}
			if tt.errCount == 0 && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.errCount > 0 {
				if err == nil {
					t.Fatalf("no error, want %d problem(s)", tt.errCount)
				}
				if got := strings.Count(err.Error(), "\n  cfg.yaml:") + strings.Count(err.Error(), "\n  accept[") + strings.Count(err.Error(), "\n  breakGlass"); got != tt.errCount {
					t.Errorf("%d problems listed, want %d:\n%v", got, tt.errCount, err)
				}
			}
			for _, want := range tt.errs {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
			if err != nil && (strings.Contains(err.Error(), "checks.") || strings.ContainsRune(err.Error(), '\u200f')) {
				t.Errorf("error names Go types or carries a raw direction mark: %v", err)
			}
			if tt.bgUsers != nil && strings.Join(r.BreakGlassUserIDs(), ",") != strings.Join(tt.bgUsers, ",") {
				t.Errorf("break-glass users %v, want %v", r.BreakGlassUserIDs(), tt.bgUsers)
			}
			if tt.bgGroups != nil && strings.Join(r.BreakGlassGroupIDs(), ",") != strings.Join(tt.bgGroups, ",") {
				t.Errorf("break-glass groups %v, want %v", r.BreakGlassGroupIDs(), tt.bgGroups)
			}
			for _, bg := range tt.bgUsers {
				if !r.IsBreakGlassUser(strings.ToUpper(bg)) || !r.ApprovedUser("ENTRA-MFA-001", bg) || r.ExcludedUser("ENTRA-MFA-003", bg) {
					t.Errorf("%s: break-glass user not applied as approved (and only as approved)", bg)
				}
			}
			for _, ex := range tt.excluded {
				if !r.ExcludedUser(ex[0], ex[1]) || !r.ApprovedUser(ex[0], ex[1]) || r.ApprovedUser("ENTRA-CA-002", ex[1]) || r.IsBreakGlassUser(ex[1]) {
					t.Errorf("%v: exclusion not applied to its check only", ex)
				}
			}
			if strings.Join(r.Unverified, "\n") != strings.Join(tt.unverified, "\n") {
				for _, u := range tt.unverified {
					if !containsSubstring(r.Unverified, u) {
						t.Errorf("unverified %q missing from %q", u, r.Unverified)
					}
				}
				if len(r.Unverified) != len(tt.unverified) {
					t.Errorf("unverified %q, want %d entries", r.Unverified, len(tt.unverified))
				}
			}
		})
	}
}

func containsSubstring(list []string, s string) bool {
	for _, v := range list {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

// TestResolvedNil: no configuration approves nothing and declares no
// break-glass account.
func TestResolvedNil(t *testing.T) {
	var r *Resolved
	if r.BreakGlassDeclared() || r.IsBreakGlassUser("x") || r.ApprovedGroup("ENTRA-MFA-001", "g") || r.ExcludedUser("ENTRA-MFA-003", "u") ||
		len(r.BreakGlassUserIDs()) != 0 || len(r.Config().Accept) != 0 {
		t.Error("a nil resolution approves something")
	}
	empty, err := ResolveConfig(nil, nil, nil)
	if err != nil || empty.BreakGlassDeclared() {
		t.Errorf("empty config: %v", err)
	}
}
