package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEXOProto003(t *testing.T) {
	ds := snapshot.DSExoCASMailbox
	runExoCases(t, "EXO-PROTO-003", []exoCase{
		{name: "pop and imap on fail with which", files: map[string]string{ds: casRows}, want: StatusFail,
			affected: []string{exoEvilPS, "legacy@contoso.com"}, contains: []string{"1 with POP, 2 with IMAP"},
			details: []string{"POP and IMAP enabled", "IMAP enabled"}},
		{name: "all off passes", files: map[string]string{ds: `[
			{"Identity":"a","PrimarySmtpAddress":"a@contoso.com","PopEnabled":false,"ImapEnabled":"False"},
			{"Identity":"b","PrimarySmtpAddress":"b@contoso.com","PopEnabled":"False","ImapEnabled@odata.type":"#Boolean","ImapEnabled":false}]`},
			want: StatusPass, affected: []string{}},
		{name: "null never passes", files: map[string]string{ds: `[
			{"Identity":"a","PrimarySmtpAddress":"a@contoso.com","PopEnabled":false,"ImapEnabled":false},
			{"Identity":"b","PrimarySmtpAddress":"b@contoso.com","PopEnabled":false}]`},
			want: StatusUnknown, affected: []string{"b@contoso.com"}, details: []string{"IMAP setting not reported"}},
		{name: "forbidden is unknown", statuses: forbidden(ds), want: StatusUnknown},
	})
}
