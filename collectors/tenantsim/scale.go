package tenantsim

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Scale describes a generated tenant: N members, guests and mailboxes.
type Scale struct {
	Members, Guests, Mailboxes int
}

// ScaleTenantID is the tenant id of every generated tenant.
const ScaleTenantID = "5ca1e000-0000-4000-8000-000000000001"

// Generate builds a tenant of the given size in memory, deterministically
// (the same Scale always gives the same bytes; no fixtures on disk): users
// (members then guests, with signInActivity), their registration details,
// mailboxes and CAS mailboxes for the first Mailboxes members, and one
// small object or list for every other dataset. Serve it with Start and
// Options.ResourceUnits / Latency to measure collection at scale.
func Generate(sc Scale) *snapshot.Snapshot {
	users := jsonList(sc.Members+sc.Guests, func(b *bytes.Buffer, i int) {
		typ, upn := "Member", fmt.Sprintf("user%06d@scale.example", i)
		if i >= sc.Members {
			typ, upn = "Guest", fmt.Sprintf("guest%06d_partner.example#EXT#@scale.onmicrosoft.com", i)
		}
		day := i % 28
		fmt.Fprintf(b, `{"id":"%s","displayName":"User %d","userPrincipalName":%q,"mail":%q,"userType":%q,`+
			`"creationType":null,"externalUserState":null,"createdDateTime":"2024-01-%02dT08:00:00Z","accountEnabled":%t,`+
			`"onPremisesSyncEnabled":null,"assignedLicenses":[{"skuId":"06ebc4ee-1bb5-47dd-8120-11324bc54e06","disabledPlans":[]}],`+
			`"lastPasswordChangeDateTime":"2025-06-%02dT08:00:00Z","passwordPolicies":"None",`+
			`"signInActivity":{"lastSignInDateTime":"2026-11-%02dT08:00:00Z","lastNonInteractiveSignInDateTime":"2026-11-%02dT09:00:00Z","lastSuccessfulSignInDateTime":"2026-11-%02dT08:00:00Z"}}`,
			scaleID(1, i), i, upn, upn, typ, day+1, i%7 != 0, day+1, day+1, day+1, day+1)
	})
	reg := jsonList(sc.Members+sc.Guests, func(b *bytes.Buffer, i int) {
		upn := fmt.Sprintf("user%06d@scale.example", i)
		typ := "member"
		if i >= sc.Members {
			upn, typ = fmt.Sprintf("guest%06d_partner.example#EXT#@scale.onmicrosoft.com", i), "guest"
		}
		mfa := i%5 != 0
		methods := `["password"]`
		if mfa {
			methods = `["password","microsoftAuthenticatorPush"]`
		}
		fmt.Fprintf(b, `{"id":"%s","userPrincipalName":%q,"userDisplayName":"User %d","userType":%q,"isAdmin":false,`+
			`"isMfaCapable":%t,"isMfaRegistered":%t,"isPasswordlessCapable":false,"isSsprCapable":%t,"isSsprEnabled":true,`+
			`"isSsprRegistered":%t,"methodsRegistered":%s,"lastUpdatedDateTime":"2026-11-01T00:00:00Z"}`,
			scaleID(1, i), upn, i, typ, mfa, mfa, mfa, mfa, methods)
	})
	mbx := min(sc.Mailboxes, sc.Members+sc.Guests)
	mailboxes := jsonList(mbx, func(b *bytes.Buffer, i int) {
		upn := fmt.Sprintf("user%06d@scale.example", i)
		fwd := "null"
		if i%997 == 0 {
			fwd = fmt.Sprintf(`"smtp:out%d@elsewhere.example"`, i)
		}
		fmt.Fprintf(b, `{"Identity":"user%06d","Name":"user%06d","DisplayName":"User %d","UserPrincipalName":%q,"PrimarySmtpAddress":%q,`+
			`"ExternalDirectoryObjectId":"%s","RecipientTypeDetails":"UserMailbox","ForwardingAddress":null,"ForwardingSmtpAddress":%s,`+
			`"DeliverToMailboxAndForward":false,"AuditEnabled":true,"AuditLogAgeLimit":"90.00:00:00",`+
			`"AuditAdmin":["Update","MoveToDeletedItems","SoftDelete","HardDelete"],"AuditDelegate":["Update","SoftDelete"],"AuditOwner":["MailboxLogin"],`+
			`"WhenChanged":"2026-10-01T00:00:00Z","GrantSendOnBehalfTo":[]}`, i, i, i, upn, upn, scaleID(1, i), fwd)
	})
	cas := jsonList(mbx, func(b *bytes.Buffer, i int) {
		upn := fmt.Sprintf("user%06d@scale.example", i)
		fmt.Fprintf(b, `{"Identity":"user%06d","Name":"user%06d","DisplayName":"User %d","PrimarySmtpAddress":%q,"ExternalDirectoryObjectId":"%s",`+
			`"PopEnabled":%t,"ImapEnabled":%t,"SmtpClientAuthenticationDisabled":null,"ActiveSyncEnabled":true,"EwsEnabled":true,"MAPIEnabled":true,"OWAEnabled":true}`,
			i, i, i, upn, scaleID(1, i), i%11 == 0, i%13 == 0)
	})
	sps := jsonList(max(10, (sc.Members+sc.Guests)/100), func(b *bytes.Buffer, i int) {
		fmt.Fprintf(b, `{"id":"%s","appId":"%s","displayName":"App %d","servicePrincipalType":"Application","appOwnerOrganizationId":%q,`+
			`"accountEnabled":true,"appRoleAssignmentRequired":false,"keyCredentials":[],"passwordCredentials":[],"createdDateTime":"2025-01-01T00:00:00Z","tags":[],"appRoles":[],"oauth2PermissionScopes":[]}`,
			scaleID(2, i), scaleID(3, i), i, ScaleTenantID)
	})
	grants := jsonList(max(10, (sc.Members+sc.Guests)/50), func(b *bytes.Buffer, i int) {
		fmt.Fprintf(b, `{"id":"grant%d","clientId":"%s","consentType":"Principal","principalId":"%s","resourceId":"%s","scope":"User.Read"}`,
			i, scaleID(2, i%10), scaleID(1, i), scaleID(2, 0))
	})
	const ga = "62e90394-69f5-4237-9190-012177145e10"
	files := map[string][]byte{
		snapshot.DSOrganization: []byte(`[{"id":"` + ScaleTenantID + `","displayName":"Scale Test","verifiedDomains":[` +
			`{"name":"scale.onmicrosoft.com","isInitial":true,"isDefault":false,"type":"Managed"},{"name":"scale.example","isInitial":false,"isDefault":true,"type":"Managed"}]}]`),
		snapshot.DSDomains:                        []byte(`[{"id":"scale.example","isDefault":true,"isRoot":true,"isVerified":true,"authenticationType":"Managed","passwordValidityPeriodInDays":2147483647},{"id":"scale.onmicrosoft.com","isInitial":true,"isRoot":true,"isVerified":true,"authenticationType":"Managed"}]`),
		snapshot.DSSubscribedSkus:                 []byte(`[{"skuId":"06ebc4ee-1bb5-47dd-8120-11324bc54e06","skuPartNumber":"SPE_E5","capabilityStatus":"Enabled","consumedUnits":` + strconv.Itoa(sc.Members) + `,"servicePlans":[{"servicePlanName":"AAD_PREMIUM_P2","provisioningStatus":"Success"},{"servicePlanName":"AAD_PREMIUM","provisioningStatus":"Success"},{"servicePlanName":"EXCHANGE_S_ENTERPRISE","provisioningStatus":"Success"}]}]`),
		snapshot.DSUsers:                          users,
		snapshot.DSUserRegistrationDetails:        reg,
		snapshot.DSSecurityDefaults:               []byte(`{"id":"00000000-0000-0000-0000-000000000005","isEnabled":false}`),
		snapshot.DSConditionalAccessPolicies:      []byte(`[{"id":"ca1","displayName":"Require MFA for all users","state":"enabled","conditions":{"users":{"includeUsers":["All"]},"applications":{"includeApplications":["All"]},"clientAppTypes":["all"]},"grantControls":{"operator":"OR","builtInControls":["mfa"]}}]`),
		snapshot.DSNamedLocations:                 []byte(`[]`),
		snapshot.DSAuthenticationStrengths:        []byte(`[{"id":"00000000-0000-0000-0000-000000000002","displayName":"Multifactor authentication","policyType":"builtIn"}]`),
		snapshot.DSAuthorizationPolicy:            []byte(`{"id":"authorizationPolicy","allowInvitesFrom":"adminsAndGuestInviters","guestUserRoleId":"10dae51f-b6af-4016-8d66-8c2a99b929b3","defaultUserRolePermissions":{"allowedToCreateApps":false,"permissionGrantPoliciesAssigned":[]}}`),
		snapshot.DSAuthenticationMethodsPolicy:    []byte(`{"id":"authenticationMethodsPolicy","authenticationMethodConfigurations":[]}`),
		snapshot.DSAdminConsentRequestPolicy:      []byte(`{"isEnabled":true}`),
		snapshot.DSRoleDefinitions:                []byte(`[{"id":"` + ga + `","displayName":"Global Administrator","templateId":"` + ga + `","isBuiltIn":true}]`),
		snapshot.DSRoleAssignments:                []byte(`[{"id":"ra1","principalId":"` + scaleID(1, 1) + `","roleDefinitionId":"` + ga + `","directoryScopeId":"/","principal":{"@odata.type":"#microsoft.graph.user","id":"` + scaleID(1, 1) + `"}},{"id":"ra2","principalId":"` + scaleID(1, 2) + `","roleDefinitionId":"` + ga + `","directoryScopeId":"/","principal":{"@odata.type":"#microsoft.graph.user","id":"` + scaleID(1, 2) + `"}}]`),
		snapshot.DSCrossTenantAccessPolicyDefault: []byte(`{"isServiceDefault":true}`),
		snapshot.DSOAuth2PermissionGrants:         grants,
		snapshot.DSServicePrincipals:              sps,
		snapshot.DSApplications:                   []byte(`[]`),
		snapshot.DSExoOrganizationConfig:          []byte(`[{"Identity":"scale","OAuth2ClientProfileEnabled":true,"AuditDisabled":false}]`),
		snapshot.DSExoTransportConfig:             []byte(`[{"Identity":"Transport Settings","SmtpClientAuthenticationDisabled":true}]`),
		snapshot.DSExoAdminAuditLogConfig:         []byte(`[{"UnifiedAuditLogIngestionEnabled":true}]`),
		snapshot.DSExoCASMailbox:                  cas,
		snapshot.DSExoCASMailboxPlan:              []byte(`[{"Identity":"ExchangeOnlineEnterprise","PopEnabled":false,"ImapEnabled":false}]`),
		snapshot.DSExoRemoteDomain:                []byte(`[{"Identity":"Default","DomainName":"*","AutoForwardEnabled":false}]`),
		snapshot.DSExoOutboundSpamPolicy:          []byte(`[{"Identity":"Default","AutoForwardingMode":"Off"}]`),
		snapshot.DSExoOutboundSpamRule:            []byte(`[]`),
		snapshot.DSExoMailbox:                     mailboxes,
		snapshot.DSExoMailboxAuditBypass:          []byte(`[]`),
		snapshot.DSExoTransportRule:               []byte(`[]`),
	}
	m := snapshot.Manifest{SchemaVersion: snapshot.SchemaVersion,
		Tenant:      snapshot.Tenant{ID: ScaleTenantID, DisplayName: "Scale Test", PrimaryDomain: "scale.example", InitialDomain: "scale.onmicrosoft.com"},
		CollectedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), Datasets: map[string]snapshot.DatasetInfo{}}
	for _, s := range snapshot.Specs() {
		if _, ok := files[s.ID]; !ok {
			m.Datasets[s.ID] = snapshot.DatasetInfo{Status: snapshot.StatusSkipped, Reason: "not generated"}
		}
	}
	return snapshot.FromFiles(m, files)
}

