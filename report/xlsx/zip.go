package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
)

const contentTypesFile = "[Content_Types].xml"

// contentTypes is [Content_Types].xml.
type contentTypes struct {
	XMLName   xml.Name     `xml:"http://schemas.openxmlformats.org/package/2006/content-types Types"`
	Defaults  []ctDefault  `xml:"Default"`
	Overrides []ctOverride `xml:"Override"`
}

type ctDefault struct {
	Extension   string `xml:"Extension,attr"`
	ContentType string `xml:"ContentType,attr"`
}

type ctOverride struct {
	PartName    string `xml:"PartName,attr"`
	ContentType string `xml:"ContentType,attr"`
}

// canonicalZip rewrites the package excelize produced so equal workbooks are
// equal bytes: excelize emits parts (and content-type overrides) in map
// order. Parts are copied without recompression, [Content_Types].xml first
// and the rest by name.
func canonicalZip(data []byte, w io.Writer) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("xlsx: reread package: %w", err)
	}
	files := append([]*zip.File(nil), zr.File...)
	sort.SliceStable(files, func(i, j int) bool {
		a, b := files[i].Name, files[j].Name
		if (a == contentTypesFile) != (b == contentTypesFile) {
			return a == contentTypesFile
		}
		return a < b
	})
	zw := zip.NewWriter(w)
	for _, f := range files {
		if f.Name != contentTypesFile {
			if err := zw.Copy(f); err != nil {
				return fmt.Errorf("xlsx: package %s: %w", f.Name, err)
			}
			continue
		}
		ct, err := sortedContentTypes(f)
		if err != nil {
			return err
		}
		out, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
		if err != nil {
			return fmt.Errorf("xlsx: package %s: %w", f.Name, err)
		}
		if _, err := out.Write(ct); err != nil {
			return fmt.Errorf("xlsx: package %s: %w", f.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("xlsx: package: %w", err)
	}
	return nil
}

func sortedContentTypes(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("xlsx: package %s: %w", f.Name, err)
	}
	defer rc.Close()
	var ct contentTypes
	if err := xml.NewDecoder(rc).Decode(&ct); err != nil {
		return nil, fmt.Errorf("xlsx: package %s: %w", f.Name, err)
	}
	if len(ct.Overrides) == 0 {
		return nil, fmt.Errorf("xlsx: package %s: no parts listed", f.Name)
	}
	sort.SliceStable(ct.Defaults, func(i, j int) bool { return ct.Defaults[i].Extension < ct.Defaults[j].Extension })
	sort.SliceStable(ct.Overrides, func(i, j int) bool { return ct.Overrides[i].PartName < ct.Overrides[j].PartName })
	body, err := xml.Marshal(ct)
	if err != nil {
		return nil, fmt.Errorf("xlsx: package %s: %w", f.Name, err)
	}
	return append([]byte(xml.Header), body...), nil
}
