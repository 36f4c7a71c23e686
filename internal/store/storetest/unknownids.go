package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

// missingKeys are keys that no entity in the store has.
type missingKeys struct {
	rs, audience, client, grant, org, orgName, admin, adminEmail string
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
		})
	})
	t.Run("keys with a NUL byte", func(t *testing.T) {
		testMissingKeys(t, open, missingKeys{
			rs: "ffff\x00", audience: "https://nul\x00.example.com/", client: "client\x00", grant: "cgr_\x00",
			org: "org_\x00", orgName: "nul\x00", admin: "adm_\x00", adminEmail: "nul\x00@example.com",
		})
	})
	t.Run("keys that are not UTF-8", func(t *testing.T) {
		testMissingKeys(t, open, missingKeys{
			rs: "ffff\xff", audience: "https://bad\xff.example.com/", client: "client\xff", grant: "cgr_\xff",
			org: "org_\xff", orgName: "bad\xff", admin: "adm_\xff", adminEmail: "bad\xff@example.com",
		})
	})
}

func testMissingKeys(t *testing.T, open opener, k missingKeys) {
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
