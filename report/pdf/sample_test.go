package pdf

import (
	"bytes"
	"os"
	"testing"
)

// TestWriteSample renders the phished-tenant story to a file for a person
// to look at: go test ./report/pdf -run TestWriteSample -sample /tmp/pdf-sample.pdf
func TestWriteSample(t *testing.T) {
	path := os.Getenv("PDF_SAMPLE")
	if path == "" {
		t.Skip("set PDF_SAMPLE=/tmp/pdf-sample.pdf to write the sample")
	}
	var buf bytes.Buffer
	if err := Write(t.Context(), &buf, phishedDoc(), nil, Options{Compress: true}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
