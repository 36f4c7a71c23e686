package storetest

import (
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

func testClientGrants(t *testing.T, open opener) {
	t.Run("create then get by id and by client and audience returns every field", func(t *testing.T) {
		f := open(t)
		c, api := f.client(), f.resourceServer()
		g := store.ClientGrant{
			ID:                   "cgr_abcdefghijklmnop",
			ClientID:             c.ClientID,
			Audience:             api.Identifier,
			Scope:                []string{"read:things", "write:things"},
			OrganizationUsage:    store.UsageRequire,
			AllowAnyOrganization: true,
			SubjectType:          "client",
			CreatedAt:            inZone(),
			UpdatedAt:            inZone().Add(time.Second),
		}
		must(t, f.s.CreateClientGrant(f.ctx, g))
		want := g
		want.CreatedAt, want.UpdatedAt = g.CreatedAt.UTC(), g.UpdatedAt.UTC()

		got, err := f.s.GetClientGrant(f.ctx, g.ID)
		must(t, err)
		equal(t, "by id", got, want)
		got, err = f.s.GetClientGrantByClientAudience(f.ctx, c.ClientID, api.Identifier)
		must(t, err)
		equal(t, "by client and audience", got, want)
	})

	t.Run("nil and empty scope and unset usage read back as such", func(t *testing.T) {
		f := open(t)
		api := f.resourceServer()
		for _, scope := range [][]string{nil, {}} {
			g := f.newClientGrant(f.client().ClientID, api.Identifier)
			g.Scope, g.OrganizationUsage = scope, ""
			must(t, f.s.CreateClientGrant(f.ctx, g))
			got, err := f.s.GetClientGrant(f.ctx, g.ID)
			must(t, err)
			if got.Scope != nil || got.OrganizationUsage != "" {
				t.Errorf("scope %#v read back as %s", scope, show(got))
			}
		}
	})

	t.Run("a second grant for the same client and audience conflicts", func(t *testing.T) {
		f := open(t)
		first := f.grant()
		dup := f.newClientGrant(first.ClientID, first.Audience)
		wantErr(t, f.s.CreateClientGrant(f.ctx, dup), store.ErrConflict)
		_, err := f.s.GetClientGrant(f.ctx, dup.ID)
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("a client may have grants for other audiences and an audience grants for other clients", func(t *testing.T) {
		f := open(t)
		first := f.grant()
		f.clientGrant(first.ClientID, f.resourceServer().Identifier)
		f.clientGrant(f.client().ClientID, first.Audience)
	})

	t.Run("create with a taken id conflicts", func(t *testing.T) {
		f := open(t)
		first := f.grant()
		dup := f.newClientGrant(f.client().ClientID, first.Audience)
		dup.ID = first.ID
		wantErr(t, f.s.CreateClientGrant(f.ctx, dup), store.ErrConflict)
	})

	t.Run("create for an unknown client or audience is not found", func(t *testing.T) {
		f := open(t)
		c, api := f.client(), f.resourceServer()
		wantErr(t, f.s.CreateClientGrant(f.ctx, f.newClientGrant("nosuchclient", api.Identifier)), store.ErrNotFound)
		wantErr(t, f.s.CreateClientGrant(f.ctx, f.newClientGrant(c.ClientID, "https://nosuch.example.com/")), store.ErrNotFound)
		l, err := f.s.ListClientGrants(f.ctx, store.ClientGrantFilter{}, store.Page{})
		must(t, err)
		equal(t, "grants", l.Items, nil)
	})

	t.Run("update stores what fn leaves and returns what get returns", func(t *testing.T) {
		f := open(t)
		g := f.grant()
		want := g
		want.Scope = []string{"admin"}
		want.OrganizationUsage = store.UsageRequire
		want.AllowAnyOrganization = true
		want.UpdatedAt = at(1000)
		got, err := f.s.UpdateClientGrant(f.ctx, g.ID, func(x *store.ClientGrant) error {
			equal(t, "fn receives", *x, g)
			x.Scope, x.OrganizationUsage, x.AllowAnyOrganization, x.UpdatedAt =
				want.Scope, want.OrganizationUsage, want.AllowAnyOrganization, want.UpdatedAt
			return nil
		})
		must(t, err)
		equal(t, "returned", got, want)
		got, err = f.s.GetClientGrant(f.ctx, g.ID)
		must(t, err)
		equal(t, "stored", got, want)
	})

	t.Run("update keeps the id, client, audience and creation time", func(t *testing.T) {
		f := open(t)
		g := f.grant()
		other := f.grant()
		got, err := f.s.UpdateClientGrant(f.ctx, g.ID, func(x *store.ClientGrant) error {
			x.ID, x.ClientID, x.Audience, x.CreatedAt = "cgr_zzzzzzzzzzzzzzzz", other.ClientID, other.Audience, at(5000)
			return nil
		})
		must(t, err)
		equal(t, "returned", got, g)
	})

	t.Run("update fn error aborts and leaves the row unchanged", func(t *testing.T) {
		f := open(t)
		g := f.grant()
		_, err := f.s.UpdateClientGrant(f.ctx, g.ID, func(x *store.ClientGrant) error {
			x.Scope = nil
			return errBoom
		})
		wantErr(t, err, errBoom)
		got, err := f.s.GetClientGrant(f.ctx, g.ID)
		must(t, err)
		equal(t, "stored", got, g)
	})

	t.Run("delete removes it and its associations only", func(t *testing.T) {
		f := open(t)
		g, other := f.grant(), f.grant()
		o1, o2 := f.organization(), f.organization()
		f.associate(o1.ID, g.ID)
		f.associate(o2.ID, g.ID)
		f.associate(o1.ID, other.ID)

		must(t, f.s.DeleteClientGrant(f.ctx, g.ID))
		_, err := f.s.GetClientGrant(f.ctx, g.ID)
		wantErr(t, err, store.ErrNotFound)
		if f.has(o1.ID, g.ID) || f.has(o2.ID, g.ID) {
			t.Error("the deleted grant is still associated")
		}
		equal(t, "first organization's grants", f.orgGrantIDs(o1.ID), []string{other.ID})
		equal(t, "second organization's grants", f.orgGrantIDs(o2.ID), nil)
		_, err = f.s.GetClient(f.ctx, g.ClientID)
		must(t, err)
		wantErr(t, f.s.DeleteClientGrant(f.ctx, g.ID), store.ErrNotFound)
	})

	t.Run("filters", func(t *testing.T) { testClientGrantFilters(t, open) })
}

// testClientGrantFilters runs each filter on ListClientGrants and on ListOrganizationClientGrants of an
// organization associated with some of the grants.
func testClientGrantFilters(t *testing.T, open opener) {
	f := open(t)
	c1, c2, c3 := f.client(), f.client(), f.client()
	a1, a2 := f.resourceServer(), f.resourceServer()
	anyOrg := func(g store.ClientGrant) store.ClientGrant {
		g.AllowAnyOrganization = true
		must(t, f.s.CreateClientGrant(f.ctx, g))
		return g
	}
	g11 := anyOrg(f.newClientGrant(c1.ClientID, a1.Identifier))
	g12 := f.clientGrant(c1.ClientID, a2.Identifier)
	g21 := f.clientGrant(c2.ClientID, a1.Identifier)
	g22 := anyOrg(f.newClientGrant(c2.ClientID, a2.Identifier))
	g31 := f.clientGrant(c3.ClientID, a1.Identifier) // not associated
	o := f.organization()
	// Associated out of creation order: lists still follow the grants' creation order.
	for _, g := range []store.ClientGrant{g22, g11, g21, g12} {
		f.associate(o.ID, g.ID)
	}

	tests := []struct {
		name   string
		filter store.ClientGrantFilter
		all    []string // ListClientGrants
		inOrg  []string // ListOrganizationClientGrants
	}{
		{name: "no filter matches all", all: grantIDs(g11, g12, g21, g22, g31), inOrg: grantIDs(g11, g12, g21, g22)},
		{name: "audience", filter: store.ClientGrantFilter{Audience: a1.Identifier},
			all: grantIDs(g11, g21, g31), inOrg: grantIDs(g11, g21)},
		{name: "client id", filter: store.ClientGrantFilter{ClientID: c2.ClientID},
			all: grantIDs(g21, g22), inOrg: grantIDs(g21, g22)},
		{name: "allow any organization true", filter: store.ClientGrantFilter{AllowAnyOrganization: ptr(true)},
			all: grantIDs(g11, g22), inOrg: grantIDs(g11, g22)},
		{name: "allow any organization false", filter: store.ClientGrantFilter{AllowAnyOrganization: ptr(false)},
			all: grantIDs(g12, g21, g31), inOrg: grantIDs(g12, g21)},
		{name: "grant ids in any order", filter: store.ClientGrantFilter{GrantIDs: []string{g31.ID, g22.ID, g11.ID}},
			all: grantIDs(g11, g22, g31), inOrg: grantIDs(g11, g22)},
		{name: "audience and client id", filter: store.ClientGrantFilter{Audience: a2.Identifier, ClientID: c1.ClientID},
			all: grantIDs(g12), inOrg: grantIDs(g12)},
		{name: "every field", filter: store.ClientGrantFilter{Audience: a1.Identifier, ClientID: c1.ClientID,
			AllowAnyOrganization: ptr(true), GrantIDs: []string{g11.ID, g12.ID}}, all: grantIDs(g11), inOrg: grantIDs(g11)},
		{name: "unknown audience matches none", filter: store.ClientGrantFilter{Audience: "https://nosuch.example.com/"}},
		{name: "unknown grant id matches none", filter: store.ClientGrantFilter{GrantIDs: []string{"cgr_nosuchgrant0000"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all, err := f.s.ListClientGrants(f.ctx, tt.filter, store.Page{WantTotal: true})
			must(t, err)
			equal(t, "client grants", ids(all.Items, grantID), tt.all)
			equal(t, "client grants total", all.Total, len(tt.all))

			inOrg, err := f.s.ListOrganizationClientGrants(f.ctx, o.ID, tt.filter, store.Page{WantTotal: true})
			must(t, err)
			equal(t, "organization client grants", ids(inOrg.Items, grantID), tt.inOrg)
			equal(t, "organization client grants total", inOrg.Total, len(tt.inOrg))
		})
	}

	t.Run("pages apply after the filter", func(t *testing.T) {
		p := store.Page{Offset: 1, Limit: 1, WantTotal: true}
		filter := store.ClientGrantFilter{Audience: a1.Identifier}
		all, err := f.s.ListClientGrants(f.ctx, filter, p)
		must(t, err)
		equal(t, "client grants", ids(all.Items, grantID), grantIDs(g21))
		equal(t, "client grants total", all.Total, 3)
		inOrg, err := f.s.ListOrganizationClientGrants(f.ctx, o.ID, filter, p)
		must(t, err)
		equal(t, "organization client grants", ids(inOrg.Items, grantID), grantIDs(g21))
		equal(t, "organization client grants total", inOrg.Total, 2)

		var got []string
		cp := store.Page{Checkpoint: true, Limit: 2}
		for {
			l, err := f.s.ListClientGrants(f.ctx, filter, cp)
			must(t, err)
			got = append(got, ids(l.Items, grantID)...)
			if l.Next == "" {
				break
			}
			cp.From = l.Next
		}
		equal(t, "client grants by checkpoint", got, grantIDs(g11, g21, g31))
	})
}

// grantIDs lists the ids of gs.
func grantIDs(gs ...store.ClientGrant) []string { return ids(gs, grantID) }
