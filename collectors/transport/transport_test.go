package transport

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	max := 15 * time.Minute
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"2", 2 * time.Second, true},
		{"1.5", 1500 * time.Millisecond, true},
		{" 3 ", 3 * time.Second, true},
		{"-1", 0, false},
		{"NaN", 0, false},
		{"soon", 0, false},
		{"86400", max, true},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
	}
	for _, tt := range tests {
		got, ok := RetryAfter(tt.in, now, max)
		if got != tt.want || ok != tt.ok {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBackoffGrowsCapsAndJitters(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 2 * time.Second, 2: 4 * time.Second, 3: 8 * time.Second, 10: 60 * time.Second} {
		d := Backoff(n, 2*time.Second, 60*time.Second)
		if d < want || d >= want+time.Second {
			t.Errorf("Backoff(%d) = %v, want in [%v, %v)", n, d, want, want+time.Second)
		}
	}
}

func TestSleepHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
}

func TestRetryableAndLoopback(t *testing.T) {
	for s, want := range map[int]bool{429: true, 503: true, 504: true, 500: false, 403: false, 200: false} {
		if Retryable(s) != want {
			t.Errorf("Retryable(%d) != %v", s, want)
		}
	}
	for h, want := range map[string]bool{"localhost": true, "127.0.0.1": true, "127.8.9.1": true, "[::1]": true, "::1": true,
		"127.0.0.1.evil.example": false, "graph.microsoft.com": false, "10.0.0.1": false} {
		if IsLoopback(h) != want {
			t.Errorf("IsLoopback(%q) != %v", h, want)
		}
	}
}
