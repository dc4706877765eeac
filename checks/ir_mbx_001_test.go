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
