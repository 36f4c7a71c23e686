package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore/pgtest"
	"github.com/orgauth/orgauth/internal/store/storetest"
)

func postgresAt(t *testing.T, dsn string) *Store { return mustOpen(t, OpenPostgres, dsn) }

// openClosed opens a store that is closed when the test ends.
func openClosed(t *testing.T, dsn string) *Store {
	t.Helper()
	s := postgresAt(t, dsn)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestPostgresStore(t *testing.T) {
	pgtest.DSN(t) // skip once rather than in every sub-test
	storetest.Run(t, func(t *testing.T) store.Store { return postgresAt(t, pgtest.Schema(t)) })
}

func TestConcurrentOpensApplyEachMigrationOnce(t *testing.T) {
	dsn := pgtest.Schema(t)
	const instances = 5
	stores := make([]*Store, instances)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() {
			s, err := OpenPostgres(t.Context(), dsn)
			if err != nil {
				t.Errorf("instance %d: %v", i, err)
				return
			}
			stores[i] = s
			t.Cleanup(func() { s.Close() })
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	_, shared, err := postgresDialect.migrations()
	if err != nil {
		t.Fatal(err)
	}
	var want, applied []string
	for _, m := range shared {
		want = append(want, fmt.Sprint(m.Version, " ", m.Name))
	}
	for _, line := range appliedMigrations(t, stores[0]) {
		f := strings.Fields(line) // version, name, time applied
		applied = append(applied, f[0]+" "+f[1])
	}
	if !slices.Equal(applied, want) {
		t.Errorf("applied migrations %v, want %v", applied, want)
	}
	// The migrations' single-row inserts ran once.
	for _, table := range []string{"tenant_settings", "tenant_version"} {
		var n int
		if err := stores[0].r.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%s has %d rows, want 1", table, n)
		}
	}
}

func TestPostgresRefusesASchemaNewerThanItsMigrations(t *testing.T) {
	dsn := pgtest.Schema(t)
	postgresAt(t, dsn).Close()
	pgtest.Exec(t, dsn, "INSERT INTO schema_migrations (version, name) VALUES (999, 'future')")
	if s, err := OpenPostgres(t.Context(), dsn); err == nil {
		s.Close()
		t.Fatal("opened a schema with a newer version")
	}
}

func TestOpenWithoutAnExistingSchemaFails(t *testing.T) {
	dsn := pgtest.WithParam(t, pgtest.DSN(t), "search_path", "orgauth_test_nosuchschema")
	s, err := OpenPostgres(t.Context(), dsn)
	if err == nil {
		s.Close()
		t.Fatal("opened a store with no schema to create tables in")
	}
	if !strings.Contains(err.Error(), "no schema") {
		t.Errorf("error %q does not say the schema is missing", err)
	}
}

func TestOpenOfAnUnreachableServerIsUnavailable(t *testing.T) {
	// Nothing listens on port 1; this needs no PostgreSQL.
	s, err := OpenPostgres(t.Context(), "postgres://orgauth@127.0.0.1:1/orgauth?sslmode=disable&connect_timeout=5")
	if err == nil {
		s.Close()
		t.Fatal("opened a store on an unreachable server")
	}
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("error = %v, want %v", err, store.ErrUnavailable)
	}
}

func TestPoolMaxConnsFromTheDSN(t *testing.T) {
	s := openClosed(t, pgtest.WithParam(t, pgtest.Schema(t), "pool_max_conns", "3"))
	if got := s.pg.pool.Config().MaxConns; got != 3 {
		t.Errorf("MaxConns = %d, want 3", got)
	}
}

// org returns an organization numbered n.
func org(n int, name string) store.Organization {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	return store.Organization{ID: fmt.Sprintf("org_%016d", n), Name: name, DisplayName: name, CreatedAt: now, UpdatedAt: now}
}

// race runs a and b at the same moment and returns their errors.
func race(a, b func() error) (errA, errB error) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { <-start; errA = a() })
	wg.Go(func() { <-start; errB = b() })
	close(start)
	wg.Wait()
	return errA, errB
}

