package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// TestAuditBaseline: --baseline adds "changes" to results.json (the diff
// document without its schemaVersion) and a Changes sheet to the workbook;
// without it neither appears.
func TestAuditBaseline(t *testing.T) {
	old := writeSnapshot(t, func(m *snapshot.Manifest, d m365audit.Datasets) {
		d.Object(snapshot.DSAuthorizationPolicy)["allowInvitesFrom"] = "adminsAndGuestInviters"
	})
	cur := writeSnapshot(t, func(m *snapshot.Manifest, d m365audit.Datasets) {
		d.Object(snapshot.DSExoTransportConfig)["SmtpClientAuthenticationDisabled"] = true
	})
	plain, with := filepath.Join(t.TempDir(), "plain"), filepath.Join(t.TempDir(), "with")
	if code, _, stderr := cli(t, "audit", cur, "--out", plain); code != 0 {
		t.Fatalf("audit: %d %s", code, stderr)
	}
	if code, _, stderr := cli(t, "audit", cur, "--out", with, "--baseline", old); code != 0 {
		t.Fatalf("audit --baseline: %d %s", code, stderr)
	}
	read := func(dir string) map[string]json.RawMessage {
		raw, err := os.ReadFile(filepath.Join(dir, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	if _, ok := read(plain)["changes"]; ok {
		t.Error("changes without a baseline")
	}
	var ch struct {
		SchemaVersion *int `json:"schemaVersion"`
		Counts        struct{ Fixed, Regressed, ObjectsModified int }
		Checks        []struct{ ID, Change string }
	}
	if err := json.Unmarshal(read(with)["changes"], &ch); err != nil {
		t.Fatal(err)
	}
	if ch.SchemaVersion != nil || ch.Counts.Fixed != 1 || ch.Counts.Regressed != 1 || ch.Counts.ObjectsModified != 2 {
		t.Errorf("changes: %+v", ch)
	}
	sheets := func(dir string) []string {
		f, err := excelize.OpenFile(filepath.Join(dir, "report.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if slices.Contains(f.GetSheetList(), "Changes") {
			rows, err := f.GetRows("Changes")
			if err != nil {
				t.Fatal(err)
			}
			var flat []string
			for _, r := range rows {
				flat = append(flat, strings.Join(r, "|"))
			}
			all := strings.Join(flat, "\n")
			for _, want := range []string{"check|fixed|EXO-PROTO-001", "check|regressed|ENTRA-EXT-001", "object|modified|", "allowInvitesFrom: adminsAndGuestInviters -> everyone"} {
				if !strings.Contains(all, want) {
					t.Errorf("Changes sheet lacks %q:\n%s", want, all)
				}
			}
		}
		return f.GetSheetList()
	}
	if slices.Contains(sheets(plain), "Changes") {
		t.Error("Changes sheet without a baseline")
	}
	if !slices.Contains(sheets(with), "Changes") {
		t.Error("no Changes sheet with a baseline")
	}
	// Another tenant as baseline is refused.
	other := writeSnapshot(t, func(m *snapshot.Manifest, d m365audit.Datasets) {
		d.SetTenant(m, "99999999-9999-4999-8999-999999999999", "Other")
	})
	if code, _, stderr := cli(t, "audit", cur, "--baseline", other); code != 1 || !strings.Contains(stderr, "different tenants") {
		t.Errorf("other tenant baseline: exit %d %s", code, stderr)
	}
}
