package pdf

import (
	"bytes"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"
)

func newTestLayer(t testing.TB) *layer {
	t.Helper()
	fs, err := newFontSet()
	if err != nil {
		t.Fatal(err)
	}
	return &layer{f: fpdf.New("P", "mm", "A4", ""), fs: fs}
}

func TestShapeArabic(t *testing.T) {
	t.Parallel()
	all := func(rune) bool { return true }
	tests := []struct {
		name, in, want string
	}{
		{"initial medial medial final", "محمد", "\uFEE3\uFEA4\uFEE4\uFEAA"},
		{"right-joining letter breaks the word", "علي", "\uFECB\uFEE0\uFEF2"},
		{"lam alef ligature, isolated", "لا", "\uFEFB"},
		{"lam alef ligature, final", "سلام", "\uFEB3\uFEFC\uFEE1"},
		{"marks are transparent to joining", "\u0645\u064F\u062D\u064E\u0645\u064E\u0651\u062F", "\uFEE3\u064F\uFEA4\u064E\uFEE4\u064E\u0651\uFEAA"},
		{"hamza never joins", "ماء", "\uFEE3\uFE8E\uFE80"},
		{"persian letters use forms A", "پی", "\uFB58\uFBFD"},
		{"non-arabic untouched", "abc", "abc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(shapeArabic([]rune(tc.in), all)); got != tc.want {
				t.Errorf("shapeArabic(%q) = %+q, want %+q", tc.in, got, tc.want)
			}
		})
	}
	t.Run("a form no font has falls back to the letter", func(t *testing.T) {
		t.Parallel()
		none := func(rune) bool { return false }
		if got := string(shapeArabic([]rune("محمد"), none)); got != "محمد" {
			t.Errorf("got %+q", got)
		}
	})
}

func TestReverseClusters(t *testing.T) {
	t.Parallel()
	in := []rune{'a', 0x064E, 'b', 'c', 0x0651, 0x064E}
	want := []rune{'c', 0x0651, 0x064E, 'b', 'a', 0x064E}
	if got := reverseClusters(in); string(got) != string(want) {
		t.Errorf("got %+q, want %+q", string(got), string(want))
	}
}

