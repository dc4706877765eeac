package pwsh

import (
	"bytes"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/checks"
)

// TestEvidenceUpgradesSecurityDefaultsToConditionalAccess: on the Contoso
// incident, security defaults pass ENTRA-MFA-001 and ENTRA-CA-001, but
// password-only and legacy sign-ins succeeded; with P1 the script must
// still offer the report-only CA policies (and say security defaults have
// to go when they are enabled). Without that evidence it must not.
func TestEvidenceUpgradesSecurityDefaultsToConditionalAccess(t *testing.T) {
	doc, snap := contosoIncident(t)
	var b bytes.Buffer
	if err := writeRemediationDoc(t.Context(), &b, doc, snap, Options{ToolVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	script := b.String()
	for _, want := range []string{"#region ENTRA-MFA-001", "#region ENTRA-CA-001", "Security defaults are on in this tenant", "Passes on configuration, but security defaults are on"} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q", want)
		}
	}

	// The same tenant without the incident evidence gets no such block.
	var kept []checks.Result
	for _, r := range doc.Results {
		if !r.Incident {
			kept = append(kept, r)
		}
	}
	plain := *doc
	plain.Results = kept
	plain.Incident = nil
	b.Reset()
	if err := writeRemediationDoc(t.Context(), &b, &plain, snap, Options{ToolVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "#region ENTRA-MFA-001") || strings.Contains(b.String(), "#region ENTRA-CA-001") {
		t.Error("passing checks got blocks without evidence that the control failed")
	}
}
