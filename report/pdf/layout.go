package pdf

import (
	"github.com/m365audit/m365audit/checks"
)

// rgb is a colour.
type rgb struct{ r, g, b int }

var (
	colText     = rgb{31, 41, 55}
	colMuted    = rgb{107, 114, 128}
	colHeading  = rgb{17, 55, 99}
	colRule     = rgb{209, 213, 219}
	colWhite    = rgb{255, 255, 255}
	colHeadFill = rgb{229, 231, 235}
	colZebra    = rgb{248, 249, 251}
	colTrack    = rgb{229, 231, 235}
	colAccepted = rgb{14, 116, 144}
	colAlert    = rgb{185, 28, 28}
	colAlertBg  = rgb{254, 226, 226}
	colInfoBg   = rgb{224, 242, 254}
	colGood     = rgb{22, 163, 74}
	colFair     = rgb{217, 119, 6}
	colPoor     = rgb{220, 38, 38}
)

func severityColor(s checks.Severity) rgb {
	switch s {
	case checks.SeverityCritical:
		return rgb{127, 29, 29}
	case checks.SeverityHigh:
		return rgb{220, 38, 38}
	case checks.SeverityMedium:
		return rgb{234, 138, 0}
	case checks.SeverityLow:
		return rgb{37, 99, 235}
	}
	return rgb{107, 114, 128}
}

func statusColor(s checks.Status) rgb {
	switch s {
	case checks.StatusFail:
		return rgb{220, 38, 38}
	case checks.StatusWarn:
		return rgb{217, 119, 6}
	case checks.StatusManual:
		return rgb{109, 40, 217}
	case checks.StatusError:
		return rgb{190, 24, 93}
	case checks.StatusPass:
		return rgb{22, 163, 74}
	case checks.StatusNotApplicable:
		return rgb{156, 163, 175}
	}
	return rgb{107, 114, 128}
}

