package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

func (f *fixture) newRole() store.Role {
	n := f.next()
	return store.Role{
		ID:          fmt.Sprintf("rol_%016d", n),
		Name:        fmt.Sprintf("Role %d", n),
		Description: fmt.Sprintf("The role %d", n),
		CreatedAt:   at(n),
		UpdatedAt:   at(n),
	}
}

func (f *fixture) role() store.Role {
	f.t.Helper()
	r := f.newRole()
	must(f.t, f.s.CreateRole(f.ctx, r))
	return r
}

func roleID(r store.Role) string { return r.ID }

// perm is a permission of an API.
func perm(api store.ResourceServer, name string) store.Permission {
	return store.Permission{ResourceServerIdentifier: api.Identifier, PermissionName: name}
}

// rolePermissions lists all permissions of a role.
func (f *fixture) rolePermissions(role string) []store.Permission {
	f.t.Helper()
	l, err := f.s.ListRolePermissions(f.ctx, role, store.Page{})
	must(f.t, err)
	return l.Items
}

func (f *fixture) permissions(user, org, audience string) []string {
	f.t.Helper()
	p, err := f.s.UserPermissions(f.ctx, user, org, audience)
	must(f.t, err)
	return p
}

// counted is a check function that records the counts it is given and refuses above limit.
type counted struct {
	limit  int
	counts []int
}

func (c *counted) check(n int) error {
	c.counts = append(c.counts, n)
	if n > c.limit {
		return errBoom
	}
	return nil
}