// oneConflict fails unless exactly one of the errors is nil and the other ErrConflict.
func oneConflict(t *testing.T, what string, errA, errB error) {
	t.Helper()
	ok := (errA == nil && errors.Is(errB, store.ErrConflict)) || (errB == nil && errors.Is(errA, store.ErrConflict))
	if !ok {
		t.Errorf("%s: errors %v and %v, want one nil and one %v", what, errA, errB, store.ErrConflict)
	}
}

func TestTwoInstancesCreatingTheSameThingGetOneConflict(t *testing.T) {
	dsn := pgtest.Schema(t)
	a, b := openClosed(t, dsn), openClosed(t, dsn)
	ctx := t.Context()

	t.Run("organization name", func(t *testing.T) {
		const rounds = 10
		for i := range rounds {
			name := fmt.Sprintf("acme-%d", i)
			errA, errB := race(
				func() error { return a.CreateOrganization(ctx, org(2*i, name)) },
				func() error { return b.CreateOrganization(ctx, org(2*i+1, name)) })
			oneConflict(t, name, errA, errB)
		}
		l, err := a.ListOrganizations(ctx, store.Page{WantTotal: true})
		if err != nil {
			t.Fatal(err)
		}
		if l.Total != rounds {
			t.Errorf("%d organizations, want %d", l.Total, rounds)
		}
	})

	t.Run("client grant", func(t *testing.T) {
		now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		api := store.ResourceServer{ID: fmt.Sprintf("%024x", 1), Identifier: "https://api.example.com/", Name: "API",
			SigningAlg: "RS256", TokenLifetime: 60, CreatedAt: now, UpdatedAt: now}
		c := store.Client{ClientID: "client00000000000000000000000001", AppType: "non_interactive", CreatedAt: now, UpdatedAt: now}
		if err := a.CreateResourceServer(ctx, api); err != nil {
			t.Fatal(err)
		}
		if err := a.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		grant := func(id string) store.ClientGrant {
			return store.ClientGrant{ID: id, ClientID: c.ClientID, Audience: api.Identifier, SubjectType: "client",
				CreatedAt: now, UpdatedAt: now}
		}
		errA, errB := race(
			func() error { return a.CreateClientGrant(ctx, grant("cgr_000000000000000a")) },
			func() error { return b.CreateClientGrant(ctx, grant("cgr_000000000000000b")) })
		oneConflict(t, "client grant", errA, errB)
		l, err := b.ListClientGrants(ctx, store.ClientGrantFilter{}, store.Page{WantTotal: true})
		if err != nil {
			t.Fatal(err)
		}
		if l.Total != 1 {
			t.Errorf("%d client grants, want 1", l.Total)
		}
	})
}

// warm opens n pooled connections, so that concurrent calls do not queue behind connection set-up.
func warm(t *testing.T, s *Store, n int) {
	t.Helper()
	var conns []*pgxpool.Conn
	for range n {
		c, err := s.pg.pool.Acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Release()
	}
}

