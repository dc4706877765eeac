package checks

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Mail fixture: Adele mails two colleagues before the window (baseline),
// one colleague inside the window from the office (ordinary), then a burst
// of 12 new recipients from an address nobody linked to the attacker, and
// one single message from the attacker's IMAP address (203.0.113.7).
func irMailFiles(over map[string]string) map[string]string {
	trace := `[` + strings.Join([]string{
		irRow("b1", "m-base", "2026-11-10T09:00:00Z", "megan.bowen@contoso.com", "Lunch", "192.0.2.10"),
		irRow("b2", "m-base", "2026-11-10T09:00:00Z", "partner@fabrikam.example", "Lunch", "192.0.2.10"),
		irRow("o1", "m-ord", "2026-11-16T10:00:00Z", "megan.bowen@contoso.com", "Figures", "192.0.2.10"),
	}, ",")
	for i, r := range []string{"a@x.example", "b@x.example", "c@x.example", "d@y.example", "e@y.example", "f@y.example",
		"g@z.example", "h@z.example", "i@z.example", "j@z.example", "megan.bowen@contoso.com", "=cmd@x.example"} {
		msg := "m-burst-1"
		if i >= 6 {
			msg = "m-burst-2"
		}
		at := "2026-11-18T08:00:00Z"
		if i >= 6 {
			at = "2026-11-18T08:20:00Z"
		}
		trace += "," + irRow("x"+string(rune('a'+i)), msg, at, r, "Invoice", "198.51.100.9")
	}
	trace += "," + irRow("s1", "m-single", "2026-11-19T07:00:00Z", "boss@fabrikam.example", "Quick favour", "203.0.113.7") + "]"
	f := irFilesWith(map[string]string{snapshot.DSIncidentMessageTrace: trace})
	for k, v := range over {
		f[k] = v
	}
	return f
}

func irRow(id, msg, at, to, subject, ip string) string {
	return `{"id":"` + id + `","messageId":"` + msg + `","senderAddress":"adele.vance@contoso.com","recipientAddress":"` + to +
		`","receivedDateTime":"` + at + `","subject":"` + subject + `","fromIP":"` + ip + `","status":"delivered"}`
}

func TestIRMail001BurstsAndAttackerAddress(t *testing.T) {
	ctx := irTestCtx(t, irMailFiles(nil), nil)
	r := RunCheck(irMail001(), ctx)
	if r.Status != StatusFail {
		t.Fatalf("status %s: %s", r.Status, r.Summary)
	}
	if got, want := attributedIDs(r), []string{"m-burst-1", "m-burst-2", "m-single"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("attributed %v, want %v (baseline and ordinary mail must not be flagged)", got, want)
	}
	if !strings.Contains(r.Summary, "13 distinct recipients") || !strings.Contains(r.Summary, "12 outside the organisation") || !strings.Contains(r.Summary, "1 other message in the window look") {
		t.Errorf("summary: %s", r.Summary)
	}
	for _, a := range r.Affected {
		if a.Message == nil || a.User == nil || a.Time == nil {
			t.Fatalf("%s: typed evidence missing: %+v", a.ID, a)
		}
		switch a.ID {
		case "m-single":
			if a.Message.Burst != 0 || !strings.Contains(a.Detail, "address the attacker used") {
				t.Errorf("single message: %+v", a)
			}
		default:
			if a.Message.Burst != 1 {
				t.Errorf("%s: burst %d", a.ID, a.Message.Burst)
			}
		}
	}
	recips := RecipientsToWarn(r, "")
	var got []string
	for _, w := range recips {
		got = append(got, w.Address)
		if w.Address == "megan.bowen@contoso.com" && (w.External || w.Messages != 1) {
			t.Errorf("megan: %+v", w)
		}
	}
	sort.Strings(got)
	want := []string{"=cmd@x.example", "a@x.example", "b@x.example", "boss@fabrikam.example", "c@x.example", "d@y.example", "e@y.example", "f@y.example",
		"g@z.example", "h@z.example", "i@z.example", "j@z.example", "megan.bowen@contoso.com"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("recipients %v\nwant %v", got, want)
	}
	if !recips[0].External || recips[len(recips)-1].External {
		t.Errorf("outside recipients come first: %+v", recips)
	}
	if len(RecipientsToWarn(r, "someone@else.example")) != 0 {
		t.Error("a sender filter must keep only that sender's messages")
	}
}

