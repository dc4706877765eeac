package pwsh

import (
	"fmt"
	"strings"
)

// A tiny PowerShell lexer for tests: enough to tell code from comments and
// string literals the way PowerShell's tokenizer does, so tests can check
// where tenant text ends up. It follows PowerShell's rules for single-quoted
// strings: inside '…' each of the five single-quote characters (' ‘ ’ ‚ ‛)
// ends the string unless the next character is also one of them, in which
// case the second one is part of the value.

type tokKind int

const (
	tokCode tokKind = iota
	tokComment
	tokSingle // single-quoted string; Value is the decoded value
	tokDouble // double-quoted (expandable) string; Value is the raw text
)

type psToken struct {
	Kind  tokKind
	Value string
	Line  int // 1-based line of the token start
}

func isDoubleQuote(r rune) bool {
	return r == '"' || r == '\u201C' || r == '\u201D' || r == '\u201E'
}

// psNewline is what ends a line comment for these tests: PowerShell ends
// comments at CR and LF; NEL and the Unicode separators are included to be
// conservative (an editor shows them as line breaks).
func psNewline(r rune) bool {
	return r == '\n' || r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029'
}

// scanSingle decodes a single-quoted string starting after its opening
// quote at rs[i]; it returns the value and the index after the closing quote.
func scanSingle(rs []rune, i int) (string, int, error) {
	var b strings.Builder
	for i < len(rs) {
		c := rs[i]
		i++
		if isSingleQuote(c) {
			if i < len(rs) && isSingleQuote(rs[i]) {
				b.WriteRune(rs[i])
				i++
				continue
			}
			return b.String(), i, nil
		}
		b.WriteRune(c)
	}
	return "", i, fmt.Errorf("unterminated single-quoted string")
}

// psLex splits a script into code, comments and strings. Code tokens are
// single runes grouped into runs. Here-strings are reported as errors: the
// generator must never write one.
func psLex(src string) ([]psToken, error) {
	src = strings.TrimPrefix(src, "\uFEFF")
	rs := []rune(src)
	var toks []psToken
	line := 1
	var code strings.Builder
	codeLine := 1
	flush := func() {
		if code.Len() > 0 {
			toks = append(toks, psToken{Kind: tokCode, Value: code.String(), Line: codeLine})
			code.Reset()
		}
	}
	countLines := func(s []rune) {
		for _, r := range s {
			if r == '\n' {
				line++
			}
		}
	}
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case c == '@' && i+1 < len(rs) && (isSingleQuote(rs[i+1]) || isDoubleQuote(rs[i+1])):
			// @' or @" followed by a newline starts a here-string.
			j := i + 2
			for j < len(rs) && (rs[j] == ' ' || rs[j] == '\t') {
				j++
			}
			if j < len(rs) && psNewline(rs[j]) {
				return nil, fmt.Errorf("line %d: here-string", line)
			}
			if code.Len() == 0 {
				codeLine = line
			}
			code.WriteRune(c)
			i++
		case c == '<' && i+1 < len(rs) && rs[i+1] == '#':
			flush()
			end := strings.Index(string(rs[i+2:]), "#>")
			if end < 0 {
				return nil, fmt.Errorf("line %d: unterminated block comment", line)
			}
			body := []rune(string(rs[i+2:])[:end])
			toks = append(toks, psToken{Kind: tokComment, Value: string(body), Line: line})
			countLines(body)
			i += 2 + len(body) + 2
		case c == '#':
			flush()
			j := i
			for j < len(rs) && !psNewline(rs[j]) {
				j++
			}
			toks = append(toks, psToken{Kind: tokComment, Value: string(rs[i:j]), Line: line})
			i = j
		case isSingleQuote(c):
			flush()
			start := line
			v, j, err := scanSingle(rs, i+1)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", start, err)
			}
			countLines(rs[i:j])
			toks = append(toks, psToken{Kind: tokSingle, Value: v, Line: start})
			i = j
		case isDoubleQuote(c):
			flush()
			start := line
			j := i + 1
			closed := false
			for j < len(rs) {
				if rs[j] == '`' {
					j += 2
					continue
				}
				if isDoubleQuote(rs[j]) {
					if j+1 < len(rs) && isDoubleQuote(rs[j+1]) {
						j += 2
						continue
					}
					closed = true
					j++
					break
				}
				j++
			}
			if !closed {
				return nil, fmt.Errorf("line %d: unterminated double-quoted string", start)
			}
			countLines(rs[i:j])
			toks = append(toks, psToken{Kind: tokDouble, Value: string(rs[i+1 : j-1]), Line: start})
			i = j
		default:
			if code.Len() == 0 {
				codeLine = line
			}
			code.WriteRune(c)
			if c == '\n' {
				line++
			}
			i++
		}
	}
	flush()
	return toks, nil
}

// codeLines renders the script with comments removed and every string
// literal replaced by a placeholder (S for single-quoted, D for double),
// split into lines, so structural checks see only code.
func codeLines(toks []psToken) []string {
	var b strings.Builder
	for _, t := range toks {
		switch t.Kind {
		case tokCode:
			b.WriteString(t.Value)
		case tokSingle:
			b.WriteString("'S'")
			b.WriteString(strings.Repeat("\n", strings.Count(t.Value, "\n")))
		case tokDouble:
			b.WriteString(`"D"`)
			b.WriteString(strings.Repeat("\n", strings.Count(t.Value, "\n")))
		case tokComment:
		}
	}
	return strings.Split(b.String(), "\n")
}
