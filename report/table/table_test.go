package table

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sampleDoc() *checks.Document {
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	res := []checks.Result{
		{ID: "ENTRA-MFA-001", Title: "MFA is enforced for all users", Severity: checks.SeverityCritical, Status: checks.StatusFail,
			Affected: []checks.Affected{{ID: "p1", Name: "Require MFA"}}},
		{ID: "EXO-PROTO-003", Title: "POP and IMAP off \x1b[31m=HYPERLINK(\"x\")", Severity: checks.SeverityMedium, Status: checks.StatusFail,
			Affected: []checks.Affected{{ID: "m1", Name: "scanner", Accepted: true}, {ID: "m2", Name: "bob"}}},
		{ID: "ENTRA-CA-001", Title: "Legacy authentication is blocked", Severity: checks.SeverityCritical, Status: checks.StatusWarn},
		{ID: "ENTRA-CA-012", Title: "Break-glass", Severity: checks.SeverityMedium, Status: checks.StatusFail,
			Accepted: &checks.Acceptance{Reason: "r", Owner: "o", Expires: "2027-01-31"}},
		{ID: "ENTRA-CA-005", Title: "Risk", Severity: checks.SeverityHigh, Status: checks.StatusUnknown},
		{ID: "ENTRA-EXT-001", Title: "Guests", Severity: checks.SeverityHigh, Status: checks.StatusPass},
	}
	doc := &checks.Document{SchemaVersion: 1, Tool: snapshot.Tool{Name: "m365audit", Version: "1.2.3"},
		Tenant:      snapshot.Tenant{ID: "t-1", DisplayName: "Contoso \u202Eevil\u202C 株式会社", PrimaryDomain: "contoso.com"},
		CollectedAt: at, GeneratedAt: at.Add(time.Hour), Licences: checks.Licences{Known: true, P1: true},
		Results: res, Score: checks.ComputeScore(res),
		Integrity: []snapshot.IntegrityProblem{{File: "users.json", Dataset: "users", Problem: "sha256 mismatch"}},
		Incident:  &checks.IncidentInfo{Users: []string{"adele@contoso.com"}, Start: at.Add(-240 * time.Hour), End: at},
		Coverage: checks.Coverage{Evaluated: 5, NotEvaluable: 1, Datasets: []checks.DatasetCoverage{
			{ID: "conditionalAccessPolicies", Status: snapshot.StatusOK, Checks: []string{"ENTRA-CA-001"}},
			{ID: "riskyUsers", Status: snapshot.StatusForbidden, Reason: "Authorization_RequestDenied", Checks: []string{"ENTRA-CA-005"}}}},
	}
	return doc
}

func TestWriteGolden(t *testing.T) {
	for _, tt := range []struct {
		name  string
		color bool
	}{{"summary.golden", false}, {"summary-color.golden", true}} {
		var b bytes.Buffer
		if err := Write(&b, sampleDoc(), Options{Color: tt.color}); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", tt.name)
		if *update {
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s differs (-update to rewrite):\n%s", tt.name, b.String())
		}
		out := b.String()
		if !tt.color && strings.Contains(out, "\x1b") {
			t.Error("plain output contains an escape sequence")
		}
		if tt.color && !strings.Contains(out, ansiRed) {
			t.Error("colour output has no colour")
		}
		if strings.ContainsRune(out, '\u202E') {
			t.Error("bidi override reached the terminal")
		}
		for _, w := range []string{"SNAPSHOT INTEGRITY", "users.json", "Score: ", "accepted until 2027-01-31", "1 of 2 objects", "riskyUsers", "株式会社", "adele@contoso.com"} {
			if !strings.Contains(out, w) {
				t.Errorf("summary lacks %q", w)
			}
		}
	}
}

// TestNotCollectedListsTheModelsDatasets: the console lists every dataset
// the report model counts as not collected (the PDF and workbook list the
// same), including an unlicensed one whose checks were still evaluated and
// one collected without some properties, and leaves out an incident
// dataset skipped by a routine audit.
func TestNotCollectedListsTheModelsDatasets(t *testing.T) {
	for _, tc := range []struct {
		name     string
		datasets []checks.DatasetCoverage
		incident bool
		want     []string // dataset IDs listed
		absent   []string
	}{
		{"unlicensed, checks evaluated elsewhere", []checks.DatasetCoverage{
			{ID: snapshot.DSRiskDetections, Status: snapshot.StatusUnlicensed, Reason: "needs Entra ID P2", Checks: []string{"ENTRA-EXT-001"}},
			{ID: "riskyUsers", Status: snapshot.StatusForbidden, Reason: "Authorization_RequestDenied", Checks: []string{"ENTRA-CA-005"}},
		}, true, []string{"riskDetections", "unlicensed", "riskyUsers"}, nil},
		{"collected without a property", []checks.DatasetCoverage{
			{ID: snapshot.DSUsers, Status: snapshot.StatusOK, Omitted: []string{"signInActivity"}, Checks: []string{"ENTRA-EXT-001"}},
		}, true, []string{"users", "incomplete", "signInActivity"}, nil},
		{"incident dataset skipped in a routine audit", []checks.DatasetCoverage{
			{ID: snapshot.DSSignIns, Status: snapshot.StatusSkipped, Reason: "no incident"},
			{ID: snapshot.DSRiskDetections, Status: snapshot.StatusUnlicensed, Checks: []string{"ENTRA-EXT-001"}},
		}, false, []string{"riskDetections"}, []string{"signIns"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := sampleDoc()
			doc.Coverage.Datasets = tc.datasets
			if !tc.incident {
				doc.Incident = nil
			}
			var b bytes.Buffer
			if err := Write(&b, doc, Options{}); err != nil {
				t.Fatal(err)
			}
			_, section, ok := strings.Cut(b.String(), "Datasets not collected")
			if !ok {
				t.Fatalf("no datasets section:\n%s", b.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(section, w) {
					t.Errorf("section lacks %q:\n%s", w, section)
				}
			}
			for _, w := range tc.absent {
				if strings.Contains(section, w) {
					t.Errorf("section lists %q:\n%s", w, section)
				}
			}
		})
	}
}