func TestIRMail001NoBurstIsPassAndNotCollectedIsUnknown(t *testing.T) {
	trace := `[` + irRow("o1", "m-ord", "2026-11-16T10:00:00Z", "megan.bowen@contoso.com", "Figures", "192.0.2.10") + `]`
	r := RunCheck(irMail001(), irTestCtx(t, irFilesWith(map[string]string{snapshot.DSIncidentMessageTrace: trace}), nil))
	if r.Status != StatusPass || len(r.Affected) != 0 {
		t.Fatalf("ordinary mail: %s %s", r.Status, r.Summary)
	}
	r = RunCheck(irMail001(), irTestCtx(t, irFilesWith(map[string]string{snapshot.DSIncidentMessageTrace: `[]`}), nil))
	if r.Status != StatusPass {
		t.Fatalf("no mail (collected): %s %s", r.Status, r.Summary)
	}
	r = RunCheck(irMail001(), irTestCtx(t, irFiles, map[string]snapshot.Status{snapshot.DSIncidentMessageTrace: snapshot.StatusNotFound}))
	if r.Status != StatusUnknown || !strings.Contains(r.Summary, snapshot.DSIncidentMessageTrace) {
		t.Fatalf("not collected: %s %s", r.Status, r.Summary)
	}
}

func TestIRMail002RestrictedSenders(t *testing.T) {
	cases := []struct {
		rows   string
		status Status
		attr   []string
	}{
		{`[{"SenderAddress":"Adele.Vance@contoso.com","Reason":"OutboundSpamLastHour","CreatedDatetime":"2026-11-18T08:31:17Z"},{"SenderAddress":"megan.bowen@contoso.com","Reason":"OutboundSpamLastDay"}]`, StatusFail, []string{"adele.vance@contoso.com"}},
		{`[{"SenderAddress":"megan.bowen@contoso.com","Reason":"OutboundSpamLastDay"}]`, StatusWarn, nil},
		{`[]`, StatusPass, nil},
	}
	for _, c := range cases {
		r := RunCheck(irMail002(), irTestCtx(t, irFilesWith(map[string]string{snapshot.DSExoBlockedSenders: c.rows}), nil))
		if r.Status != c.status || !reflect.DeepEqual(attributedIDs(r), c.attr) {
			t.Errorf("%s: %s %v %s", c.rows, r.Status, attributedIDs(r), r.Summary)
		}
		for _, a := range r.Affected {
			if a.Exchange == nil || a.Exchange.Identity == "" {
				t.Errorf("no Exchange identity for %s", a.ID)
			}
		}
		if c.status == StatusFail && !strings.Contains(r.Summary, "only after containment") {
			t.Errorf("the release must wait for containment: %s", r.Summary)
		}
	}
}

const irAuditLog = `[
 {"id":"e1","createdDateTime":"2026-11-16T08:10:00Z","operation":"Set-InboxRule","userPrincipalName":"adele.vance@contoso.com","clientIp":"192.0.2.10","auditData":{"Parameters":[{"Name":"Identity","Value":"Adele Vance\\Newsletters"}]}},
 {"id":"e2","createdDateTime":"2026-11-17T08:45:00Z","operation":"New-InboxRule","userPrincipalName":"adele.vance@contoso.com","clientIp":"203.0.113.7","auditData":{"Parameters":[{"Name":"Name","Value":"ndr"},{"Name":"DeleteMessage","Value":"True"}]}},
 {"id":"e3","createdDateTime":"2026-11-17T09:30:00Z","operation":"Remove-InboxRule","userPrincipalName":"adele.vance@contoso.com","clientIp":"203.0.113.7","auditData":{"Parameters":[{"Name":"Identity","Value":"Adele Vance\\ndr"}]}},
 {"id":"e4","createdDateTime":"2026-11-17T08:50:00Z","operation":"New-InboxRule","userPrincipalName":"adele.vance@contoso.com","clientIp":"192.0.2.10","auditData":{"ResultStatus":"False","Parameters":[{"Name":"Name","Value":"failed attempt"},{"Name":"DeleteMessage","Value":"True"}]}},
 {"id":"e5","createdDateTime":"2026-11-17T09:40:00Z","operation":"HardDelete","userPrincipalName":"adele.vance@contoso.com","clientIp":"203.0.113.7","auditData":{"AffectedItems":[{"Subject":"Undeliverable"},{"Subject":"Re: Invoice"}]}},
 {"id":"e6","createdDateTime":"2026-11-18T10:00:00Z","operation":"SoftDelete","userPrincipalName":"adele.vance@contoso.com","clientIp":"192.0.2.10","auditData":{"AffectedItems":[{"Subject":"old newsletter"}]}}
]`

