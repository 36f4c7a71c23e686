package tenant

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
	"github.com/orgauth/orgauth/internal/store/sqlstore/pgtest"
)

func TestBootstrapFollowsTheSystemAPI(t *testing.T) {
	const oldIssuer, newIssuer = "https://old.example/", "https://new.example/"
	ctx := context.Background()
	isManagement := func(t *testing.T, s *Service, identifier string, want bool) {
		t.Helper()
		got, err := s.IsManagementAPI(ctx, identifier)
		if err != nil || got != want {
			t.Fatalf("IsManagementAPI(%s) = %v, %v; want %v", identifier, got, err, want)
		}
	}

	t.Run("an issuer change moves the Management API and its grants", func(t *testing.T) {
		s := newService(t)
		boot, err := s.Bootstrap(ctx, oldIssuer, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Bootstrap(ctx, newIssuer, "", ""); err != nil {
			t.Fatal(err)
		}
		isManagement(t, s, ManagementAudience(newIssuer), true)
		isManagement(t, s, ManagementAudience(oldIssuer), false)
		g, err := s.store.GetClientGrantByClientAudience(ctx, boot.ClientID, ManagementAudience(newIssuer))
		if err != nil || g.Audience != ManagementAudience(newIssuer) {
			t.Fatalf("admin grant after the move: %+v, %v", g, err)
		}
	})

	t.Run("fail/an issuer change onto an ordinary API's identifier", func(t *testing.T) {
		s := newService(t)
		if _, err := s.Bootstrap(ctx, oldIssuer, "", ""); err != nil {
			t.Fatal(err)
		}
		squatter, err := s.CreateResourceServer(ctx, ResourceServerInput{Identifier: ManagementAudience(newIssuer), Name: ptr("Look-alike")})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Bootstrap(ctx, newIssuer, "", "")
		want := "bootstrap: the issuer https://new.example/ gives the Management API the identifier https://new.example/api/v2/, " +
			`but the API "Look-alike" (id ` + squatter.ID + `) already has it, and its tokens would be accepted on /api/v2: ` +
			"start orgauth with the previous issuer again (the Management API is still https://old.example/api/v2/), " +
			"delete that API (DELETE /api/v2/resource-servers/" + squatter.ID + ", or in the dashboard), then start with the new issuer"
		if err == nil || err.Error() != want {
			t.Fatalf("error %v\nwant  %s", err, want)
		}
		isManagement(t, s, ManagementAudience(newIssuer), false)
		isManagement(t, s, ManagementAudience(oldIssuer), true)
		rs, err := s.ResourceServer(ctx, squatter.ID)
		if err != nil || rs.IsSystem {
			t.Fatalf("the ordinary API became %+v, %v", rs, err)
		}
	})

	t.Run("fail/an ordinary API with the identifier in a store without a Management API", func(t *testing.T) {
		s := newService(t)
		squatter, err := s.CreateResourceServer(ctx, ResourceServerInput{Identifier: ManagementAudience(newIssuer), Name: ptr("Look-alike")})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Bootstrap(ctx, newIssuer, "", "")
		want := "bootstrap: the issuer https://new.example/ gives the Management API the identifier https://new.example/api/v2/, " +
			`but the API "Look-alike" (id ` + squatter.ID + `) already has it, and its tokens would be accepted on /api/v2: ` +
			"delete that API from the store, then start again"
		if err == nil || err.Error() != want {
			t.Fatalf("error %v\nwant  %s", err, want)
		}
		isManagement(t, s, ManagementAudience(newIssuer), false)
		if _, err := s.ManagementAPI(ctx); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a Management API was created: %v", err)
		}
	})

	t.Run("fail/an ordinary API cannot take the Management API's identifier", func(t *testing.T) {
		s := newService(t)
		if _, err := s.Bootstrap(ctx, oldIssuer, "", ""); err != nil {
			t.Fatal(err)
		}
		_, err := s.CreateResourceServer(ctx, ResourceServerInput{Identifier: ManagementAudience(oldIssuer)})
		wantError(t, err, KindConflict, "A resource server with the same identifier already exists")
	})
}

