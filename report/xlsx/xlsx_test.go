package xlsx

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/describe"
	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite golden files")

func assertGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v (run: go test ./report/xlsx/ -update)", path, err)
	}
	want = bytes.ReplaceAll(want, []byte("\r\n"), []byte("\n"))
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func TestGolden(t *testing.T) {
	t.Run("fixture", func(t *testing.T) {
		f := open(t, write(t, fixtureDoc(), fixtureSnap(t), Options{}))
		if diff := cmp.Diff(SheetNames(true), f.GetSheetList()); diff != "" {
			t.Errorf("sheets (-want +got):\n%s", diff)
		}
		assertGolden(t, "fixture", []byte(dumpTSV(t, f)))
	})
	t.Run("no snapshot", func(t *testing.T) {
		doc := fixtureDoc()
		doc.Integrity = []snapshot.IntegrityProblem{{File: "users.json", Dataset: "users", Problem: "sha256 mismatch"}}
		doc.Incident = nil
		f := open(t, write(t, doc, nil, Options{}))
		if diff := cmp.Diff(SheetNames(false), f.GetSheetList()); diff != "" {
			t.Errorf("sheets (-want +got):\n%s", diff)
		}
		assertGolden(t, "nosnapshot", []byte(dumpTSV(t, f)))
	})
	t.Run("contoso sample", func(t *testing.T) {
		// Checked-in data: a missing sample fails here, never skips.
		s, err := snapshot.Load(filepath.Join("..", "..", "testdata", "contoso"), snapshot.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		doc := &checks.Document{SchemaVersion: checks.ResultsSchemaVersion, Tool: s.Manifest.Tool, Tenant: s.Manifest.Tenant,
			CollectedAt: s.Manifest.CollectedAt, GeneratedAt: s.Manifest.CollectedAt, Licences: checks.DetectLicences(s)}
		f := open(t, write(t, doc, s, Options{}))
		// The sample evolves with other packages, so it is checked for
		// shape, not against a golden: every inventory row is present and
		// nothing failed to read.
		users, err := describe.Users(s)
		if err != nil {
			t.Fatal(err)
		}
		guests, err := describe.Guests(s)
		if err != nil {
			t.Fatal(err)
		}
		mbx, err := describe.Mailboxes(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			sheet, header string
			n             int
		}{{sheetUsers, "User principal name", len(users)}, {sheetGuests, "User principal name", len(guests)}, {sheetMailboxes, "Address", len(mbx)}} {
			rows, err := f.GetRows(tc.sheet)
			if err != nil {
				t.Fatal(err)
			}
			h := -1
			for i, r := range rows {
				if len(r) > 0 && strings.HasPrefix(r[0], "Could not read") {
					t.Errorf("%s: %s", tc.sheet, r[0])
				}
				if len(r) > 0 && r[0] == tc.header {
					h = i
				}
			}
			if h < 0 || len(rows)-h-1 != tc.n {
				t.Errorf("%s: header at %d, %d rows, want %d data rows", tc.sheet, h, len(rows), tc.n)
			}
		}
	})
}

// quotePrefix reports whether the cell's style carries quotePrefix.
func quotePrefix(t *testing.T, f *excelize.File, sheet, cell string) bool {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.GetStyle(id); err != nil { // loads the style sheet
		t.Fatal(err)
	}
	xf := f.Styles.CellXfs.Xf[id]
	return xf.QuotePrefix != nil && *xf.QuotePrefix
}

func TestHostileNames(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("長", 6) + strings.Repeat("n", 250)
	hostile := []struct {
		in, want string
	}{
		{`'; Remove-MgUser -UserId 'x'; '`, `'; Remove-MgUser -UserId 'x'; '`},
		{`=HYPERLINK("http://evil.example","x")`, `=HYPERLINK("http://evil.example","x")`},
		{`+cmd|' /C calc'!A0`, `+cmd|' /C calc'!A0`},
		{`-2+3`, `-2+3`},
		{`@SUM(A1)`, `@SUM(A1)`},
		{"\tleading tab", "\tleading tab"},
		{"\rleading CR", "\rleading CR"},
		{"陳大文", "陳大文"},
		{"山田太郎", "山田太郎"},
		{"김민준", "김민준"},
		{"\u200fمحمد العربي", "\u200fمحمد العربي"},
		{long, long},
		{"nul\x00and\x01ctl\x1f", "nulandctl"},
		{"bad utf8 \xff end", "bad utf8 \uFFFD end"},
		{"_x0041_ literal", "_x0041_ literal"},
	}
	if n := len([]rune(long)); n != 256 {
		t.Fatalf("long name has %d runes", n)
	}
	doc := fixtureDoc()
	doc.Tenant.DisplayName = `=HYPERLINK("http://evil.example","x")`
	var aff []checks.Affected
	for i, h := range hostile {
		aff = append(aff, checks.Affected{Kind: "user", ID: fmt.Sprintf("h%02d", i), Name: h.in, Detail: h.in})
	}
	doc.Results = []checks.Result{{ID: "X-001", Title: "hostile", Severity: checks.SeverityHigh, Status: checks.StatusFail,
		Summary: hostile[1].in, Affected: aff}}
	files := fixtureFiles()
	files[snapshot.DSUsers] = "[" + strings.Join(jsonUsers(hostile), ",") + "]"
	f := open(t, write(t, doc, buildSnap(t, files, nil), Options{}))

	check := func(sheet, cell, want string) {
		t.Helper()
		got, err := f.GetCellValue(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s!%s = %q, want %q", sheet, cell, got, want)
		}
		if fm, err := f.GetCellFormula(sheet, cell); err != nil || fm != "" {
			t.Errorf("%s!%s has formula %q (%v)", sheet, cell, fm, err)
		}
		if q := quotePrefix(t, f, sheet, cell); q != formulaLike(want) {
			t.Errorf("%s!%s quotePrefix = %v, want %v", sheet, cell, q, formulaLike(want))
		}
	}
	header := func(sheet string) int {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			if len(r) > 1 && (r[0] == "Check ID" || r[0] == "User principal name") {
				return i + 1
			}
		}
		t.Fatalf("%s: no header row", sheet)
		return 0
	}
	ha, hu := header(sheetAffected), header(sheetUsers)
	for i, h := range hostile {
		// Affected objects: one result, so objects keep their order.
		check(sheetAffected, fmt.Sprintf("F%d", ha+1+i), h.want)
		check(sheetAffected, fmt.Sprintf("G%d", ha+1+i), h.want)
		// Users: sorted by UPN h00…, column B is the display name.
		check(sheetUsers, fmt.Sprintf("B%d", hu+1+i), h.want)
	}
	check(sheetSummary, "B3", doc.Tenant.DisplayName)
	check(sheetFindings, "F2", hostile[1].want)
	// Plain values get no quote prefix.
	check(sheetFindings, "A2", "X-001")
}

