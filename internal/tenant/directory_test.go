package tenant

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// countingStore counts the lookups the Directory makes: the reads that reach the store.
type countingStore struct {
	store.Store
	reads atomic.Int64
}

func (c *countingStore) GetClient(ctx context.Context, id string) (store.Client, error) {
	c.reads.Add(1)
	return c.Store.GetClient(ctx, id)
}

func (c *countingStore) GetResourceServerByIdentifier(ctx context.Context, identifier string) (store.ResourceServer, error) {
	c.reads.Add(1)
	return c.Store.GetResourceServerByIdentifier(ctx, identifier)
}

func (c *countingStore) GetClientGrantByClientAudience(ctx context.Context, clientID, audience string) (store.ClientGrant, error) {
	c.reads.Add(1)
	return c.Store.GetClientGrantByClientAudience(ctx, clientID, audience)
}

func (c *countingStore) GetOrganization(ctx context.Context, id string) (store.Organization, error) {
	c.reads.Add(1)
	return c.Store.GetOrganization(ctx, id)
}

func (c *countingStore) GetOrganizationByName(ctx context.Context, name string) (store.Organization, error) {
	c.reads.Add(1)
	return c.Store.GetOrganizationByName(ctx, name)
}

func (c *countingStore) HasOrganizationClientGrant(ctx context.Context, orgID, grantID string) (bool, error) {
	c.reads.Add(1)
	return c.Store.HasOrganizationClientGrant(ctx, orgID, grantID)
}

func (c *countingStore) GetTenantSettings(ctx context.Context) (store.TenantSettings, error) {
	c.reads.Add(1)
	return c.Store.GetTenantSettings(ctx)
}

func newCountingService(t *testing.T) (*Service, *countingStore) {
	t.Helper()
	cs := &countingStore{Store: openSQLite(t)}
	return openService(t, cs), cs
}

// tokenRequest is an org-scoped token request: an application associated with an organization.
type tokenRequest struct {
	clientID, secret, audience, orgID, grantID string
}

// newTokenRequest sets up an API, an application with a grant for it, and an organization the grant is
// associated with.
func newTokenRequest(tb testing.TB, s *Service) tokenRequest {
	tb.Helper()
	ctx := context.Background()
	api, err := s.CreateResourceServer(ctx, ResourceServerInput{Identifier: "https://api.example", Scopes: &[]store.Scope{{Value: "read"}}})
	if err != nil {
		tb.Fatal(err)
	}
	c, secret, err := s.CreateClient(ctx, ClientInput{Name: "bot", AppType: ptr("non_interactive")})
	if err != nil {
		tb.Fatal(err)
	}
	g, err := s.CreateClientGrant(ctx, ClientGrantInput{ClientID: c.ClientID, Audience: api.Identifier, Scope: []string{"read"},
		OrganizationUsage: ptr(store.UsageRequire)})
	if err != nil {
		tb.Fatal(err)
	}
	org, err := s.CreateOrganization(ctx, OrganizationInput{Name: "warm"})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := s.AddOrganizationClientGrant(ctx, org.ID, g.ID); err != nil {
		tb.Fatal(err)
	}
	return tokenRequest{clientID: c.ClientID, secret: secret, audience: api.Identifier, orgID: org.ID, grantID: g.ID}
}

