package checks

import (
	"fmt"
	"testing"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// entraCred is a Graph-shaped credential.
func entraCred(keyID, name, start, end string) string {
	return fmt.Sprintf(`{"keyId":%q,"displayName":%s,"startDateTime":%q,"endDateTime":%q}`, keyID, entraJS(name), start, end)
}

func TestEntraAPP006(t *testing.T) {
	app := func(id, name, secrets, certs string) string {
		return fmt.Sprintf(`{"id":%q,"appId":"app-%s","displayName":%s,"passwordCredentials":%s,"keyCredentials":%s}`, id, id, entraJS(name), secrets, certs)
	}
	goodCert := entraList(entraCred("k1", "cert", "2026-09-01T00:00:00Z", "2027-02-01T00:00:00Z"))
	clean := entraList(app("a1", "Payroll", `[]`, goodCert), app("a2", "Portal", `[]`, `[]`))
	spsClean := entraList(entraSP("sp1", "app-a1", "Payroll", "tenant", `"passwordCredentials":[]`),
		entraSP("msp", "ms", "Microsoft thing", entraMSTenant, `"passwordCredentials":[`+entraCred("m1", "", "2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z")+`]`))
	runEntraCases(t, "ENTRA-APP-006", []entraCase{
		{name: "pass", want: StatusPass, files: map[string]string{snapshot.DSApplications: clean, snapshot.DSServicePrincipals: spsClean}},
		{name: "fail: secrets, long-lived and expired listed", want: StatusFail,
			files: map[string]string{
				snapshot.DSApplications: entraList(
					app("a1", entraHostileRTL, entraList(
						entraCred("s2", "ci", "2025-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
						entraCred("s1", "old", "2024-01-01T00:00:00Z", "2024-06-01T00:00:00Z")), `[]`),
					app("a2", "Portal", `[]`, entraList(entraCred("k9", "", "2024-01-01T00:00:00Z", "2029-01-01T00:00:00Z"))),
				),
				snapshot.DSServicePrincipals: entraList(entraSP("sp9", "app-x", "Backdoor SP", entraOtherTenant,
					`"passwordCredentials":[`+entraCred("p1", "", "2026-11-01T00:00:00Z", "2027-11-01T00:00:00Z")+`]`)),
			},
			summary: []string{"Client secrets are in use: 2 on 1 of 2 app registrations and 1 on non-Microsoft service principals", "1 certificate is long-lived or expired"},
			affected: []string{
				"Backdoor SP|client secret (keyId p1)",
				"Portal|certificate (keyId k9); valid 2024-01-01 to 2029-01-01; lifetime 1827 days, longer than 180",
				entraHostileRTL + `|client secret "old" (keyId s1); valid 2024-01-01 to 2024-06-01; expired`,
				entraHostileRTL + `|client secret "ci" (keyId s2); valid 2025-01-01 to 2027-01-01; lifetime 730 days`,
			}},
		{name: "warn: only an expired certificate", want: StatusWarn,
			files: map[string]string{snapshot.DSApplications: entraList(app("a1", "Payroll", `[]`, entraList(entraCred("k1", "", "2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z")))),
				snapshot.DSServicePrincipals: spsClean},
			affected: []string{"Payroll|expired"}},
		{name: "unknown: clean apps but service principals forbidden", want: StatusUnknown,
			files:    map[string]string{snapshot.DSApplications: clean, snapshot.DSServicePrincipals: spsClean},
			statuses: entraForbidden(snapshot.DSServicePrincipals), summary: []string{"service principals were not collected"}},
		{name: "fail stands without service principals", want: StatusFail,
			files: map[string]string{snapshot.DSApplications: entraList(app("a1", "Payroll", entraList(entraCred("s1", "", "2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z")), `[]`))}},
		{name: "unknown: applications forbidden", want: StatusUnknown, files: map[string]string{snapshot.DSApplications: clean},
			statuses: entraForbidden(snapshot.DSApplications)},
	})
}
