package checks

import (
	"io/fs"
	"maps"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

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
	return snapshotFiles(t, fsys)
}

// snapshotFiles returns a snapshot's manifest and every dataset file it
// holds.
func snapshotFiles(t *testing.T, fsys fs.FS) (snapshot.Manifest, map[string][]byte) {
	t.Helper()
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

// readSample is one sample snapshot the read test runs over, with the
// incident the incident checks are run for.
type readSample struct {
	name  string
	fsys  func() (fs.FS, error)
	users []string // incident users; nil keeps the manifest's incident
}

// readSamples are the samples of TestChecksReadOnlyWhatTheyDeclare. One
// sample is not enough: a check that fails or warns on Contoso for other
// reasons hides a pass it would give over a missing dataset, so the
// hardened tenant and the quiet month after the incident (where most
// checks pass) run too, each with an incident so the incident checks run.
func readSamples() []readSample {
	return []readSample{
		{name: "contoso", fsys: m365audit.SampleTenant},
		{name: "next-month", fsys: func() (fs.FS, error) {
			return m365audit.SampleNextMonth(time.Date(2026, 12, 30, 9, 0, 0, 0, time.UTC))
		}, users: []string{"adele.vance@contoso.com"}},
		{name: "cohowinery", fsys: m365audit.HardenedTenant, users: []string{"tom.becker@cohowinery.com"}},
	}
}

// TestChecksReadOnlyWhatTheyDeclare runs every check over each sample
// tenant, then over the sample with each dataset removed in turn. A check
// fails the test when it reads a dataset it does not declare (Datasets or
// AlsoReads), or when it passes although a dataset it read was not
// collected and it did not record deciding without it (a false pass: it
// judged missing data as empty).
func TestChecksReadOnlyWhatTheyDeclare(t *testing.T) {
	for _, sample := range readSamples() {
		t.Run(sample.name, func(t *testing.T) {
			fsys, err := sample.fsys()
			if err != nil {
				t.Fatal(err)
			}
			m, files := snapshotFiles(t, fsys)
			inc := IncidentFrom(m.CollectedAt, m.Incident)
			if sample.users != nil {
				inc = IncidentFrom(m.CollectedAt, &snapshot.Incident{Users: sample.users, Start: m.CollectedAt.AddDate(0, 0, -20)})
			}
			if inc == nil {
				t.Fatal("no incident; the incident checks would not run")
			}
			checkReads(t, m, files, inc)
		})
	}
}

func checkReads(t *testing.T, m snapshot.Manifest, files map[string][]byte, inc *IncidentInfo) {
	removals := []string{""}
	for id := range m.Datasets {
		removals = append(removals, id)
	}
	sort.Strings(removals)
	undeclared := map[string]map[string]bool{}
	passes := 0
	for _, removed := range removals {
		snap := without(m, files, removed)
		ctx := NewContext(snap, nil, m.CollectedAt, DetectLicences(snap), inc, nil)
		for _, c := range All() {
			r := RunCheck(c, ctx)
			if r.Status == StatusPass {
				passes++
			}
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
				// Any dataset without data counts, not only the removed one:
				// a sample may lack a dataset of its own (next month has no
				// sign-in log).
				if !snap.Info(d).Status.HasData() && r.Status == StatusPass && !ctx.without[d] {
					t.Errorf("%s passes although dataset %s, which it read, was not collected: %s", c.ID, d, r.Summary)
				}
			}
			if r.Status == StatusError {
				t.Errorf("%s errored with %s removed: %s", c.ID, removed, r.Summary)
			}
			ctx.reads, ctx.without = nil, nil
		}
	}
	if passes == 0 {
		t.Error("no check passed on this sample: the test proves nothing over it")
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

// TestIncidentChecksOverMissingLogs is the reviewer's case: the month after
// the incident has neither the sign-in log nor the directory audit log, so
// the incident checks that find owners, consents or the attacker's
// addresses there cannot pass, and say what was not collected.
func TestIncidentChecksOverMissingLogs(t *testing.T) {
	fsys, err := m365audit.SampleNextMonth(time.Date(2026, 12, 30, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	// A routine collection has no incident window, so the incident logs
	// are not collected (as in the demo's next month).
	m, files := snapshotFiles(t, fsys)
	m.Datasets = maps.Clone(m.Datasets)
	for _, ds := range []string{snapshot.DSDirectoryAudits, snapshot.DSSignIns} {
		m.Datasets[ds] = snapshot.DatasetInfo{Status: snapshot.StatusSkipped, Reason: "no incident given"}
		delete(files, ds)
	}
	snap := snapshot.FromFiles(m, files)
	inc := IncidentFrom(snap.Manifest.CollectedAt, &snapshot.Incident{Users: []string{"adele.vance@contoso.com"}, Start: time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)})
	ctx := NewContext(snap, nil, snap.Manifest.CollectedAt, DetectLicences(snap), inc, nil)
	byID := map[string]Check{}
	for _, c := range All() {
		byID[c.ID] = c
	}
	for _, tc := range []struct {
		id, want string
	}{
		{IDIRApp002, "directoryAudits was not collected"},
		{"IR-APP-001", "directory audit log was not collected"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			c, ok := byID[tc.id]
			if !ok {
				t.Fatalf("no check %s", tc.id)
			}
			r := RunCheck(c, ctx)
			if r.Status == StatusPass {
				t.Errorf("%s passes without the log: %s", tc.id, r.Summary)
			}
			if !strings.Contains(r.Summary, tc.want) {
				t.Errorf("%s summary %q does not say %q", tc.id, r.Summary, tc.want)
			}
		})
	}
}

// TestFindingsNameTheirObjects runs every check over the Contoso sample
// (with its incident) and the month after, and fails on any failing or
// warning result that names no affected object: a client acting on a
// finding has to know what to change.
func TestFindingsNameTheirObjects(t *testing.T) {
	next := func() (fs.FS, error) {
		return m365audit.SampleNextMonth(time.Date(2026, 12, 30, 9, 0, 0, 0, time.UTC))
	}
	for _, sample := range []readSample{{name: "contoso", fsys: m365audit.SampleTenant}, {name: "next-month", fsys: next}} {
		t.Run(sample.name, func(t *testing.T) {
			fsys, err := sample.fsys()
			if err != nil {
				t.Fatal(err)
			}
			snap, err := snapshot.LoadFS(fsys, snapshot.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			doc := Run(snap, RunOptions{ToolVersion: "test", Incident: IncidentFrom(snap.Manifest.CollectedAt, snap.Manifest.Incident)})
			findings := 0
			for _, r := range doc.Results {
				if r.Status != StatusFail && r.Status != StatusWarn {
					continue
				}
				findings++
				if len(r.Affected) == 0 {
					t.Errorf("%s %s names no affected object: %s", r.ID, r.Status, r.Summary)
				}
			}
			if findings == 0 {
				t.Error("no failing or warning result: the test proves nothing")
			}
		})
	}
}
