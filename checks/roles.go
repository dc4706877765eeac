package checks

import (
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// DetectLicences reads Entra ID P1/P2 from subscribedSkus service plans
// (AAD_PREMIUM, AAD_PREMIUM_P2). A plan counts when its provisioning status
// is Success (or unset) and its SKU is not suspended.
func DetectLicences(s *snapshot.Snapshot) Licences {
	skus, err := s.SubscribedSkus()
	if err != nil {
		return Licences{}
	}
	l := Licences{Known: true}
	for _, sku := range skus {
		if strings.EqualFold(sku.CapabilityStatus, "Suspended") || strings.EqualFold(sku.CapabilityStatus, "LockedOut") {
			continue
		}
		for _, p := range sku.ServicePlans {
			if p.ProvisioningStatus != "" && !strings.EqualFold(p.ProvisioningStatus, "Success") {
				continue
			}
			switch strings.ToUpper(p.ServicePlanName) {
			case "AAD_PREMIUM":
				l.P1 = true
			case "AAD_PREMIUM_P2":
				l.P1, l.P2 = true, true
			}
		}
	}
	return l
}
