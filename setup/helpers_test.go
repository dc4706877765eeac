package setup

import (
	"testing"
	"time"
)

func mustTime(t *testing.T) time.Time {
	t.Helper()
	return time.Date(2026, 12, 4, 15, 30, 0, 0, time.UTC)
}
