package pdf

import (
	"fmt"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/checks"
)

// incidentSection is the hook for the incident part of the executive
// summary. For now it states the investigated users and the window; the
// incident engineer extends it (what the attacker changed, containment
// status) from the IR-* results, which also appear in the findings.
func (r *renderer) incidentSection(inc *checks.IncidentInfo) {
	users := append([]string(nil), inc.Users...)
	sort.Strings(users)
	for i, u := range users {
		users[i] = "• " + u
	}
	if len(users) == 0 {
		users = []string{"• (no user named)"}
	}
	end := fmtDate(inc.End)
	if inc.End.IsZero() {
		end = fmtDate(r.doc.CollectedAt) + " (collection)"
	}
	ir := 0
	for _, res := range r.doc.Results {
		if res.Incident && (res.Status == checks.StatusFail || res.Status == checks.StatusWarn) {
			ir++
		}
	}
	body := fmt.Sprintf("Window: %s to %s\nUsers investigated:\n%s\n%d incident check(s) found attacker activity or gaps; see the findings below.",
		fmtDate(inc.Start), end, strings.Join(users, "\n"), ir)
	r.box("INCIDENT INVESTIGATION", body, colAlert, rgb{255, 241, 242})
}
