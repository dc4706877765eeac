package checks

import (
	"encoding/json"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// exoJSON quotes s as a JSON string for fixtures.
func exoJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
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
