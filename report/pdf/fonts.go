package pdf

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The fonts travel inside the binary so rendering never fetches anything.
// DejaVu Sans covers Latin, Greek, Cyrillic, Hebrew and Arabic (including
// the Arabic presentation forms the reshaper emits); Droid Sans Fallback
// covers CJK ideographs and kana; HangulGothic (Hangul syllables and jamo
// of NanumGothic) covers Korean. Licences are in fonts/LICENSE-*.txt.
var (
	//go:embed fonts/DejaVuSans.ttf
	dejaVuRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	dejaVuBold []byte
	//go:embed fonts/DroidSansFallbackFull.ttf
	droidFallback []byte
	//go:embed fonts/HangulGothic.ttf
	hangulGothic []byte
)

// face is one TrueType font: enough of its tables to answer "does it have
// this character" and "how wide is it" without asking fpdf, so measuring
// never writes font switches into the page content.
type face struct {
	family string // fpdf family name
	style  string // fpdf style ("" or "B")
	data   []byte

	upem      int
	hmtx      []byte // raw hmtx table
	numHM     int    // numberOfHMetrics
	cmap      []byte // the chosen cmap subtable
	cmapFmt   uint16
	numGlyphs int

	registered bool // added to the current fpdf document
}

// errFont reports a malformed embedded font (a build problem, never input).
var errFont = errors.New("malformed TrueType font")

func parseFace(family, style string, data []byte) (*face, error) {
	tables, err := ttfTables(data)
	if err != nil {
		return nil, fmt.Errorf("font %s %s: %w", family, style, err)
	}
	fc := &face{family: family, style: style, data: data}
	head, ok1 := tables["head"]
	hhea, ok2 := tables["hhea"]
	hmtx, ok3 := tables["hmtx"]
	cmap, ok4 := tables["cmap"]
	maxp, ok5 := tables["maxp"]
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || len(head) < 20 || len(hhea) < 36 || len(maxp) < 6 {
		return nil, fmt.Errorf("font %s %s: missing tables: %w", family, style, errFont)
	}
	if _, glyf := tables["glyf"]; !glyf {
		return nil, fmt.Errorf("font %s %s: no glyf table (CFF fonts are not supported by fpdf): %w", family, style, errFont)
	}
	fc.upem = int(binary.BigEndian.Uint16(head[18:]))
	fc.numHM = int(binary.BigEndian.Uint16(hhea[34:]))
	fc.numGlyphs = int(binary.BigEndian.Uint16(maxp[4:]))
	fc.hmtx = hmtx
	if fc.upem == 0 || fc.numHM == 0 || len(hmtx) < fc.numHM*4 {
		return nil, fmt.Errorf("font %s %s: bad metrics: %w", family, style, errFont)
	}
	if err := fc.pickCmap(cmap); err != nil {
		return nil, fmt.Errorf("font %s %s: %w", family, style, err)
	}
	return fc, nil
}

