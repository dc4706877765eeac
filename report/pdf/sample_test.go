package pdf

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// TestCompressedPDFReadsBack renders documents the way `audit --out` writes
// report.pdf (compressed streams) and reads them back with poppler, an
// independent reader: the text comes back in reading order, every page
// says "Page i of n" with n the page count pdfinfo reports. White space is
// folded before comparing, since cells and long lines wrap. (The hostile
// names are read back by TestHostileNamesPoppler.)
func TestCompressedPDFReadsBack(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		doc  func(t *testing.T) (*checks.Document, *snapshot.Snapshot)
		// inOrder must appear in this order in pdftotext's output.
		inOrder []string
		// absent must not appear.
		absent []string
	}{
		{name: "Contoso sample with its incident",
			doc: func(t *testing.T) (*checks.Document, *snapshot.Snapshot) { return contoso(t) },
			inOrder: []string{
				"Microsoft 365 security audit", "Contoso Ltd",
				"Incident response: compromised account", "Investigated: Adele Vance <adele.vance@contoso.com>",
				"NOT CONTAINED: the attacker may still have access",
				"What happened", "203.0.113.45 (Lagos,", "(IR-SIG-001)",
				"What the attacker changed",
				"What the containment script will do",
				"Timeline",
				"Executive summary",
				"Coverage",
			},
			absent: []string{"CONTAINMENT NOT CHECKED", "INTEGRITY WARNING"}},
		{name: "phished tenant",
			doc: func(*testing.T) (*checks.Document, *snapshot.Snapshot) { return phishedDoc(), nil },
			inOrder: []string{
				"Tenant ID: 0d9f3c1a-5e2b-4c7d-8f10-3a6b9c2e7d41",
				"Incident response: compromised account", "CONTAINMENT NOT CHECKED",
				"Inbox rules (1) · IR-FWD-001", "invoices.contoso@protonmail.com",
				"Guests invited (3) · IR-GUEST-001",
				"Executive summary",
				"ACCEPTED RISK",
			},
			absent: []string{"INTEGRITY WARNING", "NOT CONTAINED"}},
		{name: "long tenant name, integrity problems, every dataset denied",
			doc: func(*testing.T) (*checks.Document, *snapshot.Snapshot) { return stressDoc(), nil },
			inOrder: []string{
				"Fabrikam Regional Health and Social Care Partnership Trust (North-East Division) — Shared Services Tenant",
				"INTEGRITY WARNING: the snapshot was modified or damaged",
				"conditionalAccessPolicies.json (conditionalAccessPolicies): missing",
				"users.json (users): sha256 mismatch",
				"Incident response: compromised account",
				"App registrations (applications) forbidden",
			}},
		{name: "users collected without signInActivity",
			doc: func(*testing.T) (*checks.Document, *snapshot.Snapshot) {
				d := phishedDoc()
				for i := range d.Coverage.Datasets {
					if d.Coverage.Datasets[i].ID == snapshot.DSUsers {
						d.Coverage.Datasets[i].Omitted = []string{snapshot.PropSignInActivity}
					}
				}
				return d, nil
			},
			inOrder: []string{
				"Coverage", "Datasets not (fully) collected, and what would allow them:",
				"Users and guests (users)", "incomplete", "collected without signInActivity (the service refused it)",
				"AuditLog.Read.All; licence: Entra ID P1",
			},
			absent: []string{"Every dataset was collected."}},
		{name: "no results",
			doc: func(*testing.T) (*checks.Document, *snapshot.Snapshot) {
				return &checks.Document{GeneratedAt: generated, Tenant: snapshot.Tenant{DisplayName: "Empty"}}, nil
			},
			inOrder: []string{
				"Empty", "no check could be evaluated",
				"No failing checks.", "The results carry no dataset coverage information.",
				"No findings: the results contain no checks.",
			},
			absent: []string{"Incident response", "INTEGRITY WARNING"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc, snap := tc.doc(t)
			var buf bytes.Buffer
			if err := Write(t.Context(), &buf, buildModel(t, doc, snap), Options{Compress: true}); err != nil {
				t.Fatal(err)
			}
			raw := poppler(t, "pdftotext", buf.Bytes(), "-enc", "UTF-8")
			// White space folded: a table cell or a long line wraps.
			text := strings.Join(strings.Fields(raw), " ")
			at := 0
			for _, want := range tc.inOrder {
				want = strings.Join(strings.Fields(want), " ")
				i := strings.Index(text[at:], want)
				if i < 0 {
					if strings.Contains(text, want) {
						t.Errorf("%q is out of order (expected after %q)", want, text[max(0, at-60):at])
					} else {
						t.Errorf("pdftotext output lacks %q", want)
					}
					continue
				}
				at += i + len(want)
			}
			for _, bad := range tc.absent {
				if strings.Contains(text, bad) {
					t.Errorf("pdftotext output has %q", bad)
				}
			}
			pages := pdfPages(t, buf.Bytes())
			footers := regexp.MustCompile(`Page (\d+) of (\d+)`).FindAllStringSubmatch(raw, -1)
			if len(footers) != pages {
				t.Fatalf("%d page footers, pdfinfo counts %d pages", len(footers), pages)
			}
			for i, f := range footers {
				if f[1] != strconv.Itoa(i+1) || f[2] != strconv.Itoa(pages) {
					t.Errorf("footer %d reads %q, want \"Page %d of %d\"", i+1, f[0], i+1, pages)
				}
			}
		})
	}
}

// pdfPages is the page count pdfinfo reads from pdf.
func pdfPages(t *testing.T, pdf []byte) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindStringSubmatch(poppler(t, "pdfinfo", pdf))
	if m == nil {
		t.Fatal("pdfinfo reports no page count")
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 {
		t.Fatalf("pdfinfo page count %q", m[1])
	}
	return n
}
