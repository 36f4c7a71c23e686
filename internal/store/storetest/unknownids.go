package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

// missingKeys are keys that no entity in the store has.
type missingKeys struct {
	rs, audience, client, grant, org, orgName, admin, adminEmail      string
	connection, connectionName, user, email, role, invitation, ticket string
}

// testUnknownIDs checks that every method taking an id answers ErrNotFound for one that does not exist,
// in a store that holds one entity of each kind, and that update functions are not called. Keys that
// no row can hold (a NUL byte, invalid UTF-8), as a request path may carry, are just as unknown.
func testUnknownIDs(t *testing.T, open opener) {
	t.Run("unknown keys", func(t *testing.T) {
		testMissingKeys(t, open, missingKeys{
			rs:         "ffffffffffffffffffffffff",
			audience:   "https://nosuch.example.com/",
			client:     "nosuchclient00000000000000000000",
			grant:      "cgr_nosuchgrant0000",
			org:        "org_nosuchorg000000",
			orgName:    "nosuchorg",
			admin:      "adm_nosuchadmin0000",
			adminEmail: "nosuch@example.com",
			connection: "con_nosuchconnection", connectionName: "nosuch", user: "auth0|nosuch", email: "nosuch@example.com",
			role: "rol_nosuchrole00000", invitation: "uinv_nosuchinvitatio", ticket: "nosuchticket",
		})
	})
	t.Run("keys with a NUL byte", func(t *testing.T) {
		testMissingKeys(t, open, missingKeys{
			rs: "ffff\x00", audience: "https://nul\x00.example.com/", client: "client\x00", grant: "cgr_\x00",
			org: "org_\x00", orgName: "nul\x00", admin: "adm_\x00", adminEmail: "nul\x00@example.com",
			connection: "con_\x00", connectionName: "nul\x00", user: "auth0|\x00", email: "nul\x00@example.com",
			role: "rol_\x00", invitation: "uinv_\x00", ticket: "nul\x00",
		})
	})
	t.Run("keys that are not UTF-8", func(t *testing.T) {
		testMissingKeys(t, open, missingKeys{
			rs: "ffff\xff", audience: "https://bad\xff.example.com/", client: "client\xff", grant: "cgr_\xff",
			org: "org_\xff", orgName: "bad\xff", admin: "adm_\xff", adminEmail: "bad\xff@example.com",
			connection: "con_\xff", connectionName: "bad\xff", user: "auth0|\xff", email: "bad\xff@example.com",
			role: "rol_\xff", invitation: "uinv_\xff", ticket: "bad\xff",
		})
	})
}

