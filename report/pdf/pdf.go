// Package pdf renders the audit results as a PDF report for people: an
// executive summary on the first page, then the findings by category, the
// passed checks and what could not be evaluated. It renders the
// checks.Document and nothing else, so it never disagrees with the other
// views; the snapshot only contributes what the manifest says about
// datasets that were not collected.
//
// Fonts are embedded (DejaVu Sans and Droid Sans Fallback) and the package
// makes no network call. Output is deterministic: dates come from the
// document, and catalogue entries are sorted.
package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/report/model"
)

// Options control rendering.
type Options struct {
	// Compress deflates page content and fonts. Tests turn it off so the
	// bytes can be compared and read.
	Compress bool
	// MaxAffected caps the affected objects listed per finding; the rest
	// are counted and left to the workbook. 0 means the default (15).
	MaxAffected int
}

// DefaultMaxAffected is the number of affected objects listed per finding.
const DefaultMaxAffected = 15

// Page geometry, in millimetres (A4 portrait).
const (
	pageW        = 210.0
	pageH        = 297.0
	marginX      = 15.0
	contentTop   = 24.0
	contentBot   = 280.0
	contentW     = pageW - 2*marginX
	headerBase   = 12.0
	footerBase   = 289.0
	defaultLineH = 4.6
)

// ErrNilDocument is returned when Write is given no document.
var ErrNilDocument = errors.New("pdf: nil results document")

// Write renders the report model as a PDF to w.
func Write(ctx context.Context, w io.Writer, rep *model.Report, opt Options) error {
	if rep == nil || rep.Doc == nil {
		return ErrNilDocument
	}
	doc := rep.Doc
	if opt.MaxAffected <= 0 {
		opt.MaxAffected = DefaultMaxAffected
	}
	fs, err := newFontSet()
	if err != nil {
		return fmt.Errorf("pdf: load fonts: %w", err)
	}
	f := fpdf.New("P", "mm", "A4", "")
	r := &renderer{ctx: ctx, f: f, l: &layer{f: f, fs: fs}, doc: doc, rep: rep, opt: opt}
	if err := r.render(); err != nil {
		return err
	}
	// Buffer so a failure leaves nothing half-written on w.
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return fmt.Errorf("pdf: render: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("pdf: write: %w", err)
	}
	return nil
}

// renderer holds one document being drawn. y is the top of the next
// block; pages are broken by the renderer, never by fpdf.
type renderer struct {
	ctx context.Context
	f   *fpdf.Fpdf
	l   *layer
	doc *checks.Document
	rep *model.Report
	opt Options
	y   float64
	// tail is the height of what must stay on one page with the last line
	// (or table row) drawn while it is set: a finding's References line.
	tail float64
}

func (r *renderer) render() error {
	f := r.f
	gen := r.doc.GeneratedAt.UTC()
	f.SetCompression(r.opt.Compress)
	f.SetCatalogSort(true)
	f.SetCreationDate(gen)
	f.SetModificationDate(gen)
	f.SetTitle(plain("Microsoft 365 security audit: "+tenantName(r.doc)), true)
	f.SetSubject("m365audit report", true)
	f.SetCreator(plain(toolName(r.doc)), true)
	f.SetProducer("m365audit (go-pdf/fpdf)", true)
	f.SetLang("en")
	f.SetMargins(marginX, contentTop, marginX)
	f.SetAutoPageBreak(false, 0)
	f.AliasNbPages("{nb}")
	f.SetHeaderFuncMode(r.header, false)
	f.SetFooterFunc(r.footer)
	// Bookmarks encode their text as UTF-16 only while a UTF-8 font is
	// current, so one is selected before anything else.
	r.l.ensureFace(r.l.fs.regular)
	r.l.ensureFace(r.l.fs.bold)
	f.SetFont(r.l.fs.regular.family, "", 10)

	r.newPage()
	if err := r.summary(); err != nil {
		return err
	}
	if err := r.changes(); err != nil {
		return err
	}
	if err := r.findings(); err != nil {
		return err
	}
	if err := r.notEvaluable(); err != nil {
		return err
	}
	if err := r.passed(); err != nil {
		return err
	}
	if f.Err() {
		return fmt.Errorf("pdf: render: %w", f.Error())
	}
	return nil
}

func (r *renderer) checkCtx() error {
	if r.ctx == nil {
		return nil
	}
	if err := r.ctx.Err(); err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	return nil
}

func tenantName(d *checks.Document) string {
	switch {
	case d.Tenant.DisplayName != "":
		return d.Tenant.DisplayName
	case d.Tenant.PrimaryDomain != "":
		return d.Tenant.PrimaryDomain
	case d.Tenant.ID != "":
		return d.Tenant.ID
	}
	return "unknown tenant"
}

func toolName(d *checks.Document) string {
	name := d.Tool.Name
	if name == "" {
		name = "m365audit"
	}
	if d.Tool.Version != "" {
		name += " " + d.Tool.Version
	}
	return name
}

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func fmtDay(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02")
}

// ---- page furniture ----

func (r *renderer) newPage() {
	r.f.AddPage()
	r.y = contentTop
}