func ttfTables(data []byte) (map[string][]byte, error) {
	if len(data) < 12 {
		return nil, errFont
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	if len(data) < 12+16*n {
		return nil, errFont
	}
	t := make(map[string][]byte, n)
	for i := range n {
		rec := data[12+16*i:]
		off := binary.BigEndian.Uint32(rec[8:])
		ln := binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(ln) > uint64(len(data)) {
			return nil, errFont
		}
		t[string(rec[:4])] = data[off : off+ln]
	}
	return t, nil
}

// pickCmap prefers a full-Unicode format 12 subtable, else a BMP format 4.
func (fc *face) pickCmap(cm []byte) error {
	if len(cm) < 4 {
		return errFont
	}
	n := int(binary.BigEndian.Uint16(cm[2:]))
	var best []byte
	var bestFmt uint16
	for i := range n {
		if len(cm) < 4+8*(i+1) {
			return errFont
		}
		rec := cm[4+8*i:]
		pid := binary.BigEndian.Uint16(rec)
		eid := binary.BigEndian.Uint16(rec[2:])
		off := binary.BigEndian.Uint32(rec[4:])
		if uint64(off)+4 > uint64(len(cm)) {
			continue
		}
		sub := cm[off:]
		format := binary.BigEndian.Uint16(sub)
		unicode := pid == 0 || (pid == 3 && (eid == 1 || eid == 10))
		if !unicode {
			continue
		}
		switch {
		case format == 12 && bestFmt != 12:
			best, bestFmt = sub, 12
		case format == 4 && bestFmt == 0:
			best, bestFmt = sub, 4
		}
	}
	if best == nil {
		return fmt.Errorf("no Unicode cmap: %w", errFont)
	}
	fc.cmap, fc.cmapFmt = best, bestFmt
	return nil
}

// glyph returns the glyph id of r, 0 when the font lacks it.
func (fc *face) glyph(r rune) int {
	if r < 0 {
		return 0
	}
	switch fc.cmapFmt {
	case 12:
		return fc.glyph12(r)
	case 4:
		return fc.glyph4(r)
	}
	return 0
}

func (fc *face) glyph12(r rune) int {
	sub := fc.cmap
	if len(sub) < 16 {
		return 0
	}
	n := int(binary.BigEndian.Uint32(sub[12:]))
	if len(sub) < 16+12*n {
		return 0
	}
	c := uint32(r)
	lo, hi := 0, n
	for lo < hi {
		m := (lo + hi) / 2
		g := sub[16+12*m:]
		start, end := binary.BigEndian.Uint32(g), binary.BigEndian.Uint32(g[4:])
		switch {
		case c < start:
			hi = m
		case c > end:
			lo = m + 1
		default:
			return int(binary.BigEndian.Uint32(g[8:]) + c - start)
		}
	}
	return 0
}

func (fc *face) glyph4(r rune) int {
	if r > 0xFFFF {
		return 0
	}
	sub := fc.cmap
	if len(sub) < 14 {
		return 0
	}
	segX2 := int(binary.BigEndian.Uint16(sub[6:]))
	seg := segX2 / 2
	endOff, startOff := 14, 16+segX2
	deltaOff, rangeOff := startOff+segX2, startOff+2*segX2
	if len(sub) < rangeOff+segX2 {
		return 0
	}
	c := uint16(r)
	lo, hi := 0, seg
	for lo < hi { // first segment whose endCode >= c
		m := (lo + hi) / 2
		if binary.BigEndian.Uint16(sub[endOff+2*m:]) < c {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo >= seg {
		return 0
	}
	i := lo
	start := binary.BigEndian.Uint16(sub[startOff+2*i:])
	if c < start {
		return 0
	}
	delta := binary.BigEndian.Uint16(sub[deltaOff+2*i:])
	ro := int(binary.BigEndian.Uint16(sub[rangeOff+2*i:]))
	if ro == 0 {
		return int(c + delta)
	}
	at := rangeOff + 2*i + ro + 2*int(c-start)
	if at+2 > len(sub) {
		return 0
	}
	g := binary.BigEndian.Uint16(sub[at:])
	if g == 0 {
		return 0
	}
	return int(g + delta)
}

// has reports whether the font can print r. fpdf addresses glyphs through
// 16-bit CIDs, so characters outside the BMP count as missing.
func (fc *face) has(r rune) bool {
	if r > 0xFFFF {
		return false
	}
	g := fc.glyph(r)
	return g > 0 && g < fc.numGlyphs
}

// advance is r's width in thousandths of an em, rounded the way fpdf
// rounds its width table so our measurements match what it draws.
func (fc *face) advance(r rune) int {
	g := fc.glyph(r)
	if g >= fc.numHM {
		g = fc.numHM - 1
	}
	aw := int(binary.BigEndian.Uint16(fc.hmtx[4*g:]))
	if aw >= 1<<15 {
		aw = 0
	}
	return int(math.Round(1000 / float64(fc.upem) * float64(aw)))
}

// fontSet is the per-document set of faces: text picks the first face that
// has each character.
type fontSet struct {
	regular, bold, cjk, hangul *face
}

func newFontSet() (*fontSet, error) {
	r, err := parseFace("dejavu", "", dejaVuRegular)
	if err != nil {
		return nil, err
	}
	b, err := parseFace("dejavu", "B", dejaVuBold)
	if err != nil {
		return nil, err
	}
	c, err := parseFace("droidfallback", "", droidFallback)
	if err != nil {
		return nil, err
	}
	h, err := parseFace("hangulgothic", "", hangulGothic)
	if err != nil {
		return nil, err
	}
	return &fontSet{regular: r, bold: b, cjk: c, hangul: h}, nil
}

// chain returns the faces to try, in order, for regular or bold text.
// HangulGothic comes before Droid Sans Fallback, which has the Hangul
// jamo and three syllables but not the other 11 169: a Korean word is
// drawn in one face. Neither has a bold; CJK and Hangul in bold print in
// their regular face, drawn bolder.
func (fs *fontSet) chain(bold bool) [4]*face {
	if bold {
		return [4]*face{fs.bold, fs.regular, fs.hangul, fs.cjk}
	}
	return [4]*face{fs.regular, fs.hangul, fs.cjk, nil}
}

// faceFor returns the first face of the chain that has r, or nil.
func (fs *fontSet) faceFor(r rune, bold bool) *face {
	for _, fc := range fs.chain(bold) {
		if fc != nil && fc.has(r) {
			return fc
		}
	}
	return nil
}

// covered reports whether any face can print r.
func (fs *fontSet) covered(r rune) bool { return fs.faceFor(r, false) != nil }
