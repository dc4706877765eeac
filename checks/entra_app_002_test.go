package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEntraAPP002(t *testing.T) {
	p := func(s string) map[string]string { return map[string]string{snapshot.DSAdminConsentRequestPolicy: s} }
	runEntraCases(t, "ENTRA-APP-002", []entraCase{
		{name: "pass", want: StatusPass,
			files:   p(`{"isEnabled":true,"notifyReviewers":true,"remindersEnabled":true,"requestDurationInDays":30,"reviewers":[{"query":"/users/r1","queryType":"MicrosoftGraph"}]}`),
			summary: []string{"1 reviewer", "reviewers are notified"}},
		{name: "pass reports notifications off", want: StatusPass,
			files:   p(`{"isEnabled":true,"notifyReviewers":false,"reviewers":[{"query":"/users/r1"},{"query":"/groups/g1/transitiveMembers"}]}`),
			summary: []string{"2 reviewers", "not notified"}},
		{name: "fail: disabled", want: StatusFail, files: p(`{"isEnabled":false,"reviewers":[{"query":"/users/r1"}]}`)},
		{name: "fail: no reviewers", want: StatusFail, files: p(`{"isEnabled":true,"reviewers":[]}`), affected: []string{"Admin consent request policy|no reviewers"}},
		{name: "unknown: forbidden", want: StatusUnknown, files: p(`{}`), statuses: entraForbidden(snapshot.DSAdminConsentRequestPolicy)},
	})
}