// need starts a new page unless h millimetres still fit.
// sectionBreak starts a major section on a new page, unless the current
// page is less than half used (the end of the previous section spilled
// onto it), where a gap is enough.
func (r *renderer) sectionBreak() {
	if r.y > contentTop+(contentBot-contentTop)/2 {
		r.newPage()
		return
	}
	r.y += 6
}

func (r *renderer) need(h float64) {
	if r.y+h > contentBot {
		r.newPage()
	}
}

func (r *renderer) header() {
	st := textStyle{size: 8, color: colMuted}
	left := r.l.fit(tenantName(r.doc), 62, st)
	r.l.drawLine(marginX, headerBase, left, st)
	mid := r.l.wrap("m365audit report", contentW, textStyle{size: 8, bold: true, color: colMuted}, false)[0]
	r.l.drawLine(pageW/2-mid.w/2, headerBase, mid, textStyle{size: 8, bold: true, color: colMuted})
	right := r.l.wrap("Generated "+fmtDay(r.doc.GeneratedAt), contentW, st, false)[0]
	r.l.drawLine(pageW-marginX-right.w, headerBase, right, st)
	r.f.SetDrawColor(colRule.r, colRule.g, colRule.b)
	r.f.SetLineWidth(0.2)
	r.f.Line(marginX, headerBase+2.5, pageW-marginX, headerBase+2.5)
}

func (r *renderer) footer() {
	st := textStyle{size: 8, color: colMuted}
	r.f.SetDrawColor(colRule.r, colRule.g, colRule.b)
	r.f.SetLineWidth(0.2)
	r.f.Line(marginX, footerBase-4, pageW-marginX, footerBase-4)
	left := r.l.fit("Confidential: security assessment of "+tenantName(r.doc), 140, st)
	r.l.drawLine(marginX, footerBase, left, st)
	// {nb} becomes the page count when the document is closed; measure
	// with two digits in its place.
	label := fmt.Sprintf("Page %d of ", r.f.PageNo())
	w := r.l.width(label+"99", st)
	ln := r.l.wrap(label+"{nb}", contentW, st, false)[0]
	r.l.drawLine(pageW-marginX-w, footerBase, ln, st)
}

// bookmark adds an outline entry pointing at the current block.
func (r *renderer) bookmark(title string, level int) {
	r.f.SetFont(r.l.fs.regular.family, "", 10)
	r.f.Bookmark(plain(title), level, r.y)
}

// ---- text blocks ----

// lineH is the line height for a font size.
func lineH(size float64) float64 { return mm(size) * 1.35 }

// baseline is the baseline offset inside a line box of height lh.
func baseline(lh, size float64) float64 { return (lh+mm(size)*0.72)/2 + 0.1 }

// para draws wrapped text at x with width w, breaking pages between lines.
func (r *renderer) para(s string, st textStyle, x, w float64) {
	lh := lineH(st.size)
	lines := r.l.wrap(s, w, st, true)
	for i, ln := range lines {
		if i == len(lines)-1 && r.tail > 0 && r.tail+lh < contentBot-contentTop {
			// The last line goes with what must follow it.
			r.need(lh + r.tail)
		}
		r.need(lh)
		r.l.drawLine(x, r.y+baseline(lh, st.size), ln, st)
		r.y += lh
	}
}

// labelled draws "Label" in bold on its own line, then the text.
func (r *renderer) labelled(label, text string, x, w float64) {
	if text == "" {
		return
	}
	r.need(2 * lineH(9))
	r.para(label, textStyle{size: 9, bold: true, color: colText}, x, w)
	r.para(text, textStyle{size: 9, color: colText}, x, w)
	r.y += 1.2
}

func (r *renderer) heading(title string, level int) { r.headingWith(title, level, 18) }

// headingWith draws a heading kept on one page with the follow millimetres
// of what comes after it (at least a few lines).
func (r *renderer) headingWith(title string, level int, follow float64) {
	size := []float64{16, 13, 11}[min(level, 2)]
	st := textStyle{size: size, bold: true, color: colHeading}
	lines := r.l.wrap(title, contentW, st, false)
	lh := lineH(size)
	// Keep a heading with at least a few lines of what follows.
	r.need(float64(len(lines))*lh + 6 + max(follow, 12))
	if level == 0 {
		r.y += 1
	} else {
		r.y += 2
	}
	r.bookmark(title, level)
	for _, ln := range lines {
		r.l.drawLine(marginX, r.y+baseline(lh, size), ln, st)
		r.y += lh
	}
	if level == 0 {
		r.f.SetDrawColor(colHeading.r, colHeading.g, colHeading.b)
		r.f.SetLineWidth(0.5)
		r.f.Line(marginX, r.y+0.5, pageW-marginX, r.y+0.5)
		r.y += 2.5
	} else {
		r.y += 1
	}
}

// badge draws a filled label with white text at (x, top) and returns its
// width.
func (r *renderer) badge(x, top float64, label string, c rgb, size float64) float64 {
	st := textStyle{size: size, bold: true, color: colWhite}
	ln := r.l.wrap(label, contentW, st, false)[0]
	h := lineH(size) + 0.8
	w := ln.w + 3
	r.f.SetFillColor(c.r, c.g, c.b)
	r.f.RoundedRect(x, top, w, h, 0.8, "1234", "F")
	r.l.drawLine(x+1.5, top+baseline(h, size), ln, st)
	return w
}
