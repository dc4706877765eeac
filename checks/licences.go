package checks

import "github.com/m365audit/m365audit/collectors/snapshot"

// DetectLicences reads Entra ID P1/P2 from the subscribedSkus dataset
// (snapshot.EntraIDLicences); Known is false when it was not collected.
func DetectLicences(s *snapshot.Snapshot) Licences {
	skus, err := s.SubscribedSkus()
	if err != nil {
		return Licences{}
	}
	l := Licences{Known: true}
	l.P1, l.P2 = snapshot.EntraIDLicences(skus)
	return l
}
