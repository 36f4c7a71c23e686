package tenant

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/orgauth/orgauth/internal/store"
)

// Directory is the token endpoint's view of the tenant: each lookup is read from the store once and then
// served from memory until a write changes it. The writes a tenant makes all day (organizations created
// or renamed, associations added or removed) forget only the entries they change; every other write, and
// every change another process made, invalidates everything. A read that raced with a write is never
// cached: entries are stored only if nothing was forgotten or invalidated since the read began.
//
// Lookups are keyed by what clients send, so what they can make it keep is bounded. A key longer than
// anything the tenant accepts is not found at once: nothing read, nothing cached. A cached key is a copy,
// never a part of a request that would keep the request in memory. Found entries are the tenant's own
// data, one per stored object. Entries for what was not found are the ones a flood of made-up ids
// creates: they are bounded in number and in bytes on their own, and past either bound only they are
// dropped, so the flood costs a few MiB and never empties the cache of what exists.
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
	missing    int // how many of them are not-found results, at most maxMissing
	maxMissing int
	// missingBytes estimates the memory of the not-found results (keys and map slots), at most
	// maxMissingBytes.
	missingBytes    int
	maxMissingBytes int
	clients         map[string]result[store.Client]
	apis            map[string]result[store.ResourceServer]
	grants          map[clientAudience]result[store.ClientGrant]
	orgsByID        map[string]result[store.Organization]
	orgsByName      map[string]result[store.Organization]
	links           map[orgGrant]result[bool]
	settings        map[struct{}]result[store.TenantSettings]
	creds           map[string]result[[]store.ClientCredential] // by client id: private_key_jwt keys
}

// defaultMaxEntries bounds the number of cached results: past it, the cache starts over empty.
// defaultMaxMissing and defaultMaxMissingBytes bound those of them that are not-found results: past
// either, those alone are dropped. Legitimate clients rarely ask for what does not exist.
const (
	defaultMaxEntries      = 4 << 20
	defaultMaxMissing      = 64 << 10
	defaultMaxMissingBytes = 16 << 20
)

// mapSlotOverhead approximates what a map spends per entry besides the key and the value (control
// bytes, load factor), for the estimate of missingBytes.
const mapSlotOverhead = 16

type result[V any] struct {
	value V
	err   error // nil or store.ErrNotFound: other errors are not cached
}

type clientAudience struct{ clientID, audience string }
type orgGrant struct{ orgID, grantID string }

func newDirectory(st store.Store, secrets secretHasher) *Directory {
	d := &Directory{store: st, secrets: secrets, maxEntries: defaultMaxEntries,
		maxMissing: defaultMaxMissing, maxMissingBytes: defaultMaxMissingBytes}
	d.reset()
	return d
}

func (d *Directory) reset() {
	d.entries, d.missing, d.missingBytes = 0, 0, 0
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
	if r, ok := m[key]; ok {
		delete(m, key)
		d.entries--
		if r.err != nil {
			d.missing--
			d.missingBytes -= missingCost(key, r, keyBytes(key))
		}
	}
}

// dropMissing deletes every not-found result; d.mu must be held. It runs once per maxMissing
// not-found results at most, so its cost per lookup stays small.
func (d *Directory) dropMissing() {
	dropMissingIn(d, d.clients)
	dropMissingIn(d, d.apis)
	dropMissingIn(d, d.grants)
	dropMissingIn(d, d.orgsByID)
	dropMissingIn(d, d.orgsByName)
	dropMissingIn(d, d.links)
	dropMissingIn(d, d.settings)
	dropMissingIn(d, d.creds)
	d.missing, d.missingBytes = 0, 0
}

func dropMissingIn[K comparable, V any](d *Directory, m map[K]result[V]) {
	for k, r := range m {
		if r.err != nil {
			delete(m, k)
			d.entries--
		}
	}
}

// missingCost estimates the memory a not-found result for key takes: its map slot and the bytes of
// the key's strings.
func missingCost[K comparable, V any](key K, r result[V], keyBytes int) int {
	return int(unsafe.Sizeof(key)) + int(unsafe.Sizeof(r)) + mapSlotOverhead + keyBytes
}

