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
	"github.com/orgauth/orgauth/internal/store/sqlite"
)

// openShared opens n services on one SQLite file, as n orgauth processes sharing a store would.
func openShared(t *testing.T, n int) []*Service {
	t.Helper()
	path := filepath.Join(t.TempDir(), "orgauth.db")
	var out []*Service
	for range n {
		st, err := sqlite.Open(t.Context(), path)
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

	linkedOnB := func() bool {
		ok, err := b.Directory().Associated(ctx, org.ID, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if linkedOnB() { // now cached on B as "not linked"
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
	if changes.Load() == 0 {
		t.Error("OnChange did not run")
	}
}

// waitFresh waits until s's watcher has checked the store's version and trusts its cache.
func waitFresh(t *testing.T, s *Service) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); s.dir.freshUntil.Load() == 0 || !s.dir.fresh(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the watcher never confirmed the cache")
		}
	}
}

// failingVersion is a store whose Version fails while down is set, as when the database is unreachable.
type failingVersion struct {
	store.Store
	down  atomic.Bool
	reads atomic.Int32 // organization lookups that reached the store
}

func (f *failingVersion) Version(ctx context.Context) (int64, error) {
	if f.down.Load() {
		return 0, fmt.Errorf("dial: %w", store.ErrUnavailable)
	}
	return f.Store.Version(ctx)
}

func (f *failingVersion) GetOrganization(ctx context.Context, id string) (store.Organization, error) {
	f.reads.Add(1)
	return f.Store.GetOrganization(ctx, id)
}

func TestDirectoryStopsTrustingItsCacheWhenTheStoreIsUnreachable(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "orgauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fv := &failingVersion{Store: st}
	s, err := Open(ctx, fv, Options{})
	if err != nil {
		t.Fatal(err)
	}
	org, _ := s.CreateOrganization(ctx, OrganizationInput{Name: "acme"})
	const poll, staleness = 10 * time.Millisecond, 200 * time.Millisecond
	go s.Watch(ctx, WatchOptions{PollInterval: poll, MaxStaleness: staleness})
	waitFresh(t, s)

	lookup := func() {
		if _, err := s.Directory().OrganizationByID(ctx, org.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
	}
	lookup()
	before := fv.reads.Load()
	lookup()
	if fv.reads.Load() != before {
		t.Fatal("a fresh cache read the store")
	}

	fv.down.Store(true)
	time.Sleep(staleness + 5*poll)
	lookup()
	if fv.reads.Load() == before {
		t.Fatal("the cache was served although the version could not be checked for longer than the bound")
	}

	fv.down.Store(false)
	waitFresh(t, s)
	lookup()
	before = fv.reads.Load()
	lookup()
	if fv.reads.Load() != before {
		t.Fatal("the cache was not trusted again after the store came back")
	}
}
