package collect

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/collectors/auth"
	"github.com/m365audit/m365audit/collectors/graph"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/collectors/tenantsim"
)

// collectSim runs a collection of srv into a new directory and loads it.
func collectSim(t *testing.T, srv *tenantsim.Server, mod func(*Config)) (*snapshot.Snapshot, *Report, *sleeps) {
	t.Helper()
	sl := newSleeps()
	dir := filepath.Join(t.TempDir(), "snap")
	cfg := simConfig(t, srv, dir, sl)
	if mod != nil {
		mod(&cfg)
	}
	rep, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	if len(rep.RefusedWrites) != 0 || len(srv.RefusedWrites()) != 0 {
		t.Fatalf("refused writes: client %v, server %d", rep.RefusedWrites, len(srv.RefusedWrites()))
	}
	got, err := snapshot.Load(rep.Path, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return got, rep, sl
}

func TestRun_FullCollectionAgainstTenantsim(t *testing.T) {
	src := fixture(25, true)
	srv := startSim(t, src, tenantsim.Options{PageSize: 2, ExchangePageSize: 2})
	got, _, _ := collectSim(t, srv, nil)
	for _, s := range snapshot.Specs() {
		info := got.Info(s.ID)
		if s.Incident {
			if info.Status != snapshot.StatusSkipped || !strings.Contains(info.Reason, "--incident-user") {
				t.Errorf("%s: %s %q, want skipped without an incident", s.ID, info.Status, info.Reason)
			}
			continue
		}
		if info.Status != snapshot.StatusOK || info.Requests < 1 {
			t.Errorf("%s: status %s (%s) requests %d", s.ID, info.Status, info.Reason, info.Requests)
		}
	}
	m := got.Manifest
	if m.Tenant != (snapshot.Tenant{ID: fixTenant, DisplayName: "Contoso", PrimaryDomain: "contoso.com", InitialDomain: "contoso.onmicrosoft.com"}) {
		t.Errorf("tenant = %+v", m.Tenant)
	}
	if m.Tool.Name != "m365audit" || m.Tool.Version != "test" || m.Cloud != "global" || m.StartedAt == nil ||
		m.CollectedAt.Before(*m.StartedAt) || m.Endpoints.Graph != srv.URL() || m.Endpoints.Exchange != srv.URL() {
		t.Errorf("manifest header = %+v", m)
	}
	// Secrets never reach the snapshot; the note says so.
	for _, id := range []string{snapshot.DSServicePrincipals, snapshot.DSApplications} {
		raw, _ := got.Raw(id)
		for _, bad := range []string{"SECRET", `"hint"`, "MIIBASE64", `"key"`} {
			if bytes.Contains(raw, []byte(bad)) {
				t.Errorf("%s keeps %s", id, bad)
			}
		}
		if n := got.Info(id).Notes; len(n) != 1 || !strings.Contains(n[0], "secretText") {
			t.Errorf("%s notes = %v", id, n)
		}
	}
	// The owners of the service principal holding a role (found through the
	// servicePrincipals dataset: the principal is not expanded) and of its
	// app registration; an owner's credentials keep their metadata only.
	for _, id := range []string{snapshot.DSServicePrincipalOwners, snapshot.DSApplicationOwners} {
		raw, _ := got.Raw(id)
		for _, bad := range []string{"SECRET", `"hint"`} {
			if bytes.Contains(raw, []byte(bad)) {
				t.Errorf("%s keeps %s", id, bad)
			}
		}
	}
	spo, _ := got.ServicePrincipalOwners()
	apo, _ := got.ApplicationOwners()
	if len(spo) != 1 || len(spo["sp1"]) != 1 || spo["sp1"][0].ID != "sp9" || len(apo) != 1 || len(apo["app1"]) != 1 {
		t.Errorf("owners: service principals %+v, applications %+v", spo, apo)
	}
	sps, _ := got.ServicePrincipals()
	if len(sps) != 2 || len(sps[0].PasswordCredentials) != 1 || sps[0].PasswordCredentials[0].KeyID != "k1" {
		t.Errorf("credential metadata lost: %+v", sps)
	}
}

// TestRun_PagingToLastPage: 2 items per page over 101 users.
func TestRun_PagingToLastPage(t *testing.T) {
	srv := startSim(t, fixture(101, true), tenantsim.Options{PageSize: 2})
	got, _, _ := collectSim(t, srv, nil)
	users, err := got.Users()
	if err != nil || len(users) != 101 {
		t.Fatalf("users %d err %v", len(users), err)
	}
	if info := got.Info(snapshot.DSUsers); info.Requests != 51 || info.Count != 101 {
		t.Errorf("users requests %d count %d, want 51 pages and 101 items", info.Requests, info.Count)
	}
	seen := map[string]bool{}
	for _, u := range users {
		if seen[u.ID] {
			t.Errorf("duplicate user %s", u.ID)
		}
		seen[u.ID] = true
		if u.SignInActivity == nil {
			t.Errorf("user %s lacks signInActivity on a premium tenant", u.ID)
		}
	}
	var pages int
	for _, r := range srv.Requests() {
		if r.Path == "/v1.0/users" {
			pages++
			if !strings.Contains(r.RawQuery, "signInActivity") {
				t.Errorf("page without the spec $select: %s", r.RawQuery)
			}
		}
	}
	if pages != 51 {
		t.Errorf("server saw %d user pages", pages)
	}
}

func TestRun_RetryAfterHonoured(t *testing.T) {
	srv := startSim(t, fixture(9, true), tenantsim.Options{PageSize: 2, Faults: []tenantsim.Fault{
		{Match: snapshot.DSUsers, Status: 429, RetryAfter: "1", Times: 1, Page: 2},
		{Match: snapshot.DSExoTransportConfig, Status: 429, RetryAfter: "0", Times: 1},
	}})
	got, _, sl := collectSim(t, srv, nil)
	if info := got.Info(snapshot.DSUsers); info.Status != snapshot.StatusOK || info.Count != 9 || info.Retries != 1 {
		t.Errorf("users: %+v", info)
	}
	if info := got.Info(snapshot.DSExoTransportConfig); info.Status != snapshot.StatusOK || info.Retries != 1 {
		t.Errorf("exoTransportConfig: %+v", info)
	}
	waits := sl.all()
	found := false
	for _, d := range waits {
		if d == time.Second {
			found = true
		}
	}
	if !found {
		t.Errorf("waits %v: the 1 s Retry-After was not honoured", waits)
	}
}

func TestRun_DeniedDatasetsRecordedAndRestCollected(t *testing.T) {
	srv := startSim(t, fixture(6, true), tenantsim.Options{Faults: []tenantsim.Fault{
		{Match: snapshot.DSConditionalAccessPolicies, Status: 403, Code: "Authorization_RequestDenied", Message: "Insufficient privileges to complete the operation."},
		{Match: snapshot.DSAuthorizationPolicy, Status: 404},
		{Match: snapshot.DSExoCASMailbox, Status: 403},
		{Match: snapshot.DSRoleDefinitions, Status: 500, Code: "InternalServerError", Message: "boom"},
	}})
	got, rep, _ := collectSim(t, srv, nil)
	want := map[string]snapshot.Status{
		snapshot.DSConditionalAccessPolicies: snapshot.StatusForbidden,
		snapshot.DSAuthorizationPolicy:       snapshot.StatusNotFound,
		snapshot.DSExoCASMailbox:             snapshot.StatusForbidden,
		snapshot.DSRoleDefinitions:           snapshot.StatusError,
	}
	for _, s := range snapshot.Specs() {
		info := got.Info(s.ID)
		w, denied := want[s.ID]
		switch {
		case denied && info.Status != w:
			t.Errorf("%s: %s, want %s", s.ID, info.Status, w)
		case !denied && !s.Incident && info.Status != snapshot.StatusOK:
			t.Errorf("%s: %s (%s)", s.ID, info.Status, info.Reason)
		}
	}
	ca := got.Info(snapshot.DSConditionalAccessPolicies)
	if ca.Permission != "Policy.Read.All" || !strings.Contains(ca.Reason, "Authorization_RequestDenied") || !strings.Contains(ca.Reason, "Insufficient privileges") {
		t.Errorf("CA info = %+v", ca)
	}
	if _, err := got.ConditionalAccessPolicies(); err == nil {
		t.Error("a forbidden dataset must not read as data")
	}
	var sum bytes.Buffer
	if err := WriteSummary(&sum, rep.Manifest, rep.Path); err != nil {
		t.Fatal(err)
	}
	s := sum.String()
	t.Log(s)
	for _, line := range []string{"0 partial", "2 denied", "1 not found", "1 error",
		"FORBIDDEN  conditionalAccessPolicies", "needs Policy.Read.All", "exoCasMailbox", "needs Exchange.ManageAsApp + Global Reader"} {
		if !strings.Contains(s, line) {
			t.Errorf("summary lacks %q:\n%s", line, s)
		}
	}
}

func TestRun_FailedLaterPageIsPartial(t *testing.T) {
	srv := startSim(t, fixture(9, true), tenantsim.Options{PageSize: 2, Faults: []tenantsim.Fault{
		{Match: snapshot.DSUsers, Status: 503, Page: 3, Code: "ServiceUnavailable", Message: "try later"},
	}})
	got, _, sl := collectSim(t, srv, nil)
	info := got.Info(snapshot.DSUsers)
	if info.Status != snapshot.StatusPartial || info.Count != 4 || !strings.Contains(info.Reason, "page 3") || !strings.Contains(info.Reason, "ServiceUnavailable") {
		t.Fatalf("users info = %+v", info)
	}
	users, err := got.Users()
	if err != nil || len(users) != 4 {
		t.Fatalf("partial users kept %d err %v", len(users), err)
	}
	if n := len(sl.all()); n < 3 {
		t.Errorf("only %d retries before giving up", n)
	}
}

func TestRun_SignInActivityFallbackOnUnlicensedTenant(t *testing.T) {
	srv := startSim(t, fixture(5, false), tenantsim.Options{})
	got, _, _ := collectSim(t, srv, nil)
	info := got.Info(snapshot.DSUsers)
	if info.Status != snapshot.StatusOK || info.Count != 5 || len(info.Notes) != 1 ||
		!strings.Contains(info.Notes[0], graph.CodeNonPremium) || !strings.Contains(info.Notes[0], "without signInActivity") {
		t.Fatalf("users info = %+v", info)
	}
	if len(info.Omitted) != 1 || info.Omitted[0] != snapshot.PropSignInActivity {
		t.Errorf("users omitted = %q, want [signInActivity]", info.Omitted)
	}
	raw, _ := got.Raw(snapshot.DSUsers)
	if bytes.Contains(raw, []byte("signInActivity")) {
		t.Error("signInActivity present after the fallback")
	}
}

// TestRun_SignInActivityCollectedOmitsNothing: a licensed tenant's users
// carry signInActivity and the manifest lists nothing as omitted.
func TestRun_SignInActivityCollectedOmitsNothing(t *testing.T) {
	srv := startSim(t, fixture(5, true), tenantsim.Options{})
	got, _, _ := collectSim(t, srv, nil)
	info := got.Info(snapshot.DSUsers)
	if info.Status != snapshot.StatusOK || len(info.Omitted) != 0 || info.Omits(snapshot.PropSignInActivity) {
		t.Fatalf("users info = %+v", info)
	}
	raw, _ := got.Raw(snapshot.DSUsers)
	if !bytes.Contains(raw, []byte("signInActivity")) {
		t.Error("signInActivity missing on a licensed tenant")
	}
}

func TestRun_UnauthorizedStopsTheRun(t *testing.T) {
	srv := startSim(t, fixture(3, true), tenantsim.Options{})
	dir := filepath.Join(t.TempDir(), "snap")
	cfg := simConfig(t, srv, dir, newSleeps())
	cfg.Tokens = &auth.Tokens{Graph: auth.Static("wrong"), Exchange: auth.Static(fixExo)}
	_, err := Run(t.Context(), cfg)
	if !errors.Is(err, graph.ErrUnauthorized) || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err = %v", err)
	}
	if _, serr := os.Stat(dir); !os.IsNotExist(serr) {
		t.Errorf("a refused run left %s behind", dir)
	}
}

