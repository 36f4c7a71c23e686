package tenant

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

func newService(t *testing.T) *Service { return openService(t, openSQLite(t)) }

// openSQLite opens a fresh SQLite store, closed when the test ends.
func openSQLite(tb testing.TB) *sqlstore.Store {
	tb.Helper()
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(tb.TempDir(), "orgauth.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func openService(tb testing.TB, st store.Store) *Service {
	tb.Helper()
	s, err := Open(context.Background(), st, Options{Issuer: testIssuer})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func ptr[T any](v T) *T { return &v }

// wantError asserts a tenant refusal of a kind, whose message contains a fragment.
func wantError(t *testing.T, err error, kind Kind, fragment string) {
	t.Helper()
	e, ok := AsError(err)
	if !ok || e.Kind != kind || !strings.Contains(e.Message, fragment) {
		t.Fatalf("error %v, want kind %d with %q", err, kind, fragment)
	}
}

func TestOrganizationRules(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	if _, err := s.CreateOrganization(ctx, OrganizationInput{Name: "acme"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		in       OrganizationInput
		kind     Kind
		fragment string
	}{
		{"fail/duplicate name", OrganizationInput{Name: "acme"}, KindConflict, "An organization with this name already exists."},
		{"fail/uppercase name", OrganizationInput{Name: "Acme"}, KindInvalid, "on property name"},
		{"fail/empty name", OrganizationInput{Name: ""}, KindInvalid, "on property name"},
		{"fail/name over 50 chars", OrganizationInput{Name: strings.Repeat("a", 51)}, KindInvalid, "too long"},
		{"fail/empty display name", OrganizationInput{Name: "x1", DisplayName: ptr("")}, KindInvalid, "display_name"},
		{"fail/http logo", OrganizationInput{Name: "x2", Branding: &store.Branding{LogoURL: "http://logo.example/x.png"}}, KindInvalid, "branding.logo_url"},
		{"fail/bad color", OrganizationInput{Name: "x3", Branding: &store.Branding{Colors: &store.BrandingColors{Primary: "red", PageBackground: "#fff"}}}, KindInvalid, "branding.colors.primary"},
		{"fail/26 metadata keys", OrganizationInput{Name: "x4", Metadata: manyKeys(26)}, KindInvalid, "metadata"},
		{"fail/metadata value over 255 chars", OrganizationInput{Name: "x5", Metadata: map[string]string{"k": strings.Repeat("v", 256)}}, KindInvalid, "metadata.k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateOrganization(ctx, tt.in)
			wantError(t, err, tt.kind, tt.fragment)
		})
	}
	t.Run("a name may start with a digit, and 25 metadata keys fit", func(t *testing.T) {
		if _, err := s.CreateOrganization(ctx, OrganizationInput{Name: "9lives_co-op", Metadata: manyKeys(25)}); err != nil {
			t.Fatal(err)
		}
	})
}

func manyKeys(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[strings.Repeat("k", i+1)] = "v"
	}
	return m
}

// world is an API, an application and its grant.
func world(t *testing.T, s *Service, usage string) (store.ResourceServer, store.Client, store.ClientGrant) {
	t.Helper()
	ctx := context.Background()
	api, err := s.CreateResourceServer(ctx, ResourceServerInput{Identifier: "https://api.example", Scopes: &[]store.Scope{{Value: "read"}}})
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := s.CreateClient(ctx, ClientInput{Name: "bot", AppType: ptr("non_interactive")})
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.CreateClientGrant(ctx, ClientGrantInput{ClientID: c.ClientID, Audience: api.Identifier, Scope: []string{"read"}, OrganizationUsage: &usage})
	if err != nil {
		t.Fatal(err)
	}
	return api, c, g
}

func TestAssociationRules(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	_, c, g := world(t, s, store.UsageDeny)
	org, _ := s.CreateOrganization(ctx, OrganizationInput{Name: "acme"})

	_, err := s.AddOrganizationClientGrant(ctx, org.ID, g.ID)
	wantError(t, err, KindInvalid, "does not allow organizations")

	if _, err := s.UpdateClientGrant(ctx, g.ID, ClientGrantPatch{OrganizationUsage: ptr(store.UsageAllow)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddOrganizationClientGrant(ctx, org.ID, g.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.AddOrganizationClientGrant(ctx, org.ID, g.ID)
	wantError(t, err, KindConflict, "already been added")
	_, err = s.AddOrganizationClientGrant(ctx, org.ID, "cgr_doesnotexist0000")
	wantError(t, err, KindNotFound, "The grant does not exist.")
	_, err = s.AddOrganizationClientGrant(ctx, "org_doesnotexist0000", g.ID)
	wantError(t, err, KindNotFound, "No organization found by that id or name")

	t.Run("at most 100 grants per organization", func(t *testing.T) {
		other, _ := s.CreateOrganization(ctx, OrganizationInput{Name: "busy"})
		for i := range MaxGrantsPerOrganization + 1 {
			api, err := s.CreateResourceServer(ctx, ResourceServerInput{Identifier: "https://api-" + strings.Repeat("x", i+1)})
			if err != nil {
				t.Fatal(err)
			}
			g, err := s.CreateClientGrant(ctx, ClientGrantInput{ClientID: c.ClientID, Audience: api.Identifier, OrganizationUsage: ptr(store.UsageAllow)})
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.AddOrganizationClientGrant(ctx, other.ID, g.ID)
			if i < MaxGrantsPerOrganization && err != nil {
				t.Fatalf("association %d: %v", i+1, err)
			}
			if i == MaxGrantsPerOrganization {
				wantError(t, err, KindConflict, "more than 100")
			}
		}
	})
}

func TestClientGrantRules(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	api, c, g := world(t, s, store.UsageRequire)
	tests := []struct {
		name     string
		in       ClientGrantInput
		kind     Kind
		fragment string
	}{
		{"fail/second grant for the same client and API", ClientGrantInput{ClientID: c.ClientID, Audience: api.Identifier}, KindConflict, "already exists"},
		{"fail/unknown client", ClientGrantInput{ClientID: "nobody", Audience: api.Identifier}, KindNotFound, "client does not exist"},
		{"fail/unknown API", ClientGrantInput{ClientID: c.ClientID, Audience: "https://nowhere"}, KindNotFound, "No resource server"},
		{"fail/undefined scope", ClientGrantInput{ClientID: c.ClientID, Audience: api.Identifier, Scope: []string{"write"}}, KindInvalid, `Scope "write"`},
		{"fail/unknown usage", ClientGrantInput{ClientID: c.ClientID, Audience: api.Identifier, OrganizationUsage: ptr("sometimes")}, KindInvalid, "organization_usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateClientGrant(ctx, tt.in)
			wantError(t, err, tt.kind, tt.fragment)
		})
	}
	t.Run("fail/the Management API takes no organizations", func(t *testing.T) {
		if _, err := s.Bootstrap(ctx, "https://auth.example/", "", ""); err != nil {
			t.Fatal(err)
		}
		_, err := s.CreateClientGrant(ctx, ClientGrantInput{ClientID: c.ClientID, Audience: ManagementAudience("https://auth.example/"), OrganizationUsage: ptr(store.UsageAllow)})
		wantError(t, err, KindInvalid, "Management API")
	})
	t.Run("a failed update changes nothing", func(t *testing.T) {
		_, err := s.UpdateClientGrant(ctx, g.ID, ClientGrantPatch{AllowAnyOrganization: ptr(true), OrganizationUsage: ptr("bogus")})
		wantError(t, err, KindInvalid, "organization_usage")
		got, _ := s.ClientGrant(ctx, g.ID)
		if got.AllowAnyOrganization || got.OrganizationUsage != store.UsageRequire {
			t.Fatalf("grant changed: %+v", got)
		}
	})
}

func TestClientRules(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	c, secret, err := s.CreateClient(ctx, ClientInput{Name: "bot", AppType: ptr("non_interactive")})
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) != 64 || len(c.ClientID) != 32 || strings.Contains(string(c.SecretHash), secret) {
		t.Fatalf("client %q secret %q hash %x", c.ClientID, secret, c.SecretHash)
	}
	if len(c.GrantTypes) != 1 || c.GrantTypes[0] != "client_credentials" {
		t.Errorf("an M2M application's default grant types: %v", c.GrantTypes)
	}
	tests := []struct {
		name     string
		in       ClientInput
		fragment string
	}{
		{"fail/name with angle brackets", ClientInput{Name: "<script>"}, "on property name"},
		{"fail/description over 140 chars", ClientInput{Name: "x", Description: ptr(strings.Repeat("d", 141))}, "description"},
		{"fail/unknown app type", ClientInput{Name: "x", AppType: ptr("robot")}, "app_type"},
		{"fail/unknown grant type", ClientInput{Name: "x", GrantTypes: &[]string{"magic"}}, "grant_types"},
		{"fail/default organization that does not exist", ClientInput{Name: "x", DefaultOrganization: &store.DefaultOrganization{OrganizationID: "org_nope000000000000", Flows: []string{"client_credentials"}}}, "does not exist"},
		{"fail/default organization for another flow", ClientInput{Name: "x", DefaultOrganization: &store.DefaultOrganization{OrganizationID: "org_nope000000000000", Flows: []string{"authorization_code"}}}, "flows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := s.CreateClient(ctx, tt.in)
			wantError(t, err, KindInvalid, tt.fragment)
		})
	}
}

func TestSearchOrganizationsIgnoresCase(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	for _, name := range []string{"acme", "acme-travel", "globex"} {
		if _, err := s.CreateOrganization(ctx, OrganizationInput{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	l, err := s.SearchOrganizations(ctx, "ACME", store.Page{})
	if err != nil || len(l.Items) != 2 || l.Items[0].Name != "acme" || l.Items[1].Name != "acme-travel" {
		t.Fatalf("search: %+v, %v", l.Items, err)
	}
}