func jsonUsers(hostile []struct{ in, want string }) []string {
	var out []string
	for i, h := range hostile {
		// encoding/json would turn invalid UTF-8 into U+FFFD already; write
		// the raw bytes so the writer's own cleaning is what is tested.
		name := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\t", `\t`, "\r", `\r`, "\x00", `\u0000`, "\x01", `\u0001`, "\x1f", `\u001f`).Replace(h.in)
		out = append(out, fmt.Sprintf(`{"id":"h%02d","userPrincipalName":"h%02d@contoso.com","displayName":"%s"}`, i, i, name))
	}
	return out
}

func TestFindingsSheetLayout(t *testing.T) {
	t.Parallel()
	data := write(t, fixtureDoc(), fixtureSnap(t), Options{})
	f := open(t, data)

	panes, err := f.GetPanes(sheetFindings)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Errorf("Findings panes = %+v, want frozen header row", panes)
	}
	var filter string
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm._FilterDatabase" && dn.Scope == sheetFindings {
			filter = dn.RefersTo
		}
	}
	if filter != "'Findings'!$A$1:$M$10" {
		t.Errorf("Findings filter database = %q", filter)
	}
	sheetXML := zipFile(t, data, "xl/worksheets/sheet2.xml")
	if !strings.Contains(sheetXML, `<autoFilter ref="$A$1:$M$10"`) {
		t.Errorf("Findings sheet has no autoFilter A1:M10")
	}

	rows, err := f.GetRows(sheetFindings)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[checks.Status]bool{}
	for i, r := range rows[1:] {
		cell := fmt.Sprintf("C%d", i+2)
		st := checks.Status(r[2])
		id, err := f.GetCellStyle(sheetFindings, cell)
		if err != nil {
			t.Fatal(err)
		}
		style, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		want := StatusFill(st)
		if want == "" {
			t.Errorf("status %q has no fill", st)
			continue
		}
		if len(style.Fill.Color) != 1 || !strings.EqualFold(style.Fill.Color[0], want) || style.Fill.Pattern != 1 {
			t.Errorf("%s (%s) fill = %+v, want solid %s", cell, st, style.Fill, want)
		}
		seen[st] = true
	}
	for _, st := range checks.Statuses() {
		if !seen[st] {
			t.Errorf("fixture has no %s result; the fill test does not cover it", st)
		}
	}
	if StatusFill(checks.StatusFail) == StatusFill(checks.StatusPass) || StatusFill(checks.StatusWarn) == StatusFill(checks.StatusUnknown) {
		t.Error("status fills are not distinct")
	}
	// Columns are sized from their content and capped.
	w, err := f.GetColWidth(sheetFindings, "A")
	if err != nil {
		t.Fatal(err)
	}
	if w < float64(len("ENTRA-MFA-002")) || w > maxColWidth {
		t.Errorf("Findings column A width = %v", w)
	}
	if w, _ := f.GetColWidth(sheetFindings, "F"); w > maxWrapWidth {
		t.Errorf("Summary column width %v exceeds the cap", w)
	}
	// Every sheet with rows has a frozen header; an empty one has neither
	// a frozen header nor filter buttons. Every sheet repeats its header
	// row on each printed page and prints landscape, one page wide.
	titles, filters := map[string]string{}, map[string]bool{}
	for _, dn := range f.GetDefinedName() {
		switch dn.Name {
		case "_xlnm.Print_Titles":
			titles[dn.Scope] = dn.RefersTo
		case "_xlnm._FilterDatabase":
			filters[dn.Scope] = true
		}
	}
	for _, sheet := range SheetNames(true)[1:] {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		h := 0
		for i, r := range rows {
			if len(r) > 1 {
				h = i + 1
				break
			}
		}
		empty := h == len(rows)
		p, err := f.GetPanes(sheet)
		if err != nil || p.Freeze == empty {
			t.Errorf("%s (empty %v): panes %+v, %v", sheet, empty, p, err)
		}
		if filters[sheet] == empty {
			t.Errorf("%s (empty %v): autofilter %v", sheet, empty, filters[sheet])
		}
		if want := fmt.Sprintf("'%s'!$%d:$%d", sheet, h, h); titles[sheet] != want {
			t.Errorf("%s: print titles %q, want %q", sheet, titles[sheet], want)
		}
		lo, err := f.GetPageLayout(sheet)
		if err != nil || lo.Orientation == nil || *lo.Orientation != "landscape" || lo.FitToWidth == nil || *lo.FitToWidth != 1 {
			t.Errorf("%s: page layout %+v, %v", sheet, lo, err)
		}
	}
	if titles[sheetFindings] != "'Findings'!$1:$1" {
		t.Errorf("Findings print titles %q", titles[sheetFindings])
	}
}

