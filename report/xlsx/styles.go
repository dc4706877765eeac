package xlsx

import (
	"fmt"

	"github.com/m365audit/m365audit/checks"
	"github.com/xuri/excelize/v2"
)

// cellKind selects the look of a cell.
type cellKind int

const (
	kindText cellKind = iota
	kindHeader
	kindNote     // "Not collected: …" lines above a table
	kindAlarm    // integrity warning
	kindTitle    // sheet title
	kindLabel    // Summary labels
	kindStatus   // fill by check status
	kindSeverity // fill by severity
	kindPercent
	kindNumber
	kindDate // a date-time cell: yyyy-mm-dd hh:mm "UTC"
)

// dateFormat is the number format of date cells; times are written in UTC.
const dateFormat = `yyyy-mm-dd hh:mm "UTC"`

// dateWidth is the display width of a date cell in dateFormat.
const dateWidth = 20

// styleKey identifies one cell style; styles are created once per key.
type styleKey struct {
	kind  cellKind
	value string // status or severity for fills
	wrap  bool
	quote bool
}

// styles creates and caches the workbook's cell styles.
type styles struct {
	f     *excelize.File
	cache map[styleKey]int
}

func newStyles(f *excelize.File) *styles {
	return &styles{f: f, cache: map[styleKey]int{}}
}

// statusColours are (fill, font) per status: the usual traffic-light
// palette, grey for what could not be evaluated.
var statusColours = map[checks.Status][2]string{
	checks.StatusFail:          {"FFC7CE", "9C0006"},
	checks.StatusWarn:          {"FFEB9C", "9C5700"},
	checks.StatusPass:          {"C6EFCE", "006100"},
	checks.StatusUnknown:       {"D9D9D9", "3A3A3A"},
	checks.StatusError:         {"E4DFEC", "5B2C6F"},
	checks.StatusManual:        {"DDEBF7", "1F4E78"},
	checks.StatusNotApplicable: {"F2F2F2", "7F7F7F"},
}

var severityColours = map[checks.Severity][2]string{
	checks.SeverityCritical: {"C00000", "FFFFFF"},
	checks.SeverityHigh:     {"F4B084", "000000"},
	checks.SeverityMedium:   {"FFE699", "000000"},
	checks.SeverityLow:      {"DDEBF7", "000000"},
	checks.SeverityInfo:     {"F2F2F2", "000000"},
}

// StatusFill returns the fill colour (RRGGBB) used for a status, "" when the
// status has none; tests and other views may use it to stay consistent.
func StatusFill(s checks.Status) string { return statusColours[s][0] }

func solid(color string) excelize.Fill {
	return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
}

// id returns the style id for a key, creating it on first use.
func (s *styles) id(k styleKey) (int, error) {
	if id, ok := s.cache[k]; ok {
		return id, nil
	}
	st := &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: k.wrap}}
	switch k.kind {
	case kindHeader:
		st.Font = &excelize.Font{Bold: true, Color: "FFFFFF"}
		st.Fill = solid("1F4E78")
		st.Alignment.Vertical = "center"
	case kindNote:
		st.Font = &excelize.Font{Bold: true, Color: "9C5700"}
		st.Fill = solid("FFEB9C")
		st.Alignment.WrapText = false
	case kindAlarm:
		st.Font = &excelize.Font{Bold: true, Color: "FFFFFF", Size: 12}
		st.Fill = solid("C00000")
		st.Alignment.WrapText = false
	case kindTitle:
		st.Font = &excelize.Font{Bold: true, Size: 16, Color: "1F4E78"}
	case kindLabel:
		st.Font = &excelize.Font{Bold: true}
	case kindStatus:
		if c, ok := statusColours[checks.Status(k.value)]; ok {
			st.Fill = solid(c[0])
			st.Font = &excelize.Font{Color: c[1], Bold: checks.Status(k.value) == checks.StatusFail}
		}
	case kindSeverity:
		if c, ok := severityColours[checks.Severity(k.value)]; ok {
			st.Fill = solid(c[0])
			st.Font = &excelize.Font{Color: c[1]}
		}
	case kindPercent:
		st.NumFmt = 10 // 0.00%
		st.Font = &excelize.Font{Bold: true, Size: 14}
		st.Alignment.Horizontal = "left"
	case kindNumber:
		st.NumFmt = 1 // 0
	case kindDate:
		f := dateFormat
		st.CustomNumFmt = &f
		st.Alignment.Horizontal = "left"
	}
	if k.quote {
		// excelize's Style has no quotePrefix; a Protection that equals the
		// default (locked) makes this style distinct from its unquoted twin,
		// then quotePrefix is set on the created xf.
		st.Protection = &excelize.Protection{Locked: true}
	}
	id, err := s.f.NewStyle(st)
	if err != nil {
		return 0, fmt.Errorf("xlsx: style: %w", err)
	}
	if k.quote {
		if s.f.Styles == nil || s.f.Styles.CellXfs == nil || id >= len(s.f.Styles.CellXfs.Xf) {
			return 0, fmt.Errorf("xlsx: style %d: cannot set quotePrefix", id)
		}
		t := true
		s.f.Styles.CellXfs.Xf[id].QuotePrefix = &t
	}
	s.cache[k] = id
	return id, nil
}
