package xlsx

import (
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// timeHeaders are the headers of every time column in the workbook.
var timeHeaders = map[string]bool{"Time": true, "Last sign-in": true, "Created": true, "Modified": true}

// TestTimesAreDateCells: every time column holds real date cells (a number
// with the date format), not text; the words standing for a missing time
// ("never", "not collected") stay text.
func TestTimesAreDateCells(t *testing.T) {
	f := open(t, write(t, fixtureDoc(), fixtureSnap(t), Options{}))
	dates := map[string]int{}
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		hdr, cols := -1, map[int]string{}
		for i, r := range rows {
			for j, v := range r {
				if timeHeaders[v] {
					hdr, cols[j] = i, v
				}
			}
			if hdr >= 0 {
				break
			}
		}
		for i := hdr + 1; hdr >= 0 && i < len(rows); i++ {
			for j, name := range cols {
				if j >= len(rows[i]) || rows[i][j] == "" {
					continue
				}
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				shown := rows[i][j]
				if shown == "never" || strings.HasPrefix(shown, "not ") {
					continue
				}
				raw, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := strconv.ParseFloat(raw, 64); err != nil {
					t.Errorf("%s!%s (%s) = %q: text, not a date", sheet, cell, name, raw)
					continue
				}
				typ, _ := f.GetCellType(sheet, cell)
				if typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
					t.Errorf("%s!%s cell type %v", sheet, cell, typ)
				}
				sid, _ := f.GetCellStyle(sheet, cell)
				st, err := f.GetStyle(sid)
				if err != nil || st.CustomNumFmt == nil || *st.CustomNumFmt != dateFormat {
					t.Errorf("%s!%s style %d has no date format (%v)", sheet, cell, sid, err)
				}
				if !strings.HasSuffix(shown, " UTC") || len(shown) != len("2026-11-20 09:30 UTC") {
					t.Errorf("%s!%s shows %q", sheet, cell, shown)
				}
				dates[sheet]++
			}
		}
	}
	for _, sheet := range []string{sheetUsers, sheetGuests, sheetAffected, sheetTimeline} {
		if dates[sheet] == 0 {
			t.Errorf("no date cell checked on %s (%v)", sheet, dates)
		}
	}
	for _, cell := range []string{"B5", "B6", "B7", "B8"} {
		raw, _ := f.GetCellValue(sheetSummary, cell, excelize.Options{RawCellValue: true})
		label, _ := f.GetCellValue(sheetSummary, "A"+cell[1:])
		if strings.HasSuffix(label, " at") {
			if _, err := strconv.ParseFloat(raw, 64); err != nil {
				t.Errorf("Summary %s (%s) = %q: not a date", cell, label, raw)
			}
			dates[sheetSummary]++
		}
	}
	if dates[sheetSummary] != 2 {
		t.Errorf("Summary: %d date cells, want 2", dates[sheetSummary])
	}
	t.Logf("date cells: %v", dates)
}
