package checks

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// The incident fixture mixes attacker objects (done by Adele inside the
// window, 2026-11-16 … 2026-11-20) with legitimate ones: an old
// authenticator, an ordinary folder rule, guests invited by an admin or
// before the window, a benign Microsoft grant.
const (
	irAdele = "11111111-0000-0000-0000-00000000adel"
	irMegan = "22222222-0000-0000-0000-00000000megn"
)

var irFiles = map[string]string{
	snapshot.DSDomains: `[{"id":"contoso.com","isVerified":true,"authenticationType":"Managed"},{"id":"contoso.onmicrosoft.com","isVerified":true,"isInitial":true,"authenticationType":"Managed"}]`,
	snapshot.DSUsers: `[
 {"id":"` + irAdele + `","displayName":"Adele Vance","userPrincipalName":"adele.vance@contoso.com","mail":"adele.vance@contoso.com","userType":"Member","accountEnabled":true,"createdDateTime":"2023-02-01T10:00:00Z","lastPasswordChangeDateTime":"2025-06-01T10:00:00Z","signInSessionsValidFromDateTime":"2025-06-01T10:00:00Z"},
 {"id":"` + irMegan + `","displayName":"Megan Bowen","userPrincipalName":"megan.bowen@contoso.com","userType":"Member","accountEnabled":true,"createdDateTime":"2022-01-01T10:00:00Z"},
 {"id":"g-attacker-1","displayName":"'; Remove-MgUser -UserId 'x'; '","mail":"bob@fabrikam.example","userPrincipalName":"bob_fabrikam.example#EXT#@contoso.onmicrosoft.com","userType":"Guest","creationType":"Invitation","externalUserState":"PendingAcceptance","accountEnabled":true,"createdDateTime":"2026-11-17T09:05:00Z"},
 {"id":"g-attacker-2","displayName":"陳大文","mail":"chan@example.hk","userPrincipalName":"chan_example.hk#EXT#@contoso.onmicrosoft.com","userType":"Guest","creationType":"Invitation","externalUserState":"PendingAcceptance","accountEnabled":true,"createdDateTime":"2026-11-17T09:06:00Z"},
 {"id":"g-admin-window","displayName":"Partner Onboarding","mail":"pat@partner.example","userPrincipalName":"pat_partner.example#EXT#@contoso.onmicrosoft.com","userType":"Guest","creationType":"Invitation","externalUserState":"Accepted","accountEnabled":true,"createdDateTime":"2026-11-18T12:00:00Z"},
 {"id":"g-admin-old","displayName":"Old Partner","mail":"old@partner.example","userPrincipalName":"old_partner.example#EXT#@contoso.onmicrosoft.com","userType":"Guest","creationType":"Invitation","externalUserState":"Accepted","accountEnabled":true,"createdDateTime":"2025-03-01T12:00:00Z"},
 {"id":"g-adele-old","displayName":"Adele's Friend","mail":"friend@example.org","userPrincipalName":"friend_example.org#EXT#@contoso.onmicrosoft.com","userType":"Guest","creationType":"Invitation","externalUserState":"Accepted","accountEnabled":true,"createdDateTime":"2025-09-01T12:00:00Z"}
]`,
	snapshot.DSGuestInviters: `{
 "g-attacker-1":[{"@odata.type":"#microsoft.graph.user","id":"` + irAdele + `","displayName":"Adele Vance","userPrincipalName":"adele.vance@contoso.com"}],
 "g-attacker-2":[{"@odata.type":"#microsoft.graph.user","id":"` + irAdele + `","displayName":"Adele Vance","userPrincipalName":"adele.vance@contoso.com"}],
 "g-admin-window":[{"@odata.type":"#microsoft.graph.user","id":"` + irMegan + `","displayName":"Megan Bowen","userPrincipalName":"megan.bowen@contoso.com"}],
 "g-admin-old":[{"@odata.type":"#microsoft.graph.user","id":"` + irMegan + `","displayName":"Megan Bowen","userPrincipalName":"megan.bowen@contoso.com"}],
 "g-adele-old":[{"@odata.type":"#microsoft.graph.user","id":"` + irAdele + `","displayName":"Adele Vance","userPrincipalName":"adele.vance@contoso.com"}]}`,
	snapshot.DSIncidentAuthMethods: `{"` + irAdele + `":[
 {"@odata.type":"#microsoft.graph.passwordAuthenticationMethod","id":"28c10230-6103-485e-b985-444c60001490","createdDateTime":"2023-02-01T10:00:00Z"},
 {"@odata.type":"#microsoft.graph.microsoftAuthenticatorAuthenticationMethod","id":"m-old","displayName":"iPhone 13","createdDateTime":"2025-01-10T10:00:00Z"},
 {"@odata.type":"#microsoft.graph.microsoftAuthenticatorAuthenticationMethod","id":"m-new","displayName":"Galaxy S9","createdDateTime":"2026-11-17T08:43:00Z"},
 {"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","id":"3179e48a-750b-4051-897c-87b9720928f7","phoneNumber":"+234 800 000 0000","phoneType":"mobile"}]}`,
	snapshot.DSDirectoryAudits: `[
 {"id":"a1","category":"UserManagement","activityDisplayName":"User registered security info","activityDateTime":"2026-11-17T08:43:10Z","result":"success","resultReason":"User registered Authenticator App with Notification and Code",
  "initiatedBy":{"user":{"id":"` + irAdele + `","userPrincipalName":"adele.vance@contoso.com","ipAddress":"203.0.113.7"}},"targetResources":[{"id":"` + irAdele + `","type":"User","userPrincipalName":"adele.vance@contoso.com"}]},
 {"id":"a2","category":"UserManagement","activityDisplayName":"User registered security info","activityDateTime":"2026-11-17T08:50:00Z","result":"success","resultReason":"User registered Mobile Phone SMS",
  "initiatedBy":{"user":{"id":"` + irAdele + `","userPrincipalName":"adele.vance@contoso.com","ipAddress":"203.0.113.7"}},"targetResources":[{"id":"` + irAdele + `","type":"User","userPrincipalName":"adele.vance@contoso.com"}]},
 {"id":"a3","category":"UserManagement","activityDisplayName":"Invite external user","activityDateTime":"2026-11-17T09:05:00Z","result":"success",
  "initiatedBy":{"user":{"id":"` + irAdele + `","userPrincipalName":"adele.vance@contoso.com"}},"targetResources":[{"id":"g-attacker-1","type":"User","userPrincipalName":"bob@fabrikam.example"}]},
 {"id":"a4","category":"ApplicationManagement","activityDisplayName":"Consent to application","activityDateTime":"2026-11-17T10:00:00Z","result":"success",
  "initiatedBy":{"user":{"id":"` + irAdele + `","userPrincipalName":"adele.vance@contoso.com"}},"targetResources":[{"id":"sp-emclient","displayName":"eM Client","type":"ServicePrincipal"}]},
 {"id":"a5","category":"RoleManagement","activityDisplayName":"Add member to role","activityDateTime":"2026-11-18T11:00:00Z","result":"success",
  "initiatedBy":{"user":{"id":"` + irMegan + `","userPrincipalName":"megan.bowen@contoso.com"}},"targetResources":[{"id":"` + irMegan + `","type":"User","userPrincipalName":"megan.bowen@contoso.com","modifiedProperties":[{"displayName":"Role.DisplayName","oldValue":"","newValue":"\"Exchange Administrator\""}]}]},
 {"id":"a6","category":"UserManagement","activityDisplayName":"User registered security info","activityDateTime":"2026-11-10T08:00:00Z","result":"success",
  "initiatedBy":{"user":{"id":"` + irAdele + `","userPrincipalName":"adele.vance@contoso.com"}},"targetResources":[{"id":"` + irAdele + `","type":"User"}]}
]`,
	snapshot.DSIncidentMessageRules: `{"` + irAdele + `":[
 {"id":"r-dot","displayName":".","sequence":1,"isEnabled":true,"conditions":{"bodyOrSubjectContains":["invoice","payment"]},"actions":{"moveToFolder":"f-rss","markAsRead":true,"stopProcessingRules":true}},
 {"id":"r-fwd","displayName":"Sync","sequence":2,"isEnabled":true,"actions":{"forwardTo":[{"emailAddress":{"name":"backup","address":"adele.v.backup@gmail.com"}}]}},
 {"id":"r-news","displayName":"Newsletters","sequence":3,"isEnabled":true,"conditions":{"senderContains":["news@"]},"actions":{"moveToFolder":"f-news","markAsRead":true}},
 {"id":"r-int","displayName":"Copy to Megan","sequence":4,"isEnabled":true,"actions":{"forwardTo":[{"emailAddress":{"address":"megan.bowen@contoso.com"}}]}}]}`,
	snapshot.DSIncidentMailFolders: `{"` + irAdele + `":[{"id":"f-rss","displayName":"RSS Feeds"},{"id":"f-news","displayName":"Newsletters"},{"id":"f-inbox","displayName":"Inbox","wellKnownName":"inbox"}]}`,
	snapshot.DSExoMailbox: `[
 {"UserPrincipalName":"adele.vance@contoso.com","ExternalDirectoryObjectId":"` + irAdele + `","ForwardingSmtpAddress":"smtp:adele.v.backup@gmail.com","ForwardingAddress":null,"DeliverToMailboxAndForward":true,"WhenChanged":"2026-11-17T09:30:00+00:00"},
 {"UserPrincipalName":"megan.bowen@contoso.com","ExternalDirectoryObjectId":"` + irMegan + `","ForwardingSmtpAddress":null,"ForwardingAddress":null}]`,
	snapshot.DSOAuth2PermissionGrants: `[
 {"id":"gr-em","clientId":"sp-emclient","consentType":"Principal","principalId":"` + irAdele + `","resourceId":"sp-graph","scope":"Mail.ReadWrite Mail.Send offline_access IMAP.AccessAsUser.All SMTP.Send"},
 {"id":"gr-ms","clientId":"sp-msgraphcli","consentType":"AllPrincipals","principalId":null,"resourceId":"sp-graph","scope":"User.Read"}]`,
	snapshot.DSServicePrincipals: `[
 {"id":"sp-emclient","appId":"e9a7fea1-1cc0-4cd9-a31b-9137ca5deedd","displayName":"eM Client","appOwnerOrganizationId":"aaaaaaaa-1111-2222-3333-444444444444","createdDateTime":"2026-11-17T10:00:00Z"},
 {"id":"sp-msgraphcli","appId":"14d82eec-204b-4c2f-b7e8-296a70dab67e","displayName":"Microsoft Graph Command Line Tools","appOwnerOrganizationId":"f8cdef31-a31e-4b4a-93e4-5f571e91255a","createdDateTime":"2024-01-01T00:00:00Z"},
 {"id":"sp-graph","appId":"00000003-0000-0000-c000-000000000000","displayName":"Microsoft Graph","appOwnerOrganizationId":"f8cdef31-a31e-4b4a-93e4-5f571e91255a","createdDateTime":"2020-01-01T00:00:00Z"}]`,
	snapshot.DSApplications: `[{"id":"app-lob","appId":"lob","displayName":"Payroll Export","createdDateTime":"2024-01-01T00:00:00Z","passwordCredentials":[{"keyId":"k1","displayName":"old","startDateTime":"2024-01-01T00:00:00Z","endDateTime":"2026-01-01T00:00:00Z"}]}]`,
	snapshot.DSSignIns: `[
 {"id":"s1","createdDateTime":"2026-11-17T08:30:00Z","userId":"` + irAdele + `","userPrincipalName":"adele.vance@contoso.com","clientAppUsed":"IMAP4","ipAddress":"203.0.113.7","location":{"city":"Lagos","countryOrRegion":"NG"},"status":{"errorCode":0},"isInteractive":false,"authenticationRequirement":"singleFactorAuthentication"},
 {"id":"s2","createdDateTime":"2026-11-17T08:35:00Z","userId":"` + irAdele + `","userPrincipalName":"adele.vance@contoso.com","clientAppUsed":"IMAP4","ipAddress":"203.0.113.7","location":{"city":"Lagos","countryOrRegion":"NG"},"status":{"errorCode":0},"isInteractive":false,"authenticationRequirement":"singleFactorAuthentication"},
 {"id":"s3","createdDateTime":"2026-11-17T08:40:00Z","userId":"` + irAdele + `","userPrincipalName":"adele.vance@contoso.com","clientAppUsed":"Browser","appDisplayName":"Office 365 Exchange Online","ipAddress":"203.0.113.7","status":{"errorCode":0},"isInteractive":true,"authenticationRequirement":"singleFactorAuthentication"},
 {"id":"s4","createdDateTime":"2026-11-18T08:40:00Z","userId":"` + irMegan + `","userPrincipalName":"megan.bowen@contoso.com","clientAppUsed":"Browser","ipAddress":"198.51.100.2","status":{"errorCode":0},"isInteractive":true,"authenticationRequirement":"multiFactorAuthentication"},
 {"id":"s5","createdDateTime":"2026-11-18T09:00:00Z","userId":"` + irMegan + `","userPrincipalName":"megan.bowen@contoso.com","clientAppUsed":"Authenticated SMTP","ipAddress":"192.0.2.50","status":{"errorCode":50126,"failureReason":"Invalid username or password"},"isInteractive":false,"authenticationRequirement":"singleFactorAuthentication"}
]`,
}

