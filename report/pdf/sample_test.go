package pdf

import (
	"bytes"
	"os"
	"testing"

	"github.com/m365audit/m365audit/checks"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// TestWriteSample renders the phished-tenant story (and the hostile-names
// variant) to files for a person to look at:
//
//	PDF_SAMPLE=/tmp/pdf-sample.pdf go test ./report/pdf -run TestWriteSample
func TestWriteSample(t *testing.T) {
	path := os.Getenv("PDF_SAMPLE")
	if path == "" {
		t.Skip("set PDF_SAMPLE=/tmp/pdf-sample.pdf to write the sample")
	}
	for p, doc := range map[string]func() []byte{
		path:                  func() []byte { return renderCompressed(t, phishedDoc()) },
		path + ".hostile.pdf": func() []byte { return renderCompressed(t, hostileDoc()) },
		path + ".stress.pdf":  func() []byte { return renderCompressed(t, stressDoc()) },
		path + ".empty.pdf": func() []byte {
			return renderCompressed(t, &checks.Document{GeneratedAt: generated, Tenant: snapshot.Tenant{DisplayName: "Empty"}})
		},
	} {
		if err := os.WriteFile(p, doc(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func renderCompressed(t *testing.T, d *checks.Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(t.Context(), &buf, buildModel(t, d, nil), Options{Compress: true}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
