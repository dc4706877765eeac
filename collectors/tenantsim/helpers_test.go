package tenantsim

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// miniSnap builds a small in-memory snapshot covering every shape.
func miniSnap(t *testing.T, premium bool) *snapshot.Snapshot {
	t.Helper()
	plan := `{"servicePlanId":"113feb6c-3fe4-4440-bddc-54d774bf0318","servicePlanName":"EXCHANGE_S_FOUNDATION","provisioningStatus":"Success","appliesTo":"Company"}`
	if premium {
		plan = `{"servicePlanId":"41781fb2-bc02-4b7c-bd55-b576c07bb09d","servicePlanName":"AAD_PREMIUM","provisioningStatus":"Success","appliesTo":"User"}`
	}
	var users []string
	for i := 1; i <= 7; i++ {
		typ := "Member"
		if i%3 == 0 {
			typ = "Guest"
		}
		users = append(users, fmt.Sprintf(`{"id":"00000000-0000-0000-0000-00000000000%d","displayName":"User %d","userPrincipalName":"u%d@contoso.com","userType":%q,"createdDateTime":"2026-11-1%dT00:00:00Z","signInActivity":{"lastSignInDateTime":"2026-11-19T00:00:00Z"}}`, i, i, i, typ, i))
	}
	files := map[string][]byte{
		snapshot.DSUsers:                []byte("[" + strings.Join(users, ",\n") + "]"),
		snapshot.DSSubscribedSkus:       []byte(`[{"skuId":"x","skuPartNumber":"O365_BUSINESS_PREMIUM","capabilityStatus":"Enabled","servicePlans":[` + plan + `]}]`),
		snapshot.DSOrganization:         []byte(`[{"id":"11111111-2222-3333-4444-555555555555","displayName":"Mini","verifiedDomains":[{"name":"mini.onmicrosoft.com","isInitial":true}]}]`),
		snapshot.DSAuthorizationPolicy:  []byte(`{"id":"authorizationPolicy","allowInvitesFrom":"everyone"}`),
		snapshot.DSDirectoryAudits:      []byte(`[{"id":"a1","activityDateTime":"2026-11-15T10:00:00Z"},{"id":"a2","activityDateTime":"2026-11-16T00:00:00Z"},{"id":"a3","activityDateTime":"2026-11-17T08:00:00Z"}]`),
		snapshot.DSIncidentAuthMethods:  []byte(`{"00000000-0000-0000-0000-000000000001":[{"@odata.type":"#microsoft.graph.passwordAuthenticationMethod","id":"28c10230-6103-485e-b985-444c60001490"},{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","id":"3179e48a-750b-4051-897c-87b9720928f7","phoneNumber":"+1 5555550100","phoneType":"mobile"},{"@odata.type":"#microsoft.graph.microsoftAuthenticatorAuthenticationMethod","id":"m1","displayName":"Galaxy S9"}]}`),
		snapshot.DSExoCASMailbox:        []byte(`[{"Identity":"u1","PopEnabled":true},{"Identity":"u2","PopEnabled":false},{"Identity":"u4","PopEnabled":true}]`),
		snapshot.DSExoTransportConfig:   []byte(`[{"Identity":"Transport Settings","SmtpClientAuthenticationDisabled":false}]`),
		snapshot.DSIncidentMailboxPerms: []byte(`{"00000000-0000-0000-0000-000000000001":[{"Identity":"u1","User":"NT AUTHORITY\\SELF","AccessRights":["FullAccess, ReadPermission"]}]}`),
	}
	m := snapshot.Manifest{SchemaVersion: snapshot.SchemaVersion,
		Tenant:      snapshot.Tenant{ID: "11111111-2222-3333-4444-555555555555", DisplayName: "Mini", PrimaryDomain: "mini.com", InitialDomain: "mini.onmicrosoft.com"},
		CollectedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC),
		Datasets: map[string]snapshot.DatasetInfo{
			snapshot.DSRiskyUsers:                {Status: snapshot.StatusUnlicensed},
			snapshot.DSConditionalAccessPolicies: {Status: snapshot.StatusForbidden},
			snapshot.DSNamedLocations:            {Status: snapshot.StatusError},
			snapshot.DSExoRemoteDomain:           {Status: snapshot.StatusForbidden},
		}}
	return snapshot.FromFiles(m, files)
}

func startMini(t *testing.T, premium bool, opt Options) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, miniSnap(t, premium), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = s.Close() })
	return s
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, r.body)
	}
	return m
}

func (r reply) errorCode(t *testing.T) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func do(t *testing.T, method, url, token string, body []byte, hdr map[string]string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	return gzipB(t, b)
}

func gzipB(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// collectGraph follows nextLinks from url and returns every item.
func collectGraph(t *testing.T, url, token string) ([]json.RawMessage, int) {
	t.Helper()
	var all []json.RawMessage
	pages := 0
	for url != "" {
		r := do(t, http.MethodGet, url, token, nil, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", url, r.status, r.body)
		}
		var page struct {
			Value []json.RawMessage `json:"value"`
			Next  string            `json:"@odata.nextLink"`
		}
		if err := json.Unmarshal(r.body, &page); err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Value...)
		url = page.Next
		pages++
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
	}
	return all, pages
}
