package snapshot

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestListWriterMatchesWriteList: streaming gives the bytes, count and hash
// WriteList gives for the same objects; a checkpoint resumed after more
// objects were written (and lost) ends with the same file again.
func TestListWriterMatchesWriteList(t *testing.T) {
	items := []json.RawMessage{json.RawMessage(` {"id":"1","n":"山田"} `), json.RawMessage(`{"id":"2"}`), json.RawMessage(`[1,2]`), json.RawMessage(`"x"`)}
	for _, n := range []int{0, 1, len(items)} {
		a, b := t.TempDir(), t.TempDir()
		wa, _ := Create(a, Manifest{})
		if err := wa.WriteList("users", items[:n], DatasetInfo{}); err != nil {
			t.Fatal(err)
		}
		wb, _ := Create(b, Manifest{})
		lw, err := wb.StartList("users")
		if err != nil {
			t.Fatal(err)
		}
		var cp Checkpoint
		for i, it := range items[:n] {
			if err := lw.Add(it); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				if cp, err = lw.EndPage("next"); err != nil {
					t.Fatal(err)
				}
			}
		}
		if n > 1 {
			// Interrupted after the first page: resume from its checkpoint.
			lw.Suspend(&cp, DatasetInfo{})
			if lw, err = wb.ResumeList("users", cp); err != nil {
				t.Fatal(err)
			}
			for _, it := range items[1:n] {
				if err := lw.Add(it); err != nil {
					t.Fatal(err)
				}
			}
		}
		got, err := lw.Commit(DatasetInfo{})
		if err != nil {
			t.Fatal(err)
		}
		want := wa.Manifest().Datasets["users"]
		if got.SHA256 != want.SHA256 || got.Count != want.Count || got.Count != n {
			t.Errorf("n=%d: streamed %d %s, WriteList %d %s", n, got.Count, got.SHA256, want.Count, want.SHA256)
		}
		x, _ := os.ReadFile(filepath.Join(a, "users.json"))
		y, _ := os.ReadFile(filepath.Join(b, "users.json"))
		if string(x) != string(y) {
			t.Errorf("n=%d: files differ:\n%s\n%s", n, x, y)
		}
		if _, err := os.Stat(filepath.Join(b, PartialName("users"))); !os.IsNotExist(err) {
			t.Errorf("partial file left: %v", err)
		}
	}
	// An object that is not JSON is refused.
	w, _ := Create(t.TempDir(), Manifest{})
	lw, _ := w.StartList("x")
	if err := lw.Add([]byte(`{"id":`)); err == nil {
		t.Error("invalid JSON accepted")
	}
	lw.Abort()
}
