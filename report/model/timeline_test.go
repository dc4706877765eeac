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

// TestTimelineMailEvents: the audit-log events behind inbox rules (created
// and deleted, each at its time), mailbox activity, and the mail bursts are
// events of the timeline; unattributed mail is not.
func TestTimelineMailEvents(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 11, 18, h, m, 0, 0, time.UTC) }
	created, removed := at(8, 1), at(8, 41)
	start := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	user := &checks.UserRef{ID: "u-adele", UPN: "adele@contoso.com"}
	msg := func(id string, sent time.Time, burst int, ip string, attributed bool, rcpts ...string) checks.Affected {
		var rs []checks.MessageRecipient
		for _, r := range rcpts {
			rs = append(rs, checks.MessageRecipient{Address: r, External: !strings.HasSuffix(r, "@contoso.com")})
		}
		return checks.Affected{Kind: "message", ID: id, Name: "Adele: " + id, Detail: "d", Time: &sent, Attributed: attributed, User: user,
			Message: &checks.MessageEvidence{MessageID: id, Sender: "adele@contoso.com", Subject: "=HYPERLINK(" + id + ")", Sent: sent, Burst: burst, FromIP: ip, Recipients: rs}}
	}
	doc := &checks.Document{Incident: &checks.IncidentInfo{Users: []string{"adele@contoso.com"}, Start: start, End: start.Add(96 * time.Hour)},
		Results: []checks.Result{
			{ID: checks.IDIRInb002, Incident: true, Affected: []checks.Affected{{Kind: "inboxRule", ID: "adele@contoso.com\\ndr", Name: "Adele: rule “ndr”",
				Time: &created, Attributed: true, User: user, InboxRule: &checks.InboxRuleEvidence{UserID: "u-adele", Name: "ndr"},
				RuleHistory: &checks.RuleHistory{Created: &created, Removed: &removed, Events: []checks.AuditEvent{
					{RecordID: "1", Operation: "New-InboxRule", Time: created, IP: "203.0.113.45"},
					{RecordID: "2", Operation: "Remove-InboxRule", Time: removed, IP: "203.0.113.45"}}}}}},
			{ID: checks.IDIRMbx003, Incident: true, Affected: []checks.Affected{{Kind: "mailboxActivity", ID: "x", Name: "Adele: 120 items accessed",
				Detail: "120 items accessed in 4 events", Time: ptr(at(7, 50)), Attributed: true, User: user,
				MailboxActivity: &checks.MailboxActivityEvidence{UserID: "u-adele", Mailbox: "adele@contoso.com", Operation: "MailItemsAccessed", IP: "203.0.113.45", Items: 120, Events: 4, First: at(7, 50), Last: at(7, 58)}}}},
			{ID: checks.IDIRMail001, Incident: true, Affected: []checks.Affected{
				msg("m2", at(8, 10), 1, "203.0.113.45", true, "a@fabrikam.example", "b@contoso.com"),
				msg("m1", at(8, 4), 1, "203.0.113.45", true, "a@fabrikam.example", "c@tailspin.example"),
				msg("m3", at(9, 30), 0, "203.0.113.45", true, "d@fabrikam.example"),
				msg("m0", at(6, 0), 0, "", false, "e@fabrikam.example"),
			}},
		}}
	tl := Timeline(doc, nil)
	var got []string
	for _, e := range tl {
		got = append(got, e.Time.Format("15:04")+"|"+e.Source+"|"+e.Event)
		if !e.Attributed || e.CheckID == "" {
			t.Errorf("event not attributed or without check: %+v", e)
		}
	}
	want := []string{
		"07:50|unified audit log|Mailbox items accessed (MailItemsAccessed session)",
		"08:01|unified audit log|Inbox rule created",
		"08:04|message trace|Burst of mail sent (recipients to warn)",
		"08:41|unified audit log|Inbox rule deleted",
		"09:30|message trace|Message sent from an address the attacker used",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	b := tl[2].Detail
	if !strings.Contains(b, "2 messages to 3 recipients (2 outside the organisation), until 2026-11-18 08:10 UTC") || !strings.Contains(b, "“=HYPERLINK(m1)”") {
		t.Errorf("burst detail %q", b)
	}
	if !strings.Contains(tl[3].Detail, "no longer in the mailbox") || !strings.Contains(tl[3].Detail, "Remove-InboxRule") {
		t.Errorf("rule deleted detail %q", tl[3].Detail)
	}
}

func ptr(t time.Time) *time.Time { return &t }
