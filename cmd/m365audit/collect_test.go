package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/collectors/auth"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/collectors/tenantsim"
)

// cli runs the command line as a user would, with captured streams.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(t.Context(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCollectFlagValidation(t *testing.T) {
	cert := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(cert, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(auth.EnvGraphToken, "")
	t.Setenv(auth.EnvClientSecret, "")
	base := []string{"collect", "--tenant", "contoso.com", "--auth", "env"}
	cases := []struct {
		name string
		args []string
		want string // in stderr; exit code is always 2
	}{
		{"no tenant", []string{"collect", "--auth", "env"}, "--tenant is required"},
		{"tenant that is neither GUID nor domain", []string{"collect", "--tenant", "not a domain!", "--auth", "env"}, "want a tenant GUID or a domain"},
		{"unknown auth", []string{"collect", "--tenant", "contoso.com", "--auth", "magic"}, `unknown --auth "magic"`},
		{"no auth when not interactive", []string{"collect", "--tenant", "contoso.com"}, "--auth is required"},
		{"unknown cloud", append(base, "--cloud", "mars"), `unknown cloud "mars"`},
		{"graph endpoint with a path", append(base, "--graph-endpoint", "https://graph.microsoft.com/v1.0"), "without a path"},
		{"graph endpoint over http to a remote host", append(base, "--graph-endpoint", "http://graph.example.com"), "plain http is only allowed for a loopback"},
		{"exchange endpoint not http", append(base, "--exchange-endpoint", "ftp://outlook.office365.com"), "absolute http(s) URL"},
		{"exchange endpoint with credentials", append(base, "--exchange-endpoint", "https://u:p@outlook.office365.com"), "no credentials"},
		{"incident start not RFC 3339", append(base, "--incident-user", "adele@contoso.com", "--incident-start", "2026-11-10"), "not an RFC 3339 time"},
		{"incident user without start", append(base, "--incident-user", "adele@contoso.com"), "needs --incident-start"},
		{"incident start without user", append(base, "--incident-start", "2026-11-10T00:00:00Z"), "needs at least one --incident-user"},
		{"incident user not a UPN", append(base, "--incident-user", "adele", "--incident-start", "2026-11-10T00:00:00Z"), "want a user principal name"},
		{"incident start in the future", append(base, "--incident-user", "a@contoso.com", "--incident-start", "2999-01-01T00:00:00Z"), "in the future"},
		{"secret without client id", []string{"collect", "--tenant", "contoso.com", "--auth", "secret"}, "needs --client-id"},
		{"secret without secret", []string{"collect", "--tenant", "contoso.com", "--auth", "secret", "--client-id", "c"}, "needs --client-secret"},
		{"certificate without file", []string{"collect", "--tenant", "contoso.com", "--auth", "certificate", "--client-id", "c"}, "needs --certificate"},
		{"certificate file missing", []string{"collect", "--tenant", "contoso.com", "--auth", "certificate", "--client-id", "c", "--certificate", cert + ".missing"}, "--certificate"},
		{"token mode without the token", []string{"collect", "--tenant", "contoso.com", "--auth", "token"}, auth.EnvGraphToken},
		{"concurrency out of range", append(base, "--concurrency", "17"), "--concurrency 17"},
		{"concurrency negative", append(base, "--concurrency", "-1"), "--concurrency -1"},
		{"resume with out", append(base, "--resume", ".", "--out", "x"), "leave out --out"},
		{"resume not a directory", append(base, "--resume", "/nonexistent/snap"), "not a snapshot directory"},
		{"concurrency not a number", append(base, "--concurrency", "four"), "invalid argument"},
		{"unknown flag", append(base, "--bogus"), "unknown flag: --bogus"},
		{"bad log level", append(base, "--log-level", "loud"), "--log-level"},
		{"positional argument", append(base, "extra"), "unknown command"},
		{"unknown command", []string{"colect"}, "unknown command"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := cli(t, tc.args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want 2; stderr: %s", code, errs)
			}
			if !strings.Contains(errs, tc.want) {
				t.Fatalf("stderr lacks %q:\n%s", tc.want, errs)
			}
			if out != "" {
				t.Fatalf("stdout must stay clean on errors: %q", out)
			}
		})
	}
}

