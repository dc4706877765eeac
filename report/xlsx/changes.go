package xlsx

import (
	"strconv"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/report/model"
)

// SheetChanges is the sheet of changes since the baseline audit (audit
// --baseline); it exists only with a baseline.
const SheetChanges = "Changes"

// withChanges puts the Changes sheet (one row per check change and per
// object change, filterable) first among the tables when the audit has a
// baseline.
func withChanges(doc *checks.Document, tables []func() table) ([]func() table, error) {
	c, err := model.ChangesOf(doc)
	if err != nil || c == nil {
		return tables, err
	}
	notes := []string{"Changes since the audit of " + c.From.CollectedAt.UTC().Format("2006-01-02 15:04 UTC") + ": score " +
		formatScore(c.From.Score) + " then, " + formatScore(c.To.Score) + " now (" + c.ScoreDelta + ")."}
	if c.ComparableText != "" {
		notes = append(notes, c.ComparableText)
	}
	if c.Note != "" {
		notes = append(notes, c.Note)
	}
	if c.Empty() {
		notes = append(notes, "Nothing changed: every check has the same result and no configuration object was added, removed or modified.")
	}
	rows := c.Rows
	t := table{
		sheet: SheetChanges,
		notes: notes,
		cols: []column{
			{header: "Kind"}, {header: "Change"}, {header: "Check or object ID", wrap: true, width: 40},
			{header: "Title or name", wrap: true, width: 45}, {header: "Severity", kind: kindSeverity},
			{header: "From", kind: kindStatus}, {header: "To", kind: kindStatus}, {header: "Detail", wrap: true, width: 70},
		},
		n: len(rows),
		row: func(i int) []any {
			r := rows[i]
			return []any{r.Kind, r.Change, r.ID, r.Name, r.Severity, r.From, r.To, r.Detail}
		},
	}
	return append([]func() table{func() table { return t }}, tables...), nil
}

func formatScore(p float64) string { return strconv.FormatFloat(p, 'f', 1, 64) + "%" }
