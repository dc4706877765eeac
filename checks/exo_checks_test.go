package checks

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Hostile names that must reach Affected verbatim (report writers escape).
const (
	exoEvilPS   = `'; Remove-MgUser -UserId * ; '`
	exoEvilXLSX = `=HYPERLINK("http://evil.example","click")`
	exoEvilRTL  = "\u202Eadmin\u200F 山田"
)

// exoJSON quotes s as a JSON string for fixtures.
func exoJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// exoCase is one table row: datasets in, verdict and evidence out.
type exoCase struct {
	name     string
	files    map[string]string
	statuses map[string]snapshot.Status
	want     Status
	// affected are the expected Affected names, in RunCheck's sorted order
	// (nil: do not check; empty: none).
	affected []string
	// contains are substrings the summary must hold.
	contains []string
	// details are substrings that some Affected detail must hold.
	details []string
}

// exoCheck finds an Exchange check by ID.
func exoCheck(t *testing.T, id string) Check {
	t.Helper()
	for _, c := range exoChecks() {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no check %s in exoChecks()", id)
	return Check{}
}

// runExoCases runs a table through RunCheck (so dataset gating is included).
func runExoCases(t *testing.T, id string, cases []exoCase) {
	t.Helper()
	chk := exoCheck(t, id)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := testSnap(t, tc.files, tc.statuses)
			r := RunCheck(chk, testCtx(t, s, nil))
			t.Logf("%s: %s", r.Status, r.Summary)
			if r.Status != tc.want {
				t.Fatalf("status = %s, want %s; summary: %s", r.Status, tc.want, r.Summary)
			}
			if strings.TrimSpace(r.Summary) == "" {
				t.Errorf("empty summary")
			}
			for _, c := range tc.contains {
				if !strings.Contains(r.Summary, c) {
					t.Errorf("summary %q lacks %q", r.Summary, c)
				}
			}
			if tc.affected != nil {
				got := make([]string, 0, len(r.Affected))
				for _, a := range r.Affected {
					got = append(got, a.Name)
				}
				if !slices.Equal(got, tc.affected) {
					t.Errorf("affected = %q, want %q", got, tc.affected)
				}
			}
			for _, d := range tc.details {
				found := false
				for _, a := range r.Affected {
					found = found || strings.Contains(a.Detail, d)
				}
				if !found {
					t.Errorf("no affected detail holds %q: %+v", d, r.Affected)
				}
			}
			for _, a := range r.Affected {
				if a.ID == "" || a.Name == "" || a.Detail == "" {
					t.Errorf("affected object without id/name/detail: %+v", a)
				}
			}
		})
	}
}

// forbidden marks datasets as denied (no data).
func forbidden(ids ...string) map[string]snapshot.Status {
	m := map[string]snapshot.Status{}
	for _, id := range ids {
		m[id] = snapshot.StatusForbidden
	}
	return m
}

func TestEXOProto001(t *testing.T) {
	ds := snapshot.DSExoTransportConfig
	runExoCases(t, "EXO-PROTO-001", []exoCase{
		{name: "disabled passes", files: map[string]string{ds: `[{"Identity":"Admin","SmtpClientAuthenticationDisabled@odata.type":"#Boolean","SmtpClientAuthenticationDisabled":true}]`},
			want: StatusPass, affected: []string{}},
		{name: "string True passes", files: map[string]string{ds: `[{"Identity":"Admin","SmtpClientAuthenticationDisabled":"True"}]`}, want: StatusPass},
		{name: "enabled fails", files: map[string]string{ds: `[{"Identity":"Admin","SmtpClientAuthenticationDisabled":"False"}]`},
			want: StatusFail, affected: []string{"SmtpClientAuthenticationDisabled"}, contains: []string{"enabled for the organisation"}},
		{name: "null fails", files: map[string]string{ds: `[{"Identity":"Admin","SmtpClientAuthenticationDisabled":null}]`},
			want: StatusFail, details: []string{"null"}},
		{name: "property missing fails", files: map[string]string{ds: `[{"Identity":"Admin"}]`}, want: StatusFail},
		{name: "forbidden is unknown", statuses: forbidden(ds), want: StatusUnknown, contains: []string{ds}},
		{name: "no row is unknown", files: map[string]string{ds: `[]`}, want: StatusUnknown},
		{name: "undecodable value is unknown, not pass", files: map[string]string{ds: `[{"SmtpClientAuthenticationDisabled":"maybe"}]`}, want: StatusUnknown},
	})
}

