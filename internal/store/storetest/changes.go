package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

// changesSince returns the changes after version after as "kind key" strings, sorted, and checks that
// they lead to the current version.
func (f *fixture) changesSince(after int64) []string {
	f.t.Helper()
	cs, err := f.s.Changes(f.ctx, after, 1000)
	must(f.t, err)
	equal(f.t, "changes through", cs.Through, f.version())
	var out []string
	for _, c := range cs.Items {
		if c.Version <= after || c.Version > cs.Through {
			f.t.Errorf("change %+v outside (%d, %d]", c, after, cs.Through)
		}
		out = append(out, string(c.Kind)+" "+c.Key)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func change(kind store.ChangeKind, key string) string { return string(kind) + " " + key }

func testChanges(t *testing.T, open opener) {
	t.Run("every write records what it changes, cascades included", func(t *testing.T) {
		f := open(t)
		ctx, s := f.ctx, f.s
		rs, c, o := f.newResourceServer(), f.newClient(), f.newOrganization()
		g := f.newClientGrant(c.ClientID, rs.Identifier)
		cred := f.newClientCredential(c.ClientID)
		withCreds := f.newClient()
		// What the deletions cascade to: a client whose default organization is doomed, and an API and a
		// client each with a grant.
		doomedOrg, doomedAPI, doomedClient := f.newOrganization(), f.newResourceServer(), f.newClient()
		defaulted := f.newClient()
		defaulted.DefaultOrganization = &store.DefaultOrganization{OrganizationID: doomedOrg.ID, Flows: []string{"client_credentials"}}
		viaAPI, viaClient := f.newClientGrant(c.ClientID, doomedAPI.Identifier), f.newClientGrant(doomedClient.ClientID, rs.Identifier)
		b := f.bootstrap()
		moved := b
		moved.API.Identifier = "https://moved.example.com/api/v2/"

		steps := []struct {
			name string
			do   func() error
			want []string
		}{
			{"create resource server", func() error { return s.CreateResourceServer(ctx, rs) }, []string{change(store.ChangeAPI, rs.ID)}},
			{"update resource server", func() error {
				_, err := s.UpdateResourceServer(ctx, rs.ID, func(*store.ResourceServer) error { return nil })
				return err
			}, []string{change(store.ChangeAPI, rs.ID)}},
			{"create client", func() error { return s.CreateClient(ctx, c) }, []string{change(store.ChangeClient, c.ClientID)}},
			{"update client", func() error {
				_, err := s.UpdateClient(ctx, c.ClientID, func(*store.Client) error { return nil })
				return err
			}, []string{change(store.ChangeClient, c.ClientID)}},
			{"create client with credentials", func() error {
				return s.CreateClientWithCredentials(ctx, withCreds, []store.ClientCredential{f.newClientCredential(withCreds.ClientID)})
			}, []string{change(store.ChangeClient, withCreds.ClientID)}},
			{"create client credential", func() error { return s.CreateClientCredential(ctx, cred, nil) }, []string{change(store.ChangeClient, c.ClientID)}},
			{"update client credential", func() error {
				_, err := s.UpdateClientCredential(ctx, c.ClientID, cred.ID, func(*store.ClientCredential) error { return nil })
				return err
			}, []string{change(store.ChangeClient, c.ClientID)}},
			{"delete client credential", func() error { return s.DeleteClientCredential(ctx, c.ClientID, cred.ID) }, []string{change(store.ChangeClient, c.ClientID)}},
			{"create client grant", func() error { return s.CreateClientGrant(ctx, g) }, []string{change(store.ChangeClientGrant, g.ID)}},
			{"update client grant", func() error {
				_, err := s.UpdateClientGrant(ctx, g.ID, func(*store.ClientGrant) error { return nil })
				return err
			}, []string{change(store.ChangeClientGrant, g.ID)}},
			{"create organization", func() error { return s.CreateOrganization(ctx, o) }, []string{change(store.ChangeOrganization, o.ID)}},
			{"update organization", func() error {
				_, err := s.UpdateOrganization(ctx, o.ID, func(*store.Organization) error { return nil })
				return err
			}, []string{change(store.ChangeOrganization, o.ID)}},
			{"add organization client grant", func() error { return s.AddOrganizationClientGrant(ctx, o.ID, g.ID, nil) }, []string{change(store.ChangeOrganization, o.ID)}},
			{"remove organization client grant", func() error { return s.RemoveOrganizationClientGrant(ctx, o.ID, g.ID) }, []string{change(store.ChangeOrganization, o.ID)}},
			{"update tenant settings", func() error {
				_, err := s.UpdateTenantSettings(ctx, func(*store.TenantSettings) error { return nil })
				return err
			}, []string{change(store.ChangeSettings, "")}},
			{"delete client grant", func() error { return s.DeleteClientGrant(ctx, g.ID) }, []string{change(store.ChangeClientGrant, g.ID)}},

			{"set up the cascades", func() error {
				for _, err := range []error{s.CreateOrganization(ctx, doomedOrg), s.CreateClient(ctx, defaulted),
					s.CreateResourceServer(ctx, doomedAPI), s.CreateClient(ctx, doomedClient),
					s.CreateClientGrant(ctx, viaAPI), s.CreateClientGrant(ctx, viaClient)} {
					if err != nil {
						return err
					}
				}
				return nil
			}, []string{change(store.ChangeAPI, doomedAPI.ID), change(store.ChangeClient, defaulted.ClientID),
				change(store.ChangeClient, doomedClient.ClientID), change(store.ChangeClientGrant, viaAPI.ID),
				change(store.ChangeClientGrant, viaClient.ID), change(store.ChangeOrganization, doomedOrg.ID)}},
			{"delete organization: the clients it was the default of", func() error { return s.DeleteOrganization(ctx, doomedOrg.ID) },
				[]string{change(store.ChangeClient, defaulted.ClientID), change(store.ChangeOrganization, doomedOrg.ID)}},
			{"delete resource server: its grants", func() error { return s.DeleteResourceServer(ctx, doomedAPI.ID) },
				[]string{change(store.ChangeAPI, doomedAPI.ID), change(store.ChangeClientGrant, viaAPI.ID)}},
			{"delete client: its grants", func() error { return s.DeleteClient(ctx, doomedClient.ClientID) },
				[]string{change(store.ChangeClient, doomedClient.ClientID), change(store.ChangeClientGrant, viaClient.ID)}},
			{"bootstrap", func() error { _, err := s.Bootstrap(ctx, b); return err },
				[]string{change(store.ChangeAPI, b.API.ID), change(store.ChangeClient, b.Client.ClientID), change(store.ChangeClientGrant, b.Grant.ID)}},
			{"bootstrap moving the Management API: its grants", func() error { _, err := s.Bootstrap(ctx, moved); return err },
				[]string{change(store.ChangeAPI, b.API.ID), change(store.ChangeClientGrant, b.Grant.ID)}},
			{"insert signing key: nothing a copy of the tenant holds", func() error {
				return s.InsertSigningKey(ctx, f.newSigningKey("RS256", store.KeyNext))
			}, nil},
			{"create admin: nothing a copy of the tenant holds", func() error { return s.CreateAdmin(ctx, f.newAdmin()) }, nil},
		}
		for _, st := range steps {
			before := f.version()
			must(t, st.do())
			slices.Sort(st.want)
			if got := f.changesSince(before); !slices.Equal(got, st.want) {
				t.Errorf("%s recorded\n  %s\nwant\n  %s", st.name, strings.Join(got, "\n  "), strings.Join(st.want, "\n  "))
			}
		}
	})

	t.Run("changes since an earlier version are those of every write since", func(t *testing.T) {
		f := open(t)
		start := f.version()
		o := f.organization()
		g := f.grant()
		want := []string{change(store.ChangeAPI, ""), change(store.ChangeClient, g.ClientID),
			change(store.ChangeClientGrant, g.ID), change(store.ChangeOrganization, o.ID)}
		got := f.changesSince(start)
		if len(got) != 4 || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] || !strings.HasPrefix(got[0], want[0]) {
			t.Errorf("changes %q, want %q (any API id)", got, want)
		}
		if got := f.changesSince(f.version()); len(got) != 0 {
			t.Errorf("changes after the current version: %q", got)
		}
	})

	t.Run("more versions than the limit since: gone", func(t *testing.T) {
		f := open(t)
		start := f.version()
		f.organization()
		f.organization()
		_, err := f.s.Changes(f.ctx, start, 1)
		wantErr(t, err, store.ErrChangesGone)
		_, err = f.s.Changes(f.ctx, start, 2)
		must(t, err)
	})

	t.Run("a version before the first recorded one: gone", func(t *testing.T) {
		f := open(t)
		f.organization()
		_, err := f.s.Changes(f.ctx, 0, 1000) // version 1 is the first migration's, recorded by no write
		wantErr(t, err, store.ErrChangesGone)
	})
}
