package xlsx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/xuri/excelize/v2"
)

var (
	collected = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	generated = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
)

func ptime(t time.Time) *time.Time { return &t }

// fixtureDoc is a results document covering every status, an accepted and
// an expired risk, incident evidence, and a dataset that was not collected.
func fixtureDoc() *checks.Document {
	return &checks.Document{
		SchemaVersion: checks.ResultsSchemaVersion,
		Tool:          snapshot.Tool{Name: "m365audit", Version: "0.9.0-test"},
		Tenant:        snapshot.Tenant{ID: "00000000-1111-2222-3333-444444444444", DisplayName: "Contoso Ltd", PrimaryDomain: "contoso.com"},
		Cloud:         "global",
		CollectedAt:   collected,
		GeneratedAt:   generated,
		Licences:      checks.Licences{Known: true, P1: true},
		Score: checks.Score{Percent: 62.5, Earned: 25, Possible: 40, Accepted: 1, Evaluated: 6, Total: 9,
			Formula: "sum(weight of passing or accepted checks) / sum(weight of evaluated checks); weights critical 10, high 5, medium 3, low 1"},
		Coverage: checks.Coverage{Evaluated: 6, NotEvaluable: 3, Datasets: []checks.DatasetCoverage{
			{ID: snapshot.DSUsers, Status: snapshot.StatusOK, Count: 4},
			{ID: snapshot.DSUserRegistrationDetails, Status: snapshot.StatusUnlicensed, Reason: "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
				Checks: []string{"ENTRA-MFA-002"}},
		}},
		Incident: &checks.IncidentInfo{Users: []string{"adele@contoso.com"}, Start: time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), End: collected},
		Results: []checks.Result{
			{ID: "CA-001", Title: "Legacy authentication is blocked", Category: "Conditional Access", Severity: checks.SeverityCritical,
				Status: checks.StatusFail, Summary: "No enabled policy blocks legacy authentication for all users.",
				References:  checks.References{CIS: []string{"5.2.2.3"}, CISVersion: "5.0.0", SCuBA: []string{"MS.AAD.1.1v1"}},
				Remediation: checks.Remediation{Summary: "Create a CA policy blocking Exchange ActiveSync and other clients for all users.", Script: true},
				Affected:    []checks.Affected{{Kind: "policy", ID: "p-legacy", Name: "Block legacy auth", Detail: "report-only"}}},
			{ID: "ENTRA-MFA-002", Title: "Users are registered for MFA", Category: "Entra ID", Severity: checks.SeverityHigh,
				Status: checks.StatusUnknown, Summary: "userRegistrationDetails was not collected: unlicensed (needs Entra ID P1).",
				Remediation: checks.Remediation{Summary: "Ask users to register MFA methods."}},
			{ID: "EXO-PROTO-003", Title: "SMTP AUTH is disabled", Category: "Exchange Online", Severity: checks.SeverityMedium,
				Status: checks.StatusFail, Summary: "1 mailbox has SMTP AUTH enabled.",
				Remediation: checks.Remediation{Summary: "Disable SMTP AUTH per mailbox.", Script: true},
				Accepted:    &checks.Acceptance{Reason: "scanner needs it", Owner: "IT ops", Expires: "2027-01-31", Objects: []string{"scanner@contoso.com"}},
				Affected:    []checks.Affected{{Kind: "mailbox", ID: "u3", Name: "scanner@contoso.com", Detail: "SMTP AUTH on (mailbox setting)", Accepted: true}}},
			{ID: "EXO-FWD-001", Title: "No external forwarding", Category: "Exchange Online", Severity: checks.SeverityHigh,
				Status: checks.StatusWarn, Summary: "Forwarding is allowed by the outbound policy.",
				Remediation: checks.Remediation{Summary: "Set AutoForwardingMode Off."},
				Accepted:    &checks.Acceptance{Reason: "old", Owner: "Bob", Expires: "2026-01-01", Expired: true}},
			{ID: "IR-GUEST-001", Title: "Guests invited during the incident", Category: "Incident", Severity: checks.SeverityCritical,
				Status: checks.StatusFail, Incident: true, Summary: "1 guest invited by adele@contoso.com in the window.",
				Remediation: checks.Remediation{Summary: "Remove the guests the attacker invited.", Script: true},
				Affected: []checks.Affected{{Kind: "guest", ID: "g1", Name: "陳大文", Detail: "invited 2026-11-12",
					Time: ptime(time.Date(2026, 11, 12, 9, 0, 0, 0, time.UTC)), Actor: "adele@contoso.com", Attributed: true}}},
			{ID: "ENTRA-SD-001", Title: "Security defaults", Category: "Entra ID", Severity: checks.SeverityLow,
				Status: checks.StatusNotApplicable, Summary: "Conditional Access is in use."},
			{ID: "ENTRA-ADM-001", Title: "Between 2 and 4 global admins", Category: "Entra ID", Severity: checks.SeverityHigh,
				Status: checks.StatusPass, Summary: "2 global administrators."},
			{ID: "ENTRA-APP-009", Title: "App credentials", Category: "Entra ID", Severity: checks.SeverityMedium,
				Status: checks.StatusError, Summary: "check failed: index out of range (a bug; please report it)"},
			{ID: "EXO-AUDIT-001", Title: "Mailbox auditing", Category: "Exchange Online", Severity: checks.SeverityInfo,
				Status: checks.StatusManual, Summary: "Review audit bypass associations."},
		},
	}
}

