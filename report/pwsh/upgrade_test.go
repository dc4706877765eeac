package pwsh

import (
	"bytes"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/checks"
)

// TestEvidenceUpgradesSecurityDefaultsToConditionalAccess: on the Contoso
// incident, security defaults are on, but password-only and legacy
// sign-ins succeeded, so ENTRA-MFA-001 and ENTRA-CA-001 fail on that
// evidence; with P1 the script offers the report-only CA policies (and says
// security defaults have to go when they are enabled) because the checks
// fail.
func TestEvidenceUpgradesSecurityDefaultsToConditionalAccess(t *testing.T) {
	doc, snap := contosoIncident(t)
	for _, r := range doc.Results {
		if (r.ID == checks.IDEntraMFA001 || r.ID == checks.IDEntraCA001) && r.Status != checks.StatusFail {
			t.Fatalf("%s = %s, want fail on the sign-in evidence", r.ID, r.Status)
		}
	}
	var b bytes.Buffer
	if err := writeRemediationDoc(t.Context(), &b, doc, snap, Options{ToolVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	script := b.String()
	for _, want := range []string{"#region ENTRA-MFA-001", "#region ENTRA-CA-001", "Security defaults are on in this tenant"} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q", want)
		}
	}
}
