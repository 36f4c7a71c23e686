package storetest

import (
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

func testClients(t *testing.T, open opener) {
	t.Run("create then get returns every field", func(t *testing.T) {
		f := open(t)
		o := f.organization()
		c := store.Client{
			ClientID:                     "abcdefghijklmnopqrstuvwxyz012345",
			Name:                         "Billing service",
			Description:                  "Calls the billing API",
			AppType:                      "non_interactive",
			GrantTypes:                   []string{"client_credentials", "refresh_token"},
			TokenEndpointAuthMethod:      "client_secret_basic",
			SecretHash:                   []byte{0, 1, 2, 254, 255},
			DefaultOrganization:          &store.DefaultOrganization{OrganizationID: o.ID, Flows: []string{"client_credentials"}},
			OrganizationUsage:            "require",
			OrganizationRequireBehavior:  "pre_login_prompt",
			Callbacks:                    []string{"https://app.example.com/callback", "http://localhost:3000/cb"},
			AllowedLogoutURLs:            []string{"https://app.example.com/"},
			InitiateLoginURI:             "https://app.example.com/login",
			OrganizationDiscoveryMethods: []string{"email", "organization_name"},
			IDTokenLifetime:              600,
			RefreshToken: store.RefreshTokenConfig{
				RotationType: "non-rotating", ExpirationType: "non-expiring", Leeway: 30, TokenLifetime: 31557600,
				IdleTokenLifetime: 86400, InfiniteTokenLifetime: true, InfiniteIdleTokenLifetime: true,
			},
			CreatedAt: inZone(),
			UpdatedAt: inZone().Add(time.Hour),
		}
		must(t, f.s.CreateClient(f.ctx, c))
		want := c
		want.CreatedAt, want.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
		got, err := f.s.GetClient(f.ctx, c.ClientID)
		must(t, err)
		equal(t, "client", got, want)
	})

	t.Run("nil and empty grant types, secret hash, flows and URL lists read back as nil", func(t *testing.T) {
		f := open(t)
		o := f.organization()
		for _, empty := range []bool{false, true} {
			c := f.newClient()
			c.GrantTypes, c.SecretHash = nil, nil
			c.DefaultOrganization = &store.DefaultOrganization{OrganizationID: o.ID}
			if empty {
				c.GrantTypes, c.SecretHash, c.DefaultOrganization.Flows = []string{}, []byte{}, []string{}
				c.Callbacks, c.AllowedLogoutURLs, c.OrganizationDiscoveryMethods = []string{}, []string{}, []string{}
			}
			must(t, f.s.CreateClient(f.ctx, c))
			got, err := f.s.GetClient(f.ctx, c.ClientID)
			must(t, err)
			if got.GrantTypes != nil || got.SecretHash != nil || got.DefaultOrganization == nil || got.DefaultOrganization.Flows != nil ||
				got.Callbacks != nil || got.AllowedLogoutURLs != nil || got.OrganizationDiscoveryMethods != nil {
				t.Errorf("empty=%v read back as %s", empty, show(got))
			}
		}
	})

	t.Run("a zero refresh-token configuration reads back as zero", func(t *testing.T) {
		f := open(t)
		c := f.newClient()
		c.RefreshToken = store.RefreshTokenConfig{}
		must(t, f.s.CreateClient(f.ctx, c))
		got, err := f.s.GetClient(f.ctx, c.ClientID)
		must(t, err)
		equal(t, "client", got, c)
	})

	t.Run("create with a taken client id conflicts", func(t *testing.T) {
		f := open(t)
		first := f.client()
		dup := f.newClient()
		dup.ClientID = first.ClientID
		wantErr(t, f.s.CreateClient(f.ctx, dup), store.ErrConflict)
		got, err := f.s.GetClient(f.ctx, first.ClientID)
		must(t, err)
		equal(t, "kept", got, first)
	})

	t.Run("create with a default organization that does not exist is not found", func(t *testing.T) {
		f := open(t)
		c := f.newClient()
		c.DefaultOrganization = &store.DefaultOrganization{OrganizationID: "org_0000000000000000", Flows: []string{"client_credentials"}}
		wantErr(t, f.s.CreateClient(f.ctx, c), store.ErrNotFound)
		_, err := f.s.GetClient(f.ctx, c.ClientID)
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("update stores what fn leaves and returns what get returns", func(t *testing.T) {
		f := open(t)
		o := f.organization()
		c := f.client()
		want := c
		want.Name, want.Description, want.AppType = "Renamed", "Now described", "regular_web"
		want.GrantTypes = []string{"authorization_code"}
		want.TokenEndpointAuthMethod = "none"
		want.SecretHash = []byte("new hash")
		want.DefaultOrganization = &store.DefaultOrganization{OrganizationID: o.ID, Flows: []string{"client_credentials"}}
		want.OrganizationUsage, want.OrganizationRequireBehavior = "allow", "no_prompt"
		want.Callbacks, want.AllowedLogoutURLs = []string{"https://new.example.com/cb"}, []string{"https://new.example.com/"}
		want.InitiateLoginURI, want.OrganizationDiscoveryMethods = "https://new.example.com/login", []string{"organization_name"}
		want.IDTokenLifetime = 36000
		want.RefreshToken = store.RefreshTokenConfig{RotationType: "rotating", ExpirationType: "expiring", Leeway: 5,
			TokenLifetime: 100, IdleTokenLifetime: 50}
		want.UpdatedAt = at(1000)

		got, err := f.s.UpdateClient(f.ctx, c.ClientID, func(x *store.Client) error {
			equal(t, "fn receives", *x, c)
			created := x.CreatedAt
			*x = want
			x.CreatedAt = created
			return nil
		})
		must(t, err)
		equal(t, "returned", got, want)
		got, err = f.s.GetClient(f.ctx, c.ClientID)
		must(t, err)
		equal(t, "stored", got, want)
	})

	t.Run("update can remove the default organization", func(t *testing.T) {
		f := open(t)
		o := f.organization()
		c := f.newClient()
		c.DefaultOrganization = &store.DefaultOrganization{OrganizationID: o.ID, Flows: []string{"client_credentials"}}
		must(t, f.s.CreateClient(f.ctx, c))
		got, err := f.s.UpdateClient(f.ctx, c.ClientID, func(x *store.Client) error {
			x.DefaultOrganization = nil
			return nil
		})
		must(t, err)
		if got.DefaultOrganization != nil {
			t.Errorf("default organization = %s, want nil", show(got.DefaultOrganization))
		}
	})

	t.Run("update keeps the client id and creation time", func(t *testing.T) {
		f := open(t)
		c := f.client()
		got, err := f.s.UpdateClient(f.ctx, c.ClientID, func(x *store.Client) error {
			x.ClientID, x.CreatedAt = "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", at(5000)
			return nil
		})
		must(t, err)
		equal(t, "returned", got, c)
		_, err = f.s.GetClient(f.ctx, "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("update to a default organization that does not exist is not found and changes nothing", func(t *testing.T) {
		f := open(t)
		c := f.client()
		_, err := f.s.UpdateClient(f.ctx, c.ClientID, func(x *store.Client) error {
			x.Name = "Changed"
			x.DefaultOrganization = &store.DefaultOrganization{OrganizationID: "org_0000000000000000"}
			return nil
		})
		wantErr(t, err, store.ErrNotFound)
		got, err := f.s.GetClient(f.ctx, c.ClientID)
		must(t, err)
		equal(t, "stored", got, c)
	})

	t.Run("update fn error aborts and leaves the row unchanged", func(t *testing.T) {
		f := open(t)
		c := f.client()
		_, err := f.s.UpdateClient(f.ctx, c.ClientID, func(x *store.Client) error {
			x.Name = "Changed"
			return errBoom
		})
		wantErr(t, err, errBoom)
		got, err := f.s.GetClient(f.ctx, c.ClientID)
		must(t, err)
		equal(t, "stored", got, c)
	})

	t.Run("delete removes it, its client grants and their associations", func(t *testing.T) {
		f := open(t)
		api := f.resourceServer()
		c, other := f.client(), f.client()
		gone, stays := f.clientGrant(c.ClientID, api.Identifier), f.clientGrant(other.ClientID, api.Identifier)
		o := f.organization()
		f.associate(o.ID, gone.ID)
		f.associate(o.ID, stays.ID)

		must(t, f.s.DeleteClient(f.ctx, c.ClientID))
		_, err := f.s.GetClient(f.ctx, c.ClientID)
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.GetClientGrant(f.ctx, gone.ID)
		wantErr(t, err, store.ErrNotFound)
		if f.has(o.ID, gone.ID) {
			t.Error("the deleted grant is still associated")
		}
		equal(t, "organization's grants", f.orgGrantIDs(o.ID), []string{stays.ID})
		wantErr(t, f.s.DeleteClient(f.ctx, c.ClientID), store.ErrNotFound)
	})
}
