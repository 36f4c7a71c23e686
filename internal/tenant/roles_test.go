package tenant

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

func TestRoleRules(t *testing.T) {
	p := newPeople(t)

	t.Run("create, and a duplicate name", func(t *testing.T) {
		r, err := p.s.CreateRole(p.ctx, RoleInput{Name: "Billing admin", Description: ptr("Manages invoices")})
		p.must(err)
		if !strings.HasPrefix(r.ID, "rol_") || len(r.ID) != 20 || r.Name != "Billing admin" || r.Description != "Manages invoices" {
			t.Fatalf("role %+v", r)
		}
		_, err = p.s.CreateRole(p.ctx, RoleInput{Name: "Billing admin"})
		wantError(t, err, KindConflict, "The role already exists.")
	})

	t.Run("fail/invalid name or description", func(t *testing.T) {
		_, err := p.s.CreateRole(p.ctx, RoleInput{Name: ""})
		wantError(t, err, KindInvalid, "'String is too short (0 chars), minimum 1' on property name.")
		_, err = p.s.CreateRole(p.ctx, RoleInput{Name: "x", Description: ptr(strings.Repeat("d", 256))})
		wantError(t, err, KindInvalid, "'String is too long (256 chars), maximum 255' on property description.")
		_, err = p.s.UpdateRole(p.ctx, "rol_nosuchrole00000", RolePatch{Name: ptr("a\nb")})
		wantError(t, err, KindInvalid, "'String must not contain control characters' on property name.")
	})

	t.Run("update, rename onto another's name, unknown role", func(t *testing.T) {
		r := p.role("Viewer")
		r, err := p.s.UpdateRole(p.ctx, r.ID, RolePatch{Description: ptr("Reads")})
		p.must(err)
		if r.Name != "Viewer" || r.Description != "Reads" {
			t.Fatalf("role %+v", r)
		}
		_, err = p.s.UpdateRole(p.ctx, r.ID, RolePatch{Name: ptr("Billing admin")})
		wantError(t, err, KindConflict, "The role already exists.")
		_, err = p.s.UpdateRole(p.ctx, "rol_nosuchrole00000", RolePatch{Name: ptr("x")})
		wantError(t, err, KindNotFound, "Role not found.")
		wantError(t, p.s.DeleteRole(p.ctx, "rol_nosuchrole00000"), KindNotFound, "Role not found.")
	})

	t.Run("name_filter is a case-insensitive substring", func(t *testing.T) {
		l, err := p.s.Roles(p.ctx, "ADMIN", store.Page{})
		p.must(err)
		if len(l.Items) != 1 || l.Items[0].Name != "Billing admin" {
			t.Fatalf("roles %+v", l.Items)
		}
	})
}

func TestRoleLimit(t *testing.T) {
	p := newPeople(t)
	for i := range MaxRoles {
		p.must(p.s.store.CreateRole(p.ctx, store.Role{ID: fmt.Sprintf("rol_%016d", i), Name: fmt.Sprintf("role %d", i),
			CreatedAt: p.now, UpdatedAt: p.now}))
	}
	_, err := p.s.CreateRole(p.ctx, RoleInput{Name: "one too many"})
	wantError(t, err, KindConflict, "A tenant cannot have more than 1000 roles.")
}

