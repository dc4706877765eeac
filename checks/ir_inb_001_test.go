package checks

import (
	"strings"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// irRuleAudit is a New-InboxRule record of the unified audit log.
func irRuleAudit(id, at, op, name, mailboxParam, ip string) string {
	params := `{"Name":"Name","Value":"` + name + `"}`
	if mailboxParam != "" {
		params += `,{"Name":"Mailbox","Value":"` + mailboxParam + `"}`
	}
	return `{"id":"` + id + `","createdDateTime":"` + at + `","auditLogRecordType":"exchangeAdmin","operation":"` + op + `","userId":"adele.vance@contoso.com","userPrincipalName":"adele.vance@contoso.com","clientIp":"` + ip + `",` +
		`"auditData":{"Operation":"` + op + `","ResultStatus":"True","ObjectId":"Adele Vance\\` + name + `","UserId":"adele.vance@contoso.com","Parameters":[` + params + `]}}`
}

// TestIRInb001LinksRulesToTheAuditLog: a rule still listed in the mailbox
// carries the audit log's events for it (typed history, its first event's
// time and actor, the address named as the attacker's when it is one);
// without the audit log, or for another mailbox's rule of the same name,
// nothing is linked and the verdict is the same.
func TestIRInb001LinksRulesToTheAuditLog(t *testing.T) {
	cfg := `[{"UnifiedAuditLogIngestionEnabled":true}]`
	for _, tc := range []struct {
		name      string
		log       string
		cfg       string
		wantTime  string // of rule "." ("" = no history linked)
		wantInDet string
	}{
		{"created from the attacker's address", `[` + irRuleAudit("e1", "2026-11-17T09:05:12Z", "New-InboxRule", ".", "", "203.0.113.7") + `]`, cfg,
			"2026-11-17 09:05 UTC", "created 2026-11-17 09:05 UTC (New-InboxRule) by adele.vance@contoso.com from 203.0.113.7, an address the attacker used"},
		{"changed from another address", `[` + irRuleAudit("e1", "2026-11-17T09:05:12Z", "Set-InboxRule", ".", "", "192.0.2.10") + `]`, cfg,
			"2026-11-17 09:05 UTC", "changed 2026-11-17 09:05 UTC (Set-InboxRule) by adele.vance@contoso.com from 192.0.2.10"},
		{"another mailbox's rule of the same name", `[` + irRuleAudit("e1", "2026-11-17T09:05:12Z", "New-InboxRule", ".", "megan.bowen@contoso.com", "203.0.113.7") + `]`, cfg, "", ""},
		{"before the window", `[` + irRuleAudit("e1", "2026-11-01T09:05:12Z", "New-InboxRule", ".", "", "203.0.113.7") + `]`, cfg, "", ""},
		{"ingestion off", `[` + irRuleAudit("e1", "2026-11-17T09:05:12Z", "New-InboxRule", ".", "", "203.0.113.7") + `]`, `[{"UnifiedAuditLogIngestionEnabled":false}]`, "", ""},
		{"no audit log", "", cfg, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := RunCheck(irCheck(t, IDIRInb001), irTestCtx(t, irFilesWith(map[string]string{snapshot.DSIncidentAuditLog: tc.log, snapshot.DSExoAdminAuditLogConfig: tc.cfg}), nil))
			if r.Status != StatusFail {
				t.Fatalf("status %s: %s", r.Status, r.Summary)
			}
			var dot *Affected
			for i := range r.Affected {
				if r.Affected[i].ID == "r-dot" {
					dot = &r.Affected[i]
				}
			}
			if dot == nil || !dot.Attributed {
				t.Fatalf("rule “.” missing or not attributed: %+v", r.Affected)
			}
			if tc.wantTime == "" {
				if dot.RuleHistory != nil || dot.Time != nil || dot.Actor != "" {
					t.Errorf("history linked: %+v", dot)
				}
				return
			}
			if dot.RuleHistory == nil || len(dot.RuleHistory.Events) != 1 || !dot.RuleHistory.Exists || dot.RuleHistory.Events[0].RecordID != "e1" {
				t.Fatalf("history %+v", dot.RuleHistory)
			}
			if dot.Time == nil || irTime(*dot.Time) != tc.wantTime || dot.Actor != "adele.vance@contoso.com" {
				t.Errorf("time %v actor %q", dot.Time, dot.Actor)
			}
			if !strings.Contains(dot.Detail, tc.wantInDet) || !strings.HasPrefix(dot.Detail, "suspicious: ") {
				t.Errorf("detail %q lacks %q", dot.Detail, tc.wantInDet)
			}
		})
	}
}
