package checks

import (
	"strings"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// entraWantIDs are the checks this file set owns.
var entraWantIDs = []string{
	"ENTRA-MFA-003", "ENTRA-MFA-004", "ENTRA-MFA-005", "ENTRA-MFA-006", "ENTRA-MFA-007", "ENTRA-MFA-008",
	"ENTRA-ID-001", "ENTRA-ID-004",
	"ENTRA-EXT-001", "ENTRA-EXT-002", "ENTRA-EXT-005", "ENTRA-EXT-006",
	"ENTRA-APP-001", "ENTRA-APP-002", "ENTRA-APP-003", "ENTRA-APP-004", "ENTRA-APP-006",
	"ENTRA-PRIV-001", "ENTRA-PRIV-002", "ENTRA-PRIV-006", "ENTRA-PRIV-007", "ENTRA-PRIV-009",
}

func TestEntraChecksMetadata(t *testing.T) {
	script := map[string]bool{"ENTRA-MFA-005": true, "ENTRA-MFA-006": true, "ENTRA-MFA-007": true, "ENTRA-ID-001": true, "ENTRA-ID-004": true,
		"ENTRA-EXT-001": true, "ENTRA-EXT-002": true, "ENTRA-EXT-005": true, "ENTRA-APP-001": true, "ENTRA-APP-002": true, "ENTRA-APP-003": true,
		"ENTRA-PRIV-007": true}
	categories := map[string]bool{"Identity & MFA": true, "Guests & external collaboration": true, "Apps & consent": true, "Privileged access": true}
	known := map[string]bool{}
	for _, s := range snapshot.Specs() {
		known[s.ID] = true
	}
	got := map[string]bool{}
	for _, c := range entraChecks() {
		if got[c.ID] {
			t.Errorf("duplicate check %s", c.ID)
		}
		got[c.ID] = true
		if c.ID == "" || c.Title == "" || c.Category == "" || c.Severity == "" || c.Rationale == "" || c.Remediation.Summary == "" || len(c.Datasets) == 0 {
			t.Errorf("%s: incomplete metadata: %+v", c.ID, c.Meta)
		}
		if c.Severity.Rank() >= len(Severities()) {
			t.Errorf("%s: unknown severity %q", c.ID, c.Severity)
		}
		if !categories[c.Category] {
			t.Errorf("%s: unexpected category %q", c.ID, c.Category)
		}
		r := c.References
		if len(r.CIS)+len(r.SCuBA)+len(r.Other) == 0 {
			t.Errorf("%s: no reference", c.ID)
		}
		if len(r.CIS) > 0 && r.CISVersion == "" {
			t.Errorf("%s: CIS numbers without a version", c.ID)
		}
		if c.Remediation.Script != script[c.ID] {
			t.Errorf("%s: Remediation.Script = %v, want %v", c.ID, c.Remediation.Script, script[c.ID])
		}
		if len(c.Remediation.Steps) == 0 {
			t.Errorf("%s: no remediation steps", c.ID)
		}
		for _, d := range c.Datasets {
			if !known[d] {
				t.Errorf("%s: unknown dataset %q", c.ID, d)
			}
		}
		if c.Eval == nil {
			t.Errorf("%s: no Eval", c.ID)
		}
		if !strings.HasPrefix(c.ID, "ENTRA-") || c.Incident {
			t.Errorf("%s: not an Entra posture check", c.ID)
		}
	}
	for _, id := range entraWantIDs {
		if !got[id] {
			t.Errorf("missing check %s", id)
		}
	}
	if len(got) != len(entraWantIDs) {
		t.Errorf("%d checks, want %d", len(got), len(entraWantIDs))
	}
}

// TestEntraChecksNoData: with an empty snapshot every check answers
// unknown (never pass, never error).
func TestEntraChecksNoData(t *testing.T) {
	s := testSnap(t, map[string]string{}, nil)
	for _, c := range entraChecks() {
		r := RunCheck(c, testCtx(t, s, nil))
		if r.Status != StatusUnknown {
			t.Errorf("%s on an empty snapshot: %s (%s), want unknown", c.ID, r.Status, r.Summary)
		}
	}
}

// TestEntraChecksMalformed: a dataset that does not decode gives unknown
// naming the problem, never pass or a panic.
func TestEntraChecksMalformed(t *testing.T) {
	files := map[string]string{}
	for _, s := range snapshot.Specs() {
		files[s.ID] = `{"truncated": [`
	}
	s := testSnap(t, files, nil)
	for _, c := range entraChecks() {
		r := RunCheck(c, testCtx(t, s, nil))
		if r.Status != StatusUnknown {
			t.Errorf("%s on malformed data: %s (%s), want unknown", c.ID, r.Status, r.Summary)
		}
	}
}
