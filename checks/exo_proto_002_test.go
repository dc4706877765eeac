package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEXOProto002(t *testing.T) {
	ds := snapshot.DSExoCASMailbox
	runExoCases(t, "EXO-PROTO-002", []exoCase{
		{name: "per-mailbox override fails, null inherits", files: map[string]string{ds: casRows}, want: StatusFail,
			affected: []string{exoEvilPS, "scanner@contoso.com"}, contains: []string{"2 of 4 mailboxes turn SMTP AUTH on for themselves"},
			details: []string{"SmtpClientAuthenticationDisabled = False"}},
		{name: "null and true pass", files: map[string]string{ds: `[
			{"Identity":"a","PrimarySmtpAddress":"a@contoso.com","SmtpClientAuthenticationDisabled":null},
			{"Identity":"b","PrimarySmtpAddress":"b@contoso.com","SmtpClientAuthenticationDisabled":"True"},
			{"Identity":"c","PrimarySmtpAddress":"c@contoso.com"}]`},
			want: StatusPass, affected: []string{}, contains: []string{"2 inherit", "1 disable"}},
		{name: "no mailboxes is not applicable", files: map[string]string{ds: `[]`}, want: StatusNotApplicable},
		{name: "forbidden is unknown", statuses: forbidden(ds), want: StatusUnknown},
		{name: "partial dataset cannot pass", files: map[string]string{ds: `[{"Identity":"a","SmtpClientAuthenticationDisabled":true}]`},
			statuses: map[string]snapshot.Status{ds: snapshot.StatusPartial}, want: StatusUnknown},
	})
}
