package tenant

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/store"
)

// Directory keeps the token endpoint's Snapshot of the tenant current. A token request takes one
// Snapshot and makes every lookup in it: no lock, no round trip to the store, and no mixing of two states
// of the tenant within one request.
//
// The store records, in the transaction of every write, what the write changed (store.Change). The
// Directory follows that record: after a write through its store (store.Store.Committed tells, without
// I/O) the next Snapshot first applies the changes since its version, reading again only the entries
// they name; Watch does the same for writes of other processes. No write has to remember to update it.
type Directory struct {
	store   store.Store
	issuer  string
	secrets secretHasher

	current  atomic.Pointer[Snapshot] // nil until loaded, and after catching up failed
	mu       sync.Mutex               // one catch-up at a time
	failedAt atomic.Int64             // Unix nanoseconds of the last failed catch-up

	// When Watch runs, the snapshot is served for at most maxStaleness after the store last confirmed
	// it (a load, or a version check that found nothing new): past that the tenant is unavailable until
	// the store answers again. A maxStaleness of zero is unbounded (one process owns the store).
	confirmedAt  atomic.Int64 // Unix nanoseconds
	maxStaleness atomic.Int64 // nanoseconds
}

// retryDelay is how long after a failed catch-up requests get ErrStale at once, rather than each
// waiting for the store again.
const retryDelay = 500 * time.Millisecond

// ErrStale: the snapshot cannot be trusted to reflect the store (catching up failed, or Watch could not
// reach the store for too long). It wraps store.ErrUnavailable: callers answer 503.
var ErrStale = fmt.Errorf("tenant snapshot is stale: %w", store.ErrUnavailable)

func newDirectory(st store.Store, issuer string, secrets secretHasher) *Directory {
	return &Directory{store: st, issuer: issuer, secrets: secrets}
}

// Snapshot returns the current snapshot of the tenant, or an error wrapping ErrStale. When this process
// wrote to the store since the snapshot was made, it catches up first: a write is seen by the next
// request. In steady state it does no I/O.
func (d *Directory) Snapshot(ctx context.Context) (*Snapshot, error) {
	if !d.fresh() {
		return nil, ErrStale
	}
	s := d.current.Load()
	if s != nil && s.version >= d.store.Committed() {
		return s, nil
	}
	if time.Now().UnixNano()-d.failedAt.Load() < int64(retryDelay) {
		return nil, ErrStale // the store just failed: don't make every request wait for it again
	}
	if err := d.catchUp(ctx, d.store.Committed()); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStale, err)
	}
	if s = d.current.Load(); s == nil {
		return nil, ErrStale
	}
	return s, nil
}

// catchUp brings the snapshot to version target at least: it applies the changes committed since the
// snapshot's version, or loads the whole tenant when there is no snapshot or the store no longer has the
// changes. On failure the directory answers ErrStale until a catch-up succeeds: a write may have
// committed that the old snapshot does not show.
func (d *Directory) catchUp(ctx context.Context, target int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	start := time.Now()
	cur := d.current.Load()
	if cur != nil && cur.version >= target && target > 0 {
		return nil // another caller caught up meanwhile
	}
	var next *Snapshot
	var err error
	if cur != nil {
		next, err = applyChanges(ctx, d.store, cur)
	}
	if cur == nil || errors.Is(err, store.ErrChangesGone) {
		next, err = loadSnapshot(ctx, d.store, d.issuer, d.secrets)
	}
	if err != nil {
		d.current.Store(nil)
		d.failedAt.Store(time.Now().UnixNano())
		return fmt.Errorf("catch up with the store: %w", err)
	}
	d.current.Store(next)
	d.confirm(start)
	return nil
}

// confirm records that the store showed nothing newer than the snapshot at time t.
func (d *Directory) confirm(t time.Time) { d.confirmedAt.Store(t.UnixNano()) }

// fresh reports whether the snapshot may be served.
func (d *Directory) fresh() bool {
	bound := d.maxStaleness.Load()
	return bound == 0 || time.Now().UnixNano() < d.confirmedAt.Load()+bound
}

// snapshotAttempts bounds the reads of a snapshot that writes keep overtaking.
const snapshotAttempts = 5

// loadSnapshot reads every part of the tenant the token endpoint needs. The reads are several queries,
// so it reads the store version before and after them and starts over when a write came between.
func loadSnapshot(ctx context.Context, st store.Store, issuer string, secrets secretHasher) (*Snapshot, error) {
	for range snapshotAttempts {
		before, err := st.Version(ctx)
		if err != nil {
			return nil, err
		}
		s, err := readSnapshot(ctx, st)
		if err != nil {
			return nil, err
		}
		after, err := st.Version(ctx)
		if err != nil {
			return nil, err
		}
		if after == before {
			s.version, s.issuer, s.secrets = before, issuer, secrets
			return s, nil
		}
	}
	return nil, errors.New("the tenant kept changing while it was read")
}

func readSnapshot(ctx context.Context, st store.Store) (*Snapshot, error) {
	s := &Snapshot{}
	var err error
	if s.settings, err = st.GetTenantSettings(ctx); err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	apis, err := st.ListResourceServers(ctx, store.Page{})
	if err != nil {
		return nil, fmt.Errorf("APIs: %w", err)
	}
	s.apis, s.managementAPI = apisOf(apis.Items)

	grants, err := st.ListClientGrants(ctx, store.ClientGrantFilter{}, store.Page{})
	if err != nil {
		return nil, fmt.Errorf("client grants: %w", err)
	}
	grantsOf := map[string][]store.ClientGrant{}
	ge := s.grants.edit()
	for _, g := range grants.Items {
		grantsOf[g.ClientID] = append(grantsOf[g.ClientID], g)
		ge.set(g.ID, grantRef{g.ClientID, g.Audience})
	}
	s.grants = ge.done()

	clients, err := st.ListClients(ctx, store.Page{})
	if err != nil {
		return nil, fmt.Errorf("clients: %w", err)
	}
	ce := s.clients.edit()
	for _, c := range clients.Items {
		var creds []store.ClientCredential
		if len(c.PrivateKeyJWTCredentials) > 0 {
			if creds, err = st.ListClientCredentials(ctx, c.ClientID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, fmt.Errorf("credentials of client %s: %w", c.ClientID, err)
			}
		}
		ce.set(c.ClientID, newTokenClient(c, creds, grantsOf[c.ClientID]))
	}
	s.clients = ce.done()

	orgs, err := st.ListOrganizations(ctx, store.Page{})
	if err != nil {
		return nil, fmt.Errorf("organizations: %w", err)
	}
	// Every organization's list holds the grant's own copy of its id: one string per grant, not one
	// per association.
	grantIDs := make(map[string]string, len(grants.Items))
	for _, g := range grants.Items {
		grantIDs[g.ID] = g.ID
	}
	linked := map[string][]string{}
	if err := st.EachOrganizationClientGrant(ctx, func(orgID, grantID string) error {
		if id, ok := grantIDs[grantID]; ok {
			grantID = id
		}
		linked[orgID] = append(linked[orgID], grantID)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("organization client grants: %w", err)
	}
	oe, ne := s.orgs.edit(), s.orgNames.edit()
	for _, o := range orgs.Items {
		ids := linked[o.ID]
		slices.Sort(ids)
		oe.set(o.ID, &orgEntry{org: policy.Organization{ID: o.ID, Name: o.Name}, grants: ids})
		ne.set(o.Name, o.ID)
	}
	s.orgs, s.orgNames = oe.done(), ne.done()
	return s, nil
}
