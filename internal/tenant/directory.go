package tenant

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// Directory is the token endpoint's view of the tenant: each lookup is read from the store once and then
// served from memory until a write changes it. The writes a tenant makes all day (organizations created
// or renamed, associations added or removed) forget only the entries they change; every other write, and
// every change another process made, invalidates everything. A read that raced with a write is never
// cached: entries are stored only if nothing was forgotten or invalidated since the read began.
type Directory struct {
	store   store.Store
	secrets secretHasher

	// freshUntil (Unix nanoseconds) bounds how long cached entries may be served when Watch runs: past it,
	// lookups read the store. Zero means unbounded (one process owns the store and invalidates on write).
	freshUntil atomic.Int64

	mu         sync.RWMutex
	generation uint64
	entries    int // number of cached results, at most maxEntries
	maxEntries int
	clients    map[string]result[store.Client]
	apis       map[string]result[store.ResourceServer]
	grants     map[clientAudience]result[store.ClientGrant]
	orgsByID   map[string]result[store.Organization]
	orgsByName map[string]result[store.Organization]
	links      map[orgGrant]result[bool]
	settings   map[struct{}]result[store.TenantSettings]
	creds      map[string]result[[]store.ClientCredential] // by client id: private_key_jwt keys
}

// defaultMaxEntries bounds the memory a flood of lookups for unknown ids can take: past it, the cache
// starts over empty.
const defaultMaxEntries = 4 << 20

type result[V any] struct {
	value V
	err   error // nil or store.ErrNotFound: other errors are not cached
}

type clientAudience struct{ clientID, audience string }
type orgGrant struct{ orgID, grantID string }

func newDirectory(st store.Store, secrets secretHasher) *Directory {
	d := &Directory{store: st, secrets: secrets, maxEntries: defaultMaxEntries}
	d.reset()
	return d
}

func (d *Directory) reset() {
	d.entries = 0
	d.clients = map[string]result[store.Client]{}
	d.apis = map[string]result[store.ResourceServer]{}
	d.grants = map[clientAudience]result[store.ClientGrant]{}
	d.orgsByID = map[string]result[store.Organization]{}
	d.orgsByName = map[string]result[store.Organization]{}
	d.links = map[orgGrant]result[bool]{}
	d.settings = map[struct{}]result[store.TenantSettings]{}
	d.creds = map[string]result[[]store.ClientCredential]{}
}

// Invalidate drops every cached entry; the next lookups read the store again.
func (d *Directory) Invalidate() {
	d.mu.Lock()
	d.generation++
	d.reset()
	d.mu.Unlock()
}

// forgetOrganization drops what is cached about the organization id and about the organization names
// (its old and new name when it was renamed, the name it was created with): the other entries stay.
// Its associations are separate entries, which an organization's creation or update does not change.
func (d *Directory) forgetOrganization(id string, names ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.generation++
	forget(d, d.orgsByID, id)
	for _, name := range names {
		forget(d, d.orgsByName, name)
	}
}

// forgetAssociation drops what is cached about whether the grant is associated with the organization.
func (d *Directory) forgetAssociation(orgID, grantID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.generation++
	forget(d, d.links, orgGrant{orgID, grantID})
}

// forget deletes key from m, which must be one of d's maps; d.mu must be held.
func forget[K comparable, V any](d *Directory, m map[K]result[V], key K) {
	if _, ok := m[key]; ok {
		delete(m, key)
		d.entries--
	}
}

// freshFor lets the cache serve entries for d from now on.
func (d *Directory) freshFor(ttl time.Duration) { d.freshUntil.Store(time.Now().Add(ttl).UnixNano()) }

// fresh reports whether cached entries may be served.
func (d *Directory) fresh() bool {
	until := d.freshUntil.Load()
	return until == 0 || time.Now().UnixNano() < until
}