func TestClean(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in  string
		paragraph bool
		want      string
	}{
		{"bidi marks are removed", "\u200fمحمد\u202e abc\u2066x\u2069\u200e", false, "محمد abcx"},
		{"control characters are spelled out", "a\x00b\x07c\x1bd\x7fe\u0085", false, "a‹U+0000›b‹U+0007›c‹U+001B›d‹U+007F›e‹U+0085›"},
		{"newlines spelled out in names", "a\r\nb", false, "a‹U+000D›‹U+000A›b"},
		{"newlines kept in paragraphs", "a\r\nb\rc\nd", true, "a\nb\nc\nd"},
		{"tabs become spaces", "a\tb", false, "a b"},
		{"zero-width characters removed", "a\u200bb\ufeffc", false, "abc"},
		{"hostile text kept verbatim", "=HYPERLINK(\"x\") '; Remove-MgUser", false, "=HYPERLINK(\"x\") '; Remove-MgUser"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := clean(tc.in, tc.paragraph); got != tc.want {
				t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// lineText is a line's text in drawing order, tokens separated by "|"
// (with a space when the words had one).
func lineText(ln textLine) string {
	toks, gaps := visual(ln)
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			if gaps[i] {
				b.WriteString(" ")
			}
			b.WriteString("|")
		}
		for _, p := range t.pieces {
			b.WriteString(p.text)
		}
	}
	return b.String()
}

func TestVisualOrder(t *testing.T) {
	t.Parallel()
	l := newTestLayer(t)
	st := textStyle{size: 9}
	tests := []struct{ in, want string }{
		{"abc def", "abc |def"},
		{"\u200fمحمد علي", "\uFEF2\uFEE0\uFECB |\uFEAA\uFEE4\uFEA4\uFEE3"},
		{"user محمد علي (guest)", "user |\uFEF2\uFEE0\uFECB |\uFEAA\uFEE4\uFEA4\uFEE3 |(guest)"},
		{"陳大文", "陳|大|文"},
		{"לאה 42", "הא\u05dc |42"},
	}
	for _, tc := range tests {
		lines := l.wrap(tc.in, 1000, st, false)
		if len(lines) != 1 {
			t.Fatalf("%q: %d lines", tc.in, len(lines))
		}
		if got := lineText(lines[0]); got != tc.want {
			t.Errorf("%q: drawn as %+q, want %+q", tc.in, got, tc.want)
		}
	}
}

// TestFontChoice checks that every script the report promises has a face,
// and that characters no face has become the placeholder.
func TestFontChoice(t *testing.T) {
	t.Parallel()
	l := newTestLayer(t)
	for _, tc := range []struct {
		r    rune
		want *face
	}{
		{'A', l.fs.regular}, {'Ω', l.fs.regular}, {'Ж', l.fs.regular}, {'م', l.fs.regular},
		{0xFEE3, l.fs.regular}, {0xFEFB, l.fs.regular}, {'ש', l.fs.regular}, {'’', l.fs.regular},
		{'陳', l.fs.cjk}, {'山', l.fs.cjk}, {'の', l.fs.cjk}, {'カ', l.fs.cjk},
		{'김', l.fs.hangul}, {'힣', l.fs.hangul}, {'가', l.fs.hangul}, {'ㄱ', l.fs.hangul}, {'ᄀ', l.fs.hangul}, {'ᆨ', l.fs.hangul},
		{placeholder, l.fs.regular},
	} {
		if got := l.fs.faceFor(tc.r, false); got != tc.want {
			t.Errorf("%q: face %v, want %v", tc.r, name(got), name(tc.want))
		}
	}
	if got := l.fs.faceFor('陳', true); got != l.fs.cjk {
		t.Errorf("bold CJK: face %v", name(got))
	}
	if got := l.fs.faceFor('김', true); got != l.fs.hangul {
		t.Errorf("bold Hangul: face %v", name(got))
	}
	tok := l.measure([]rune("a😀b"), textStyle{size: 9}, false, false)
	var b strings.Builder
	for _, p := range tok.pieces {
		b.WriteString(p.text)
	}
	if b.String() != "a\uFFFDb" {
		t.Errorf("unprintable character drawn as %q", b.String())
	}
}

func name(fc *face) string {
	if fc == nil {
		return "<nil>"
	}
	return fc.family + "/" + fc.style
}

// TestWidthsMatchFpdf compares our measurements with fpdf's own, which is
// what it draws with: wrapping is only right if they agree.
func TestWidthsMatchFpdf(t *testing.T) {
	t.Parallel()
	l := newTestLayer(t)
	f := l.f
	f.AddPage()
	for _, tc := range []struct {
		fc   *face
		text string
	}{
		{l.fs.regular, "Microsoft 365 security audit — Ελληνικά Кириллица \uFEE3\uFEA4"},
		{l.fs.bold, "CRITICAL Legacy authentication O’Neil"},
		{l.fs.cjk, "陳大文山田太郎株式会社"},
		{l.fs.hangul, "김민준이서연주식회사ㄱㄴㄷ"},
	} {
		l.ensureFace(tc.fc)
		f.SetFont(tc.fc.family, tc.fc.style, 9)
		want := f.GetStringWidth(tc.text)
		got := l.measure([]rune(tc.text), textStyle{size: 9, bold: tc.fc.style == "B"}, false, false).w
		if d := got - want; d > 0.01 || d < -0.01 {
			t.Errorf("%s %q: width %.3f mm, fpdf says %.3f", name(tc.fc), tc.text, got, want)
		}
	}
}

func TestWrapLongName(t *testing.T) {
	t.Parallel()
	l := newTestLayer(t)
	st := textStyle{size: 7.5}
	for _, in := range []string{
		strings.Repeat("x", 256),
		strings.Repeat("陳", 256),
		strings.Repeat("محمد", 64),
		"adele.vance@contoso.com-" + strings.Repeat("ab", 100),
	} {
		for _, w := range []float64{20, 50, 180} {
			lines := l.wrap(in, w, st, false)
			var got []rune
			for _, ln := range lines {
				if ln.w > w+1e-6 {
					t.Errorf("%.20q… at width %v: line %.2f mm wide", in, w, ln.w)
				}
				for _, tk := range ln.toks {
					for _, p := range tk.pieces {
						got = append(got, []rune(p.text)...)
					}
				}
			}
			if len(lines) < 2 && w < 50 {
				t.Errorf("%.20q… at width %v: not broken", in, w)
			}
			if strings.HasPrefix(in, "x") || strings.HasPrefix(in, "陳") {
				if string(got) != in {
					t.Errorf("%.20q… at width %v: characters lost", in, w)
				}
			}
		}
	}
	// An address too long for a line breaks after a separator.
	lines := l.wrap("by adele.vance@contoso.com", 30, st, false)
	if len(lines) != 3 || !strings.HasSuffix(lineText(lines[1]), ".") {
		var got []string
		for _, ln := range lines {
			got = append(got, lineText(ln))
		}
		t.Errorf("address wrapped as %q", got)
	}
}

// TestCJKFontOnlyWhenNeeded: a report without CJK text does not embed the
// 4 MB CJK font.
func TestCJKFontOnlyWhenNeeded(t *testing.T) {
	t.Parallel()
	doc := phishedDoc()
	doc.Results = doc.Results[:3] // no CJK names
	doc.Incident = nil
	out := render(t, doc, nil)
	if bytes.Contains(out, []byte("droidfallback")) {
		t.Error("CJK font embedded in a report without CJK text")
	}
}

func TestScoreBand(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p    float64
		want string
	}{{100, "good"}, {80, "good"}, {79.9, "fair"}, {60, "fair"}, {59.9, "poor"}, {0, "poor"}} {
		if got, _ := scoreBand(tc.p); got != tc.want {
			t.Errorf("scoreBand(%v) = %s, want %s", tc.p, got, tc.want)
		}
	}
}

