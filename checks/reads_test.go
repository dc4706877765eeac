package checks

import (
	"io/fs"
	"reflect"
	"sort"
	"testing"

	m365audit "github.com/m365audit/m365audit"
	"github.com/m365audit/m365audit/collectors/snapshot"
)

// sampleFiles returns the embedded Contoso sample: its manifest and every
// dataset file it holds.
func sampleFiles(t *testing.T) (snapshot.Manifest, map[string][]byte) {
	t.Helper()
	fsys, err := m365audit.SampleTenant()
	if err != nil {
		t.Fatal(err)
	}
	snap, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for id, info := range snap.Manifest.Datasets {
		if !info.Status.HasData() {
			continue
		}
		b, err := fs.ReadFile(fsys, info.File)
		if err != nil {
			t.Fatal(err)
		}
		files[id] = b
	}
	return snap.Manifest, files
}

// without returns the sample with one dataset not collected.
func without(m snapshot.Manifest, files map[string][]byte, id string) *snapshot.Snapshot {
	m2 := m
	m2.Datasets = map[string]snapshot.DatasetInfo{}
	f2 := map[string][]byte{}
	for k, v := range m.Datasets {
		m2.Datasets[k] = v
	}
	for k, v := range files {
		if k != id {
			f2[k] = v
		}
	}
	if id != "" {
		m2.Datasets[id] = snapshot.DatasetInfo{Status: snapshot.StatusForbidden, Reason: "removed by the test"}
	}
	return snapshot.FromFiles(m2, f2)
}

// TestChecksReadOnlyWhatTheyDeclare runs every check over the sample
// tenant, then over the sample with each dataset removed in turn. A check
// fails the test when it reads a dataset it does not declare (Datasets or
// AlsoReads), or when it passes although a dataset it read was not
// collected (a false pass: it judged missing data as empty).
func TestChecksReadOnlyWhatTheyDeclare(t *testing.T) {
	m, files := sampleFiles(t)
	inc := IncidentFrom(m.CollectedAt, m.Incident)
	if inc == nil {
		t.Fatal("the sample has no incident; the incident checks would not run")
	}
	removals := []string{""}
	for id := range m.Datasets {
		removals = append(removals, id)
	}
	sort.Strings(removals)
	undeclared := map[string]map[string]bool{}
	for _, removed := range removals {
		snap := without(m, files, removed)
		ctx := NewContext(snap, nil, m.CollectedAt, DetectLicences(snap), inc, nil)
		for _, c := range All() {
			r := RunCheck(c, ctx)
			declared := map[string]bool{}
			for _, d := range c.AllDatasets() {
				declared[d] = true
			}
			for _, d := range ctx.readDatasets() {
				if !declared[d] {
					if undeclared[c.ID] == nil {
						undeclared[c.ID] = map[string]bool{}
					}
					undeclared[c.ID][d] = true
				}
				if removed != "" && d == removed && r.Status == StatusPass && !ctx.without[d] {
					t.Errorf("%s passes although dataset %s, which it read, was not collected: %s", c.ID, d, r.Summary)
				}
			}
			if r.Status == StatusError {
				t.Errorf("%s errored with %s removed: %s", c.ID, removed, r.Summary)
			}
			ctx.reads, ctx.without = nil, nil
		}
	}
	for _, id := range sortedKeysOf(undeclared) {
		t.Errorf("%s reads %v without declaring them (Datasets or AlsoReads)", id, sortedKeys(undeclared[id]))
	}
}

func sortedKeysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestContextReadsRecordTheirDataset proves each dataset method of Context
// records the dataset its snapshot accessor reads: over an empty snapshot
// every accessor fails naming its dataset, which must be the one recorded.
func TestContextReadsRecordTheirDataset(t *testing.T) {
	snap := snapshot.FromFiles(snapshot.Manifest{Datasets: map[string]snapshot.DatasetInfo{}}, nil)
	ctx := NewContext(snap, nil, testNow, Licences{}, nil, nil)
	v := reflect.ValueOf(ctx)
	n := 0
	for i := 0; i < v.NumMethod(); i++ {
		mt := v.Type().Method(i)
		if mt.Type.NumIn() != 1 || mt.Type.NumOut() != 2 || mt.Type.Out(1).String() != "error" {
			continue
		}
		n++
		ctx.startCheck()
		out := v.Method(i).Call(nil)
		err, _ := out[1].Interface().(error)
		nc, ok := err.(*snapshot.NotCollectedError)
		if !ok {
			t.Errorf("%s: error %v, want not collected", mt.Name, err)
			continue
		}
		if got := ctx.readDatasets(); len(got) != 1 || got[0] != nc.Dataset {
			t.Errorf("%s reads %s but records %v", mt.Name, nc.Dataset, got)
		}
	}
	if n < 30 {
		t.Errorf("only %d dataset methods found", n)
	}
}