func TestCollectFlagsAccepted(t *testing.T) {
	cert := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(cert, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{auth.EnvGraphToken: "g", auth.EnvClientSecret: "s"}
	g := &globalOptions{stderr: &bytes.Buffer{}, getenv: func(k string) string { return env[k] },
		now: func() time.Time { return time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC) }}
	cases := []struct {
		name               string
		o                  collectOptions
		graph, exo, tenant string
	}{
		{"defaults per global cloud", collectOptions{Tenant: "contoso.com", Auth: "azcli"}, "https://graph.microsoft.com", "https://outlook.office365.com", "contoso.com"},
		{"usgov", collectOptions{Tenant: "contoso.us", Auth: "env", Cloud: "usgov"}, "https://graph.microsoft.us", "https://outlook.office365.us", "contoso.us"},
		{"usgovdod", collectOptions{Tenant: "contoso.us", Auth: "env", Cloud: "USGOVDOD"}, "https://dod-graph.microsoft.us", "https://outlook-dod.office365.us", "contoso.us"},
		{"china", collectOptions{Tenant: "contoso.cn", Auth: "env", Cloud: "china"}, "https://microsoftgraph.chinacloudapi.cn", "https://partner.outlook.cn", "contoso.cn"},
		{"loopback endpoints with trailing slash", collectOptions{Tenant: "b7f3a1c2-5d4e-4f60-9a8b-1c2d3e4f5a6b", Auth: "token",
			GraphEndpoint: "http://127.0.0.1:8080/", ExchangeEndpoint: "http://[::1]:9090"}, "http://127.0.0.1:8080", "http://[::1]:9090", "b7f3a1c2-5d4e-4f60-9a8b-1c2d3e4f5a6b"},
		{"secret from env", collectOptions{Tenant: "contoso.com", Auth: "secret", ClientID: "c"}, "https://graph.microsoft.com", "https://outlook.office365.com", "contoso.com"},
		{"certificate", collectOptions{Tenant: "contoso.com", Auth: "certificate", ClientID: "c", Certificate: cert}, "https://graph.microsoft.com", "https://outlook.office365.com", "contoso.com"},
		{"incident", collectOptions{Tenant: "contoso.com", Auth: "devicecode", IncidentUsers: []string{"b@contoso.com", "a@contoso.com", "A@contoso.com"},
			IncidentStart: "2026-11-10T01:00:00+01:00"}, "https://graph.microsoft.com", "https://outlook.office365.com", "contoso.com"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.o.Cloud == "" {
				tc.o.Cloud = "global"
			}
			tc.o.Concurrency = 4
			p, err := tc.o.validate(g)
			if err != nil {
				t.Fatal(err)
			}
			if p.graphRoot != tc.graph || p.exchangeRoot != tc.exo || p.tenant != tc.tenant {
				t.Fatalf("plan %+v", p)
			}
			if p.auth.Cloud.GraphScope != p.cloud.GraphRoot+"/.default" {
				t.Errorf("graph scope %s follows the cloud, not the endpoint", p.auth.Cloud.GraphScope)
			}
			if tc.o.IncidentStart != "" {
				if p.incident == nil || len(p.incident.Users) != 2 || !p.incident.Start.Equal(time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)) {
					t.Fatalf("incident %+v", p.incident)
				}
			}
		})
	}
}

func startTenant(t *testing.T, snap *snapshot.Snapshot, opt tenantsim.Options) *tenantsim.Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := tenantsim.Start(ctx, snap, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = srv.Close() })
	return srv
}

