package pwsh

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// isSingleQuote reports whether PowerShell's tokenizer treats r as a single
// quote: the ASCII apostrophe and the typographic ‘ ’ ‚ ‛ (U+2018..U+201B).
// Inside a single-quoted string each of them ends the string unless it is
// followed by another one.
func isSingleQuote(r rune) bool {
	switch r {
	case '\'', '\u2018', '\u2019', '\u201A', '\u201B':
		return true
	}
	return false
}

// Quote renders s as one PowerShell single-quoted string literal whose value
// is exactly s. It is the only way tenant data enters a generated script.
//
// Inside '…' PowerShell expands nothing ($, `, $( ) are literal); the only
// special characters are the five single-quote characters, which are doubled
// here. Line breaks stay literal inside the string, which PowerShell allows.
// Invalid UTF-8 bytes become U+FFFD, which is what PowerShell reading the
// (UTF-8) script would see anyway.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for _, r := range s { // range yields U+FFFD for each invalid byte
		b.WriteRune(r)
		if isSingleQuote(r) {
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// Code is a fragment of PowerShell source. Tenant data becomes Code only
// through Lit (a single-quoted literal) so a Code value can be written into
// a script as is. Untyped string constants convert to Code implicitly, which
// is how fixed template text is written; a string variable needs an explicit
// conversion, which is the place to look for mistakes in review.
type Code string

// Lit is s as a single-quoted literal (see Quote).
func Lit(s string) Code { return Code(Quote(s)) }

// LitList renders ss as a PowerShell array of single-quoted literals:
// @('a', 'b'), or @() when empty.
func LitList(ss []string) Code {
	if len(ss) == 0 {
		return "@()"
	}
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = Quote(s)
	}
	return Code("@(" + strings.Join(parts, ", ") + ")")
}

// Int renders n as a PowerShell integer literal.
func Int(n int64) Code { return Code(strconv.FormatInt(n, 10)) }

// Bool renders b as $true or $false.
func Bool(b bool) Code {
	if b {
		return "$true"
	}
	return "$false"
}

// isLineBreak reports whether PowerShell (or a reader's editor) ends a line
// at r: LF, CR, VT, FF, NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR.
func isLineBreak(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

// CommentText makes s safe to put after "# " on one comment line: line
// breaks become spaces (a break would end the comment and turn the rest
// into code), other control and invisible formatting characters (bidi
// overrides, zero-width marks) become '?', and runs of spaces collapse. Only
// our own text (titles, procedures) goes into comments; tenant data goes
// into code as literals.
func CommentText(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, "?") {
		switch {
		case isLineBreak(r) || r == '\t' || unicode.IsSpace(r):
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = true
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
		space = false
	}
	return strings.TrimRight(b.String(), " ")
}

// hasInvisible reports whether s holds control or invisible formatting
// characters that may make a script display differently from what it does.
func hasInvisible(s string) bool {
	for _, r := range s {
		if (unicode.IsControl(r) && r != '\t') || unicode.Is(unicode.Cf, r) || isLineBreak(r) {
			return true
		}
	}
	return false
}
