// Package html renders the audit as report.html: one self-contained file
// (inline CSS and a little script, no network, no external fonts or
// images) with the same content and order as the PDF: the incident first,
// then the score and coverage, then the findings with their affected
// objects. The findings table can be sorted and filtered by severity,
// status and category in the browser, and the page prints cleanly.
//
// Every tenant string goes through html/template, which escapes it for the
// context it lands in (text, attribute, script), so names such as
// "<script>…" or "=HYPERLINK(…)" stay inert text. A Content-Security-Policy
// allows only the page's own script (by hash) and no network at all.
//
// The writer renders and decides nothing: it renders the report model
// (report/model) that the PDF and the scripts render too: the results, the
// incident narrative, containment plans and timeline, the coverage and the
// evidence's state.
package html

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"

	"github.com/m365audit/m365audit/report/model"
)

// FileName is the name of the HTML report.
const FileName = "report.html"

// ErrNilDocument is returned when Write is given no document.
var ErrNilDocument = errors.New("html: nil results document")

//go:embed report.tmpl.html
var pageTemplate string

//go:embed report.css
var pageCSS string

//go:embed report.js
var pageJS string

// scriptHash is the CSP source of the page's only script.
func scriptHash() string {
	sum := sha256.Sum256([]byte(pageJS))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// Write renders the report model rep to w.
func Write(ctx context.Context, w io.Writer, rep *model.Report) error {
	if rep == nil || rep.Doc == nil {
		return ErrNilDocument
	}
	v, err := buildView(ctx, rep)
	if err != nil {
		return err
	}
	t, err := htmltemplate.New("report").Funcs(funcs).Funcs(changesFuncs).Parse(pageTemplate + changesTemplate)
	if err != nil {
		return fmt.Errorf("html: template: %w", err)
	}
	// Buffer so a failure leaves nothing half-written on w.
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return fmt.Errorf("html: render: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("html: write: %w", err)
	}
	return nil
}
