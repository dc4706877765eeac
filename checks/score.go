package checks

import "math"

// ScoreFormula is the score definition, written into every document and
// into checks/SCORE.md.
const ScoreFormula = "score = 100 × earned / possible, over evaluated checks (pass, fail, warn). " +
	"Weights: critical 10, high 5, medium 3, low 1, info 0. " +
	"Earned: pass = full weight, warn = half weight, fail = 0. Possible = sum of weights of evaluated checks. " +
	"Accepted risks (fail or warn with an unexpired acceptance) score exactly as without the acceptance (an accepted fail earns 0 and stays in possible), so accepting a risk documents it but never changes the score; they are counted apart as 'accepted' and left out of failBySeverity. " +
	"manual, unknown, not_applicable and error are left out of possible; unknown ones are reported as coverage (not evaluable). " +
	"Percent is rounded to one decimal; with nothing evaluated it is 0."

// SeverityWeight returns a severity's weight in the score.
func SeverityWeight(s Severity) float64 {
	switch s {
	case SeverityCritical:
		return 10
	case SeverityHigh:
		return 5
	case SeverityMedium:
		return 3
	case SeverityLow:
		return 1
	}
	return 0
}

// ComputeScore computes the severity-weighted score of results (see
// ScoreFormula).
func ComputeScore(results []Result) Score {
	s := Score{ByStatus: map[Status]int{}, FailBySeverity: map[Severity]int{}, Formula: ScoreFormula, Total: len(results)}
	for _, st := range Statuses() {
		s.ByStatus[st] = 0
	}
	for _, sev := range Severities() {
		s.FailBySeverity[sev] = 0
	}
	for _, r := range results {
		s.ByStatus[r.Status]++
		w := SeverityWeight(r.Severity)
		switch r.Status {
		case StatusPass:
			s.Evaluated++
			s.Possible += w
			s.Earned += w
		case StatusWarn, StatusFail:
			s.Evaluated++
			s.Possible += w
			if r.IsAccepted() {
				s.Accepted++
			}
			if r.Status == StatusWarn {
				s.Earned += w / 2
			}
			if r.Status == StatusFail && !r.IsAccepted() {
				s.FailBySeverity[r.Severity]++
			}
		}
	}
	if s.Possible > 0 {
		s.Percent = math.Round(1000*s.Earned/s.Possible) / 10
	}
	return s
}