func testRoles(t *testing.T, open opener) {
	t.Run("create then get returns every field", func(t *testing.T) {
		f := open(t)
		r := store.Role{ID: "rol_abcdefghijklmnop", Name: "Org Admin", Description: "Administers", CreatedAt: inZone(), UpdatedAt: inZone().Add(time.Second)}
		must(t, f.s.CreateRole(f.ctx, r))
		want := r
		want.CreatedAt, want.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
		got, err := f.s.GetRole(f.ctx, r.ID)
		must(t, err)
		equal(t, "role", got, want)
	})

	t.Run("a taken id or name conflicts; unknown roles are not found", func(t *testing.T) {
		f := open(t)
		first, second := f.role(), f.role()
		dupID, dupName := f.newRole(), f.newRole()
		dupID.ID, dupName.Name = first.ID, first.Name
		wantErr(t, f.s.CreateRole(f.ctx, dupID), store.ErrConflict)
		wantErr(t, f.s.CreateRole(f.ctx, dupName), store.ErrConflict)
		_, err := f.s.UpdateRole(f.ctx, second.ID, func(r *store.Role) error { r.Name = first.Name; return nil })
		wantErr(t, err, store.ErrConflict)

		_, err = f.s.GetRole(f.ctx, "rol_nosuchrole00000")
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.UpdateRole(f.ctx, "rol_nosuchrole00000", func(*store.Role) error { t.Error("update function called"); return nil })
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, f.s.DeleteRole(f.ctx, "rol_nosuchrole00000"), store.ErrNotFound)
		_, err = f.s.ListRolePermissions(f.ctx, "rol_nosuchrole00000", store.Page{})
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, f.s.AddRolePermissions(f.ctx, "rol_nosuchrole00000", nil, nil), store.ErrNotFound)
		wantErr(t, f.s.RemoveRolePermissions(f.ctx, "rol_nosuchrole00000", nil), store.ErrNotFound)
	})

	t.Run("the name filter is a case-insensitive substring, wildcards included", func(t *testing.T) {
		f := open(t)
		var all []store.Role
		for _, name := range []string{"Org Admin", "Billing ADMIN", "Reader", "100% sure", "snake_case", "Ärger"} {
			r := f.newRole()
			r.Name = name
			must(t, f.s.CreateRole(f.ctx, r))
			all = append(all, r)
		}
		for _, tt := range []struct {
			filter string
			want   []store.Role
		}{
			{"", all},
			{"admin", all[0:2]},
			{"ADMIN", all[0:2]},
			{"ing ad", all[1:2]},
			{"%", all[3:4]},
			{"_", all[4:5]},
			{"ärg", all[5:6]},
			{"nothing", nil},
			{"nul\x00", nil},
		} {
			l, err := f.s.ListRoles(f.ctx, tt.filter, store.Page{WantTotal: true})
			must(t, err)
			equal(t, "roles named like "+tt.filter, l, store.List[store.Role]{Items: tt.want, Total: len(tt.want)})
		}
	})

	t.Run("update stores what fn leaves and keeps id and creation time", func(t *testing.T) {
		f := open(t)
		r := f.role()
		want := r
		want.Name, want.Description, want.UpdatedAt = "Renamed", "Now described", at(1000)
		got, err := f.s.UpdateRole(f.ctx, r.ID, func(x *store.Role) error {
			equal(t, "fn receives", *x, r)
			*x = want
			x.ID, x.CreatedAt = "rol_other0000000000", at(5000)
			return nil
		})
		must(t, err)
		equal(t, "returned", got, want)
		l, err := f.s.ListRoles(f.ctx, "renamed", store.Page{})
		must(t, err)
		equal(t, "found by its new name", l.Items, []store.Role{want})
		_, err = f.s.UpdateRole(f.ctx, r.ID, func(x *store.Role) error { x.Name = "x"; return errBoom })
		wantErr(t, err, errBoom)
		got, err = f.s.GetRole(f.ctx, r.ID)
		must(t, err)
		equal(t, "after an aborted update", got, want)
	})

	t.Run("permissions: added once each, in order, removed, and checked by count", func(t *testing.T) {
		f := open(t)
		r := f.role()
		api, other := f.resourceServer(), f.resourceServer()
		c := &counted{limit: 3}
		must(t, f.s.AddRolePermissions(f.ctx, r.ID, []store.Permission{perm(api, "read"), perm(other, "read"), perm(api, "read")}, c.check))
		must(t, f.s.AddRolePermissions(f.ctx, r.ID, []store.Permission{perm(api, "write"), perm(api, "read")}, c.check))
		equal(t, "counts given to check", c.counts, []int{2, 3})
		equal(t, "permissions", f.rolePermissions(r.ID), []store.Permission{perm(api, "read"), perm(other, "read"), perm(api, "write")})

		wantErr(t, f.s.AddRolePermissions(f.ctx, r.ID, []store.Permission{perm(api, "delete")}, c.check), errBoom)
		wantErr(t, f.s.AddRolePermissions(f.ctx, r.ID, []store.Permission{perm(api, "delete"),
			{ResourceServerIdentifier: "https://nosuch.example.com/", PermissionName: "x"}}, nil), store.ErrNotFound)
		equal(t, "after refusals", len(f.rolePermissions(r.ID)), 3)

		must(t, f.s.RemoveRolePermissions(f.ctx, r.ID, []store.Permission{perm(api, "read"), perm(api, "nosuch"),
			{ResourceServerIdentifier: "https://nosuch.example.com/", PermissionName: "read"}, {ResourceServerIdentifier: "\x00", PermissionName: "x"}}))
		equal(t, "after removal", f.rolePermissions(r.ID), []store.Permission{perm(other, "read"), perm(api, "write")})
	})

	t.Run("deleting an API removes its permissions from roles", func(t *testing.T) {
		f := open(t)
		r := f.role()
		api, other := f.resourceServer(), f.resourceServer()
		must(t, f.s.AddRolePermissions(f.ctx, r.ID, []store.Permission{perm(api, "read"), perm(other, "read")}, nil))
		must(t, f.s.DeleteResourceServer(f.ctx, api.ID))
		equal(t, "permissions", f.rolePermissions(r.ID), []store.Permission{perm(other, "read")})
	})

	t.Run("tenant roles: assigned once each, listed in role order, removed, checked by count", func(t *testing.T) {
		f := open(t)
		u := f.user(f.connection().ID)
		r1, r2, r3 := f.role(), f.role(), f.role()
		c := &counted{limit: 2}
		must(t, f.s.AssignUserRoles(f.ctx, u.ID, []string{r2.ID, r1.ID, r2.ID}, c.check))
		wantErr(t, f.s.AssignUserRoles(f.ctx, u.ID, []string{r3.ID}, c.check), errBoom)
		equal(t, "counts given to check", c.counts, []int{2, 3})
		wantErr(t, f.s.AssignUserRoles(f.ctx, u.ID, []string{r3.ID, "rol_nosuchrole00000"}, nil), store.ErrNotFound)
		l, err := f.s.ListUserRoles(f.ctx, u.ID, store.Page{WantTotal: true})
		must(t, err)
		equal(t, "roles", l, store.List[store.Role]{Items: []store.Role{r1, r2}, Total: 2})
		must(t, f.s.RemoveUserRoles(f.ctx, u.ID, []string{r1.ID, r3.ID, "rol_nosuchrole00000", "rol_\xff"}))
		l, err = f.s.ListUserRoles(f.ctx, u.ID, store.Page{})
		must(t, err)
		equal(t, "after removal", l.Items, []store.Role{r2})

		wantErr(t, f.s.AssignUserRoles(f.ctx, "auth0|nosuch", []string{r1.ID}, nil), store.ErrNotFound)
		wantErr(t, f.s.RemoveUserRoles(f.ctx, "auth0|nosuch", []string{r1.ID}), store.ErrNotFound)
		_, err = f.s.ListUserRoles(f.ctx, "auth0|nosuch", store.Page{})
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("member roles: per organization, for members and not yet members, checked by count", func(t *testing.T) {
		f := open(t)
		c := f.connection()
		u := f.user(c.ID)
		o, other := f.organization(), f.organization()
		r1, r2 := f.role(), f.role()
		cnt := &counted{limit: 1}
		must(t, f.s.AssignMemberRoles(f.ctx, o.ID, u.ID, []string{r1.ID}, cnt.check)) // not a member yet
		wantErr(t, f.s.AssignMemberRoles(f.ctx, o.ID, u.ID, []string{r2.ID}, cnt.check), errBoom)
		equal(t, "counts given to check", cnt.counts, []int{1, 2})
		must(t, f.s.AssignMemberRoles(f.ctx, other.ID, u.ID, []string{r2.ID, r1.ID}, nil))
		list := func(org string) []string {
			l, err := f.s.ListMemberRoles(f.ctx, org, u.ID, store.Page{})
			must(t, err)
			return ids(l.Items, roleID)
		}
		equal(t, "roles in o", list(o.ID), []string{r1.ID})
		equal(t, "roles in other", list(other.ID), []string{r1.ID, r2.ID})
		must(t, f.s.RemoveMemberRoles(f.ctx, other.ID, u.ID, []string{r1.ID, "rol_nosuchrole00000"}))
		equal(t, "roles in other after removal", list(other.ID), []string{r2.ID})
		equal(t, "roles in o after the removal in other", list(o.ID), []string{r1.ID})

		for _, k := range [][2]string{{"org_nosuchorg000000", u.ID}, {o.ID, "auth0|nosuch"}} {
			wantErr(t, f.s.AssignMemberRoles(f.ctx, k[0], k[1], []string{r1.ID}, nil), store.ErrNotFound)
			wantErr(t, f.s.RemoveMemberRoles(f.ctx, k[0], k[1], []string{r1.ID}), store.ErrNotFound)
			_, err := f.s.ListMemberRoles(f.ctx, k[0], k[1], store.Page{})
			wantErr(t, err, store.ErrNotFound)
		}
		wantErr(t, f.s.AssignMemberRoles(f.ctx, o.ID, u.ID, []string{"rol_nosuchrole00000"}, nil), store.ErrNotFound)
	})

	t.Run("concurrent assignments all see each other's count", func(t *testing.T) {
		f := open(t)
		u := f.user(f.connection().ID)
		o := f.organization()
		const limit = 3
		roles := make([]store.Role, 8)
		for i := range roles {
			roles[i] = f.role()
		}
		var wg sync.WaitGroup
		for _, r := range roles {
			wg.Go(func() {
				err := f.s.AssignMemberRoles(f.ctx, o.ID, u.ID, []string{r.ID}, func(n int) error {
					if n > limit {
						return errBoom
					}
					return nil
				})
				if err != nil && !errors.Is(err, errBoom) {
					t.Errorf("assign %s: %v", r.ID, err)
				}
			})
		}
		wg.Wait()
		l, err := f.s.ListMemberRoles(f.ctx, o.ID, u.ID, store.Page{WantTotal: true})
		must(t, err)
		equal(t, "roles assigned", l.Total, limit)
	})

	t.Run("deleting a role removes it everywhere", func(t *testing.T) {
		f := open(t)
		cl := f.client()
		u := f.user(f.connection().ID)
		o := f.organization()
		gone, stays := f.role(), f.role()
		both := []string{gone.ID, stays.ID}
		must(t, f.s.AssignUserRoles(f.ctx, u.ID, both, nil))
		must(t, f.s.AssignMemberRoles(f.ctx, o.ID, u.ID, both, nil))
		inv := f.newInvitation(o.ID, cl.ClientID)
		inv.Roles = both
		must(t, f.s.CreateInvitation(f.ctx, inv, false))

		must(t, f.s.DeleteRole(f.ctx, gone.ID))
		_, err := f.s.GetRole(f.ctx, gone.ID)
		wantErr(t, err, store.ErrNotFound)
		l, err := f.s.ListUserRoles(f.ctx, u.ID, store.Page{})
		must(t, err)
		equal(t, "tenant roles", ids(l.Items, roleID), []string{stays.ID})
		l, err = f.s.ListMemberRoles(f.ctx, o.ID, u.ID, store.Page{})
		must(t, err)
		equal(t, "member roles", ids(l.Items, roleID), []string{stays.ID})
		got, err := f.s.GetInvitation(f.ctx, o.ID, inv.ID)
		must(t, err)
		equal(t, "invitation roles", got.Roles, []string{stays.ID})
	})

	t.Run("a user's permissions: its member roles' in an organization it is a member of, else its tenant roles'", func(t *testing.T) {
		f := open(t)
		c := f.connection()
		u, stranger := f.user(c.ID), f.user(c.ID)
		o, other := f.organization(), f.organization()
		api, otherAPI := f.resourceServer(), f.resourceServer()
		reader, writer, admin, tenantRole := f.role(), f.role(), f.role(), f.role()
		must(t, f.s.AddRolePermissions(f.ctx, reader.ID, []store.Permission{perm(api, "read"), perm(otherAPI, "other")}, nil))
		must(t, f.s.AddRolePermissions(f.ctx, writer.ID, []store.Permission{perm(api, "write"), perm(api, "read")}, nil))
		must(t, f.s.AddRolePermissions(f.ctx, admin.ID, []store.Permission{perm(api, "admin")}, nil))
		must(t, f.s.AddRolePermissions(f.ctx, tenantRole.ID, []store.Permission{perm(api, "tenant")}, nil))
		f.addMembers(o.ID, u.ID)
		must(t, f.s.AssignMemberRoles(f.ctx, o.ID, u.ID, []string{writer.ID, reader.ID}, nil))
		must(t, f.s.AssignMemberRoles(f.ctx, other.ID, u.ID, []string{admin.ID}, nil)) // not a member of other
		must(t, f.s.AssignUserRoles(f.ctx, u.ID, []string{tenantRole.ID}, nil))
		must(t, f.s.AssignMemberRoles(f.ctx, o.ID, stranger.ID, []string{admin.ID}, nil))

		for _, tt := range []struct {
			name, user, org, audience string
			want                      []string
		}{
			{"member of o, for the API", u.ID, o.ID, api.Identifier, []string{"read", "write"}},
			{"member of o, for the other API", u.ID, o.ID, otherAPI.Identifier, []string{"other"}},
			{"roles in an organization it is not a member of", u.ID, other.ID, api.Identifier, nil},
			{"no organization: tenant roles", u.ID, "", api.Identifier, []string{"tenant"}},
			{"no organization, another API", u.ID, "", otherAPI.Identifier, nil},
			{"a non-member with roles", stranger.ID, o.ID, api.Identifier, nil},
			{"unknown user", "auth0|nosuch", o.ID, api.Identifier, nil},
			{"unknown organization", u.ID, "org_nosuchorg000000", api.Identifier, nil},
			{"unknown API", u.ID, o.ID, "https://nosuch.example.com/", nil},
			{"keys with a NUL byte", "auth0|\x00", "org_\x00", "https://\x00/", nil},
		} {
			equal(t, tt.name, f.permissions(tt.user, tt.org, tt.audience), tt.want)
		}

		f.addMembers(other.ID, u.ID) // the roles assigned ahead now count
		equal(t, "once a member of other", f.permissions(u.ID, other.ID, api.Identifier), []string{"admin"})
	})
}
