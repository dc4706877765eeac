package pwsh

import (
	"bytes"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/checks"
)

// TestFailingEvidenceChecksGetConditionalAccessPolicies: on the Contoso
// incident, security defaults are on, but password-only and legacy
// sign-ins succeeded, so ENTRA-MFA-001 and ENTRA-CA-001 fail on that
// evidence; with P1 the script offers the report-only CA policies (and says
// security defaults have to go when they are enabled) through the fix
// registry, because the checks fail. A passing check gets no policy, whatever
// the incident checks say: the evidence is the checks' to weigh, not the
// script's.
func TestFailingEvidenceChecksGetConditionalAccessPolicies(t *testing.T) {
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
	if strings.Contains(script, "Passes on configuration") {
		t.Error("a block is still explained as a passing check upgraded on evidence")
	}

	// The same incident with both configuration checks passing: no policy
	// for them, although IR-SIG-001/002 still fail.
	passing := *doc
	passing.Results = append([]checks.Result(nil), doc.Results...)
	sig := 0
	for i, r := range passing.Results {
		switch r.ID {
		case checks.IDEntraMFA001, checks.IDEntraCA001:
			passing.Results[i].Status, passing.Results[i].Affected = checks.StatusPass, nil
		case checks.IDIRSig001, checks.IDIRSig002:
			if r.Status == checks.StatusFail {
				sig++
			}
		}
	}
	if sig != 2 {
		t.Fatalf("IR-SIG-001 and IR-SIG-002 should fail on the Contoso incident (%d do)", sig)
	}
	b.Reset()
	if err := writeRemediationDoc(t.Context(), &b, &passing, snap, Options{ToolVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	for _, unwanted := range []string{"#region ENTRA-MFA-001", "#region ENTRA-CA-001"} {
		if strings.Contains(b.String(), unwanted) {
			t.Errorf("a passing check got a block: %s", unwanted)
		}
	}
}