// cached serves key from the map m (selected under the lock by pick) or loads and caches it.
func cached[K comparable, V any](ctx context.Context, d *Directory, pick func(*Directory) map[K]result[V], key K,
	load func(context.Context) (V, error)) (V, error) {
	if !d.fresh() {
		return load(ctx)
	}
	d.mu.RLock()
	r, ok := pick(d)[key]
	generation := d.generation
	d.mu.RUnlock()
	if ok {
		return r.value, r.err
	}
	v, err := load(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return v, err
	}
	d.mu.Lock()
	if d.generation == generation {
		if d.entries >= d.maxEntries {
			d.generation++
			d.reset()
		}
		pick(d)[key] = result[V]{value: v, err: err}
		d.entries++
	}
	d.mu.Unlock()
	return v, err
}

// AuthenticateClient returns the client when secret is its current secret; an error wrapping
// store.ErrNotFound when the client is unknown or the secret is wrong.
func (d *Directory) AuthenticateClient(ctx context.Context, clientID, secret string) (store.Client, error) {
	c, err := cached(ctx, d, func(d *Directory) map[string]result[store.Client] { return d.clients }, clientID,
		func(ctx context.Context) (store.Client, error) { return d.store.GetClient(ctx, clientID) })
	if err != nil {
		return store.Client{}, fmt.Errorf("authenticate client: %w", err)
	}
	if !d.secrets.verify(c.SecretHash, secret) {
		return store.Client{}, fmt.Errorf("authenticate client: wrong secret: %w", store.ErrNotFound)
	}
	return c, nil
}

// ResourceServerByIdentifier finds an API by its audience.
func (d *Directory) ResourceServerByIdentifier(ctx context.Context, audience string) (store.ResourceServer, error) {
	return cached(ctx, d, func(d *Directory) map[string]result[store.ResourceServer] { return d.apis }, audience,
		func(ctx context.Context) (store.ResourceServer, error) {
			return d.store.GetResourceServerByIdentifier(ctx, audience)
		})
}

// ClientGrantFor finds the grant of a client for an audience.
func (d *Directory) ClientGrantFor(ctx context.Context, clientID, audience string) (store.ClientGrant, error) {
	return cached(ctx, d, func(d *Directory) map[clientAudience]result[store.ClientGrant] { return d.grants },
		clientAudience{clientID, audience},
		func(ctx context.Context) (store.ClientGrant, error) {
			return d.store.GetClientGrantByClientAudience(ctx, clientID, audience)
		})
}

// OrganizationByID finds an organization by id.
func (d *Directory) OrganizationByID(ctx context.Context, id string) (store.Organization, error) {
	return cached(ctx, d, func(d *Directory) map[string]result[store.Organization] { return d.orgsByID }, id,
		func(ctx context.Context) (store.Organization, error) { return d.store.GetOrganization(ctx, id) })
}

// OrganizationByName finds an organization by its (lowercase) name.
func (d *Directory) OrganizationByName(ctx context.Context, name string) (store.Organization, error) {
	return cached(ctx, d, func(d *Directory) map[string]result[store.Organization] { return d.orgsByName }, name,
		func(ctx context.Context) (store.Organization, error) { return d.store.GetOrganizationByName(ctx, name) })
}

// Associated reports whether an organization client grant links the grant with the organization.
func (d *Directory) Associated(ctx context.Context, orgID, grantID string) (bool, error) {
	return cached(ctx, d, func(d *Directory) map[orgGrant]result[bool] { return d.links }, orgGrant{orgID, grantID},
		func(ctx context.Context) (bool, error) {
			return d.store.HasOrganizationClientGrant(ctx, orgID, grantID)
		})
}

// Settings returns the tenant settings.
func (d *Directory) Settings(ctx context.Context) (store.TenantSettings, error) {
	return cached(ctx, d, func(d *Directory) map[struct{}]result[store.TenantSettings] { return d.settings }, struct{}{},
		func(ctx context.Context) (store.TenantSettings, error) { return d.store.GetTenantSettings(ctx) })
}
