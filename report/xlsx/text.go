package xlsx

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// maxCellChars is Excel's limit on the characters (UTF-16 units) of a cell.
const maxCellChars = 32767

// truncMarker ends a value cut at maxCellChars, so a reader sees it is cut.
const truncMarker = "…"

// xmlAllowed reports whether XML 1.0 allows the rune in character data.
func xmlAllowed(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

// cleanText makes a tenant string safe to store: characters XML 1.0 forbids
// (NUL and the other C0 controls except tab, LF, CR; U+FFFE/FFFF) are
// dropped, invalid UTF-8 becomes U+FFFD, and values longer than Excel's cell
// limit are cut with a visible marker. Any other text (CJK, right-to-left
// marks, emoji) is kept as is.
func cleanText(s string) string {
	clean := true
	units := 0
	for _, r := range s {
		if r == utf8.RuneError || !xmlAllowed(r) {
			clean = false
			break
		}
		units += utf16.RuneLen(r)
	}
	if clean && units <= maxCellChars {
		return s
	}
	t := s
	if !clean {
		t = stripOnly(s)
	}
	units = 0
	for _, r := range t {
		units += utf16.RuneLen(r)
	}
	if units <= maxCellChars {
		return t
	}
	limit := maxCellChars - len(utf16.Encode([]rune(truncMarker)))
	var b strings.Builder
	b.Grow(len(t))
	units = 0
	for _, r := range t {
		n := utf16.RuneLen(r)
		if units+n > limit {
			break
		}
		b.WriteRune(r)
		units += n
	}
	b.WriteString(truncMarker)
	return b.String()
}

// stripOnly drops forbidden characters without truncating.
func stripOnly(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r == utf8.RuneError {
			b.WriteRune('\uFFFD')
			continue
		}
		if xmlAllowed(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// formulaLike reports whether Excel (or another spreadsheet) would read the
// text as a formula or DDE payload when a person edits the cell; such
// values get a quote-prefix style so they stay text.
func formulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// displayWidth estimates the width of text in Excel column units: East
// Asian wide characters count double; a multi-line value counts its longest
// line.
func displayWidth(s string) int {
	longest, cur := 0, 0
	for _, r := range s {
		if r == '\n' {
			cur = 0
			continue
		}
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			cur += 2
		default:
			cur++
		}
		if cur > longest {
			longest = cur
		}
	}
	return longest
}