func TestInstancesBootstrappingAtOnceCreateOnce(t *testing.T) {
	dsn := pgtest.Schema(t)
	const instances = 4
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created int
		start   = make(chan struct{})
	)
	for i := range instances {
		s := openClosed(t, dsn)
		warm(t, s, 1)
		b := store.Bootstrap{
			API: store.ResourceServer{ID: fmt.Sprintf("%024x", i), Identifier: "https://auth.example.com/api/v2/",
				Name: "Management API", SigningAlg: "RS256", TokenLifetime: 86400, IsSystem: true, CreatedAt: now, UpdatedAt: now},
			Client: store.Client{ClientID: fmt.Sprintf("admin%027d", i), AppType: "non_interactive", CreatedAt: now, UpdatedAt: now},
		}
		b.Grant = store.ClientGrant{ID: fmt.Sprintf("cgr_%016d", i), ClientID: b.Client.ClientID, Audience: b.API.Identifier,
			SubjectType: "client", CreatedAt: now, UpdatedAt: now}
		wg.Go(func() {
			<-start
			ok, err := s.Bootstrap(t.Context(), b)
			if err != nil {
				t.Errorf("instance %d: %v", i, err)
			}
			if ok {
				mu.Lock()
				created++
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	if created != 1 {
		t.Errorf("%d instances created, want 1", created)
	}
	s := openClosed(t, dsn)
	for what, list := range map[string]func() (int, error){
		"resource servers": func() (int, error) {
			l, err := s.ListResourceServers(t.Context(), store.Page{WantTotal: true})
			return l.Total, err
		},
		"clients": func() (int, error) {
			l, err := s.ListClients(t.Context(), store.Page{WantTotal: true})
			return l.Total, err
		},
		"client grants": func() (int, error) {
			l, err := s.ListClientGrants(t.Context(), store.ClientGrantFilter{}, store.Page{WantTotal: true})
			return l.Total, err
		},
	} {
		n, err := list()
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%d %s, want 1", n, what)
		}
	}
}

func TestInstancesRotatingAtOnceRotateInTurn(t *testing.T) {
	dsn := pgtest.Schema(t)
	a, b := openClosed(t, dsn), openClosed(t, dsn)
	warm(t, a, 1)
	warm(t, b, 1)
	ctx := t.Context()
	key := func(kid, state string) store.SigningKey {
		return store.SigningKey{KID: kid, Alg: "RS256", PrivateKey: []byte(kid), State: state,
			CreatedAt: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	}
	for _, k := range []store.SigningKey{key("k1", store.KeyCurrent), key("k2", store.KeyNext)} {
		if err := a.InsertSigningKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	errA, errB := race(
		func() error { return a.RotateSigningKeys(ctx, "RS256", key("ka", ""), now) },
		func() error { return b.RotateSigningKeys(ctx, "RS256", key("kb", ""), now) })
	if errA != nil || errB != nil {
		t.Fatalf("rotations failed: %v, %v", errA, errB)
	}
	keys, err := a.ListSigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, k := range keys {
		states[k.State]++
	}
	if want := map[string]int{store.KeyPrevious: 2, store.KeyCurrent: 1, store.KeyNext: 1}; !maps.Equal(states, want) {
		t.Errorf("key states %v, want %v", states, want)
	}
}

// watcher runs WatchChanges on a store until the test ends, and signals each onChange call on changes.
type watcher struct {
	changes chan time.Time
	done    chan struct{} // closed when WatchChanges has returned err
	err     error
}

func watch(t *testing.T, s *Store) *watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &watcher{changes: make(chan time.Time, 100), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		w.err = s.WatchChanges(ctx, func() {
			select {
			case w.changes <- time.Now():
			default: // a test that lets a hundred changes pile up has failed already
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		<-w.done
	})
	// WatchChanges calls onChange once when it listens.
	w.next(t, 5*time.Second)
	return w
}

// next waits up to timeout for an onChange call and returns its time.
func (w *watcher) next(t *testing.T, timeout time.Duration) time.Time {
	t.Helper()
	select {
	case at := <-w.changes:
		return at
	case <-w.done:
		t.Fatalf("WatchChanges returned: %v", w.err)
	case <-time.After(timeout):
		t.Fatalf("no change seen within %s", timeout)
	}
	return time.Time{}
}

// quiet fails if onChange is called within d.
func (w *watcher) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-w.changes:
		t.Errorf("change seen, want none")
	case <-time.After(d):
	}
}

func TestAnotherInstanceSeesAWriteWithinOneSecond(t *testing.T) {
	dsn := pgtest.Schema(t)
	a, b := openClosed(t, dsn), openClosed(t, dsn)
	w := watch(t, b)
	ctx := t.Context()

	const writes = 20
	var latencies []time.Duration
	for i := range writes {
		start := time.Now()
		if err := a.CreateOrganization(ctx, org(i, fmt.Sprintf("org-%d", i))); err != nil {
			t.Fatal(err)
		}
		latency := w.next(t, time.Second).Sub(start)
		latencies = append(latencies, latency)

		va, err := a.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		vb, err := b.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if va != vb {
			t.Errorf("after write %d: version %d through A, %d through B", i, va, vb)
		}
	}
	slices.Sort(latencies)
	t.Logf("write through A to onChange in B (commit included), over %d writes: min %s, median %s, max %s",
		writes, latencies[0], latencies[writes/2], latencies[writes-1])

	t.Run("session writes do not notify", func(t *testing.T) {
		now := time.Now().UTC()
		adm := store.Admin{ID: "adm_0000000000000001", Email: "a@example.com", PasswordHash: "x", CreatedAt: now, UpdatedAt: now}
		if err := a.CreateAdmin(ctx, adm); err != nil {
			t.Fatal(err)
		}
		w.next(t, time.Second)
		sess := store.Session{TokenHash: []byte("hash"), AdminID: adm.ID, CSRFToken: "csrf", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := a.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		w.quiet(t, 300*time.Millisecond)
	})

	t.Run("writes to another schema do not notify", func(t *testing.T) {
		other := openClosed(t, pgtest.Schema(t))
		if err := other.CreateOrganization(ctx, org(1, "elsewhere")); err != nil {
			t.Fatal(err)
		}
		w.quiet(t, 300*time.Millisecond)
	})
}

func TestWatchChangesKeepsAQuietConnectionAndStillSeesWrites(t *testing.T) {
	dsn := pgtest.Schema(t)
	a, b := openClosed(t, dsn), openClosed(t, dsn)
	b.pg.watchCheck = 20 * time.Millisecond
	w := watch(t, b)
	w.quiet(t, 200*time.Millisecond) // several wait timeouts and connection checks
	if err := a.CreateOrganization(t.Context(), org(1, "acme")); err != nil {
		t.Fatal(err)
	}
	w.next(t, time.Second)
}

func TestLostConnectionsAreUnavailableAndTheStoreRecovers(t *testing.T) {
	name := pgtest.RandomName("orgauth_test_")
	dsn := pgtest.WithParam(t, pgtest.Schema(t), "application_name", name)
	s := openClosed(t, dsn)
	ctx := t.Context()
	if _, err := s.Version(ctx); err != nil { // at least one pooled connection
		t.Fatal(err)
	}
	w := watch(t, s)

	pgtest.Exec(t, pgtest.DSN(t), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", name)

	select {
	case <-w.done:
		if !errors.Is(w.err, store.ErrUnavailable) {
			t.Errorf("WatchChanges returned %v, want %v", w.err, store.ErrUnavailable)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WatchChanges did not return after its connection was terminated")
	}

	// A request on a terminated pooled connection fails as unavailable (unless the pool's check of idle
	// connections replaced it first); the pool then reconnects.
	var recovered bool
	for range 5 {
		_, err := s.GetTenantSettings(ctx)
		if err == nil {
			recovered = true
			break
		}
		if !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("error = %v, want %v", err, store.ErrUnavailable)
		}
	}
	if !recovered {
		t.Error("the store did not recover after its connections were terminated")
	}
}

// Each instance hears of every write, its own and another's, and records which are its own in Committed.
func TestNotificationsAndCommittedVersions(t *testing.T) {
	dsn := pgtest.Schema(t)
	a, b := openClosed(t, dsn), openClosed(t, dsn)
	w := watch(t, a)
	ctx := t.Context()
	version := func() int64 {
		t.Helper()
		v, err := a.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	start := version()
	if err := a.CreateOrganization(ctx, org(1, "mine")); err != nil {
		t.Fatal(err)
	}
	w.next(t, time.Second)
	mine := version()
	if mine <= start || a.Committed() != mine {
		t.Errorf("after A's write: version %d, A committed %d", mine, a.Committed())
	}
	if err := b.CreateOrganization(ctx, org(2, "theirs")); err != nil {
		t.Fatal(err)
	}
	w.next(t, time.Second)
	if theirs := version(); theirs <= mine || a.Committed() != mine || b.Committed() != theirs {
		t.Errorf("after B's write: version %d, A committed %d, B %d", theirs, a.Committed(), b.Committed())
	}
}

func TestChangedSchema(t *testing.T) {
	tests := []struct{ payload, schema string }{
		{"public", "public"},
		{"my schema", "my schema"},
		{"abc 42 public", "public"},       // sent by earlier versions: store id, version, schema
		{"abc 42 my schema", "my schema"}, // the same, with a space in the schema
		{"abc x public", "abc x public"},  // not a version: a bare schema
		{"abc 42", "abc 42"},              // no schema: a bare schema
	}
	for _, tt := range tests {
		if got := changedSchema(tt.payload); got != tt.schema {
			t.Errorf("changedSchema(%q) = %q, want %q", tt.payload, got, tt.schema)
		}
	}
}
