package main

import (
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/collectors/tenantsim"
)

// appToken is an unsigned JWT carrying the application permissions roles.
func appToken(tid string, roles []string) string {
	enc := base64.RawURLEncoding
	claims, _ := json.Marshal(map[string]any{"tid": tid, "roles": roles, "aud": "https://graph.microsoft.com"})
	return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(claims) + ".sig"
}

// withheld are the two application permissions the test token lacks
// (Directory.Read.All would also cover Application.Read.All's reads).
var withheld = []string{"Application.Read.All", "Directory.Read.All"}

func graphRolesExcept(except []string) []string {
	perms, _ := snapshot.AppPermissions(snapshot.Specs(), false)
	var out []string
	for _, p := range perms {
		if p.Resource == snapshot.ResourceGraph && !slices.Contains(except, p.Name) {
			out = append(out, p.Name)
		}
	}
	return out
}

// unknownChecks audits a snapshot directory and returns the IDs of the
// checks that ended unknown.
func unknownChecks(t *testing.T, dir string) map[string]bool {
	t.Helper()
	snap, err := snapshot.Load(dir, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	doc := checks.Run(snap, checks.RunOptions{})
	out := map[string]bool{}
	for _, r := range doc.Results {
		if r.Status == checks.StatusUnknown {
			out[r.ID] = true
		}
	}
	return out
}

// TestPreflightMissingTwoRoles: against the simulated tenant, with a token
// missing two application permissions, --preflight names exactly the
// datasets those permissions gate and exactly the checks that a real
// collection with those datasets denied ends unknown; exit 3.
func TestPreflightMissingTwoRoles(t *testing.T) {
	snap := sample(t)
	tid := snap.Manifest.Tenant.ID
	graphTok := appToken(tid, graphRolesExcept(withheld))
	exoTok := appToken(tid, []string{"Exchange.ManageAsApp"})
	srv := startTenant(t, snap, tenantsim.Options{GraphToken: graphTok, ExchangeToken: exoTok, PageSize: 50})
	t.Setenv("M365AUDIT_GRAPH_TOKEN", graphTok)
	t.Setenv("M365AUDIT_EXCHANGE_TOKEN", exoTok)
	args := []string{"collect", "--auth", "token", "--tenant", tid, "--graph-endpoint", srv.URL(), "--exchange-endpoint", srv.URL()}

	code, stdout, stderr := cli(t, append(args, "--preflight")...)
	if code != 3 {
		t.Fatalf("exit %d, want 3\n%s\n%s", code, stdout, stderr)
	}
	wantDatasets := []string{snapshot.DSApplicationOwners, snapshot.DSApplications, snapshot.DSOAuth2PermissionGrants, snapshot.DSServicePrincipalOwners, snapshot.DSServicePrincipals}
	line := "Not collected: 5 dataset(s): " + strings.Join(wantDatasets, ", ")
	if !strings.Contains(stdout, line) {
		t.Errorf("stdout lacks %q:\n%s", line, stdout)
	}
	for _, ds := range wantDatasets {
		if !strings.Contains(stdout, "| "+ds) {
			t.Errorf("table has no row for %s", ds)
		}
	}
	if len(srv.RefusedWrites()) > 0 {
		t.Errorf("the preflight attempted writes: %v", srv.RefusedWrites())
	}

	// The checks it names are exactly those a real run loses: collect
	// once whole and once with those datasets denied, audit both.
	full := filepath.Join(t.TempDir(), "full")
	if code, _, stderr := cli(t, append(args, "--out", full)...); code != 0 {
		t.Fatalf("full collect: exit %d %s", code, stderr)
	}
	for _, ds := range wantDatasets {
		srv.AddFault(tenantsim.Fault{Match: ds, Status: 403})
	}
	denied := filepath.Join(t.TempDir(), "denied")
	code, _, stderr = cli(t, append(args, "--out", denied)...)
	if code != 0 {
		t.Fatalf("denied collect: exit %d %s", code, stderr)
	}
	if !strings.Contains(stderr, "Before collecting: this run will not get") || !strings.Contains(stderr, "missing Application.Read.All") {
		t.Errorf("collect did not say up front what it will not get:\n%s", stderr)
	}
	before, after := unknownChecks(t, full), unknownChecks(t, denied)
	var lost []string
	for id := range after {
		if !before[id] {
			lost = append(lost, id)
		}
	}
	sort.Strings(lost)
	if len(lost) == 0 {
		t.Fatal("denying the datasets lost no check: the test proves nothing")
	}
	var named []string
	for _, l := range strings.Split(stdout, "\n") {
		if f := strings.Fields(l); len(f) > 1 && strings.HasPrefix(l, "  ") && strings.Contains(l, "(needs ") {
			named = append(named, f[0])
		}
	}
	if !slices.Equal(named, lost) {
		t.Errorf("preflight names checks\n %v\na real run loses\n %v", named, lost)
	}
}

func TestPreflightAllGranted(t *testing.T) {
	snap := sample(t)
	tid := snap.Manifest.Tenant.ID
	graphTok := appToken(tid, graphRolesExcept(nil))
	exoTok := appToken(tid, []string{"Exchange.ManageAsApp"})
	srv := startTenant(t, snap, tenantsim.Options{GraphToken: graphTok, ExchangeToken: exoTok, PageSize: 50})
	t.Setenv("M365AUDIT_GRAPH_TOKEN", graphTok)
	t.Setenv("M365AUDIT_EXCHANGE_TOKEN", exoTok)
	code, stdout, stderr := cli(t, "collect", "--preflight", "--auth", "token", "--tenant", tid, "--graph-endpoint", srv.URL(), "--exchange-endpoint", srv.URL())
	if code != 0 || !strings.Contains(stdout, "Every dataset would be collected.") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
}