// casRows are Get-CASMailbox rows as InvokeCommand returns them.
const casRows = `[
 {"Identity":"Adele Vance","Name":"adele","PrimarySmtpAddress":"adele@contoso.com","ExternalDirectoryObjectId":"u-adele",
  "PopEnabled@odata.type":"#Boolean","PopEnabled":false,"ImapEnabled":false,"SmtpClientAuthenticationDisabled":null},
 {"Identity":"Scanner","PrimarySmtpAddress":"scanner@contoso.com","ExternalDirectoryObjectId":"u-scan",
  "PopEnabled":"False","ImapEnabled":"False","SmtpClientAuthenticationDisabled":"False"},
 {"Identity":"Legacy","PrimarySmtpAddress":"legacy@contoso.com","ExternalDirectoryObjectId":"u-leg",
  "PopEnabled":"True","ImapEnabled":true,"SmtpClientAuthenticationDisabled":true},
 {"Identity":"x1","DisplayName":"` + exoEvilPS + `","ExternalDirectoryObjectId":"u-evil",
  "PopEnabled":false,"ImapEnabled":"True","SmtpClientAuthenticationDisabled":false}
]`

func TestEXOProto002(t *testing.T) {
	ds := snapshot.DSExoCASMailbox
	runExoCases(t, "EXO-PROTO-002", []exoCase{
		{name: "per-mailbox override fails, null inherits", files: map[string]string{ds: casRows}, want: StatusFail,
			affected: []string{exoEvilPS, "scanner@contoso.com"}, contains: []string{"2 of 4 mailboxes turn SMTP AUTH on for themselves"},
			details: []string{"SmtpClientAuthenticationDisabled = False"}},
		{name: "null and true pass", files: map[string]string{ds: `[
			{"Identity":"a","PrimarySmtpAddress":"a@contoso.com","SmtpClientAuthenticationDisabled":null},
			{"Identity":"b","PrimarySmtpAddress":"b@contoso.com","SmtpClientAuthenticationDisabled":"True"},
			{"Identity":"c","PrimarySmtpAddress":"c@contoso.com"}]`},
			want: StatusPass, affected: []string{}, contains: []string{"2 inherit", "1 disable"}},
		{name: "no mailboxes is not applicable", files: map[string]string{ds: `[]`}, want: StatusNotApplicable},
		{name: "forbidden is unknown", statuses: forbidden(ds), want: StatusUnknown},
		{name: "partial dataset cannot pass", files: map[string]string{ds: `[{"Identity":"a","SmtpClientAuthenticationDisabled":true}]`},
			statuses: map[string]snapshot.Status{ds: snapshot.StatusPartial}, want: StatusUnknown},
	})
}

func TestEXOProto003(t *testing.T) {
	ds := snapshot.DSExoCASMailbox
	runExoCases(t, "EXO-PROTO-003", []exoCase{
		{name: "pop and imap on fail with which", files: map[string]string{ds: casRows}, want: StatusFail,
			affected: []string{exoEvilPS, "legacy@contoso.com"}, contains: []string{"1 with POP, 2 with IMAP"},
			details: []string{"POP and IMAP enabled", "IMAP enabled"}},
		{name: "all off passes", files: map[string]string{ds: `[
			{"Identity":"a","PrimarySmtpAddress":"a@contoso.com","PopEnabled":false,"ImapEnabled":"False"},
			{"Identity":"b","PrimarySmtpAddress":"b@contoso.com","PopEnabled":"False","ImapEnabled@odata.type":"#Boolean","ImapEnabled":false}]`},
			want: StatusPass, affected: []string{}},
		{name: "null never passes", files: map[string]string{ds: `[
			{"Identity":"a","PrimarySmtpAddress":"a@contoso.com","PopEnabled":false,"ImapEnabled":false},
			{"Identity":"b","PrimarySmtpAddress":"b@contoso.com","PopEnabled":false}]`},
			want: StatusUnknown, affected: []string{"b@contoso.com"}, details: []string{"IMAP setting not reported"}},
		{name: "forbidden is unknown", statuses: forbidden(ds), want: StatusUnknown},
	})
}