// TestDrawSpansKeepSpaces: parts of one line drawn in different styles keep
// the spaces that join them (wrap trims a string's outer spaces), as a
// reader extracting the text sees them.
func TestDrawSpansKeepSpaces(t *testing.T) {
	t.Parallel()
	red := textStyle{size: 11, bold: true, color: colPoor}
	plainSt := textStyle{size: 11, bold: true, color: colText}
	small := textStyle{size: 8, color: colMuted}
	for _, tc := range []struct {
		name  string
		spans []span
		want  string
		gaps  int
	}{
		{"score line", []span{{"Score 61.5%", red}, {" on 2026-11-05 → ", plainSt}, {"74.1%", red}, {" on 2026-12-05 (+12.6)", plainSt}},
			"Score 61.5% on 2026-11-05 → 74.1% on 2026-12-05 (+12.6)", 3},
		{"no space, no gap", []span{{"abc", red}, {"def", plainSt}}, "abcdef", 0},
		{"trailing space of the first part", []span{{"abc ", red}, {"def", small}}, "abc def", 1},
		{"a part of spaces only", []span{{"abc", red}, {"   ", plainSt}, {"def", small}}, "abc def", 1},
		{"spaces on both sides count once", []span{{"abc  ", red}, {"  def", plainSt}}, "abc def", 1},
		{"leading space of the line is dropped", []span{{" abc", red}, {" def", plainSt}}, "abc def", 1},
		{"hostile parts", []span{{"=HYPERLINK(\"x\") ", red}, {"北京", plainSt}, {" '; Remove-MgUser\u202e", small}},
			"=HYPERLINK(\"x\") 北京 '; Remove-MgUser", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := newTestLayer(t)
			l.f.AddPage()
			got := l.drawSpans(marginX, 50, contentW, tc.spans)
			want := 0.0
			gapW := 0.0
			for _, sp := range tc.spans {
				want += l.width(sp.s, sp.st)
				gapW = max(gapW, l.spaceWidth(sp.st))
			}
			// Each gap is one space of the style it belongs to, at most
			// the widest of them.
			if got < want+float64(tc.gaps)*l.spaceWidth(small)-1e-6 || got > want+float64(tc.gaps)*gapW+1e-6 {
				t.Errorf("width %.2f mm, want %.2f mm of text and %d space(s)", got, want, tc.gaps)
			}
			var buf bytes.Buffer
			if err := l.f.Output(&buf); err != nil {
				t.Fatal(err)
			}
			text := strings.TrimSpace(poppler(t, "pdftotext", buf.Bytes(), "-enc", "UTF-8", "-raw"))
			if text != tc.want {
				t.Errorf("pdftotext reads %q, want %q", text, tc.want)
			}
		})
	}
}

// TestDrawSpansFit: a line longer than its room is cut with an ellipsis and
// stays inside it.
func TestDrawSpansFit(t *testing.T) {
	t.Parallel()
	l := newTestLayer(t)
	l.f.SetCompression(false)
	l.f.AddPage()
	st := textStyle{size: 11, bold: true}
	w := l.drawSpans(marginX, 50, 40, []span{{"Score 61.5%", st}, {" on 2026-11-05 → ", st}, {"74.1%", st}, {" on 2026-12-05", st}})
	if w > 40+1e-6 {
		t.Errorf("line %.2f mm wide in 40 mm", w)
	}
	var buf bytes.Buffer
	if err := l.f.Output(&buf); err != nil {
		t.Fatal(err)
	}
	if text := joined(extractText(t, buf.Bytes())); !strings.Contains(text, "…") || strings.Contains(text, "2026-12-05") {
		t.Errorf("cut line drawn as %q", text)
	}
}

// TestHangulFontOnlyWhenNeeded: the Hangul font is embedded only in a
// report with Korean text.
func TestHangulFontOnlyWhenNeeded(t *testing.T) {
	t.Parallel()
	doc := phishedDoc()
	doc.Results = doc.Results[:3]
	doc.Incident = nil
	if out := render(t, doc, nil); bytes.Contains(out, []byte("hangulgothic")) {
		t.Error("Hangul font embedded in a report without Korean text")
	}
	doc.Tenant.DisplayName = "주식회사 김민준"
	if out := render(t, doc, nil); !bytes.Contains(out, []byte("hangulgothic")) {
		t.Error("Hangul font not embedded in a report with Korean text")
	}
}
