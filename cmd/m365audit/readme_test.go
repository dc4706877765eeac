package main

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/m365audit/m365audit/collectors/snapshot"
)

var updateREADME = flag.Bool("update-readme", false, "rewrite the README's generated catalogue")

// TestREADMEIsCurrent keeps the README's generated parts honest: the check
// catalogue is exactly what `m365audit checks --format markdown` prints,
// and every dataset of the registry has a row with its permission.
func TestREADMEIsCurrent(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	const begin, end = "<!-- BEGIN CATALOGUE", "<!-- END CATALOGUE -->"
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatal("README has no catalogue markers")
	}
	section := readme[i:j]
	section = section[strings.Index(section, "\n")+1:]
	var b strings.Builder
	if err := writeCatalog(&b, "markdown"); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(section) != strings.TrimSpace(b.String()) {
		if *updateREADME {
			head := readme[:i+strings.Index(readme[i:], "\n")+1]
			readme = head + b.String() + readme[j:]
			if err := os.WriteFile("../../README.md", []byte(readme), 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			t.Errorf("README catalogue is stale: run go test ./cmd/m365audit -run README -update-readme")
		}
	}
	for _, s := range snapshot.Specs() {
		row := "| `" + s.ID + "`"
		k := strings.Index(readme, row)
		if k < 0 {
			t.Errorf("README permissions table has no row for dataset %s", s.ID)
			continue
		}
		line := readme[k : k+strings.Index(readme[k:], "\n")]
		if !strings.Contains(line, s.Permission) {
			t.Errorf("README row for %s does not name its permission %q: %s", s.ID, s.Permission, line)
		}
	}
}

// TestREADMENamesEveryCollectFlag: every flag of `collect` is named in the
// README (as `--name`), so a new flag cannot ship undocumented.
func TestREADMENamesEveryCollectFlag(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	cmd := newCollectCmd(newGlobalOptions(&strings.Builder{}, &strings.Builder{}))
	n := 0
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		n++
		if !strings.Contains(readme, "--"+f.Name) {
			t.Errorf("README does not name collect --%s (%s)", f.Name, f.Usage)
		}
	})
	if n < 10 {
		t.Fatalf("collect has %d flags; the command was not built", n)
	}
}
