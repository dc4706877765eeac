package auth

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestLookupCloud(t *testing.T) {
	cases := []struct{ name, graph, exo, login string }{
		{"global", "https://graph.microsoft.com", "https://outlook.office365.com", "https://login.microsoftonline.com/"},
		{"usgov", "https://graph.microsoft.us", "https://outlook.office365.us", "https://login.microsoftonline.us/"},
		{"usgovdod", "https://dod-graph.microsoft.us", "https://outlook-dod.office365.us", "https://login.microsoftonline.us/"},
		{"China", "https://microsoftgraph.chinacloudapi.cn", "https://partner.outlook.cn", "https://login.chinacloudapi.cn/"},
	}
	for _, tc := range cases {
		c, err := LookupCloud(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if c.GraphRoot != tc.graph || c.ExchangeRoot != tc.exo || c.Authority.ActiveDirectoryAuthorityHost != tc.login ||
			c.GraphScope != tc.graph+"/.default" || c.ExchangeScope != tc.exo+"/.default" {
			t.Errorf("%s: %+v", tc.name, c)
		}
	}
	if _, err := LookupCloud("germany"); err == nil || !strings.Contains(err.Error(), "global, usgov") {
		t.Errorf("err = %v", err)
	}
}

func TestParseServiceRoot(t *testing.T) {
	cases := []struct {
		in, want, err string
	}{
		{"https://graph.microsoft.us", "https://graph.microsoft.us", ""},
		{"https://graph.microsoft.us/", "https://graph.microsoft.us", ""},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", ""},
		{"http://localhost:1", "http://localhost:1", ""},
		{"http://[::1]:2", "http://[::1]:2", ""},
		{"http://graph.example.com", "", "loopback"},
		{"https://graph.microsoft.com/v1.0", "", "without a path"},
		{"graph.microsoft.com", "", "absolute"},
		{"https://a:b@graph.microsoft.com", "", "credentials"},
		{"https://graph.microsoft.com?x=1", "", "query"},
	}
	for _, tc := range cases {
		got, err := ParseServiceRoot("graph-endpoint", tc.in)
		if tc.err == "" && (err != nil || got != tc.want) {
			t.Errorf("%s: %q %v", tc.in, got, err)
		}
		if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: err %v, want %q", tc.in, err, tc.err)
		}
	}
}

func TestTokenModeAndValidation(t *testing.T) {
	env := map[string]string{EnvGraphToken: " g-tok\n"}
	o := Options{Mode: ModeToken, Getenv: func(k string) string { return env[k] }}
	tk, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := tk.Graph(t.Context()); g != "g-tok" {
		t.Errorf("graph token %q", g)
	}
	if tk.Exchange != nil || !strings.Contains(tk.ExchangeMissing, EnvExchangeToken) {
		t.Errorf("exchange = %v %q", tk.Exchange, tk.ExchangeMissing)
	}
	env[EnvExchangeToken] = "x-tok"
	tk, _ = New(o)
	if x, _ := tk.Exchange(t.Context()); x != "x-tok" {
		t.Errorf("exchange token %q", x)
	}
	bad := []Options{
		{Mode: "magic"},
		{Mode: ModeToken, Getenv: func(string) string { return "" }},
		{Mode: ModeSecret, TenantID: "t", Getenv: func(string) string { return "" }},
		{Mode: ModeSecret, TenantID: "t", ClientID: "c", Getenv: func(string) string { return "" }},
		{Mode: ModeSecret, ClientID: "c", ClientSecret: "s"},
		{Mode: ModeCertificate, TenantID: "t", ClientID: "c"},
	}
	for _, b := range bad {
		if err := b.Validate(); err == nil {
			t.Errorf("%+v: no error", b)
		}
	}
	if err := (Options{Mode: ModeCertificate, TenantID: "t", ClientID: "c", CertificatePath: "/nonexistent.pem"}).Validate(); err != nil {
		t.Errorf("validate only checks presence: %v", err)
	}
	if _, err := New(Options{Mode: ModeCertificate, TenantID: "t", ClientID: "c", CertificatePath: "/nonexistent.pem"}); err == nil {
		t.Error("a missing certificate file must fail")
	}
}

func TestTokenTenantID(t *testing.T) {
	enc := base64.RawURLEncoding
	jwt := enc.EncodeToString([]byte(`{"alg":"RS256"}`)) + "." + enc.EncodeToString([]byte(`{"tid":"abc","aud":"x"}`)) + ".sig"
	cases := map[string]string{jwt: "abc", "opaque-token": "", "a.b.c": "", "a." + enc.EncodeToString([]byte(`{}`)) + ".c": ""}
	for in, want := range cases {
		if got := TokenTenantID(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
