package graph

import (
	"strings"
	"testing"
)

func TestScanPage(t *testing.T) {
	cases := []struct {
		name  string
		body  string
		items []string
		next  string
		count int64
		err   string
	}{
		{"items and next", `{"@odata.context":"x","@odata.nextLink":"https://h/v1.0/users?$skiptoken=a\u0026b","value":[{"id":"1","s":"a]}\"{"},{"id":"2","n":[1,{"x":[]}]}]}`,
			[]string{`{"id":"1","s":"a]}\"{"}`, `{"id":"2","n":[1,{"x":[]}]}`}, "https://h/v1.0/users?$skiptoken=a&b", -1, ""},
		{"value first, count, spaces", " {\n \"value\" : [ 1 , \"two\" , null ] , \"@odata.count\": 42 }\n", []string{"1", `"two"`, "null"}, "", 42, ""},
		{"empty value", `{"value":[]}`, []string{}, "", -1, ""},
		{"escaped key", `{"val\u0075e":[{}]}`, []string{"{}"}, "", -1, ""},
		{"no value", `{"id":"x"}`, nil, "", -1, `no "value"`},
		{"value not array", `{"value":{}}`, nil, "", -1, "not an array"},
		{"truncated", `{"value":[{"id":"1"},{"id":`, nil, "", -1, ""},
		{"not an object", `[1]`, nil, "", -1, "not a JSON object"},
		{"unterminated string", `{"value":["abc]}`, nil, "", -1, "unterminated"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ScanPage([]byte(tc.body))
			if tc.items == nil {
				if err == nil || (tc.err != "" && !strings.Contains(err.Error(), tc.err)) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) != len(tc.items) {
				t.Fatalf("items %q", p.Items)
			}
			for i := range p.Items {
				if string(p.Items[i]) != tc.items[i] {
					t.Errorf("item %d = %s, want %s", i, p.Items[i], tc.items[i])
				}
			}
			if p.Next != tc.next || p.Count != tc.count {
				t.Errorf("next %q count %d", p.Next, p.Count)
			}
		})
	}
}
