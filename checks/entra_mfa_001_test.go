package checks

import (
	"strings"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestCAPolicyAffectedExplainsEachPolicy(t *testing.T) {
	files := map[string]string{snapshot.DSSubscribedSkus: skusP1, snapshot.DSSecurityDefaults: `{"isEnabled":false}`, snapshot.DSUsers: users,
		snapshot.DSConditionalAccessPolicies: caCase(
			pol("p1", "MFA or compliant", "enabled", allUsers+","+allApps, `{"operator":"OR","builtInControls":["mfa","compliantDevice"]}`),
			pol("p2", "MFA except Bob", "enabled", usersExcl("excludeUsers", `"`+bobID+`"`)+","+allApps, grantMFAJSON),
			pol("p3", "MFA on Windows", "enabled", allUsers+","+allApps+`,"platforms":{"includePlatforms":["windows"]}`, grantMFAJSON),
		)}
	r := runByID(t, "ENTRA-MFA-001", testSnap(t, files, nil), nil)
	if r.Status != StatusFail || !strings.Contains(r.Summary, "would pass if these 1 exclusions are approved: Bob Example") {
		t.Fatalf("got %s: %s", r.Status, r.Summary)
	}
	details := map[string]string{}
	for _, a := range r.Affected {
		if a.Kind != "policy" {
			t.Errorf("kind %q", a.Kind)
		}
		details[a.ID] = a.Detail
	}
	if !strings.Contains(details["p1"], "grant (mfa OR compliantDevice) does not require MFA") {
		t.Errorf("OR mfa/compliant policy not explained: %v", details)
	}
	if !strings.Contains(details["p2"], "unapproved exclusion") || !strings.Contains(details["p3"], "device platforms") {
		t.Errorf("details do not explain: %v", details)
	}
}

func TestCAHostileNamesPassThroughVerbatim(t *testing.T) {
	hostileUsers := `[{"id":"h1","displayName":"'; Remove-MgUser -UserId x; '","userPrincipalName":"h@contoso.com"}]`
	name := `=HYPERLINK("http://evil.example","MFA") ‮cilbup 株式会社`
	files := map[string]string{snapshot.DSSubscribedSkus: skusP1, snapshot.DSSecurityDefaults: `{"isEnabled":false}`, snapshot.DSUsers: hostileUsers,
		snapshot.DSConditionalAccessPolicies: caCase(pol("p1", name, "enabled", usersExcl("excludeUsers", `"h1"`)+","+allApps, grantMFAJSON))}
	r := runByID(t, "ENTRA-MFA-001", testSnap(t, files, nil), nil)
	if r.Status != StatusFail || len(r.Affected) != 1 || r.Affected[0].Name != name {
		t.Fatalf("%s %+v", r.Status, r.Affected)
	}
	if !strings.Contains(r.Summary, "'; Remove-MgUser -UserId x; ' (h@contoso.com)") {
		t.Errorf("exclusion name not verbatim: %s", r.Summary)
	}
}

func TestParseConfig(t *testing.T) {
	good := `breakGlass:
  users: ["bg1@contoso.com", "11111111-0000-0000-0000-00000000b001"]
  groups: ["g-1"]
exclusions:
  ENTRA-MFA-001: {users: [], groups: ["g-2"]}
accept:
  - {check: ENTRA-CA-001, objects: ["scanner@contoso.com"], reason: "scanner", owner: "it@contoso.com", expires: 2027-01-31}
incident: {users: ["adele@contoso.com"], start: 2026-11-10T00:00:00Z}
`
	cfg, err := ParseConfig([]byte(good), "good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.BreakGlass.Users) != 2 || cfg.Exclusions["ENTRA-MFA-001"].Groups[0] != "g-2" || cfg.Accept[0].Expires.Format("2006-01-02") != "2027-01-31" ||
		cfg.Incident == nil || cfg.Incident.Start.Day() != 10 {
		t.Errorf("decoded %+v", cfg)
	}
	if c, err := ParseConfig([]byte("  \n"), "empty.yaml"); err != nil || c == nil {
		t.Errorf("empty: %v", err)
	}
	bad := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown top key", "breakglass:\n  users: [a]\n", []string{"line 1", "breakglass"}},
		{"unknown nested key", "breakGlass:\n  users: [a]\n  admins: [b]\n", []string{"line 3", "admins"}},
		{"bad date", "accept:\n  - {check: ENTRA-CA-001, reason: r, owner: o, expires: 2027-13-45}\n", []string{"bad.yaml:2:", "2027-13-45"}},
		{"bad start", "incident:\n  users: [a]\n  start: yesterday\n", []string{"bad.yaml:3:", "incident.start"}},
		{"unknown check in exclusions", "exclusions:\n  ENTRA-NOPE-001: {users: [a]}\n", []string{"bad.yaml:2:", "unknown check ID \"ENTRA-NOPE-001\""}},
		{"unknown check in accept", "accept:\n  - check: ENTRA-NOPE-002\n    reason: r\n    owner: o\n    expires: 2027-01-01\n", []string{"bad.yaml:2:", "ENTRA-NOPE-002"}},
		{"missing reason owner expires", "\naccept:\n  - check: ENTRA-CA-001\n", []string{"bad.yaml:3: accept[0]: reason is required", "owner is required", "expires is required"}},
		{"incident without start", "incident:\n  users: [a@contoso.com]\n", []string{"bad.yaml:2:", "start is required"}},
		{"not a mapping", "- a\n- b\n", []string{"line 1"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.yaml), "bad.yaml")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
