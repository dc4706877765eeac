package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEXOProto001(t *testing.T) {
	ds := snapshot.DSExoTransportConfig
	runExoCases(t, "EXO-PROTO-001", []exoCase{
		{name: "disabled passes", files: map[string]string{ds: `[{"Identity":"Admin","SmtpClientAuthenticationDisabled@odata.type":"#Boolean","SmtpClientAuthenticationDisabled":true}]`},
			want: StatusPass, affected: []string{}},
		{name: "string True passes", files: map[string]string{ds: `[{"Identity":"Admin","SmtpClientAuthenticationDisabled":"True"}]`}, want: StatusPass},
		{name: "enabled fails", files: map[string]string{ds: `[{"Identity":"Admin","SmtpClientAuthenticationDisabled":"False"}]`},
			want: StatusFail, affected: []string{"SmtpClientAuthenticationDisabled"}, contains: []string{"enabled for the organisation"}},
		{name: "null fails", files: map[string]string{ds: `[{"Identity":"Admin","SmtpClientAuthenticationDisabled":null}]`},
			want: StatusFail, details: []string{"null"}},
		{name: "property missing fails", files: map[string]string{ds: `[{"Identity":"Admin"}]`}, want: StatusFail},
		{name: "forbidden is unknown", statuses: forbidden(ds), want: StatusUnknown, contains: []string{ds}},
		{name: "no row is unknown", files: map[string]string{ds: `[]`}, want: StatusUnknown},
		{name: "undecodable value is unknown, not pass", files: map[string]string{ds: `[{"SmtpClientAuthenticationDisabled":"maybe"}]`}, want: StatusUnknown},
	})
}
