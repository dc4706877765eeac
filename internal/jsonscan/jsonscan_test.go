package jsonscan

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestMembers: each member's name (escapes decoded) and raw value bytes,
// in order; malformed objects are refused.
func TestMembers(t *testing.T) {
	cases := []struct {
		name string
		body string
		want []string // name=value
		err  string
	}{
		{"members in order", ` {"a": 1, "v\u0061lue" : [ {"x":"]}\"{"} ,2], "n":null, "s":"x,y"} `,
			[]string{`a=1`, `value=[ {"x":"]}\"{"} ,2]`, `n=null`, `s="x,y"`}, ""},
		{"empty", `{}`, nil, ""},
		{"not an object", `[1]`, nil, "not a JSON object"},
		{"missing colon", `{"a" 1}`, nil, "missing ':'"},
		{"missing comma", `{"a":1 "b":2}`, nil, "missing ','"},
		{"truncated", `{"a":[1,2`, nil, "unterminated"},
		{"unterminated object", `{"a":1,`, nil, "truncated"},
		{"trailing data", `{"a":1} {}`, nil, "after the object"},
		{"unterminated name", `{"a`, nil, "unterminated string"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			err := Members([]byte(tc.body), func(name string, val []byte) error {
				got = append(got, name+"="+string(val))
				return nil
			})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("members %q, want %q", got, tc.want)
			}
		})
	}
}

// TestArray: the elements as written, hostile strings kept whole.
func TestArray(t *testing.T) {
	body := `[ {"n":"'; Remove-MgUser"} , "=HYPERLINK(\"x\")", 3 ,{"a":[1,{"b":"<script>"}]} ]`
	items, end, err := Array([]byte(body), 0)
	if err != nil || end != len(body) || len(items) != 4 {
		t.Fatalf("items %q end %d err %v", items, end, err)
	}
	for _, it := range items {
		if !json.Valid(it) {
			t.Errorf("element %q is not a whole JSON value", it)
		}
	}
	for _, bad := range []string{`[1,`, `[1 2]`, `["x]`} {
		if _, _, err := Array([]byte(bad), 0); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
