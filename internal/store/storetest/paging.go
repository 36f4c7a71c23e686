package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

// lister is one list method under test, reduced to the ids it returns.
type lister func(p store.Page) (store.List[string], error)

// listOf adapts a list method's result to a list of ids.
func listOf[T any](l store.List[T], err error, id func(T) string) (store.List[string], error) {
	return store.List[string]{Items: ids(l.Items, id), Total: l.Total, Next: l.Next}, err
}

// pagedList is a list method with a way to fill it.
type pagedList struct {
	name string
	// seed adds n items to the list and returns their ids in creation order, and the list.
	seed func(f *fixture, n int) ([]string, lister)
}

func pagedLists() []pagedList {
	return []pagedList{
		{"resource servers", func(f *fixture, n int) ([]string, lister) {
			var want []string
			for range n {
				want = append(want, f.resourceServer().ID)
			}
			return want, func(p store.Page) (store.List[string], error) {
				l, err := f.s.ListResourceServers(f.ctx, p)
				return listOf(l, err, rsID)
			}
		}},
		{"clients", func(f *fixture, n int) ([]string, lister) {
			var want []string
			for range n {
				want = append(want, f.client().ClientID)
			}
			return want, func(p store.Page) (store.List[string], error) {
				l, err := f.s.ListClients(f.ctx, p)
				return listOf(l, err, clientID)
			}
		}},
		{"client grants", func(f *fixture, n int) ([]string, lister) {
			var want []string
			for range n {
				want = append(want, f.grant().ID)
			}
			return want, func(p store.Page) (store.List[string], error) {
				l, err := f.s.ListClientGrants(f.ctx, store.ClientGrantFilter{}, p)
				return listOf(l, err, grantID)
			}
		}},
		{"organizations", func(f *fixture, n int) ([]string, lister) {
			var want []string
			for range n {
				want = append(want, f.organization().ID)
			}
			return want, func(p store.Page) (store.List[string], error) {
				l, err := f.s.ListOrganizations(f.ctx, p)
				return listOf(l, err, orgID)
			}
		}},
		{"client grants of an organization", func(f *fixture, n int) ([]string, lister) {
			o := f.organization()
			f.grant() // not associated
			var want []string
			for range n {
				g := f.grant()
				f.associate(o.ID, g.ID)
				want = append(want, g.ID)
			}
			return want, func(p store.Page) (store.List[string], error) {
				l, err := f.s.ListOrganizationClientGrants(f.ctx, o.ID, store.ClientGrantFilter{}, p)
				return listOf(l, err, grantID)
			}
		}},
		{"connections", func(f *fixture, n int) ([]string, lister) {
			var want []string
			for range n {
				want = append(want, f.connection().ID)
			}
			return want, func(p store.Page) (store.List[string], error) {
				l, err := f.s.ListConnections(f.ctx, store.ConnectionFilter{}, p)
				return listOf(l, err, connectionID)
			}
		}},
		{"clients of a connection", func(f *fixture, n int) ([]string, lister) {
			f.client() // not enabled
			var want []string
			for range n {
				want = append(want, f.client().ClientID)
			}
			c := f.connection(want...)
			return want, func(p store.Page) (store.List[string], error) {
				return f.s.ListConnectionClients(f.ctx, c.ID, p)
			}
		}},
		{"connections of a client", func(f *fixture, n int) ([]string, lister) {
			cl := f.client()
			f.connection() // not enabled
			var want []string
			for range n {
				want = append(want, f.connection(cl.ClientID).ID)
			}
			return want, func(p store.Page) (store.List[string], error) {
				l, err := f.s.ListClientConnections(f.ctx, cl.ClientID, p)
				return listOf(l, err, connectionID)
			}
		}},
		{"users", func(f *fixture, n int) ([]string, lister) {
			c := f.connection()
			var want []string
			for range n {
				want = append(want, f.user(c.ID).ID)
			}
			return want, func(p store.Page) (store.List[string], error) {
				l, err := f.s.ListUsers(f.ctx, store.UserFilter{}, p)
				return listOf(l, err, userID)
			}
		}},
		{"members of an organization", func(f *fixture, n int) ([]string, lister) {
			c := f.connection()
			o := f.organization()
			f.user(c.ID) // not a member
			var want []string
			for range n {
				want = append(want, f.user(c.ID).ID)
			}
			for i := len(want) - 1; i >= 0; i-- { // join order is not creation order
				f.addMembers(o.ID, want[i])
			}
			slices.Reverse(want)
			return want, func(p store.Page) (store.List[string], error) {
				l, err := f.s.ListOrganizationMembers(f.ctx, o.ID, p)
				return listOf(l, err, func(m store.Member) string { return m.User.ID })
			}
		}},
		{"organizations of a user", func(f *fixture, n int) ([]string, lister) {
			u := f.user(f.connection().ID)
			f.organization() // not a member
			var want []string
			for range n {
				want = append(want, f.organization().ID)
			}
			for i := len(want) - 1; i >= 0; i-- {
				f.addMembers(want[i], u.ID)
			}
			slices.Reverse(want)
			return want, func(p store.Page) (store.List[string], error) {
				l, err := f.s.ListUserOrganizations(f.ctx, u.ID, p)
				return listOf(l, err, func(uo store.UserOrganization) string { return uo.Organization.ID })
			}
		}},
		{"roles", func(f *fixture, n int) ([]string, lister) {
			var want []string
			for range n {
				want = append(want, f.role().ID)
			}
			return want, func(p store.Page) (store.List[string], error) {
				l, err := f.s.ListRoles(f.ctx, "", p)
				return listOf(l, err, roleID)
			}
		}},
		{"permissions of a role", func(f *fixture, n int) ([]string, lister) {
			r := f.role()
			api := f.resourceServer()
			var want []string
			for i := range n {
				p := perm(api, fmt.Sprintf("perm:%d", n-i))
				must(f.t, f.s.AddRolePermissions(f.ctx, r.ID, []store.Permission{p}, nil))
				want = append(want, p.PermissionName)
			}
			return want, func(p store.Page) (store.List[string], error) {
				l, err := f.s.ListRolePermissions(f.ctx, r.ID, p)
				return listOf(l, err, func(p store.Permission) string { return p.PermissionName })
			}
		}},
		{"tenant roles of a user", func(f *fixture, n int) ([]string, lister) {
			u := f.user(f.connection().ID)
			f.role() // not assigned
			var want []string
			for range n {
				want = append(want, f.role().ID)
			}
			must(f.t, f.s.AssignUserRoles(f.ctx, u.ID, reversed(want), nil))
			return want, func(p store.Page) (store.List[string], error) {
				l, err := f.s.ListUserRoles(f.ctx, u.ID, p)
				return listOf(l, err, roleID)
			}
		}},
		{"roles of a member", func(f *fixture, n int) ([]string, lister) {
			u := f.user(f.connection().ID)
			o := f.organization()
			f.role() // not assigned
			var want []string
			for range n {
				want = append(want, f.role().ID)
			}
			must(f.t, f.s.AssignMemberRoles(f.ctx, o.ID, u.ID, reversed(want), nil))
			return want, func(p store.Page) (store.List[string], error) {
				l, err := f.s.ListMemberRoles(f.ctx, o.ID, u.ID, p)
				return listOf(l, err, roleID)
			}
		}},
		{"connections of an organization", func(f *fixture, n int) ([]string, lister) {
			o := f.organization()
			f.connection() // not enabled
			var want []string
			for range n {
				want = append(want, f.connection().ID)
			}
			for _, id := range slices.Backward(want) {
				f.addOrgConnection(o.ID, id)
			}
			return want, func(p store.Page) (store.List[string], error) {
				l, err := f.s.ListOrganizationConnections(f.ctx, o.ID, p)
				return listOf(l, err, orgConnectionID)
			}
		}},
		{"organizations of a connection", func(f *fixture, n int) ([]string, lister) {
			c := f.connection()
			f.organization() // not enabled
			var want []string
			for range n {
				want = append(want, f.organization().ID)
			}
			for _, id := range slices.Backward(want) {
				f.addOrgConnection(id, c.ID)
			}
			return want, func(p store.Page) (store.List[string], error) {
				l, err := f.s.ListConnectionOrganizations(f.ctx, c.ID, p)
				return listOf(l, err, func(oc store.OrganizationConnection) string { return oc.OrganizationID })
			}
		}},
		{"organizations of a client grant", func(f *fixture, n int) ([]string, lister) {
			g := f.grant()
			f.organization() // not associated
			var want []string
			for range n {
				o := f.organization()
				f.associate(o.ID, g.ID)
				want = append(want, o.ID)
			}
			return want, func(p store.Page) (store.List[string], error) {
				l, err := f.s.ListClientGrantOrganizations(f.ctx, g.ID, p)
				return listOf(l, err, orgID)
			}
		}},
	}
}

