package describe

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

func snap(t *testing.T, datasets map[string]string, infos map[string]snapshot.DatasetInfo) *snapshot.Snapshot {
	t.Helper()
	files := map[string][]byte{}
	for id, js := range datasets {
		if !json.Valid([]byte(js)) {
			t.Fatalf("fixture %s is not valid JSON", id)
		}
		files[id] = []byte(js)
	}
	m := snapshot.Manifest{SchemaVersion: snapshot.SchemaVersion, Datasets: map[string]snapshot.DatasetInfo{}}
	for id, in := range infos {
		m.Datasets[id] = in
	}
	return snapshot.FromFiles(m, files)
}

const (
	bg1       = "11111111-0000-0000-0000-000000000001"
	bg2       = "11111111-0000-0000-0000-000000000002"
	dirSync   = "d29b2b05-8046-44ba-8758-1e26182fcf32"
	globalAdm = "62e90394-69f5-4237-9190-012177145e10"
)

func fixtureNames(t *testing.T) Names {
	return NewNames(snap(t, map[string]string{
		snapshot.DSUsers: `[{"id":"` + bg1 + `","displayName":"Break Glass 1","userPrincipalName":"bg1@contoso.com"},
		                     {"id":"` + bg2 + `","displayName":"Break Glass 2","userPrincipalName":"bg2@contoso.com"}]`,
		snapshot.DSNamedLocations:    `[{"id":"loc-office","displayName":"Head office"}]`,
		snapshot.DSServicePrincipals: `[{"id":"sp1","appId":"app-payroll","displayName":"Payroll"}]`,
		snapshot.DSRoleAssignments: `[{"id":"ra1","principalId":"g1","roleDefinitionId":"` + globalAdm + `",
		     "principal":{"@odata.type":"#microsoft.graph.group","id":"g1","displayName":"Tier0 admins"}}]`,
	}, nil))
}

