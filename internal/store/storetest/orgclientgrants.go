package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

func testOrganizationClientGrants(t *testing.T, open opener) {
	t.Run("add associates the pair and both lists show it", func(t *testing.T) {
		f := open(t)
		o, g := f.organization(), f.grant()
		f.organization()
		f.grant()
		f.associate(o.ID, g.ID)
		if !f.has(o.ID, g.ID) {
			t.Error("has = false after add")
		}
		l, err := f.s.ListOrganizationClientGrants(f.ctx, o.ID, store.ClientGrantFilter{}, store.Page{})
		must(t, err)
		equal(t, "organization's grants", l.Items, []store.ClientGrant{g})
		orgs, err := f.s.ListClientGrantOrganizations(f.ctx, g.ID, store.Page{})
		must(t, err)
		equal(t, "grant's organizations", orgs.Items, []store.Organization{o})
	})

	t.Run("check receives the grant and the organization's current count", func(t *testing.T) {
		f := open(t)
		o, busy := f.organization(), f.organization()
		gs := []store.ClientGrant{f.grant(), f.grant(), f.grant()}
		f.associate(busy.ID, gs[0].ID) // associations of other organizations do not count
		for i, g := range gs {
			called := false
			err := f.s.AddOrganizationClientGrant(f.ctx, o.ID, g.ID, func(got store.ClientGrant, count int) error {
				called = true
				equal(t, "grant", got, g)
				equal(t, "count", count, i)
				return nil
			})
			must(t, err)
			if !called {
				t.Errorf("check not called for grant %d", i)
			}
		}
	})

	t.Run("check error aborts with nothing written", func(t *testing.T) {
		f := open(t)
		o, g := f.organization(), f.grant()
		err := f.s.AddOrganizationClientGrant(f.ctx, o.ID, g.ID, func(store.ClientGrant, int) error { return errBoom })
		wantErr(t, err, errBoom)
		if f.has(o.ID, g.ID) {
			t.Error("associated although check failed")
		}
		equal(t, "organization's grants", f.orgGrantIDs(o.ID), nil)
	})

	t.Run("a second add of the same pair conflicts", func(t *testing.T) {
		f := open(t)
		o, g := f.organization(), f.grant()
		f.associate(o.ID, g.ID)
		err := f.s.AddOrganizationClientGrant(f.ctx, o.ID, g.ID, func(store.ClientGrant, int) error { return nil })
		wantErr(t, err, store.ErrConflict)
		equal(t, "organization's grants", f.orgGrantIDs(o.ID), []string{g.ID})
	})

	t.Run("add with an unknown organization or grant is not found and does not call check", func(t *testing.T) {
		f := open(t)
		o, g := f.organization(), f.grant()
		check := func(store.ClientGrant, int) error {
			t.Error("check called")
			return nil
		}
		wantErr(t, f.s.AddOrganizationClientGrant(f.ctx, "org_nosuchorg000000", g.ID, check), store.ErrNotFound)
		wantErr(t, f.s.AddOrganizationClientGrant(f.ctx, o.ID, "cgr_nosuchgrant0000", check), store.ErrNotFound)
	})

	t.Run("concurrent adds never exceed a limit that check enforces", func(t *testing.T) {
		f := open(t)
		o := f.organization()
		const limit, adders = 3, 10
		errLimit := errors.New("limit reached")
		gs := make([]store.ClientGrant, adders)
		for i := range gs {
			gs[i] = f.grant()
		}
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			added int
		)
		for _, g := range gs {
			wg.Go(func() {
				err := f.s.AddOrganizationClientGrant(f.ctx, o.ID, g.ID, func(_ store.ClientGrant, count int) error {
					if count >= limit {
						return errLimit
					}
					return nil
				})
				switch {
				case err == nil:
					mu.Lock()
					added++
					mu.Unlock()
				case !errors.Is(err, errLimit):
					t.Errorf("add %s: %v", g.ID, err)
				}
			})
		}
		wg.Wait()
		equal(t, "successful adds", added, limit)
		equal(t, "associations", len(f.orgGrantIDs(o.ID)), limit)
	})

	t.Run("remove deletes only that association", func(t *testing.T) {
		f := open(t)
		o1, o2, g := f.organization(), f.organization(), f.grant()
		f.associate(o1.ID, g.ID)
		f.associate(o2.ID, g.ID)
		must(t, f.s.RemoveOrganizationClientGrant(f.ctx, o1.ID, g.ID))
		if f.has(o1.ID, g.ID) {
			t.Error("still associated after remove")
		}
		if !f.has(o2.ID, g.ID) {
			t.Error("the other organization lost its association")
		}
		_, err := f.s.GetClientGrant(f.ctx, g.ID)
		must(t, err)
	})

	t.Run("removing an unassociated pair or an unknown grant is no error", func(t *testing.T) {
		f := open(t)
		o, g := f.organization(), f.grant()
		must(t, f.s.RemoveOrganizationClientGrant(f.ctx, o.ID, g.ID))
		must(t, f.s.RemoveOrganizationClientGrant(f.ctx, o.ID, "cgr_nosuchgrant0000"))
	})

	t.Run("removing from an unknown organization is not found", func(t *testing.T) {
		f := open(t)
		g := f.grant()
		wantErr(t, f.s.RemoveOrganizationClientGrant(f.ctx, "org_nosuchorg000000", g.ID), store.ErrNotFound)
	})

	t.Run("has is false for unknown ids and unassociated pairs", func(t *testing.T) {
		f := open(t)
		o, g, other := f.organization(), f.grant(), f.grant()
		f.associate(o.ID, other.ID)
		for _, pair := range [][2]string{{o.ID, g.ID}, {"org_nosuchorg000000", g.ID}, {o.ID, "cgr_nosuchgrant0000"}} {
			if f.has(pair[0], pair[1]) {
				t.Errorf("has(%s, %s) = true", pair[0], pair[1])
			}
		}
	})

	t.Run("lists follow the creation order of the listed entities", func(t *testing.T) {
		f := open(t)
		o, g := f.organization(), f.grant()
		g1, g2, g3 := f.grant(), f.grant(), f.grant()
		o1, o2, o3 := f.organization(), f.organization(), f.organization()
		for _, x := range []store.ClientGrant{g3, g1, g2} {
			f.associate(o.ID, x.ID)
		}
		for _, x := range []store.Organization{o2, o3, o1} {
			f.associate(x.ID, g.ID)
		}
		equal(t, "organization's grants", f.orgGrantIDs(o.ID), []string{g1.ID, g2.ID, g3.ID})
		equal(t, "grant's organizations", f.grantOrgIDs(g.ID), []string{o1.ID, o2.ID, o3.ID})
	})
}

func testEachOrganizationClientGrant(t *testing.T, open opener) {
	f := open(t)
	o1, o2 := f.organization(), f.organization()
	g1, g2 := f.grant(), f.grant()
	f.associate(o1.ID, g1.ID)
	f.associate(o1.ID, g2.ID)
	f.associate(o2.ID, g2.ID)
	var got []string
	must(t, f.s.EachOrganizationClientGrant(f.ctx, func(orgID, grantID string) error {
		got = append(got, orgID+" "+grantID)
		return nil
	}))
	slices.Sort(got)
	want := []string{o1.ID + " " + g1.ID, o1.ID + " " + g2.ID, o2.ID + " " + g2.ID}
	slices.Sort(want)
	equal(t, "associations", got, want)
	stop := errors.New("stop")
	n := 0
	wantErr(t, f.s.EachOrganizationClientGrant(f.ctx, func(string, string) error { n++; return stop }), stop)
	equal(t, "calls after an error", n, 1)
}