func irTestCtx(t *testing.T, files map[string]string, statuses map[string]snapshot.Status) *Context {
	t.Helper()
	ctx := testCtx(t, testSnap(t, files, statuses), nil)
	ctx.Incident = &IncidentInfo{Users: []string{"Adele.Vance@contoso.com"}, Start: time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), End: testNow}
	return ctx
}

func irCheck(t *testing.T, id string) Check {
	t.Helper()
	for _, c := range incidentChecks() {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no check %s", id)
	return Check{}
}

func attributedIDs(r Result) []string {
	var ids []string
	for _, a := range r.Affected {
		if a.Attributed {
			ids = append(ids, a.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

func allIDs(r Result) []string {
	var ids []string
	for _, a := range r.Affected {
		ids = append(ids, a.ID)
	}
	sort.Strings(ids)
	return ids
}

// TestIncidentChecksNameExactlyTheAttackersObjects is the core promise of
// the incident mode: on mixed inputs, the checks attribute exactly the
// attacker's objects, and list the rest for review only.
func TestIncidentChecksNameExactlyTheAttackersObjects(t *testing.T) {
	tests := []struct {
		id         string
		status     Status
		attributed []string
		all        []string
	}{
		{"IR-USR-002", StatusFail, []string{irAdele}, []string{irAdele}},
		{"IR-USR-003", StatusFail, []string{"3179e48a-750b-4051-897c-87b9720928f7", "m-new"}, []string{"3179e48a-750b-4051-897c-87b9720928f7", "m-new"}},
		{"IR-GST-001", StatusFail, []string{"g-attacker-1", "g-attacker-2"}, []string{"g-adele-old", "g-admin-window", "g-attacker-1", "g-attacker-2"}},
		{"IR-INB-001", StatusFail, []string{"r-dot", "r-fwd"}, []string{"r-dot", "r-fwd", "r-int", "r-news"}},
		{"IR-MBX-001", StatusFail, []string{irAdele}, []string{irAdele}},
		{"IR-APP-001", StatusFail, []string{"gr-em"}, []string{"gr-em"}},
		{"IR-APP-002", StatusFail, []string{"sp-emclient"}, []string{"sp-emclient"}},
		{"IR-SIG-001", StatusFail, []string{strings.ToLower(irAdele) + "|IMAP4|203.0.113.7"}, []string{strings.ToLower(irAdele) + "|IMAP4|203.0.113.7", strings.ToLower(irMegan) + "|Authenticated SMTP|192.0.2.50"}},
		{"IR-SIG-002", StatusFail, []string{strings.ToLower(irAdele) + "|Browser|203.0.113.7"}, []string{strings.ToLower(irAdele) + "|Browser|203.0.113.7"}},
		{"IR-PRIV-001", StatusWarn, nil, []string{"a5"}},
		{"IR-CFG-001", StatusPass, nil, nil},
	}
	ctx := irTestCtx(t, irFiles, nil)
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			r := RunCheck(irCheck(t, tt.id), ctx)
			if r.Status != tt.status {
				t.Fatalf("status = %s, want %s (%s)", r.Status, tt.status, r.Summary)
			}
			if got := attributedIDs(r); strings.Join(got, ",") != strings.Join(tt.attributed, ",") {
				t.Errorf("attributed = %v, want %v\n%+v", got, tt.attributed, r.Affected)
			}
			if got := allIDs(r); strings.Join(got, ",") != strings.Join(tt.all, ",") {
				t.Errorf("affected = %v, want %v", got, tt.all)
			}
			if r.Summary == "" || strings.Contains(r.Summary, "%!") {
				t.Errorf("bad summary %q", r.Summary)
			}
		})
	}
}

func TestIncidentChecksUnknownWhenNotCollected(t *testing.T) {
	for _, c := range incidentChecks() {
		t.Run(c.ID, func(t *testing.T) {
			statuses := map[string]snapshot.Status{}
			for _, ds := range c.Datasets {
				statuses[ds] = snapshot.StatusForbidden
			}
			ctx := irTestCtx(t, irFiles, statuses)
			ctx.Licences = Licences{Known: true, P1: true, P2: true}
			r := RunCheck(c, ctx)
			if r.Status != StatusUnknown {
				t.Fatalf("status = %s, want unknown (%s)", r.Status, r.Summary)
			}
			if !strings.Contains(r.Summary, c.Datasets[0]) {
				t.Errorf("summary %q does not name the dataset", r.Summary)
			}
		})
	}
}

func TestIncidentNoEventsIsPassNotUnknown(t *testing.T) {
	files := map[string]string{
		snapshot.DSUsers:           `[{"id":"` + irAdele + `","userPrincipalName":"adele.vance@contoso.com","userType":"Member","createdDateTime":"2023-01-01T00:00:00Z","lastPasswordChangeDateTime":"2026-11-19T10:00:00Z","signInSessionsValidFromDateTime":"2026-11-19T10:00:01Z"}]`,
		snapshot.DSDirectoryAudits: `[]`,
		snapshot.DSSignIns:         `[]`,
	}
	ctx := irTestCtx(t, files, nil)
	for _, id := range []string{"IR-USR-002", "IR-GST-001", "IR-PRIV-001", "IR-CFG-001", "IR-SIG-001"} {
		r := RunCheck(irCheck(t, id), ctx)
		if r.Status != StatusPass {
			t.Errorf("%s: status = %s, want pass (%s)", id, r.Status, r.Summary)
		}
	}
}

func TestIncidentRuleWithPunctuationNameIsSuspicious(t *testing.T) {
	for _, name := range []string{".", "..", "—", " ", ""} {
		if !irOnlyPunctuation(name) {
			t.Errorf("%q should count as only punctuation", name)
		}
	}
	for _, name := range []string{"a.", "Newsletters", "請求書"} {
		if irOnlyPunctuation(name) {
			t.Errorf("%q is a real name", name)
		}
	}
}

func TestIncidentChecksMetadata(t *testing.T) {
	for _, c := range incidentChecks() {
		if c.ID == "" || c.Title == "" || c.Category == "" || c.Severity == "" || c.Rationale == "" || c.Remediation.Summary == "" || len(c.Datasets) == 0 || !c.Incident {
			t.Errorf("%s: incomplete metadata", c.ID)
		}
	}
}

func irFilesWith(over map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range irFiles {
		m[k] = v
	}
	for k, v := range over {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

func irCtxUsers(t *testing.T, files map[string]string, users ...string) *Context {
	ctx := testCtx(t, testSnap(t, files, nil), nil)
	ctx.Incident = &IncidentInfo{Users: users, Start: time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), End: testNow}
	return ctx
}

// TestIncidentReviewFindings are the cases an independent review found:
// each must be reviewed, not attributed, and never pass unexamined.
func TestIncidentReviewFindings(t *testing.T) {
	ordinaryRules := `{"` + irAdele + `":[{"id":"r-news","displayName":"Newsletters","isEnabled":true,"actions":{"moveToFolder":"f-news","markAsRead":true}}]}`
	t.Run("an unresolved incident user makes a clean result inconclusive", func(t *testing.T) {
		ctx := irCtxUsers(t, irFilesWith(map[string]string{snapshot.DSIncidentMessageRules: ordinaryRules, snapshot.DSIncidentMailboxPerms: `{}`}), "adele.vance@contoso.com", "ghost@contoso.com")
		for _, id := range []string{"IR-INB-001", "IR-MBX-002"} {
			if r := RunCheck(irCheck(t, id), ctx); r.Status != StatusUnknown || !strings.Contains(r.Summary, "ghost@contoso.com") {
				t.Errorf("%s: %s %q, want unknown naming ghost", id, r.Status, r.Summary)
			}
		}
	})
	t.Run("no incident user resolved is unknown", func(t *testing.T) {
		ctx := irCtxUsers(t, irFilesWith(map[string]string{snapshot.DSDirectoryAudits: "[]"}), "adele.vance@contoso.co")
		for _, id := range []string{"IR-USR-003", "IR-INB-001", "IR-MBX-002", "IR-USR-002"} {
			if r := RunCheck(irCheck(t, id), ctx); r.Status != StatusUnknown {
				t.Errorf("%s: %s %q, want unknown", id, r.Status, r.Summary)
			}
		}
	})
	t.Run("a rule moving mail to an unknown folder is reviewed, not passed", func(t *testing.T) {
		hidden := `{"` + irAdele + `":[{"id":"r-x","displayName":"Sync","isEnabled":true,"actions":{"moveToFolder":"f-rss-id"}}]}`
		ctx := irTestCtx(t, irFilesWith(map[string]string{snapshot.DSIncidentMessageRules: hidden, snapshot.DSIncidentMailFolders: `{"someone-else":[]}`}), nil)
		r := RunCheck(irCheck(t, "IR-INB-001"), ctx)
		if r.Status != StatusWarn || len(attributedIDs(r)) != 0 {
			t.Errorf("got %s attributed=%v: %s", r.Status, attributedIDs(r), r.Summary)
		}
	})
	t.Run("an admin's Temporary Access Pass in the window is reviewed, not removed", func(t *testing.T) {
		methods := `{"` + irAdele + `":[{"@odata.type":"#microsoft.graph.temporaryAccessPassAuthenticationMethod","id":"tap-helpdesk","createdDateTime":"2026-11-19T10:00:00Z"}]}`
		aud := `[{"id":"h1","activityDisplayName":"Admin registered security info","activityDateTime":"2026-11-19T10:00:05Z","result":"success","initiatedBy":{"user":{"id":"` + irMegan + `","userPrincipalName":"megan.bowen@contoso.com"}},"targetResources":[{"id":"` + irAdele + `","type":"User"}]}]`
		r := RunCheck(irCheck(t, "IR-USR-003"), irTestCtx(t, irFilesWith(map[string]string{snapshot.DSIncidentAuthMethods: methods, snapshot.DSDirectoryAudits: aud}), nil))
		if r.Status != StatusWarn || len(attributedIDs(r)) != 0 {
			t.Errorf("got %s attributed=%v: %s", r.Status, attributedIDs(r), r.Summary)
		}
	})
	t.Run("without the domains dataset an internal forward is not attributed", func(t *testing.T) {
		rules := `{"` + irAdele + `":[{"id":"r-int","displayName":"Copy to Megan","isEnabled":true,"actions":{"forwardTo":[{"emailAddress":{"address":"megan.bowen@contoso.com"}}]}}]}`
		r := RunCheck(irCheck(t, "IR-INB-001"), irTestCtx(t, irFilesWith(map[string]string{snapshot.DSDomains: "", snapshot.DSIncidentMessageRules: rules}), nil))
		if len(attributedIDs(r)) != 0 {
			t.Errorf("internal forward attributed: %s %+v", r.Status, r.Affected)
		}
	})
	t.Run("forwarding set before the window is reviewed, not cleared", func(t *testing.T) {
		mbx := `[{"UserPrincipalName":"adele.vance@contoso.com","ExternalDirectoryObjectId":"` + irAdele + `","ForwardingSmtpAddress":"smtp:adele.personal@gmail.com","DeliverToMailboxAndForward":true,"WhenChanged":"2024-01-01T09:30:00+00:00"}]`
		r := RunCheck(irCheck(t, "IR-MBX-001"), irTestCtx(t, irFilesWith(map[string]string{snapshot.DSExoMailbox: mbx}), nil))
		if r.Status != StatusFail || len(attributedIDs(r)) != 0 {
			t.Errorf("got %s attributed=%v (external forwarding fails, but is not the attacker's): %s", r.Status, attributedIDs(r), r.Summary)
		}
	})
	t.Run("an old grant without the audit log is reviewed", func(t *testing.T) {
		grants := `[{"id":"gr-zoom","clientId":"sp-zoom","consentType":"Principal","principalId":"` + irAdele + `","resourceId":"sp-graph","scope":"User.Read Calendars.Read"}]`
		sps := `[{"id":"sp-zoom","appId":"zoom","displayName":"Zoom","appOwnerOrganizationId":"bbbbbbbb-1111-2222-3333-444444444444","createdDateTime":"2023-01-01T00:00:00Z"}]`
		r := RunCheck(irCheck(t, "IR-APP-001"), irTestCtx(t, irFilesWith(map[string]string{snapshot.DSOAuth2PermissionGrants: grants, snapshot.DSServicePrincipals: sps, snapshot.DSDirectoryAudits: ""}), nil))
		if r.Status != StatusWarn || len(attributedIDs(r)) != 0 || !strings.Contains(r.Summary, "audit log was not collected") {
			t.Errorf("got %s attributed=%v: %s", r.Status, attributedIDs(r), r.Summary)
		}
	})
	t.Run("a credential an admin added is not blamed on an earlier consent", func(t *testing.T) {
		apps := `[{"id":"app-lob","appId":"lob","displayName":"Payroll Export","createdDateTime":"2024-01-01T00:00:00Z","passwordCredentials":[{"keyId":"k2","displayName":"rotation","startDateTime":"2026-11-19T10:00:00Z"}]}]`
		aud := `[{"id":"e1","activityDisplayName":"Consent to application","activityDateTime":"2026-11-17T10:00:00Z","result":"success","initiatedBy":{"user":{"id":"` + irAdele + `","userPrincipalName":"adele.vance@contoso.com"}},"targetResources":[{"id":"sp-lob","displayName":"Payroll Export"}]},
		 {"id":"e2","activityDisplayName":"Update application – Certificates and secrets management ","activityDateTime":"2026-11-19T10:00:00Z","result":"success","initiatedBy":{"user":{"id":"` + irMegan + `","userPrincipalName":"megan.bowen@contoso.com"}},"targetResources":[{"id":"app-lob","displayName":"Payroll Export"}]}]`
		r := RunCheck(irCheck(t, "IR-APP-002"), irTestCtx(t, irFilesWith(map[string]string{snapshot.DSApplications: apps, snapshot.DSServicePrincipals: `[]`, snapshot.DSDirectoryAudits: aud}), nil))
		if len(attributedIDs(r)) != 0 || len(r.Affected) != 1 || r.Affected[0].Actor != "megan.bowen@contoso.com" {
			t.Errorf("got %s %+v", r.Status, r.Affected)
		}
	})
	t.Run("a role an admin gave a guest is reviewed; a failed attempt is no change", func(t *testing.T) {
		aud := `[{"id":"rp1","activityDisplayName":"Add member to role","activityDateTime":"2026-11-18T13:00:00Z","result":"success","initiatedBy":{"user":{"id":"` + irMegan + `","userPrincipalName":"megan.bowen@contoso.com"}},"targetResources":[{"id":"g-admin-window","type":"User","userPrincipalName":"pat_partner.example#EXT#@contoso.onmicrosoft.com"}]},
		 {"id":"rpf","activityDisplayName":"Add member to role","activityDateTime":"2026-11-18T13:05:00Z","result":"failure","initiatedBy":{"user":{"id":"` + irAdele + `","userPrincipalName":"adele.vance@contoso.com"}},"targetResources":[{"id":"` + irAdele + `","type":"User"}]}]`
		r := RunCheck(irCheck(t, "IR-PRIV-001"), irTestCtx(t, irFilesWith(map[string]string{snapshot.DSDirectoryAudits: aud}), nil))
		if r.Status != StatusWarn || len(r.Affected) != 1 || r.Affected[0].ID != "rp1" || r.Affected[0].Attributed {
			t.Errorf("got %s %+v", r.Status, r.Affected)
		}
	})
}

// TestIRSig002LeavesOutResolvedBreakGlass: a break-glass account's
// single-factor sign-ins are not counted, whether the configuration names
// it by UPN or by object id (resolved once to the id the sign-ins carry).
func TestIRSig002LeavesOutResolvedBreakGlass(t *testing.T) {
	for _, tt := range []struct {
		name string
		bg   []string
		want Status
	}{
		{"no break-glass", nil, StatusFail},
		{"by UPN", []string{"ADELE.VANCE@contoso.com"}, StatusPass},
		{"by object id", []string{strings.ToUpper(irAdele)}, StatusPass},
		{"another account", []string{irMegan}, StatusFail},
	} {
		t.Run(tt.name, func(t *testing.T) {
			snap := testSnap(t, irFiles, nil)
			r, err := ResolveConfig(&Config{BreakGlass: Principals{Users: tt.bg}}, snap, nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx := NewContext(snap, r, testNow, DetectLicences(snap), &IncidentInfo{Users: []string{"adele.vance@contoso.com"}, Start: time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), End: testNow}, nil)
			if res := RunCheck(irCheck(t, "IR-SIG-002"), ctx); res.Status != tt.want {
				t.Errorf("status %s, want %s: %s", res.Status, tt.want, res.Summary)
			}
		})
	}
}