func TestEXOProto004(t *testing.T) {
	ds := snapshot.DSExoOrganizationConfig
	runExoCases(t, "EXO-PROTO-004", []exoCase{
		{name: "on passes", files: map[string]string{ds: `[{"Identity":"contoso.onmicrosoft.com","OAuth2ClientProfileEnabled@odata.type":"#Boolean","OAuth2ClientProfileEnabled":"True"}]`}, want: StatusPass},
		{name: "off fails", files: map[string]string{ds: `[{"Identity":"contoso.onmicrosoft.com","OAuth2ClientProfileEnabled":false}]`},
			want: StatusFail, affected: []string{"OAuth2ClientProfileEnabled"}},
		{name: "null is unknown", files: map[string]string{ds: `[{"Identity":"contoso.onmicrosoft.com"}]`}, want: StatusUnknown},
		{name: "forbidden is unknown", statuses: forbidden(ds), want: StatusUnknown},
	})
}

func TestEXOProto005(t *testing.T) {
	ds := snapshot.DSExoCASMailboxPlan
	runExoCases(t, "EXO-PROTO-005", []exoCase{
		{name: "plan with pop on fails", files: map[string]string{ds: `[
			{"Identity":"ExchangeOnlineEnterprise-6f6c2a1e","Name":"ExchangeOnlineEnterprise-6f6c2a1e","DisplayName":"ExchangeOnlineEnterprise","PopEnabled":"True","ImapEnabled":"False"},
			{"Identity":"ExchangeOnlineDeskless-1b2c","DisplayName":"ExchangeOnlineDeskless","PopEnabled":false,"ImapEnabled":false}]`},
			want: StatusFail, affected: []string{"ExchangeOnlineEnterprise"}, details: []string{"POP enabled for new mailboxes"}},
		{name: "all plans off pass", files: map[string]string{ds: `[
			{"Identity":"ExchangeOnline-1","DisplayName":"ExchangeOnline","PopEnabled":false,"ImapEnabled@odata.type":"#Boolean","ImapEnabled":false},
			{"Identity":"ExchangeOnlineEnterprise-2","DisplayName":"ExchangeOnlineEnterprise","PopEnabled":"False","ImapEnabled":"False"}]`},
			want: StatusPass, contains: []string{"All 2 CAS mailbox plans create new"}},
		{name: "null plan value is unknown", files: map[string]string{ds: `[{"Identity":"p","DisplayName":"P","PopEnabled":false,"ImapEnabled":null}]`},
			want: StatusUnknown, affected: []string{"P"}},
		{name: "no plans is unknown", files: map[string]string{ds: `[]`}, want: StatusUnknown},
		{name: "forbidden is unknown", statuses: forbidden(ds), want: StatusUnknown},
	})
}

// Outbound spam fixtures.
const (
	spamDefaultAutomatic = `{"Identity":"Default","Name":"Default","IsDefault@odata.type":"#Boolean","IsDefault":"True","Enabled":true,"AutoForwardingMode":"Automatic",
		"RecipientLimitExternalPerHour":0,"RecipientLimitInternalPerHour":0,"RecipientLimitPerDay":0,"ActionWhenThresholdReached":"BlockUserForToday",
		"NotifyOutboundSpam":false,"NotifyOutboundSpamRecipients":[]}`
	spamDefaultOff = `{"Identity":"Default","Name":"Default","IsDefault":true,"AutoForwardingMode":"Off"}`
	spamDefaultOn  = `{"Identity":"Default","Name":"Default","IsDefault":true,"AutoForwardingMode":"On"}`
	spamCustomOn   = `{"Identity":"Forwarders","Name":"Forwarders","IsDefault":"False","Enabled":"True","AutoForwardingMode":"On"}`
	ruleEnabled    = `{"Identity":"Forwarders rule","Name":"Forwarders rule","HostedOutboundSpamFilterPolicy":"Forwarders","State":"Enabled","Priority":0,"From":["ceo@contoso.com"]}`
	ruleDisabled   = `{"Identity":"Forwarders rule","Name":"Forwarders rule","HostedOutboundSpamFilterPolicy":"Forwarders","State":"Disabled","Priority":0}`
	rdDefaultOn    = `[{"Identity":"Default","Name":"Default","DomainName":"*","AutoForwardEnabled@odata.type":"#Boolean","AutoForwardEnabled":"True"}]`
	rdDefaultOff   = `[{"Identity":"Default","Name":"Default","DomainName":"*","AutoForwardEnabled":false},{"Identity":"fabrikam","Name":"fabrikam","DomainName":"fabrikam.com","AutoForwardEnabled":"False"}]`
)

