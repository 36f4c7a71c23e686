package tenant

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/store"
)

const (
	// maxCatchUpRounds bounds the rounds of applyChanges while writes keep coming.
	maxCatchUpRounds = 8
	// maxChangesApplied is the most versions whose changes are applied one by one: past it, reading
	// the whole tenant is cheaper than reading again each entry they name.
	maxChangesApplied = 10_000
)

// applyChanges returns the snapshot that follows cur after the changes committed since cur's version.
// Each round lists the changes, reads again the entries they name, and lists again: when no change came
// meanwhile, every entry read shows the store at the last version listed, so the snapshot is one state
// of the tenant. While writes keep coming it stops after maxCatchUpRounds; the next catch-up, which
// those writes trigger, completes it. store.ErrChangesGone: the store no longer has the changes, or
// there are too many; the caller loads the whole tenant.
func applyChanges(ctx context.Context, st store.Store, cur *Snapshot) (*Snapshot, error) {
	e := editSnapshot(cur)
	after := cur.version
	for range maxCatchUpRounds {
		cs, err := st.Changes(ctx, after, maxChangesApplied)
		if err != nil {
			return nil, fmt.Errorf("changes after version %d: %w", after, err)
		}
		if cs.Through == after {
			break
		}
		if err := e.apply(ctx, st, cs.Items); err != nil {
			return nil, err
		}
		after = cs.Through
	}
	next := e.done()
	next.version = after
	return next, nil
}

// snapshotEdit builds the next Snapshot from the current one, sharing what did not change.
type snapshotEdit struct {
	s        Snapshot
	clients  *cowEdit[*TokenClient]
	grants   *cowEdit[grantRef]
	orgs     *cowEdit[*orgEntry]
	orgNames *cowEdit[string]
}

func editSnapshot(cur *Snapshot) *snapshotEdit {
	return &snapshotEdit{s: *cur, clients: cur.clients.edit(), grants: cur.grants.edit(),
		orgs: cur.orgs.edit(), orgNames: cur.orgNames.edit()}
}

func (e *snapshotEdit) done() *Snapshot {
	s := e.s
	s.clients, s.grants, s.orgs, s.orgNames = e.clients.done(), e.grants.done(), e.orgs.done(), e.orgNames.done()
	return &s
}

// apply reads again what the changes name, each entry once.
func (e *snapshotEdit) apply(ctx context.Context, st store.Store, changes []store.Change) error {
	type entry struct {
		kind store.ChangeKind
		key  string
	}
	seen := map[entry]bool{}
	clients := map[string]bool{} // clients to read again: those named, and the owners of the grants named
	for _, c := range changes {
		if seen[entry{c.Kind, c.Key}] {
			continue
		}
		seen[entry{c.Kind, c.Key}] = true
		var err error
		switch c.Kind {
		case store.ChangeSettings:
			e.s.settings, err = st.GetTenantSettings(ctx)
		case store.ChangeAPI:
			if !seen[entry{store.ChangeAPI, ""}] { // the APIs are few: one change reads them all again
				seen[entry{store.ChangeAPI, ""}] = true
				err = e.readAPIs(ctx, st)
			}
		case store.ChangeClient:
			clients[c.Key] = true
		case store.ChangeClientGrant:
			var owner string
			owner, err = e.grantOwner(ctx, st, c.Key)
			if owner != "" {
				clients[owner] = true
			}
		case store.ChangeOrganization:
			err = e.readOrganization(ctx, st, c.Key)
		default:
			err = fmt.Errorf("change of unknown kind %q", c.Kind)
		}
		if err != nil {
			return fmt.Errorf("apply change %d (%s %s): %w", c.Version, c.Kind, c.Key, err)
		}
	}
	for id := range clients {
		if err := e.readClient(ctx, st, id); err != nil {
			return fmt.Errorf("read client %s again: %w", id, err)
		}
	}
	return nil
}

func (e *snapshotEdit) readAPIs(ctx context.Context, st store.Store) error {
	l, err := st.ListResourceServers(ctx, store.Page{})
	if err != nil {
		return err
	}
	e.s.apis, e.s.managementAPI = apisOf(l.Items)
	return nil
}

// grantOwner returns the client whose grant id is, as the store says now or, when the grant is gone,
// as the snapshot said; "" when neither knows it.
func (e *snapshotEdit) grantOwner(ctx context.Context, st store.Store, id string) (string, error) {
	g, err := st.GetClientGrant(ctx, id)
	switch {
	case err == nil:
		return g.ClientID, nil
	case !errors.Is(err, store.ErrNotFound):
		return "", err
	}
	ref, ok := e.grants.get(id)
	e.grants.delete(id)
	if !ok {
		return "", nil
	}
	return ref.clientID, nil
}

// readClient reads a client again with its credentials and grants, or drops it.
func (e *snapshotEdit) readClient(ctx context.Context, st store.Store, id string) error {
	c, err := st.GetClient(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		if old, ok := e.clients.get(id); ok {
			for _, g := range old.grants {
				e.grants.delete(g.ID)
			}
		}
		e.clients.delete(id)
		return nil
	}
	if err != nil {
		return err
	}
	var creds []store.ClientCredential
	if len(c.PrivateKeyJWTCredentials) > 0 {
		if creds, err = st.ListClientCredentials(ctx, id); err != nil {
			return err
		}
	}
	grants, err := st.ListClientGrants(ctx, store.ClientGrantFilter{ClientID: id}, store.Page{})
	if err != nil {
		return err
	}
	if old, ok := e.clients.get(id); ok {
		for _, g := range old.grants {
			e.grants.delete(g.ID)
		}
	}
	for _, g := range grants.Items {
		e.grants.set(g.ID, grantRef{g.ClientID, g.Audience})
	}
	e.clients.set(id, newTokenClient(c, creds, grants.Items))
	return nil
}

// readOrganization reads an organization again with its associations, or drops it.
func (e *snapshotEdit) readOrganization(ctx context.Context, st store.Store, id string) error {
	old, hadOld := e.orgs.get(id)
	if hadOld {
		if owner, _ := e.orgNames.get(old.org.Name); owner == id {
			e.orgNames.delete(old.org.Name)
		}
	}
	o, err := st.GetOrganization(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		e.orgs.delete(id)
		return nil
	}
	if err != nil {
		return err
	}
	grants, err := st.ListOrganizationClientGrants(ctx, id, store.ClientGrantFilter{}, store.Page{})
	if err != nil {
		return err
	}
	ids := make([]string, len(grants.Items))
	for i, g := range grants.Items {
		ids[i] = g.ID
	}
	slices.Sort(ids)
	e.orgs.set(id, &orgEntry{org: policy.Organization{ID: o.ID, Name: o.Name}, grants: ids})
	e.orgNames.set(o.Name, o.ID)
	return nil
}

// apisOf indexes the APIs by identifier and finds the Management API's identifier.
func apisOf(apis []store.ResourceServer) (map[string]policy.API, string) {
	m := make(map[string]policy.API, len(apis))
	system := ""
	for _, a := range apis {
		m[a.Identifier] = policyAPI(a)
		if a.IsSystem {
			system = a.Identifier
		}
	}
	return m, system
}