func fakeJWT(tid string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." + enc.EncodeToString([]byte(`{"tid":"`+tid+`"}`)) + ".sig"
}

func TestRun_TenantBindingMismatchRefused(t *testing.T) {
	other := "99999999-2222-3333-4444-555555555555"
	cases := []struct {
		name, tenant, token string
		previous            string // Config.PreviousTenant
		ok                  bool
	}{
		{"verified domain", "contoso.com", "", "", true},
		{"initial domain, any case", "Contoso.onmicrosoft.com", "", "", true},
		{"tenant GUID", fixTenant, "", "", true},
		{"JWT of the right tenant", fixTenant, fakeJWT(fixTenant), "", true},
		{"previous snapshot of the same tenant", "contoso.com", "", strings.ToUpper(fixTenant), true},
		{"another tenant's GUID", other, "", "", false},
		{"a domain of another tenant", "fabrikam.com", "", "", false},
		{"a token issued for another tenant", "contoso.com", fakeJWT(other), "", false},
		{"previous snapshot of another tenant", "contoso.com", "", other, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := tc.token
			if tok == "" {
				tok = fixGraph
			}
			srv := startSim(t, fixture(3, true), tenantsim.Options{GraphToken: tok})
			dir := filepath.Join(t.TempDir(), "snap")
			cfg := simConfig(t, srv, dir, newSleeps())
			cfg.Tenant = tc.tenant
			cfg.PreviousTenant = tc.previous
			cfg.Tokens.Graph = auth.Static(tok)
			_, err := Run(t.Context(), cfg)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v", err)
			}
			if !tc.ok {
				if !errors.Is(err, ErrTenantMismatch) || !strings.Contains(err.Error(), "refus") {
					t.Fatalf("err = %v, want a clear tenant mismatch", err)
				}
				for _, r := range srv.Requests() {
					if r.Path != "/v1.0/organization" {
						t.Errorf("after a mismatch the run still sent %s", r.Path)
					}
				}
			}
		})
	}
}

