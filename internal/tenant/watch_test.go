package tenant

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

// openShared opens n services on one SQLite file, as n orgauth processes sharing a store would.
func openShared(t *testing.T, n int) []*Service {
	t.Helper()
	path := filepath.Join(t.TempDir(), "orgauth.db")
	var out []*Service
	for range n {
		st, err := sqlstore.OpenSQLite(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		s, err := Open(t.Context(), st, Options{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestWatchSeesAnotherInstancesWrites(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	services := openShared(t, 2)
	a, b := services[0], services[1]
	_, _, g := world(t, a, store.UsageAllow)
	org, err := a.CreateOrganization(ctx, OrganizationInput{Name: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	var changes atomic.Int32
	go b.Watch(ctx, WatchOptions{PollInterval: 20 * time.Millisecond, MaxStaleness: time.Minute,
		OnChange: func(context.Context) { changes.Add(1) }})
	waitFresh(t, b)

	linkedOnB := func() bool { return snapshot(t, b).Associated(org.ID, g.ID) }
	if linkedOnB() {
		t.Fatal("linked before the association")
	}
	start := time.Now()
	if _, err := a.AddOrganizationClientGrant(ctx, org.ID, g.ID); err != nil {
		t.Fatal(err)
	}
	for !linkedOnB() {
		if time.Since(start) > 2*time.Second {
			t.Fatal("B still serves the association's absence 2 s after A added it")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("B saw A's association after %v", time.Since(start))
	for deadline := time.Now().Add(time.Second); changes.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("OnChange did not run")
		}
	}
}

// waitFresh waits until s's watcher has checked the store's version and trusts its cache.
func waitFresh(t *testing.T, s *Service) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); s.dir.maxStaleness.Load() == 0 || !s.dir.fresh(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the watcher never confirmed the cache")
		}
	}
}

// failingVersion is a store whose Version fails while down is set, as when the database is unreachable.
type failingVersion struct {
	store.Store
	down  atomic.Bool
	loads atomic.Int32 // snapshots read (organization listings)
}

func (f *failingVersion) Version(ctx context.Context) (int64, error) {
	if f.down.Load() {
		return 0, fmt.Errorf("dial: %w", store.ErrUnavailable)
	}
	return f.Store.Version(ctx)
}

func (f *failingVersion) ListOrganizations(ctx context.Context, p store.Page) (store.List[store.Organization], error) {
	f.loads.Add(1)
	return f.Store.ListOrganizations(ctx, p)
}

func TestDirectoryStopsServingItsSnapshotWhenTheStoreIsUnreachable(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	fv := &failingVersion{Store: openSQLite(t)}
	s := openService(t, fv)
	const poll, staleness = 10 * time.Millisecond, 200 * time.Millisecond
	go s.Watch(ctx, WatchOptions{PollInterval: poll, MaxStaleness: staleness})
	waitFresh(t, s)
	snapshot(t, s)

	fv.down.Store(true)
	time.Sleep(staleness + 5*poll)
	if _, err := s.Directory().Snapshot(t.Context()); !errors.Is(err, ErrStale) {
		t.Fatalf("the snapshot was served although the version could not be checked for longer than the bound: %v", err)
	}

	fv.down.Store(false)
	waitFresh(t, s)
	snapshot(t, s)
}

// A write of this process is applied to the snapshot from the change record, by the next Snapshot or
// by the watcher: the tenant is not read whole again.
func TestOwnWritesAreAppliedNotReloaded(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	fv := &failingVersion{Store: openSQLite(t)}
	s := openService(t, fv)
	var changes atomic.Int32
	go s.Watch(ctx, WatchOptions{PollInterval: 5 * time.Millisecond, MaxStaleness: time.Minute,
		OnChange: func(context.Context) { changes.Add(1) }})
	waitFresh(t, s)
	before := fv.loads.Load()
	org, err := s.CreateOrganization(ctx, OrganizationInput{Name: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := snapshot(t, s).OrganizationByID(org.ID); !ok {
		t.Fatal("the next snapshot does not show the write")
	}
	for deadline := time.Now().Add(2 * time.Second); changes.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the watcher never saw the write")
		}
	}
	if n := fv.loads.Load() - before; n != 0 {
		t.Errorf("%d whole loads of the tenant for one write of this process, want 0", n)
	}
}
