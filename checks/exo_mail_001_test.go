package checks

import (
	"strings"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

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
