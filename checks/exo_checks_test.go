package checks

import (
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
