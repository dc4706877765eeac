package describe

import (
	"math"
	"testing"
)

func TestScorePercent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{25.5, "25.5%"},
		{31.07, "31.1%"},
		{0, "0.0%"},
		{100, "100.0%"},
		{99.96, "100.0%"},
		{-3, "0.0%"},
		{140, "100.0%"},
		{math.NaN(), "n/a"},
		{math.Inf(1), "n/a"},
	} {
		if got := ScorePercent(tc.in); got != tc.want {
			t.Errorf("ScorePercent(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
