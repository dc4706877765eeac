package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEXOProto004(t *testing.T) {
	ds := snapshot.DSExoOrganizationConfig
	runExoCases(t, "EXO-PROTO-004", []exoCase{
		{name: "on passes", files: map[string]string{ds: `[{"Identity":"contoso.onmicrosoft.com","OAuth2ClientProfileEnabled@odata.type":"#Boolean","OAuth2ClientProfileEnabled":"True"}]`}, want: StatusPass},
		{name: "off fails", files: map[string]string{ds: `[{"Identity":"contoso.onmicrosoft.com","OAuth2ClientProfileEnabled":false}]`},
			want: StatusFail, affected: []string{"OAuth2ClientProfileEnabled"}},
		{name: "null is unknown", files: map[string]string{ds: `[{"Identity":"contoso.onmicrosoft.com"}]`}, want: StatusUnknown},
		{name: "forbidden is unknown", statuses: forbidden(ds), want: StatusUnknown},
	})
}
