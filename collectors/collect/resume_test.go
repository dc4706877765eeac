package collect

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/m365audit/m365audit/collectors/snapshot"
	"github.com/m365audit/m365audit/collectors/tenantsim"
)

// cancelAt cancels the run once a dataset has reached a number of pages.
type cancelAt struct {
	id     string
	pages  int
	cancel context.CancelFunc
	once   sync.Once
}

func (c *cancelAt) DatasetStarted(string)                              {}
func (c *cancelAt) DatasetDone(string, snapshot.DatasetInfo, int, int) {}
func (c *cancelAt) DatasetPage(id string, _, pages int, _ int64) {
	if id == c.id && pages >= c.pages {
		c.once.Do(c.cancel)
	}
}

// usersRequests counts the Graph requests for the users list.
func usersRequests(srv *tenantsim.Server, from int) int {
	n := 0
	for _, r := range srv.Requests()[from:] {
		if r.Path == "/v1.0/users" {
			n++
		}
	}
	return n
}

// TestRun_InterruptedThenResumed: a run cancelled while the users list is
// being paged writes an incomplete manifest (unfinished datasets
// interrupted, no permission hint, users with a checkpoint); --resume
// finishes it with exactly the files of an uninterrupted run, keeps what
// was finished and fetches only the users pages after the checkpoint.
func TestRun_InterruptedThenResumed(t *testing.T) {
	src := fixture(60, true) // 30 users pages of 2
	srv := startSim(t, src, tenantsim.Options{PageSize: 2, Latency: 5 * time.Millisecond})

	// The reference: one uninterrupted run.
	want, _, _ := collectSim(t, srv, nil)

	dir := filepath.Join(t.TempDir(), "snap")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cfg := simConfig(t, srv, dir, newSleeps())
	cfg.Progress = &cancelAt{id: snapshot.DSUsers, pages: 10, cancel: cancel}
	rep, err := Run(ctx, cfg)
	if !errors.Is(err, ErrInterrupted) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	if rep == nil || rep.Path != dir {
		t.Fatalf("report %+v, want the snapshot kept in %s", rep, dir)
	}
	m, err := snapshot.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !m.IsIncomplete() {
		t.Fatalf("manifest complete = %v, want false", m.Complete)
	}
	users := m.Datasets[snapshot.DSUsers]
	if users.Status != snapshot.StatusInterrupted || users.Checkpoint == nil || users.Checkpoint.Pages < 10 ||
		users.Checkpoint.NextLink == "" || users.Count != users.Checkpoint.Count {
		t.Fatalf("users entry = %+v", users)
	}
	interrupted := 0
	for _, s := range snapshot.Specs() {
		info, ok := m.Datasets[s.ID]
		if !ok {
			t.Errorf("%s: no manifest entry", s.ID)
			continue
		}
		if info.Status == snapshot.StatusInterrupted {
			interrupted++
			if d := info.Describe(); strings.Contains(d, "needs") {
				t.Errorf("%s: interrupted dataset gives a permission hint: %s", s.ID, d)
			}
		}
	}
	if interrupted == 0 {
		t.Fatal("no dataset marked interrupted")
	}
	// An incomplete snapshot is not loaded as if it were whole: the
	// interrupted datasets carry no data.
	if s, err := snapshot.Load(dir, snapshot.LoadOptions{}); err == nil {
		if _, err := s.Users(); err == nil {
			t.Error("users of an interrupted run read as collected")
		}
	}

	// A finished file edited after the interruption is not kept.
	if d := m.Datasets[snapshot.DSOrganization]; d.Status != snapshot.StatusOK {
		t.Fatalf("organization = %+v", d)
	}
	if err := os.WriteFile(filepath.Join(dir, "organization.json"), []byte("[]\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	// Resume.
	before := len(srv.Requests())
	cfg = simConfig(t, srv, "", newSleeps())
	cfg.Resume = dir
	rep, err = Run(t.Context(), cfg)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if !rep.Resumed || rep.Path != dir || len(rep.Kept) == 0 {
		t.Fatalf("resume report %+v", rep)
	}
	got, err := snapshot.Load(dir, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	gm := got.Manifest
	if gm.IsIncomplete() || gm.Complete == nil || len(gm.Resumed) != 1 || !gm.StartedAt.Equal(*m.StartedAt) {
		t.Fatalf("resumed manifest: complete %v resumed %v", gm.Complete, gm.Resumed)
	}
	for _, s := range snapshot.Specs() {
		a, b := want.Info(s.ID), got.Info(s.ID)
		if a.Status != b.Status || a.SHA256 != b.SHA256 || a.Count != b.Count {
			t.Errorf("%s: resumed %s %d %.12s, uninterrupted %s %d %.12s", s.ID, b.Status, b.Count, b.SHA256, a.Status, a.Count, a.SHA256)
		}
	}
	if n, wantN := usersRequests(srv, before), 30-users.Checkpoint.Pages; n != wantN {
		t.Errorf("resume fetched %d users pages, want %d (the pages after the checkpoint)", n, wantN)
	}
	for _, id := range rep.Kept {
		if id == snapshot.DSOrganization {
			t.Error("an edited file was kept")
		}
		sp, _ := snapshot.SpecByID(id)
		for _, r := range srv.Requests()[before:] {
			if sp.Path != "" && r.Path == sp.Path {
				t.Errorf("kept dataset %s was requested again", id)
				break
			}
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) == 0 {
		t.Fatal("empty snapshot")
	} else {
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".partial") || strings.HasPrefix(e.Name(), ".tmp-") {
				t.Errorf("leftover %s", e.Name())
			}
		}
	}
}

// TestRun_ResumeStaleLinkRestartsDataset: when the service refuses the
// saved nextLink, the dataset is collected again from its first page and
// a note says so.
func TestRun_ResumeStaleLinkRestartsDataset(t *testing.T) {
	srv := startSim(t, fixture(20, true), tenantsim.Options{PageSize: 2})
	dir := filepath.Join(t.TempDir(), "snap")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cfg := simConfig(t, srv, dir, newSleeps())
	cfg.Progress = &cancelAt{id: snapshot.DSUsers, pages: 3, cancel: cancel}
	if _, err := Run(ctx, cfg); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v", err)
	}
	srv.AddFault(tenantsim.Fault{Match: "/v1.0/users", Status: 400, Code: "Directory_ExpiredPageToken", Message: "The specified page token value has expired.", Times: 1})
	cfg = simConfig(t, srv, "", newSleeps())
	cfg.Resume = dir
	if _, err := Run(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	got, err := snapshot.Load(dir, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	info := got.Info(snapshot.DSUsers)
	if info.Status != snapshot.StatusOK || info.Count != 20 || len(info.Notes) != 1 || !strings.Contains(info.Notes[0], "again from the start") {
		t.Fatalf("users = %+v", info)
	}
	users, _ := got.Users()
	if len(users) != 20 {
		t.Fatalf("%d users", len(users))
	}
}

// TestRun_ResumeKeepsOmitted: a run interrupted while paging the users
// fallback without signInActivity records the omission in its checkpoint
// entry, and the resumed run, which continues the fallback's page link,
// still lists signInActivity as omitted.
func TestRun_ResumeKeepsOmitted(t *testing.T) {
	srv := startSim(t, fixture(20, false), tenantsim.Options{PageSize: 2})
	dir := filepath.Join(t.TempDir(), "snap")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cfg := simConfig(t, srv, dir, newSleeps())
	cfg.Progress = &cancelAt{id: snapshot.DSUsers, pages: 3, cancel: cancel}
	if _, err := Run(ctx, cfg); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v", err)
	}
	m, err := snapshot.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if u := m.Datasets[snapshot.DSUsers]; u.Status != snapshot.StatusInterrupted || u.Checkpoint == nil || !u.Omits(snapshot.PropSignInActivity) {
		t.Fatalf("interrupted users entry = %+v", u)
	}
	before := len(srv.Requests())
	cfg = simConfig(t, srv, "", newSleeps())
	cfg.Resume = dir
	if _, err := Run(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	got, err := snapshot.Load(dir, snapshot.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	info := got.Info(snapshot.DSUsers)
	if info.Status != snapshot.StatusOK || info.Count != 20 || !info.Omits(snapshot.PropSignInActivity) {
		t.Fatalf("resumed users = %+v", info)
	}
	for _, r := range srv.Requests()[before:] {
		if r.Path == "/v1.0/users" && strings.Contains(strings.ToLower(r.RawQuery), "signinactivity") {
			t.Errorf("the resumed run asked for signInActivity again: %s", r.RawQuery)
		}
	}
}

// TestRun_OutMustBeEmptyOrTheSameInterruptedTenant: --out into a directory
// holding other files, or a complete snapshot, is refused and nothing in
// it is touched; an interrupted snapshot of the same tenant is resumed.
func TestRun_OutMustBeEmptyOrTheSameInterruptedTenant(t *testing.T) {
	srv := startSim(t, fixture(6, true), tenantsim.Options{})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(t.Context(), simConfig(t, srv, dir, nil)); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("non-empty --out: err = %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "notes.txt")); err != nil || string(b) != "mine" {
		t.Fatal("the user's file was touched")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("%d entries after a refused run", len(entries))
	}

	// An interrupted snapshot of the same tenant is continued.
	snap := filepath.Join(t.TempDir(), "snap")
	ctx, cancel := context.WithCancel(t.Context())
	cfg := simConfig(t, srv, snap, nil)
	cfg.Progress = &cancelAt{id: snapshot.DSUsers, pages: 1, cancel: cancel}
	if _, err := Run(ctx, cfg); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v", err)
	}
	cancel()
	other := simConfig(t, srv, snap, nil)
	other.Tenant = "fabrikam.com"
	if _, err := Run(t.Context(), other); err == nil || !strings.Contains(err.Error(), "already holds a snapshot") {
		t.Fatalf("another tenant into the interrupted snapshot: %v", err)
	}
	rep, err := Run(t.Context(), simConfig(t, srv, snap, nil))
	if err != nil || !rep.Resumed {
		t.Fatalf("same tenant: %v %+v", err, rep)
	}
	// A complete snapshot is not resumed and not overwritten.
	if _, err := Run(t.Context(), simConfig(t, srv, snap, nil)); err == nil || !strings.Contains(err.Error(), "already holds a snapshot") {
		t.Fatalf("complete snapshot: %v", err)
	}
	cfg = simConfig(t, srv, "", nil)
	cfg.Resume = snap
	if _, err := Run(t.Context(), cfg); !errors.Is(err, snapshot.ErrNotResumable) {
		t.Fatalf("--resume of a complete snapshot: %v", err)
	}
}
