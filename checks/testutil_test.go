package checks

import (
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// testNow is the collectedAt of test snapshots.
var testNow = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// testSnap builds an in-memory snapshot from dataset JSON (dataset ID ->
// file contents). Datasets not given are absent (read as not collected);
// give status overrides in statuses (dataset ID -> status) to simulate a
// forbidden or partial dataset.
func testSnap(t testing.TB, files map[string]string, statuses map[string]snapshot.Status) *snapshot.Snapshot {
	t.Helper()
	m := snapshot.Manifest{SchemaVersion: snapshot.SchemaVersion, CollectedAt: testNow,
		Tenant:   snapshot.Tenant{ID: "00000000-0000-0000-0000-0000000c0450", DisplayName: "Contoso", PrimaryDomain: "contoso.com"},
		Datasets: map[string]snapshot.DatasetInfo{}}
	b := map[string][]byte{}
	for id, f := range files {
		b[id] = []byte(f)
		m.Datasets[id] = snapshot.DatasetInfo{Status: snapshot.StatusOK, File: id + ".json"}
	}
	for id, st := range statuses {
		info := m.Datasets[id]
		info.Status = st
		info.Reason = "Authorization_RequestDenied: Insufficient privileges to complete the operation."
		m.Datasets[id] = info
		if !st.HasData() {
			delete(b, id)
		}
	}
	return snapshot.FromFiles(m, b)
}

// testCtx builds a context over a test snapshot with licences detected from
// its subscribedSkus (when given) and an empty config.
func testCtx(t testing.TB, s *snapshot.Snapshot, cfg *Config) *Context {
	t.Helper()
	// Resolved as given: unit tests name principals the test snapshot
	// may not hold (the resolver has its own tests).
	r, _ := ResolveConfig(cfg, s, nil)
	return &Context{snap: s, Config: r, Now: testNow, Licences: DetectLicences(s)}
}

// skusP1 and skusP2 are subscribedSkus datasets with Entra ID P1 / P2.
const skusNone = `[{"skuId":"a","skuPartNumber":"O365_BUSINESS_ESSENTIALS","capabilityStatus":"Enabled","servicePlans":[{"servicePlanName":"EXCHANGE_S_STANDARD","provisioningStatus":"Success"}]}]`
const skusP1 = `[{"skuId":"b","skuPartNumber":"SPB","capabilityStatus":"Enabled","servicePlans":[{"servicePlanName":"AAD_PREMIUM","provisioningStatus":"Success"}]}]`
const skusP2 = `[{"skuId":"c","skuPartNumber":"SPE_E5","capabilityStatus":"Enabled","servicePlans":[{"servicePlanName":"AAD_PREMIUM","provisioningStatus":"Success"},{"servicePlanName":"AAD_PREMIUM_P2","provisioningStatus":"Success"}]}]`

// checksWhere returns the checks of All() whose ID keep accepts.
func checksWhere(keep func(id string) bool) []Check {
	var out []Check
	for _, c := range All() {
		if keep(c.ID) {
			out = append(out, c)
		}
	}
	return out
}

// isCACheck reports whether a check is judged on Conditional Access (and
// security defaults) through the evaluator in ca.go.
func isCACheck(id string) bool {
	return strings.HasPrefix(id, "ENTRA-CA-") || id == IDEntraMFA001 || id == IDEntraMFA010
}

func caChecks() []Check { return checksWhere(isCACheck) }

func entraChecks() []Check {
	return checksWhere(func(id string) bool { return strings.HasPrefix(id, "ENTRA-") && !isCACheck(id) })
}

func exoChecks() []Check {
	return checksWhere(func(id string) bool { return strings.HasPrefix(id, "EXO-") })
}

func incidentChecks() []Check {
	return checksWhere(func(id string) bool { return strings.HasPrefix(id, "IR-") })
}
