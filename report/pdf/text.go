package pdf

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/go-pdf/fpdf"
)

// The text layer sits between the report and fpdf, which has neither font
// fallback nor bidi: it cleans tenant strings, shapes Arabic, splits text
// into runs per font, wraps lines and draws them. Every string that reaches
// the page goes through it.

// placeholder replaces a character no embedded font has, so nothing is
// dropped silently.
const placeholder = '\uFFFD'

// textStyle is how a run of text is drawn.
type textStyle struct {
	size  float64 // points
	bold  bool
	color rgb
}

// piece is a fragment drawn in one face.
type piece struct {
	text string
	fc   *face
	w    float64 // mm
}

// token is an unbreakable unit: a word, or one CJK character.
type token struct {
	pieces []piece
	w      float64
	// space says a space separated it from the token before.
	space bool
	rtl   bool
}

// textLine is one wrapped line, tokens in logical order.
type textLine struct {
	toks []token
	w    float64
}

type layer struct {
	f  *fpdf.Fpdf
	fs *fontSet
}

// isBidiControl reports the directional marks and embeddings that only
// steer a bidi algorithm; fpdf has none, so they are removed.
func isBidiControl(r rune) bool {
	return r == 0x200E || r == 0x200F || r == 0x061C || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// isInvisible reports zero-width format characters that draw nothing.
func isInvisible(r rune) bool {
	return r == 0x200B || r == 0x200C || r == 0x200D || r == 0x2060 || r == 0xFEFF || r == 0x00AD
}

// clean maps a tenant string to what will be drawn: bidi controls and
// zero-width characters go, control characters are spelled out as
// ‹U+0007›, so a hostile name shows what it contains. keepNewlines keeps
// line breaks for paragraphs; in names they are spelled out too.
func clean(s string, keepNewlines bool) string {
	if keepNewlines {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case isBidiControl(r) || isInvisible(r):
		case keepNewlines && (r == '\n' || r == '\r'):
			b.WriteRune('\n')
		case r == '\t':
			b.WriteRune(' ')
		case r < 0x20 || (r >= 0x7F && r < 0xA0):
			fmt.Fprintf(&b, "\u2039U+%04X\u203A", r)
		case r == 0x2028 || r == 0x2029:
			if keepNewlines {
				b.WriteRune('\n')
			} else {
				b.WriteRune(' ')
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isCJK reports characters of scripts written without spaces, where a
// line may break between any two characters.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
		unicode.Is(unicode.Hangul, r) || (r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}

func isSpace(r rune) bool { return r == ' ' || (r != '\n' && unicode.IsSpace(r)) || r == 0x3000 }

// mm converts a font size in points to millimetres.
func mm(pt float64) float64 { return pt * 25.4 / 72 }

// tokenize splits one cleaned paragraph (no newlines) into tokens.
func (l *layer) tokenize(s string, st textStyle) []token {
	var toks []token
	var cur []rune
	curRTL, space := false, false
	flush := func() {
		if len(cur) == 0 {
			return
		}
		runes := cur
		if curRTL {
			runes = reverseClusters(shapeArabic(runes, l.fs.covered))
		}
		toks = append(toks, l.measure(runes, st, space, curRTL))
		cur, space = nil, false
	}
	for _, r := range s {
		switch {
		case isSpace(r):
			flush()
			space = true
		case isCJK(r):
			flush()
			cur = []rune{r}
			curRTL = false
			flush()
		default:
			rtl := isRTL(r) || (curRTL && len(cur) > 0 && !unicode.IsDigit(r) && !unicode.IsLetter(r))
			if unicode.IsDigit(r) {
				rtl = false
			}
			if len(cur) > 0 && rtl != curRTL {
				flush()
			}
			curRTL = rtl
			cur = append(cur, r)
		}
	}
	flush()
	return toks
}

// measure turns visual-order runes into a token, choosing a face per
// character; characters no face has become the placeholder.
func (l *layer) measure(runes []rune, st textStyle, space, rtl bool) token {
	t := token{space: space, rtl: rtl}
	var cur []rune
	var curFace *face
	units := 0
	emit := func() {
		if len(cur) == 0 {
			return
		}
		w := float64(units) * mm(st.size) / 1000
		t.pieces = append(t.pieces, piece{text: string(cur), fc: curFace, w: w})
		t.w += w
		cur, units = nil, 0
	}
	for _, r := range runes {
		fc := l.fs.faceFor(r, st.bold)
		if fc == nil {
			r = placeholder
			fc = l.fs.faceFor(r, st.bold)
		}
		if fc != curFace {
			emit()
			curFace = fc
		}
		cur = append(cur, r)
		units += fc.advance(r)
	}
	emit()
	return t
}

// spaceWidth is the width of a space in the style's main face.
func (l *layer) spaceWidth(st textStyle) float64 {
	fc := l.fs.regular
	if st.bold {
		fc = l.fs.bold
	}
	return float64(fc.advance(' ')) * mm(st.size) / 1000
}

// width measures a string on one line.
func (l *layer) width(s string, st textStyle) float64 {
	lines := l.wrap(s, 1e9, st, false)
	w := 0.0
	for _, ln := range lines {
		w = max(w, ln.w)
	}
	return w
}

// wrap breaks s into lines no wider than maxW (mm). Words longer than a
// line are cut between characters, so a 256-character name without spaces
// stays on the page.
func (l *layer) wrap(s string, maxW float64, st textStyle, keepNewlines bool) []textLine {
	s = clean(s, keepNewlines)
	sw := l.spaceWidth(st)
	var lines []textLine
	for _, para := range strings.Split(s, "\n") {
		var ln textLine
		for _, t := range l.tokenize(para, st) {
			gap := 0.0
			if t.space && len(ln.toks) > 0 {
				gap = sw
			}
			if ln.w+gap+t.w <= maxW+1e-9 {
				ln.toks = append(ln.toks, t)
				ln.w += gap + t.w
				continue
			}
			if len(ln.toks) > 0 {
				lines = append(lines, ln)
				ln = textLine{}
			}
			t.space = false
			for t.w > maxW && len(t.pieces) > 0 {
				head, rest := l.cut(t, maxW, st)
				lines = append(lines, textLine{toks: []token{head}, w: head.w})
				t = rest
			}
			if len(t.pieces) == 0 {
				continue
			}
			ln.toks = append(ln.toks, t)
			ln.w = t.w
		}
		lines = append(lines, ln)
	}
	return lines
}

// cut splits a too-wide token so the head fits maxW (at least one
// character). A right-to-left token is stored in visual order, so its
// logical start is at the right end: the head is taken from there.
func (l *layer) cut(t token, maxW float64, st textStyle) (token, token) {
	var runes []rune
	for _, p := range t.pieces {
		runes = append(runes, []rune(p.text)...)
	}
	if t.rtl {
		runes = reverseClusters(runes)
	}
	n := 1
	for ; n < len(runes); n++ {
		if l.measureRaw(runes[:n+1], st) > maxW {
			break
		}
	}
	// Prefer to cut after punctuation that separates parts of identifiers
	// and addresses (user@domain, a-b-c, paths), if that keeps at least
	// half the line.
	if n < len(runes) && !t.rtl {
		for k := n - 1; k >= n/2 && k > 0; k-- {
			if strings.ContainsRune("@.-_/\\#,;:+=&?›", runes[k]) {
				n = k + 1
				break
			}
		}
	}
	head, rest := runes[:n], runes[n:]
	if t.rtl {
		head, rest = reverseClusters(head), reverseClusters(rest)
	}
	return l.measure(head, st, false, t.rtl), l.measure(rest, st, false, t.rtl)
}

func (l *layer) measureRaw(runes []rune, st textStyle) float64 {
	return l.measure(runes, st, false, false).w
}

// visual returns the line's tokens in drawing order with the gap before
// each: runs of right-to-left tokens are reversed as a whole.
func visual(ln textLine) ([]token, []bool) {
	toks := append([]token(nil), ln.toks...)
	gaps := make([]bool, len(toks))
	for i, t := range toks {
		gaps[i] = t.space && i > 0
	}
	for i := 0; i < len(toks); {
		if !toks[i].rtl {
			i++
			continue
		}
		j := i
		for j+1 < len(toks) && toks[j+1].rtl {
			j++
		}
		// Reverse toks[i..j]; the gap before the run stays, inner gaps
		// move with the boundary they belong to.
		inner := append([]bool(nil), gaps[i+1:j+1]...)
		for a, b := i, j; a < b; a, b = a+1, b-1 {
			toks[a], toks[b] = toks[b], toks[a]
		}
		for k := range inner {
			gaps[j-k] = inner[k]
		}
		i = j + 1
	}
	return toks, gaps
}

// ensureFace registers a face with fpdf the first time it is drawn, so a
// report without CJK text does not carry the CJK font.
func (l *layer) ensureFace(fc *face) {
	if fc.registered {
		return
	}
	l.f.AddUTF8FontFromBytes(fc.family, fc.style, fc.data)
	fc.registered = true
}

// drawLine draws a wrapped line with its left edge at x and its baseline
// at y. Neighbouring pieces in the same face are drawn as one string (with
// the space between words when it is the style's own face), which keeps
// the content small and lets readers extract words and names whole.
func (l *layer) drawLine(x, y float64, ln textLine, st textStyle) {
	toks, gaps := visual(ln)
	sw := l.spaceWidth(st)
	main := l.fs.regular
	if st.bold {
		main = l.fs.bold
	}
	l.f.SetTextColor(st.color.r, st.color.g, st.color.b)
	var buf strings.Builder
	var bufFace *face
	bufX := x
	flush := func() {
		if buf.Len() > 0 {
			l.ensureFace(bufFace)
			l.f.SetFont(bufFace.family, bufFace.style, st.size)
			if st.bold && bufFace.style != "B" {
				l.fakeBold(bufX, y, buf.String(), st)
			} else {
				l.f.Text(bufX, y, buf.String())
			}
		}
		buf.Reset()
	}
	for i, t := range toks {
		for j, p := range t.pieces {
			if j == 0 && gaps[i] {
				if buf.Len() > 0 && bufFace == p.fc && p.fc == main {
					buf.WriteByte(' ')
				} else {
					flush()
				}
				x += sw
			}
			if buf.Len() == 0 || bufFace != p.fc {
				flush()
				bufFace, bufX = p.fc, x
			}
			buf.WriteString(p.text)
			x += p.w
		}
	}
	flush()
}

// span is a part of a line drawn in its own style, such as a coloured
// score inside a sentence.
type span struct {
	s  string
	st textStyle
}

// drawSpans draws spans one after the other on one line, the left edge at
// x and the baseline at y, no wider than maxW, and returns the width used.
// wrap drops the spaces at either end of a string, so a space at the end
// of a span or at the start of the next becomes a gap of one space width
// here. A span that does not fit is cut with an ellipsis and ends the line.
func (l *layer) drawSpans(x, y, maxW float64, spans []span) float64 {
	start := x
	gap := 0.0 // a space owed before the next text
	for _, sp := range spans {
		s := clean(sp.s, false)
		trimmedLeft := strings.TrimLeftFunc(s, isSpace)
		body := strings.TrimRightFunc(trimmedLeft, isSpace)
		if len(trimmedLeft) < len(s) {
			gap = max(gap, l.spaceWidth(sp.st))
		}
		if body == "" {
			continue
		}
		if x > start {
			x += gap
		}
		gap = 0
		if len(body) < len(trimmedLeft) {
			gap = l.spaceWidth(sp.st)
		}
		room := start + maxW - x
		if room <= 0 {
			break
		}
		full := l.width(body, sp.st) > room
		ln := l.fit(body, room, sp.st)
		l.drawLine(x, y, ln, sp.st)
		x += ln.w
		if full {
			break
		}
	}
	return x - start
}

// fakeBold draws text of a face without a bold variant (CJK) filled and
// stroked, so bold headings keep their weight.
func (l *layer) fakeBold(x, y float64, s string, st textStyle) {
	lw := l.f.GetLineWidth()
	dr, dg, db := l.f.GetDrawColor()
	l.f.SetDrawColor(st.color.r, st.color.g, st.color.b)
	l.f.SetLineWidth(mm(st.size) * 0.03)
	l.f.SetTextRenderingMode(2)
	l.f.Text(x, y, s)
	l.f.SetTextRenderingMode(0)
	l.f.SetLineWidth(lw)
	l.f.SetDrawColor(dr, dg, db)
}

// fit returns s on one line no wider than w, cut with an ellipsis when it
// is longer (page headers, where a second line has no room).
func (l *layer) fit(s string, w float64, st textStyle) textLine {
	lines := l.wrap(s, w, st, false)
	if len(lines) <= 1 {
		if len(lines) == 0 {
			return textLine{}
		}
		return lines[0]
	}
	ell := l.measure([]rune("…"), st, false, false)
	ln := l.wrap(s, max(w-ell.w, 1), st, false)[0]
	ln.toks = append(ln.toks, ell)
	ln.w += ell.w
	return ln
}

// plain returns the cleaned text of a string as drawn (for bookmarks and
// metadata, which take plain strings).
func plain(s string) string {
	return strings.TrimSpace(clean(s, false))
}
