package storetest

import (
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

func testResourceServers(t *testing.T, open opener) {
	t.Run("create then get by id and by identifier returns every field", func(t *testing.T) {
		f := open(t)
		rs := store.ResourceServer{
			ID:         "0123456789abcdef01234567",
			Identifier: "https://api.example.com/",
			Name:       "Example API",
			Scopes: []store.Scope{
				{Value: "read:things", Description: "Read things"},
				{Value: "write:things", Description: ""},
			},
			SigningAlg:         "PS256",
			TokenLifetime:      3600,
			AllowOfflineAccess: true,
			IsSystem:           true,
			EnforcePolicies:    true,
			TokenDialect:       store.DialectAccessTokenAuthz,
			CreatedAt:          inZone(),
			UpdatedAt:          inZone().Add(time.Minute),
		}
		must(t, f.s.CreateResourceServer(f.ctx, rs))
		want := rs
		want.CreatedAt, want.UpdatedAt = rs.CreatedAt.UTC(), rs.UpdatedAt.UTC()

		got, err := f.s.GetResourceServer(f.ctx, rs.ID)
		must(t, err)
		equal(t, "by id", got, want)
		got, err = f.s.GetResourceServerByIdentifier(f.ctx, rs.Identifier)
		must(t, err)
		equal(t, "by identifier", got, want)
	})

	t.Run("nil and empty scopes read back as nil", func(t *testing.T) {
		f := open(t)
		for _, scopes := range [][]store.Scope{nil, {}} {
			rs := f.newResourceServer()
			rs.Scopes = scopes
			must(t, f.s.CreateResourceServer(f.ctx, rs))
			got, err := f.s.GetResourceServer(f.ctx, rs.ID)
			must(t, err)
			if got.Scopes != nil {
				t.Errorf("scopes %#v read back as %#v, want nil", scopes, got.Scopes)
			}
		}
	})

	t.Run("create with a taken identifier conflicts", func(t *testing.T) {
		f := open(t)
		first := f.resourceServer()
		dup := f.newResourceServer()
		dup.Identifier = first.Identifier
		wantErr(t, f.s.CreateResourceServer(f.ctx, dup), store.ErrConflict)
		got, err := f.s.GetResourceServerByIdentifier(f.ctx, first.Identifier)
		must(t, err)
		equal(t, "kept", got, first)
	})

	t.Run("create with a taken id conflicts", func(t *testing.T) {
		f := open(t)
		first := f.resourceServer()
		dup := f.newResourceServer()
		dup.ID = first.ID
		wantErr(t, f.s.CreateResourceServer(f.ctx, dup), store.ErrConflict)
	})

	t.Run("update stores what fn leaves and returns what get returns", func(t *testing.T) {
		f := open(t)
		rs := f.resourceServer()
		want := rs
		want.Name = "Renamed"
		want.Scopes = []store.Scope{{Value: "admin", Description: "Everything"}}
		want.SigningAlg = "ES256"
		want.TokenLifetime = 60
		want.EnforcePolicies, want.TokenDialect = true, store.DialectAccessTokenAuthz
		want.AllowOfflineAccess = true
		want.UpdatedAt = at(1000)

		got, err := f.s.UpdateResourceServer(f.ctx, rs.ID, func(r *store.ResourceServer) error {
			equal(t, "fn receives", *r, rs)
			r.Name, r.Scopes, r.SigningAlg = want.Name, want.Scopes, want.SigningAlg
			r.TokenLifetime, r.AllowOfflineAccess, r.UpdatedAt = want.TokenLifetime, want.AllowOfflineAccess, want.UpdatedAt
			r.EnforcePolicies, r.TokenDialect = want.EnforcePolicies, want.TokenDialect
			return nil
		})
		must(t, err)
		equal(t, "returned", got, want)
		got, err = f.s.GetResourceServer(f.ctx, rs.ID)
		must(t, err)
		equal(t, "stored", got, want)
	})

	t.Run("update keeps the id, identifier and creation time", func(t *testing.T) {
		f := open(t)
		rs := f.resourceServer()
		got, err := f.s.UpdateResourceServer(f.ctx, rs.ID, func(r *store.ResourceServer) error {
			r.ID, r.Identifier, r.CreatedAt = "ffffffffffffffffffffffff", "https://other.example.com/", at(5000)
			return nil
		})
		must(t, err)
		equal(t, "returned", got, rs)
		_, err = f.s.GetResourceServerByIdentifier(f.ctx, "https://other.example.com/")
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("update fn error aborts and leaves the row unchanged", func(t *testing.T) {
		f := open(t)
		rs := f.resourceServer()
		_, err := f.s.UpdateResourceServer(f.ctx, rs.ID, func(r *store.ResourceServer) error {
			r.Name = "Changed"
			return errBoom
		})
		wantErr(t, err, errBoom)
		got, err := f.s.GetResourceServer(f.ctx, rs.ID)
		must(t, err)
		equal(t, "stored", got, rs)
	})

	t.Run("delete removes it and a second delete is not found", func(t *testing.T) {
		f := open(t)
		rs := f.resourceServer()
		other := f.resourceServer()
		must(t, f.s.DeleteResourceServer(f.ctx, rs.ID))
		_, err := f.s.GetResourceServer(f.ctx, rs.ID)
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, f.s.DeleteResourceServer(f.ctx, rs.ID), store.ErrNotFound)
		_, err = f.s.GetResourceServer(f.ctx, other.ID)
		must(t, err)
	})

	t.Run("delete removes its client grants and their associations", func(t *testing.T) {
		f := open(t)
		api, kept := f.resourceServer(), f.resourceServer()
		c := f.client()
		gone, stays := f.clientGrant(c.ClientID, api.Identifier), f.clientGrant(c.ClientID, kept.Identifier)
		o := f.organization()
		f.associate(o.ID, gone.ID)
		f.associate(o.ID, stays.ID)

		must(t, f.s.DeleteResourceServer(f.ctx, api.ID))
		_, err := f.s.GetClientGrant(f.ctx, gone.ID)
		wantErr(t, err, store.ErrNotFound)
		if f.has(o.ID, gone.ID) {
			t.Error("the deleted grant is still associated")
		}
		equal(t, "organization's grants", f.orgGrantIDs(o.ID), []string{stays.ID})
		_, err = f.s.GetClient(f.ctx, c.ClientID)
		must(t, err)
	})
}
