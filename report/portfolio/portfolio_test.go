package portfolio_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/report/portfolio"
)

const hostile = "=HYPERLINK(\"http://evil.example\",\"x\")<script>alert(1)</script>'; Remove-MgUser \u202e 北京"

func run(t testing.TB, edit func(m *snapshot.Manifest, d m365audit.Datasets)) portfolio.Run {
	t.Helper()
	base, err := m365audit.SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	var f fs.FS = base
	if edit != nil {
		f, err = m365audit.EditSnapshot(base, func(m *snapshot.Manifest, d m365audit.Datasets) error { edit(m, d); return nil })
		if err != nil {
			t.Fatal(err)
		}
	}
	s, err := snapshot.LoadFS(f, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	doc := checks.Run(s, checks.RunOptions{GeneratedAt: s.Manifest.CollectedAt,
		Incident: checks.IncidentFrom(s.Manifest.CollectedAt, s.Manifest.Incident)})
	// Round-trip through results.json as the CLI reads it.
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(doc); err != nil {
		t.Fatal(err)
	}
	r, err := portfolio.ParseRun(doc.Tenant.DisplayName, buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func runs(t testing.TB) ([]portfolio.Run, time.Time) {
	prev := run(t, func(m *snapshot.Manifest, d m365audit.Datasets) {
		m.CollectedAt = m.CollectedAt.Add(-30 * 24 * time.Hour)
		d.Object(snapshot.DSExoTransportConfig)["SmtpClientAuthenticationDisabled"] = true
	})
	cur := run(t, nil)
	stale := run(t, func(m *snapshot.Manifest, d m365audit.Datasets) {
		d.SetTenant(m, "22222222-2222-4222-8222-222222222222", "Old Client")
		m.CollectedAt = m.CollectedAt.Add(-90 * 24 * time.Hour)
	})
	evil := run(t, func(m *snapshot.Manifest, d m365audit.Datasets) {
		d.SetTenant(m, "33333333-3333-4333-8333-333333333333", hostile)
		m.Incident = nil
		d.Object(snapshot.DSAuthorizationPolicy)["allowInvitesFrom"] = "adminsAndGuestInviters"
	})
	return []portfolio.Run{cur, stale, prev, evil}, cur.Doc.CollectedAt.Add(24 * time.Hour)
}

func TestBuild(t *testing.T) {
	rs, now := runs(t)
	d, err := portfolio.Build(rs, portfolio.Options{GeneratedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Tenants) != 3 || d.Summary.Tenants != 3 || d.Summary.Stale != 1 {
		t.Fatalf("tenants %d stale %d", len(d.Tenants), d.Summary.Stale)
	}
	byID := map[string]portfolio.Tenant{}
	for _, tn := range d.Tenants {
		byID[tn.ID] = tn
	}
	contoso := byID[rs[0].Doc.Tenant.ID]
	if contoso.Score != rs[0].Doc.Score.Percent || contoso.PreviousScore == nil || *contoso.PreviousScore != rs[2].Doc.Score.Percent {
		t.Errorf("contoso score %v previous %v, want %v and %v", contoso.Score, contoso.PreviousScore, rs[0].Doc.Score.Percent, rs[2].Doc.Score.Percent)
	}
	if contoso.Runs != 2 || contoso.Regressed < 1 || contoso.Trend() != "down" || !contoso.Incident {
		t.Errorf("contoso: runs %d fixed %d regressed %d trend %s incident %v", contoso.Runs, contoso.Fixed, contoso.Regressed, contoso.Trend(), contoso.Incident)
	}
	old := byID["22222222-2222-4222-8222-222222222222"]
	if !old.Stale || old.AgeDays < 90 || old.PreviousScore != nil {
		t.Errorf("old client: stale %v age %d", old.Stale, old.AgeDays)
	}
	evil := byID["33333333-3333-4333-8333-333333333333"]
	if evil.Incident || evil.Score != rs[3].Doc.Score.Percent {
		t.Errorf("evil: incident %v score %v", evil.Incident, evil.Score)
	}
	// The average leaves the stale tenant out.
	want := (contoso.Score + evil.Score) / 2
	if d.Summary.AverageScore == nil || abs(*d.Summary.AverageScore-want) > 0.051 {
		t.Errorf("average %v, want %.1f", d.Summary.AverageScore, want)
	}
	// Worst first.
	for i := 1; i < len(d.Tenants); i++ {
		if d.Tenants[i-1].Score > d.Tenants[i].Score {
			t.Errorf("not sorted worst first: %v", d.Tenants)
		}
	}
	// Checks count current, non-stale runs only.
	for _, c := range d.Checks {
		for _, id := range c.Tenants {
			if id == old.ID {
				t.Errorf("%s counts the stale tenant", c.ID)
			}
		}
		if c.Failing != len(c.Tenants) || c.Failing > 2 {
			t.Errorf("%s failing %d tenants %v", c.ID, c.Failing, c.Tenants)
		}
	}
	if len(d.Categories) == 0 || len(contoso.Categories) != len(d.Categories) {
		t.Errorf("categories %v / %v", d.Categories, contoso.Categories)
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// TestWriteAllHostile: every format is written and a hostile tenant name
// stays inert in each.
func TestWriteAllHostile(t *testing.T) {
	rs, now := runs(t)
	d, err := portfolio.Build(rs, portfolio.Options{GeneratedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	written, err := portfolio.WriteAll(t.Context(), dir, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != 4 {
		t.Fatalf("written %v", written)
	}
	html, err := os.ReadFile(filepath.Join(dir, portfolio.HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(html, []byte("<script>")) || !bytes.Contains(html, []byte("&lt;script&gt;")) {
		t.Error("hostile name not escaped in HTML")
	}
	if bytes.Contains(html, []byte("http-equiv=\"refresh\"")) || bytes.Contains(html, []byte("src=")) {
		t.Error("HTML loads something")
	}
	x, err := excelize.OpenFile(filepath.Join(dir, portfolio.WorkbookFile))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for _, sheet := range []string{"Tenants", "Heat map"} {
		rows, err := x.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for i, row := range rows {
			if len(row) > 0 && row[0] == hostile {
				found = true
				cell, _ := excelize.CoordinatesToCellName(1, i+1)
				if f, _ := x.GetCellFormula(sheet, cell); f != "" {
					t.Errorf("%s!%s is a formula: %s", sheet, cell, f)
				}
			}
		}
		if !found {
			t.Errorf("%s: hostile tenant name not stored verbatim", sheet)
		}
	}
	pdfBytes, err := os.ReadFile(filepath.Join(dir, portfolio.PDFFile))
	if err != nil || !bytes.HasPrefix(pdfBytes, []byte("%PDF")) {
		t.Fatalf("pdf: %v", err)
	}
	var back portfolio.Document
	raw, _ := os.ReadFile(filepath.Join(dir, portfolio.JSONFile))
	if err := json.Unmarshal(raw, &back); err != nil || back.SchemaVersion != 1 || len(back.Tenants) != 3 {
		t.Fatalf("portfolio.json: %v", err)
	}
	if !strings.Contains(string(raw), `"previousScore": null`) {
		t.Error("a tenant without a previous run should have previousScore null")
	}
}

func TestLoadRunErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := portfolio.LoadRun(dir); err == nil {
		t.Error("empty directory accepted")
	}
	p := filepath.Join(dir, "x.json")
	os.WriteFile(p, []byte(`{"schemaVersion":1}`), 0o600)
	if _, err := portfolio.LoadRun(p); err == nil {
		t.Error("document without results accepted")
	}
	if _, err := portfolio.Build(nil, portfolio.Options{}); err == nil {
		t.Error("no runs accepted")
	}
}

// TestTenantsCells: the Tenants sheet's "Last collected" is a date cell in
// the report workbook's date format and "Change" a signed number cell; the
// HTML Incident column says "OPEN" or "none" for every tenant.
func TestTenantsCells(t *testing.T) {
	rs, now := runs(t)
	d, err := portfolio.Build(rs, portfolio.Options{GeneratedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	var xb bytes.Buffer
	if err := portfolio.WriteXLSX(&xb, d); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&xb)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, tn := range d.Tenants {
		r := i + 2
		t.Run(tn.ID, func(t *testing.T) {
			// Last collected (P): a serial date shown as yyyy-mm-dd hh:mm "UTC".
			raw, err := f.GetCellValue("Tenants", fmt.Sprintf("P%d", r), excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			serial, err := strconv.ParseFloat(raw, 64)
			if err != nil {
				t.Fatalf("Last collected %q is not a number", raw)
			}
			if got, err := excelize.ExcelDateToTime(serial, false); err != nil || got.Sub(tn.CollectedAt).Abs() > time.Second {
				t.Errorf("Last collected serial %v = %v, want %v", serial, got, tn.CollectedAt)
			}
			shown, _ := f.GetCellValue("Tenants", fmt.Sprintf("P%d", r))
			if want := tn.CollectedAt.UTC().Format("2006-01-02 15:04") + " UTC"; shown != want {
				t.Errorf("Last collected shown %q, want %q", shown, want)
			}
			// Change (E): a number with a sign, or "first run".
			raw, _ = f.GetCellValue("Tenants", fmt.Sprintf("E%d", r), excelize.Options{RawCellValue: true})
			shown, _ = f.GetCellValue("Tenants", fmt.Sprintf("E%d", r))
			if tn.PreviousScore == nil {
				if raw != "first run" {
					t.Errorf("Change %q, want first run", raw)
				}
				return
			}
			v, err := strconv.ParseFloat(raw, 64)
			if err != nil || abs(v-tn.Delta()) > 0.051 {
				t.Errorf("Change raw %q, want the number %.1f", raw, tn.Delta())
			}
			if shown != portfolio.DeltaText(tn) {
				t.Errorf("Change shown %q, want %q", shown, portfolio.DeltaText(tn))
			}
		})
	}
	var hb bytes.Buffer
	if err := portfolio.WriteHTML(&hb, d); err != nil {
		t.Fatal(err)
	}
	html := hb.String()
	open, none := 0, 0
	for _, tn := range d.Tenants {
		if tn.Incident {
			open++
		} else {
			none++
		}
	}
	if open == 0 || none == 0 {
		t.Fatalf("fixture needs both: %d open, %d none", open, none)
	}
	if got := strings.Count(html, `<span class="badge">OPEN</span>`); got != open {
		t.Errorf("HTML shows OPEN %d times, want %d", got, open)
	}
	if got := strings.Count(html, "<td>none</td>"); got != none {
		t.Errorf("HTML shows none %d times, want %d", got, none)
	}
}
