package snapshot

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestCountArrayMatchesDecoding(t *testing.T) {
	for _, in := range []string{
		`[]`, ` [ ] `, "\n[\n]\n", `[1]`, `[{}]`, `[[]]`, `[[],[]]`, `[null,true,false]`,
		`[{"a":[1,2,{"b":"],["}]},{"c":"\"],["},"x\\"]`,
		`["\\\\",  "\\\"" , {"k":"v,v"}]`,
		`[{"displayName":"=HYPERLINK(\"x\")","tags":["a","b"]},{"n":"中文 ‏"}]`,
		` [0.5e3 , -1 ]`,
	} {
		var items []json.RawMessage
		if err := json.Unmarshal([]byte(in), &items); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		n, ok := countArray([]byte(in))
		if !ok || n != len(items) {
			t.Errorf("countArray(%s) = %d, %v; decoding finds %d", in, n, ok, len(items))
		}
	}
	for _, in := range []string{`{}`, `null`, `"[1,2]"`, ``, `[1,2`} {
		if n, ok := countArray([]byte(in)); ok {
			t.Errorf("countArray(%q) = %d, true; want not an array", in, n)
		}
	}
}

func TestReadBoundedExactAndLying(t *testing.T) {
	body := []byte(`[` + strings.Repeat(`{"id":"x"},`, 1000) + `{}]`)
	fsys := fstest.MapFS{"a.json": {Data: body}}
	got, err := readBounded(fsys, "a.json", 1<<20)
	if err != nil || string(got) != string(body) {
		t.Fatalf("readBounded: %v (len %d, want %d)", err, len(got), len(body))
	}
	if _, err := readBounded(fsys, "a.json", int64(len(body)-1)); err == nil {
		t.Fatal("a file over the limit was read")
	}
	// A file that grows past its stated size is still read whole, and a
	// file that ends early is read as it is.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "b.json"), body, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err = readBounded(os.DirFS(dir), "b.json", 1<<20)
	if err != nil || string(got) != string(body) {
		t.Fatalf("readBounded dir: %v", err)
	}
}

func TestListPresizedDecodesLikeUnsized(t *testing.T) {
	raw := []byte(`[{"id":"1","displayName":"a"},{"id":"2"},{"id":"3","displayName":"c"}]`)
	s := FromFiles(Manifest{}, map[string][]byte{DSUsers: raw})
	s.counts = map[string]int{DSUsers: 3}
	got, err := s.Users()
	if err != nil {
		t.Fatal(err)
	}
	var want []User
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[1].DisplayName != "" || got[2].DisplayName != want[2].DisplayName || got[2].ID != "3" {
		t.Fatalf("presized decode differs: %+v", got)
	}
}

func TestStringListMixedArrayKeepsElementPath(t *testing.T) {
	var row struct{ L, M, E StringList }
	in := `{"L":["a",{"k":1},2,null],"M":["x","y"],"E":[]}`
	if err := json.Unmarshal([]byte(in), &row); err != nil {
		t.Fatal(err)
	}
	want := []string{"a", `{"k":1}`, "2", ""}
	if strings.Join(row.L, "|") != strings.Join(want, "|") {
		t.Errorf("mixed list = %q, want %q", row.L, want)
	}
	if strings.Join(row.M, "|") != "x|y" || row.E == nil || len(row.E) != 0 {
		t.Errorf("string lists = %q %#v", row.M, row.E)
	}
}

func TestLargeDatasetReadAgainAndVerified(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "snap")
	w, err := Create(dir, Manifest{Tool: Tool{Name: "m365audit", Version: "test"}, Cloud: "global"})
	if err != nil {
		t.Fatal(err)
	}
	var items []json.RawMessage
	for i := 0; len(items) < 30000; i++ {
		items = append(items, json.RawMessage(`{"id":"u`+strings.Repeat("x", 40)+`","displayName":"=HYPERLINK(\"a\") 中文"}`))
	}
	if err := w.WriteList(DSUsers, items, DatasetInfo{Status: StatusOK}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	s, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, kept := s.files[DSUsers]; kept {
		t.Fatal("a dataset over the threshold is kept in memory")
	}
	users, err := s.Users()
	if err != nil || len(users) != len(items) || users[0].DisplayName != `=HYPERLINK("a") 中文` {
		t.Fatalf("users: %v (%d)", err, len(users))
	}
	// Changed on disk after it was verified: refused, never decoded.
	name := filepath.Join(dir, s.Manifest.Datasets[DSUsers].File)
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-3] = ' '
	if err := os.WriteFile(name, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Raw(DSUsers); !errors.Is(err, ErrIntegrity) {
		t.Fatalf("changed file: err = %v, want ErrIntegrity", err)
	}
}