// reversed is a reversed copy of s.
func reversed(s []string) []string {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

func testPaging(t *testing.T, open opener) {
	for _, pl := range pagedLists() {
		t.Run(pl.name, func(t *testing.T) { testPagedList(t, open, pl) })
	}
	t.Run("checkpoints are positions that additions and deletions do not shift", func(t *testing.T) {
		f := open(t)
		o1, o2, o3 := f.organization(), f.organization(), f.organization()
		page := func(from string) store.List[string] {
			t.Helper()
			l, err := f.s.ListOrganizations(f.ctx, store.Page{Checkpoint: true, From: from, Limit: 2})
			got, err := listOf(l, err, orgID)
			must(t, err)
			return got
		}
		first := page("")
		equal(t, "first page", first.Items, []string{o1.ID, o2.ID})
		must(t, f.s.DeleteOrganization(f.ctx, o1.ID))
		o4 := f.organization()
		second := page(first.Next)
		equal(t, "second page", second.Items, []string{o3.ID, o4.ID})
		equal(t, "next after the last item", second.Next, "")
	})
	t.Run("items created after the item at a cursor was deleted appear after the cursor", func(t *testing.T) {
		f := open(t)
		o1, o2, o3 := f.organization(), f.organization(), f.organization()
		l, err := f.s.ListOrganizations(f.ctx, store.Page{Checkpoint: true, Limit: 2})
		first, err := listOf(l, err, orgID)
		must(t, err)
		equal(t, "first page", first.Items, []string{o1.ID, o2.ID})
		must(t, f.s.DeleteOrganization(f.ctx, o3.ID))
		must(t, f.s.DeleteOrganization(f.ctx, o2.ID))
		o4 := f.organization()
		l, err = f.s.ListOrganizations(f.ctx, store.Page{Checkpoint: true, Limit: 2, From: first.Next})
		second, err := listOf(l, err, orgID)
		must(t, err)
		equal(t, "second page", second.Items, []string{o4.ID})
	})
}

func testPagedList(t *testing.T, open opener, pl pagedList) {
	t.Run("an empty list has no items, no total and no next", func(t *testing.T) {
		f := open(t)
		_, list := pl.seed(f, 0)
		for _, p := range []store.Page{{Limit: 10, WantTotal: true}, {Checkpoint: true, Limit: 10}} {
			got, err := list(p)
			must(t, err)
			equal(t, "page", got, store.List[string]{})
		}
	})

	t.Run("offset pages in creation order with totals", func(t *testing.T) {
		f := open(t)
		want, list := pl.seed(f, 5)
		for _, tt := range []struct {
			offset int
			items  []string
		}{{0, want[0:2]}, {2, want[2:4]}, {4, want[4:]}, {5, nil}, {50, nil}} {
			got, err := list(store.Page{Offset: tt.offset, Limit: 2, WantTotal: true})
			must(t, err)
			equal(t, "page", got, store.List[string]{Items: tt.items, Total: 5})
		}
	})

	t.Run("a zero limit returns every item", func(t *testing.T) {
		f := open(t)
		want, list := pl.seed(f, 5)
		got, err := list(store.Page{})
		must(t, err)
		equal(t, "items", got.Items, want)
		got, err = list(store.Page{Checkpoint: true})
		must(t, err)
		equal(t, "checkpoint page", got, store.List[string]{Items: want})
	})

	t.Run("checkpoint pages follow next and the last page has none", func(t *testing.T) {
		f := open(t)
		want, list := pl.seed(f, 5)
		var pages [][]string
		p := store.Page{Checkpoint: true, Limit: 2}
		for range len(want) + 1 { // bounded, in case next never ends
			got, err := list(p)
			must(t, err)
			pages = append(pages, got.Items)
			if got.Next == "" {
				break
			}
			p.From = got.Next
		}
		equal(t, "pages", pages, [][]string{want[0:2], want[2:4], want[4:]})
	})

	t.Run("a checkpoint page that ends at the last item has no next", func(t *testing.T) {
		f := open(t)
		want, list := pl.seed(f, 4)
		got, err := list(store.Page{Checkpoint: true, Limit: 4})
		must(t, err)
		equal(t, "page", got, store.List[string]{Items: want})
		first, err := list(store.Page{Checkpoint: true, Limit: 2})
		must(t, err)
		got, err = list(store.Page{Checkpoint: true, Limit: 2, From: first.Next})
		must(t, err)
		equal(t, "second page", got, store.List[string]{Items: want[2:]})
	})

	t.Run("a cursor the store did not produce is invalid", func(t *testing.T) {
		f := open(t)
		_, list := pl.seed(f, 1)
		for _, from := range []string{"garbage", "-1", "1.5", " 1", "99999999999999999999999"} {
			_, err := list(store.Page{Checkpoint: true, Limit: 2, From: from})
			if !errors.Is(err, store.ErrInvalidCursor) {
				t.Errorf("from %q: error = %v, want %v", from, err, store.ErrInvalidCursor)
			}
		}
	})
}
