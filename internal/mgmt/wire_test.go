package mgmt

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/tenant"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// TestWireShapesGolden pins the JSON that Auth0's SDKs parse: every response shape, rendered from fixed
// entities, full and with optional fields unset.
func TestWireShapesGolden(t *testing.T) {
	org := tenant.Organization{
		ID: "org_0123456789abcdef", Name: "acme", DisplayName: "Acme Inc.",
		Branding: &tenant.Branding{LogoURL: "https://acme.example/logo.png", Colors: &tenant.BrandingColors{Primary: "#0059d6", PageBackground: "#ffffff"}},
		Metadata: map[string]string{"tier": "gold"},
	}
	client := tenant.Client{
		ClientID: "abcdefghijklmnopqrstuvwxyz012345", Name: "Billing sync", Description: "Nightly", AppType: "non_interactive",
		GrantTypes: []string{"client_credentials"}, TokenEndpointAuthMethod: "client_secret_post", SecretHash: []byte("never shown"),
		DefaultOrganization: &tenant.DefaultOrganization{OrganizationID: org.ID, Flows: []string{"client_credentials"}},
	}
	grant := tenant.ClientGrant{
		ID: "cgr_0123456789abcdef", ClientID: client.ClientID, Audience: "https://api.example.com/", Scope: []string{"read:data"},
		OrganizationUsage: tenant.UsageRequire, AllowAnyOrganization: false, SubjectType: "client",
	}
	shapes := []struct {
		name string
		v    any
	}{
		{"resource server", resourceServerOut(tenant.ResourceServer{
			ID: "0123456789abcdef01234567", Identifier: "https://api.example.com/", Name: "Example",
			Scopes: []tenant.Scope{{Value: "read:data", Description: "Read data"}}, SigningAlg: "RS256", TokenLifetime: 86400,
		})},
		{"resource server, minimal", resourceServerOut(tenant.ResourceServer{ID: "0123456789abcdef01234567", Identifier: "urn:x", SigningAlg: "ES256", TokenLifetime: 60, IsSystem: true})},
		{"client", clientOut(client)},
		{"client with secret", clientWithSecret(client, "s3cr3t")},
		{"client, minimal", clientOut(tenant.Client{ClientID: client.ClientID, Name: "Bare"})},
		{"client grant", clientGrantOut(grant)},
		{"client grant, usage unset", clientGrantOut(tenant.ClientGrant{ID: grant.ID, ClientID: grant.ClientID, Audience: grant.Audience})},
		{"organization", organizationOut(org)},
		{"organization, minimal", organizationOut(tenant.Organization{ID: org.ID, Name: "bare"})},
		{"organization client grant", organizationClientGrantOut(grant)},
		{"tenant settings", tenantSettingsOut(tenant.TenantSettings{AllowOrganizationNameInAuthenticationAPI: true})},
		{"signing key, previous", signingKeyOut(tenant.SigningKey{KID: "k1", Alg: "RS256", State: tenant.KeyPrevious, RetiredAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})},
		{"error", &Error{StatusCode: 404, Message: "The grant does not exist.", ErrorCode: "inexistent_client_grant"}},
	}
	var got bytes.Buffer
	for _, s := range shapes {
		b, err := json.MarshalIndent(s.v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got.WriteString("# " + s.name + "\n")
		got.Write(b)
		got.WriteString("\n\n")
	}

	golden := filepath.Join("testdata", "wire.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("wire shapes changed; if that is intended, run go test -update and review the diff.\ngot:\n%s", got.Bytes())
	}
}
