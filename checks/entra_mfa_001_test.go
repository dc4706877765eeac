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
	if r.Status != StatusFail || !strings.Contains(r.Summary, "would pass if this exclusion were approved: Bob Example") {
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
	if !strings.Contains(details["p2"], "an exclusion that is not approved") || !strings.Contains(details["p3"], "device platforms") {
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
