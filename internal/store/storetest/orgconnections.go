package storetest

import (
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

// addOrgConnection enables a connection for an organization, shown as a button.
func (f *fixture) addOrgConnection(org, connection string) store.OrganizationConnection {
	f.t.Helper()
	oc := store.OrganizationConnection{OrganizationID: org, ConnectionID: connection, ShowAsButton: true}
	must(f.t, f.s.AddOrganizationConnection(f.ctx, oc, nil))
	return oc
}

func orgConnectionID(oc store.OrganizationConnection) string { return oc.ConnectionID }

func testOrganizationConnections(t *testing.T, open opener) {
	t.Run("add then get returns every field", func(t *testing.T) {
		f := open(t)
		o, c := f.organization(), f.connection()
		oc := store.OrganizationConnection{OrganizationID: o.ID, ConnectionID: c.ID, AssignMembershipOnLogin: true,
			ShowAsButton: false, IsSignupEnabled: true}
		must(t, f.s.AddOrganizationConnection(f.ctx, oc, nil))
		got, err := f.s.GetOrganizationConnection(f.ctx, o.ID, c.ID)
		must(t, err)
		equal(t, "entry", got, oc)
	})

	t.Run("a duplicate conflicts; unknown organizations, connections and entries are not found", func(t *testing.T) {
		f := open(t)
		o, c, other := f.organization(), f.connection(), f.connection()
		first := f.addOrgConnection(o.ID, c.ID)
		dup := first
		dup.AssignMembershipOnLogin = true
		wantErr(t, f.s.AddOrganizationConnection(f.ctx, dup, nil), store.ErrConflict)
		got, err := f.s.GetOrganizationConnection(f.ctx, o.ID, c.ID)
		must(t, err)
		equal(t, "kept", got, first)

		for _, k := range []store.OrganizationConnection{
			{OrganizationID: "org_nosuchorg000000", ConnectionID: c.ID},
			{OrganizationID: o.ID, ConnectionID: "con_nosuchconnection"},
		} {
			wantErr(t, f.s.AddOrganizationConnection(f.ctx, k, nil), store.ErrNotFound)
		}
		for _, k := range [][2]string{{"org_nosuchorg000000", c.ID}, {o.ID, "con_nosuchconnection"}, {o.ID, other.ID}} {
			_, err := f.s.GetOrganizationConnection(f.ctx, k[0], k[1])
			wantErr(t, err, store.ErrNotFound)
			_, err = f.s.UpdateOrganizationConnection(f.ctx, k[0], k[1], func(*store.OrganizationConnection) error {
				t.Error("update function called")
				return nil
			})
			wantErr(t, err, store.ErrNotFound)
			wantErr(t, f.s.RemoveOrganizationConnection(f.ctx, k[0], k[1]), store.ErrNotFound)
		}
		_, err = f.s.ListOrganizationConnections(f.ctx, "org_nosuchorg000000", store.Page{})
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.ListConnectionOrganizations(f.ctx, "con_nosuchconnection", store.Page{})
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("check sees the count with the new entry and can refuse it", func(t *testing.T) {
		f := open(t)
		o := f.organization()
		c := &counted{limit: 2}
		for range 3 {
			err := f.s.AddOrganizationConnection(f.ctx, store.OrganizationConnection{OrganizationID: o.ID, ConnectionID: f.connection().ID}, c.check)
			if len(c.counts) == 3 {
				wantErr(t, err, errBoom)
			} else {
				must(t, err)
			}
		}
		equal(t, "counts given to check", c.counts, []int{1, 2, 3})
		l, err := f.s.ListOrganizationConnections(f.ctx, o.ID, store.Page{WantTotal: true})
		must(t, err)
		equal(t, "entries", l.Total, 2)
	})

	t.Run("update changes the switches and keeps organization and connection", func(t *testing.T) {
		f := open(t)
		o, c, other := f.organization(), f.connection(), f.connection()
		oc := f.addOrgConnection(o.ID, c.ID)
		f.addOrgConnection(o.ID, other.ID)
		want := store.OrganizationConnection{OrganizationID: o.ID, ConnectionID: c.ID, AssignMembershipOnLogin: true, IsSignupEnabled: true}
		got, err := f.s.UpdateOrganizationConnection(f.ctx, o.ID, c.ID, func(x *store.OrganizationConnection) error {
			equal(t, "fn receives", *x, oc)
			*x = want
			x.OrganizationID, x.ConnectionID = "org_other0000000000", other.ID
			return nil
		})
		must(t, err)
		equal(t, "returned", got, want)
		got, err = f.s.GetOrganizationConnection(f.ctx, o.ID, other.ID)
		must(t, err)
		equal(t, "the other entry", got.AssignMembershipOnLogin, false)
		_, err = f.s.UpdateOrganizationConnection(f.ctx, o.ID, c.ID, func(x *store.OrganizationConnection) error {
			x.ShowAsButton = true
			return errBoom
		})
		wantErr(t, err, errBoom)
		got, err = f.s.GetOrganizationConnection(f.ctx, o.ID, c.ID)
		must(t, err)
		equal(t, "after an aborted update", got, want)
	})

	t.Run("lists in the creation order of the side listed; remove", func(t *testing.T) {
		f := open(t)
		o1, o2 := f.organization(), f.organization()
		c1, c2 := f.connection(), f.connection()
		a := f.addOrgConnection(o1.ID, c2.ID)
		b := f.addOrgConnection(o1.ID, c1.ID)
		d := f.addOrgConnection(o2.ID, c2.ID)
		l, err := f.s.ListOrganizationConnections(f.ctx, o1.ID, store.Page{WantTotal: true})
		must(t, err)
		equal(t, "connections of o1", l, store.List[store.OrganizationConnection]{Items: []store.OrganizationConnection{b, a}, Total: 2})
		l, err = f.s.ListConnectionOrganizations(f.ctx, c2.ID, store.Page{WantTotal: true})
		must(t, err)
		equal(t, "organizations of c2", l, store.List[store.OrganizationConnection]{Items: []store.OrganizationConnection{a, d}, Total: 2})

		must(t, f.s.RemoveOrganizationConnection(f.ctx, o1.ID, c2.ID))
		wantErr(t, f.s.RemoveOrganizationConnection(f.ctx, o1.ID, c2.ID), store.ErrNotFound)
		l, err = f.s.ListOrganizationConnections(f.ctx, o1.ID, store.Page{})
		must(t, err)
		equal(t, "connections of o1 after removal", l.Items, []store.OrganizationConnection{b})
	})

	t.Run("deleting the organization removes its entries", func(t *testing.T) {
		f := open(t)
		o, other := f.organization(), f.organization()
		c := f.connection()
		f.addOrgConnection(o.ID, c.ID)
		kept := f.addOrgConnection(other.ID, c.ID)
		must(t, f.s.DeleteOrganization(f.ctx, o.ID))
		l, err := f.s.ListConnectionOrganizations(f.ctx, c.ID, store.Page{})
		must(t, err)
		equal(t, "organizations of the connection", l.Items, []store.OrganizationConnection{kept})
	})
}
