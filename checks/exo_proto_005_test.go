package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEXOProto005(t *testing.T) {
	ds := snapshot.DSExoCASMailboxPlan
	runExoCases(t, "EXO-PROTO-005", []exoCase{
		{name: "plan with pop on fails", files: map[string]string{ds: `[
			{"Identity":"ExchangeOnlineEnterprise-6f6c2a1e","Name":"ExchangeOnlineEnterprise-6f6c2a1e","DisplayName":"ExchangeOnlineEnterprise","PopEnabled":"True","ImapEnabled":"False"},
			{"Identity":"ExchangeOnlineDeskless-1b2c","DisplayName":"ExchangeOnlineDeskless","PopEnabled":false,"ImapEnabled":false}]`},
			want: StatusFail, affected: []string{"ExchangeOnlineEnterprise"}, details: []string{"POP enabled for new mailboxes"}},
		{name: "all plans off pass", files: map[string]string{ds: `[
			{"Identity":"ExchangeOnline-1","DisplayName":"ExchangeOnline","PopEnabled":false,"ImapEnabled@odata.type":"#Boolean","ImapEnabled":false},
			{"Identity":"ExchangeOnlineEnterprise-2","DisplayName":"ExchangeOnlineEnterprise","PopEnabled":"False","ImapEnabled":"False"}]`},
			want: StatusPass, contains: []string{"All 2 CAS mailbox plans create new"}},
		{name: "null plan value is unknown", files: map[string]string{ds: `[{"Identity":"p","DisplayName":"P","PopEnabled":false,"ImapEnabled":null}]`},
			want: StatusUnknown, affected: []string{"P"}},
		{name: "no plans is unknown", files: map[string]string{ds: `[]`}, want: StatusUnknown},
		{name: "forbidden is unknown", statuses: forbidden(ds), want: StatusUnknown},
	})
}