func TestCAPolicyWording(t *testing.T) {
	t.Parallel()
	names := fixtureNames(t)
	tests := []struct {
		name   string
		policy string
		want   PolicyView
	}{
		{
			name: "block legacy authentication for everyone but break glass and sync accounts",
			policy: `{"id":"p1","displayName":"Block legacy auth","state":"enabled",
			  "conditions":{"users":{"includeUsers":["All"],"excludeUsers":["` + bg1 + `","` + bg2 + `"],"excludeRoles":["` + dirSync + `"]},
			    "applications":{"includeApplications":["All"]},"clientAppTypes":["exchangeActiveSync","other"]},
			  "grantControls":{"operator":"OR","builtInControls":["block"]}}`,
			want: PolicyView{ID: "p1", Name: "Block legacy auth", State: "On",
				Users:      "All users except 2 users (Break Glass 1, Break Glass 2), role Directory Synchronization Accounts",
				Resources:  "All resources",
				Conditions: "client apps: Exchange ActiveSync, other legacy clients",
				Grant:      "Block access"},
		},
		{
			name: "MFA for all users in report-only with a group exclusion and trusted locations excluded",
			policy: `{"id":"p2","displayName":"MFA all","state":"enabledForReportingButNotEnforced",
			  "modifiedDateTime":"2026-10-01T10:00:00Z",
			  "conditions":{"users":{"includeUsers":["All"],"excludeGroups":["g1"],"excludeUsers":["` + bg1 + `"]},
			    "applications":{"includeApplications":["All"],"excludeApplications":["app-payroll"]},
			    "clientAppTypes":["all"],"locations":{"includeLocations":["All"],"excludeLocations":["AllTrusted","loc-office"]}},
			  "grantControls":{"operator":"OR","builtInControls":["mfa"]}}`,
			want: PolicyView{ID: "p2", Name: "MFA all", State: "Report-only",
				Users:      "All users except user Break Glass 1, group Tier0 admins",
				Resources:  "All resources except app Payroll",
				Conditions: "locations: any location except all trusted locations, Head office",
				Grant:      "Require MFA", Modified: "2026-10-01T10:00:00Z"},
		},
		{
			name: "OR grant of MFA or compliant device for admins",
			policy: `{"id":"p3","displayName":"Admins","state":"disabled",
			  "conditions":{"users":{"includeRoles":["` + globalAdm + `","unknown-role-id"]},
			    "applications":{"includeApplications":["Office365","MicrosoftAdminPortals"]},
			    "platforms":{"includePlatforms":["all"],"excludePlatforms":["iOS"]}},
			  "grantControls":{"operator":"OR","builtInControls":["mfa","compliantDevice"]},
			  "sessionControls":{"signInFrequency":{"isEnabled":true,"type":"hours","value":4},"persistentBrowser":{"isEnabled":true,"mode":"never"}}}`,
			want: PolicyView{ID: "p3", Name: "Admins", State: "Off",
				Users:      "roles Global Administrator, unknown-role-id",
				Resources:  "Office 365, Microsoft Admin Portals",
				Conditions: "platforms: any platform except iOS",
				Grant:      "Require MFA OR compliant device",
				Session:    "sign-in frequency: every 4 hours; persistent browser: never"},
		},
		{
			name: "AND grant is spelled AND",
			policy: `{"id":"p3b","displayName":"Both","state":"enabled",
			  "conditions":{"users":{"includeUsers":["` + bg1 + `"]},"applications":{"includeApplications":["app-unknown"]}},
			  "grantControls":{"operator":"AND","builtInControls":["mfa","compliantDevice"]}}`,
			want: PolicyView{ID: "p3b", Name: "Both", State: "On",
				Users: "user Break Glass 1", Resources: "app app-unknown", Conditions: "none",
				Grant: "Require MFA AND compliant device"},
		},
		{
			name: "authentication strength by id only resolves the built-in name",
			policy: `{"id":"p4","displayName":"Phish-resistant admins","state":"enabled",
			  "conditions":{"users":{"includeUsers":["All"],"includeGuestsOrExternalUsers":null},
			    "applications":{"includeApplications":["All"]},"signInRiskLevels":["high","medium"]},
			  "grantControls":{"operator":"OR","builtInControls":[],"authenticationStrength":{"id":"00000000-0000-0000-0000-000000000004"}}}`,
			want: PolicyView{ID: "p4", Name: "Phish-resistant admins", State: "On",
				Users: "All users", Resources: "All resources", Conditions: "sign-in risk: high, medium",
				Grant: "Require authentication strength Phishing-resistant MFA"},
		},
		{
			name: "user action register security information with guests excluded",
			policy: `{"id":"p5","displayName":"Secure registration","state":"enabled",
			  "conditions":{"users":{"includeUsers":["All"],
			      "excludeGuestsOrExternalUsers":{"guestOrExternalUserTypes":"internalGuest,b2bCollaborationGuest"}},
			    "applications":{"includeApplications":[],"includeUserActions":["urn:user:registersecurityinfo"]},
			    "locations":{"includeLocations":["All"],"excludeLocations":["AllTrusted"]}},
			  "grantControls":{"operator":"OR","builtInControls":["mfa"]}}`,
			want: PolicyView{ID: "p5", Name: "Secure registration", State: "On",
				Users:      "All users except internal guests, B2B collaboration guests",
				Resources:  "user action: register security information",
				Conditions: "locations: any location except all trusted locations",
				Grant:      "Require MFA"},
		},
		{
			name: "no grant and no users condition say so rather than print nothing",
			policy: `{"id":"p6","displayName":"Session only","state":"enabled","conditions":{},
			  "sessionControls":{"signInFrequency":{"isEnabled":true,"frequencyInterval":"everyTime"}}}`,
			want: PolicyView{ID: "p6", Name: "Session only", State: "On",
				Users: "No users (no users condition)", Resources: "No resources", Conditions: "none",
				Grant: "No grant controls", Session: "sign-in frequency: every time"},
		},
		{
			name: "many excluded users are counted and cut",
			policy: `{"id":"p7","displayName":"Many","state":"enabled",
			  "conditions":{"users":{"includeUsers":["All"],"excludeUsers":["a","b","c","d","e","f","g"]},"applications":{"includeApplications":["All"]}},
			  "grantControls":{"operator":"OR","builtInControls":["mfa"]}}`,
			want: PolicyView{ID: "p7", Name: "Many", State: "On",
				Users: "All users except 7 users (a, b, c, d, e and 2 more)", Resources: "All resources",
				Conditions: "none", Grant: "Require MFA"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var p snapshot.CAPolicy
			if err := json.Unmarshal([]byte(tc.policy), &p); err != nil {
				t.Fatal(err)
			}
			got := CAPolicy(p, names)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("CAPolicy mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSentence(t *testing.T) {
	t.Parallel()
	v := PolicyView{State: "On", Grant: "Block access", Users: "All users", Resources: "All resources",
		Conditions: "client apps: other legacy clients"}
	want := "On: Block access for All users on All resources when client apps: other legacy clients"
	if got := v.Sentence(); got != want {
		t.Errorf("Sentence() = %q, want %q", got, want)
	}
}

func TestZeroNamesPrintIDs(t *testing.T) {
	t.Parallel()
	var n Names
	if got := n.User("abc"); got != "abc" {
		t.Errorf("User = %q", got)
	}
	if got := n.Role(globalAdm); got != "Global Administrator" {
		t.Errorf("Role = %q", got)
	}
}

const usersJSON = `[
 {"id":"u1","displayName":"Adele Vance","userPrincipalName":"adele@contoso.com","userType":"Member","accountEnabled":true,
  "assignedLicenses":[{"skuId":"sku-e5"}],"createdDateTime":"2024-01-01T00:00:00Z",
  "signInActivity":{"lastSignInDateTime":"2026-11-20T08:00:00Z","lastSuccessfulSignInDateTime":"2026-11-19T08:00:00Z"}},
 {"id":"u2","displayName":"Admin","userPrincipalName":"admin@contoso.com","userType":"Member","accountEnabled":false,
  "assignedLicenses":[{"skuId":"sku-gone"}]},
 {"id":"g1","displayName":"陳大文","userPrincipalName":"chan_evil.example#EXT#@contoso.onmicrosoft.com","mail":"chan@evil.example",
  "userType":"Guest","creationType":"Invitation","externalUserState":"PendingAcceptance",
  "externalUserStateChangeDateTime":"2026-11-12T09:00:00Z","createdDateTime":"2026-11-12T09:00:00Z"},
 {"id":"g2","displayName":"Old guest","userPrincipalName":"old_fabrikam.com#EXT#@contoso.onmicrosoft.com",
  "creationType":"Invitation","externalUserState":"Accepted","createdDateTime":"2023-01-01T00:00:00Z",
  "signInActivity":{"lastSignInDateTime":null}}
]`

func TestUsers(t *testing.T) {
	t.Parallel()
	t.Run("all datasets collected", func(t *testing.T) {
		t.Parallel()
		s := snap(t, map[string]string{
			snapshot.DSUsers:          usersJSON,
			snapshot.DSSubscribedSkus: `[{"skuId":"sku-e5","skuPartNumber":"SPE_E5"}]`,
			snapshot.DSUserRegistrationDetails: `[{"id":"u1","isMfaRegistered":true,"isMfaCapable":true,
			    "methodsRegistered":["microsoftAuthenticatorPush","mobilePhone"]},{"id":"g1","isMfaRegistered":false}]`,
			snapshot.DSRoleAssignments: `[{"id":"r1","principalId":"u2","roleDefinitionId":"` + globalAdm + `"},
			    {"id":"r2","principalId":"u2","roleDefinitionId":"` + globalAdm + `","directoryScopeId":"/au"}]`,
		}, nil)
		rows, err := Users(s)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]UserRow{}
		var order []string
		for _, r := range rows {
			got[r.ID] = r
			order = append(order, r.ID)
		}
		if diff := cmp.Diff([]string{"u1", "u2", "g1", "g2"}, order); diff != "" {
			t.Errorf("order (-want +got):\n%s", diff)
		}
		u1 := got["u1"]
		if u1.Admin != "No" || u1.MFARegistered != "Yes" || u1.LastSignIn != "2026-11-19 08:00 UTC" ||
			!cmp.Equal(u1.Licences, []string{"SPE_E5"}) || !cmp.Equal(u1.Methods, []string{"microsoftAuthenticatorPush", "mobilePhone"}) {
			t.Errorf("u1 = %+v", u1)
		}
		u2 := got["u2"]
		if u2.Admin != "Yes" || !cmp.Equal(u2.Roles, []string{"Global Administrator"}) || u2.Enabled != "No" ||
			u2.MFARegistered != "not in report" || u2.LastSignIn != Never || !cmp.Equal(u2.Licences, []string{"sku-gone"}) {
			t.Errorf("u2 = %+v", u2)
		}
		if g := got["g2"]; g.Type != "Guest" || g.LastSignIn != Never {
			t.Errorf("g2 = %+v", g)
		}
	})
	t.Run("missing datasets read not collected, never No", func(t *testing.T) {
		t.Parallel()
		s := snap(t, map[string]string{snapshot.DSUsers: `[{"id":"u1","userPrincipalName":"a@contoso.com"}]`}, nil)
		rows, err := Users(s)
		if err != nil {
			t.Fatal(err)
		}
		r := rows[0]
		if r.Admin != NotCollected || r.MFARegistered != NotCollected || r.MFACapable != NotCollected || r.LastSignIn != NotCollected {
			t.Errorf("row = %+v", r)
		}
	})
	for _, tc := range []struct {
		name string
		info snapshot.DatasetInfo
		// want is u1's LastSignIn (u1 carries signInActivity).
		want string
	}{
		{"signInActivity listed as omitted in the manifest",
			snapshot.DatasetInfo{Status: snapshot.StatusOK, File: "users.json", Omitted: []string{snapshot.PropSignInActivity}}, NotCollected},
		{"a note's wording decides nothing",
			snapshot.DatasetInfo{Status: snapshot.StatusOK, File: "users.json", Notes: []string{"collected without signInActivity: 403"}}, "2026-11-19 08:00 UTC"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := snap(t, map[string]string{snapshot.DSUsers: usersJSON}, map[string]snapshot.DatasetInfo{snapshot.DSUsers: tc.info})
			rows, err := Users(s)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if tc.want == NotCollected && r.LastSignIn != NotCollected {
					t.Errorf("%s LastSignIn = %q, want not collected", r.ID, r.LastSignIn)
				}
				if r.ID == "u1" && r.LastSignIn != tc.want {
					t.Errorf("u1 LastSignIn = %q, want %q", r.LastSignIn, tc.want)
				}
			}
		})
	}
	t.Run("users not collected is an error naming the dataset", func(t *testing.T) {
		t.Parallel()
		s := snap(t, nil, map[string]snapshot.DatasetInfo{snapshot.DSUsers: {Status: snapshot.StatusForbidden, Reason: "denied"}})
		if _, err := Users(s); err == nil {
			t.Fatal("want error")
		}
		if _, err := Guests(s); err == nil {
			t.Fatal("want error")
		}
	})
}

func TestGuests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		inviters string
		want     []string // InvitedBy per row, newest first
	}{
		{"inviters not collected", "", []string{"unknown (not collected)", "unknown (not collected)"}},
		{"inviter known for one guest", `{"g1":[{"@odata.type":"#microsoft.graph.user","id":"u1","displayName":"Adele Vance","userPrincipalName":"adele@contoso.com"}],"g2":[]}`,
			[]string{"Adele Vance (adele@contoso.com)", "unknown (not recorded)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ds := map[string]string{snapshot.DSUsers: usersJSON}
			if tc.inviters != "" {
				ds[snapshot.DSGuestInviters] = tc.inviters
			}
			rows, err := Guests(snap(t, ds, nil))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.InvitedBy)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("InvitedBy (-want +got):\n%s", diff)
			}
			if rows[0].ID != "g1" || rows[0].State != "PendingAcceptance since 2026-11-12 09:00 UTC" || rows[0].DisplayName != "陳大文" {
				t.Errorf("first guest = %+v", rows[0])
			}
		})
	}
}

