package checks

import (
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

func TestEntraID001(t *testing.T) {
	d := func(items ...string) map[string]string {
		return map[string]string{snapshot.DSDomains: entraList(items...)}
	}
	never := `{"id":"contoso.com","authenticationType":"Managed","isVerified":true,"isRoot":true,"passwordValidityPeriodInDays":2147483647}`
	initial := `{"id":"contoso.onmicrosoft.com","authenticationType":"Managed","isVerified":true,"isInitial":true,"isRoot":true,"passwordValidityPeriodInDays":2147483647}`
	fed := `{"id":"fed.contoso.com","authenticationType":"Federated","isVerified":true,"passwordValidityPeriodInDays":90}`
	unverified := `{"id":"new.contoso.com","authenticationType":"Managed","isVerified":false,"passwordValidityPeriodInDays":null}`
	runEntraCases(t, "ENTRA-ID-001", []entraCase{
		{name: "pass, federated and unverified skipped", want: StatusPass, files: d(never, initial, fed, unverified),
			summary: []string{"any verified managed domain (2)"}},
		{name: "fail: null is the 90-day default", want: StatusFail,
			files:    d(initial, `{"id":"contoso.com","authenticationType":"Managed","isVerified":true,"isRoot":true,"passwordValidityPeriodInDays":null}`, `{"id":"b.contoso.com","authenticationType":"managed","isVerified":true,"passwordValidityPeriodInDays":730}`),
			summary:  []string{"2 of 3 verified managed domains"},
			affected: []string{"b.contoso.com|expire after 730 days", "contoso.com|not set (90-day default)"}},
		{name: "fail: property absent", want: StatusFail,
			files:    d(`{"id":"contoso.com","authenticationType":"Managed","isVerified":true,"isRoot":true}`),
			affected: []string{"contoso.com|not set"}},
		// A verified managed subdomain has no policy of its own (Graph
		// returns null): its root domain decides, and the summary says so.
		{name: "pass: subdomain with null inherits a never-expiring root", want: StatusPass,
			files:   d(never, initial, `{"id":"sales.contoso.com","authenticationType":"Managed","isVerified":true,"isRoot":false,"passwordValidityPeriodInDays":null}`),
			summary: []string{"any verified managed domain (3)", "1 subdomain without a password policy of its own is judged by its root domain"}},
		{name: "fail: subdomain inherits an expiring root", want: StatusFail,
			files:    d(initial, `{"id":"contoso.com","authenticationType":"Managed","isVerified":true,"isRoot":true,"passwordValidityPeriodInDays":90}`, `{"id":"sales.contoso.com","authenticationType":"Managed","isVerified":true,"passwordValidityPeriodInDays":null}`),
			summary:  []string{"2 of 3 verified managed domains"},
			affected: []string{"contoso.com|expire after 90 days", "sales.contoso.com|inherits from its root domain contoso.com: passwords expire after 90 days"}},
		{name: "unknown: subdomain whose root is not in the data", want: StatusUnknown,
			files: d(initial, `{"id":"sales.fabrikam.com","authenticationType":"Managed","isVerified":true,"passwordValidityPeriodInDays":null}`)},
		{name: "unknown: empty list", want: StatusUnknown, files: d()},
		{name: "not applicable: only federated", want: StatusNotApplicable, files: d(fed, unverified)},
		{name: "unknown: forbidden", want: StatusUnknown, files: d(never), statuses: entraForbidden(snapshot.DSDomains)},
		{name: "partial cannot pass", want: StatusUnknown, files: d(never), statuses: entraPartial(snapshot.DSDomains)},
	})
}
