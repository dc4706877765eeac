package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// screen replays what a terminal shows for w's bytes: \r returns to the
// start of the line, ESC[K clears to its end, \n starts a new line.
func screen(b string) []string {
	var lines []string
	var cur []rune
	col := 0
	rs := []rune(b)
	for i := 0; i < len(rs); i++ {
		switch {
		case rs[i] == '\r':
			col = 0
		case rs[i] == '\n':
			lines = append(lines, string(cur))
			cur, col = nil, 0
		case rs[i] == '\033' && strings.HasPrefix(string(rs[i:]), "\033[K"):
			cur = cur[:col]
			i += 2
		default:
			if col < len(cur) {
				cur[col] = rs[i]
			} else {
				cur = append(cur, rs[i])
			}
			col++
		}
	}
	if len(cur) > 0 {
		lines = append(lines, string(cur))
	}
	return lines
}

// TestProgressKeepsLogLinesApart: on a (fake) terminal, a WARN log line
// and a prompt written in pieces each get a line of their own, never the
// progress line's, and Clear leaves no progress line behind the summary.
func TestProgressKeepsLogLinesApart(t *testing.T) {
	var term bytes.Buffer
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	p := newTTYProgress(&term, func() time.Time { now = now.Add(time.Second); return now })
	log := slog.New(slog.NewTextHandler(p.LogWriter(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	p.DatasetStarted("users")
	p.DatasetPage("users", 500, 5, 1000)
	log.Warn("users: signInActivity refused, collecting without it")
	pw := p.LogWriter()
	pw.Write([]byte("To sign in, open "))
	pw.Write([]byte("the page and enter CODE.\n"))
	p.DatasetDone("users", snapshot.DatasetInfo{Status: snapshot.StatusOK}, 1, 2)
	p.Clear()
	term.WriteString("\nCOLLECTION COVERAGE\n")
	lines := screen(term.String())
	warn, prompt := false, false
	for _, l := range lines {
		if strings.Contains(l, "level=WARN") {
			warn = true
			if !strings.HasPrefix(l, "time=") {
				t.Errorf("log line shares the progress line: %q", l)
			}
		}
		if strings.Contains(l, "To sign in") {
			prompt = true
			if l != "To sign in, open the page and enter CODE." {
				t.Errorf("prompt line mixed with progress: %q", l)
			}
		}
		if strings.HasPrefix(l, "[") {
			t.Errorf("progress line left on screen: %q\n%q", l, lines)
		}
	}
	if !warn || !prompt {
		t.Errorf("lines missing: %q", lines)
	}
}

// TestProgressETA: the ETA is shown when the total is known; a total
// from an earlier snapshot (collect --previous) is labelled an estimate
// (~ETA) and gives way to the service's own total; no total, or a count
// already passed, shows none.
func TestProgressETA(t *testing.T) {
	cases := []struct {
		name     string
		expected map[string]int64
		objects  int
		total    int64 // the service's total ($count), -1 when none
		want     string
		wantNot  []string
	}{
		{"service total", nil, 500, 1000, " ETA 10s", []string{"~ETA"}},
		{"previous count", map[string]int64{"users": 1500}, 500, -1, " ~ETA 20s", nil},
		{"service total wins over the previous count", map[string]int64{"users": 1500}, 500, 1000, " ETA 10s", []string{"~ETA"}},
		{"no total", nil, 500, -1, " 500 obj 5p 50/s", []string{"ETA"}},
		{"previous count of another dataset", map[string]int64{"exoMailbox": 1500}, 500, -1, " 500 obj", []string{"ETA"}},
		{"previous count already passed", map[string]int64{"users": 400}, 500, -1, " 500 obj", []string{"ETA"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var term bytes.Buffer
			now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
			p := newTTYProgress(&term, func() time.Time { return now })
			p.SetExpected(tc.expected)
			p.DatasetStarted("users")
			now = now.Add(10 * time.Second)
			p.DatasetPage("users", tc.objects, 5, tc.total)
			lines := screen(term.String())
			if len(lines) != 1 {
				t.Fatalf("screen %q, want one progress line", lines)
			}
			if !strings.Contains(lines[0], tc.want) {
				t.Errorf("progress %q lacks %q", lines[0], tc.want)
			}
			for _, no := range tc.wantNot {
				if strings.Contains(lines[0], no) {
					t.Errorf("progress %q shows %q", lines[0], no)
				}
			}
		})
	}
}
