package checks

// CatalogEntry is a check's metadata as the `checks` command and docs show
// it (the same Meta the results carry).
type CatalogEntry struct {
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	Category    string      `json:"category"`
	Severity    Severity    `json:"severity"`
	Licence     Licence     `json:"licence,omitempty"`
	Incident    bool        `json:"incident,omitempty"`
	Datasets    []string    `json:"datasets,omitempty"`
	References  References  `json:"references"`
	Rationale   string      `json:"rationale,omitempty"`
	Remediation Remediation `json:"remediation"`
}

// Catalog returns every check's metadata, sorted by ID.
func Catalog() []CatalogEntry {
	all := All()
	out := make([]CatalogEntry, 0, len(all))
	for _, c := range all {
		out = append(out, CatalogEntry{ID: c.ID, Title: c.Title, Category: c.Category, Severity: c.Severity,
			Licence: c.Licence, Incident: c.Incident, Datasets: c.AllDatasets(), References: c.References,
			Rationale: c.Rationale, Remediation: c.Remediation})
	}
	return out
}
