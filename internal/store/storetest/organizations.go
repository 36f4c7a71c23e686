package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

func testOrganizations(t *testing.T, open opener) {
	t.Run("create then get by id and by name returns every field", func(t *testing.T) {
		f := open(t)
		o := store.Organization{
			ID:          "org_abcdefghijklmnop",
			Name:        "acme-42",
			DisplayName: "Acme, Inc.",
			Branding: &store.Branding{
				LogoURL: "https://acme.example.com/logo.png",
				Colors:  &store.BrandingColors{Primary: "#0059d6", PageBackground: "#ffffff"},
			},
			Metadata:  map[string]string{"tier": "gold", "region": "eu", "empty": ""},
			CreatedAt: inZone(),
			UpdatedAt: inZone().Add(time.Millisecond),
		}
		must(t, f.s.CreateOrganization(f.ctx, o))
		want := o
		want.CreatedAt, want.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()

		got, err := f.s.GetOrganization(f.ctx, o.ID)
		must(t, err)
		equal(t, "by id", got, want)
		got, err = f.s.GetOrganizationByName(f.ctx, o.Name)
		must(t, err)
		equal(t, "by name", got, want)
	})

	t.Run("branding and metadata round-trip in every shape", func(t *testing.T) {
		tests := []struct {
			name     string
			branding *store.Branding
			metadata map[string]string
			want     store.Organization // only Branding and Metadata are compared
		}{
			{name: "no branding and nil metadata"},
			{name: "empty metadata reads back as nil", metadata: map[string]string{}},
			{name: "branding without colors", branding: &store.Branding{LogoURL: "https://x.example.com/l.svg"},
				want: store.Organization{Branding: &store.Branding{LogoURL: "https://x.example.com/l.svg"}}},
			{name: "branding with colors only", branding: &store.Branding{Colors: &store.BrandingColors{Primary: "#000000", PageBackground: "#111111"}},
				want: store.Organization{Branding: &store.Branding{Colors: &store.BrandingColors{Primary: "#000000", PageBackground: "#111111"}}}},
		}
		f := open(t)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				o := f.newOrganization()
				o.Branding, o.Metadata = tt.branding, tt.metadata
				must(t, f.s.CreateOrganization(f.ctx, o))
				got, err := f.s.GetOrganization(f.ctx, o.ID)
				must(t, err)
				equal(t, "branding", got.Branding, tt.want.Branding)
				equal(t, "metadata", got.Metadata, tt.want.Metadata)
			})
		}
	})

	t.Run("create with a taken name conflicts", func(t *testing.T) {
		f := open(t)
		first := f.organization()
		dup := f.newOrganization()
		dup.Name = first.Name
		wantErr(t, f.s.CreateOrganization(f.ctx, dup), store.ErrConflict)
		_, err := f.s.GetOrganization(f.ctx, dup.ID)
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("create with a taken id conflicts", func(t *testing.T) {
		f := open(t)
		first := f.organization()
		dup := f.newOrganization()
		dup.ID = first.ID
		wantErr(t, f.s.CreateOrganization(f.ctx, dup), store.ErrConflict)
	})

	t.Run("update stores what fn leaves and returns what get returns", func(t *testing.T) {
		f := open(t)
		o := f.organization()
		want := o
		want.Name, want.DisplayName = "renamed", "Renamed"
		want.Branding = &store.Branding{LogoURL: "https://r.example.com/logo.png"}
		want.Metadata = map[string]string{"k": "v"}
		want.UpdatedAt = at(1000)
		got, err := f.s.UpdateOrganization(f.ctx, o.ID, func(x *store.Organization) error {
			equal(t, "fn receives", *x, o)
			x.Name, x.DisplayName, x.Branding, x.Metadata, x.UpdatedAt =
				want.Name, want.DisplayName, want.Branding, want.Metadata, want.UpdatedAt
			return nil
		})
		must(t, err)
		equal(t, "returned", got, want)
		got, err = f.s.GetOrganizationByName(f.ctx, "renamed")
		must(t, err)
		equal(t, "stored", got, want)
		_, err = f.s.GetOrganizationByName(f.ctx, o.Name)
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("update can clear branding and metadata", func(t *testing.T) {
		f := open(t)
		o := f.newOrganization()
		o.Branding = &store.Branding{LogoURL: "https://x.example.com/l.png"}
		o.Metadata = map[string]string{"a": "b"}
		must(t, f.s.CreateOrganization(f.ctx, o))
		got, err := f.s.UpdateOrganization(f.ctx, o.ID, func(x *store.Organization) error {
			x.Branding, x.Metadata = nil, map[string]string{}
			return nil
		})
		must(t, err)
		if got.Branding != nil || got.Metadata != nil {
			t.Errorf("read back %s, want no branding and nil metadata", show(got))
		}
	})

	t.Run("update keeps the id and creation time", func(t *testing.T) {
		f := open(t)
		o := f.organization()
		got, err := f.s.UpdateOrganization(f.ctx, o.ID, func(x *store.Organization) error {
			x.ID, x.CreatedAt = "org_zzzzzzzzzzzzzzzz", at(5000)
			return nil
		})
		must(t, err)
		equal(t, "returned", got, o)
	})

	t.Run("renaming to a taken name conflicts and changes nothing", func(t *testing.T) {
		f := open(t)
		o, other := f.organization(), f.organization()
		_, err := f.s.UpdateOrganization(f.ctx, o.ID, func(x *store.Organization) error {
			x.Name, x.DisplayName = other.Name, "Changed"
			return nil
		})
		wantErr(t, err, store.ErrConflict)
		got, err := f.s.GetOrganization(f.ctx, o.ID)
		must(t, err)
		equal(t, "stored", got, o)
	})

	t.Run("update fn error aborts and leaves the row unchanged", func(t *testing.T) {
		f := open(t)
		o := f.organization()
		_, err := f.s.UpdateOrganization(f.ctx, o.ID, func(x *store.Organization) error {
			x.DisplayName = "Changed"
			return errBoom
		})
		wantErr(t, err, errBoom)
		got, err := f.s.GetOrganization(f.ctx, o.ID)
		must(t, err)
		equal(t, "stored", got, o)
	})

	t.Run("concurrent updates lose nothing", func(t *testing.T) {
		f := open(t)
		o := f.organization()
		const writers = 20
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				_, err := f.s.UpdateOrganization(f.ctx, o.ID, func(x *store.Organization) error {
					if x.Metadata == nil {
						x.Metadata = map[string]string{}
					}
					x.Metadata[fmt.Sprintf("key%02d", i)] = "v"
					return nil
				})
				if err != nil {
					t.Errorf("writer %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		got, err := f.s.GetOrganization(f.ctx, o.ID)
		must(t, err)
		if len(got.Metadata) != writers {
			t.Errorf("metadata has %d keys, want %d: %v", len(got.Metadata), writers, got.Metadata)
		}
	})

	t.Run("delete removes its associations and clears default organizations pointing at it", func(t *testing.T) {
		f := open(t)
		o, other := f.organization(), f.organization()
		withDefault := func(orgID string) store.Client {
			c := f.newClient()
			c.DefaultOrganization = &store.DefaultOrganization{OrganizationID: orgID, Flows: []string{"client_credentials"}}
			must(t, f.s.CreateClient(f.ctx, c))
			return c
		}
		cleared, kept := withDefault(o.ID), withDefault(other.ID)
		g := f.grant()
		f.associate(o.ID, g.ID)
		f.associate(other.ID, g.ID)

		must(t, f.s.DeleteOrganization(f.ctx, o.ID))
		_, err := f.s.GetOrganization(f.ctx, o.ID)
		wantErr(t, err, store.ErrNotFound)
		if f.has(o.ID, g.ID) {
			t.Error("the deleted organization is still associated")
		}
		equal(t, "grant's organizations", f.grantOrgIDs(g.ID), []string{other.ID})

		got, err := f.s.GetClient(f.ctx, cleared.ClientID)
		must(t, err)
		if got.DefaultOrganization != nil {
			t.Errorf("default organization = %s, want nil", show(got.DefaultOrganization))
		}
		got, err = f.s.GetClient(f.ctx, kept.ClientID)
		must(t, err)
		equal(t, "other client", got, kept)

		wantErr(t, f.s.DeleteOrganization(f.ctx, o.ID), store.ErrNotFound)
	})
}
