package xlsx

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// excelMaxRows is the row limit of a worksheet.
const excelMaxRows = 1048576

// column describes one table column.
type column struct {
	header string
	// wrap wraps long text; the column is then capped narrower.
	wrap bool
	// kind styles the data cells: kindText, kindStatus, kindSeverity,
	// kindNumber.
	kind cellKind
	// width caps a wrapped column; on other columns it forces the width
	// (e.g. the empty columns a client fills in). 0 sizes from content.
	width float64
}

// table is a sheet holding an optional block of note lines (e.g. "Not
// collected: …"), a header row and data rows. Rows are produced by row(i)
// twice (once to size the columns, once to write), so sheets with 100k rows
// are streamed without building them twice in memory.
type table struct {
	sheet string
	notes []string
	cols  []column
	n     int
	// row returns the values of row i: string, int, time.Time (a date
	// cell) or nil (empty cell).
	row func(i int) []any
	// validate, if set, adds data validation (needs the data range).
	validate func(f *excelize.File, sheet string, firstRow, lastRow int) error
}

const (
	minColWidth  = 6
	maxColWidth  = 60
	maxWrapWidth = 70
	ctxEvery     = 4096
)

// writeTable writes t with the stream writer: notes, a frozen header row
// with an autofilter, fitted column widths, and a closing row when the
// sheet's row limit cut the data.
func writeTable(ctx context.Context, f *excelize.File, st *styles, t table, maxRows int) error {
	if _, err := f.NewSheet(t.sheet); err != nil {
		return fmt.Errorf("xlsx: sheet %s: %w", t.sheet, err)
	}
	headerRow := len(t.notes) + 1
	if len(t.notes) > 0 {
		headerRow++ // a blank row between notes and the table
	}
	if maxRows <= 0 || maxRows > excelMaxRows-headerRow-1 {
		maxRows = excelMaxRows - headerRow - 1
	}
	n := t.n
	cut := 0
	if n > maxRows {
		cut = n - maxRows
		n = maxRows
	}
	lastCol, err := excelize.ColumnNumberToName(len(t.cols))
	if err != nil {
		return fmt.Errorf("xlsx: sheet %s: %w", t.sheet, err)
	}
	// Worksheet-level settings must exist before the stream writer starts:
	// it copies them into the XML it writes.
	// An empty sheet gets no filter buttons and no frozen header: there is
	// nothing to filter or scroll.
	if n > 0 {
		if err := f.AutoFilter(t.sheet, fmt.Sprintf("A%d:%s%d", headerRow, lastCol, headerRow+n), nil); err != nil {
			return fmt.Errorf("xlsx: sheet %s: autofilter: %w", t.sheet, err)
		}
	}
	if err := printLayout(f, t.sheet); err != nil {
		return err
	}
	// The header row repeats at the top of every printed page.
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: t.sheet,
		RefersTo: fmt.Sprintf("'%s'!$%d:$%d", strings.ReplaceAll(t.sheet, "'", "''"), headerRow, headerRow)}); err != nil {
		return fmt.Errorf("xlsx: sheet %s: print titles: %w", t.sheet, err)
	}
	if t.validate != nil && n > 0 {
		if err := t.validate(f, t.sheet, headerRow+1, headerRow+n); err != nil {
			return fmt.Errorf("xlsx: sheet %s: %w", t.sheet, err)
		}
	}

	widths := make([]int, len(t.cols))
	for i, c := range t.cols {
		widths[i] = displayWidth(c.header) + 2 // room for the filter button
	}
	for i := 0; i < n; i++ {
		if i%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		for j, v := range t.row(i) {
			if j >= len(widths) {
				break
			}
			var w int
			switch v := v.(type) {
			case string:
				w = displayWidth(v)
			case int:
				w = len(fmt.Sprint(v))
			case time.Time:
				w = dateWidth
			}
			if w > widths[j] {
				widths[j] = w
			}
		}
	}

	// The used range, declared before the stream writer starts (it would
	// otherwise declare A1): readers that trust <dimension> (openpyxl in
	// read-only mode, some BI tools) read this many rows and columns.
	lastRow := headerRow + n
	if cut > 0 {
		lastRow++
	}
	if err := f.SetSheetDimension(t.sheet, fmt.Sprintf("A1:%s%d", lastCol, lastRow)); err != nil {
		return fmt.Errorf("xlsx: sheet %s: dimension: %w", t.sheet, err)
	}
	sw, err := f.NewStreamWriter(t.sheet)
	if err != nil {
		return fmt.Errorf("xlsx: sheet %s: %w", t.sheet, err)
	}
	// excelize's stream writer prepends each <col>, and Excel wants them in
	// ascending order: set them last to first.
	colW := make([]float64, len(t.cols))
	for i := len(t.cols) - 1; i >= 0; i-- {
		c := t.cols[i]
		var w float64
		switch {
		case c.wrap:
			// Wrapped text: as wide as the content, up to the column's cap.
			limit := c.width
			if limit == 0 {
				limit = maxWrapWidth
			}
			w = min(float64(max(widths[i]+1, minColWidth)), limit)
		case c.width > 0:
			w = c.width
		default:
			w = float64(min(max(widths[i]+1, minColWidth), maxColWidth))
		}
		colW[i] = w
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return fmt.Errorf("xlsx: sheet %s: %w", t.sheet, err)
		}
	}
	// No frozen header on an empty sheet.
	if n > 0 {
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: headerRow,
			TopLeftCell: fmt.Sprintf("A%d", headerRow+1), ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: fmt.Sprintf("A%d", headerRow+1), ActiveCell: fmt.Sprintf("A%d", headerRow+1), Pane: "bottomLeft"}},
		}); err != nil {
			return fmt.Errorf("xlsx: sheet %s: %w", t.sheet, err)
		}
	}

	r := 1
	for _, note := range t.notes {
		c, err := textCell(st, note, kindNote, "", false)
		if err != nil {
			return err
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", r), []any{c}); err != nil {
			return fmt.Errorf("xlsx: sheet %s: %w", t.sheet, err)
		}
		r++
	}
	hdr := make([]any, len(t.cols))
	for i, c := range t.cols {
		cell, err := textCell(st, c.header, kindHeader, "", false)
		if err != nil {
			return err
		}
		hdr[i] = cell
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", headerRow), hdr, excelize.RowOpts{Height: 20}); err != nil {
		return fmt.Errorf("xlsx: sheet %s: %w", t.sheet, err)
	}
	vals := make([]any, len(t.cols))
	for i := 0; i < n; i++ {
		if i%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		row := t.row(i)
		lines := 1
		for j := range vals {
			vals[j] = nil
			if j >= len(row) || row[j] == nil {
				continue
			}
			col := t.cols[j]
			switch v := row[j].(type) {
			case string:
				if col.wrap {
					lines = max(lines, wrapLines(v, colW[j]))
				}
				kind, value := col.kind, ""
				if kind == kindStatus || kind == kindSeverity {
					value = v
				}
				if kind == kindNumber {
					kind = kindText
				}
				c, err := textCell(st, v, kind, value, col.wrap)
				if err != nil {
					return err
				}
				vals[j] = c
			case int:
				id, err := st.id(styleKey{kind: kindNumber})
				if err != nil {
					return err
				}
				vals[j] = excelize.Cell{StyleID: id, Value: v}
			case time.Time:
				id, err := st.id(styleKey{kind: kindDate})
				if err != nil {
					return err
				}
				vals[j] = excelize.Cell{StyleID: id, Value: v.UTC()}
			default:
				return fmt.Errorf("xlsx: sheet %s: unsupported value %T", t.sheet, v)
			}
		}
		var opts []excelize.RowOpts
		if lines > 1 {
			// Neither Excel nor LibreOffice grows a row for wrapped text on
			// open, so the height is set from an estimate of the lines.
			opts = append(opts, excelize.RowOpts{Height: rowHeight(lines)})
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", headerRow+1+i), vals, opts...); err != nil {
			return fmt.Errorf("xlsx: sheet %s: %w", t.sheet, err)
		}
	}
	if cut > 0 {
		c, err := textCell(st, fmt.Sprintf("%d more rows not shown (sheet row limit); results.json has every row", cut), kindNote, "", false)
		if err != nil {
			return err
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", headerRow+n+1), []any{c}); err != nil {
			return fmt.Errorf("xlsx: sheet %s: %w", t.sheet, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("xlsx: sheet %s: %w", t.sheet, err)
	}
	return nil
}

// textCell makes a string cell: cleaned, always a string (never a formula),
// and quote-prefixed when it looks like one.
func textCell(st *styles, s string, kind cellKind, value string, wrap bool) (excelize.Cell, error) {
	s = cleanText(s)
	id, err := st.id(styleKey{kind: kind, value: value, wrap: wrap, quote: formulaLike(s)})
	if err != nil {
		return excelize.Cell{}, err
	}
	return excelize.Cell{StyleID: id, Value: s}, nil
}

// printLayout prints a sheet landscape, one page wide, so a printed or
// PDF-converted workbook keeps its columns together. It must follow
// AutoFilter, which replaces the sheet properties.
func printLayout(f *excelize.File, sheet string) error {
	landscape, one, zero, fit := "landscape", 1, 0, true
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &landscape, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return fmt.Errorf("xlsx: sheet %s: page layout: %w", sheet, err)
	}
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return fmt.Errorf("xlsx: sheet %s: page layout: %w", sheet, err)
	}
	return nil
}

// lineHeight is the height in points of one line of the default font.
const lineHeight = 15

// wrapLines estimates how many lines text takes in a wrapped column of the
// given width.
func wrapLines(s string, colWidth float64) int {
	// Column width counts digit widths; ordinary proportional text fits
	// about 15% more characters.
	per := int((colWidth - 1) * 1.15)
	if per < 1 {
		per = 1
	}
	n := 0
	for _, line := range strings.Split(s, "\n") {
		n += max(1, (displayWidth(line)+per-1)/per)
	}
	return n
}

// rowHeight converts lines to a row height, within Excel's 409-point limit.
func rowHeight(lines int) float64 {
	return float64(min(lines*lineHeight, 409))
}

// when is a time column's value: a date cell for a known time, otherwise
// the text that says why there is none ("never", "not collected", or "").
func when(t *time.Time, text string) any {
	if t == nil || t.IsZero() {
		return text
	}
	return t.UTC()
}

// whenRFC3339 is when for a time given as RFC 3339 text; text that does
// not parse stays text.
func whenRFC3339(s string) any {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return when(&t, s)
}
