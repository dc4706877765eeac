package pdf

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// keepWithNext are lines that introduce what follows them (labels and
// table headers, white space folded); headings come from the outline.
var keepWithNext = []*regexp.Regexp{
	regexp.MustCompile(`^Affected objects \(\d+\)$`),
	regexp.MustCompile(`^(How to fix|Why it matters|Finding)$`),
	regexp.MustCompile(`^Then, organisation-wide \(remediation\.ps1\)$`),
	regexp.MustCompile(`^Datasets not \(fully\) collected, and what would allow them:$`),
	regexp.MustCompile(`^Name ID( When / by)? Detail$`),
	regexp.MustCompile(`^ID Check (Status Reason|Category Severity)$`),
	regexp.MustCompile(`^Dataset Status Reason Would be allowed by Checks$`),
	regexp.MustCompile(`^Object Why it is listed Check$`),
	regexp.MustCompile(`^Severity (Incident|Configuration) check (What is open|Finding)$`),
	regexp.MustCompile(`^(When \(UTC\)|Time \(UTC\)) `),
	regexp.MustCompile(`^Recipient Where Messages`),
}

// outlineTitles reads the bookmark titles of an uncompressed PDF.
func outlineTitles(t *testing.T, pdf []byte) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, m := range outlineRe.FindAllSubmatchIndex(pdf, -1) {
		raw, ok := unescapePDFString(pdf[m[1]:])
		if !ok {
			t.Fatal("unterminated outline title")
		}
		out[strings.Join(strings.Fields(decodeUTF16(bytes.TrimPrefix(raw, []byte{0xFE, 0xFF}))), " ")] = true
	}
	return out
}

// pageBreakProblems reads pdf back with pdftotext and lists every page
// whose last line (above the footer) is a heading, a label or a table
// header, and every page that starts with a finding's References line.
func pageBreakProblems(t *testing.T, pdf []byte) []string {
	t.Helper()
	headings := outlineTitles(t, pdf)
	text := poppler(t, "pdftotext", pdf, "-layout")
	var probs []string
	pages := strings.Split(strings.TrimRight(text, "\f"), "\f")
	for i, page := range pages {
		var lines []string
		var indented []bool // drawn away from the left margin (a table cell)
		for _, raw := range strings.Split(page, "\n") {
			if l := strings.Join(strings.Fields(raw), " "); l != "" {
				lines = append(lines, l)
				indented = append(indented, len(raw)-len(strings.TrimLeft(raw, " ")) > 2)
			}
		}
		// The first line is the running header, the last the footer.
		if len(lines) < 3 {
			continue
		}
		body := lines[1 : len(lines)-1]
		if strings.HasPrefix(body[0], "References:") {
			probs = append(probs, fmt.Sprintf("page %d starts with %q", i+1, body[0]))
		}
		if i == len(pages)-1 {
			continue // the last page may end anywhere
		}
		last := body[len(body)-1]
		stranded := headings[last] && !indented[len(lines)-2]
		for _, re := range keepWithNext {
			stranded = stranded || re.MatchString(last)
		}
		if stranded {
			probs = append(probs, fmt.Sprintf("page %d ends with %q", i+1, last))
		}
	}
	return probs
}

// TestPageBreaks: no page ends with a heading, a label or a table header
// whose content is on the next page, and no page starts with the
// References line of the previous page's finding. Each document is also
// rendered with the findings' summaries lengthened line by line, so page
// breaks fall at many different places.
func TestPageBreaks(t *testing.T) {
	t.Parallel()
	docs := []struct {
		name string
		doc  func(t *testing.T) (*checks.Document, *snapshot.Snapshot)
	}{
		{"Contoso sample with its incident", func(t *testing.T) (*checks.Document, *snapshot.Snapshot) { return contoso(t) }},
		{"phished tenant", func(*testing.T) (*checks.Document, *snapshot.Snapshot) { return phishedDoc(), nil }},
		{"stress", func(*testing.T) (*checks.Document, *snapshot.Snapshot) { return stressDoc(), nil }},
	}
	for _, d := range docs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			for extra := 0; extra < 12; extra++ {
				doc, snap := d.doc(t)
				pad := strings.Repeat(" Lorem ipsum dolor sit amet, consectetur adipiscing elit sed do.", extra)
				for i := range doc.Results {
					if i%3 == extra%3 {
						doc.Results[i].Summary += pad
					}
				}
				for _, p := range pageBreakProblems(t, render(t, doc, snap)) {
					t.Errorf("padding %d: %s", extra, p)
				}
			}
		})
	}
}
