package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

func (f *fixture) version() int64 {
	f.t.Helper()
	v, err := f.s.Version(f.ctx)
	must(f.t, err)
	return v
}

// step is one named call on the store.
type step struct {
	name string
	do   func() error
}

func testVersion(t *testing.T, open opener) {
	t.Run("every kind of write makes it grow", func(t *testing.T) {
		f := open(t)
		ctx, s := f.ctx, f.s
		rs, c, o, a := f.newResourceServer(), f.newClient(), f.newOrganization(), f.newAdmin()
		g := f.newClientGrant(c.ClientID, rs.Identifier)
		current, next, newNext := f.newSigningKey("RS256", store.KeyCurrent), f.newSigningKey("RS256", store.KeyNext), f.newSigningKey("RS256", "")
		b := f.bootstrap()
		moved := b
		moved.API.Identifier = "https://moved.example.com/api/v2/"
		steps := []step{
			{"create resource server", func() error { return s.CreateResourceServer(ctx, rs) }},
			{"update resource server", func() error {
				_, err := s.UpdateResourceServer(ctx, rs.ID, func(*store.ResourceServer) error { return nil })
				return err
			}},
			{"create client", func() error { return s.CreateClient(ctx, c) }},
			{"update client", func() error {
				_, err := s.UpdateClient(ctx, c.ClientID, func(*store.Client) error { return nil })
				return err
			}},
			{"create client grant", func() error { return s.CreateClientGrant(ctx, g) }},
			{"update client grant", func() error {
				_, err := s.UpdateClientGrant(ctx, g.ID, func(*store.ClientGrant) error { return nil })
				return err
			}},
			{"create organization", func() error { return s.CreateOrganization(ctx, o) }},
			{"update organization", func() error {
				_, err := s.UpdateOrganization(ctx, o.ID, func(*store.Organization) error { return nil })
				return err
			}},
			{"add organization client grant", func() error { return s.AddOrganizationClientGrant(ctx, o.ID, g.ID, nil) }},
			{"remove organization client grant", func() error { return s.RemoveOrganizationClientGrant(ctx, o.ID, g.ID) }},
			{"update tenant settings", func() error {
				_, err := s.UpdateTenantSettings(ctx, func(*store.TenantSettings) error { return nil })
				return err
			}},
			{"store a tenant secret", func() error {
				_, err := s.TenantSecret(ctx, "hash-key", []byte("secret"))
				return err
			}},
			{"insert current signing key", func() error { return s.InsertSigningKey(ctx, current) }},
			{"insert next signing key", func() error { return s.InsertSigningKey(ctx, next) }},
			{"rotate signing keys", func() error { return s.RotateSigningKeys(ctx, "RS256", newNext, at(100)) }},
			{"delete previous signing keys", func() error { return s.DeletePreviousSigningKeys(ctx, at(101)) }},
			{"trim previous signing keys", func() error { return s.TrimPreviousSigningKeys(ctx, 0) }},
			{"reseal signing keys", func() error {
				return s.ResealSigningKeys(ctx, func(store.SigningKey) ([]byte, error) { return nil, nil })
			}},
			{"create admin", func() error { return s.CreateAdmin(ctx, a) }},
			{"update admin", func() error {
				_, err := s.UpdateAdmin(ctx, a.ID, func(*store.Admin) error { return nil })
				return err
			}},
			{"delete admin", func() error { return s.DeleteAdmin(ctx, a.ID) }},
			{"delete client grant", func() error { return s.DeleteClientGrant(ctx, g.ID) }},
			{"delete client", func() error { return s.DeleteClient(ctx, c.ClientID) }},
			{"delete resource server", func() error { return s.DeleteResourceServer(ctx, rs.ID) }},
			{"delete organization", func() error { return s.DeleteOrganization(ctx, o.ID) }},
			{"bootstrap", func() error {
				_, err := s.Bootstrap(ctx, b)
				return err
			}},
			{"bootstrap moving the Management API", func() error {
				_, err := s.Bootstrap(ctx, moved)
				return err
			}},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				before := f.version()
				must(t, st.do())
				if after := f.version(); after <= before {
					t.Errorf("version %d after the write, %d before", after, before)
				}
			})
		}
	})

	t.Run("reads leave it unchanged", func(t *testing.T) {
		f := open(t)
		ctx, s := f.ctx, f.s
		g, o, a := f.grant(), f.organization(), f.admin()
		f.associate(o.ID, g.ID)
		must(t, s.InsertSigningKey(ctx, f.newSigningKey("RS256", store.KeyCurrent)))
		_, err := s.TenantSecret(ctx, "hash-key", []byte("secret"))
		must(t, err)
		sess := f.session(a.ID, at(100))
		rs, err := s.GetResourceServerByIdentifier(ctx, g.Audience)
		must(t, err)
		steps := []step{
			{"get resource server", func() error { _, err := s.GetResourceServer(ctx, rs.ID); return err }},
			{"get resource server by identifier", func() error { _, err := s.GetResourceServerByIdentifier(ctx, rs.Identifier); return err }},
			{"list resource servers", func() error { _, err := s.ListResourceServers(ctx, store.Page{WantTotal: true}); return err }},
			{"get client", func() error { _, err := s.GetClient(ctx, g.ClientID); return err }},
			{"list clients", func() error { _, err := s.ListClients(ctx, store.Page{}); return err }},
			{"get client grant", func() error { _, err := s.GetClientGrant(ctx, g.ID); return err }},
			{"get client grant by client and audience", func() error {
				_, err := s.GetClientGrantByClientAudience(ctx, g.ClientID, g.Audience)
				return err
			}},
			{"list client grants", func() error {
				_, err := s.ListClientGrants(ctx, store.ClientGrantFilter{}, store.Page{Checkpoint: true})
				return err
			}},
			{"get organization", func() error { _, err := s.GetOrganization(ctx, o.ID); return err }},
			{"get organization by name", func() error { _, err := s.GetOrganizationByName(ctx, o.Name); return err }},
			{"list organizations", func() error { _, err := s.ListOrganizations(ctx, store.Page{}); return err }},
			{"has organization client grant", func() error { _, err := s.HasOrganizationClientGrant(ctx, o.ID, g.ID); return err }},
			{"list organization client grants", func() error {
				_, err := s.ListOrganizationClientGrants(ctx, o.ID, store.ClientGrantFilter{}, store.Page{})
				return err
			}},
			{"list client grant organizations", func() error { _, err := s.ListClientGrantOrganizations(ctx, g.ID, store.Page{}); return err }},
			{"get tenant settings", func() error { _, err := s.GetTenantSettings(ctx); return err }},
			{"tenant secret that exists", func() error { _, err := s.TenantSecret(ctx, "hash-key", []byte("other")); return err }},
			{"list signing keys", func() error { _, err := s.ListSigningKeys(ctx); return err }},
			{"get admin", func() error { _, err := s.GetAdmin(ctx, a.ID); return err }},
			{"get admin by email", func() error { _, err := s.GetAdminByEmail(ctx, a.Email); return err }},
			{"list admins", func() error { _, err := s.ListAdmins(ctx); return err }},
			{"get session", func() error { _, err := s.GetSession(ctx, sess.TokenHash, at(0)); return err }},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				before := f.version()
				must(t, st.do())
				equal(t, "version", f.version(), before)
			})
		}
	})

	t.Run("session writes leave it unchanged", func(t *testing.T) {
		f := open(t)
		a := f.admin()
		sess := f.newSession(a.ID, at(100))
		steps := []step{
			{"create session", func() error { return f.s.CreateSession(f.ctx, sess) }},
			{"delete session", func() error { return f.s.DeleteSession(f.ctx, sess.TokenHash) }},
			{"delete expired sessions", func() error {
				f.session(a.ID, at(10))
				return f.s.DeleteExpiredSessions(f.ctx, at(50))
			}},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				before := f.version()
				must(t, st.do())
				equal(t, "version", f.version(), before)
			})
		}
	})

	t.Run("failed writes leave it unchanged", func(t *testing.T) {
		f := open(t)
		ctx, s := f.ctx, f.s
		g, o, a := f.grant(), f.organization(), f.admin()
		f.associate(o.ID, g.ID)
		other, taken := f.grant(), f.organization()
		must(t, s.InsertSigningKey(ctx, f.newSigningKey("ES256", store.KeyCurrent)))
		rs, err := s.GetResourceServerByIdentifier(ctx, g.Audience)
		must(t, err)
		steps := []struct {
			step
			want error
		}{
			{step{"update resource server aborted by fn", func() error {
				_, err := s.UpdateResourceServer(ctx, rs.ID, func(x *store.ResourceServer) error { x.Name = "x"; return errBoom })
				return err
			}}, errBoom},
			{step{"update client aborted by fn", func() error {
				_, err := s.UpdateClient(ctx, g.ClientID, func(x *store.Client) error { x.Name = "x"; return errBoom })
				return err
			}}, errBoom},
			{step{"update client grant aborted by fn", func() error {
				_, err := s.UpdateClientGrant(ctx, g.ID, func(x *store.ClientGrant) error { x.Scope = nil; return errBoom })
				return err
			}}, errBoom},
			{step{"update organization aborted by fn", func() error {
				_, err := s.UpdateOrganization(ctx, o.ID, func(x *store.Organization) error { x.DisplayName = "x"; return errBoom })
				return err
			}}, errBoom},
			{step{"update tenant settings aborted by fn", func() error {
				_, err := s.UpdateTenantSettings(ctx, func(x *store.TenantSettings) error {
					x.AllowOrganizationNameInAuthenticationAPI = true
					return errBoom
				})
				return err
			}}, errBoom},
			{step{"update admin aborted by fn", func() error {
				_, err := s.UpdateAdmin(ctx, a.ID, func(x *store.Admin) error { x.PasswordHash = "x"; return errBoom })
				return err
			}}, errBoom},
			{step{"update of an unknown organization", func() error {
				_, err := s.UpdateOrganization(ctx, "org_nosuchorg000000", func(*store.Organization) error { return nil })
				return err
			}}, store.ErrNotFound},
			{step{"rename to a taken organization name", func() error {
				_, err := s.UpdateOrganization(ctx, o.ID, func(x *store.Organization) error { x.Name = taken.Name; return nil })
				return err
			}}, store.ErrConflict},
			{step{"create organization with a taken name", func() error {
				dup := f.newOrganization()
				dup.Name = o.Name
				return s.CreateOrganization(ctx, dup)
			}}, store.ErrConflict},
			{step{"create client grant for an unknown client", func() error {
				return s.CreateClientGrant(ctx, f.newClientGrant("nosuchclient", g.Audience))
			}}, store.ErrNotFound},
			{step{"create admin with a taken email", func() error {
				dup := f.newAdmin()
				dup.Email = a.Email
				return s.CreateAdmin(ctx, dup)
			}}, store.ErrConflict},
			{step{"insert a second current signing key", func() error {
				return s.InsertSigningKey(ctx, f.newSigningKey("ES256", store.KeyCurrent))
			}}, store.ErrConflict},
			{step{"rotate without a next key", func() error {
				return s.RotateSigningKeys(ctx, "ES256", f.newSigningKey("ES256", ""), at(100))
			}}, store.ErrNotFound},
			{step{"add an association twice", func() error { return s.AddOrganizationClientGrant(ctx, o.ID, g.ID, nil) }}, store.ErrConflict},
			{step{"add an association refused by check", func() error {
				return s.AddOrganizationClientGrant(ctx, o.ID, other.ID, func(store.ClientGrant, int) error { return errBoom })
			}}, errBoom},
			{step{"remove from an unknown organization", func() error {
				return s.RemoveOrganizationClientGrant(ctx, "org_nosuchorg000000", g.ID)
			}}, store.ErrNotFound},
			{step{"delete an unknown organization", func() error { return s.DeleteOrganization(ctx, "org_nosuchorg000000") }}, store.ErrNotFound},
			{step{"delete an unknown admin", func() error { return s.DeleteAdmin(ctx, "adm_nosuchadmin0000") }}, store.ErrNotFound},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				before := f.version()
				wantErr(t, st.do(), st.want)
				equal(t, "version", f.version(), before)
			})
		}
	})

	t.Run("committed is the highest version written through this store", func(t *testing.T) {
		f := open(t)
		f.organization()
		equal(t, "committed after a write", f.s.Committed(), f.version())
		before := f.s.Committed()
		if _, err := f.s.GetOrganization(f.ctx, "org_nosuchorg000000"); !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		equal(t, "committed after a read", f.s.Committed(), before)
		f.grant()
		equal(t, "committed after another write", f.s.Committed(), f.version())
	})

	t.Run("watching changes returns the context's error when the context ends", func(t *testing.T) {
		f := open(t)
		ctx, cancel := context.WithCancel(f.ctx)
		done := make(chan error, 1)
		go func() { done <- f.s.WatchChanges(ctx, func() {}) }()
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error = %v, want %v", err, context.Canceled)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("WatchChanges did not return after its context ended")
		}
	})
}
