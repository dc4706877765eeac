package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var collectedAt = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// writeSample writes a small snapshot: users (list), authorizationPolicy
// (object), incidentAuthenticationMethods (per key) and a forbidden dataset.
func writeSample(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "snap")
	w, err := Create(dir, Manifest{Tool: Tool{Name: "m365audit", Version: "test"}, Cloud: "global",
		Tenant: Tenant{ID: "b7f3a1c2-5d4e-4f60-9a8b-1c2d3e4f5a6b", DisplayName: "Contoso", PrimaryDomain: "contoso.com"}})
	if err != nil {
		t.Fatal(err)
	}
	users := []json.RawMessage{
		json.RawMessage(`{"id":"u1","displayName":"Adele Vance","userPrincipalName":"adele@contoso.com","userType":"Member","accountEnabled":true,"unmodelled":{"kept":true}}`),
		json.RawMessage(`{"id":"u2","displayName":"'; Remove-MgUser -UserId 'x'; '","userPrincipalName":"bob_fabrikam.com#EXT#@contoso.onmicrosoft.com","accountEnabled":false}`),
	}
	if err := w.WriteList(DSUsers, users, DatasetInfo{Permission: "User.Read.All", Requests: 1}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteObject(DSAuthorizationPolicy, json.RawMessage(`{"allowInvitesFrom":"everyone","guestUserRoleId":"10dae51f-b6af-4016-8d66-8c2a99b929b3"}`), DatasetInfo{}); err != nil {
		t.Fatal(err)
	}
	if err := w.WritePerKey(DSIncidentAuthMethods, map[string][]json.RawMessage{"u1": {json.RawMessage(`{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","id":"p1","phoneType":"mobile"}`)}}, DatasetInfo{}); err != nil {
		t.Fatal(err)
	}
	w.Record(DSConditionalAccessPolicies, DatasetInfo{Status: StatusForbidden, Reason: "Authorization_RequestDenied: Insufficient privileges", Permission: "Policy.Read.All"})
	if err := w.Close(collectedAt); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestWriteLoadRoundTrip(t *testing.T) {
	dir := writeSample(t)
	s, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Manifest.SchemaVersion != SchemaVersion || !s.Manifest.CollectedAt.Equal(collectedAt) || s.Manifest.Tenant.PrimaryDomain != "contoso.com" {
		t.Fatalf("manifest = %+v", s.Manifest)
	}
	users, err := s.Users()
	if err != nil || len(users) != 2 || users[1].Name() != "'; Remove-MgUser -UserId 'x'; '" || !users[1].IsGuest() || users[1].Enabled() {
		t.Fatalf("users = %+v, %v", users, err)
	}
	if info := s.Info(DSUsers); info.Count != 2 || info.SHA256 == "" || info.File != "users.json" || info.Status != StatusOK {
		t.Errorf("users info = %+v", info)
	}
	raw, _ := s.RawItems(DSUsers)
	if !bytes.Contains(raw[0], []byte(`"unmodelled":{"kept":true}`)) {
		t.Errorf("raw item lost unmodelled fields: %s", raw[0])
	}
	ap, err := s.AuthorizationPolicy()
	if err != nil || ap.AllowInvitesFrom != "everyone" {
		t.Fatalf("authorization policy = %+v, %v", ap, err)
	}
	m, err := s.IncidentAuthMethods()
	if err != nil || len(m["u1"]) != 1 || m["u1"][0].Type() != "phoneAuthenticationMethod" {
		t.Fatalf("per-key = %+v, %v", m, err)
	}
}

// TestNotCollectedIsNeverEmpty: a dataset that was denied, or that this
// snapshot does not list, reads as an error naming it — never as [].
func TestNotCollectedIsNeverEmpty(t *testing.T) {
	s, err := Load(writeSample(t), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, read := range []struct {
		id string
		f  func() error
	}{
		{DSConditionalAccessPolicies, func() error { _, err := s.ConditionalAccessPolicies(); return err }},
		{DSExoCASMailbox, func() error { _, err := s.CASMailboxes(); return err }},
	} {
		err := read.f()
		var nc *NotCollectedError
		if !errors.As(err, &nc) || nc.Dataset != read.id {
			t.Fatalf("%s: err = %v, want NotCollectedError", read.id, err)
		}
		if read.id == DSConditionalAccessPolicies && !strings.Contains(err.Error(), "forbidden") || !strings.Contains(err.Error(), read.id) {
			t.Errorf("%s: message %q should say why", read.id, err)
		}
	}
	if d := s.Info(DSConditionalAccessPolicies).Describe(); !strings.Contains(d, "needs Policy.Read.All") {
		t.Errorf("Describe = %q, want the permission that would allow it", d)
	}
}

func TestLoadRefusesTamperedTruncatedOrMissingFiles(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(dir string)
		wantMsg string
	}{
		{"tampered", func(dir string) {
			p := filepath.Join(dir, "users.json")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte("Adele Vance"), []byte("Adele Vancf"), 1), 0o644)
		}, "users.json (dataset users): sha256 mismatch"},
		{"truncated", func(dir string) {
			p := filepath.Join(dir, "authorizationPolicy.json")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/2], 0o644)
		}, "authorizationPolicy.json (dataset authorizationPolicy): not valid JSON"},
		{"missing", func(dir string) { os.Remove(filepath.Join(dir, "incidentAuthenticationMethods.json")) }, "incidentAuthenticationMethods.json"},
		{"manifest truncated", func(dir string) {
			p := filepath.Join(dir, ManifestFile)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)-40], 0o644)
		}, "manifest.json is not valid JSON"},
		{"manifest missing", func(dir string) { os.Remove(filepath.Join(dir, ManifestFile)) }, "manifest.json"},
		{"schema version", func(dir string) {
			p := filepath.Join(dir, ManifestFile)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte(`"schemaVersion": 1`), []byte(`"schemaVersion": 2`), 1), 0o644)
		}, "schema version 2 is not supported"},
		{"path escape", func(dir string) {
			p := filepath.Join(dir, ManifestFile)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte(`"file": "users.json"`), []byte(`"file": "../users.json"`), 1), 0o644)
		}, "not a plain name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeSample(t)
			tt.mutate(dir)
			_, err := Load(dir, LoadOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantMsg)
			}
			if tt.name != "schema version" && !errors.Is(err, ErrIntegrity) {
				t.Errorf("err should wrap ErrIntegrity: %v", err)
			}
		})
	}
}