// Adele's Exchange rules: the Graph ones (r-dot is id 1, r-news id 3 in
// Exchange) plus a hidden one and Exchange's own junk rule.
var irExoRules = `{"` + irAdele + `":[
 {"Name":".","RuleIdentity":"1","MoveToFolder":"Adele Vance:\\RSS Feeds"},
 {"Name":"Newsletters","RuleIdentity":"3","MoveToFolder":"Adele Vance:\\Newsletters"},
 {"Name":"Mailbox maintenance","RuleIdentity":"77","DeleteMessage":true,"SubjectContainsWords":["hacked"]},
 {"Name":"Junk E-Mail Rule","RuleIdentity":"99"}]}`

// irGraphRulesWithIDs are Graph rules whose ids decode to Exchange rule
// identities 1 and 3.
const irGraphRulesWithIDs = `{"` + irAdele + `":[
 {"id":"AQAAAAAAAAA=","displayName":".","isEnabled":true,"actions":{"markAsRead":true}},
 {"id":"AwAAAAAAAAA=","displayName":"Newsletters","isEnabled":true,"actions":{}}]}`

func irAuditFiles(over map[string]string) map[string]string {
	f := irFilesWith(map[string]string{snapshot.DSIncidentAuditLog: irAuditLog, snapshot.DSIncidentInboxRules: irExoRules,
		snapshot.DSIncidentMessageRules:   irGraphRulesWithIDs,
		snapshot.DSExoAdminAuditLogConfig: `[{"UnifiedAuditLogIngestionEnabled":true}]`})
	for k, v := range over {
		f[k] = v
	}
	return f
}

func TestIRInb002DeletedAndHiddenRules(t *testing.T) {
	r := RunCheck(irInb002(), irTestCtx(t, irAuditFiles(nil), nil))
	if r.Status != StatusFail {
		t.Fatalf("%s: %s", r.Status, r.Summary)
	}
	if got, want := attributedIDs(r), []string{"77", "adele.vance@contoso.com\\ndr"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("attributed %v, want %v", got, want)
	}
	if got, want := allIDs(r), []string{"77", "adele.vance@contoso.com\\ndr"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("listed %v, want %v (a failed attempt and the junk rule are not listed; rules Graph lists are IR-INB-001's)", got, want)
	}
	if !strings.Contains(r.Summary, "1 rule still listed in the mailbox") {
		t.Errorf("summary: %s", r.Summary)
	}
	for _, a := range r.Affected {
		h := a.RuleHistory
		if h == nil {
			t.Fatalf("%s: no rule history", a.ID)
		}
		switch a.ID {
		case "adele.vance@contoso.com\\ndr":
			if h.Created == nil || h.Removed == nil || h.Exists || !strings.Contains(a.Detail, "created 2026-11-17 08:45 UTC") || !strings.Contains(a.Detail, "deleted 2026-11-17 09:30 UTC") {
				t.Errorf("created and removed rule: %+v %s", h, a.Detail)
			}
		case "77":
			if !h.Hidden || !h.Exists {
				t.Errorf("hidden rule: %+v", h)
			}
		}
	}
	// Without Graph's rule list, the changed rule is listed here for review
	// (nothing else judges it), and hidden rules cannot be told apart.
	f := irAuditFiles(nil)
	delete(f, snapshot.DSIncidentMessageRules)
	r = RunCheck(irInb002(), irTestCtx(t, f, map[string]snapshot.Status{snapshot.DSIncidentMessageRules: snapshot.StatusForbidden}))
	if got, want := allIDs(r), []string{"3", "adele.vance@contoso.com\\ndr"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("without Graph rules: listed %v, want %v", got, want)
	}
	for _, a := range r.Affected {
		if a.ID == "3" && (a.Attributed || len(a.RuleHistory.Changed) != 1) {
			t.Errorf("Adele's own change from the office: %+v %s", a.RuleHistory, a.Detail)
		}
		if a.RuleHistory.ExistsUnknown {
			t.Errorf("%s: Exchange's rule list was collected, so whether the rule exists is known", a.ID)
		}
	}
	// Without either rule list, whether a rule still exists is unknown: the
	// evidence says so, so nobody reads "deleted" into Exists false.
	delete(f, snapshot.DSIncidentInboxRules)
	r = RunCheck(irInb002(), irTestCtx(t, f, map[string]snapshot.Status{snapshot.DSIncidentMessageRules: snapshot.StatusForbidden, snapshot.DSIncidentInboxRules: snapshot.StatusForbidden}))
	if len(r.Affected) == 0 {
		t.Fatal("without rule lists: nothing listed")
	}
	for _, a := range r.Affected {
		if h := a.RuleHistory; h.Exists || !h.ExistsUnknown || !strings.Contains(a.Detail, "whether it still exists is unknown") {
			t.Errorf("without rule lists, %s: %+v %s", a.ID, h, a.Detail)
		}
	}
}

