package tenant

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlite"
)

// benchDirectory is a Directory over a real store holding one application whose grant is associated
// with one organization; every lookup of a token request has been made once, so the cache is warm.
func benchDirectory(b *testing.B) (d *Directory, clientID, secret, audience, orgID, grantID string) {
	b.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "orgauth.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	s, err := Open(ctx, st, Options{})
	if err != nil {
		b.Fatal(err)
	}
	usage := store.UsageRequire
	api, err := s.CreateResourceServer(ctx, ResourceServerInput{Identifier: "https://api.example", Scopes: &[]store.Scope{{Value: "read"}}})
	if err != nil {
		b.Fatal(err)
	}
	c, secret, err := s.CreateClient(ctx, ClientInput{Name: "bot", AppType: ptr("non_interactive")})
	if err != nil {
		b.Fatal(err)
	}
	g, err := s.CreateClientGrant(ctx, ClientGrantInput{ClientID: c.ClientID, Audience: api.Identifier, Scope: []string{"read"}, OrganizationUsage: &usage})
	if err != nil {
		b.Fatal(err)
	}
	o, err := s.CreateOrganization(ctx, OrganizationInput{Name: "acme"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.AddOrganizationClientGrant(ctx, o.ID, g.ID); err != nil {
		b.Fatal(err)
	}
	d = s.Directory()
	tokenLookups(b, d, c.ClientID, secret, api.Identifier, o.ID, g.ID)
	return d, c.ClientID, secret, api.Identifier, o.ID, g.ID
}

// tokenLookups makes the lookups of one token request with an organization id.
func tokenLookups(b *testing.B, d *Directory, clientID, secret, audience, orgID, grantID string) {
	ctx := context.Background()
	if _, err := d.AuthenticateClient(ctx, clientID, secret); err != nil {
		b.Fatal(err)
	}
	if _, err := d.Settings(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := d.ResourceServerByIdentifier(ctx, audience); err != nil {
		b.Fatal(err)
	}
	if _, err := d.ClientGrantFor(ctx, clientID, audience); err != nil {
		b.Fatal(err)
	}
	if _, err := d.OrganizationByID(ctx, orgID); err != nil {
		b.Fatal(err)
	}
	if ok, err := d.Associated(ctx, orgID, grantID); err != nil || !ok {
		b.Fatalf("associated %v, %v", ok, err)
	}
}

func BenchmarkDirectory(b *testing.B) {
	d, clientID, secret, audience, orgID, grantID := benchDirectory(b)
	ctx := context.Background()
	b.Run("AuthenticateClient", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.AuthenticateClient(ctx, clientID, secret); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Every lookup of a token request, from all cores at once: what contention on the cache costs.
	b.Run("token request lookups/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				tokenLookups(b, d, clientID, secret, audience, orgID, grantID)
			}
		})
	})
}
