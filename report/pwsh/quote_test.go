package pwsh

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// hostileStrings are tenant values that must stay inert in a script.
func hostileStrings() []string {
	return []string{
		"'; Remove-MgUser -UserId 'x'; '",
		"$(Invoke-Expression 'calc')",
		"a`nb",
		"O’Neil’; Remove-MgUser -UserId x; ‘",
		"‚low‛high‘left’right'",
		"''''",
		"'",
		"",
		"line1\nRemove-MgUser -UserId y #",
		"cr\rRemove-MgUser",
		"nel\u0085ls\u2028ps\u2029end",
		"\u202Emoc.live@resu\u200F",
		"管理者の受信箱",
		"\"$(calc)\" `$x ${env:PATH} @'\n'@ #> <#",
		strings.Repeat("é'", 128),
		"nul\x00byte",
		"\xff\xfe invalid utf8",
	}
}

// decodeSingle parses s as one complete PowerShell single-quoted literal.
func decodeSingle(t testing.TB, s string) string {
	t.Helper()
	rs := []rune(s)
	if len(rs) < 2 || !isSingleQuote(rs[0]) {
		t.Fatalf("literal %q does not start with a single quote", s)
	}
	v, end, err := scanSingle(rs, 1)
	if err != nil {
		t.Fatalf("literal %q: %v", s, err)
	}
	if end != len(rs) {
		t.Fatalf("literal %q ends early at rune %d of %d: the rest would be code", s, end, len(rs))
	}
	return v
}

// validUTF8 is s as PowerShell reading a UTF-8 file sees it: each invalid
// byte becomes U+FFFD.
func validUTF8(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r)
	}
	return b.String()
}

func checkQuote(t *testing.T, in string) {
	t.Helper()
	q := Quote(in)
	if !strings.HasPrefix(q, "'") || !strings.HasSuffix(q, "'") || len(q) < 2 {
		t.Fatalf("Quote(%q) = %q: must start and end with '", in, q)
	}
	if !utf8.ValidString(q) {
		t.Fatalf("Quote(%q) is not valid UTF-8", in)
	}
	// Inside the delimiters every quote character comes in a pair.
	inner := []rune(q)
	inner = inner[1 : len(inner)-1]
	for i := 0; i < len(inner); i++ {
		if isSingleQuote(inner[i]) {
			if i+1 >= len(inner) || inner[i+1] != inner[i] {
				t.Fatalf("Quote(%q) = %q: unpaired quote %q at rune %d", in, q, inner[i], i)
			}
			i++
		}
	}
	if got, want := decodeSingle(t, q), validUTF8(in); got != want {
		t.Fatalf("Quote(%q) = %q decodes to %q", in, q, got)
	}
}

func TestQuote(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "''"},
		{"abc", "'abc'"},
		{"O'Neil", "'O''Neil'"},
		{"O’Neil", "'O’’Neil'"},
		{"‘‚‛’", "'‘‘‚‚‛‛’’'"},
		{"$(calc)", "'$(calc)'"},
		{"a`nb", "'a`nb'"},
		{"\"x\"", "'\"x\"'"},
	}
	for _, c := range cases {
		if got := Quote(c.in); got != c.want {
			t.Errorf("Quote(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, h := range hostileStrings() {
		checkQuote(t, h)
	}
}

func FuzzQuote(f *testing.F) {
	for _, h := range hostileStrings() {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkQuote(t, in)
	})
}

func TestLitList(t *testing.T) {
	if got := LitList(nil); got != "@()" {
		t.Errorf("LitList(nil) = %q", got)
	}
	if got := LitList([]string{"a", "b'c"}); got != "@('a', 'b''c')" {
		t.Errorf("LitList = %q", got)
	}
}

func TestCommentText(t *testing.T) {
	for _, in := range hostileStrings() {
		got := CommentText(in)
		for _, r := range got {
			if psNewline(r) || r == '\v' || r == '\f' {
				t.Errorf("CommentText(%q) = %q keeps a line break", in, got)
			}
		}
		if !utf8.ValidString(got) {
			t.Errorf("CommentText(%q) is not valid UTF-8", in)
		}
		// Whatever the text, "# "+text lexes as exactly one comment.
		toks, err := psLex("# " + got + "\n")
		if err != nil {
			t.Fatalf("lex comment %q: %v", got, err)
		}
		for _, tk := range toks {
			if tk.Kind != tokComment && strings.TrimSpace(tk.Value) != "" {
				t.Errorf("CommentText(%q): %q escaped the comment as %v", in, tk.Value, tk.Kind)
			}
		}
	}
}

func TestLexerFollowsPowerShellQuoteRule(t *testing.T) {
	// Mixed pairs: PowerShell appends the second quote character of a pair.
	v := decodeSingle(t, "'a’'b'")
	if v != "a'b" {
		t.Fatalf("mixed pair decoded to %q, want a'b", v)
	}
	// A lone typographic quote ends the string: this is why Quote doubles it.
	toks, err := psLex("'O’Neil'")
	if err == nil && len(toks) > 0 && toks[0].Value == "O’Neil" {
		t.Fatal("lexer accepted an undoubled typographic quote inside a literal")
	}
}
