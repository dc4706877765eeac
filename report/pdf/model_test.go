package pdf

import (
	"bytes"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/model"
	"github.com/m365audit/m365audit/report/pwsh"
)

// buildModel builds the report model as package report does. The tests
// take the script writer's fixes so the PDF lists remediation.ps1's blocks;
// the PDF package itself does not import report/pwsh.
func buildModel(t testing.TB, doc *checks.Document, snap *snapshot.Snapshot) *model.Report {
	t.Helper()
	rep, err := model.Build(doc, snap, model.Options{Fixes: pwsh.Fixes()})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func mustPlan(t testing.TB, doc *checks.Document, snap *snapshot.Snapshot, upn string) *model.Containment {
	t.Helper()
	c, err := buildModel(t, doc, snap).ContainmentPlan(upn)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEvidenceState: every report shows the snapshot's digest and signature
// state, and a snapshot that is not trusted gets a warning that says what
// became of the scripts.
func TestEvidenceState(t *testing.T) {
	const digest = "a12d764b721b5bee1ae5c41b6336b52dc0d17c3b1be5be9309422593b4767a04"
	tests := []struct {
		name  string
		ev    checks.Evidence
		allow bool
		want  []string
		not   []string
	}{
		{name: "verified", ev: checks.Evidence{Digest: digest, Signed: true, Verified: true, KeyFingerprint: "SHA256:k1"},
			want: []string{"Snapshot digest: SHA-256 " + digest, "Signature: signed, verified with key SHA256:k1"}, not: []string{"EVIDENCE NOT TRUSTED"}},
		{name: "unsigned", ev: checks.Evidence{Digest: digest},
			want: []string{"Snapshot digest: SHA-256 " + digest, "Signature: not signed"}, not: []string{"EVIDENCE NOT TRUSTED"}},
		{name: "incomplete", ev: checks.Evidence{Digest: digest, Incomplete: true},
			want: []string{"EVIDENCE NOT TRUSTED", "The collection was interrupted", "were not written"}},
		{name: "incomplete, scripts allowed", ev: checks.Evidence{Digest: digest, Incomplete: true}, allow: true,
			want: []string{"EVIDENCE NOT TRUSTED", "were written on request anyway"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := phishedDoc()
			doc.Evidence = tc.ev
			rep, err := model.Build(doc, nil, model.Options{AllowUnsafeScripts: tc.allow})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := Write(t.Context(), &buf, rep, Options{}); err != nil {
				t.Fatal(err)
			}
			text := squash(joined(extractText(t, buf.Bytes())))
			for _, w := range tc.want {
				if !strings.Contains(text, squash(w)) {
					t.Errorf("PDF lacks %q", w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(text, squash(w)) {
					t.Errorf("PDF shows %q", w)
				}
			}
		})
	}
}