// fixtureFiles are the raw datasets of a small tenant.
func fixtureFiles() map[string]string {
	return map[string]string{
		snapshot.DSUsers: `[
 {"id":"u1","displayName":"Adele Vance","userPrincipalName":"adele@contoso.com","userType":"Member","accountEnabled":true,
  "assignedLicenses":[{"skuId":"sku-e3"}],"createdDateTime":"2024-01-01T00:00:00Z",
  "signInActivity":{"lastSuccessfulSignInDateTime":"2026-11-19T08:00:00Z"}},
 {"id":"u2","displayName":"Break Glass 1","userPrincipalName":"bg1@contoso.com","userType":"Member","accountEnabled":true},
 {"id":"u3","displayName":"Scanner","userPrincipalName":"scanner@contoso.com","userType":"Member","accountEnabled":true},
 {"id":"g1","displayName":"陳大文","userPrincipalName":"chan_evil.example#EXT#@contoso.onmicrosoft.com","mail":"chan@evil.example",
  "userType":"Guest","creationType":"Invitation","externalUserState":"PendingAcceptance",
  "externalUserStateChangeDateTime":"2026-11-12T09:00:00Z","createdDateTime":"2026-11-12T09:00:00Z"}]`,
		snapshot.DSSubscribedSkus:  `[{"skuId":"sku-e3","skuPartNumber":"SPE_E3","consumedUnits":3,"prepaidUnits":{"enabled":25},"servicePlans":[{"servicePlanName":"AAD_PREMIUM","provisioningStatus":"Success"}]}]`,
		snapshot.DSRoleAssignments: `[{"id":"ra1","principalId":"u2","roleDefinitionId":"62e90394-69f5-4237-9190-012177145e10"}]`,
		snapshot.DSConditionalAccessPolicies: `[
 {"id":"p-legacy","displayName":"Block legacy auth","state":"enabledForReportingButNotEnforced",
  "conditions":{"users":{"includeUsers":["All"],"excludeUsers":["u2"],"excludeRoles":["d29b2b05-8046-44ba-8758-1e26182fcf32"]},
   "applications":{"includeApplications":["All"]},"clientAppTypes":["exchangeActiveSync","other"]},
  "grantControls":{"operator":"OR","builtInControls":["block"]}},
 {"id":"p-mfa","displayName":"Require MFA","state":"enabled",
  "conditions":{"users":{"includeUsers":["All"],"excludeUsers":["u2"]},"applications":{"includeApplications":["All"]},
   "locations":{"includeLocations":["All"],"excludeLocations":["loc1"]}},
  "grantControls":{"operator":"OR","builtInControls":["mfa","compliantDevice"]}}]`,
		snapshot.DSNamedLocations:     `[{"id":"loc1","displayName":"Head office","isTrusted":true}]`,
		snapshot.DSExoTransportConfig: `[{"SmtpClientAuthenticationDisabled":true}]`,
		snapshot.DSExoCASMailbox: `[
 {"Identity":"adele","PrimarySmtpAddress":"adele@contoso.com","ExternalDirectoryObjectId":"u1","PopEnabled":true,"ImapEnabled":true,"ActiveSyncEnabled":true},
 {"Identity":"scanner","PrimarySmtpAddress":"scanner@contoso.com","ExternalDirectoryObjectId":"u3","PopEnabled":false,"ImapEnabled":false,
  "SmtpClientAuthenticationDisabled":false,"ActiveSyncEnabled":false}]`,
		snapshot.DSExoMailbox: `[
 {"Identity":"adele","UserPrincipalName":"adele@contoso.com","PrimarySmtpAddress":"adele@contoso.com","ExternalDirectoryObjectId":"u1",
  "RecipientTypeDetails":"UserMailbox","ForwardingSmtpAddress":"smtp:adele@evil.example","DeliverToMailboxAndForward":true},
 {"Identity":"scanner","UserPrincipalName":"scanner@contoso.com","PrimarySmtpAddress":"scanner@contoso.com","ExternalDirectoryObjectId":"u3",
  "RecipientTypeDetails":"UserMailbox"}]`,
	}
}

