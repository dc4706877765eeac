package portfolio

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Output file names.
const (
	JSONFile     = "portfolio.json"
	WorkbookFile = "portfolio.xlsx"
	PDFFile      = "portfolio.pdf"
	HTMLFile     = "portfolio.html"
)

// WriteAll writes portfolio.json, portfolio.xlsx, portfolio.pdf and
// portfolio.html into dir (created if needed) and returns their paths.
// Each file is written to a temporary file and renamed, so a failed run
// leaves no half-written output.
func WriteAll(ctx context.Context, dir string, d *Document) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create output directory: %w", err)
	}
	outputs := []struct {
		name  string
		write func(io.Writer) error
	}{
		{JSONFile, func(w io.Writer) error { return WriteJSON(w, d) }},
		{WorkbookFile, func(w io.Writer) error { return WriteXLSX(w, d) }},
		{PDFFile, func(w io.Writer) error { return WritePDF(w, d) }},
		{HTMLFile, func(w io.Writer) error { return WriteHTML(w, d) }},
	}
	var written []string
	for _, o := range outputs {
		if err := ctx.Err(); err != nil {
			return written, err
		}
		p := filepath.Join(dir, o.name)
		if err := writeFileAtomic(p, o.write); err != nil {
			return written, err
		}
		written = append(written, p)
	}
	return written, nil
}

func writeFileAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	if err := write(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
