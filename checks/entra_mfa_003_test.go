package checks

import (
	"fmt"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEntraMFA003(t *testing.T) {
	users := entraList(
		entraUser("u1", "Adele Vance", "adele@contoso.com", "Member", true),
		entraUser("u2", entraHostilePS, "bob@contoso.com", "Member", true),
		entraUser("u3", "Carol", "carol@contoso.com", "Member", false), // disabled: ignored
		entraUser("u4", "Guest Gail", "gail_x.com#EXT#@contoso.onmicrosoft.com", "Guest", true),
		entraUser("bg", "Break Glass", "bg@contoso.onmicrosoft.com", "Member", true),
		entraUser("u5", entraHostileXLSX, "dan@contoso.com", "Member", true),
	)
	allGood := entraList(
		entraReg("u1", "adele@contoso.com", true, "microsoftAuthenticatorPush"),
		entraReg("u2", "bob@contoso.com", true, "fido2SecurityKey", "mobilePhone"),
		entraReg("bg", "bg@contoso.onmicrosoft.com", true, "fido2SecurityKey"),
		entraReg("u5", "dan@contoso.com", true, "softwareOneTimePasscode"),
	)
	bgCfg := &Config{BreakGlass: Principals{Users: []string{"BG@contoso.onmicrosoft.com"}}}
	runEntraCases(t, "ENTRA-MFA-003", []entraCase{
		{name: "pass", want: StatusPass, cfg: bgCfg,
			files:   map[string]string{snapshot.DSUsers: users, snapshot.DSUserRegistrationDetails: allGood},
			summary: []string{"Every enabled member (4) is MFA capable"}, affected: []string{}},
		{name: "approved exclusion left out", want: StatusPass, cfg: &Config{Exclusions: map[string]Principals{"ENTRA-MFA-003": {Users: []string{"BG@contoso.onmicrosoft.com"}}}},
			files: map[string]string{snapshot.DSUsers: users, snapshot.DSUserRegistrationDetails: entraList(
				entraReg("u1", "adele@contoso.com", true, "microsoftAuthenticatorPush"),
				entraReg("u2", "bob@contoso.com", true, "fido2SecurityKey"),
				entraReg("bg", "bg@contoso.onmicrosoft.com", false),
				entraReg("u5", "dan@contoso.com", true, "softwareOneTimePasscode"))},
			summary: []string{"Every enabled member (3) is MFA capable", "1 approved account excluded"}, affected: []string{}},
		// A break-glass account is not silenced: an emergency account
		// needs a strong method too.
		{name: "break-glass account without a method fails", want: StatusFail, cfg: bgCfg,
			files: map[string]string{snapshot.DSUsers: users, snapshot.DSUserRegistrationDetails: entraList(
				entraReg("u1", "adele@contoso.com", true, "microsoftAuthenticatorPush"),
				entraReg("u2", "bob@contoso.com", true, "fido2SecurityKey"),
				entraReg("bg", "bg@contoso.onmicrosoft.com", false),
				entraReg("u5", "dan@contoso.com", true, "softwareOneTimePasscode"))},
			summary: []string{"1 of 4 enabled members is not MFA capable: Break Glass"}, affected: []string{"Break Glass|not MFA capable; methods: none"}},
		{name: "fail lists incapable, hostile names verbatim", want: StatusFail,
			files: map[string]string{snapshot.DSUsers: users, snapshot.DSUserRegistrationDetails: entraList(
				entraReg("u1", "adele@contoso.com", true, "mobilePhone"),
				entraReg("u2", "bob@contoso.com", false),
				entraReg("bg", "bg@contoso.onmicrosoft.com", false),
				entraReg("u5", "dan@contoso.com", false, "email"),
			)},
			summary: []string{"3 of 4 enabled members are not MFA capable", entraHostilePS, "1 member has only phone or email methods"},
			affected: []string{
				entraHostilePS + "|not MFA capable; methods: none",
				entraHostileXLSX + "|not MFA capable; methods: email",
				"Adele Vance|only weak methods: mobilePhone",
				"Break Glass|not MFA capable",
			}},
		{name: "approved exclusion by UPN", want: StatusPass,
			cfg: &Config{BreakGlass: Principals{Users: []string{"bg"}}, Exclusions: map[string]Principals{"ENTRA-MFA-003": {Users: []string{"DAN@contoso.com"}}}},
			files: map[string]string{snapshot.DSUsers: users, snapshot.DSUserRegistrationDetails: entraList(
				entraReg("u1", "adele@contoso.com", true, "microsoftAuthenticatorPush"),
				entraReg("u2", "bob@contoso.com", true, "fido2SecurityKey"),
				entraReg("bg", "bg@contoso.onmicrosoft.com", true, "fido2SecurityKey"),
			)},
			summary: []string{"Every enabled member (3)", "1 approved account excluded"}},
		{name: "member missing from report never passes", want: StatusWarn, cfg: bgCfg,
			files: map[string]string{snapshot.DSUsers: users, snapshot.DSUserRegistrationDetails: entraList(
				entraReg("u1", "adele@contoso.com", true, "microsoftAuthenticatorPush"),
				entraReg("u2", "bob@contoso.com", true, "fido2SecurityKey"),
				entraReg("bg", "bg@contoso.onmicrosoft.com", true, "fido2SecurityKey"),
			)},
			summary:  []string{"1 member is not in the registration report"},
			affected: []string{entraHostileXLSX + "|not in the registration report"}},
		{name: "unknown: registration report forbidden", want: StatusUnknown,
			files:    map[string]string{snapshot.DSUsers: users, snapshot.DSUserRegistrationDetails: allGood},
			statuses: entraForbidden(snapshot.DSUserRegistrationDetails),
			summary:  []string{"userRegistrationDetails", "forbidden"}},
		{name: "unknown: users forbidden", want: StatusUnknown,
			files:    map[string]string{snapshot.DSUsers: users, snapshot.DSUserRegistrationDetails: allGood},
			statuses: entraForbidden(snapshot.DSUsers)},
		{name: "partial report cannot pass", want: StatusUnknown, cfg: bgCfg,
			files:    map[string]string{snapshot.DSUsers: users, snapshot.DSUserRegistrationDetails: allGood},
			statuses: entraPartial(snapshot.DSUserRegistrationDetails),
			summary:  []string{"partly collected"}},
	})
}

// BenchmarkEntraMFA003 measures the user/registration join on a large
// tenant (20,000 members).
func BenchmarkEntraMFA003(b *testing.B) {
	var users, regs []string
	for i := 0; i < 20000; i++ {
		id := fmt.Sprintf("u%05d", i)
		users = append(users, entraUser(id, "User "+id, id+"@contoso.com", "Member", true))
		regs = append(regs, entraReg(id, id+"@contoso.com", i%7 != 0, "microsoftAuthenticatorPush"))
	}
	files := map[string]string{snapshot.DSUsers: entraList(users...), snapshot.DSUserRegistrationDetails: entraList(regs...)}
	var c Check
	for _, x := range entraChecks() {
		if x.ID == "ENTRA-MFA-003" {
			c = x
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		s := testSnap(b, files, nil) // fresh snapshot: decoding is part of the cost
		r := RunCheck(c, testCtx(b, s, nil))
		if r.Status != StatusFail {
			b.Fatalf("status %s", r.Status)
		}
	}
}