func TestRolePermissionRules(t *testing.T) {
	p := newPeople(t)
	_, err := p.s.Bootstrap(p.ctx, testIssuer, "", "")
	p.must(err)
	api, err := p.s.CreateResourceServer(p.ctx, ResourceServerInput{Identifier: "https://api.example/",
		Name: ptr("Example"), Scopes: &[]Scope{{Value: "read:data", Description: "Read data"}, {Value: "write:data"}}})
	p.must(err)
	role := p.role("editor")
	perm := func(name string) Permission {
		return Permission{ResourceServerIdentifier: api.Identifier, PermissionName: name}
	}

	t.Run("fail/refusals", func(t *testing.T) {
		tests := []struct {
			name  string
			role  string
			perms []Permission
			kind  Kind
			msg   string
		}{
			{"no permissions", role.ID, nil, KindInvalid, "'Array is too short (0), minimum 1' on property permissions."},
			{"an empty identifier", role.ID, []Permission{{PermissionName: "read:data"}}, KindInvalid,
				"'String is too short (0 chars), minimum 1' on property permissions[0].resource_server_identifier."},
			{"a scope with a space", role.ID, []Permission{perm("read data")}, KindInvalid, "on property permissions[0].permission_name."},
			{"an unknown role", "rol_nosuchrole00000", []Permission{perm("read:data")}, KindNotFound, "Role not found."},
			{"an unknown API", role.ID, []Permission{{ResourceServerIdentifier: "https://nosuch.example/", PermissionName: "read:data"}},
				KindInvalid, `No resource server found by that identifier: "https://nosuch.example/".`},
			{"a scope the API does not define", role.ID, []Permission{perm("read:data"), perm("delete:data")}, KindInvalid,
				`Scope "delete:data" is not defined by the API "https://api.example/".`},
			{"the Management API's scopes", role.ID, []Permission{{ResourceServerIdentifier: ManagementAudience(testIssuer), PermissionName: "read:clients"}},
				KindInvalid, "Permissions of the Management API cannot be granted to roles"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantError(t, p.s.AddRolePermissions(p.ctx, tt.role, tt.perms), tt.kind, tt.msg)
			})
		}
		l, err := p.s.RolePermissions(p.ctx, role.ID, store.Page{})
		p.must(err)
		if len(l.Items) != 0 {
			t.Fatalf("a refused request granted %+v", l.Items)
		}
	})

	t.Run("grant, grant again, list with the API's words, remove", func(t *testing.T) {
		p.must(p.s.AddRolePermissions(p.ctx, role.ID, []Permission{perm("write:data"), perm("read:data")}))
		p.must(p.s.AddRolePermissions(p.ctx, role.ID, []Permission{perm("read:data")}))
		l, err := p.s.RolePermissions(p.ctx, role.ID, store.Page{WantTotal: true})
		p.must(err)
		want := []RolePermission{
			{Permission: perm("write:data"), ResourceServerName: "Example"},
			{Permission: perm("read:data"), ResourceServerName: "Example", Description: "Read data"},
		}
		if !slices.Equal(l.Items, want) || l.Total != 2 {
			t.Fatalf("permissions %+v (total %d), want %+v", l.Items, l.Total, want)
		}
		p.must(p.s.RemoveRolePermissions(p.ctx, role.ID, []Permission{perm("write:data"), perm("never:granted")}))
		l, err = p.s.RolePermissions(p.ctx, role.ID, store.Page{})
		p.must(err)
		if len(l.Items) != 1 || l.Items[0].PermissionName != "read:data" {
			t.Fatalf("after removal %+v", l.Items)
		}
		_, err = p.s.RolePermissions(p.ctx, "rol_nosuchrole00000", store.Page{})
		wantError(t, err, KindNotFound, "Role not found.")
	})

	t.Run("fail/1,000 permissions per role", func(t *testing.T) {
		scopes := make([]Scope, 0, maxScopes)
		for i := range maxScopes {
			scopes = append(scopes, Scope{Value: fmt.Sprintf("s%d", i)})
		}
		big, err := p.s.CreateResourceServer(p.ctx, ResourceServerInput{Identifier: "https://big.example/", Scopes: &scopes})
		p.must(err)
		full := p.role("full")
		perms := make([]Permission, 0, len(scopes))
		for _, sc := range scopes {
			perms = append(perms, Permission{ResourceServerIdentifier: big.Identifier, PermissionName: sc.Value})
		}
		p.must(p.s.AddRolePermissions(p.ctx, full.ID, perms))
		wantError(t, p.s.AddRolePermissions(p.ctx, full.ID, []Permission{perm("read:data")}), KindConflict,
			"A role cannot have more than 1000 permissions.")
	})
}

