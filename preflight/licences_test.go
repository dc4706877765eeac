package preflight_test

import (
	"encoding/json"
	"testing"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/preflight"
)

// sku is one subscribedSkus item with the given capability status and
// service plans (name:provisioningStatus).
func sku(status string, plans ...[2]string) string {
	type plan struct {
		Name   string `json:"servicePlanName"`
		Status string `json:"provisioningStatus,omitempty"`
	}
	v := struct {
		SkuID  string `json:"skuId"`
		Status string `json:"capabilityStatus,omitempty"`
		Plans  []plan `json:"servicePlans"`
	}{SkuID: "sku", Status: status, Plans: []plan{}}
	for _, p := range plans {
		v.Plans = append(v.Plans, plan{p[0], p[1]})
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestLicencesAgree: the preflight (before collection, from the raw
// subscribedSkus answer) and the audit (from the snapshot) read the same
// Entra ID licences from the same SKUs.
func TestLicencesAgree(t *testing.T) {
	p1 := [2]string{"AAD_PREMIUM", "Success"}
	p2 := [2]string{"AAD_PREMIUM_P2", "Success"}
	for _, tc := range []struct {
		name           string
		skus           []string
		wantP1, wantP2 bool
	}{
		{"no SKU", nil, false, false},
		{"no Entra plan", []string{sku("Enabled", [2]string{"EXCHANGE_S_STANDARD", "Success"})}, false, false},
		{"P1", []string{sku("Enabled", p1)}, true, false},
		{"P2 alone implies P1", []string{sku("Enabled", p2)}, true, true},
		{"P1 and P2", []string{sku("Enabled", p1, p2)}, true, true},
		{"plan name in another case", []string{sku("Enabled", [2]string{"aad_premium", "Success"})}, true, false},
		{"provisioning status unset counts", []string{sku("Enabled", [2]string{"AAD_PREMIUM", ""})}, true, false},
		{"plan pending activation does not count", []string{sku("Enabled", [2]string{"AAD_PREMIUM_P2", "PendingActivation"})}, false, false},
		{"plan disabled does not count", []string{sku("Enabled", [2]string{"AAD_PREMIUM", "Disabled"})}, false, false},
		{"SKU in warning still counts", []string{sku("Warning", p1)}, true, false},
		{"suspended SKU does not count", []string{sku("Suspended", p2)}, false, false},
		{"locked-out SKU does not count", []string{sku("lockedout", p1)}, false, false},
		{"deleted SKU does not count", []string{sku("Deleted", p1)}, false, false},
		{"suspended P2 beside an enabled P1", []string{sku("Suspended", p2), sku("Enabled", p1)}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var raw []json.RawMessage
			for _, s := range tc.skus {
				raw = append(raw, json.RawMessage(s))
			}
			pre := preflight.LicencesFromSkus(raw)
			if !pre.Known || pre.P1 != tc.wantP1 || pre.P2 != tc.wantP2 {
				t.Errorf("preflight: %+v, want P1 %v P2 %v", pre, tc.wantP1, tc.wantP2)
			}
			file, err := json.Marshal(raw)
			if err != nil {
				t.Fatal(err)
			}
			if raw == nil {
				file = []byte("[]")
			}
			snap := snapshot.FromFiles(snapshot.Manifest{}, map[string][]byte{snapshot.DSSubscribedSkus: file})
			audit := checks.DetectLicences(snap)
			if !audit.Known || audit.P1 != tc.wantP1 || audit.P2 != tc.wantP2 {
				t.Errorf("audit: %+v, want P1 %v P2 %v", audit, tc.wantP1, tc.wantP2)
			}
		})
	}
}

// TestLicencesUnknown: without the SKU list the licences are unknown, never
// "none"; an item the preflight cannot decode is passed over.
func TestLicencesUnknown(t *testing.T) {
	snap := snapshot.FromFiles(snapshot.Manifest{Datasets: map[string]snapshot.DatasetInfo{
		snapshot.DSSubscribedSkus: {Status: snapshot.StatusForbidden, Reason: "Authorization_RequestDenied"},
	}}, nil)
	if l := checks.DetectLicences(snap); l.Known || l.P1 || l.P2 {
		t.Errorf("audit without subscribedSkus: %+v, want unknown", l)
	}
	l := preflight.LicencesFromSkus([]json.RawMessage{json.RawMessage(`"not an object"`), json.RawMessage(sku("Enabled", [2]string{"AAD_PREMIUM", "Success"}))})
	if !l.Known || !l.P1 || l.P2 {
		t.Errorf("preflight with an undecodable item: %+v, want P1 from the other", l)
	}
}
