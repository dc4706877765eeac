package pwsh

import (
	"bytes"
	"fmt"
	"strings"
)

// indentUnit is one level of indentation in generated scripts.
const indentUnit = "    "

// Script builds a PowerShell script line by line. Every line is either fixed
// template text or template text with Code arguments, so tenant data can
// only arrive as literals made by Lit/Quote. The zero value is ready to use.
type Script struct {
	buf    bytes.Buffer
	indent int
	// invisible is set when a literal carries control or invisible
	// formatting characters; the header then warns the reader.
	invisible bool
}

// Line writes one line: format with each %s replaced by the next argument.
// Use only %s in format; the format itself must be fixed template text.
func (s *Script) Line(format string, args ...Code) {
	vals := make([]any, len(args))
	for i, a := range args {
		if hasInvisible(string(a)) {
			s.invisible = true
		}
		vals[i] = string(a)
	}
	line := format
	if len(args) > 0 {
		line = fmt.Sprintf(format, vals...)
	}
	if line == "" {
		s.buf.WriteByte('\n')
		return
	}
	s.buf.WriteString(strings.Repeat(indentUnit, s.indent))
	s.buf.WriteString(line)
	s.buf.WriteByte('\n')
}

// Blank writes an empty line.
func (s *Script) Blank() { s.buf.WriteByte('\n') }

// Comment writes our own text as "# " comment lines, wrapped at about 100
// columns and sanitised by CommentText so nothing in it can end the comment.
// Never pass tenant data: write it as a literal in code instead.
func (s *Script) Comment(text string) { s.commentWrap(text, "") }

// commentWrap writes a wrapped comment whose continuation lines are
// indented by hang (for numbered steps).
func (s *Script) commentWrap(text, hang string) {
	text = CommentText(text)
	if text == "" {
		s.Line("#")
		return
	}
	width := 96 - len(indentUnit)*s.indent
	if width < 40 {
		width = 40
	}
	prefix := "# "
	var line strings.Builder
	for _, w := range strings.Fields(text) {
		if line.Len() > 0 && len(prefix)+line.Len()+1+len(w) > width+2 {
			s.raw(prefix + line.String())
			line.Reset()
			prefix = "# " + hang
		}
		if line.Len() > 0 {
			line.WriteByte(' ')
		}
		line.WriteString(w)
	}
	if line.Len() > 0 {
		s.raw(prefix + line.String())
	}
}

// raw writes a line of already-safe text with the current indentation.
func (s *Script) raw(line string) {
	s.buf.WriteString(strings.Repeat(indentUnit, s.indent))
	s.buf.WriteString(line)
	s.buf.WriteByte('\n')
}

// Open writes a line that ends with an opening brace and indents.
func (s *Script) Open(format string, args ...Code) {
	s.Line(format, args...)
	s.indent++
}

// Close dedents and writes a closing line ("}" or "} else {" …). A closing
// line that ends with "{" opens the next block at the same level.
func (s *Script) Close(line string) {
	s.indent--
	s.Line(line)
	if strings.HasSuffix(line, "{") {
		s.indent++
	}
}

// Bytes returns the script so far.
func (s *Script) Bytes() []byte { return s.buf.Bytes() }

// Append copies another script's text at the end of s.
func (s *Script) Append(o *Script) {
	s.buf.Write(o.buf.Bytes())
	s.invisible = s.invisible || o.invisible
}

// plainID reports whether id is a plain identifier (a check ID or a section
// name: letters, digits, '.', '_', '-'), safe to write in a comment.
func plainID(id string) bool {
	if id == "" || id[0] == '-' || id[0] == '.' || id[0] == '_' {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
		default:
			return false
		}
	}
	return true
}

// Region writes "#region <id> <title>", the body, and "#endregion". The id
// must be a plain identifier (a check ID); the title is sanitised.
func (s *Script) Region(id, title string, body func()) {
	if !plainID(id) {
		id = "region"
	}
	t := CommentText(title)
	if t != "" {
		s.raw("#region " + id + " " + t)
	} else {
		s.raw("#region " + id)
	}
	body()
	s.raw("#endregion " + id)
}

// Try wraps body in try/catch so that one failing block does not stop the
// rest of the script: a terminating error is logged as failed for checkID
// and target, and the script goes on.
func (s *Script) Try(checkID string, target Code, body func()) {
	s.Open("try {")
	body()
	s.Close("} catch {")
	s.Line("Add-ChangeLog -CheckId %s -Target %s -Status 'failed' -Message $_.Exception.Message", Lit(checkID), target)
	s.Close("}")
}

// Change is one guarded change of one target.
type Change struct {
	CheckID string
	// Target and Action are shown by -WhatIf and the confirmation prompt:
	// "Performing the operation <Action> on target <Target>".
	Target Code
	Action string
	// Before and After are expressions logged in the change log.
	Before, After Code
	// Apply writes the statements that make the change.
	Apply func()
	// Message, when set, is an expression logged with the applied entry.
	Message Code
}

// Change writes the change inside if ($PSCmdlet.ShouldProcess(...)) so that
// -WhatIf lists it and -Confirm asks for it, and logs it as applied, or as
// whatif/skipped when ShouldProcess declines.
func (s *Script) Change(c Change) {
	before, after := argExpr(c.Before), argExpr(c.After)
	s.Open("if ($PSCmdlet.ShouldProcess(%s, %s)) {", c.Target, Lit(c.Action))
	c.Apply()
	if c.Message != "" {
		s.Line("Add-ChangeLog -CheckId %s -Target %s -Before %s -After %s -Status 'applied' -Message %s", Lit(c.CheckID), c.Target, before, after, c.Message)
	} else {
		s.Line("Add-ChangeLog -CheckId %s -Target %s -Before %s -After %s -Status 'applied'", Lit(c.CheckID), c.Target, before, after)
	}
	s.Close("} else {")
	s.Line("Add-ChangeLog -CheckId %s -Target %s -Before %s -After %s -Status (Get-SkipStatus)", Lit(c.CheckID), c.Target, before, after)
	s.Close("}")
}

// CommentCode writes one line of commented-out code (a template the reader
// completes), sanitised but not wrapped.
func (s *Script) CommentCode(line string) {
	lead := len(line) - len(strings.TrimLeft(line, " "))
	s.raw("# " + strings.Repeat(" ", lead) + CommentText(line))
}

// Skipped logs that a target was left alone, with our reason.
func (s *Script) Skipped(checkID string, target Code, reason string) {
	s.Line("Add-ChangeLog -CheckId %s -Target %s -Status 'skipped' -Message %s", Lit(checkID), target, Lit(reason))
}

// argExpr makes an expression safe as a command argument: in argument mode
// PowerShell reads "[ordered]@{...}" or "[string]$x" as a bare string, so
// such expressions are parenthesised. Empty means $null.
func argExpr(c Code) Code {
	switch {
	case c == "":
		return "$null"
	case strings.HasPrefix(string(c), "["):
		return "(" + c + ")"
	}
	return c
}

// Unchanged logs that a target already has the wanted value.
func (s *Script) Unchanged(checkID string, target, current Code) {
	current = argExpr(current)
	s.Line("Add-ChangeLog -CheckId %s -Target %s -Before %s -After %s -Status 'skipped' -Message 'already compliant'", Lit(checkID), target, current, current)
}
