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
type Directory struct {
	store   store.Store
	issuer  string
	secrets secretHasher

	current atomic.Pointer[Snapshot] // nil until loaded, and after a reload failed
	mu      sync.Mutex               // one reload at a time

	// When Watch runs, the snapshot is served for at most maxStaleness after the store last confirmed
	// it (a load, or a version check that found nothing new): past that the tenant is unavailable until
	// the store answers again. A maxStaleness of zero is unbounded (one process owns the store and
	// reloads on every write).
	confirmedAt  atomic.Int64 // Unix nanoseconds
	maxStaleness atomic.Int64 // nanoseconds
}

// ErrStale: the snapshot cannot be trusted to reflect the store (a reload failed, or Watch could not
// reach the store for too long). It wraps store.ErrUnavailable: callers answer 503.
var ErrStale = fmt.Errorf("tenant snapshot is stale: %w", store.ErrUnavailable)

func newDirectory(st store.Store, issuer string, secrets secretHasher) *Directory {
	return &Directory{store: st, issuer: issuer, secrets: secrets}
}

// Snapshot returns the current snapshot of the tenant, or ErrStale.
func (d *Directory) Snapshot() (*Snapshot, error) {
	if !d.fresh() {
		return nil, ErrStale
	}
	s := d.current.Load()
	if s == nil {
		return nil, ErrStale
	}
	return s, nil
}

// reload reads the whole tenant from the store into a new snapshot. On failure the directory serves
// ErrStale until a reload succeeds: a write may have committed that the old snapshot does not show.
func (d *Directory) reload(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	start := time.Now()
	s, err := loadSnapshot(ctx, d.store, d.issuer, d.secrets)
	if err != nil {
		d.current.Store(nil)
		return fmt.Errorf("load tenant snapshot: %w", err)
	}
	d.current.Store(s)
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
	s.apis = make(map[string]policy.API, len(apis.Items))
	for _, a := range apis.Items {
		s.apis[a.Identifier] = policyAPI(a)
		if a.IsSystem {
			s.managementAPI = a.Identifier
		}
	}

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
	linked := map[string][]string{}
	for _, g := range grants.Items {
		l, err := st.ListClientGrantOrganizations(ctx, g.ID, store.Page{})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("organizations of client grant %s: %w", g.ID, err)
		}
		for _, o := range l.Items {
			linked[o.ID] = append(linked[o.ID], g.ID)
		}
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