// statusLabel is the badge text of a status.
func statusLabel(s checks.Status) string {
	switch s {
	case checks.StatusNotApplicable:
		return "N/A"
	case "":
		return "?"
	}
	return upper(string(s))
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// scoreBand colours the score: 80 % and above is good, 60 % and above
// fair, below that poor.
func scoreBand(p float64) (string, rgb) {
	switch {
	case p >= 80:
		return "good", colGood
	case p >= 60:
		return "fair", colFair
	}
	return "poor", colPoor
}

// column is a table column.
type column struct {
	title string
	w     float64
}

// cell is one table cell; a zero style means the table's body style.
type cell struct {
	text  string
	bold  bool
	color *rgb
	// lines keeps line breaks; names and ids show them spelled out.
	lines bool
}

// maxCellLines caps one cell so a single hostile value cannot make a row
// taller than a page.
const maxCellLines = 14

// table draws rows under a header that repeats after each page break.
func (r *renderer) table(cols []column, rows [][]cell, size float64) {
	const pad = 1.2
	lh := lineH(size)
	headSt := textStyle{size: size, bold: true, color: colText}
	drawHead := func() {
		h := lh + 2*pad
		r.f.SetFillColor(colHeadFill.r, colHeadFill.g, colHeadFill.b)
		r.f.Rect(marginX, r.y, sum(cols), h, "F")
		x := marginX
		for _, c := range cols {
			ln := r.l.wrap(c.title, c.w-2*pad, headSt, false)[0]
			r.l.drawLine(x+pad, r.y+pad+baseline(lh, size), ln, headSt)
			x += c.w
		}
		r.y += h
	}
	// Keep the header with the first row (and with what the caller keeps
	// before the table).
	r.need(r.tableLead(cols, rows, size))
	drawHead()
	for i, row := range rows {
		wrapped := make([][]textLine, len(cols))
		styles := make([]textStyle, len(cols))
		n := 1
		for j, c := range cols {
			if j >= len(row) {
				continue
			}
			st := textStyle{size: size, bold: row[j].bold, color: colText}
			if row[j].color != nil {
				st.color = *row[j].color
			}
			styles[j] = st
			lines := r.l.wrap(row[j].text, c.w-2*pad, st, row[j].lines)
			if len(lines) > maxCellLines {
				lines = lines[:maxCellLines]
				last := r.l.wrap("… (truncated; full text in the workbook)", c.w-2*pad, textStyle{size: size, color: colMuted}, false)
				lines = append(lines, last...)
			}
			wrapped[j] = lines
			n = max(n, len(lines))
		}
		h := float64(n)*lh + 2*pad
		if i == len(rows)-1 && r.y+h+r.tail > contentBot && r.tail > 0 && h+r.tail < contentBot-contentTop {
			// The last row goes with what must follow it.
			r.newPage()
			drawHead()
		} else if r.y+h > contentBot {
			r.newPage()
			drawHead()
		}
		if i%2 == 1 {
			r.f.SetFillColor(colZebra.r, colZebra.g, colZebra.b)
			r.f.Rect(marginX, r.y, sum(cols), h, "F")
		}
		x := marginX
		for j, c := range cols {
			for k, ln := range wrapped[j] {
				st := styles[j]
				if k >= maxCellLines {
					st = textStyle{size: size, color: colMuted}
				}
				r.l.drawLine(x+pad, r.y+pad+float64(k)*lh+baseline(lh, size), ln, st)
			}
			x += c.w
		}
		r.f.SetDrawColor(colRule.r, colRule.g, colRule.b)
		r.f.SetLineWidth(0.1)
		r.f.Line(marginX, r.y+h, marginX+sum(cols), r.y+h)
		r.y += h
	}
	r.y += 2
}

// tableLead is the height of a table's header and first row.
func (r *renderer) tableLead(cols []column, rows [][]cell, size float64) float64 {
	const pad = 1.2
	lh := lineH(size)
	n := 1
	if len(rows) > 0 {
		for j, c := range cols {
			if j >= len(rows[0]) {
				continue
			}
			st := textStyle{size: size, bold: rows[0][j].bold, color: colText}
			n = max(n, min(len(r.l.wrap(rows[0][j].text, c.w-2*pad, st, rows[0][j].lines)), maxCellLines+1))
		}
	}
	return lh + 2*pad + float64(n)*lh + 2*pad
}

// paraH is the height para draws s in.
func (r *renderer) paraH(s string, st textStyle, w float64) float64 {
	if s == "" {
		return 0
	}
	return float64(len(r.l.wrap(s, w, st, true))) * lineH(st.size)
}

func sum(cols []column) float64 {
	t := 0.0
	for _, c := range cols {
		t += c.w
	}
	return t
}

// box draws a filled panel with an accent bar around text.
func (r *renderer) box(title, body string, accent, bg rgb) {
	const pad = 2.5
	titleSt := textStyle{size: 10, bold: true, color: accent}
	bodySt := textStyle{size: 9, color: colText}
	w := contentW - 2*pad - 1.5
	tl := r.l.wrap(title, w, titleSt, false)
	bl := r.l.wrap(body, w, bodySt, true)
	if body == "" {
		bl = nil
	}
	h := float64(len(tl))*lineH(10) + float64(len(bl))*lineH(9) + 2*pad
	if h > contentBot-contentTop {
		// Too long for one page: draw as plain paragraphs.
		r.para(title, titleSt, marginX, contentW)
		r.para(body, bodySt, marginX, contentW)
		return
	}
	r.need(h)
	r.f.SetFillColor(bg.r, bg.g, bg.b)
	r.f.Rect(marginX, r.y, contentW, h, "F")
	r.f.SetFillColor(accent.r, accent.g, accent.b)
	r.f.Rect(marginX, r.y, 1.5, h, "F")
	y := r.y + pad
	for _, ln := range tl {
		r.l.drawLine(marginX+1.5+pad, y+baseline(lineH(10), 10), ln, titleSt)
		y += lineH(10)
	}
	for _, ln := range bl {
		r.l.drawLine(marginX+1.5+pad, y+baseline(lineH(9), 9), ln, bodySt)
		y += lineH(9)
	}
	r.y += h + 3
}
