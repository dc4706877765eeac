package model

import (
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/checks"
)

func TestPostureLine(t *testing.T) {
	at := time.Date(2026, 11, 17, 9, 2, 0, 0, time.UTC)
	legacy := func(upn, client string, ok int, mfa bool, first time.Time) checks.Affected {
		return checks.Affected{Kind: "signIn", ID: upn + "|" + client, Name: upn,
			SignIn: &checks.SignInEvidence{UPN: upn, Client: client, Succeeded: ok, MFA: mfa, First: first}}
	}
	const sd = "Security defaults are enabled; they block legacy authentication for all users. Configured, but it did not hold: the collected sign-in log shows 10 successful legacy-protocol sign-ins. Protocols should still be turned off."
	tests := []struct {
		name    string
		r       checks.Result
		want    string
		wantNot string
	}{
		{"fail on sign-in evidence shows the evidence",
			checks.Result{Status: checks.StatusFail, Summary: sd, Affected: []checks.Affected{
				legacy("adele.vance@contoso.com", "IMAP4", 3, false, at.Add(time.Hour)),
				legacy("scanner@contoso.com", "Authenticated SMTP", 4, false, at),
				legacy("adele.vance@contoso.com", "Authenticated SMTP", 3, false, at.Add(2*time.Hour)),
			}},
			"Security defaults are enabled; they block legacy authentication for all users. It did not hold: the sign-in log shows 10 successful single-factor sign-ins over Authenticated SMTP and IMAP4 by adele.vance@contoso.com and scanner@contoso.com, first 2026-11-17 09:02 UTC.",
			""},
		{"a group that passed MFA is not called single-factor",
			checks.Result{Status: checks.StatusFail, Summary: "Configured. More.", Affected: []checks.Affected{
				legacy("a@x", "Browser", 1, true, at), legacy("b@x", "Browser", 1, false, at)}},
			"Configured. It did not hold: the sign-in log shows 2 successful sign-ins over Browser by a@x and b@x, first 2026-11-17 09:02 UTC.",
			""},
		{"failed sign-ins only are not evidence that it did not hold",
			checks.Result{Status: checks.StatusFail, Summary: "Not configured. More.", Affected: []checks.Affected{legacy("a@x", "IMAP4", 0, false, at)}},
			"Not configured.", ""},
		{"a fail without sign-in evidence keeps its first sentence",
			checks.Result{Status: checks.StatusFail, Summary: "No policy blocks it. Details.", Affected: []checks.Affected{{Kind: "policy", ID: "p"}}},
			"No policy blocks it.", ""},
		{"hostile names stay data",
			checks.Result{Status: checks.StatusFail, Summary: "Configured. More.", Affected: []checks.Affected{
				legacy("=HYPERLINK(\"http://x\")'; Remove-MgUser", "<script>", 1, false, at)}},
			"Configured. It did not hold: the sign-in log shows 1 successful single-factor sign-in over <script> by =HYPERLINK(\"http://x\")'; Remove-MgUser, first 2026-11-17 09:02 UTC.",
			""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := postureLine(tc.r); got != tc.want {
				t.Errorf("postureLine:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestContosoPostureShowsEvidence: in the sample incident ENTRA-CA-001 and
// ENTRA-MFA-001 fail on sign-in evidence; their gap lines must say so
// rather than read like the configuration that passes.
func TestContosoPostureShowsEvidence(t *testing.T) {
	doc, snap := contoso(t)
	rep, err := Build(doc, snap, Options{Fixes: testFixes()})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		checks.IDEntraCA001:  "It did not hold: the sign-in log shows 10 successful single-factor sign-ins",
		checks.IDEntraMFA001: "It did not hold: the sign-in log shows 12 successful single-factor sign-ins",
	}
	for _, g := range rep.Incident.Posture {
		if w, ok := want[g.ID]; ok {
			if !strings.Contains(g.Line, w) {
				t.Errorf("%s gap line %q lacks %q", g.ID, g.Line, w)
			}
			delete(want, g.ID)
		}
	}
	for id := range want {
		t.Errorf("%s is not among the gaps", id)
	}
}