func zipFile(t *testing.T, data []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		if zf.Name == name {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("%s not in workbook", name)
	return ""
}

func TestNotCollectedSaysSoFirst(t *testing.T) {
	t.Parallel()
	files := fixtureFiles()
	delete(files, snapshot.DSExoCASMailbox)
	delete(files, snapshot.DSExoMailbox)
	delete(files, snapshot.DSConditionalAccessPolicies)
	s := buildSnap(t, files, map[string]snapshot.DatasetInfo{
		snapshot.DSUserRegistrationDetails:   {Status: snapshot.StatusUnlicensed, Licence: "Entra ID P1"},
		snapshot.DSConditionalAccessPolicies: {Status: snapshot.StatusForbidden, Reason: "Authorization_RequestDenied", Permission: "Policy.Read.All"},
		snapshot.DSExoCASMailbox:             {Status: snapshot.StatusError, Reason: "timeout"},
		// As collect records it for a routine audit: the client report
		// says it once, without flags or a permission hint.
		snapshot.DSGuestInviters: {Status: snapshot.StatusSkipped, Reason: "collected only for an incident (--incident-user and --incident-start)", Permission: "User.Read.All"},
	})
	f := open(t, write(t, fixtureDoc(), s, Options{}))
	tests := []struct{ sheet, first string }{
		{sheetUsers, "Not collected: userRegistrationDetails — unlicensed (needs Entra ID P1)"},
		{sheetCA, "Not collected: conditionalAccessPolicies — forbidden: Authorization_RequestDenied (needs Policy.Read.All)"},
		{sheetMailboxes, "Not collected: exoCasMailbox — error: timeout"},
		{sheetGuests, "Guest inviters (invitedBy): not collected (collected only during an incident investigation)"},
	}
	for _, tc := range tests {
		rows, err := f.GetRows(tc.sheet)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 || len(rows[0]) == 0 || rows[0][0] != tc.first {
			t.Errorf("%s first row = %q, want %q", tc.sheet, rows[0], tc.first)
		}
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	a := write(t, fixtureDoc(), fixtureSnap(t), Options{})
	b := write(t, fixtureDoc(), fixtureSnap(t), Options{})
	if !bytes.Equal(a, b) {
		t.Error("two writes of the same document differ in bytes")
	}
	if dumpTSV(t, open(t, a)) != dumpTSV(t, open(t, b)) {
		t.Error("two writes differ in content")
	}
	for _, name := range []string{"docProps/core.xml", "xl/styles.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml",
		"xl/worksheets/sheet2.xml", "xl/worksheets/sheet5.xml", "xl/charts/chart1.xml"} {
		if zipFile(t, a, name) != zipFile(t, b, name) {
			t.Errorf("%s differs between two writes", name)
		}
	}
	props, err := open(t, a).GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	if props.Creator != "m365audit" || props.Created != "2026-11-20T10:00:00Z" || props.Modified != "2026-11-20T10:00:00Z" {
		t.Errorf("doc props = %+v", props)
	}
}

func TestPackageParts(t *testing.T) {
	t.Parallel()
	data := write(t, fixtureDoc(), fixtureSnap(t), Options{})
	ct := zipFile(t, data, "[Content_Types].xml")
	for _, want := range []string{
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"></Default>`,
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"></Override>`,
		`<Override PartName="/xl/worksheets/sheet8.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"></Override>`,
		`<Override PartName="/xl/charts/chart1.xml"`,
	} {
		if !strings.Contains(ct, want) {
			t.Errorf("[Content_Types].xml lacks %s", want)
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if zr.File[0].Name != "[Content_Types].xml" {
		t.Errorf("first part = %s", zr.File[0].Name)
	}
	for _, zf := range zr.File {
		if zf.Name == "[Content_Types].xml" || strings.HasSuffix(zf.Name, "/") {
			continue
		}
		if !strings.Contains(ct, `PartName="/`+zf.Name+`"`) && !strings.HasSuffix(zf.Name, ".rels") {
			t.Errorf("part %s has no content type override", zf.Name)
		}
	}
}

func TestSummaryChartAndCounts(t *testing.T) {
	t.Parallel()
	data := write(t, fixtureDoc(), fixtureSnap(t), Options{})
	chart := zipFile(t, data, "xl/charts/chart1.xml")
	for _, want := range []string{`<barChart><barDir val="col">`, "Summary!$E$", "Summary!$F$", "Summary!$D$"} {
		if !strings.Contains(chart, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	f := open(t, data)
	// The fail column of the matrix must agree with the Findings sheet.
	rows, _ := f.GetRows(sheetFindings)
	fails := 0
	for _, r := range rows[1:] {
		if r[2] == string(checks.StatusFail) {
			fails++
		}
	}
	sum, _ := f.GetRows(sheetSummary)
	var total string
	for _, r := range sum {
		if len(r) > 4 && r[3] == "total" {
			total = r[4]
		}
	}
	if total != fmt.Sprint(fails) {
		t.Errorf("Summary fail total = %q, Findings has %d failing rows", total, fails)
	}
}

func TestRowLimit(t *testing.T) {
	t.Parallel()
	f := open(t, write(t, fixtureDoc(), fixtureSnap(t), Options{MaxRowsPerSheet: 2}))
	rows, _ := f.GetRows(sheetFindings)
	if len(rows) != 4 || rows[3][0] != "7 more rows not shown (sheet row limit); results.json has every row" {
		t.Errorf("cut Findings = %q", rows)
	}
}

func TestCleanText(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("a", maxCellChars+10)
	got := cleanText(big)
	if n := len([]rune(got)); n != maxCellChars || !strings.HasSuffix(got, truncMarker) {
		t.Errorf("truncated to %d runes, suffix %q", n, got[len(got)-6:])
	}
	// A surrogate pair is never split at the cut.
	emoji := strings.Repeat("😀", maxCellChars/2+5)
	got = cleanText(emoji)
	if !strings.HasSuffix(got, truncMarker) || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("emoji cut badly")
	}
	if got := cleanText("exact"); got != "exact" {
		t.Errorf("clean text changed: %q", got)
	}
	if got := cleanText("a\uFFFEb\x7fc"); got != "ab\x7fc" {
		t.Errorf("got %q", got)
	}
}

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	if err := Write(t.Context(), io.Discard, nil, nil, Options{}); err == nil {
		t.Error("nil document: want error")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := Write(ctx, io.Discard, fixtureDoc(), nil, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
	// A dataset whose file does not decode is shown, not fatal.
	files := fixtureFiles()
	files[snapshot.DSUsers] = `[{"id": 5}]`
	f := open(t, write(t, fixtureDoc(), buildSnap(t, files, nil), Options{}))
	rows, _ := f.GetRows(sheetUsers)
	found := false
	for _, r := range rows {
		if len(r) > 0 && strings.HasPrefix(r[0], "Could not read: users: dataset users:") {
			found = true
		}
	}
	if !found {
		t.Errorf("Users rows = %q, want a 'Could not read' note", rows)
	}
}

func TestNothingScoredIsNotZeroPercent(t *testing.T) {
	t.Parallel()
	doc := fixtureDoc()
	doc.Score = checks.Score{}
	f := open(t, write(t, doc, nil, Options{}))
	rows, _ := f.GetRows(sheetSummary)
	for _, r := range rows {
		if len(r) > 1 && r[0] == "Score" {
			if r[1] != "not scored: no check could be evaluated" {
				t.Errorf("Score = %q", r[1])
			}
			return
		}
	}
	t.Error("no Score row")
}

// TestSummaryOmittedProperties: a dataset collected without some properties
// is listed under "Data not collected" with them, and a summary with such a
// dataset never says every dataset was collected in full.
func TestSummaryOmittedProperties(t *testing.T) {
	for _, tc := range []struct {
		name    string
		omitted []string
		want    string // the users row's value, "" for no row
	}{
		{"without signInActivity", []string{snapshot.PropSignInActivity}, "ok, without signInActivity (refused by the service). Checks affected (1): ENTRA-EXT-006"},
		{"in full", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := fixtureDoc()
			doc.Coverage.Datasets = []checks.DatasetCoverage{{ID: snapshot.DSUsers, Status: snapshot.StatusOK, Count: 4,
				Checks: []string{"ENTRA-EXT-006"}, Omitted: tc.omitted}}
			f := open(t, write(t, doc, nil, Options{}))
			rows, err := f.GetRows(sheetSummary)
			if err != nil {
				t.Fatal(err)
			}
			got, full := "", false
			for _, r := range rows {
				if len(r) >= 2 && r[0] == snapshot.DSUsers {
					got = r[1]
				}
				if len(r) >= 2 && r[0] == "(none)" && strings.Contains(r[1], "in full") {
					full = true
				}
			}
			if got != tc.want {
				t.Errorf("users row = %q, want %q", got, tc.want)
			}
			if full != (tc.want == "") {
				t.Errorf("'collected in full' shown: %v, want %v", full, tc.want == "")
			}
		})
	}
}

// TestSummaryChecksCounts: the Summary's Checks line counts every status
// group from the results, so not-applicable checks are not hidden among the
// evaluated or not-evaluable ones and the parts add up to the total.
func TestSummaryChecksCounts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		doc  func() *checks.Document
		want string
	}{
		{"fixture", fixtureDoc, "9 checks: 5 evaluated; 1 not evaluable because data was not collected; 1 not applicable (licence or feature absent); 1 needs a manual review; 1 could not run (check error); accepted risks: 1"},
		{"four not applicable", func() *checks.Document {
			doc := fixtureDoc()
			for i := range doc.Results {
				if s := doc.Results[i].Status; s == checks.StatusUnknown || s == checks.StatusError || s == checks.StatusManual || s == checks.StatusPass {
					doc.Results[i].Status = checks.StatusNotApplicable
				}
			}
			return doc
		}, "9 checks: 4 evaluated; 0 not evaluable because data was not collected; 5 not applicable (licence or feature absent); 0 need a manual review; accepted risks: 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := open(t, write(t, tc.doc(), nil, Options{}))
			rows, err := f.GetRows(sheetSummary)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if len(r) > 1 && r[0] == "Checks" {
					if r[1] != tc.want {
						t.Errorf("Checks = %q\nwant      %q", r[1], tc.want)
					}
					return
				}
			}
			t.Error("no Checks row")
		})
	}
}

// TestSummaryDataNotCollectedIsTheModels: the Summary lists the datasets
// the report model counts as not collected, as the PDF, HTML and console
// do: a routine audit does not list the incident datasets it skipped, and
// an unlicensed dataset is listed even when its checks were evaluated.
func TestSummaryDataNotCollectedIsTheModels(t *testing.T) {
	t.Parallel()
	doc := fixtureDoc()
	doc.Incident = nil
	doc.Coverage.Datasets = append(doc.Coverage.Datasets,
		checks.DatasetCoverage{ID: snapshot.DSSignIns, Status: snapshot.StatusSkipped, Reason: "collected only for an incident (--incident-user and --incident-start)"},
		checks.DatasetCoverage{ID: snapshot.DSRiskDetections, Status: snapshot.StatusUnlicensed, Reason: "needs Entra ID P2"})
	f := open(t, write(t, doc, nil, Options{}))
	rows, err := f.GetRows(sheetSummary)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	for _, r := range rows {
		if len(r) > 1 {
			listed[r[0]] = r[1]
		}
	}
	for _, tc := range []struct {
		id     string
		listed bool
	}{
		{snapshot.DSUserRegistrationDetails, true},
		{snapshot.DSRiskDetections, true},
		{snapshot.DSSignIns, false},
		{snapshot.DSUsers, false},
	} {
		if _, ok := listed[tc.id]; ok != tc.listed {
			t.Errorf("%s listed = %v, want %v", tc.id, ok, tc.listed)
		}
	}
}
