package storetest

import (
	"context"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

// testUnknownIDs checks that every method taking an id answers ErrNotFound for one that does not exist,
// in a store that holds one entity of each kind, and that update functions are not called.
func testUnknownIDs(t *testing.T, open opener) {
	const (
		noRS       = "ffffffffffffffffffffffff"
		noAudience = "https://nosuch.example.com/"
		noClient   = "nosuchclient00000000000000000000"
		noGrant    = "cgr_nosuchgrant0000"
		noOrg      = "org_nosuchorg000000"
		noOrgName  = "nosuchorg"
	)
	f := open(t)
	g := f.grant()
	o := f.organization()
	f.associate(o.ID, g.ID)

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
			_, err := s.GetResourceServer(ctx, noRS)
			return err
		}},
		{"get resource server by identifier", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetResourceServerByIdentifier(ctx, noAudience)
			return err
		}},
		{"update resource server", func(ctx context.Context, s store.Store, fn func() error) error {
			_, err := s.UpdateResourceServer(ctx, noRS, func(*store.ResourceServer) error { return fn() })
			return err
		}},
		{"delete resource server", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.DeleteResourceServer(ctx, noRS)
		}},
		{"get client", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetClient(ctx, noClient)
			return err
		}},
		{"update client", func(ctx context.Context, s store.Store, fn func() error) error {
			_, err := s.UpdateClient(ctx, noClient, func(*store.Client) error { return fn() })
			return err
		}},
		{"delete client", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.DeleteClient(ctx, noClient)
		}},
		{"get client grant", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetClientGrant(ctx, noGrant)
			return err
		}},
		{"get client grant of a known client for an unknown audience", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetClientGrantByClientAudience(ctx, g.ClientID, noAudience)
			return err
		}},
		{"get client grant of an unknown client for a known audience", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetClientGrantByClientAudience(ctx, noClient, g.Audience)
			return err
		}},
		{"update client grant", func(ctx context.Context, s store.Store, fn func() error) error {
			_, err := s.UpdateClientGrant(ctx, noGrant, func(*store.ClientGrant) error { return fn() })
			return err
		}},
		{"delete client grant", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.DeleteClientGrant(ctx, noGrant)
		}},
		{"get organization", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetOrganization(ctx, noOrg)
			return err
		}},
		{"get organization by name", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.GetOrganizationByName(ctx, noOrgName)
			return err
		}},
		{"update organization", func(ctx context.Context, s store.Store, fn func() error) error {
			_, err := s.UpdateOrganization(ctx, noOrg, func(*store.Organization) error { return fn() })
			return err
		}},
		{"delete organization", func(ctx context.Context, s store.Store, _ func() error) error {
			return s.DeleteOrganization(ctx, noOrg)
		}},
		{"list client grants of an organization", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.ListOrganizationClientGrants(ctx, noOrg, store.ClientGrantFilter{}, store.Page{})
			return err
		}},
		{"list organizations of a client grant", func(ctx context.Context, s store.Store, _ func() error) error {
			_, err := s.ListClientGrantOrganizations(ctx, noGrant, store.Page{})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is not found", func(t *testing.T) {
			wantErr(t, tt.call(f.ctx, f.s, notCalled(t)), store.ErrNotFound)
		})
	}
}
