package checks

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// bigTenant generates the dataset files of an n-user tenant: users (with a
// few guests), registration details (some not MFA-capable), CAS mailboxes
// (some with POP/IMAP/SMTP AUTH on), mailboxes (some forwarding), and a
// handful of CA policies and settings so every check has something to read.
func bigTenant(n int) map[string][]byte {
	var u, reg, cas, mbx bytes.Buffer
	u.WriteByte('[')
	reg.WriteByte('[')
	cas.WriteByte('[')
	mbx.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			u.WriteByte(',')
			reg.WriteByte(',')
			cas.WriteByte(',')
			mbx.WriteByte(',')
		}
		id := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		upn := fmt.Sprintf("user%06d@contoso.com", i)
		typ := "Member"
		if i%50 == 0 {
			typ = "Guest"
			upn = fmt.Sprintf("guest%06d_fabrikam.com#EXT#@contoso.onmicrosoft.com", i)
		}
		fmt.Fprintf(&u, `{"id":%q,"displayName":"User %d","userPrincipalName":%q,"mail":%q,"userType":%q,"accountEnabled":true,"createdDateTime":"2024-01-02T03:04:05Z","assignedLicenses":[{"skuId":"b","disabledPlans":[]}],"signInActivity":{"lastSignInDateTime":"2026-11-01T00:00:00Z"}}`,
			id, i, upn, upn, typ)
		fmt.Fprintf(&reg, `{"id":%q,"userPrincipalName":%q,"userDisplayName":"User %d","userType":%q,"isAdmin":%v,"isMfaCapable":%v,"isMfaRegistered":%v,"methodsRegistered":["microsoftAuthenticatorPush"]}`,
			id, upn, i, typ, i%1000 == 0, i%7 != 0, i%7 != 0)
		fmt.Fprintf(&cas, `{"Identity":%q,"Name":"user%d","DisplayName":"User %d","PrimarySmtpAddress":%q,"ExternalDirectoryObjectId":%q,"PopEnabled":%v,"ImapEnabled":%v,"SmtpClientAuthenticationDisabled":%s,"ActiveSyncEnabled":true,"EwsEnabled":true,"MAPIEnabled":true,"OWAEnabled":true}`,
			upn, i, i, upn, id, i%3 == 0, i%5 == 0, map[bool]string{true: "false", false: "null"}[i%11 == 0])
		fwd := ""
		if i%997 == 0 {
			fwd = "smtp:exfil@evil.example"
		}
		fmt.Fprintf(&mbx, `{"Identity":%q,"Name":"user%d","DisplayName":"User %d","UserPrincipalName":%q,"PrimarySmtpAddress":%q,"ExternalDirectoryObjectId":%q,"RecipientTypeDetails":"UserMailbox","ForwardingSmtpAddress":%q,"DeliverToMailboxAndForward":false,"AuditEnabled":true,"AuditLogAgeLimit":"90.00:00:00","AuditAdmin":["Update","MoveToDeletedItems"],"AuditDelegate":["Update"],"AuditOwner":["Update"]}`,
			upn, i, i, upn, upn, id, fwd)
	}
	for _, b := range []*bytes.Buffer{&u, &reg, &cas, &mbx} {
		b.WriteByte(']')
	}
	return map[string][]byte{
		snapshot.DSUsers:                   u.Bytes(),
		snapshot.DSUserRegistrationDetails: reg.Bytes(),
		snapshot.DSExoCASMailbox:           cas.Bytes(),
		snapshot.DSExoMailbox:              mbx.Bytes(),
		snapshot.DSSubscribedSkus:          []byte(skusP2),
		snapshot.DSSecurityDefaults:        []byte(`{"id":"00000000-0000-0000-0000-000000000005","isEnabled":false}`),
		snapshot.DSConditionalAccessPolicies: []byte(caCase(
			pol("p1", "Require MFA", "enabled", usersExcl("excludeUsers", `"00000000-0000-4000-8000-000000000001"`)+","+allApps, grantMFAJSON),
			pol("p2", "Block legacy", "enabledForReportingButNotEnforced", allUsers+","+allApps+`,"clientAppTypes":["exchangeActiveSync","other"]`, grantBlockJS))),
		snapshot.DSAuthorizationPolicy: []byte(`{"id":"authorizationPolicy","allowInvitesFrom":"everyone","guestUserRoleId":"10dae51f-b6af-4016-8d66-8c2a99b929b3","defaultUserRolePermissions":{"permissionGrantPoliciesAssigned":["ManagePermissionGrantsForSelf.microsoft-user-default-legacy"]}}`),
	}
}

// BenchmarkRun100kUsers audits a generated 100k-user tenant with every
// check. Each iteration loads a fresh snapshot from the same bytes, so
// decoding is measured too.
func BenchmarkRun100kUsers(b *testing.B) {
	files := bigTenant(100_000)
	m := snapshot.Manifest{SchemaVersion: snapshot.SchemaVersion, CollectedAt: testNow,
		Tenant: snapshot.Tenant{ID: "t", DisplayName: "Big", PrimaryDomain: "contoso.com"}}
	cfg := &Config{BreakGlass: Principals{Users: []string{"user000001@contoso.com"}}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		mm := m
		mm.Datasets = nil
		s := snapshot.FromFiles(mm, files)
		r, err := ResolveConfig(cfg, s, nil)
		if err != nil {
			b.Fatal(err)
		}
		doc := Run(s, RunOptions{Config: r, GeneratedAt: testGenerated})
		if len(doc.Results) == 0 {
			b.Fatal("no results")
		}
	}
}
