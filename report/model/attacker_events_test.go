package model

import (
	"strings"
	"testing"

	"github.com/m365audit/m365audit/checks"
)

// TestContosoAttackerFirstActions: in the sample, the unified audit log
// records the attacker (203.0.113.45) creating inbox rules “.” (09:05) and
// “..” (09:07) and setting mailbox forwarding (09:12). The timeline and
// "What the attacker changed" show those times, the address and the actor,
// not "present at collection" or the mailbox's last change.
func TestContosoAttackerFirstActions(t *testing.T) {
	doc, snap := contoso(t)
	rep, err := Build(doc, snap, Options{Fixes: testFixes()})
	if err != nil {
		t.Fatal(err)
	}
	m := rep.Incident
	want := []struct {
		when, event, detail string
	}{
		{"2026-11-17 09:05 UTC", "Inbox rule created", "rule “.”: suspicious"},
		{"2026-11-17 09:07 UTC", "Inbox rule created", "rule “..”: suspicious: forwards to adele.v.backup@gmail.com"},
		{"2026-11-17 09:12 UTC", "Mailbox forwarding set", "set 2026-11-17 09:12 UTC (Set-Mailbox) by adele.vance@contoso.com from 203.0.113.45"},
	}
	for _, w := range want {
		found := false
		for _, e := range m.Timeline {
			if e.Time != nil && FmtDate(*e.Time) == w.when && e.Event == w.event && strings.Contains(e.Detail, w.detail) {
				found = true
				if !e.Attributed || e.Actor != "adele.vance@contoso.com" || !strings.Contains(e.Detail, "203.0.113.45") {
					t.Errorf("%s %s: attributed=%v actor=%q detail=%q", w.when, w.event, e.Attributed, e.Actor, e.Detail)
				}
			}
		}
		if !found {
			t.Errorf("timeline lacks %s %s %q", w.when, w.event, w.detail)
		}
	}
	for _, e := range m.Timeline {
		if e.Time == nil && (strings.Contains(e.Detail, "rule “.”") || strings.Contains(e.Detail, "rule “..”")) {
			t.Errorf("a rule the audit log dates is still shown as present at collection: %+v", e)
		}
	}
	changed := map[string]checks.Affected{}
	for _, g := range m.Changes {
		for _, o := range g.Objects {
			changed[o.Check+"|"+o.Affected.ID] = o.Affected
		}
	}
	for key, when := range map[string]string{
		checks.IDIRInb001 + "|AQAAAJ5dZqE=":                         "2026-11-17 09:05 UTC",
		checks.IDIRInb001 + "|AQAAAJ5dZqI=":                         "2026-11-17 09:07 UTC",
		checks.IDIRMbx001 + "|477cc17f-1d98-48e0-9895-619b666be1f8": "2026-11-17 09:12 UTC",
	} {
		a, ok := changed[key]
		if !ok {
			t.Errorf("%s is not among the attacker's changes", key)
			continue
		}
		if a.Time == nil || FmtDate(*a.Time) != when || a.Actor != "adele.vance@contoso.com" {
			t.Errorf("%s: when %v by %q, want %s by adele.vance@contoso.com", key, a.Time, a.Actor, when)
		}
	}
}
