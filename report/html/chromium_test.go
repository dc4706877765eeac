package html

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	xhtml "golang.org/x/net/html"

	"github.com/m365audit/m365audit/checks"
)

// chromiumPath is Debian's headless-capable Chromium; .ci/run installs it.
const chromiumPath = "/usr/bin/chromium"

// chromium runs headless Chromium with no network, no sandbox (CI runs as
// root) and a throw-away profile, and returns its standard output.
func chromium(t *testing.T, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, chromiumPath, append(base, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, errb.String())
	}
	return out.Bytes()
}

func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("%s not installed (CI installs it: apt-get install chromium)", chromiumPath)
	}
}

// TestChromiumRendersTheReport renders the sample tenant's report, with the
// hostile strings added, in a real browser: the screenshot is a real page
// (not blank, the report's colours present), and the DOM after the page's
// script ran shows the table sorted and filtered as the URL asked and no
// element the tenant's strings could have injected.
func TestChromiumRendersTheReport(t *testing.T) {
	needChromium(t)
	doc, snap := contoso(t)
	poison(doc)
	page := writeTemp(t, render(t, doc, snap))
	url := "file://" + page

	shot := filepath.Join(t.TempDir(), "report.png")
	if dir := os.Getenv("M365AUDIT_SCREENSHOT_DIR"); dir != "" {
		shot = filepath.Join(dir, "report-chromium.png")
	}
	chromium(t, "--hide-scrollbars", "--window-size=1280,4800", "--screenshot="+shot, url)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 4800 {
		t.Errorf("screenshot is %v, want 1280x4800", b)
	}
	st := pixels(img)
	t.Logf("screenshot %s: %.1f%% non-white, %d colours, heading blue %d px, fail red %d px", shot, 100*st.nonWhite, st.colours, st.heading, st.red)
	if st.nonWhite < 0.05 || st.colours < 50 {
		t.Errorf("the screenshot looks blank: %.1f%% non-white, %d colours", 100*st.nonWhite, st.colours)
	}
	// The table headings (#1e3a5f) and the reds of FAIL badges (#dc2626)
	// and of the attacker's rows and alerts (#b91c1c) are drawn.
	if st.heading < 2000 || st.red < 200 {
		t.Errorf("the report's colours are missing: heading %d px, red %d px", st.heading, st.red)
	}

	// Filtered to the passes, sorted by ID descending, through the URL.
	dom := chromium(t, "--dump-dom", url+"#status=pass&sort=-id")
	root, err := xhtml.Parse(bytes.NewReader(dom))
	if err != nil {
		t.Fatal(err)
	}
	inert(t, dom)
	var table *xhtml.Node
	for n := range root.Descendants() {
		if n.Type == xhtml.ElementNode && attr(n, "id") == "checks" {
			table = n
		}
	}
	if table == nil {
		t.Fatal("no findings table in the rendered DOM")
	}
	if got := attr(table, "data-sorted"); got != "-id" {
		t.Fatalf("the page's script did not run or did not sort: data-sorted=%q", got)
	}
	var shown, hidden []string
	wantPass := 0
	for _, r := range doc.Results {
		if r.Status == checks.StatusPass {
			wantPass++
		}
	}
	for n := range table.Descendants() {
		if n.Type != xhtml.ElementNode || n.Data != "tr" || attr(n, "data-id") == "" {
			continue
		}
		if _, isHidden := attrOK(n, "hidden"); isHidden {
			hidden = append(hidden, attr(n, "data-id"))
			continue
		}
		if s := attr(n, "data-status-name"); s != string(checks.StatusPass) {
			t.Errorf("row %s (%s) shown under the pass filter", attr(n, "data-id"), s)
		}
		shown = append(shown, attr(n, "data-id"))
	}
	if len(shown) != wantPass || len(shown)+len(hidden) != len(doc.Results) {
		t.Errorf("shown %d (want %d passes), hidden %d, of %d checks", len(shown), wantPass, len(hidden), len(doc.Results))
	}
	for i := 1; i < len(shown); i++ {
		if shown[i-1] < shown[i] {
			t.Errorf("rows not sorted by ID descending: %s before %s", shown[i-1], shown[i])
		}
	}
	if n, _ := strconv.Atoi(attr(table, "data-shown")); n != wantPass {
		t.Errorf("data-shown = %d, want %d", n, wantPass)
	}
	text := textOf(root)
	if !strings.Contains(text, strconv.Itoa(wantPass)+" of "+strconv.Itoa(len(doc.Results))+" checks shown") {
		t.Error("the count line does not say how many checks are shown")
	}
	// The tenant name the hostile strings went into is the document's
	// text, and the script did not run anything they carried.
	if !strings.Contains(text, hostile[2]) {
		t.Error("the hostile tenant name is not shown as text")
	}
	for n := range root.Descendants() {
		if n.Type == xhtml.ElementNode && n.Data == "title" && strings.Contains(textOf(n), "pwned") && !strings.Contains(textOf(n), "Microsoft 365") {
			t.Error("a hostile string changed the document title")
		}
	}
}

func attrOK(n *xhtml.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func textOf(n *xhtml.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == xhtml.TextNode && d.Parent != nil && d.Parent.Data != "script" && d.Parent.Data != "style" {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

type pixelStats struct {
	nonWhite     float64
	colours      int
	heading, red int
}

func pixels(img image.Image) pixelStats {
	b := img.Bounds()
	seen := map[uint32]bool{}
	var st pixelStats
	nonWhite := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r8, g8, b8 := r>>8, g>>8, bl>>8
			seen[r8<<16|g8<<8|b8] = true
			if r8 < 245 || g8 < 245 || b8 < 245 {
				nonWhite++
			}
			if near(r8, g8, b8, 0x1e, 0x3a, 0x5f) {
				st.heading++
			}
			if near(r8, g8, b8, 0xdc, 0x26, 0x26) || near(r8, g8, b8, 0xb9, 0x1c, 0x1c) {
				st.red++
			}
		}
	}
	st.nonWhite = float64(nonWhite) / float64(b.Dx()*b.Dy())
	st.colours = len(seen)
	return st
}

func near(r, g, b, R, G, B uint32) bool {
	d := func(a, b uint32) uint32 {
		if a > b {
			return a - b
		}
		return b - a
	}
	return d(r, R) < 8 && d(g, G) < 8 && d(b, B) < 8
}
