package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEXOAud001(t *testing.T) {
	ds := snapshot.DSExoAdminAuditLogConfig
	runExoCases(t, "EXO-AUD-001", []exoCase{
		{name: "on passes", files: map[string]string{ds: `[{"Identity":"Admin Audit Log Settings","UnifiedAuditLogIngestionEnabled@odata.type":"#Boolean","UnifiedAuditLogIngestionEnabled":"True"}]`}, want: StatusPass},
		{name: "off fails", files: map[string]string{ds: `[{"Identity":"Admin Audit Log Settings","UnifiedAuditLogIngestionEnabled":false}]`},
			want: StatusFail, affected: []string{"UnifiedAuditLogIngestionEnabled"}},
		{name: "null is unknown", files: map[string]string{ds: `[{"Identity":"Admin Audit Log Settings","UnifiedAuditLogIngestionEnabled":null}]`}, want: StatusUnknown},
		{name: "forbidden is unknown", statuses: forbidden(ds), want: StatusUnknown},
	})
}