func spamFiles(policies, rules, domains string) map[string]string {
	m := map[string]string{snapshot.DSExoOutboundSpamPolicy: policies, snapshot.DSExoOutboundSpamRule: rules}
	if domains != "" {
		m[snapshot.DSExoRemoteDomain] = domains
	}
	return m
}

func TestEXOFwd001EffectiveRule(t *testing.T) {
	runExoCases(t, "EXO-FWD-001", []exoCase{
		{name: "default Automatic and remote domain on passes",
			files: spamFiles(`[`+spamDefaultAutomatic+`]`, `[]`, rdDefaultOn), want: StatusPass, affected: []string{},
			contains: []string{"Remote domain Default (*) allows auto-forwarding, but every applied outbound spam policy blocks it (Default: Automatic = Off)"}},
		{name: "custom On with enabled rule and remote domain on fails",
			files: spamFiles(`[`+spamDefaultOff+`,`+spamCustomOn+`]`, `[`+ruleEnabled+`]`, rdDefaultOn), want: StatusFail,
			affected: []string{"Default", "Forwarders"}, details: []string{"senders ceo@contoso.com", "AutoForwardEnabled = True (domain *)"}},
		{name: "custom On with disabled rule is not applied",
			files: spamFiles(`[`+spamDefaultOff+`,`+spamCustomOn+`]`, `[`+ruleDisabled+`]`, rdDefaultOn), want: StatusPass,
			contains: []string{"custom policy Forwarders set to On"}},
		{name: "custom On without any rule is not applied",
			files: spamFiles(`[`+spamDefaultOff+`,`+spamCustomOn+`]`, `[]`, rdDefaultOn), want: StatusPass},
		{name: "default On but every remote domain blocks passes",
			files: spamFiles(`[`+spamDefaultOn+`]`, `[]`, rdDefaultOff), want: StatusPass, contains: []string{"every remote domain blocks it"}},
		{name: "default On and remote domain on fails",
			files: spamFiles(`[`+spamDefaultOn+`]`, `[]`, rdDefaultOn), want: StatusFail, affected: []string{"Default", "Default"}},
		{name: "both block passes", files: spamFiles(`[`+spamDefaultOff+`]`, `[]`, rdDefaultOff), want: StatusPass},
		{name: "default mode unreported with remote domain on is unknown",
			files: spamFiles(`[{"Identity":"Default","IsDefault":true}]`, `[]`, rdDefaultOn), want: StatusUnknown, contains: []string{"not reported"}},
		{name: "remote domain null with default On is unknown",
			files: spamFiles(`[`+spamDefaultOn+`]`, `[]`, `[{"Identity":"Default","DomainName":"*","AutoForwardEnabled":null}]`), want: StatusUnknown},
		{name: "no default policy and remote domain on is unknown",
			files: spamFiles(`[`+spamCustomOn+`]`, `[]`, rdDefaultOn), want: StatusUnknown, contains: []string{"no default"}},
		{name: "rule in unclear state with On policy is unknown",
			files: spamFiles(`[`+spamDefaultOff+`,`+spamCustomOn+`]`, `[{"Name":"r","HostedOutboundSpamFilterPolicy":"Forwarders","State":""}]`, rdDefaultOn),
			want:  StatusUnknown},
		{name: "remote domains forbidden is unknown",
			files: spamFiles(`[`+spamDefaultOff+`]`, `[]`, ""), statuses: forbidden(snapshot.DSExoRemoteDomain), want: StatusUnknown,
			contains: []string{snapshot.DSExoRemoteDomain}},
		{name: "rules forbidden is unknown",
			files:    map[string]string{snapshot.DSExoOutboundSpamPolicy: `[` + spamDefaultOff + `]`, snapshot.DSExoRemoteDomain: rdDefaultOn},
			statuses: forbidden(snapshot.DSExoOutboundSpamRule), want: StatusUnknown},
	})
}

