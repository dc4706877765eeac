package pdf

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// Pages is a plain document drawn with the report's embedded fonts (any
// script, right-to-left and CJK included) and its layout: headings,
// paragraphs, figures, notes and tables. Documents other than the audit
// report (the portfolio) use it; they decide what to show, Pages only
// draws it.
type Pages struct {
	r *renderer
}

// PagesOptions describe a Pages document.
type PagesOptions struct {
	// Title names the document in its header, footer and metadata.
	Title string
	// Generated is the document's date (header and metadata).
	Generated time.Time
	Compress  bool
}

// Column is a table column; widths are millimetres (the page is 180 wide).
type Column struct {
	Title string
	Width float64
}

// Cell is a table cell. Tone colours it: "good", "fair", "poor", "muted",
// "alert" or "" (body text).
type Cell struct {
	Text string
	Bold bool
	Tone string
}

// Figure is one key number shown in a row of figures.
type Figure struct {
	Label, Value, Tone string
}

// ContentWidth is the usable width of a page, in millimetres.
const ContentWidth = contentW

// NewPages starts a document on its first page.
func NewPages(o PagesOptions) (*Pages, error) {
	fs, err := newFontSet()
	if err != nil {
		return nil, fmt.Errorf("pdf: load fonts: %w", err)
	}
	f := fpdf.New("P", "mm", "A4", "")
	doc := &checks.Document{Tenant: snapshot.Tenant{DisplayName: o.Title}, GeneratedAt: o.Generated}
	r := &renderer{ctx: context.Background(), f: f, l: &layer{f: f, fs: fs}, doc: doc}
	gen := o.Generated.UTC()
	f.SetCompression(o.Compress)
	f.SetCatalogSort(true)
	f.SetCreationDate(gen)
	f.SetModificationDate(gen)
	f.SetTitle(plain(o.Title), true)
	f.SetCreator("m365audit", true)
	f.SetProducer("m365audit (go-pdf/fpdf)", true)
	f.SetLang("en")
	f.SetMargins(marginX, contentTop, marginX)
	f.SetAutoPageBreak(false, 0)
	f.AliasNbPages("{nb}")
	f.SetHeaderFuncMode(r.header, false)
	f.SetFooterFunc(r.footer)
	r.l.ensureFace(r.l.fs.regular)
	r.l.ensureFace(r.l.fs.bold)
	f.SetFont(r.l.fs.regular.family, "", 10)
	r.newPage()
	return &Pages{r: r}, nil
}

// Heading draws a heading (level 0 title, 1 section, 2 subsection).
func (p *Pages) Heading(title string, level int) { p.r.heading(title, level) }

// Text draws a wrapped paragraph; muted text is smaller and grey.
func (p *Pages) Text(s string, muted bool) {
	st := textStyle{size: 9.5, color: colText}
	if muted {
		st = textStyle{size: 8.5, color: colMuted}
	}
	p.r.para(s, st, marginX, contentW)
	p.r.y += 1.5
}

// Note draws a highlighted panel; alert panels are red.
func (p *Pages) Note(title, body string, alert bool) {
	if alert {
		p.r.box(title, body, colAlert, colAlertBg)
		return
	}
	p.r.box(title, body, colHeading, colInfoBg)
}

// Figures draws a row of key numbers.
func (p *Pages) Figures(figs []Figure) {
	if len(figs) == 0 {
		return
	}
	r := p.r
	const h = 15.0
	r.need(h + 3)
	w := contentW / float64(len(figs))
	for i, fg := range figs {
		x := marginX + float64(i)*w
		r.f.SetFillColor(colZebra.r, colZebra.g, colZebra.b)
		r.f.SetDrawColor(colRule.r, colRule.g, colRule.b)
		r.f.SetLineWidth(0.2)
		r.f.Rect(x+0.5, r.y, w-1, h, "FD")
		vst := textStyle{size: 13, bold: true, color: tone(fg.Tone)}
		r.l.drawLine(x+2, r.y+6.5, r.l.fit(fg.Value, w-4, vst), vst)
		lst := textStyle{size: 7, color: colMuted}
		for k, ln := range r.l.wrap(fg.Label, w-4, lst, false) {
			if k == 2 {
				break
			}
			r.l.drawLine(x+2, r.y+10.5+float64(k)*lineH(7), ln, lst)
		}
	}
	r.y += h + 3
}

// Table draws rows under a header that repeats after a page break.
func (p *Pages) Table(cols []Column, rows [][]Cell, size float64) {
	cc := make([]column, len(cols))
	for i, c := range cols {
		cc[i] = column{title: c.Title, w: c.Width}
	}
	rr := make([][]cell, len(rows))
	for i, row := range rows {
		rr[i] = make([]cell, len(row))
		for j, c := range row {
			rr[i][j] = cell{text: c.Text, bold: c.Bold}
			if c.Tone != "" {
				col := tone(c.Tone)
				rr[i][j].color = &col
			}
		}
	}
	p.r.table(cc, rr, size)
}

// Space adds vertical space (millimetres).
func (p *Pages) Space(mm float64) { p.r.y += mm }

// Output finishes the document and writes it to w.
func (p *Pages) Output(w io.Writer) error {
	f := p.r.f
	if f.Err() {
		return fmt.Errorf("pdf: render: %w", f.Error())
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return fmt.Errorf("pdf: render: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("pdf: write: %w", err)
	}
	return nil
}

func tone(t string) rgb {
	switch t {
	case "good":
		return colGood
	case "fair":
		return colFair
	case "poor", "alert":
		return colPoor
	case "muted":
		return colMuted
	}
	return colText
}
