package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEXOAud002(t *testing.T) {
	ds := snapshot.DSExoOrganizationConfig
	runExoCases(t, "EXO-AUD-002", []exoCase{
		{name: "auditing on passes", files: map[string]string{ds: `[{"Identity":"contoso.onmicrosoft.com","AuditDisabled":"False"}]`}, want: StatusPass},
		{name: "auditing off fails", files: map[string]string{ds: `[{"Identity":"contoso.onmicrosoft.com","AuditDisabled@odata.type":"#Boolean","AuditDisabled":true}]`},
			want: StatusFail, affected: []string{"AuditDisabled"}},
		{name: "null is unknown", files: map[string]string{ds: `[{"Identity":"contoso.onmicrosoft.com"}]`}, want: StatusUnknown},
		{name: "forbidden is unknown", statuses: forbidden(ds), want: StatusUnknown},
	})
}