func TestEXOFwd002LiteralControl(t *testing.T) {
	runExoCases(t, "EXO-FWD-002", []exoCase{
		{name: "default Automatic fails the literal control", files: spamFiles(`[`+spamDefaultAutomatic+`]`, `[]`, ""), want: StatusFail,
			affected: []string{"Default"}, contains: []string{"not Off as CIS requires", "EXO-FWD-001"}},
		{name: "default Off passes", files: spamFiles(`[`+spamDefaultOff+`]`, `[]`, ""), want: StatusPass},
		{name: "custom On with enabled rule fails", files: spamFiles(`[`+spamDefaultOff+`,`+spamCustomOn+`]`, `[`+ruleEnabled+`]`, ""),
			want: StatusFail, affected: []string{"Forwarders"}, contains: []string{"1 of 2 applied"}},
		{name: "custom On with disabled rule is not judged", files: spamFiles(`[`+spamDefaultOff+`,`+spamCustomOn+`]`, `[`+ruleDisabled+`]`, ""),
			want: StatusPass, contains: []string{"1 custom policy without an enabled rule was not judged"}},
		{name: "default On fails", files: spamFiles(`[`+spamDefaultOn+`]`, `[]`, ""), want: StatusFail, affected: []string{"Default"}},
		{name: "unrecognised mode is unknown", files: spamFiles(`[{"Identity":"Default","IsDefault":true,"AutoForwardingMode":"Sometimes"}]`, `[]`, ""),
			want: StatusUnknown, affected: []string{"Default"}},
		{name: "forbidden is unknown", statuses: forbidden(snapshot.DSExoOutboundSpamPolicy, snapshot.DSExoOutboundSpamRule), want: StatusUnknown},
	})
}

const verifiedDomains = `[{"id":"contoso.com","isVerified":true,"authenticationType":"Managed"},
 {"id":"contoso.onmicrosoft.com","isVerified":true,"isInitial":true},
 {"id":"unverified.example","isVerified":false}]`

func TestEXOFwd003(t *testing.T) {
	tr, dom := snapshot.DSExoTransportRule, snapshot.DSDomains
	files := func(rules string) map[string]string { return map[string]string{tr: rules, dom: verifiedDomains} }
	runExoCases(t, "EXO-FWD-003", []exoCase{
		{name: "enabled rule to external address fails, hostile name verbatim", files: files(`[
			{"Identity":` + exoJSON(exoEvilXLSX) + `,"Name":` + exoJSON(exoEvilXLSX) + `,"State":"Enabled","Mode":"Enforce","WhenChanged":"2026-11-12T03:04:05",
			 "BlindCopyTo":["attacker@evil.example"],"RedirectMessageTo":null},
			{"Identity":"Internal copy","Name":"Internal copy","State":"Enabled","Mode":"Enforce","CopyTo":["SMTP:Audit@Contoso.com"]},
			{"Identity":"Old","Name":"Old","State":"Disabled","RedirectMessageTo":"x@gmail.com"},
			{"Identity":"Unverified","Name":"` + exoEvilRTL + `","State":"Enabled","AddToRecipients":"Bob <bob@unverified.example>"}]`),
			want: StatusFail, affected: []string{exoEvilXLSX, exoEvilRTL},
			details:  []string{"BlindCopyTo: attacker@evil.example", "last changed 2026-11-12T03:04:05", "AddToRecipients: Bob <bob@unverified.example>"},
			contains: []string{"1 disabled rule also sends to external addresses (review or remove): Old."}},
		{name: "test-mode rule still fails and says so", files: files(`[{"Name":"T","State":"Enabled","Mode":"Audit","RedirectMessageTo":["x@evil.example"]}]`),
			want: StatusFail, details: []string{"test mode"}},
		{name: "internal-only rules pass", files: files(`[{"Name":"a","State":"Enabled","CopyTo":["legal@contoso.com","x@CONTOSO.onmicrosoft.com."]},{"Name":"b","State":"Enabled"}]`),
			want: StatusPass, contains: []string{"2 verified domains", "2 rules"}},
		{name: "recipient by name needs a person", files: files(`[{"Name":"n","State":"Enabled","RedirectMessageTo":["Legal Team"]}]`),
			want: StatusManual, affected: []string{"n"}},
		{name: "no verified domains is unknown", files: map[string]string{tr: `[]`, dom: `[{"id":"x.example","isVerified":false}]`}, want: StatusUnknown},
		{name: "domains forbidden is unknown", files: map[string]string{tr: `[]`}, statuses: forbidden(dom), want: StatusUnknown, contains: []string{dom}},
		{name: "transport rules forbidden is unknown", files: map[string]string{dom: verifiedDomains}, statuses: forbidden(tr), want: StatusUnknown},
	})
}

