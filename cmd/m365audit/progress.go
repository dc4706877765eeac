package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

// ttyProgress draws one status line on a terminal during collect: datasets
// done, then the running datasets with the most objects: objects so far,
// pages, rate and an ETA when the total is known: the service's total, or
// else the count of an earlier snapshot (collect --previous), shown as an
// estimate ("~ETA"). Log lines are
// written through LogWriter, which clears the line first and redraws it
// after, so the two never mix. It is used only when stderr is a terminal.
type ttyProgress struct {
	mu      sync.Mutex
	w       io.Writer
	now     func() time.Time
	width   int
	running map[string]*dsProgress
	// expected holds the per-dataset counts of an earlier snapshot of the
	// tenant: the totals of datasets the service gives no total for.
	expected map[string]int64
	done     int
	total    int
	shown    bool
	last     time.Time
	// closed: Clear ended the view; nothing is drawn after it.
	closed bool
}

type dsProgress struct {
	start   time.Time
	objects int
	pages   int
	total   int64
	// estimated: total is an earlier snapshot's count, not the service's.
	estimated bool
}

func newTTYProgress(w io.Writer, now func() time.Time) *ttyProgress {
	width := 100
	if f, ok := w.(*os.File); ok {
		if c, _, err := term.GetSize(int(f.Fd())); err == nil && c > 20 {
			width = c
		}
	}
	return &ttyProgress{w: w, now: now, width: width, running: map[string]*dsProgress{}}
}

// SetExpected gives the counts of an earlier snapshot of the tenant (by
// dataset id): a dataset without a total from the service gets an
// estimated ETA from them.
func (p *ttyProgress) SetExpected(counts map[string]int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expected = counts
}

// newDataset starts a dataset's progress, with the expected count as its
// estimated total when there is one.
func (p *ttyProgress) newDataset(id string) *dsProgress {
	d := &dsProgress{start: p.now(), total: -1}
	if n, ok := p.expected[id]; ok && n > 0 {
		d.total, d.estimated = n, true
	}
	p.running[id] = d
	return d
}

func (p *ttyProgress) DatasetStarted(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.newDataset(id)
	p.draw(false)
}

// DatasetPage implements collect.PageProgress.
func (p *ttyProgress) DatasetPage(id string, objects, pages int, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, ok := p.running[id]
	if !ok {
		d = p.newDataset(id)
	}
	d.objects, d.pages = objects, pages
	if total >= 0 {
		d.total, d.estimated = total, false
	}
	p.draw(true)
}

func (p *ttyProgress) DatasetDone(id string, _ snapshot.DatasetInfo, done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.running, id)
	p.done, p.total = done, total
	p.draw(false)
}

// Clear removes the progress line (before the summary is printed).
func (p *ttyProgress) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLine()
	p.running = map[string]*dsProgress{}
	p.closed = true
}

func (p *ttyProgress) clearLine() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

// draw redraws the line; page updates are drawn at most 5 times a second.
func (p *ttyProgress) draw(throttle bool) {
	if p.closed {
		return
	}
	now := p.now()
	if throttle && now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	line := p.line(now)
	fmt.Fprint(p.w, "\r\033[K"+line)
	p.shown = line != ""
}

func (p *ttyProgress) line(now time.Time) string {
	if len(p.running) == 0 && p.done == 0 {
		return ""
	}
	ids := make([]string, 0, len(p.running))
	for id := range p.running {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := p.running[ids[i]], p.running[ids[j]]
		if a.objects != b.objects {
			return a.objects > b.objects
		}
		return ids[i] < ids[j]
	})
	var b strings.Builder
	if p.total > 0 {
		fmt.Fprintf(&b, "[%d/%d]", p.done, p.total)
	} else {
		fmt.Fprintf(&b, "[%d done]", p.done)
	}
	for i, id := range ids {
		d := p.running[id]
		part := " " + id
		if d.pages > 0 {
			el := now.Sub(d.start).Seconds()
			part += fmt.Sprintf(" %d obj %dp", d.objects, d.pages)
			if el > 0.5 {
				rate := float64(d.objects) / el
				part += fmt.Sprintf(" %.0f/s", rate)
				if d.total > int64(d.objects) && rate > 0 {
					eta := time.Duration(float64(d.total-int64(d.objects)) / rate * float64(time.Second))
					label := " ETA "
					if d.estimated {
						label = " ~ETA "
					}
					part += label + eta.Round(time.Second).String()
				}
			}
		}
		if i > 0 {
			part = " ·" + part
		}
		if len([]rune(b.String()))+len([]rune(part)) > p.width-8 {
			fmt.Fprintf(&b, " +%d", len(ids)-i)
			break
		}
		b.WriteString(part)
	}
	return b.String()
}

// LogWriter returns a writer for log lines: each complete line clears the
// progress line, is written, and the progress line is redrawn below it. A
// write without a final newline is held until its line is complete, so
// the progress line is never drawn onto the end of a half-written line.
func (p *ttyProgress) LogWriter() io.Writer { return &logThrough{p: p} }

type logThrough struct {
	p       *ttyProgress
	pending []byte // guarded by p.mu
}

func (l *logThrough) Write(b []byte) (int, error) {
	p := l.p
	p.mu.Lock()
	defer p.mu.Unlock()
	l.pending = append(l.pending, b...)
	i := bytes.LastIndexByte(l.pending, '\n')
	if i < 0 {
		return len(b), nil
	}
	p.clearLine()
	if _, err := p.w.Write(l.pending[:i+1]); err != nil {
		return 0, err
	}
	l.pending = append(l.pending[:0], l.pending[i+1:]...)
	if (len(p.running) > 0 || p.done > 0) && p.done < p.total {
		p.draw(false)
	}
	return len(b), nil
}
