package pdf

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

// textItem is one string drawn on a page, as fpdf wrote it.
type textItem struct {
	page int
	x, y float64 // points, PDF coordinates (origin bottom left)
	s    string
}

var (
	streamRe = regexp.MustCompile(`(?s)<<([^>]*)>>\s*stream\n`)
	tdRe     = regexp.MustCompile(`BT ([\d.\-]+) ([\d.\-]+) Td \(`)
)

// extractText reads the text drawn on each page of an uncompressed PDF
// written by this package: page content streams come first, in page order,
// and every string is UTF-16BE inside "BT x y Td (...) Tj ET".
func extractText(t *testing.T, pdf []byte) []textItem {
	t.Helper()
	var items []textItem
	page := 0
	for _, m := range streamRe.FindAllSubmatchIndex(pdf, -1) {
		dict := string(pdf[m[2]:m[3]])
		if strings.Contains(dict, "Length1") || strings.Contains(dict, "Subtype") || strings.Contains(dict, "Filter") {
			continue
		}
		start := m[1]
		end := bytes.Index(pdf[start:], []byte("endstream"))
		if end < 0 {
			t.Fatalf("unterminated stream at %d", start)
		}
		body := pdf[start : start+end]
		if !bytes.Contains(body, []byte(" Td (")) {
			continue
		}
		page++
		for _, td := range tdRe.FindAllSubmatchIndex(body, -1) {
			x, _ := strconv.ParseFloat(string(body[td[2]:td[3]]), 64)
			y, _ := strconv.ParseFloat(string(body[td[4]:td[5]]), 64)
			raw, ok := unescapePDFString(body[td[1]:])
			if !ok {
				t.Fatalf("page %d: unterminated string at %d", page, td[1])
			}
			items = append(items, textItem{page: page, x: x, y: y, s: decodeUTF16(raw)})
		}
	}
	return items
}

// unescapePDFString reads a literal string up to its closing parenthesis.
func unescapePDFString(b []byte) ([]byte, bool) {
	var out []byte
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '\\':
			i++
			if i >= len(b) {
				return nil, false
			}
			switch b[i] {
			case 'r':
				out = append(out, '\r')
			case 'n':
				out = append(out, '\n')
			default:
				out = append(out, b[i])
			}
		case ')':
			return out, true
		default:
			out = append(out, c)
		}
	}
	return nil, false
}

func decodeUTF16(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return string(utf16.Decode(u))
}

// dump renders items as stable text for golden files: one line per string
// with its page and position in millimetres.
func dump(items []textItem) string {
	var b strings.Builder
	for _, it := range items {
		fmt.Fprintf(&b, "p%d %6.1f %6.1f %s\n", it.page, it.x*25.4/72, (841.89-it.y)*25.4/72, it.s)
	}
	return b.String()
}

// joined returns all text of the document, strings separated by spaces.
func joined(items []textItem) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString(it.s)
		b.WriteByte(' ')
	}
	return b.String()
}
