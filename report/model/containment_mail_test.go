package model

import (
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// TestContainmentContosoAuditLogRulesAndRestriction: on the Contoso sample
// the plan removes exactly the hidden rule "Mailbox maintenance" through
// Exchange Online (by the rule identity Get-InboxRule -IncludeHidden
// recorded), lists the deleted rule "ndr" as evidence only, and releases
// the restricted sender as its very last step, after the steps it waits for.
func TestContainmentContosoAuditLogRulesAndRestriction(t *testing.T) {
	doc, snap := contoso(t)
	c, err := PlanContainment(doc, snap, "adele.vance@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	var exo []Step
	for _, s := range c.Steps {
		if s.Op == OpRemoveRuleExchange {
			exo = append(exo, s)
		}
	}
	if len(exo) != 1 {
		t.Fatalf("Exchange rule steps: %+v", exo)
	}
	if s := exo[0]; s.Identity != "11774201209002950657" || s.TargetID != s.Identity || s.RuleName != "Mailbox maintenance" || !s.Hidden ||
		s.CheckID != checks.IDIRInb002 || s.What != WhatRemoveHidden {
		t.Errorf("hidden rule step: %+v", s)
	}
	if n := c.Count(OpRemoveRule); n != 2 {
		t.Errorf("%d IR-INB-001 rule steps, want 2 (“.” and “..”)", n)
	}
	if len(c.Evidence) != 1 {
		t.Fatalf("evidence: %+v", c.Evidence)
	}
	ev := c.Evidence[0]
	if ev.ID != `adele.vance@contoso.com\ndr` || !strings.Contains(ev.Name, "“ndr”") || ev.Created == nil || ev.Removed == nil ||
		!ev.Created.Equal(time.Date(2026, 11, 18, 8, 1, 15, 0, time.UTC)) || !ev.Removed.Equal(time.Date(2026, 11, 18, 8, 41, 56, 0, time.UTC)) ||
		!strings.HasPrefix(ev.Detail, "already deleted, evidence only") {
		t.Errorf("evidence item: %+v", ev)
	}
	for _, s := range c.Steps {
		if strings.Contains(s.TargetName, "ndr") || strings.Contains(s.TargetID, "ndr") {
			t.Errorf("the deleted rule is a step: %+v", s)
		}
	}
	last := c.Steps[len(c.Steps)-1]
	if last.Op != OpReleaseSender || last.Identity != "adele.vance@contoso.com" || last.CheckID != checks.IDIRMail002 || c.Count(OpReleaseSender) != 1 {
		t.Fatalf("last step: %+v", last)
	}
	for _, want := range []string{checks.IDIRUsr002, checks.IDIRInb001, checks.IDIRInb002, checks.IDIRMbx001, checks.IDIRUsr003} {
		if !strings.Contains(strings.Join(last.Requires, ","), want) {
			t.Errorf("the release does not wait for %s: %v", want, last.Requires)
		}
	}
	if strings.Contains(strings.Join(last.Requires, ","), checks.IDIRGst001) {
		t.Errorf("the release waits for the guest steps: %v", last.Requires)
	}
	if !c.HasExchange() || !c.HasRuleRemoval() {
		t.Error("the plan needs Exchange Online and removes rules")
	}
	msgs := 0
	for _, it := range c.Review {
		if it.CheckID == checks.IDIRInb002 || it.CheckID == checks.IDIRMail002 {
			t.Errorf("%s object listed for review although the plan handles it: %+v", it.CheckID, it)
		}
		if it.CheckID == checks.IDIRMail001 {
			msgs++
			if !strings.HasPrefix(it.Detail, "sent by the attacker: warn its recipients (recipients-adele.vance_contoso.com.csv") {
				t.Errorf("the script's reason for a message: %s", it.Detail)
			}
		}
	}
	if msgs != 3 {
		t.Errorf("%d attacker messages in the script's review list, want the 3 of the burst", msgs)
	}
	for _, id := range c.NotScripted {
		if id == checks.IDIRInb002 || id == checks.IDIRMail002 {
			t.Errorf("%s reported as having no containment step", id)
		}
	}
}

// ruleDoc is one incident user with the given incident results.
func ruleDoc(usr002 checks.Affected, results ...checks.Result) *checks.Document {
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	rs := []checks.Result{{ID: checks.IDIRUsr002, Status: checks.StatusFail, Incident: true, Affected: []checks.Affected{usr002}}}
	for _, r := range results {
		r.Incident = true
		r.Status = checks.StatusFail
		rs = append(rs, r)
	}
	return &checks.Document{Tenant: snapshot.Tenant{ID: "00000000-0000-4000-8000-000000000001"}, CollectedAt: at,
		Incident: &checks.IncidentInfo{Users: []string{"u@x.example"}, Start: at.Add(-72 * time.Hour), End: at}, Results: rs}
}

const ruleUID = "11111111-1111-4111-8111-111111111111"

func ruleUser(attributed bool) checks.Affected {
	return checks.Affected{Kind: "user", ID: ruleUID, Attributed: attributed, User: &checks.UserRef{ID: ruleUID, UPN: "u@x.example"}}
}

func auditRule(id, name, ident string, exists, hidden, attributed bool) checks.Affected {
	return checks.Affected{Kind: "inboxRule", ID: id, Name: name, Attributed: attributed, User: &checks.UserRef{ID: ruleUID},
		InboxRule: &checks.InboxRuleEvidence{UserID: ruleUID, ID: ident, Name: name}, RuleHistory: &checks.RuleHistory{Exists: exists, Hidden: hidden, Identity: ident}}
}

func graphRule(id, name string, attributed bool) checks.Affected {
	return checks.Affected{Kind: "inboxRule", ID: id, Name: name, Attributed: attributed, InboxRule: &checks.InboxRuleEvidence{UserID: ruleUID, ID: id, Name: name}}
}

// TestContainmentRulesMergedByIdentity: a rule both IR-INB-001 (Graph id)
// and IR-INB-002 (Exchange rule identity) name is removed once; without an
// identity the name decides; a rule whose existence is unknown, or whose
// identity is unknown, is left to a person; and an ordinary IR-INB-001 rule
// the audit log ties to the attacker is removed and not also "not changed".
func TestContainmentRulesMergedByIdentity(t *testing.T) {
	// Graph ids AQAAAAAAAAA= and AgAAAAAAAAA= are Exchange rule identities 1 and 2.
	unknown := auditRule("u@x.example\\maybe", "maybe", "", false, false, true)
	unknown.RuleHistory.ExistsUnknown = true
	doc := ruleDoc(ruleUser(true),
		checks.Result{ID: checks.IDIRInb001, Affected: []checks.Affected{
			graphRule("AQAAAAAAAAA=", "fwd", true),
			graphRule("AgAAAAAAAAA=", "looks ordinary", false),
			graphRule("AwAAAAAAAAA=", "same name", true),
		}},
		checks.Result{ID: checks.IDIRInb002, Affected: []checks.Affected{
			auditRule("1", "fwd", "1", true, false, true),                           // same rule as IR-INB-001's "fwd"
			auditRule("2", "looks ordinary", "2", true, false, true),                // IR-INB-001 thought it ordinary
			auditRule("u@x.example\\same name", "same name", "", true, false, true), // no identity, same name
			auditRule("u@x.example\\lost", "lost", "", true, false, true),           // no identity, no match
			auditRule("77", "hidden", "77", true, true, true),
			auditRule("78", "hidden twice", "77", true, true, true), // the same identity again
			auditRule("u@x.example\\gone", "gone", "", false, false, true),
			auditRule("79", "colleague's change", "79", true, false, false),
			unknown,
		}})
	c, err := PlanContainment(doc, nil, "u@x.example")
	if err != nil {
		t.Fatal(err)
	}
	var graph, exo []string
	for _, s := range c.Steps {
		switch s.Op {
		case OpRemoveRule:
			graph = append(graph, s.TargetID)
		case OpRemoveRuleExchange:
			exo = append(exo, s.Identity)
		}
	}
	if strings.Join(graph, ",") != "AQAAAAAAAAA=,AwAAAAAAAAA=" {
		t.Errorf("Graph rule steps %v", graph)
	}
	if strings.Join(exo, ",") != "2,77" {
		t.Errorf("Exchange rule steps %v, want 2 and 77 once each", exo)
	}
	review := map[string]string{}
	for _, it := range c.Review {
		review[it.ID] = it.Detail
	}
	if _, ok := review["AgAAAAAAAAA="]; ok {
		t.Error("the rule the plan removes is also listed as not changed")
	}
	for id, want := range map[string]string{"u@x.example\\lost": "identity is unknown", "u@x.example\\maybe": "is unknown", "79": "not changed"} {
		if !strings.Contains(review[id], want) {
			t.Errorf("review %s = %q, want %q", id, review[id], want)
		}
	}
	if len(c.Evidence) != 1 || c.Evidence[0].ID != "u@x.example\\gone" {
		t.Errorf("evidence %+v", c.Evidence)
	}
}

// TestContainmentReleaseOnlyAfterContainment: the restricted sender is
// released by the plan's last step when the plan contains the account or
// IR-USR-002 found it contained; otherwise it is left for a person, with
// the reason. Another account's restriction is for review; another incident
// user's is theirs.
func TestContainmentReleaseOnlyAfterContainment(t *testing.T) {
	mail := func() checks.Result {
		return checks.Result{ID: checks.IDIRMail002, Affected: []checks.Affected{
			{Kind: "restrictedSender", ID: "u@x.example", Name: "U", Attributed: true, User: &checks.UserRef{ID: ruleUID, UPN: "u@x.example"}, Exchange: &checks.ExchangeObject{Identity: "u@x.example"}},
			{Kind: "restrictedSender", ID: "other@x.example", Name: "Other", Exchange: &checks.ExchangeObject{Identity: "other@x.example"}},
		}}
	}
	for _, tc := range []struct {
		name    string
		usr     checks.Affected
		release bool
	}{
		{"account contained by the script", ruleUser(true), true},
		{"account already contained", ruleUser(false), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := PlanContainment(ruleDoc(tc.usr, mail()), nil, "u@x.example")
			if err != nil {
				t.Fatal(err)
			}
			last := c.Steps[len(c.Steps)-1]
			if last.Op != OpReleaseSender || last.Identity != "u@x.example" || c.Count(OpReleaseSender) != 1 {
				t.Fatalf("steps %+v", c.Steps)
			}
			if c.HasGraph() != (tc.usr.Attributed) {
				t.Errorf("HasGraph %v with only Exchange steps", c.HasGraph())
			}
			var other bool
			for _, it := range c.Review {
				other = other || it.ID == "other@x.example"
			}
			if !other {
				t.Error("another restricted account is not listed for review")
			}
		})
	}
	// IR-USR-002 could not judge the account: nothing says it is contained.
	doc := ruleDoc(ruleUser(false), mail())
	doc.Results[0].Status = checks.StatusUnknown
	c, err := PlanContainment(doc, nil, "u@x.example")
	if err != nil {
		t.Fatal(err)
	}
	if c.Has(OpReleaseSender) {
		t.Errorf("released without containment: %+v", c.Steps)
	}
	found := false
	for _, it := range c.Review {
		if it.ID == "u@x.example" && strings.Contains(it.Detail, "does not contain the account") {
			found = true
		}
	}
	if !found {
		t.Errorf("the restriction is not left for review with the reason: %+v", c.Review)
	}
}

// TestIncidentMailNotListedTwice: the attacker's messages (IR-MAIL-001) are
// in the recipients list only, not under the attacker's changes nor in the
// plan's review list; the restricted-sender finding (IR-MAIL-002) is part of
// the account's state, and says whether the script releases it.
func TestIncidentMailNotListedTwice(t *testing.T) {
	doc, snap := contoso(t)
	rep, err := Build(doc, snap, Options{Fixes: testFixes()})
	if err != nil {
		t.Fatal(err)
	}
	m := rep.Incident
	if m.Mail == nil || len(m.Mail.Senders) == 0 {
		t.Fatal("the sample's mail is not in the recipients list")
	}
	n := 0
	for _, g := range m.Changes {
		for _, o := range g.Objects {
			n++
			if o.Affected.Kind == "message" || o.Affected.Kind == "restrictedSender" || o.Check == checks.IDIRMail001 || o.Check == checks.IDIRMail002 {
				t.Errorf("%s %s listed under %q", o.Check, o.Affected.Kind, g.Title)
			}
		}
		if g.Key == "other" {
			t.Errorf("an Other changes group: %+v", g.Objects)
		}
	}
	if n != m.NChanges || n != 14 {
		t.Errorf("%d changes listed, NChanges %d, want 14 (no messages, no restriction)", n, m.NChanges)
	}
	for _, h := range m.Happened {
		if strings.Contains(h, "other change") {
			t.Errorf("narrative counts other changes: %s", h)
		}
	}
	if len(m.Status.Restricted) != 1 || m.Status.Restricted[0].Name != "Adele Vance <adele.vance@contoso.com>" ||
		!strings.Contains(m.Status.Restricted[0].Detail, "since 2026-11-18 08:31 UTC") || !strings.Contains(m.Status.Restricted[0].Detail, "releases it as its last step") {
		t.Errorf("restricted accounts: %+v", m.Status.Restricted)
	}
	p := m.Plans[0]
	for _, it := range p.Review {
		if it.Kind == "message" || it.CheckID == checks.IDIRMail002 {
			t.Errorf("listed for review: %+v", it)
		}
	}
	if len(p.Evidence) != 1 || p.Evidence[0] != "rule “ndr” — created 2026-11-18 08:01 UTC, deleted 2026-11-18 08:41 UTC" {
		t.Errorf("plan evidence: %q", p.Evidence)
	}
	last := p.Steps[len(p.Steps)-1]
	if last.Text != WhatReleaseSender+"." {
		t.Errorf("last plan step: %+v", last)
	}
	var rules []string
	for _, st := range p.Steps {
		if strings.Contains(st.Text, "inbox rule") {
			rules = append(rules, st.Text)
		}
	}
	if len(rules) != 2 || rules[0] != "Remove the 2 suspicious inbox rules (each saved in the script's change log first):" || rules[1] != WhatRemoveHidden+":" {
		t.Errorf("rule steps: %q", rules)
	}
}