// TestRun_UnknownIncidentUser: an incident user the directory answers 404
// for stops the run right after the tenant is bound, before any dataset.
func TestRun_UnknownIncidentUser(t *testing.T) {
	srv := startSim(t, fixture(3, true), tenantsim.Options{})
	dir := filepath.Join(t.TempDir(), "snap")
	cfg := simConfig(t, srv, dir, newSleeps())
	cfg.Incident = &snapshot.Incident{Users: []string{"Adele@contoso.com", "ghost@contoso.com"}, Start: time.Date(2026, 11, 14, 0, 0, 0, 0, time.UTC)}
	_, err := Run(t.Context(), cfg)
	if !errors.Is(err, ErrUnknownIncidentUser) || !strings.Contains(err.Error(), "ghost@contoso.com") || strings.Contains(err.Error(), "Adele") {
		t.Fatalf("err = %v", err)
	}
	for _, r := range srv.Requests() {
		if r.Path != "/v1.0/organization" && !strings.HasPrefix(r.Path, "/v1.0/users/") {
			t.Errorf("collected before the incident users were checked: %s", r.Path)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("snapshot left behind: %v", err)
	}
}

func TestRun_Incident(t *testing.T) {
	srv := startSim(t, fixture(30, true), tenantsim.Options{PageSize: 2, Faults: []tenantsim.Fault{
		// One $batch item throttled: it must be re-queued after its Retry-After.
		{Match: "/v1.0/users/00000000-0000-0000-0000-000000000001/authentication", Status: 429, RetryAfter: "1", Times: 1},
		// The up-front lookup of ghost is denied (so the run goes on and
		// the datasets name the user they cannot resolve); a 404 there
		// stops the run (TestRun_UnknownIncidentUser).
		{Match: "/v1.0/users/ghost@contoso.com", Status: 403, Code: "Authorization_RequestDenied", Times: 1},
	}})
	start := time.Date(2026, 11, 14, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	got, _, sl := collectSim(t, srv, func(c *Config) {
		c.Incident = &snapshot.Incident{Users: []string{"Adele@contoso.com", "ghost@contoso.com"}, Start: start}
		c.Now = func() time.Time { return now }
	})
	adele := "00000000-0000-0000-0000-000000000001"
	audits := got.Info(snapshot.DSDirectoryAudits)
	if audits.Status != snapshot.StatusOK || audits.Count != 2 {
		t.Errorf("directoryAudits = %+v (want the 2 events after the start)", audits)
	}
	if w := audits.Window; w == nil || !w.From.Equal(start) || !w.To.Equal(got.Manifest.CollectedAt) || w.Retention != "30 days (Entra ID P1/P2)" {
		t.Errorf("window = %+v", audits.Window)
	}
	for _, r := range srv.Requests() {
		if r.Path == "/v1.0/auditLogs/directoryAudits" && !strings.Contains(r.RawQuery, "2026-11-14T00%3A00%3A00Z") {
			t.Errorf("directoryAudits query lacks the start: %s", r.RawQuery)
		}
	}
	for _, id := range []string{snapshot.DSIncidentAuthMethods, snapshot.DSIncidentMessageRules, snapshot.DSIncidentMailFolders, snapshot.DSIncidentMailboxPerms} {
		info := got.Info(id)
		if info.Status != snapshot.StatusOK {
			t.Errorf("%s: %s %s", id, info.Status, info.Reason)
		}
		if len(info.Notes) == 0 || !strings.Contains(info.Notes[0], "ghost@contoso.com") {
			t.Errorf("%s notes %v: the unknown incident user must be named", id, info.Notes)
		}
		m, err := got.RawPerKey(id)
		if err != nil || len(m) != 1 || len(m[adele]) == 0 {
			t.Errorf("%s: keys %v err %v", id, m, err)
		}
	}
	if info := got.Info(snapshot.DSIncidentAuthMethods); info.Retries != 1 {
		t.Errorf("auth methods retries = %d, want the throttled batch item re-queued once", info.Retries)
	}
	hasWait := false
	for _, d := range sl.all() {
		hasWait = hasWait || d == time.Second
	}
	if !hasWait {
		t.Errorf("batch item Retry-After not honoured: %v", sl.all())
	}
	inv, err := got.RawPerKey(snapshot.DSGuestInviters)
	if err != nil || len(inv) != 10 {
		t.Errorf("guest inviters for %d guests, err %v; want all 10 guests", len(inv), err)
	}
	if m := got.Manifest.Incident; m == nil || !reflect.DeepEqual(m.Users, []string{"Adele@contoso.com", "ghost@contoso.com"}) {
		t.Errorf("manifest incident = %+v", m)
	}
	var batches int
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/$batch") {
			batches++
		}
	}
	if batches == 0 {
		t.Error("per-key requests were not sent as $batch")
	}
}

