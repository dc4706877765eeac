package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

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
