package collect

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// WriteSummary prints the coverage of a collection for a person to read in
// five seconds: counts per status, then one line per dataset that is not ok
// with what would allow it. Skipped datasets are folded into one line.
func WriteSummary(w io.Writer, m snapshot.Manifest, path string) error {
	ids := make([]string, 0, len(m.Datasets))
	counts := map[snapshot.Status]int{}
	for id, d := range m.Datasets {
		ids = append(ids, id)
		counts[d.Status]++
	}
	sort.Strings(ids)
	var b strings.Builder
	title := m.Tenant.DisplayName
	if title == "" {
		title = m.Tenant.ID
	}
	fmt.Fprintf(&b, "\nCOLLECTION COVERAGE — %s (%s), %d datasets\n", title, m.Tenant.PrimaryDomain, len(ids))
	order := []struct {
		s     snapshot.Status
		label string
	}{
		{snapshot.StatusOK, "ok"}, {snapshot.StatusPartial, "partial"}, {snapshot.StatusForbidden, "denied"},
		{snapshot.StatusUnlicensed, "unlicensed"}, {snapshot.StatusNotFound, "not found"},
		{snapshot.StatusError, "error"}, {snapshot.StatusSkipped, "skipped"},
	}
	if counts[snapshot.StatusInterrupted] > 0 {
		order = append(order, struct {
			s     snapshot.Status
			label string
		}{snapshot.StatusInterrupted, "interrupted"})
	}
	var parts []string
	for _, o := range order {
		parts = append(parts, fmt.Sprintf("%d %s", counts[o.s], o.label))
	}
	fmt.Fprintf(&b, "  %s\n", strings.Join(parts, " · "))
	bad := 0
	var skipped []string
	for _, id := range ids {
		d := m.Datasets[id]
		switch d.Status {
		case snapshot.StatusOK:
			continue
		case snapshot.StatusSkipped:
			skipped = append(skipped, id)
			continue
		}
		if bad == 0 {
			b.WriteString("  NOT FULLY COLLECTED (checks that need these answer unknown):\n")
		}
		bad++
		need := d.Permission
		if d.Status == snapshot.StatusInterrupted {
			need = "" // a cancel says nothing about permissions
		} else if d.Status == snapshot.StatusUnlicensed && d.Licence != "" {
			need = d.Licence
		} else if d.Licence != "" && need != "" {
			need += "; licence " + d.Licence
		}
		line := fmt.Sprintf("  ! %-10s %-34s %s", strings.ToUpper(string(d.Status)), id, oneLine(d.Reason, 140))
		if need != "" {
			line += " — needs " + need
		}
		b.WriteString(line + "\n")
	}
	// Skipped datasets are grouped by reason: one line each.
	byReason := map[string][]string{}
	var reasons []string
	for _, id := range skipped {
		r := m.Datasets[id].Reason
		if _, ok := byReason[r]; !ok {
			reasons = append(reasons, r)
		}
		byReason[r] = append(byReason[r], id)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		fmt.Fprintf(&b, "  skipped: %s (%s)\n", strings.Join(byReason[r], ", "), oneLine(r, 120))
	}
	if bad == 0 {
		b.WriteString("  every requested dataset was collected in full\n")
	}
	for _, id := range ids {
		for _, n := range m.Datasets[id].Notes {
			if strings.HasPrefix(n, "keyCredentials/") {
				continue // routine, not a coverage gap
			}
			fmt.Fprintf(&b, "  note %s: %s\n", id, oneLine(n, 160))
		}
	}
	if path != "" {
		fmt.Fprintf(&b, "  snapshot: %s\n", path)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}