func TestRoleAssignmentRules(t *testing.T) {
	p := newPeople(t)
	org := p.organization("acme")
	db := p.connection(store.StrategyAuth0)
	alice := p.user(db.ID)
	roles := make([]string, 0, MaxRolesPerMember+1)
	for i := range MaxRolesPerMember + 1 {
		roles = append(roles, p.role(fmt.Sprintf("role %02d", i)).ID)
	}

	t.Run("fail/unknown roles are named, in the order given", func(t *testing.T) {
		err := p.s.AssignMemberRoles(p.ctx, org.ID, alice.ID, []string{roles[0], "rol_b", "rol_a", "rol_b"})
		wantError(t, err, KindInvalid, "One or more of the specified roles do not exist: rol_b, rol_a")
		err = p.s.AssignUserRoles(p.ctx, alice.ID, []string{"rol_x"})
		wantError(t, err, KindInvalid, "One or more of the specified roles do not exist: rol_x")
	})

	t.Run("fail/unknown user or organization", func(t *testing.T) {
		wantError(t, p.s.AssignMemberRoles(p.ctx, org.ID, "auth0|nosuch", roles[:1]), KindNotFound, "The user does not exist.")
		wantError(t, p.s.AssignMemberRoles(p.ctx, "org_nosuchorg0000000", alice.ID, roles[:1]), KindNotFound, "No organization found")
		_, err := p.s.MemberRoles(p.ctx, org.ID, "auth0|nosuch", store.Page{})
		wantError(t, err, KindNotFound, "The user does not exist.")
		wantError(t, p.s.AssignUserRoles(p.ctx, "auth0|nosuch", roles[:1]), KindNotFound, "The user does not exist.")
		_, err = p.s.UserRoles(p.ctx, "auth0|nosuch", store.Page{})
		wantError(t, err, KindNotFound, "The user does not exist.")
	})

	t.Run("member roles: a non-member may hold them; the 51st is refused", func(t *testing.T) {
		p.must(p.s.AssignMemberRoles(p.ctx, org.ID, alice.ID, roles[:30]))
		p.must(p.s.AssignMemberRoles(p.ctx, org.ID, alice.ID, roles[20:50])) // 20 already held
		err := p.s.AssignMemberRoles(p.ctx, org.ID, alice.ID, roles[50:])
		wantError(t, err, KindConflict, "No more roles can be assigned to this organization member.")
		l, err := p.s.MemberRoles(p.ctx, org.ID, alice.ID, store.Page{WantTotal: true, Limit: 1})
		p.must(err)
		if l.Total != MaxRolesPerMember {
			t.Fatalf("%d roles, want %d", l.Total, MaxRolesPerMember)
		}
		// They count only once the user is a member.
		if ok, _ := p.s.IsMember(p.ctx, org.ID, alice.ID); ok {
			t.Fatal("assigning roles made alice a member")
		}
		p.must(p.s.RemoveMemberRoles(p.ctx, org.ID, alice.ID, []string{roles[0], "rol_nosuch"}))
		p.must(p.s.AssignMemberRoles(p.ctx, org.ID, alice.ID, roles[50:]))
	})

	t.Run("tenant roles: the 51st is refused", func(t *testing.T) {
		p.must(p.s.AssignUserRoles(p.ctx, alice.ID, roles[:MaxRolesPerUser]))
		wantError(t, p.s.AssignUserRoles(p.ctx, alice.ID, roles[MaxRolesPerUser:]), KindConflict,
			"No more roles can be assigned to this user.")
		p.must(p.s.RemoveUserRoles(p.ctx, alice.ID, roles[:1]))
		l, err := p.s.UserRoles(p.ctx, alice.ID, store.Page{})
		p.must(err)
		if len(l.Items) != MaxRolesPerUser-1 {
			t.Fatalf("%d tenant roles", len(l.Items))
		}
	})

	t.Run("fail/a request names 1 to 50 roles", func(t *testing.T) {
		wantError(t, p.s.AssignUserRoles(p.ctx, alice.ID, nil), KindInvalid, "'Array is too short (0), minimum 1' on property roles.")
		wantError(t, p.s.RemoveMemberRoles(p.ctx, org.ID, alice.ID, roles), KindInvalid, "'Array is too long (51), maximum 50' on property roles.")
	})

	t.Run("deleting a role removes it everywhere", func(t *testing.T) {
		p.must(p.s.DeleteRole(p.ctx, roles[1]))
		l, err := p.s.MemberRoles(p.ctx, org.ID, alice.ID, store.Page{})
		p.must(err)
		if slices.ContainsFunc(l.Items, func(r Role) bool { return r.ID == roles[1] }) {
			t.Fatal("the deleted role is still a member role")
		}
		l, err = p.s.UserRoles(p.ctx, alice.ID, store.Page{})
		p.must(err)
		if slices.ContainsFunc(l.Items, func(r Role) bool { return r.ID == roles[1] }) {
			t.Fatal("the deleted role is still a tenant role")
		}
	})
}
