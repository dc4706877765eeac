package collect

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/collectors/auth"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/collectors/tenantsim"
)

const (
	fixTenant = "11111111-2222-3333-4444-555555555555"
	fixGraph  = "graph-token-abc"
	fixExo    = "exo-token-xyz"
)

// fixture builds a tenant with nUsers users (every third a guest) and at
// least one item in every dataset, including hostile display names.
func fixture(nUsers int, premium bool) *snapshot.Snapshot {
	plan := `{"servicePlanId":"113feb6c-3fe4-4440-bddc-54d774bf0318","servicePlanName":"EXCHANGE_S_FOUNDATION","provisioningStatus":"Success","appliesTo":"Company"}`
	if premium {
		plan = `{"servicePlanId":"41781fb2-bc02-4b7c-bd55-b576c07bb09d","servicePlanName":"AAD_PREMIUM","provisioningStatus":"Success","appliesTo":"User"}`
	}
	names := []string{"Adele Vance", "'; Remove-MgUser -UserId x", "=HYPERLINK(\"http://x\")", "山田 太郎", "\u202eevil\u202c"}
	var users []string
	for i := 1; i <= nUsers; i++ {
		typ, upn := "Member", fmt.Sprintf("user%d@contoso.com", i)
		if i%3 == 0 {
			typ, upn = "Guest", fmt.Sprintf("guest%d_fabrikam.com#EXT#@contoso.onmicrosoft.com", i)
		}
		if i == 1 {
			upn = "adele@contoso.com"
		}
		sia := ""
		if premium {
			sia = `,"signInActivity":{"lastSignInDateTime":"2026-11-19T00:00:00Z"}`
		}
		nb, _ := json.Marshal(names[i%len(names)])
		users = append(users, fmt.Sprintf(`{"id":"00000000-0000-0000-0000-%012d","displayName":%s,"userPrincipalName":%q,"userType":%q,"accountEnabled":true,"createdDateTime":"2026-11-1%dT00:00:00Z"%s}`,
			i, nb, upn, typ, i%10, sia))
	}
	files := map[string][]byte{
		snapshot.DSOrganization: []byte(`[{"id":"` + fixTenant + `","displayName":"Contoso","verifiedDomains":[` +
			`{"name":"contoso.onmicrosoft.com","isInitial":true,"isDefault":false},{"name":"contoso.com","isInitial":false,"isDefault":true}]}]`),
		snapshot.DSDomains:                     []byte(`[{"id":"contoso.com","isDefault":true,"isVerified":true},{"id":"contoso.onmicrosoft.com","isInitial":true}]`),
		snapshot.DSSubscribedSkus:              []byte(`[{"skuId":"s1","skuPartNumber":"SPB","capabilityStatus":"Enabled","servicePlans":[` + plan + `]}]`),
		snapshot.DSUsers:                       []byte("[" + strings.Join(users, ",\n") + "]"),
		snapshot.DSSecurityDefaults:            []byte(`{"id":"00000000-0000-0000-0000-000000000005","isEnabled":true}`),
		snapshot.DSConditionalAccessPolicies:   []byte(`[{"id":"ca1","displayName":"Require MFA","state":"enabled"},{"id":"ca2","displayName":"Block legacy","state":"enabledForReportingButNotEnforced"},{"id":"ca3","displayName":"x","state":"disabled"}]`),
		snapshot.DSNamedLocations:              []byte(`[{"@odata.type":"#microsoft.graph.ipNamedLocation","id":"nl1","displayName":"HQ","isTrusted":true,"ipRanges":[]}]`),
		snapshot.DSAuthenticationStrengths:     []byte(`[{"id":"00000000-0000-0000-0000-000000000002","displayName":"Multifactor authentication"}]`),
		snapshot.DSAuthorizationPolicy:         []byte(`{"id":"authorizationPolicy","allowInvitesFrom":"everyone"}`),
		snapshot.DSAuthenticationMethodsPolicy: []byte(`{"id":"authenticationMethodsPolicy","authenticationMethodConfigurations":[]}`),
		snapshot.DSAdminConsentRequestPolicy:   []byte(`{"isEnabled":false}`),
		snapshot.DSRoleDefinitions:             []byte(`[{"id":"62e90394-69f5-4237-9190-012177145e10","displayName":"Global Administrator","isBuiltIn":true}]`),
		snapshot.DSRoleAssignments: []byte(`[{"id":"ra1","principalId":"00000000-0000-0000-0000-000000000001","roleDefinitionId":"62e90394-69f5-4237-9190-012177145e10","directoryScopeId":"/","principal":{"@odata.type":"#microsoft.graph.user","id":"00000000-0000-0000-0000-000000000001"}},` +
			`{"id":"ra2","principalId":"sp1","roleDefinitionId":"29232cdf-9323-42fd-ade2-1d097af3e4de","directoryScopeId":"/"}]`),
		snapshot.DSCrossTenantAccessPolicyDefault: []byte(`{"isServiceDefault":true}`),
		snapshot.DSOAuth2PermissionGrants:         []byte(`[{"id":"g1","clientId":"sp1","consentType":"AllPrincipals","resourceId":"sp2","scope":"Mail.Read"}]`),
		snapshot.DSServicePrincipals:              []byte(`[{"id":"sp1","appId":"a1","displayName":"App one","passwordCredentials":[{"keyId":"k1","displayName":"s","endDateTime":"2027-01-01T00:00:00Z","hint":"abc","secretText":"SECRET"}],"keyCredentials":[]},{"id":"sp2","appId":"a2","displayName":"Graph"}]`),
		snapshot.DSApplications:                   []byte(`[{"id":"app1","appId":"a1","displayName":"App one","keyCredentials":[{"keyId":"c1","type":"AsymmetricX509Cert","usage":"Verify","key":"MIIBASE64","customKeyIdentifier":"ABC"}],"passwordCredentials":null}]`),
		snapshot.DSUserRegistrationDetails:        []byte(`[{"id":"00000000-0000-0000-0000-000000000001","userPrincipalName":"adele@contoso.com","isMfaRegistered":true}]`),

		snapshot.DSExoOrganizationConfig:  []byte(`[{"Identity":"contoso","OAuth2ClientProfileEnabled":true}]`),
		snapshot.DSExoTransportConfig:     []byte(`[{"Identity":"Transport Settings","SmtpClientAuthenticationDisabled":false}]`),
		snapshot.DSExoAdminAuditLogConfig: []byte(`[{"UnifiedAuditLogIngestionEnabled":true}]`),
		snapshot.DSExoCASMailbox:          []byte(`[{"Identity":"adele","PopEnabled":true},{"Identity":"u2","PopEnabled":false},{"Identity":"u3","ImapEnabled":true}]`),
		snapshot.DSExoCASMailboxPlan:      []byte(`[{"Identity":"ExchangeOnlineEnterprise","PopEnabled":true}]`),
		snapshot.DSExoRemoteDomain:        []byte(`[{"Identity":"Default","DomainName":"*","AutoForwardEnabled":true}]`),
		snapshot.DSExoOutboundSpamPolicy:  []byte(`[{"Identity":"Default","AutoForwardingMode":"Automatic"}]`),
		snapshot.DSExoOutboundSpamRule:    []byte(`[]`),
		snapshot.DSExoMailbox:             []byte(`[{"UserPrincipalName":"adele@contoso.com","ForwardingSmtpAddress":"smtp:x@evil.example"}]`),
		snapshot.DSExoMailboxAuditBypass:  []byte(`[]`),
		snapshot.DSExoTransportRule:       []byte(`[]`),

		snapshot.DSDirectoryAudits:      []byte(`[{"id":"a1","activityDateTime":"2026-11-15T10:00:00Z"},{"id":"a2","activityDateTime":"2026-11-16T00:00:00Z"},{"id":"a3","activityDateTime":"2026-11-01T08:00:00Z"}]`),
		snapshot.DSSignIns:              []byte(`[{"id":"s1","createdDateTime":"2026-11-15T10:00:00Z","clientAppUsed":"IMAP4"},{"id":"s2","createdDateTime":"2026-11-16T00:00:00Z"}]`),
		snapshot.DSRiskyUsers:           []byte(`[{"id":"00000000-0000-0000-0000-000000000001","riskLevel":"high"}]`),
		snapshot.DSRiskDetections:       []byte(`[{"id":"r1","detectedDateTime":"2026-11-15T10:00:00Z"}]`),
		snapshot.DSIncidentAuthMethods:  []byte(`{"00000000-0000-0000-0000-000000000001":[{"@odata.type":"#microsoft.graph.passwordAuthenticationMethod","id":"p1"},{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","id":"ph1","phoneNumber":"+1 5555550100"}]}`),
		snapshot.DSIncidentMessageRules: []byte(`{"00000000-0000-0000-0000-000000000001":[{"id":"r1","displayName":".","actions":{"forwardTo":[{"emailAddress":{"address":"x@evil.example"}}]}}]}`),
		snapshot.DSIncidentMailFolders:  []byte(`{"00000000-0000-0000-0000-000000000001":[{"id":"f1","displayName":"Inbox"},{"id":"f2","displayName":"RSS Feeds"}]}`),
		snapshot.DSIncidentMailboxPerms: []byte(`{"00000000-0000-0000-0000-000000000001":[{"Identity":"adele","User":"NT AUTHORITY\\SELF","AccessRights":["FullAccess"]}]}`),
		snapshot.DSGuestInviters:        []byte(`{}`),

		// sp1 holds a role (principal not expanded): its owners and its app's.
		snapshot.DSServicePrincipalOwners: []byte(`{"sp1":[{"@odata.type":"#microsoft.graph.servicePrincipal","id":"sp9","displayName":"Deployer","passwordCredentials":[{"keyId":"k9","hint":"abc","secretText":"SECRET"}]}]}`),
		snapshot.DSApplicationOwners:      []byte(`{"app1":[{"@odata.type":"#microsoft.graph.user","id":"00000000-0000-0000-0000-000000000002"}]}`),
	}
	var inv []string
	for i := 3; i <= nUsers && i <= 30; i += 3 {
		inv = append(inv, fmt.Sprintf(`"00000000-0000-0000-0000-%012d":[{"@odata.type":"#microsoft.graph.user","id":"00000000-0000-0000-0000-000000000001","userPrincipalName":"adele@contoso.com"}]`, i))
	}
	files[snapshot.DSGuestInviters] = []byte("{" + strings.Join(inv, ",") + "}")
	m := snapshot.Manifest{SchemaVersion: snapshot.SchemaVersion,
		Tenant:      snapshot.Tenant{ID: fixTenant, DisplayName: "Contoso", PrimaryDomain: "contoso.com", InitialDomain: "contoso.onmicrosoft.com"},
		CollectedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	return snapshot.FromFiles(m, files)
}

// startSim serves snap with tokens and returns it; it stops with the test.
func startSim(t testing.TB, snap *snapshot.Snapshot, opt tenantsim.Options) *tenantsim.Server {
	t.Helper()
	if opt.GraphToken == "" {
		opt.GraphToken = fixGraph
	}
	if opt.ExchangeToken == "" {
		opt.ExchangeToken = fixExo
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := tenantsim.Start(ctx, snap, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = srv.Close() })
	return srv
}

// sleeps records retry waits without waiting.
type sleeps struct {
	mu chan struct{}
	d  []time.Duration
}

func newSleeps() *sleeps { return &sleeps{mu: make(chan struct{}, 1)} }

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu <- struct{}{}
	s.d = append(s.d, d)
	<-s.mu
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu <- struct{}{}
	defer func() { <-s.mu }()
	return append([]time.Duration(nil), s.d...)
}

// simConfig is a Config collecting srv into dir with token auth.
func simConfig(t testing.TB, srv *tenantsim.Server, dir string, sl *sleeps) Config {
	t.Helper()
	cfg := Config{GraphRoot: srv.URL(), ExchangeRoot: srv.URL(), Cloud: "global",
		Tokens: &auth.Tokens{Graph: auth.Static(fixGraph), Exchange: auth.Static(fixExo)},
		Tenant: "contoso.com", Out: dir, ToolVersion: "test", MaxRetries: 3}
	if sl != nil {
		cfg.Sleep = sl.sleep
	}
	return cfg
}