func sample(t *testing.T) *snapshot.Snapshot {
	t.Helper()
	fsys, err := m365audit.SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	s, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCollectEndToEnd(t *testing.T) {
	src := sample(t)
	srv := startTenant(t, src, tenantsim.Options{GraphToken: "gt", ExchangeToken: "xt", Faults: []tenantsim.Fault{
		{Match: snapshot.DSNamedLocations, Status: 403, Code: "Authorization_RequestDenied", Message: "Insufficient privileges"},
	}})
	t.Setenv(auth.EnvGraphToken, "gt")
	t.Setenv(auth.EnvExchangeToken, "xt")
	out := filepath.Join(t.TempDir(), "snap")
	args := []string{"collect", "--tenant", "contoso.com", "--auth", "token",
		"--graph-endpoint", srv.URL(), "--exchange-endpoint", srv.URL(), "--out", out,
		"--incident-user", "adele.vance@contoso.com", "--incident-start", "2026-11-16T00:00:00Z"}

	code, stdout, stderr := cli(t, args...)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if strings.TrimSpace(stdout) != out {
		t.Errorf("stdout = %q, want only the snapshot path", stdout)
	}
	for _, want := range []string{"COLLECTION COVERAGE", "1 denied", "FORBIDDEN  namedLocations", "needs Policy.Read.All"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	got, err := snapshot.Load(out, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Manifest.Tool.Version != version || got.Manifest.Incident == nil || got.Info(snapshot.DSIncidentMessageRules).Status != snapshot.StatusOK {
		t.Errorf("manifest %+v", got.Manifest)
	}
	if len(srv.RefusedWrites()) != 0 {
		t.Errorf("refused writes %d", len(srv.RefusedWrites()))
	}

	// The same snapshot directory cannot be overwritten: exit 1, clear error.
	if code, _, stderr := cli(t, args...); code != 1 || !strings.Contains(stderr, "already holds a snapshot") {
		t.Errorf("second run into the same dir: exit %d\n%s", code, stderr)
	}
	// A bad token stops the run: exit 1.
	t.Setenv(auth.EnvGraphToken, "wrong")
	args[len(args)-5] = filepath.Join(t.TempDir(), "snap2")
	if code, _, stderr := cli(t, args...); code != 1 || !strings.Contains(stderr, "401") {
		t.Errorf("bad token: exit %d\n%s", code, stderr)
	}
	// Another tenant's domain is refused: exit 1.
	t.Setenv(auth.EnvGraphToken, "gt")
	args[2] = "fabrikam.com"
	if code, _, stderr := cli(t, args...); code != 1 || !strings.Contains(stderr, "tenant mismatch") {
		t.Errorf("wrong tenant: exit %d\n%s", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := cli(t, "version")
	if code != 0 || !strings.Contains(out, "m365audit dev") || !strings.Contains(out, "\ncommit ") || !strings.Contains(out, "\nbuilt ") ||
		!strings.Contains(out, "go go1.") || !strings.Contains(out, "snapshot schema 1") {
		t.Fatalf("exit %d: %s", code, out)
	}
	// --version prints the same block.
	code, out2, errs := cli(t, "--version")
	if code != 0 || out2 != out {
		t.Fatalf("--version: exit %d %s\n%q\nwant %q", code, errs, out2, out)
	}
}

// TestResolveBuildInfo: -ldflags values win; otherwise the module version
// and the VCS settings Go recorded at build time are printed.
func TestResolveBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	got := resolveBuildInfo("dev", "", "", bi)
	if got != (buildInfo{Version: "v1.4.0", Commit: "0123456789abcdef", Date: "2026-12-01T10:00:00Z", Modified: true}) {
		t.Errorf("from build info: %+v", got)
	}
	got = resolveBuildInfo("v2.0.0", "fedcba", "2026-12-05T00:00:00Z", bi)
	if got != (buildInfo{Version: "v2.0.0", Commit: "fedcba", Date: "2026-12-05T00:00:00Z"}) {
		t.Errorf("stamped: %+v", got)
	}
	if got := resolveBuildInfo("dev", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}); got != (buildInfo{Version: "dev"}) {
		t.Errorf("no VCS: %+v", got)
	}
	var b strings.Builder
	if err := writeVersion(&b, buildInfo{Version: "v1.4.0", Commit: "0123", Date: "2026-12-01T10:00:00Z", Modified: true}); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"m365audit v1.4.0\n", "commit 0123 (modified)\n", "built 2026-12-01T10:00:00Z\n"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("version output lacks %q:\n%s", w, b.String())
		}
	}
}

func TestDemoEndToEnd(t *testing.T) {
	out := filepath.Join(t.TempDir(), "demo")
	code, stdout, stderr := cli(t, "demo", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	// The first stdout line is the snapshot directory; the audit summary
	// and the outputs follow.
	snapDir := filepath.Join(out, "snapshot")
	if first, _, _ := strings.Cut(stdout, "\n"); first != snapDir || !strings.Contains(stderr, "COLLECTION COVERAGE") {
		t.Fatalf("stdout %q stderr %s", stdout, stderr)
	}
	for _, f := range []string{"results.json", "report.xlsx", "report.pdf", "remediation.ps1", "incident-adele.vance_contoso.com.ps1"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("demo output %s missing or empty: %v", f, err)
		}
	}
	// ENTRA-MFA-001 and ENTRA-CA-001 fail on the sign-in evidence, so the
	// remediation script offers their Conditional Access policies as it
	// does for any failing check.
	script, err := os.ReadFile(filepath.Join(out, "remediation.ps1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"#region ENTRA-MFA-001", "$policyName = 'm365audit ENTRA-MFA-001 Require MFA for all users'",
		"#region ENTRA-CA-001", "$policyName = 'm365audit ENTRA-CA-001 Block legacy authentication'",
	} {
		if !strings.Contains(string(script), want) {
			t.Errorf("demo remediation.ps1 lacks %q", want)
		}
	}
	checkDemoFurther(t, out)
	// Running it again into the same directory works (it replaces its own
	// snapshot), but never removes a snapshot of another tenant.
	if code, _, stderr := cli(t, "demo", "--out", out); code != 0 {
		t.Fatalf("second demo run: exit %d\n%s", code, stderr)
	}
	got, err := snapshot.Load(snapDir, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src := sample(t)
	for _, s := range snapshot.Specs() {
		if src.Info(s.ID).Status.HasData() != got.Info(s.ID).Status.HasData() {
			t.Errorf("%s: sample %s, demo %s", s.ID, src.Info(s.ID).Status, got.Info(s.ID).Status)
		}
	}
	// Later steps start from runDemoCollect's directory.
	dir, err := runDemoCollect(t.Context(), demoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(dir)) })
	if _, err := snapshot.Load(dir, snapshot.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkDemoCollect times the demo's collection step: start tenantsim on
// the embedded sample and collect it through the real collectors.
func BenchmarkDemoCollect(b *testing.B) {
	for i := 0; i < b.N; i++ {
		dir, err := runDemoCollect(b.Context(), demoOptions{Out: filepath.Join(b.TempDir(), "snap")})
		if err != nil || dir == "" {
			b.Fatal(err)
		}
	}
}

func TestDemoNeverRemovesAnotherTenantsSnapshot(t *testing.T) {
	out := t.TempDir()
	w, err := snapshot.Create(filepath.Join(out, "snapshot"), snapshot.Manifest{Tenant: snapshot.Tenant{ID: "11111111-2222-3333-4444-555555555555"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := cli(t, "demo", "--out", out)
	if code == 0 || !strings.Contains(stderr, "not the demo tenant") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "snapshot", snapshot.ManifestFile)); err != nil {
		t.Fatal("the other tenant's snapshot was removed")
	}
}

// TestCollectInterruptedBySIGINTThenResumed sends the process a real
// SIGINT while collect pages through a slow tenant: exit 130, the snapshot
// kept and marked incomplete, the way to resume printed; --resume then
// finishes it (exit 0).
func TestCollectInterruptedBySIGINTThenResumed(t *testing.T) {
	src := sample(t)
	srv := startTenant(t, src, tenantsim.Options{GraphToken: "gt", ExchangeToken: "xt", PageSize: 1, Latency: 40 * time.Millisecond})
	t.Setenv(auth.EnvGraphToken, "gt")
	t.Setenv(auth.EnvExchangeToken, "xt")
	out := filepath.Join(t.TempDir(), "snap")
	args := []string{"collect", "--tenant", "contoso.com", "--auth", "token", "--log-level", "info",
		"--graph-endpoint", srv.URL(), "--exchange-endpoint", srv.URL()}

	go func() {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) && len(srv.Requests()) < 8 {
			time.Sleep(5 * time.Millisecond)
		}
		_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
	}()
	code, stdout, stderr := cli(t, append(args, "--out", out)...)
	if code != 130 {
		t.Fatalf("exit %d, want 130\n%s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout = %q", stdout)
	}
	for _, want := range []string{"interrupted", "--resume " + out, "INTERRUPTED"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "needs User.Read.All") {
		t.Errorf("an interrupted dataset got a permission hint:\n%s", stderr)
	}
	m, err := snapshot.ReadManifest(out)
	if err != nil || !m.IsIncomplete() {
		t.Fatalf("manifest: %v complete=%v", err, m.Complete)
	}

	code, stdout, stderr = cli(t, append(args, "--resume", out)...)
	if code != 0 || strings.TrimSpace(stdout) != out {
		t.Fatalf("resume: exit %d stdout %q\n%s", code, stdout, stderr)
	}
	got, err := snapshot.Load(out, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Manifest.IsIncomplete() || len(got.Manifest.Resumed) != 1 {
		t.Fatalf("resumed manifest complete=%v resumed=%v", got.Manifest.Complete, got.Manifest.Resumed)
	}
	// --log-level info reports each dataset's real count.
	users, _ := src.RawItems(snapshot.DSUsers)
	if !strings.Contains(stderr, fmt.Sprintf("section=users status=ok count=%d", len(users))) &&
		!strings.Contains(stderr, fmt.Sprintf("section=users count=%d", len(users))) {
		t.Errorf("info log lacks the users count %d:\n%s", len(users), stderr)
	}
}

func TestSignalExitCodes(t *testing.T) {
	for sig, want := range map[os.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143} {
		if got := (&signalError{sig: sig}).ExitCode(); got != want {
			t.Errorf("%v: exit %d, want %d", sig, got, want)
		}
	}
}
