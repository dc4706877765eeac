package describe

import (
	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/model"
)

// TimelineEvent is one event of an incident timeline (model.TimelineEvent).
type TimelineEvent = model.TimelineEvent

// Timeline returns every event of the incident users in time order
// (model.Timeline); the report model's incident part also marks the
// attacker's sign-ins.
func Timeline(doc *checks.Document, s *snapshot.Snapshot) []TimelineEvent {
	return model.Timeline(doc, s)
}