func TestRun_ZipAndDefaultName(t *testing.T) {
	srv := startSim(t, fixture(4, true), tenantsim.Options{})
	base := t.TempDir()
	cfg := simConfig(t, srv, filepath.Join(base, "out.zip"), newSleeps())
	rep, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snapshot.Load(rep.Path, snapshot.LoadOptions{}); err != nil || rep.Path != cfg.Out {
		t.Fatalf("zip %s: %v", rep.Path, err)
	}
	if _, err := Run(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("an existing zip must not be overwritten: %v", err)
	}
	cfg.Out, cfg.BaseDir = "", base
	cfg.Now = func() time.Time { return time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC) }
	rep, err = Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(base, "m365audit-contoso.com-20261120T093000Z"); rep.Path != want {
		t.Fatalf("path %s, want %s", rep.Path, want)
	}
	entries, _ := os.ReadDir(base)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("work directory left behind: %s", e.Name())
		}
	}
}

// TestRun_RoundTripContosoSample: collecting what tenantsim serves from
// the sample reproduces the sample's datasets.
func TestRun_RoundTripContosoSample(t *testing.T) {
	fsys, err := m365audit.SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	src, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv := startSim(t, src, tenantsim.Options{PageSize: 3, ExchangePageSize: 4})
	got, _, _ := collectSim(t, srv, func(c *Config) {
		c.Tenant = src.Manifest.Tenant.ID
		c.Incident = src.Manifest.Incident
	})
	compared := 0
	for _, s := range snapshot.Specs() {
		want, have := src.Info(s.ID), got.Info(s.ID)
		if want.Status.HasData() != have.Status.HasData() {
			t.Errorf("%s: source %s, collected %s (%s)", s.ID, want.Status, have.Status, have.Reason)
			continue
		}
		if !want.Status.HasData() {
			if want.Status != have.Status && want.Status != snapshot.StatusSkipped {
				t.Errorf("%s: source %s, collected %s", s.ID, want.Status, have.Status)
			}
			continue
		}
		a, _ := src.Raw(s.ID)
		b, _ := got.Raw(s.ID)
		if d := diffDataset(s, a, b); d != "" {
			t.Errorf("%s: %s", s.ID, d)
		}
		compared++
	}
	if compared < 30 {
		t.Errorf("only %d datasets compared", compared)
	}
	if got.Manifest.Tenant != src.Manifest.Tenant {
		t.Errorf("tenant %+v, want %+v", got.Manifest.Tenant, src.Manifest.Tenant)
	}
}