func TestIRAuditChecksUnknownWhenAuditMissingOrOff(t *testing.T) {
	off := irAuditFiles(map[string]string{snapshot.DSExoAdminAuditLogConfig: `[{"UnifiedAuditLogIngestionEnabled":false}]`})
	for _, c := range []Check{irInb002(), irMbx003()} {
		if r := RunCheck(c, irTestCtx(t, off, nil)); r.Status != StatusUnknown || !strings.Contains(r.Summary, "ingestion is turned off") {
			t.Errorf("%s ingestion off: %s %s", c.ID, r.Status, r.Summary)
		}
		f := irAuditFiles(nil)
		delete(f, snapshot.DSIncidentAuditLog)
		if r := RunCheck(c, irTestCtx(t, f, map[string]snapshot.Status{snapshot.DSIncidentAuditLog: snapshot.StatusNotFound})); r.Status != StatusUnknown {
			t.Errorf("%s audit log not collected: %s %s", c.ID, r.Status, r.Summary)
		}
	}
}

const irPremiumSkus = `[{"skuId":"e5","skuPartNumber":"SPE_E5","capabilityStatus":"Enabled","servicePlans":[{"servicePlanName":"M365_ADVANCED_AUDITING","provisioningStatus":"Success"}]}]`
const irBasicSkus = `[{"skuId":"bs","skuPartNumber":"O365_BUSINESS_PREMIUM","capabilityStatus":"Enabled","servicePlans":[{"servicePlanName":"EXCHANGE_S_STANDARD","provisioningStatus":"Success"}]}]`

func TestIRMbx003(t *testing.T) {
	quiet := `[{"id":"q1","createdDateTime":"2026-11-18T10:00:00Z","operation":"SoftDelete","userPrincipalName":"adele.vance@contoso.com","clientIp":"192.0.2.10","auditData":{"AffectedItems":[{"Subject":"x"}]}}]`
	access := `[{"id":"q2","createdDateTime":"2026-11-17T09:00:00Z","operation":"MailItemsAccessed","userPrincipalName":"adele.vance@contoso.com","clientIp":"203.0.113.7","auditData":{"MailboxOwnerUPN":"adele.vance@contoso.com","OperationCount":240,"OperationProperties":[{"Name":"MailAccessType","Value":"Bind"}]}}]`
	cases := []struct {
		name   string
		log    string
		skus   string
		status Status
		attr   int
	}{
		{"attacker deletions without Premium still fail", irAuditLog, irBasicSkus, StatusFail, 1},
		{"nothing found without Premium is not_applicable, never pass", quiet, irBasicSkus, StatusNotApplicable, 0},
		{"nothing found with Premium is a pass", quiet, irPremiumSkus, StatusPass, 0},
		{"items read from the attacker's address", access, irBasicSkus, StatusFail, 1},
	}
	for _, c := range cases {
		r := RunCheck(irMbx003(), irTestCtx(t, irAuditFiles(map[string]string{snapshot.DSIncidentAuditLog: c.log, snapshot.DSSubscribedSkus: c.skus}), nil))
		if r.Status != c.status || len(attributedIDs(r)) != c.attr {
			t.Errorf("%s: %s %v %s", c.name, r.Status, attributedIDs(r), r.Summary)
		}
		for _, a := range r.Affected {
			if a.MailboxActivity == nil || a.MailboxActivity.Items == 0 {
				t.Errorf("%s: typed evidence %+v", c.name, a)
			}
		}
	}
	r := RunCheck(irMbx003(), irTestCtx(t, irAuditFiles(map[string]string{snapshot.DSSubscribedSkus: irBasicSkus}), nil))
	if !strings.Contains(r.Summary, "Audit (Premium)") || r.Affected[0].MailboxActivity.Items != 2 {
		t.Errorf("the summary says what is missing and counts the items: %s %+v", r.Summary, r.Affected)
	}
}
