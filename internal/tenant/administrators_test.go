package tenant

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

func TestTheLastAdministratorApplicationStays(t *testing.T) {
	ctx := context.Background()
	const issuer = "https://auth.example/"
	audience := ManagementAudience(issuer)
	setup := func(t *testing.T) (*Service, store.ClientGrant) {
		t.Helper()
		s := newService(t)
		boot, err := s.Bootstrap(ctx, issuer, "", "")
		if err != nil {
			t.Fatal(err)
		}
		g, err := s.store.GetClientGrantByClientAudience(ctx, boot.ClientID, audience)
		if err != nil {
			t.Fatal(err)
		}
		return s, g
	}
	const refusal = "This is the last application that can administer the tenant (client_credentials, and create:clients " +
		"and create:client_grants on the Management API): deleting it or taking that away would lock the Management API " +
		"out. Create another administrator application first; on the server, `orgauth admins add-app` makes one."
	wantLast := func(t *testing.T, err error) {
		t.Helper()
		e, ok := AsError(err)
		if !ok || e.Kind != KindInvalid || e.Message != refusal || e.Code != "last_administrator" {
			t.Fatalf("error %v, want the last-administrator refusal", err)
		}
	}
	stillThere := func(t *testing.T, s *Service, g store.ClientGrant) {
		t.Helper()
		got, err := s.ClientGrant(ctx, g.ID)
		if err != nil || len(got.Scope) != len(g.Scope) {
			t.Fatalf("the admin grant changed: %+v, %v", got, err)
		}
		if c, err := s.Client(ctx, g.ClientID); err != nil || len(c.GrantTypes) != 1 {
			t.Fatalf("the admin application changed: %+v, %v", c, err)
		}
	}

	t.Run("fail/deleting the last administrator application", func(t *testing.T) {
		s, g := setup(t)
		wantLast(t, s.DeleteClient(ctx, g.ClientID))
		stillThere(t, s, g)
	})
	t.Run("fail/deleting its Management grant", func(t *testing.T) {
		s, g := setup(t)
		wantLast(t, s.DeleteClientGrant(ctx, g.ID))
		stillThere(t, s, g)
	})
	for _, scope := range [][]string{{}, {"read:clients"}, {"create:clients", "read:client_grants"}, {"create:client_grants", "delete:clients"}} {
		t.Run("fail/narrowing its Management grant to "+cmp.Or(strings.Join(scope, " "), "nothing"), func(t *testing.T) {
			s, g := setup(t)
			_, err := s.UpdateClientGrant(ctx, g.ID, ClientGrantPatch{Scope: &scope})
			wantLast(t, err)
			stillThere(t, s, g)
		})
	}
	t.Run("fail/taking client_credentials away", func(t *testing.T) {
		s, g := setup(t)
		_, err := s.UpdateClient(ctx, g.ClientID, ClientPatch{GrantTypes: &[]string{"authorization_code"}})
		wantLast(t, err)
		stillThere(t, s, g)
	})

	t.Run("narrowing to the two scopes that administer is allowed", func(t *testing.T) {
		s, g := setup(t)
		if _, err := s.UpdateClientGrant(ctx, g.ID, ClientGrantPatch{Scope: &AdministerScopes}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateClient(ctx, g.ClientID, ClientPatch{Name: ptr("renamed"), GrantTypes: &[]string{"client_credentials", "refresh_token"}}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("with a second administrator application, the first can go, then not the second", func(t *testing.T) {
		s, g := setup(t)
		second, secret, err := s.CreateAdminApplication(ctx, "break-glass")
		if err != nil {
			t.Fatal(err)
		}
		if secret == "" || !slices.Equal(second.GrantTypes, []string{"client_credentials"}) {
			t.Fatalf("admin application %+v, secret %q", second, secret)
		}
		sg, err := s.store.GetClientGrantByClientAudience(ctx, second.ClientID, audience)
		if err != nil || len(sg.Scope) != len(ManagementScopes) {
			t.Fatalf("its grant: %+v, %v", sg, err)
		}
		if err := s.DeleteClient(ctx, g.ClientID); err != nil {
			t.Fatal(err)
		}
		wantLast(t, s.DeleteClient(ctx, second.ClientID))
		wantLast(t, s.DeleteClientGrant(ctx, sg.ID))
	})

	t.Run("applications that do not administer come and go freely", func(t *testing.T) {
		s, _ := setup(t)
		reader, _, err := s.CreateClient(ctx, ClientInput{Name: "reader", AppType: ptr("non_interactive")})
		if err != nil {
			t.Fatal(err)
		}
		rg, err := s.CreateClientGrant(ctx, ClientGrantInput{ClientID: reader.ClientID, Audience: audience, Scope: []string{"read:clients"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateClientGrant(ctx, rg.ID, ClientGrantPatch{Scope: &[]string{}}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteClientGrant(ctx, rg.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteClient(ctx, reader.ClientID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a tenant that has no administrator application already has none to keep", func(t *testing.T) {
		s, g := setup(t)
		if _, err := s.store.UpdateClientGrant(ctx, g.ID, func(g *store.ClientGrant) error { g.Scope = []string{"read:clients"}; return nil }); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteClient(ctx, g.ClientID); err != nil {
			t.Fatal(err)
		}
	})
}