// TestBootstrapAddsNewManagementScopes runs on both engines: the admin grant is recognised by its creation
// time, which must read back equal to the API's on each.
func TestBootstrapAddsNewManagementScopes(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testBootstrapAddsNewManagementScopes(t, newService(t)) })
	t.Run("postgres", func(t *testing.T) {
		st, err := sqlstore.OpenPostgres(context.Background(), pgtest.Schema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		testBootstrapAddsNewManagementScopes(t, openService(t, st))
	})
}

func testBootstrapAddsNewManagementScopes(t *testing.T, s *Service) {
	ctx := context.Background()
	boot, err := s.Bootstrap(ctx, "https://auth.example/", "", "")
	if err != nil {
		t.Fatal(err)
	}
	// A Management API created by an earlier version, which had no client credentials endpoints.
	old := func(sc string) bool { return strings.HasSuffix(sc, ":client_credentials") }
	api, err := s.ManagementAPI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.UpdateResourceServer(ctx, api.ID, func(rs *store.ResourceServer) error {
		rs.Scopes = slices.DeleteFunc(rs.Scopes, func(sc store.Scope) bool { return old(sc.Value) })
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	g, err := s.store.GetClientGrantByClientAudience(ctx, boot.ClientID, api.Identifier)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.UpdateClientGrant(ctx, g.ID, func(g *store.ClientGrant) error {
		g.Scope = slices.DeleteFunc(g.Scope, old)
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Another application with a Management grant, which must stay as it is.
	otherClient, _, err := s.CreateClient(ctx, ClientInput{Name: "Reader", GrantTypes: &[]string{"client_credentials"}})
	if err != nil {
		t.Fatal(err)
	}
	otherGrant, err := s.CreateClientGrant(ctx, ClientGrantInput{ClientID: otherClient.ClientID, Audience: api.Identifier, Scope: []string{"read:clients"}})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := s.Bootstrap(ctx, "https://auth.example/", "", ""); err != nil {
		t.Fatal(err)
	}
	api, err = s.ManagementAPI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sc := range api.Scopes {
		got = append(got, sc.Value)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(ManagementScopes))
	if !slices.Equal(got, want) {
		t.Fatalf("Management API scopes after the upgrade:\n%v\nwant\n%v", got, want)
	}
	// The admin application's grant, which Bootstrap created, gains them (SPEC-users §7); no other does.
	g, err = s.store.GetClientGrantByClientAudience(ctx, boot.ClientID, api.Identifier)
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(slices.Values(g.Scope)); !slices.Equal(got, want) {
		t.Fatalf("the admin grant after the upgrade:\n%v\nwant\n%v", got, want)
	}
	other, err := s.store.GetClientGrant(ctx, otherGrant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(other.Scope, []string{"read:clients"}) {
		t.Fatalf("another application's grant gained scopes by itself: %v", other.Scope)
	}
}

func TestBootstrapAddsNewManagementScopesWithoutTheAdminGrant(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	boot, err := s.Bootstrap(ctx, "https://auth.example/", "", "")
	if err != nil {
		t.Fatal(err)
	}
	api, err := s.ManagementAPI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.store.GetClientGrantByClientAudience(ctx, boot.ClientID, api.Identifier)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.store.DeleteClientGrant(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.UpdateResourceServer(ctx, api.ID, func(rs *store.ResourceServer) error {
		rs.Scopes = rs.Scopes[:1]
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Bootstrap(ctx, "https://auth.example/", "", ""); err != nil {
		t.Fatal(err)
	}
	if api, err = s.ManagementAPI(ctx); err != nil || len(api.Scopes) != len(ManagementScopes) {
		t.Fatalf("Management API after the upgrade: %d scopes, %v; want %d", len(api.Scopes), err, len(ManagementScopes))
	}
}

func TestManagementScopesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, sc := range ManagementScopes {
		if seen[sc] {
			t.Errorf("%s is listed twice", sc)
		}
		seen[sc] = true
	}
}