func testMissingKeys(t *testing.T, open opener, k missingKeys) {
	f := open(t)
	g := f.grant()
	o := f.organization()
	f.associate(o.ID, g.ID)
	c := f.connection(g.ClientID)
	u := f.user(c.ID)
	r := f.role()
	f.addMembers(o.ID, u.ID)
	f.addOrgConnection(o.ID, c.ID)
	f.invitation(o.ID, g.ClientID)

	notCalled := func(t *testing.T) func() error {
		return func() error {
			t.Error("update function called")
			return nil
		}
	}
	tests := []struct {
		name string
		call func(ctx context.Context, s store.Store, fnCalled func() error) error
	}{
		{"get resource server", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetResourceServer(ctx, k.rs)
			return err
		}},
		{"get resource server by identifier", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetResourceServerByIdentifier(ctx, k.audience)
			return err
		}},
		{"update resource server", func(ctx context.Context, s store.Store, fn func() error) error {
			_, err := s.UpdateResourceServer(ctx, k.rs, func(*store.ResourceServer) error { return fn() })
			return err
		}},
		{"delete resource server", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.DeleteResourceServer(ctx, k.rs)
		}},
		{"get client", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetClient(ctx, k.client)
			return err
		}},
		{"update client", func(ctx context.Context, s store.Store, fn func() error) error {
			_, err := s.UpdateClient(ctx, k.client, func(*store.Client) error { return fn() })
			return err
		}},
		{"delete client", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.DeleteClient(ctx, k.client)
		}},
		{"get client grant", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetClientGrant(ctx, k.grant)
			return err
		}},
		{"get client grant of a known client for an unknown audience", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetClientGrantByClientAudience(ctx, g.ClientID, k.audience)
			return err
		}},
		{"get client grant of an unknown client for a known audience", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetClientGrantByClientAudience(ctx, k.client, g.Audience)
			return err
		}},
		{"update client grant", func(ctx context.Context, s store.Store, fn func() error) error {
			_, err := s.UpdateClientGrant(ctx, k.grant, func(*store.ClientGrant) error { return fn() })
			return err
		}},
		{"delete client grant", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.DeleteClientGrant(ctx, k.grant)
		}},
		{"get organization", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetOrganization(ctx, k.org)
			return err
		}},
		{"get organization by name", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetOrganizationByName(ctx, k.orgName)
			return err
		}},
		{"update organization", func(ctx context.Context, s store.Store, fn func() error) error {
			_, err := s.UpdateOrganization(ctx, k.org, func(*store.Organization) error { return fn() })
			return err
		}},
		{"delete organization", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.DeleteOrganization(ctx, k.org)
		}},
		{"list client grants of an organization", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.ListOrganizationClientGrants(ctx, k.org, store.ClientGrantFilter{}, store.Page{})
			return err
		}},
		{"list organizations of a client grant", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.ListClientGrantOrganizations(ctx, k.grant, store.Page{})
			return err
		}},
		{"add an unknown client grant to an organization", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.AddOrganizationClientGrant(ctx, o.ID, k.grant, nil)
		}},
		{"add a client grant to an unknown organization", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.AddOrganizationClientGrant(ctx, k.org, g.ID, nil)
		}},
		{"remove a client grant from an unknown organization", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.RemoveOrganizationClientGrant(ctx, k.org, g.ID)
		}},
		{"get admin", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetAdmin(ctx, k.admin)
			return err
		}},
		{"get admin by email", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetAdminByEmail(ctx, k.adminEmail)
			return err
		}},
		{"update admin", func(ctx context.Context, s store.Store, fn func() error) error {
			_, err := s.UpdateAdmin(ctx, k.admin, func(*store.Admin) error { return fn() })
			return err
		}},
		{"delete admin", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.DeleteAdmin(ctx, k.admin)
		}},
		{"create session of an unknown admin", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.CreateSession(ctx, f.newSession(k.admin, at(100)))
		}},
		{"get connection", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetConnection(ctx, k.connection)
			return err
		}},
		{"get connection by name", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetConnectionByName(ctx, k.connectionName)
			return err
		}},
		{"update connection", func(ctx context.Context, s store.Store, fn func() error) error {
			_, err := s.UpdateConnection(ctx, k.connection, func(*store.Connection) error { return fn() })
			return err
		}},
		{"delete connection", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.DeleteConnection(ctx, k.connection)
		}},
		{"enable an unknown client", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.UpdateConnectionClients(ctx, c.ID, []string{k.client}, nil)
		}},
		{"list clients of a connection", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.ListConnectionClients(ctx, k.connection, store.Page{})
			return err
		}},
		{"list connections of a client", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.ListClientConnections(ctx, k.client, store.Page{})
			return err
		}},
		{"create user in an unknown connection", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.CreateUser(ctx, f.newUser(k.connection))
		}},
		{"get user", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetUser(ctx, k.user)
			return err
		}},
		{"get user by email", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetUserByEmail(ctx, c.ID, k.email)
			return err
		}},
		{"get user by email in an unknown connection", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetUserByEmail(ctx, k.connection, u.Email)
			return err
		}},
		{"update user", func(ctx context.Context, s store.Store, fn func() error) error {
			_, err := s.UpdateUser(ctx, k.user, func(*store.User) error { return fn() })
			return err
		}},
		{"delete user", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.DeleteUser(ctx, k.user)
		}},
		{"record a login", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.RecordUserLogin(ctx, k.user, at(1))
		}},
		{"add an unknown member", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.AddOrganizationMembers(ctx, o.ID, []string{k.user}, at(1))
			return err
		}},
		{"add a member to an unknown organization", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.AddOrganizationMembers(ctx, k.org, []string{u.ID}, at(1))
			return err
		}},
		{"list organizations of a user", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.ListUserOrganizations(ctx, k.user, store.Page{})
			return err
		}},
		{"list members", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.ListOrganizationMembers(ctx, k.org, store.Page{})
			return err
		}},
		{"get role", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetRole(ctx, k.role)
			return err
		}},
		{"update role", func(ctx context.Context, s store.Store, fn func() error) error {
			_, err := s.UpdateRole(ctx, k.role, func(*store.Role) error { return fn() })
			return err
		}},
		{"delete role", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.DeleteRole(ctx, k.role)
		}},
		{"add a permission of an unknown API", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.AddRolePermissions(ctx, r.ID, []store.Permission{{ResourceServerIdentifier: k.audience, PermissionName: "x"}}, nil)
		}},
		{"assign an unknown role", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.AssignUserRoles(ctx, u.ID, []string{k.role}, nil)
		}},
		{"list roles of an unknown member", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.ListMemberRoles(ctx, o.ID, k.user, store.Page{})
			return err
		}},
		{"get organization connection", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetOrganizationConnection(ctx, o.ID, k.connection)
			return err
		}},
		{"remove organization connection", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.RemoveOrganizationConnection(ctx, k.org, c.ID)
		}},
		{"list organizations of a connection", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.ListConnectionOrganizations(ctx, k.connection, store.Page{})
			return err
		}},
		{"get invitation", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetInvitation(ctx, o.ID, k.invitation)
			return err
		}},
		{"get invitation by ticket", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetInvitationByTicket(ctx, k.ticket)
			return err
		}},
		{"delete invitation", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.DeleteInvitation(ctx, o.ID, k.invitation)
		}},
		{"accept invitation", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.AcceptInvitation(ctx, o.ID, k.invitation, u.ID, at(1))
			return err
		}},
		{"list invitations", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.ListInvitations(ctx, k.org, false, store.Page{})
			return err
		}},
		{"create login session of an unknown user", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.CreateLoginSession(ctx, f.newLoginSession(k.user, at(100)))
		}},
		{"create authorization code of an unknown client", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.CreateAuthorizationCode(ctx, f.newCode(k.client, u.ID, ""))
		}},
		{"create refresh token of an unknown organization", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.CreateRefreshToken(ctx, f.newRefreshToken(g.ClientID, u.ID, k.org))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is not found", func(t *testing.T) {
			wantErr(t, tt.call(f.ctx, f.s, notCalled(t)), store.ErrNotFound)
		})
	}

	t.Run("an unknown organization or grant is not associated", func(t *testing.T) {
		for _, pair := range [][2]string{{k.org, g.ID}, {o.ID, k.grant}} {
			if f.has(pair[0], pair[1]) {
				t.Errorf("has(%q, %q) = true", pair[0], pair[1])
			}
		}
	})

	t.Run("unknown people are not members, have no permissions, and removing them is no error", func(t *testing.T) {
		if f.isMember(o.ID, k.user) || f.isMember(k.org, u.ID) {
			t.Error("an unknown user or organization has a member")
		}
		equal(t, "permissions", f.permissions(k.user, k.org, k.audience), nil)
		must(t, f.s.RemoveOrganizationMembers(f.ctx, o.ID, []string{k.user}, at(1)))
		must(t, f.s.RemoveUserRoles(f.ctx, u.ID, []string{k.role}))
		must(t, f.s.RemoveRolePermissions(f.ctx, r.ID, []store.Permission{{ResourceServerIdentifier: k.audience, PermissionName: "x"}}))
		must(t, f.s.UpdateConnectionClients(f.ctx, c.ID, nil, []string{k.client}))
		must(t, f.s.DeleteUserLoginSessions(f.ctx, k.user))
		must(t, f.s.RevokeRefreshTokenFamily(f.ctx, k.ticket, at(1)))
		must(t, f.s.RevokeUserOrganizationRefreshTokens(f.ctx, k.user, k.org, at(1)))
		equal(t, "members", f.memberIDs(o.ID), []string{u.ID})
		for _, filter := range []store.UserFilter{{Email: k.email}, {ConnectionID: k.connection}} {
			l, err := f.s.ListUsers(f.ctx, filter, store.Page{WantTotal: true})
			must(t, err)
			equal(t, "users", l, store.List[store.User]{})
		}
		byEmail, err := f.s.ListUsersByEmail(f.ctx, k.email)
		must(t, err)
		equal(t, "users by email", byEmail, nil)
		roles, err := f.s.ListRoles(f.ctx, k.role, store.Page{})
		must(t, err)
		equal(t, "roles", roles.Items, nil)
	})

	t.Run("removing an unknown grant is no error", func(t *testing.T) {
		must(t, f.s.RemoveOrganizationClientGrant(f.ctx, o.ID, k.grant))
		equal(t, "organization's grants", f.orgGrantIDs(o.ID), []string{g.ID})
	})

	t.Run("filters on unknown keys match nothing", func(t *testing.T) {
		for _, filter := range []store.ClientGrantFilter{{Audience: k.audience}, {ClientID: k.client}, {GrantIDs: []string{g.ID, k.grant}}} {
			all, err := f.s.ListClientGrants(f.ctx, filter, store.Page{WantTotal: true})
			must(t, err)
			inOrg, err := f.s.ListOrganizationClientGrants(f.ctx, o.ID, filter, store.Page{WantTotal: true})
			must(t, err)
			want := store.List[store.ClientGrant]{}
			if filter.GrantIDs != nil { // the known grant still matches
				want = store.List[store.ClientGrant]{Items: []store.ClientGrant{g}, Total: 1}
			}
			equal(t, fmt.Sprintf("client grants matching %s", show(filter)), all, want)
			equal(t, fmt.Sprintf("organization client grants matching %s", show(filter)), inOrg, want)
		}
	})
}
