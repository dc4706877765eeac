package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEntraID001(t *testing.T) {
	d := func(items ...string) map[string]string {
		return map[string]string{snapshot.DSDomains: entraList(items...)}
	}
	never := `{"id":"contoso.com","authenticationType":"Managed","isVerified":true,"passwordValidityPeriodInDays":2147483647}`
	initial := `{"id":"contoso.onmicrosoft.com","authenticationType":"Managed","isVerified":true,"isInitial":true,"passwordValidityPeriodInDays":2147483647}`
	fed := `{"id":"fed.contoso.com","authenticationType":"Federated","isVerified":true,"passwordValidityPeriodInDays":90}`
	unverified := `{"id":"new.contoso.com","authenticationType":"Managed","isVerified":false,"passwordValidityPeriodInDays":null}`
	runEntraCases(t, "ENTRA-ID-001", []entraCase{
		{name: "pass, federated and unverified skipped", want: StatusPass, files: d(never, initial, fed, unverified),
			summary: []string{"any verified managed domain (2)"}},
		{name: "fail: null is the 90-day default", want: StatusFail,
			files:    d(initial, `{"id":"contoso.com","authenticationType":"Managed","isVerified":true,"passwordValidityPeriodInDays":null}`, `{"id":"b.contoso.com","authenticationType":"managed","isVerified":true,"passwordValidityPeriodInDays":730}`),
			summary:  []string{"2 of 3 verified managed domains"},
			affected: []string{"b.contoso.com|expire after 730 days", "contoso.com|not set (90-day default)"}},
		{name: "fail: property absent", want: StatusFail,
			files:    d(`{"id":"contoso.com","authenticationType":"Managed","isVerified":true}`),
			affected: []string{"contoso.com|not set"}},
		{name: "unknown: empty list", want: StatusUnknown, files: d()},
		{name: "not applicable: only federated", want: StatusNotApplicable, files: d(fed, unverified)},
		{name: "unknown: forbidden", want: StatusUnknown, files: d(never), statuses: entraForbidden(snapshot.DSDomains)},
		{name: "partial cannot pass", want: StatusUnknown, files: d(never), statuses: entraPartial(snapshot.DSDomains)},
	})
}
