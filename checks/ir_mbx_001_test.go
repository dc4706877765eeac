package checks

import (
	"strings"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// TestIRMbx001SaysWhetherForwardingIsDelivered: configured forwarding is
// reported and cleared whatever the tenant's forwarding settings are, but
// the summary and the detail say whether those settings (EXO-FWD-001's
// effective rule) let it through today, so the two checks do not
// contradict each other.
func TestIRMbx001SaysWhetherForwardingIsDelivered(t *testing.T) {
	mbx := `[{"UserPrincipalName":"adele.vance@contoso.com","ExternalDirectoryObjectId":"` + irAdele + `","ForwardingSmtpAddress":"smtp:adele.v.backup@gmail.com","DeliverToMailboxAndForward":true,"WhenChanged":"2026-11-17T09:05:37+00:00"}]`
	with := func(spam map[string]string) map[string]string {
		over := map[string]string{snapshot.DSExoMailbox: mbx,
			snapshot.DSExoOutboundSpamPolicy: "", snapshot.DSExoOutboundSpamRule: "", snapshot.DSExoRemoteDomain: ""}
		for k, v := range spam {
			over[k] = v
		}
		return irFilesWith(over)
	}
	for _, tc := range []struct {
		name        string
		files       map[string]string
		summary     []string
		detail      string
		notInDetail string
	}{
		{"blocked by the outbound spam policy",
			with(spamFiles(`[`+spamDefaultAutomatic+`]`, `[]`, rdDefaultOn)),
			[]string{"1 mailbox has forwarding outside the tenant configured, but it is not delivered today, as EXO-FWD-001 finds: every applied outbound spam policy blocks it (Default: Automatic = Off).",
				"clear it: a change to the outbound policy would let it through."},
			"not delivered outside today (EXO-FWD-001): every applied outbound spam policy blocks it", ""},
		{"blocked by the remote domains",
			with(spamFiles(`[`+spamDefaultOn+`]`, `[]`, rdDefaultOff)),
			[]string{"but it is not delivered today, as EXO-FWD-001 finds: every remote domain blocks it"}, "every remote domain blocks it", ""},
		{"allowed by both",
			with(spamFiles(`[`+spamDefaultOn+`]`, `[]`, rdDefaultOn)),
			[]string{"1 mailbox forwards mail outside the tenant: the outbound spam policy and a remote domain allow it"}, "forwards to adele.v.backup@gmail.com", "not delivered"},
		{"forwarding settings not collected",
			with(nil),
			[]string{"whether the outbound spam policies and remote domains let it through could not be told"}, "forwards to adele.v.backup@gmail.com", "not delivered"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := RunCheck(irCheck(t, IDIRMbx001), irTestCtx(t, tc.files, nil))
			if r.Status != StatusFail || len(r.Affected) != 1 || !r.Affected[0].Attributed {
				t.Fatalf("got %s %+v: configured forwarding set in the window fails and is cleared either way", r.Status, r.Affected)
			}
			for _, w := range tc.summary {
				if !strings.Contains(r.Summary, w) {
					t.Errorf("summary %q lacks %q", r.Summary, w)
				}
			}
			if d := r.Affected[0].Detail; !strings.Contains(d, tc.detail) || (tc.notInDetail != "" && strings.Contains(d, tc.notInDetail)) {
				t.Errorf("detail %q: want %q, not %q", d, tc.detail, tc.notInDetail)
			}
		})
	}
}

// TestIRMbx001LinksTheSetMailboxEvent: the Set-Mailbox that set the
// mailbox's current forwarding gives its time, actor and address (typed
// auditEvent); another value, another mailbox or a failed cmdlet is not
// linked, and without the audit log the mailbox's last change stands.
func TestIRMbx001LinksTheSetMailboxEvent(t *testing.T) {
	setMailbox := func(at, identity, fwd, ip, result string) string {
		return `{"id":"sm1","createdDateTime":"` + at + `","operation":"Set-Mailbox","userId":"adele.vance@contoso.com","userPrincipalName":"adele.vance@contoso.com","clientIp":"` + ip + `",` +
			`"auditData":{"Operation":"Set-Mailbox","ResultStatus":"` + result + `","UserId":"adele.vance@contoso.com","Parameters":[{"Name":"Identity","Value":"` + identity + `"},{"Name":"ForwardingSmtpAddress","Value":"` + fwd + `"}]}}`
	}
	cfg := `[{"UnifiedAuditLogIngestionEnabled":true}]`
	for _, tc := range []struct {
		name, log string
		linked    bool
		detail    string
	}{
		{"set by the attacker", `[` + setMailbox("2026-11-17T09:12:02Z", "Adele Vance", "smtp:Adele.V.Backup@gmail.com", "203.0.113.7", "True") + `]`, true,
			"set 2026-11-17 09:12 UTC (Set-Mailbox) by adele.vance@contoso.com from 203.0.113.7, an address the attacker used"},
		{"by UPN, from another address", `[` + setMailbox("2026-11-17T09:12:02Z", "adele.vance@contoso.com", "adele.v.backup@gmail.com", "192.0.2.10", "True") + `]`, true,
			"set 2026-11-17 09:12 UTC (Set-Mailbox) by adele.vance@contoso.com from 192.0.2.10"},
		{"another value", `[` + setMailbox("2026-11-17T09:12:02Z", "Adele Vance", "someone@else.example", "203.0.113.7", "True") + `]`, false, ""},
		{"another mailbox", `[` + setMailbox("2026-11-17T09:12:02Z", "Megan Bowen", "adele.v.backup@gmail.com", "203.0.113.7", "True") + `]`, false, ""},
		{"failed cmdlet", `[` + setMailbox("2026-11-17T09:12:02Z", "Adele Vance", "adele.v.backup@gmail.com", "203.0.113.7", "False") + `]`, false, ""},
		{"no audit log", "", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := irFilesWith(map[string]string{snapshot.DSIncidentAuditLog: tc.log, snapshot.DSExoAdminAuditLogConfig: cfg})
			f[snapshot.DSExoMailbox] = strings.Replace(f[snapshot.DSExoMailbox], `{"UserPrincipalName":"adele.vance@contoso.com"`, `{"DisplayName":"Adele Vance","UserPrincipalName":"adele.vance@contoso.com"`, 1)
			r := RunCheck(irCheck(t, IDIRMbx001), irTestCtx(t, f, nil))
			if r.Status != StatusFail || len(r.Affected) != 1 || !r.Affected[0].Attributed {
				t.Fatalf("got %s %+v", r.Status, r.Affected)
			}
			a := r.Affected[0]
			if !tc.linked {
				if a.AuditEvent != nil || a.Actor != "" || a.Time == nil || irTime(*a.Time) != "2026-11-17 09:30 UTC" {
					t.Errorf("linked or lost the mailbox's change time: %+v", a)
				}
				return
			}
			if a.AuditEvent == nil || a.AuditEvent.RecordID != "sm1" || a.Time == nil || irTime(*a.Time) != "2026-11-17 09:12 UTC" || a.Actor != "adele.vance@contoso.com" {
				t.Fatalf("not linked: %+v", a)
			}
			if !strings.Contains(a.Detail, tc.detail) {
				t.Errorf("detail %q lacks %q", a.Detail, tc.detail)
			}
		})
	}
}
