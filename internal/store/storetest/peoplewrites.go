package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// testPeopleWrites checks what the people half's writes do to the version and the change record:
// connections, users, members, roles, organization connections and invitations bump the version and
// record no change (no copy of the tenant holds them), unless a cascade reaches what one holds; what a
// login leaves behind (login sessions, codes, refresh tokens, login counts) bumps nothing.
func testPeopleWrites(t *testing.T, open opener) {
	t.Run("people writes bump the version and record no change", func(t *testing.T) {
		f := open(t)
		ctx, s := f.ctx, f.s
		cl, o, api := f.client(), f.organization(), f.resourceServer()
		c := f.newConnection(store.StrategyAuth0)
		u := f.newUser(c.ID)
		r := f.newRole()
		inv := f.newInvitation(o.ID, cl.ClientID)
		accepted := f.newInvitation(o.ID, cl.ClientID)
		oc := store.OrganizationConnection{OrganizationID: o.ID, ConnectionID: c.ID}
		steps := []step{
			{"create connection", func() error { return s.CreateConnection(ctx, c, []string{cl.ClientID}) }},
			{"update connection", func() error {
				_, err := s.UpdateConnection(ctx, c.ID, func(*store.Connection) error { return nil })
				return err
			}},
			{"update connection clients", func() error { return s.UpdateConnectionClients(ctx, c.ID, nil, []string{cl.ClientID}) }},
			{"create user", func() error { return s.CreateUser(ctx, u) }},
			{"update user", func() error {
				_, err := s.UpdateUser(ctx, u.ID, func(*store.User) error { return nil })
				return err
			}},
			{"add members", func() error { _, err := s.AddOrganizationMembers(ctx, o.ID, []string{u.ID}, at(1)); return err }},
			{"create role", func() error { return s.CreateRole(ctx, r) }},
			{"update role", func() error {
				_, err := s.UpdateRole(ctx, r.ID, func(*store.Role) error { return nil })
				return err
			}},
			{"add role permissions", func() error {
				return s.AddRolePermissions(ctx, r.ID, []store.Permission{perm(api, "read")}, nil)
			}},
			{"remove role permissions", func() error { return s.RemoveRolePermissions(ctx, r.ID, []store.Permission{perm(api, "read")}) }},
			{"assign user roles", func() error { return s.AssignUserRoles(ctx, u.ID, []string{r.ID}, nil) }},
			{"remove user roles", func() error { return s.RemoveUserRoles(ctx, u.ID, []string{r.ID}) }},
			{"assign member roles", func() error { return s.AssignMemberRoles(ctx, o.ID, u.ID, []string{r.ID}, nil) }},
			{"remove member roles", func() error { return s.RemoveMemberRoles(ctx, o.ID, u.ID, []string{r.ID}) }},
			{"add organization connection", func() error { return s.AddOrganizationConnection(ctx, oc, nil) }},
			{"update organization connection", func() error {
				_, err := s.UpdateOrganizationConnection(ctx, o.ID, c.ID, func(*store.OrganizationConnection) error { return nil })
				return err
			}},
			{"remove organization connection", func() error { return s.RemoveOrganizationConnection(ctx, o.ID, c.ID) }},
			{"create invitation", func() error { return s.CreateInvitation(ctx, inv, true) }},
			{"delete invitation", func() error { return s.DeleteInvitation(ctx, o.ID, inv.ID) }},
			{"delete expired invitations", func() error { return s.DeleteExpiredInvitations(ctx, at(0)) }},
			{"accept invitation", func() error {
				if err := s.CreateInvitation(ctx, accepted, false); err != nil {
					return err
				}
				_, err := s.AcceptInvitation(ctx, o.ID, accepted.ID, u.ID, at(2))
				return err
			}},
			{"remove members", func() error { return s.RemoveOrganizationMembers(ctx, o.ID, []string{u.ID}, at(3)) }},
			{"delete role", func() error { return s.DeleteRole(ctx, r.ID) }},
			{"delete user", func() error { return s.DeleteUser(ctx, u.ID) }},
			{"delete connection", func() error { return s.DeleteConnection(ctx, c.ID) }},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				before := f.version()
				must(t, st.do())
				if after := f.version(); after <= before {
					t.Errorf("version %d after the write, %d before", after, before)
				}
				if got := f.changesSince(before); len(got) != 0 {
					t.Errorf("changes recorded: %s", strings.Join(got, ", "))
				}
			})
		}
	})

	t.Run("deletions that reach people record what they change of the tenant, and nothing more", func(t *testing.T) {
		f := open(t)
		cl, o, api := f.client(), f.organization(), f.resourceServer()
		c := f.connection(cl.ClientID)
		u := f.user(c.ID)
		r := f.role()
		f.addMembers(o.ID, u.ID)
		f.addOrgConnection(o.ID, c.ID)
		must(t, f.s.AddRolePermissions(f.ctx, r.ID, []store.Permission{perm(api, "read")}, nil))
		must(t, f.s.AssignMemberRoles(f.ctx, o.ID, u.ID, []string{r.ID}, nil))
		f.invitation(o.ID, cl.ClientID)
		f.code(cl.ClientID, u.ID, o.ID)
		f.refreshToken(cl.ClientID, u.ID, o.ID)
		for _, st := range []struct {
			step
			want []string
		}{
			{step{"delete resource server", func() error { return f.s.DeleteResourceServer(f.ctx, api.ID) }}, []string{change(store.ChangeAPI, api.ID)}},
			{step{"delete organization", func() error { return f.s.DeleteOrganization(f.ctx, o.ID) }}, []string{change(store.ChangeOrganization, o.ID)}},
			{step{"delete client", func() error { return f.s.DeleteClient(f.ctx, cl.ClientID) }}, []string{change(store.ChangeClient, cl.ClientID)}},
		} {
			before := f.version()
			must(t, st.do())
			if got := f.changesSince(before); !slices.Equal(got, st.want) {
				t.Errorf("%s recorded %q, want %q", st.name, got, st.want)
			}
		}
	})

	t.Run("what a login leaves behind bumps nothing", func(t *testing.T) {
		f := open(t)
		ctx, s := f.ctx, f.s
		cl, u, o := f.codeParties()
		ls := f.newLoginSession(u, at(1000))
		code, reused := f.newCode(cl, u, o), f.newCode(cl, u, o)
		tok := f.newRefreshToken(cl, u, o)
		steps := []step{
			{"record a login", func() error { return s.RecordUserLogin(ctx, u, at(1)) }},
			{"create login session", func() error { return s.CreateLoginSession(ctx, ls) }},
			{"touch login session", func() error { return s.TouchLoginSession(ctx, ls.IDHash, at(2), at(500)) }},
			{"delete login session", func() error { return s.DeleteLoginSession(ctx, ls.IDHash) }},
			{"delete a user's login sessions", func() error {
				f.loginSession(u, at(1000))
				return s.DeleteUserLoginSessions(ctx, u)
			}},
			{"delete expired login sessions", func() error {
				f.loginSession(u, at(10))
				return s.DeleteExpiredLoginSessions(ctx, at(50))
			}},
			{"create authorization code", func() error { return s.CreateAuthorizationCode(ctx, code) }},
			{"redeem authorization code", func() error {
				_, err := s.RedeemAuthorizationCode(ctx, code.CodeHash, code.CreatedAt, "fam-code")
				return err
			}},
			{"reuse authorization code", func() error {
				must(t, s.CreateAuthorizationCode(ctx, reused))
				_, err := s.RedeemAuthorizationCode(ctx, reused.CodeHash, reused.CreatedAt, "fam-reused")
				must(t, err)
				_, err = s.RedeemAuthorizationCode(ctx, reused.CodeHash, reused.CreatedAt, "fam-reused")
				wantErr(t, err, store.ErrReused)
				return nil
			}},
			{"delete expired authorization codes", func() error { return s.DeleteExpiredAuthorizationCodes(ctx, at(1000)) }},
			{"create refresh token", func() error { return s.CreateRefreshToken(ctx, tok) }},
			{"rotate refresh token", func() error {
				_, _, err := f.rotate(tok.TokenHash, tok.CreatedAt, 0)
				return err
			}},
			{"reuse refresh token", func() error {
				_, _, err := f.rotate(tok.TokenHash, tok.CreatedAt, 0)
				wantErr(t, err, store.ErrReused)
				return nil
			}},
			{"revoke refresh token family", func() error { return s.RevokeRefreshTokenFamily(ctx, tok.FamilyID, at(3)) }},
			{"revoke a user's refresh tokens", func() error { return s.RevokeUserRefreshTokens(ctx, u, at(4)) }},
			{"revoke a user's refresh tokens in an organization", func() error {
				return s.RevokeUserOrganizationRefreshTokens(ctx, u, o, at(5))
			}},
			{"delete expired refresh tokens", func() error { return s.DeleteExpiredRefreshTokens(ctx, at(10)) }},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				before, committed := f.version(), s.Committed()
				must(t, st.do())
				equal(t, "version", f.version(), before)
				equal(t, "committed", s.Committed(), committed)
			})
		}
	})

	t.Run("people reads leave the version unchanged", func(t *testing.T) {
		f := open(t)
		ctx, s := f.ctx, f.s
		cl, u, o := f.codeParties()
		c, r := f.connection(cl), f.role()
		inv := f.invitation(o, cl)
		tok := f.refreshToken(cl, u, o)
		ls := f.loginSession(u, at(1000))
		steps := []step{
			{"get connection", func() error { _, err := s.GetConnection(ctx, c.ID); return err }},
			{"list connections", func() error { _, err := s.ListConnections(ctx, store.ConnectionFilter{}, store.Page{}); return err }},
			{"get user", func() error { _, err := s.GetUser(ctx, u); return err }},
			{"list users", func() error { _, err := s.ListUsers(ctx, store.UserFilter{}, store.Page{WantTotal: true}); return err }},
			{"list members", func() error { _, err := s.ListOrganizationMembers(ctx, o, store.Page{}); return err }},
			{"get role", func() error { _, err := s.GetRole(ctx, r.ID); return err }},
			{"user permissions", func() error { _, err := s.UserPermissions(ctx, u, o, "https://api.example.com/"); return err }},
			{"get invitation", func() error { _, err := s.GetInvitation(ctx, o, inv.ID); return err }},
			{"get refresh token", func() error { _, err := s.GetRefreshToken(ctx, tok.TokenHash); return err }},
			{"get login session", func() error { _, err := s.GetLoginSession(ctx, ls.IDHash, at(0)); return err }},
		}
		for _, st := range steps {
			before := f.version()
			must(t, st.do())
			if after := f.version(); after != before {
				t.Errorf("%s: version %d, %d before", st.name, after, before)
			}
		}
	})

	t.Run("failed people writes leave the version unchanged", func(t *testing.T) {
		f := open(t)
		ctx, s := f.ctx, f.s
		c := f.connection()
		u := f.user(c.ID)
		o := f.organization()
		expired := f.invitation(o.ID, f.client().ClientID)
		for _, st := range []struct {
			step
			want error
		}{
			{step{"update user aborted by fn", func() error {
				_, err := s.UpdateUser(ctx, u.ID, func(x *store.User) error { x.Name = "x"; return errBoom })
				return err
			}}, errBoom},
			{step{"add an unknown member", func() error {
				_, err := s.AddOrganizationMembers(ctx, o.ID, []string{u.ID, "auth0|nosuch"}, at(1))
				return err
			}}, store.ErrNotFound},
			{step{"create a user with a taken email", func() error {
				dup := f.newUser(c.ID)
				dup.Email = u.Email
				return s.CreateUser(ctx, dup)
			}}, store.ErrConflict},
			{step{"delete an unknown connection", func() error { return s.DeleteConnection(ctx, "con_nosuchconnection") }}, store.ErrNotFound},
			{step{"accept an expired invitation", func() error {
				_, err := s.AcceptInvitation(ctx, o.ID, expired.ID, u.ID, expired.ExpiresAt.Add(time.Second))
				return err
			}}, store.ErrNotFound},
		} {
			before := f.version()
			wantErr(t, st.do(), st.want)
			equal(t, st.name+": version", f.version(), before)
		}
	})
}