// diffDataset compares two dataset files item by item as JSON values;
// tenantsim adds @odata.context to singletons, and secrets are stripped.
func diffDataset(s snapshot.Spec, a, b []byte) string {
	norm := func(raw []byte) any {
		var v any
		if json.Unmarshal(raw, &v) != nil {
			return nil
		}
		if m, ok := v.(map[string]any); ok && s.Shape == snapshot.ShapeObject {
			delete(m, "@odata.context")
		}
		return v
	}
	if s.ID == snapshot.DSServicePrincipals || s.ID == snapshot.DSApplications {
		var items []json.RawMessage
		_ = json.Unmarshal(a, &items)
		for i, it := range items {
			items[i], _ = graph.StripCredentialSecrets(it)
		}
		a, _ = json.Marshal(items)
	}
	x, y := norm(a), norm(b)
	if reflect.DeepEqual(x, y) {
		return ""
	}
	if xs, ok := x.([]any); ok {
		ys, _ := y.([]any)
		if len(xs) != len(ys) {
			return fmt.Sprintf("count %d, collected %d", len(xs), len(ys))
		}
		for i := range xs {
			if !reflect.DeepEqual(xs[i], ys[i]) {
				return fmt.Sprintf("item %d differs:\n%v\n%v", i, xs[i], ys[i])
			}
		}
	}
	return fmt.Sprintf("differs:\n%.400v\n%.400v", x, y)
}
