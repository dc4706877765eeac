package exchange

import (
	"strings"
	"testing"
)

// TestScanPage: rows are the raw elements of "value" (hostile strings
// kept whole), warnings and the next link are read, names match
// case-insensitively as encoding/json matched them, and a body that is
// not JSON, a "value" that is not an array or a missing/null "value" are
// told apart from an empty page.
func TestScanPage(t *testing.T) {
	cases := []struct {
		name     string
		body     string
		rows     []string
		hasValue bool
		warnings int
		next     string
		err      string
	}{
		{"rows, warnings, next", `{"@odata.context":"c","@adminapi.warnings":["w1",{"m":"w2"}],"value":[{"Name":"'; Remove-Mailbox x","Alias":"=HYPERLINK(\"y\")"},{"Name":"<script>"}],"@odata.nextLink":"https://h/x?$skiptoken=a\u0026b"}`,
			[]string{`{"Name":"'; Remove-Mailbox x","Alias":"=HYPERLINK(\"y\")"}`, `{"Name":"<script>"}`}, true, 2, "https://h/x?$skiptoken=a&b", ""},
		{"empty page", `{"value":[]}`, nil, true, 0, "", ""},
		{"names in another case", `{"Value":[1],"@Odata.NextLink":"n"}`, []string{"1"}, true, 0, "n", ""},
		{"null value", `{"value":null}`, nil, false, 0, "", ""},
		{"no value", `{"error":"x"}`, nil, false, 0, "", ""},
		{"value not an array", `{"value":{"a":1}}`, nil, false, 0, "", "not an array"},
		{"not JSON", `{"value":[{"a":1}]`, nil, false, 0, "", "invalid JSON"},
		{"not an object", `[{"a":1}]`, nil, false, 0, "", "not a JSON object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := scanPage([]byte(tc.body))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.hasValue != tc.hasValue || len(p.Value) != len(tc.rows) || len(p.Warnings) != tc.warnings || p.NextLink != tc.next {
				t.Fatalf("page %+v", p)
			}
			for i, r := range tc.rows {
				if string(p.Value[i]) != r {
					t.Errorf("row %d = %s, want %s", i, p.Value[i], r)
				}
			}
		})
	}
}
