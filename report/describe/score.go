package describe

import (
	"fmt"
	"math"
)

// ScorePercent is the score as every report shows it: one decimal and a
// percent sign, the way the console, the workbook and the results print it
// (a gauge that rounds down would read 25% where the table says 25.5%).
// It clamps to 0–100; a score that is not a number reads "n/a".
func ScorePercent(p float64) string {
	if math.IsNaN(p) || math.IsInf(p, 0) {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", math.Max(0, math.Min(100, p)))
}