func TestMailboxes(t *testing.T) {
	t.Parallel()
	cas := `[
	 {"Identity":"adele","PrimarySmtpAddress":"adele@contoso.com","ExternalDirectoryObjectId":"u1","PopEnabled":"True","ImapEnabled":false,
	  "SmtpClientAuthenticationDisabled":null,"ActiveSyncEnabled":true},
	 {"Identity":"scanner","PrimarySmtpAddress":"scanner@contoso.com","ExternalDirectoryObjectId":"u3","PopEnabled":false,"ImapEnabled":false,
	  "SmtpClientAuthenticationDisabled":false,"ActiveSyncEnabled":false},
	 {"Identity":"bob","PrimarySmtpAddress":"bob@contoso.com","ExternalDirectoryObjectId":"u4","SmtpClientAuthenticationDisabled":true}]`
	mbx := `[
	 {"Identity":"adele","UserPrincipalName":"adele@contoso.com","PrimarySmtpAddress":"adele@contoso.com","ExternalDirectoryObjectId":"u1",
	  "RecipientTypeDetails":"UserMailbox","ForwardingSmtpAddress":"smtp:adele@evil.example","DeliverToMailboxAndForward":false},
	 {"Identity":"shared","PrimarySmtpAddress":"info@contoso.com","ExternalDirectoryObjectId":"u5","RecipientTypeDetails":"SharedMailbox"}]`
	tests := []struct {
		name string
		ds   map[string]string
		want []MailboxRow
	}{
		{
			name: "joined with org SMTP AUTH off",
			ds: map[string]string{snapshot.DSExoCASMailbox: cas, snapshot.DSExoMailbox: mbx,
				snapshot.DSExoTransportConfig: `[{"SmtpClientAuthenticationDisabled":true}]`},
			want: []MailboxRow{
				{Key: "u1", Address: "adele@contoso.com", Type: "UserMailbox", POP: "on", IMAP: "off", ActiveSync: "on",
					SMTPAuth: "inherits org: off", Forwarding: "smtp:adele@evil.example", KeepCopy: "no"},
				{Key: "u4", Address: "bob@contoso.com", POP: "not set", IMAP: "not set", ActiveSync: "not set", SMTPAuth: "off (mailbox setting)"},
				{Key: "u5", Address: "info@contoso.com", Type: "SharedMailbox", POP: "no CAS row", IMAP: "no CAS row", ActiveSync: "no CAS row", SMTPAuth: "no CAS row"},
				{Key: "u3", Address: "scanner@contoso.com", POP: "off", IMAP: "off", ActiveSync: "off", SMTPAuth: "on (mailbox setting)"},
			},
		},
		{
			name: "only CAS collected, transport config missing",
			ds:   map[string]string{snapshot.DSExoCASMailbox: cas},
			want: []MailboxRow{
				{Key: "u1", Address: "adele@contoso.com", POP: "on", IMAP: "off", ActiveSync: "on", SMTPAuth: "inherits org: not collected",
					Forwarding: NotCollected, Type: NotCollected},
				{Key: "u4", Address: "bob@contoso.com", POP: "not set", IMAP: "not set", ActiveSync: "not set", SMTPAuth: "off (mailbox setting)",
					Forwarding: NotCollected, Type: NotCollected},
				{Key: "u3", Address: "scanner@contoso.com", POP: "off", IMAP: "off", ActiveSync: "off", SMTPAuth: "on (mailbox setting)",
					Forwarding: NotCollected, Type: NotCollected},
			},
		},
		{
			name: "only Get-Mailbox collected",
			ds:   map[string]string{snapshot.DSExoMailbox: mbx},
			want: []MailboxRow{
				{Key: "u1", Address: "adele@contoso.com", Type: "UserMailbox", POP: NotCollected, IMAP: NotCollected, ActiveSync: NotCollected,
					SMTPAuth: NotCollected, Forwarding: "smtp:adele@evil.example", KeepCopy: "no"},
				{Key: "u5", Address: "info@contoso.com", Type: "SharedMailbox", POP: NotCollected, IMAP: NotCollected, ActiveSync: NotCollected, SMTPAuth: NotCollected},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Mailboxes(snap(t, tc.ds, nil))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Mailboxes (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("neither collected is an error", func(t *testing.T) {
		t.Parallel()
		if _, err := Mailboxes(snap(t, nil, nil)); err == nil {
			t.Fatal("want error")
		}
	})
}

// TestDatasetStatus: an incident dataset a routine audit skipped is worded
// once for a client (no flags, no permission hint); any other status keeps
// the manifest's wording.
func TestDatasetStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		id   string
		info snapshot.DatasetInfo
		want string
	}{
		{"incident dataset skipped by collect", snapshot.DSGuestInviters,
			snapshot.DatasetInfo{Status: snapshot.StatusSkipped, Reason: "collected only for an incident (--incident-user and --incident-start)", Permission: "User.Read.All"},
			"not collected (collected only during an incident investigation)"},
		{"incident dataset absent from an older snapshot", snapshot.DSSignIns,
			snapshot.DatasetInfo{Status: snapshot.StatusSkipped, Reason: "not in this snapshot"},
			"not collected (collected only during an incident investigation)"},
		{"incident dataset refused", snapshot.DSSignIns,
			snapshot.DatasetInfo{Status: snapshot.StatusForbidden, Reason: "Authorization_RequestDenied", Permission: "AuditLog.Read.All"},
			"forbidden: Authorization_RequestDenied (needs AuditLog.Read.All)"},
		{"routine dataset skipped", snapshot.DSUsers,
			snapshot.DatasetInfo{Status: snapshot.StatusSkipped, Reason: "not requested"},
			"skipped: not requested"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := DatasetStatus(tc.id, tc.info); got != tc.want {
				t.Errorf("DatasetStatus = %q, want %q", got, tc.want)
			}
		})
	}
}
