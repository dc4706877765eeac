package checks

import "sort"

// All returns every check of the catalogue, sorted by ID. The list is
// explicit (no init registration) so its order is stable and greppable.
func All() []Check {
	var all []Check
	all = append(all, caChecks()...)
	all = append(all, entraChecks()...)
	all = append(all, exoChecks()...)
	all = append(all, incidentChecks()...)
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	return all
}
