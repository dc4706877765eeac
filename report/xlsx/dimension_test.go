package xlsx

import (
	"archive/zip"
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

var dimensionRE = regexp.MustCompile(`<dimension ref="([^"]*)"`)

// TestEverySheetDeclaresItsRealDimension: each worksheet's <dimension> is
// the range its cells use, so a reader that trusts it (openpyxl read-only,
// BI tools) sees every row and column, including a sheet cut by the row
// limit.
func TestEverySheetDeclaresItsRealDimension(t *testing.T) {
	for _, opt := range []Options{{}, {MaxRowsPerSheet: 2}} {
		data := write(t, fixtureDoc(), fixtureSnap(t), opt)
		// The raw sheet XML: no sheet may declare the stream writer's A1.
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		sheets := 0
		for _, zf := range zr.File {
			if !strings.HasPrefix(zf.Name, "xl/worksheets/sheet") {
				continue
			}
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			m := dimensionRE.FindSubmatch(b)
			if m == nil || string(m[1]) == "A1" {
				t.Errorf("%s declares dimension %q", zf.Name, m)
			}
			sheets++
		}
		if sheets < 5 {
			t.Fatalf("only %d worksheets", sheets)
		}
		// What each sheet declares is what it holds.
		f := open(t, data)
		for _, name := range f.GetSheetList() {
			dim, err := f.GetSheetDimension(name)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := f.GetRows(name)
			if err != nil {
				t.Fatal(err)
			}
			cols := 1
			for _, r := range rows {
				cols = max(cols, len(r))
			}
			want, _ := excelize.CoordinatesToCellName(cols, max(len(rows), 1))
			if dim != "A1:"+want {
				t.Errorf("cut=%d sheet %s declares %s, holds A1:%s", opt.MaxRowsPerSheet, name, dim, want)
			}
		}
	}
}
