package pdf

import (
	"fmt"
	"strings"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

var (
	collected = time.Date(2026, 11, 14, 9, 30, 0, 0, time.UTC)
	generated = time.Date(2026, 11, 14, 10, 2, 0, 0, time.UTC)
)

// phishedDoc is the seed story: a user was phished, the attacker invited
// guests and set forwarding; security defaults were on but no CA policy
// enforces MFA and legacy protocols are open.
func phishedDoc() *checks.Document {
	at := func(d, h int) *time.Time { t := time.Date(2026, 11, d, h, 12, 0, 0, time.UTC); return &t }
	results := []checks.Result{
		{
			ID: "CA-MFA-001", Title: "MFA is required for all users by Conditional Access", Category: "Conditional Access",
			Severity: checks.SeverityCritical, Status: checks.StatusFail,
			Summary:    "No enabled Conditional Access policy requires multifactor authentication for all users; 212 of 214 members can sign in with a password alone.",
			Rationale:  "Security defaults prompt for MFA only in risky situations and do not cover legacy protocols. Without a Conditional Access policy that requires MFA for every sign-in, a phished password is enough to take over the account — which is what happened here.",
			References: checks.References{CIS: []string{"5.2.2.2"}, CISVersion: "4.0.0", SCuBA: []string{"MS.AAD.3.2v2"}},
			Datasets:   []string{snapshot.DSConditionalAccessPolicies},
			Affected: []checks.Affected{
				{Kind: "policy", ID: "7d0c3b1e-4f43-4c1b-9d0e-2b7c1f0a9e11", Name: "Require MFA for admins", Detail: "report-only; covers 4 directory roles, not all users"},
			},
			Remediation: checks.Remediation{
				Summary: "Create a Conditional Access policy that requires MFA for all users and all cloud apps, excluding only the break-glass accounts.",
				Steps: []string{
					"Entra admin center → Protection → Conditional Access → Create new policy.",
					"Users: All users; exclude the break-glass group. Target resources: All cloud apps.",
					"Grant: Require multifactor authentication. Start in report-only for a week, review the sign-in log, then turn it on.",
				},
				Script: true,
			},
		},
		{
			ID: "EXO-PROTO-001", Title: "Legacy authentication protocols are blocked", Category: "Exchange Online",
			Severity: checks.SeverityHigh, Status: checks.StatusFail,
			Summary:    "POP and IMAP are enabled on 37 mailboxes and SMTP AUTH on 12; these protocols cannot do MFA.",
			Rationale:  "Basic-authentication protocols bypass MFA entirely. Attackers use IMAP to read and POP to export a phished mailbox, and SMTP AUTH to send phishing from it.",
			References: checks.References{CIS: []string{"6.5.1", "6.5.4"}, SCuBA: []string{"MS.EXO.5.1v1"}},
			Affected:   manyMailboxes(37),
			Remediation: checks.Remediation{
				Summary: "Disable POP, IMAP and SMTP AUTH on every mailbox and on the mailbox plans, so new mailboxes start with them off.",
				Script:  true,
			},
		},
		{
			ID: "ENTRA-GUEST-002", Title: "Only administrators can invite guests", Category: "Entra ID",
			Severity: checks.SeverityHigh, Status: checks.StatusFail,
			Summary:     "Any member, and even guests, can invite guest users (allowInvitesFrom = everyone).",
			Rationale:   "The attacker used the phished account to invite 28 address-book contacts as guests, giving outsiders a foothold in Teams and SharePoint.",
			Affected:    []checks.Affected{{Kind: "policy", ID: "authorizationPolicy", Name: "Authorization policy", Detail: "allowInvitesFrom: everyone"}},
			Remediation: checks.Remediation{Summary: "Set guest invite restrictions to “Only users assigned to specific admin roles can invite guest users”.", Script: true},
		},
		{
			ID: "IR-GUEST-001", Title: "Guests invited by the compromised user during the incident", Category: "Incident", Incident: true,
			Severity: checks.SeverityCritical, Status: checks.StatusFail,
			Summary: "adele.vance@contoso.com invited 3 guest users between 10 and 12 November.",
			Affected: []checks.Affected{
				{Kind: "guest", ID: "a1f0c7e2-0001-4b7a-9a55-000000000001", Name: "陳大文", Detail: "chen.dawen_gmail.com#EXT#", Time: at(11, 3), Actor: "adele.vance@contoso.com", Attributed: true},
				{Kind: "guest", ID: "a1f0c7e2-0001-4b7a-9a55-000000000002", Name: "山田太郎", Detail: "t.yamada_outlook.jp#EXT#", Time: at(11, 3), Actor: "adele.vance@contoso.com", Attributed: true},
				{Kind: "guest", ID: "a1f0c7e2-0001-4b7a-9a55-000000000003", Name: "\u200fمحمد علي", Detail: "m.ali_example.sa#EXT#", Time: at(11, 4), Actor: "adele.vance@contoso.com", Attributed: true},
			},
			Remediation: checks.Remediation{Summary: "Delete the guests after confirming with the user that none is a real contact.", Script: true},
		},
		{
			ID: "IR-FWD-001", Title: "Mail forwarding set during the incident", Category: "Incident", Incident: true,
			Severity: checks.SeverityCritical, Status: checks.StatusFail,
			Summary:     "An inbox rule forwards every message of adele.vance@contoso.com to an external address.",
			Affected:    []checks.Affected{{Kind: "inboxRule", ID: "AQAAAJ5dZqA=", Name: "..", Detail: "forwardTo: invoices.contoso@protonmail.com; delete: true", Time: at(10, 22), Actor: "adele.vance@contoso.com", Attributed: true}},
			Remediation: checks.Remediation{Summary: "Remove the rule and check the sent items for phishing sent in the user's name.", Script: true},
		},
		{
			ID: "ENTRA-ADMIN-003", Title: "Two to four Global Administrators", Category: "Entra ID",
			Severity: checks.SeverityMedium, Status: checks.StatusWarn,
			Summary: "There are 6 Global Administrators; 2 of them are not cloud-only.",
			Affected: []checks.Affected{
				{Kind: "user", ID: "u-1", Name: "Megan Bowen", Detail: "synced from on-premises"},
				{Kind: "user", ID: "u-2", Name: "O’Neil, Patrick", Detail: "synced from on-premises"},
			},
			Remediation: checks.Remediation{Summary: "Keep two to four cloud-only Global Administrators and use least-privileged roles for the others."},
		},
		{
			ID: "EXO-AUDIT-002", Title: "Mailbox auditing bypass is not used", Category: "Exchange Online",
			Severity: checks.SeverityMedium, Status: checks.StatusFail,
			Summary:  "One account bypasses mailbox audit logging.",
			Affected: []checks.Affected{{Kind: "mailbox", ID: "scanner@contoso.com", Name: "Scanner", Detail: "AuditBypassEnabled: True", Accepted: true}},
			Accepted: &checks.Acceptance{Reason: "Scan-to-mail device; replaced in Q1.", Owner: "IT operations (J. Smith)", Expires: "2027-01-31", Objects: []string{"scanner@contoso.com"}},
		},
		{
			ID: "ENTRA-PIM-001", Title: "Privileged roles are assigned through PIM", Category: "Entra ID",
			Severity: checks.SeverityMedium, Status: checks.StatusManual,
			Summary: "Review whether permanent role assignments are justified; PIM needs Entra ID P2, which the tenant lacks.",
		},
		{ID: "CA-LEGACY-001", Title: "Legacy authentication is blocked by Conditional Access", Category: "Conditional Access",
			Severity: checks.SeverityHigh, Status: checks.StatusUnknown,
			Summary: "Conditional Access policies were not collected: forbidden (needs Policy.Read.All)."},
		{ID: "IR-RISK-001", Title: "Risky sign-ins of the incident users", Category: "Incident", Incident: true,
			Severity: checks.SeverityHigh, Status: checks.StatusNotApplicable,
			Summary: "Identity Protection needs Entra ID P2; the tenant has no P2 licence."},
		{ID: "ENTRA-SD-001", Title: "Security defaults or Conditional Access protect sign-ins", Category: "Entra ID",
			Severity: checks.SeverityHigh, Status: checks.StatusPass, Summary: "Security defaults are enabled."},
		{ID: "EXO-AUDIT-001", Title: "Organisation-wide mailbox auditing is on", Category: "Exchange Online",
			Severity: checks.SeverityMedium, Status: checks.StatusPass, Summary: "AuditDisabled is False."},
		{ID: "ENTRA-CONSENT-001", Title: "Users cannot consent to apps", Category: "Entra ID",
			Severity: checks.SeverityHigh, Status: checks.StatusPass, Summary: "User consent is limited to verified publishers."},
	}
	d := &checks.Document{
		SchemaVersion: checks.ResultsSchemaVersion,
		Tool:          snapshot.Tool{Name: "m365audit", Version: "0.9.0"},
		Tenant:        snapshot.Tenant{ID: "0d9f3c1a-5e2b-4c7d-8f10-3a6b9c2e7d41", DisplayName: "Contoso Ltd", PrimaryDomain: "contoso.com"},
		Cloud:         "global",
		CollectedAt:   collected,
		GeneratedAt:   generated,
		Licences:      checks.Licences{Known: true, P1: true},
		Incident: &checks.IncidentInfo{Users: []string{"adele.vance@contoso.com"},
			Start: time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), End: collected},
		Coverage: checks.Coverage{Evaluated: 11, NotEvaluable: 2, Datasets: []checks.DatasetCoverage{
			{ID: snapshot.DSUsers, Status: snapshot.StatusOK, Count: 214},
			{ID: snapshot.DSRiskyUsers, Status: snapshot.StatusUnlicensed, Reason: "Entra ID P2 required", Checks: []string{"IR-RISK-001"}},
			{ID: snapshot.DSNamedLocations, Status: snapshot.StatusForbidden, Reason: "Authorization_RequestDenied: Insufficient privileges to complete the operation.", Checks: []string{"CA-LEGACY-001", "CA-LOC-001"}},
			{ID: snapshot.DSSignIns, Status: snapshot.StatusPartial, Reason: "page 7 failed after 5 retries (429)", Count: 4120, Checks: []string{"IR-SIGNIN-001"}},
		}},
		Results: results,
	}
	d.Score = scoreOf(d.Results)
	return d
}