// TestAllowIntegrityErrorsAuditsAnywayAndMarks: with the override a
// tampered file that still parses is used and listed; a truncated one
// becomes an error dataset, never an empty one.
func TestAllowIntegrityErrorsAuditsAnywayAndMarks(t *testing.T) {
	dir := writeSample(t)
	p := filepath.Join(dir, "users.json")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.Replace(b, []byte("Adele Vance"), []byte("Adele Vancf"), 1), 0o644)
	p = filepath.Join(dir, "authorizationPolicy.json")
	b, _ = os.ReadFile(p)
	os.WriteFile(p, b[:10], 0o644)

	s, err := Load(dir, LoadOptions{AllowIntegrityErrors: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Integrity) != 2 {
		t.Fatalf("integrity = %+v, want two problems", s.Integrity)
	}
	if users, err := s.Users(); err != nil || users[0].DisplayName != "Adele Vancf" {
		t.Errorf("tampered but parseable users should be used: %v %v", users, err)
	}
	if _, err := s.AuthorizationPolicy(); err == nil {
		t.Error("a truncated dataset must not read as data")
	}
	if st := s.Info(DSAuthorizationPolicy).Status; st != StatusError {
		t.Errorf("truncated dataset status = %s, want error", st)
	}
}

func TestPackedZipLoadsLikeTheDirectory(t *testing.T) {
	dir := writeSample(t)
	var buf bytes.Buffer
	if err := Pack(dir, &buf); err != nil {
		t.Fatal(err)
	}
	zp := filepath.Join(t.TempDir(), "snap.zip")
	if err := os.WriteFile(zp, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(zp, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if users, err := s.Users(); err != nil || len(users) != 2 {
		t.Fatalf("users from zip = %v, %v", users, err)
	}
	var again bytes.Buffer
	if err := Pack(dir, &again); err != nil || !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("packing twice must give the same bytes")
	}
	if _, err := Load(filepath.Join(t.TempDir(), "nope.zip"), LoadOptions{}); err == nil {
		t.Error("a missing path must fail")
	}
	garbage := filepath.Join(t.TempDir(), "garbage.zip")
	os.WriteFile(garbage, []byte("not a zip"), 0o644)
	if _, err := Load(garbage, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "not a snapshot directory or zip") {
		t.Errorf("garbage zip: err = %v", err)
	}
}

func TestCreateRefusesToOverwriteASnapshot(t *testing.T) {
	dir := writeSample(t)
	if _, err := Create(dir, Manifest{}); err == nil {
		t.Fatal("Create over an existing snapshot must fail")
	}
}

func TestWriterRejectsInvalidJSONAndDataForFailedStatus(t *testing.T) {
	w, err := Create(t.TempDir(), Manifest{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteObject(DSAuthorizationPolicy, json.RawMessage(`{"truncated":`), DatasetInfo{}); err == nil {
		t.Error("invalid JSON must be refused")
	}
	if err := w.WriteList(DSUsers, nil, DatasetInfo{Status: StatusForbidden}); err == nil {
		t.Error("a forbidden dataset cannot carry a file")
	}
	if err := w.WriteList(DSUsers, nil, DatasetInfo{}); err != nil {
		t.Errorf("an empty ok list is valid data: %v", err)
	}
	if info := w.Manifest().Datasets[DSUsers]; info.Status != StatusOK || info.Count != 0 {
		t.Errorf("empty list info = %+v (empty must be ok with count 0, distinct from not collected)", info)
	}
}

func TestLenientExchangeValues(t *testing.T) {
	var row struct {
		A, B, C, D, E Bool
		N, M, O       Int
		L, S, Z       StringList
	}
	in := `{"A":true,"B":"False","C":null,"D":"$true","E":0,"N":500,"M":"Unlimited","O":"12",
	        "L":["a","b"],"S":"one","Z":null,"A@odata.type":"#Boolean"}`
	if err := json.Unmarshal([]byte(in), &row); err != nil {
		t.Fatal(err)
	}
	if !row.A.True() || !row.B.False() || row.C.Valid || !row.D.True() || !row.E.False() {
		t.Errorf("bools = %+v", row)
	}
	if !row.N.Valid || row.N.Value != 500 || row.M.Valid || row.M.Raw != "Unlimited" || row.O.Value != 12 {
		t.Errorf("ints = %+v %+v %+v", row.N, row.M, row.O)
	}
	if len(row.L) != 2 || len(row.S) != 1 || row.S[0] != "one" || row.Z != nil {
		t.Errorf("lists = %v %v %v", row.L, row.S, row.Z)
	}
	var bad Bool
	if err := json.Unmarshal([]byte(`"maybe"`), &bad); err == nil {
		t.Error("a non-boolean must be an error, not false")
	}
}

func TestSpecsAreCompleteAndUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Specs() {
		if seen[s.ID] {
			t.Errorf("duplicate dataset %s", s.ID)
		}
		seen[s.ID] = true
		if s.Permission == "" || s.Title == "" {
			t.Errorf("%s: missing permission or title", s.ID)
		}
		switch s.Source {
		case SourceGraph:
			if !strings.HasPrefix(s.Path, "/v1.0/") && !strings.HasPrefix(s.Path, "/beta/") {
				t.Errorf("%s: graph path %q must start with /v1.0/ or /beta/", s.ID, s.Path)
			}
		case SourceExchange:
			if !strings.HasPrefix(s.Cmdlet, "Get-") {
				t.Errorf("%s: cmdlet %q is not read-only", s.ID, s.Cmdlet)
			}
		default:
			t.Errorf("%s: unknown source", s.ID)
		}
		if (s.Shape == ShapePerKey) != (s.KeyedBy != "") {
			t.Errorf("%s: per-key datasets say what they are keyed by", s.ID)
		}
	}
	if _, ok := SpecByID(DSUsers); !ok {
		t.Error("SpecByID(users) not found")
	}
}
