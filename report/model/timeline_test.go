package model

import (
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestTimelineOrdersIncidentEventsAndKeepsOthersOut(t *testing.T) {
	s := snapshot.FromFiles(snapshot.Manifest{SchemaVersion: 1}, map[string][]byte{
		snapshot.DSUsers: []byte(`[{"id":"u-adele","displayName":"Adele Vance","userPrincipalName":"adele@contoso.com"},{"id":"u-megan","displayName":"Megan","userPrincipalName":"megan@contoso.com"}]`),
		snapshot.DSSignIns: []byte(`[
		 {"id":"s2","createdDateTime":"2026-11-17T08:35:00Z","userId":"u-adele","userPrincipalName":"adele@contoso.com","clientAppUsed":"IMAP4","ipAddress":"203.0.113.7","location":{"city":"Lagos","countryOrRegion":"NG"},"status":{"errorCode":0},"authenticationRequirement":"singleFactorAuthentication"},
		 {"id":"s1","createdDateTime":"2026-11-17T08:30:00Z","userId":"u-adele","userPrincipalName":"adele@contoso.com","clientAppUsed":"IMAP4","ipAddress":"203.0.113.7","status":{"errorCode":50126,"failureReason":"Invalid password"}},
		 {"id":"s3","createdDateTime":"2026-11-17T09:00:00Z","userId":"u-megan","userPrincipalName":"megan@contoso.com","clientAppUsed":"Browser","status":{"errorCode":0}},
		 {"id":"s0","createdDateTime":"2026-11-01T09:00:00Z","userId":"u-adele","userPrincipalName":"adele@contoso.com","clientAppUsed":"Browser","status":{"errorCode":0}}]`),
		snapshot.DSDirectoryAudits: []byte(`[{"id":"a1","activityDisplayName":"Invite external user","activityDateTime":"2026-11-17T09:05:00Z","initiatedBy":{"user":{"id":"u-adele","userPrincipalName":"adele@contoso.com"}},"targetResources":[{"id":"g1","userPrincipalName":"bob@fabrikam.example"}]},
		 {"id":"a2","activityDisplayName":"Update user","activityDateTime":"2026-11-17T09:06:00Z","initiatedBy":{"user":{"id":"u-megan","userPrincipalName":"megan@contoso.com"}},"targetResources":[{"id":"u-megan"}]}]`),
	})
	start := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	method := time.Date(2026, 11, 17, 8, 43, 0, 0, time.UTC)
	doc := &checks.Document{Incident: &checks.IncidentInfo{Users: []string{"adele@contoso.com"}, Start: start, End: start.Add(96 * time.Hour)},
		Results: []checks.Result{
			{ID: "IR-USR-003", Incident: true, Affected: []checks.Affected{{Kind: "authMethod", ID: "m-new", Name: "Adele: Microsoft Authenticator (Galaxy S9)", Detail: "registered", Time: &method, Attributed: true, Method: &checks.MethodEvidence{UserID: "u-adele", ID: "m-new"}}}},
			{ID: "IR-INB-001", Incident: true, Affected: []checks.Affected{{Kind: "inboxRule", ID: "r1", Name: "rule “.”", Detail: "suspicious", Attributed: true, InboxRule: &checks.InboxRuleEvidence{UserID: "u-adele", ID: "r1"}}}},
			{ID: "ENTRA-EXT-001", Affected: []checks.Affected{{Kind: "policy", ID: "p"}}},
			{ID: "IR-SIG-001", Incident: true, Affected: []checks.Affected{{Kind: "signIn", ID: "s-group", Attributed: true, SignIn: &checks.SignInEvidence{UserID: "u-adele", Client: "IMAP4", IP: "203.0.113.7"}}}},
		}}
	tl := Timeline(doc, s)
	var got []string
	for _, e := range tl {
		got = append(got, e.Source+"|"+e.Event)
	}
	want := []string{
		"sign-in log|Sign-in via IMAP4 failed (Invalid password)",
		"sign-in log|Sign-in via IMAP4 succeeded",
		"IR-USR-003|Authentication method registered",
		"audit log|Invite external user",
		"IR-INB-001|Inbox rule present",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if tl[0].User != "Adele Vance <adele@contoso.com>" || tl[4].Time != nil || !strings.Contains(tl[1].Detail, "password only") {
		t.Errorf("unexpected events: %+v", tl)
	}
	if tl[0].Attributed || !tl[1].Attributed {
		t.Errorf("the successful IMAP sign-in (and only it) should be attributed: %+v %+v", tl[0], tl[1])
	}
	if Timeline(&checks.Document{}, s) != nil {
		t.Error("no incident must give no timeline")
	}
}