func TestEXOMail001(t *testing.T) {
	ds := snapshot.DSExoOutboundSpamPolicy
	good := `{"Identity":"Default","Name":"Default","IsDefault":"True","AutoForwardingMode":"Off",
		"RecipientLimitExternalPerHour@odata.type":"#Int32","RecipientLimitExternalPerHour":500,"RecipientLimitInternalPerHour":"1000","RecipientLimitPerDay":1000,
		"ActionWhenThresholdReached":"BlockUser","NotifyOutboundSpam":"True","NotifyOutboundSpamRecipients":["soc@contoso.com"]}`
	runExoCases(t, "EXO-MAIL-001", []exoCase{
		{name: "configured passes", files: map[string]string{ds: `[` + good + `,` + spamCustomOn + `]`}, want: StatusPass,
			contains: []string{"500 external/h", "soc@contoso.com"}},
		{name: "service defaults fail with each setting", files: map[string]string{ds: `[` + spamDefaultAutomatic + `]`}, want: StatusFail,
			affected: []string{"ActionWhenThresholdReached", "NotifyOutboundSpam", "RecipientLimitExternalPerHour", "RecipientLimitInternalPerHour", "RecipientLimitPerDay"},
			contains: []string{"RecipientLimitExternalPerHour = 0 (service default: not configured)", "ActionWhenThresholdReached = BlockUserForToday", "5 settings"}},
		{name: "too high limit and no recipients fail", files: map[string]string{ds: `[` + strings.Replace(strings.Replace(good, `"RecipientLimitPerDay":1000`, `"RecipientLimitPerDay":"5000"`, 1),
			`["soc@contoso.com"]`, `null`, 1) + `]`}, want: StatusFail,
			affected: []string{"NotifyOutboundSpamRecipients", "RecipientLimitPerDay"}, details: []string{"5000, expected 1–1000"}},
		{name: "no default policy is unknown", files: map[string]string{ds: `[` + spamCustomOn + `]`}, want: StatusUnknown},
		{name: "forbidden is unknown", statuses: forbidden(ds), want: StatusUnknown},
	})
}

func TestEXOAud001(t *testing.T) {
	ds := snapshot.DSExoAdminAuditLogConfig
	runExoCases(t, "EXO-AUD-001", []exoCase{
		{name: "on passes", files: map[string]string{ds: `[{"Identity":"Admin Audit Log Settings","UnifiedAuditLogIngestionEnabled@odata.type":"#Boolean","UnifiedAuditLogIngestionEnabled":"True"}]`}, want: StatusPass},
		{name: "off fails", files: map[string]string{ds: `[{"Identity":"Admin Audit Log Settings","UnifiedAuditLogIngestionEnabled":false}]`},
			want: StatusFail, affected: []string{"UnifiedAuditLogIngestionEnabled"}},
		{name: "null is unknown", files: map[string]string{ds: `[{"Identity":"Admin Audit Log Settings","UnifiedAuditLogIngestionEnabled":null}]`}, want: StatusUnknown},
		{name: "forbidden is unknown", statuses: forbidden(ds), want: StatusUnknown},
	})
}

func TestEXOAud002(t *testing.T) {
	ds := snapshot.DSExoOrganizationConfig
	runExoCases(t, "EXO-AUD-002", []exoCase{
		{name: "auditing on passes", files: map[string]string{ds: `[{"Identity":"contoso.onmicrosoft.com","AuditDisabled":"False"}]`}, want: StatusPass},
		{name: "auditing off fails", files: map[string]string{ds: `[{"Identity":"contoso.onmicrosoft.com","AuditDisabled@odata.type":"#Boolean","AuditDisabled":true}]`},
			want: StatusFail, affected: []string{"AuditDisabled"}},
		{name: "null is unknown", files: map[string]string{ds: `[{"Identity":"contoso.onmicrosoft.com"}]`}, want: StatusUnknown},
		{name: "forbidden is unknown", statuses: forbidden(ds), want: StatusUnknown},
	})
}

