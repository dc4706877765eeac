package snapshot

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOmittedManifestField: what the collector left out is read from the
// typed field; a manifest written before the field existed is read as
// omitting signInActivity only when its notes carry the old fallback
// sentence, and a note's wording decides nothing otherwise.
func TestOmittedManifestField(t *testing.T) {
	for _, tc := range []struct {
		name  string
		entry string
		want  bool
	}{
		{"field", `{"status":"ok","omitted":["signInActivity"]}`, true},
		{"field, other case", `{"status":"ok","omitted":["SignInActivity"]}`, true},
		{"field with an unrelated note", `{"status":"ok","omitted":["signInActivity"],"notes":["something else"]}`, true},
		{"old snapshot: fallback sentence only", `{"status":"ok","notes":["collected without signInActivity (needs Entra ID P1 and AuditLog.Read.All): Authentication_RequestFromNonPremiumTenantOrB2CTenant"]}`, true},
		{"explicit empty field wins over an old sentence", `{"status":"ok","omitted":[],"notes":["collected without signInActivity: 403"]}`, false},
		{"other property omitted", `{"status":"ok","omitted":["assignedLicenses"]}`, false},
		{"no field, no note", `{"status":"ok"}`, false},
		{"a note that merely names the property", `{"status":"ok","notes":["signInActivity of 3 users is older than 90 days"]}`, false},
		{"a hostile note", `{"status":"ok","notes":["=HYPERLINK(\"x\") '; Remove-MgUser \u202e signInActivity"]}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m Manifest
			if err := json.Unmarshal([]byte(`{"schemaVersion":1,"datasets":{"users":`+tc.entry+`}}`), &m); err != nil {
				t.Fatal(err)
			}
			if got := m.Datasets[DSUsers].Omits(PropSignInActivity); got != tc.want {
				t.Errorf("Omits(signInActivity) = %v, want %v (omitted %q)", got, tc.want, m.Datasets[DSUsers].Omitted)
			}
		})
	}
}

// TestOmittedRoundTrip: the field is written to manifest.json, read back by
// Load and by ReadManifest (collect --resume), and absent when nothing was
// left out.
func TestOmittedRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "snap")
	w, err := Create(dir, Manifest{Tool: Tool{Name: "m365audit", Version: "test"}, Cloud: "global",
		Tenant: Tenant{ID: "b7f3a1c2-5d4e-4f60-9a8b-1c2d3e4f5a6b", DisplayName: "Contoso", PrimaryDomain: "contoso.com"}})
	if err != nil {
		t.Fatal(err)
	}
	users := []json.RawMessage{json.RawMessage(`{"id":"u1","displayName":"Adele Vance","userType":"Member"}`)}
	if err := w.WriteList(DSUsers, users, DatasetInfo{Omitted: []string{PropSignInActivity}, Notes: []string{"left out for a reason"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteObject(DSAuthorizationPolicy, json.RawMessage(`{"allowInvitesFrom":"everyone"}`), DatasetInfo{}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(collectedAt); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(raw), `"omitted"`); n != 1 {
		t.Errorf("manifest has %d omitted fields, want 1 (users only):\n%s", n, raw)
	}
	s, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Info(DSUsers).Omits(PropSignInActivity) || s.Info(DSAuthorizationPolicy).Omits(PropSignInActivity) {
		t.Errorf("loaded: users omitted %q, authorizationPolicy omitted %q", s.Info(DSUsers).Omitted, s.Info(DSAuthorizationPolicy).Omitted)
	}
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Datasets[DSUsers].Omits(PropSignInActivity) {
		t.Errorf("ReadManifest: users omitted %q", m.Datasets[DSUsers].Omitted)
	}
}
