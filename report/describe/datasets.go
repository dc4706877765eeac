package describe

import "github.com/m365audit/m365audit/collectors/snapshot"

// IncidentOnly is how every report words an incident dataset (sign-ins,
// directory audits, guest inviters…) that a routine audit did not collect:
// no command-line flags and no permission hints, since nothing was refused.
const IncidentOnly = "collected only during an incident investigation"

// IncidentSkipped reports whether the dataset is an incident dataset that
// was not collected because collection ran without an incident.
func IncidentSkipped(id string, info snapshot.DatasetInfo) bool {
	spec, ok := snapshot.SpecByID(id)
	return ok && spec.Incident && info.Status == snapshot.StatusSkipped
}

// DatasetStatus says in a report why a dataset carries no or partial data:
// the manifest's wording (status, reason, the permission or licence a
// refusal needs), or IncidentOnly for an incident dataset a routine audit
// skipped.
func DatasetStatus(id string, info snapshot.DatasetInfo) string {
	if IncidentSkipped(id, info) {
		return "not collected (" + IncidentOnly + ")"
	}
	return info.Describe()
}

// DatasetTitle is the registry's title of a dataset ("Guest inviters
// (invitedBy)"), or its id when the registry does not know it.
func DatasetTitle(id string) string {
	if spec, ok := snapshot.SpecByID(id); ok {
		return spec.Title
	}
	return id
}