// scoreOf fills the counters the way the engine does, so the fixture is
// self-consistent.
func scoreOf(results []checks.Result) checks.Score {
	s := checks.Score{ByStatus: map[checks.Status]int{}, FailBySeverity: map[checks.Severity]int{},
		Formula: "Score = earned / possible points over evaluated checks (critical 10, high 5, medium 3, low 1)."}
	w := map[checks.Severity]float64{checks.SeverityCritical: 10, checks.SeverityHigh: 5, checks.SeverityMedium: 3, checks.SeverityLow: 1}
	for _, r := range results {
		s.Total++
		s.ByStatus[r.Status]++
		if r.IsAccepted() {
			s.Accepted++
		}
		switch r.Status {
		case checks.StatusPass:
			s.Evaluated++
			s.Possible += w[r.Severity]
			s.Earned += w[r.Severity]
		case checks.StatusFail, checks.StatusWarn:
			s.Evaluated++
			s.Possible += w[r.Severity]
			if r.Status == checks.StatusFail {
				s.FailBySeverity[r.Severity]++
			} else {
				s.Earned += w[r.Severity] / 2
			}
		}
	}
	if s.Possible > 0 {
		s.Percent = 100 * s.Earned / s.Possible
	}
	return s
}

func manyMailboxes(n int) []checks.Affected {
	out := make([]checks.Affected, n)
	first := []string{"Alex", "Bianca", "Chidi", "Dana", "Eun-ji", "Farid", "Greta", "Hiro"}
	for i := range out {
		name := fmt.Sprintf("%s %c.", first[i%len(first)], 'A'+rune(i%26))
		out[i] = checks.Affected{Kind: "mailbox", ID: fmt.Sprintf("%s%d@contoso.com", strings.ToLower(first[i%len(first)]), i),
			Name: name, Detail: "PopEnabled: True; ImapEnabled: True"}
	}
	return out
}

// stressDoc pushes page 1: a long tenant name, integrity problems, and
// every dataset denied.
func stressDoc() *checks.Document {
	d := phishedDoc()
	d.Tenant.DisplayName = "Fabrikam Regional Health and Social Care Partnership Trust (North-East Division) — Shared Services Tenant"
	d.Integrity = []snapshot.IntegrityProblem{
		{File: "users.json", Dataset: snapshot.DSUsers, Problem: "sha256 mismatch: manifest 3f2a9c1b7e4d…, file 0b6e2d5a9f11…"},
		{File: "conditionalAccessPolicies.json", Dataset: snapshot.DSConditionalAccessPolicies, Problem: "missing"},
	}
	d.Coverage.Datasets = nil
	for _, s := range snapshot.Specs() {
		d.Coverage.Datasets = append(d.Coverage.Datasets, checks.DatasetCoverage{ID: s.ID, Status: snapshot.StatusForbidden,
			Reason: "Authorization_RequestDenied: Insufficient privileges to complete the operation.", Checks: []string{"X-1"}})
	}
	d.Score = scoreOf(d.Results)
	return d
}