// scaleID is a deterministic GUID for object i of a kind.
func scaleID(kind, i int) string {
	return fmt.Sprintf("%08x-%04x-4000-8000-%012x", kind, i>>16&0xffff, i)
}

func jsonList(n int, item func(b *bytes.Buffer, i int)) []byte {
	var b bytes.Buffer
	b.Grow(n * 700)
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		item(&b, i)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// ruBucket is Graph's per app-and-tenant resource-unit budget: limit units
// per window; a request that does not fit is answered 429 with the
// Retry-After of the rest of the window.
type ruBucket struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	start  time.Time
	used   int
}

// take charges cost units at now; ok false means throttled for wait.
func (b *ruBucket) take(now time.Time, cost int) (ok bool, wait time.Duration, usedPct float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Sub(b.start) >= b.window {
		b.start, b.used = now, 0
	}
	if b.used+cost > b.limit {
		return false, b.window - now.Sub(b.start), 100 * float64(b.used) / float64(b.limit)
	}
	b.used += cost
	return true, 0, 100 * float64(b.used) / float64(b.limit)
}

// graphCost is the resource-unit cost of a GET (collection.md §5): users,
// oauth2PermissionGrants and applications 2, subscribedSkus 3, else 1;
// $select -1, $expand +1, minimum 1.
func graphCost(path, rawQuery string) int {
	_, rest := splitVersion(path)
	cost := 1
	switch {
	case hasPrefixFold(rest, "/users"), hasPrefixFold(rest, "/oauth2PermissionGrants"), hasPrefixFold(rest, "/applications"):
		cost = 2
	case hasPrefixFold(rest, "/subscribedSkus"):
		cost = 3
	}
	q, _ := parseQuery(rawQuery)
	if q.get("$select") != "" {
		cost--
	}
	if q.get("$expand") != "" {
		cost++
	}
	return max(cost, 1)
}