func TestEXOAud004(t *testing.T) {
	ds := snapshot.DSExoMailboxAuditBypass
	runExoCases(t, "EXO-AUD-004", []exoCase{
		{name: "bypass fails, hostile names verbatim", files: map[string]string{ds: `[
			{"Identity":"svc-backup","Name":"svc-backup","AuditBypassEnabled":"True"},
			{"Identity":"x","Name":"` + exoEvilPS + `","AuditBypassEnabled@odata.type":"#Boolean","AuditBypassEnabled":true},
			{"Identity":"adele","Name":"adele","AuditBypassEnabled":false}]`},
			want: StatusFail, affected: []string{exoEvilPS, "svc-backup"}, contains: []string{"2 accounts bypass mailbox audit logging"}},
		{name: "none passes", files: map[string]string{ds: `[{"Identity":"adele","Name":"adele","AuditBypassEnabled":"False"}]`}, want: StatusPass},
		{name: "empty passes", files: map[string]string{ds: `[]`}, want: StatusPass},
		{name: "null is unknown", files: map[string]string{ds: `[{"Identity":"adele","Name":"adele"}]`}, want: StatusUnknown, affected: []string{"adele"}},
		{name: "forbidden is unknown", statuses: forbidden(ds), want: StatusUnknown},
	})
}

func TestExoChecksMetadata(t *testing.T) {
	want := []string{"EXO-AUD-001", "EXO-AUD-002", "EXO-AUD-004", "EXO-FWD-001", "EXO-FWD-002", "EXO-FWD-003", "EXO-MAIL-001",
		"EXO-PROTO-001", "EXO-PROTO-002", "EXO-PROTO-003", "EXO-PROTO-004", "EXO-PROTO-005"}
	script := map[string]bool{"EXO-PROTO-001": true, "EXO-PROTO-002": true, "EXO-PROTO-003": true, "EXO-PROTO-005": true,
		"EXO-FWD-001": true, "EXO-FWD-002": true, "EXO-MAIL-001": true, "EXO-AUD-001": true, "EXO-AUD-002": true, "EXO-AUD-004": true}
	var got []string
	for _, c := range exoChecks() {
		got = append(got, c.ID)
		if c.Title == "" || c.Category == "" || c.Severity == "" || c.Rationale == "" || c.Remediation.Summary == "" || len(c.Datasets) == 0 || c.Eval == nil {
			t.Errorf("%s: incomplete metadata: %+v", c.ID, c.Meta)
		}
		if c.Severity.Rank() >= len(Severities()) {
			t.Errorf("%s: bad severity %q", c.ID, c.Severity)
		}
		if c.Category != exoCategoryProtocols && c.Category != exoCategoryAuditing {
			t.Errorf("%s: category %q", c.ID, c.Category)
		}
		r := c.References
		if len(r.CIS)+len(r.SCuBA)+len(r.Other) == 0 {
			t.Errorf("%s: no reference", c.ID)
		}
		if len(r.CIS) > 0 && r.CISVersion != "v5.0.0" {
			t.Errorf("%s: CIS numbers without CISVersion v5.0.0", c.ID)
		}
		if c.Remediation.Script != script[c.ID] {
			t.Errorf("%s: Script = %v, want %v", c.ID, c.Remediation.Script, script[c.ID])
		}
		if len(c.Remediation.Steps) == 0 {
			t.Errorf("%s: no remediation steps", c.ID)
		}
		if c.Licence != LicenceNone || c.Incident {
			t.Errorf("%s: unexpected licence/incident gate", c.ID)
		}
		for _, ds := range c.Datasets {
			if _, ok := snapshot.SpecByID(ds); !ok {
				t.Errorf("%s: unknown dataset %q", c.ID, ds)
			}
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("IDs = %v, want %v", got, want)
	}
	fwd3 := exoCheck(t, "EXO-FWD-003")
	if !slices.Contains(fwd3.Datasets, snapshot.DSDomains) || !strings.Contains(fwd3.Rationale, "verified domains") {
		t.Errorf("EXO-FWD-003 must read and explain the domains dataset")
	}
}

func TestExoAddressDomain(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"a@contoso.com", "contoso.com", true},
		{"SMTP:A@Contoso.COM", "contoso.com", true},
		{"Bob <bob@fabrikam.com>", "fabrikam.com", true},
		{"x@contoso.com.", "contoso.com", true},
		{"Legal Team", "", false},
		{"@contoso.com", "", false},
		{"a@", "", false},
	}
	for _, tt := range tests {
		got, ok := exoAddressDomain(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("exoAddressDomain(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