// lookups makes the Directory lookups of the token request, as the token endpoint does.
func (r tokenRequest) lookups(tb testing.TB, d *Directory) {
	ctx := context.Background()
	if _, err := d.AuthenticateClient(ctx, r.clientID, r.secret); err != nil {
		tb.Fatal(err)
	}
	if _, err := d.Settings(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := d.ResourceServerByIdentifier(ctx, r.audience); err != nil {
		tb.Fatal(err)
	}
	if _, err := d.ClientGrantFor(ctx, r.clientID, r.audience); err != nil {
		tb.Fatal(err)
	}
	if _, err := d.OrganizationByID(ctx, r.orgID); err != nil {
		tb.Fatal(err)
	}
	if ok, err := d.Associated(ctx, r.orgID, r.grantID); err != nil || !ok {
		tb.Fatalf("associated = %v, %v", ok, err)
	}
}

// warmRequest sets up a token request and caches its lookups.
func warmRequest(t *testing.T, s *Service) tokenRequest {
	t.Helper()
	r := newTokenRequest(t, s)
	r.lookups(t, s.Directory())
	return r
}

// The writes a tenant makes all day forget only what they change: another organization's token
// request is still served from memory after them. Other writes still drop everything.
func TestOrganizationAndAssociationWritesKeepTheRestOfTheCache(t *testing.T) {
	ctx := t.Context()
	s, cs := newCountingService(t)
	warm := warmRequest(t, s)

	other, err := s.CreateOrganization(ctx, OrganizationInput{Name: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddOrganizationClientGrant(ctx, other.ID, warm.grantID); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveOrganizationClientGrant(ctx, other.ID, warm.grantID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateOrganization(ctx, other.ID, OrganizationPatch{Name: ptr("renamed"), DisplayName: ptr("Renamed")}); err != nil {
		t.Fatal(err)
	}
	before := cs.reads.Load()
	warm.lookups(t, s.Directory())
	if n := cs.reads.Load() - before; n != 0 {
		t.Errorf("another organization's writes made the warm request read the store %d times", n)
	}

	if _, err := s.UpdateClient(ctx, warm.clientID, ClientPatch{Name: ptr("renamed bot")}); err != nil {
		t.Fatal(err)
	}
	before = cs.reads.Load()
	warm.lookups(t, s.Directory())
	if cs.reads.Load() == before {
		t.Error("an application's update left every entry cached")
	}
}

func TestDirectoryFollowsOrganizationWrites(t *testing.T) {
	ctx := t.Context()
	s := newService(t)
	d := s.Directory()
	byName := func(name string) (store.Organization, error) { return d.OrganizationByName(ctx, name) }

	if _, err := byName("acme"); !errors.Is(err, store.ErrNotFound) { // now cached as unknown
		t.Fatalf("before its creation: %v", err)
	}
	org, err := s.CreateOrganization(ctx, OrganizationInput{Name: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := byName("acme"); err != nil || got.ID != org.ID {
		t.Fatalf("after its creation: %+v, %v", got, err)
	}
	if _, err := d.OrganizationByID(ctx, org.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := byName("acme-2"); !errors.Is(err, store.ErrNotFound) { // the new name, cached as unknown
		t.Fatalf("before the rename: %v", err)
	}

	if _, err := s.UpdateOrganization(ctx, org.ID, OrganizationPatch{Name: ptr("acme-2"), DisplayName: ptr("Acme 2")}); err != nil {
		t.Fatal(err)
	}
	if _, err := byName("acme"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the old name still finds it: %v", err)
	}
	if got, err := byName("acme-2"); err != nil || got.ID != org.ID {
		t.Errorf("the new name: %+v, %v", got, err)
	}
	if got, err := d.OrganizationByID(ctx, org.ID); err != nil || got.Name != "acme-2" || got.DisplayName != "Acme 2" {
		t.Errorf("by id after the rename: %+v, %v", got, err)
	}
}

// A write this process made already updated its Directory: the watcher, seeing the store's version
// move, must not throw the rest of the cache away. A write by another process still reaches it
// (TestWatchSeesAnotherInstancesWrites).
func TestWatchKeepsTheCacheThroughThisProcesssWrites(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s, cs := newCountingService(t)
	var changes atomic.Int32
	go s.Watch(ctx, WatchOptions{PollInterval: 5 * time.Millisecond, MaxStaleness: time.Minute,
		OnChange: func(context.Context) { changes.Add(1) }})
	waitFresh(t, s)
	warm := warmRequest(t, s)
	for deadline := time.Now().Add(2 * time.Second); changes.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the watcher never saw the writes")
		}
	}
	warm.lookups(t, s.Directory()) // cached again, whatever the watcher did before

	other, err := s.CreateOrganization(ctx, OrganizationInput{Name: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddOrganizationClientGrant(ctx, other.ID, warm.grantID); err != nil {
		t.Fatal(err)
	}
	seen := changes.Load()
	for deadline := time.Now().Add(2 * time.Second); changes.Load() == seen; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the watcher never saw the new writes")
		}
	}
	before := cs.reads.Load()
	warm.lookups(t, s.Directory())
	if n := cs.reads.Load() - before; n != 0 {
		t.Errorf("after the watcher saw this process's own writes, the warm request read the store %d times", n)
	}
}

func TestDirectoryStartsOverWhenFull(t *testing.T) {
	ctx := t.Context()
	s, cs := newCountingService(t)
	d := s.Directory()
	d.maxEntries = 3
	lookup := func(id string) {
		if _, err := d.OrganizationByID(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s: %v", id, err)
		}
	}
	for _, id := range []string{"org_1", "org_2", "org_3"} {
		lookup(id)
	}
	before := cs.reads.Load()
	lookup("org_3")
	if cs.reads.Load() != before {
		t.Fatal("a cached entry read the store")
	}
	lookup("org_4") // the cache is full: it starts over with this entry alone
	if d.entries != 1 {
		t.Errorf("%d entries after starting over, want 1", d.entries)
	}
	before = cs.reads.Load()
	lookup("org_4")
	lookup("org_3")
	if got := cs.reads.Load() - before; got != 1 {
		t.Errorf("%d store reads for the entry kept and the one dropped, want 1", got)
	}
}
