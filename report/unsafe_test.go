package report

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/report/model"
)

// TestScriptsFromUntrustedSnapshot: from a tampered or incomplete snapshot
// the reports are written and the scripts that change the tenant are not;
// with AllowUnsafeScripts they are, each behind a banner and a throw.
func TestScriptsFromUntrustedSnapshot(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, ev := range []checks.Evidence{{Tampered: true}, {Incomplete: true}} {
		doc, snap := contoso(t)
		doc.Evidence = ev
		dir := t.TempDir()
		res, err := Default().WriteDir(t.Context(), dir, nil, &Input{Doc: doc, Snap: snap, Opt: Options{ToolVersion: "test", Log: quiet}})
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(res.ScriptsRefused, model.ErrUntrustedScripts) {
			t.Errorf("%+v: scripts not reported refused: %v", ev, res.ScriptsRefused)
		}
		for _, f := range res.Written {
			if strings.HasSuffix(f, ".ps1") {
				t.Errorf("%+v: %s written from an untrusted snapshot", ev, filepath.Base(f))
			}
		}
		if _, err := os.Stat(filepath.Join(dir, PDFFile)); err != nil {
			t.Errorf("%+v: the PDF must still be written: %v", ev, err)
		}

		dir = t.TempDir()
		res, err = Default().WriteDir(t.Context(), dir, nil, &Input{Doc: doc, Snap: snap, Opt: Options{ToolVersion: "test", AllowUnsafeScripts: true, Log: quiet}})
		if err != nil {
			t.Fatal(err)
		}
		scripts := 0
		for _, f := range res.Written {
			if !strings.HasSuffix(f, ".ps1") {
				continue
			}
			scripts++
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b[:600]), "NOT TRUSTED") || !strings.Contains(string(b), "\nthrow 'This script was generated from a snapshot that is not trusted") {
				t.Errorf("%s: no banner and throw", filepath.Base(f))
			}
		}
		if scripts != 2 || res.ScriptsRefused != nil {
			t.Errorf("%+v with the override: %d scripts, refused %v", ev, scripts, res.ScriptsRefused)
		}
	}
}
