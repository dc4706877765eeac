package auth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// authority is a local Entra ID token endpoint over TLS (azidentity
// refuses a plain-http authority). It serves the OpenID configuration and
// issues "tok-<tenant>-<n>" for a client assertion it expects per tenant.
type authority struct {
	srv        *httptest.Server
	mu         sync.Mutex
	assertions map[string]string // tenant -> expected client_assertion
	issued     map[string]int    // tenant -> tokens issued
	scopes     []string
}

func newAuthority(t *testing.T) *authority {
	a := &authority{assertions: map[string]string{}, issued: map[string]int{}}
	a.srv = httptest.NewTLSServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *authority) serve(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 2 {
		http.NotFound(w, r)
		return
	}
	tenant := parts[0]
	base := a.srv.URL + "/" + tenant
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration"):
		json.NewEncoder(w).Encode(map[string]any{
			"token_endpoint":         base + "/oauth2/v2.0/token",
			"authorization_endpoint": base + "/oauth2/v2.0/authorize",
			"issuer":                 base + "/v2.0",
		})
	case strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") && r.Method == http.MethodPost:
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		want, ok := a.assertions[tenant]
		if !ok || r.PostForm.Get("client_assertion") != want ||
			r.PostForm.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" ||
			r.PostForm.Get("grant_type") != "client_credentials" {
			w.WriteHeader(400)
			json.NewEncoder(w).Encode(map[string]any{"error": "invalid_client", "error_description": "bad assertion for " + tenant})
			return
		}
		a.issued[tenant]++
		a.scopes = append(a.scopes, r.PostForm.Get("scope"))
		json.NewEncoder(w).Encode(map[string]any{
			"access_token": fmt.Sprintf("tok-%s-%d", tenant, a.issued[tenant]),
			"token_type":   "Bearer", "expires_in": 3600,
		})
	default:
		http.NotFound(w, r)
	}
}

func writeAssertion(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestWorkloadIdentityTokenExchange: the whole client-assertion exchange
// against a local TLS authority, chosen through AZURE_AUTHORITY_HOST (no
// --cloud given, so azidentity reads it), one credential and token cache
// per tenant: tenant A's token is never returned for tenant B.
func TestWorkloadIdentityTokenExchange(t *testing.T) {
	a := newAuthority(t)
	a.assertions["tenant-a"] = "assertion-a"
	a.assertions["tenant-b"] = "assertion-b"
	t.Setenv(EnvAuthorityHost, a.srv.URL)
	global, err := LookupCloud(CloudGlobal)
	if err != nil {
		t.Fatal(err)
	}
	newTokens := func(tenant, file string) *Tokens {
		t.Helper()
		toks, err := New(Options{Mode: ModeWorkload, TenantID: tenant, ClientID: "11111111-1111-1111-1111-111111111111",
			FederatedTokenFile: file, Cloud: global, Transport: a.srv.Client(), DisableInstanceDiscovery: true,
			Getenv: func(string) string { return "" }})
		if err != nil {
			t.Fatal(err)
		}
		return toks
	}
	ta := newTokens("tenant-a", writeAssertion(t, "assertion-a"))
	tb := newTokens("tenant-b", writeAssertion(t, "assertion-b"))
	ctx := t.Context()
	for i := 0; i < 3; i++ {
		ga, err := ta.Graph(ctx)
		if err != nil {
			t.Fatal(err)
		}
		gb, err := tb.Graph(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ga, "tok-tenant-a-") || !strings.HasPrefix(gb, "tok-tenant-b-") {
			t.Fatalf("round %d: tenant A got %q, tenant B got %q", i, ga, gb)
		}
	}
	if _, err := ta.Exchange(ctx); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	// One token per tenant and scope: cached, and never shared.
	if a.issued["tenant-a"] != 2 || a.issued["tenant-b"] != 1 {
		t.Errorf("tokens issued %v, want tenant-a 2 (Graph, Exchange) and tenant-b 1", a.issued)
	}
	if !strings.Contains(strings.Join(a.scopes, " "), "https://graph.microsoft.com/.default") ||
		!strings.Contains(strings.Join(a.scopes, " "), "https://outlook.office365.com/.default") {
		t.Errorf("scopes %v", a.scopes)
	}
}

// TestWorkloadIdentityWrongAssertion: a rejected assertion is an error that
// names the mode, and tenant B's assertion does not work for tenant A.
func TestWorkloadIdentityWrongAssertion(t *testing.T) {
	a := newAuthority(t)
	a.assertions["tenant-a"] = "assertion-a"
	global, _ := LookupCloud(CloudGlobal)
	// The cloud is chosen in code here: AZURE_AUTHORITY_HOST is then ignored
	// by azidentity, so the authority comes from the configuration.
	t.Setenv(EnvAuthorityHost, "https://login.invalid.example")
	c := global
	c.Authority.ActiveDirectoryAuthorityHost = a.srv.URL + "/"
	toks, err := New(Options{Mode: ModeWorkload, TenantID: "tenant-a", ClientID: "c", CloudChosen: true, Cloud: c,
		FederatedTokenFile: writeAssertion(t, "assertion-b"), Transport: a.srv.Client(), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = toks.Graph(t.Context())
	if err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("err = %v", err)
	}
}

func TestWorkloadValidate(t *testing.T) {
	env := map[string]string{}
	o := Options{Mode: ModeWorkload, Getenv: func(k string) string { return env[k] }}
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "--client-id") {
		t.Errorf("no client id: %v", err)
	}
	env[EnvAzureClientID] = "c"
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), EnvFederatedTokenFile) {
		t.Errorf("no token file: %v", err)
	}
	env[EnvFederatedTokenFile] = "/var/run/secrets/azure/tokens/azure-identity-token"
	if err := o.Validate(); err != nil {
		t.Error(err)
	}
}