func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && bytes.EqualFold([]byte(s[:len(p)]), []byte(p))
}

// throttle charges a Graph request to the resource-unit bucket and sets
// the headers Graph sends: x-ms-resource-unit always, and
// x-ms-throttle-limit-percentage once more than 80 % of the budget is used
// (as a fraction: 0.8–1.8). It reports false, having answered 429 with
// Retry-After, when the budget is exhausted.
func (s *Server) throttle(w http.ResponseWriter, r *http.Request) bool {
	if s.ru == nil || isExchangePath(r.URL.Path) {
		return true
	}
	cost := graphCost(r.URL.Path, r.URL.RawQuery)
	ok, wait, pct := s.ru.take(time.Now(), cost)
	w.Header().Set("x-ms-resource-unit", strconv.Itoa(cost))
	if pct > 80 {
		w.Header().Set("x-ms-throttle-limit-percentage", strconv.FormatFloat(pct/100, 'f', 2, 64))
	}
	if ok {
		return true
	}
	resp := s.graphError(r.URL.Path, http.StatusTooManyRequests, "TooManyRequests", "Too many requests.", r.Header)
	resp.header.Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	resp.header.Set("x-ms-throttle-scope", "Tenant_Application/Read/"+ScaleTenantID)
	writeJSON(w, resp.status, resp.header, resp.body)
	return false
}