// ownKey returns a copy of key that shares no memory with the request it came from, so that a cached
// key of a few bytes does not keep a request body of many.
func ownKey[K comparable](key K) K {
	switch k := any(key).(type) {
	case string:
		return any(strings.Clone(k)).(K)
	case clientAudience:
		return any(clientAudience{strings.Clone(k.clientID), strings.Clone(k.audience)}).(K)
	case orgGrant:
		return any(orgGrant{strings.Clone(k.orgID), strings.Clone(k.grantID)}).(K)
	}
	return key // struct{}: nothing to copy
}

// keyBytes is the length of key's strings.
func keyBytes[K comparable](key K) int {
	switch k := any(key).(type) {
	case string:
		return len(k)
	case clientAudience:
		return len(k.clientID) + len(k.audience)
	case orgGrant:
		return len(k.orgID) + len(k.grantID)
	}
	return 0
}

// longerThan reports whether s has more than n characters, counting them only when its length in
// bytes leaves a doubt.
func longerThan(s string, n int) bool {
	return len(s) > n && (len(s) > utf8.UTFMax*n || utf8.RuneCountInString(s) > n)
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
	r = result[V]{value: v, err: err}
	key = ownKey(key)
	cost := 0
	if err != nil {
		cost = missingCost(key, r, keyBytes(key))
	}
	d.mu.Lock()
	if d.generation == generation {
		if _, ok := pick(d)[key]; !ok { // another lookup may have stored it meanwhile
			if d.entries >= d.maxEntries {
				d.generation++
				d.reset()
			}
			if err != nil && (d.missing >= d.maxMissing || d.missingBytes+cost > d.maxMissingBytes) {
				d.dropMissing()
			}
			pick(d)[key] = r
			d.entries++
			if err != nil {
				d.missing++
				d.missingBytes += cost
			}
		}
	}
	d.mu.Unlock()
	return v, err
}

// AuthenticateClient returns the client when secret is its current secret; an error wrapping
// store.ErrNotFound when the client is unknown or the secret is wrong.
func (d *Directory) AuthenticateClient(ctx context.Context, clientID, secret string) (store.Client, error) {
	if ClientIDTooLong(clientID) {
		return store.Client{}, fmt.Errorf("authenticate client: id longer than %d characters: %w", MaxClientIDLength, store.ErrNotFound)
	}
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
	if longerThan(audience, maxIdentifierLength) {
		return store.ResourceServer{}, fmt.Errorf("API identifier longer than %d characters: %w", maxIdentifierLength, store.ErrNotFound)
	}
	return cached(ctx, d, func(d *Directory) map[string]result[store.ResourceServer] { return d.apis }, audience,
		func(ctx context.Context) (store.ResourceServer, error) {
			return d.store.GetResourceServerByIdentifier(ctx, audience)
		})
}

// ClientGrantFor finds the grant of a client for an audience.
func (d *Directory) ClientGrantFor(ctx context.Context, clientID, audience string) (store.ClientGrant, error) {
	if ClientIDTooLong(clientID) || longerThan(audience, maxIdentifierLength) {
		return store.ClientGrant{}, fmt.Errorf("client grant: client id or audience too long: %w", store.ErrNotFound)
	}
	return cached(ctx, d, func(d *Directory) map[clientAudience]result[store.ClientGrant] { return d.grants },
		clientAudience{clientID, audience},
		func(ctx context.Context) (store.ClientGrant, error) {
			return d.store.GetClientGrantByClientAudience(ctx, clientID, audience)
		})
}

// OrganizationByID finds an organization by id.
func (d *Directory) OrganizationByID(ctx context.Context, id string) (store.Organization, error) {
	if longerThan(id, maxIDLength) {
		return store.Organization{}, fmt.Errorf("organization id longer than %d characters: %w", maxIDLength, store.ErrNotFound)
	}
	return cached(ctx, d, func(d *Directory) map[string]result[store.Organization] { return d.orgsByID }, id,
		func(ctx context.Context) (store.Organization, error) { return d.store.GetOrganization(ctx, id) })
}

// OrganizationByName finds an organization by its (lowercase) name.
func (d *Directory) OrganizationByName(ctx context.Context, name string) (store.Organization, error) {
	if longerThan(name, maxOrganizationNameLength) {
		return store.Organization{}, fmt.Errorf("organization name longer than %d characters: %w", maxOrganizationNameLength, store.ErrNotFound)
	}
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