func buildSnap(t testing.TB, files map[string]string, infos map[string]snapshot.DatasetInfo) *snapshot.Snapshot {
	t.Helper()
	m := snapshot.Manifest{SchemaVersion: snapshot.SchemaVersion, CollectedAt: collected, Datasets: map[string]snapshot.DatasetInfo{}}
	raw := map[string][]byte{}
	for id, js := range files {
		if !json.Valid([]byte(js)) {
			t.Fatalf("fixture %s is not valid JSON", id)
		}
		raw[id] = []byte(js)
		m.Datasets[id] = snapshot.DatasetInfo{Status: snapshot.StatusOK, File: id + ".json"}
	}
	for id, in := range infos {
		m.Datasets[id] = in
	}
	return snapshot.FromFiles(m, raw)
}

func fixtureSnap(t testing.TB) *snapshot.Snapshot {
	return buildSnap(t, fixtureFiles(), map[string]snapshot.DatasetInfo{
		snapshot.DSUserRegistrationDetails: {Status: snapshot.StatusUnlicensed, Licence: "Entra ID P1",
			Reason: "Authentication_RequestFromNonPremiumTenantOrB2CTenant"},
		snapshot.DSExoMailbox: {Status: snapshot.StatusPartial, File: "exoMailbox.json", Reason: "page 2 failed: 503"},
	})
}

// write renders a workbook into memory.
func write(t testing.TB, doc *checks.Document, snap *snapshot.Snapshot, opt Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(t.Context(), &b, doc, snap, opt); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return b.Bytes()
}

func open(t testing.TB, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("OpenReader: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

var tsvEscaper = strings.NewReplacer("\\", "\\\\", "\t", "\\t", "\n", "\\n", "\r", "\\r")

// dumpTSV renders every sheet's cell text, one line per row, for golden
// comparison.
func dumpTSV(t testing.TB, f *excelize.File) string {
	t.Helper()
	var b strings.Builder
	for _, sheet := range f.GetSheetList() {
		fmt.Fprintf(&b, "=== %s\n", sheet)
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatalf("GetRows %s: %v", sheet, err)
		}
		for _, r := range rows {
			cells := make([]string, len(r))
			for i, c := range r {
				cells[i] = tsvEscaper.Replace(c)
			}
			b.WriteString(strings.TrimRight(strings.Join(cells, "\t"), "\t"))
			b.WriteString("\n")
		}
	}
	return b.String()
}
