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
	blocked := false
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
		{"client for people's logins", clientOut(tenant.Client{
			ClientID: client.ClientID, Name: "Travel0 web", AppType: "regular_web", TokenEndpointAuthMethod: "client_secret_basic",
			GrantTypes: []string{"authorization_code", "refresh_token"}, OrganizationUsage: "require",
			OrganizationRequireBehavior: "pre_login_prompt", Callbacks: []string{"https://travel0.example/callback"},
			AllowedLogoutURLs: []string{"https://travel0.example/"}, InitiateLoginURI: "https://travel0.example/login",
			OrganizationDiscoveryMethods: []string{"email", "organization_name"}, IDTokenLifetime: 3600,
			RefreshToken: tenant.RefreshTokenConfig{RotationType: "rotating", ExpirationType: "expiring", Leeway: 5,
				TokenLifetime: 2592000, IdleTokenLifetime: 1296000},
		})},
		{"client grant", clientGrantOut(grant)},
		{"client grant, usage unset", clientGrantOut(tenant.ClientGrant{ID: grant.ID, ClientID: grant.ClientID, Audience: grant.Audience})},
		{"organization", organizationOut(org)},
		{"organization, minimal", organizationOut(tenant.Organization{ID: org.ID, Name: "bare"})},
		{"organization client grant", organizationClientGrantOut(grant)},
		{"tenant settings", tenantSettingsOut(tenant.TenantSettings{AllowOrganizationNameInAuthenticationAPI: true,
			DefaultRedirectionURI: "https://travel0.example/login", AllowedLogoutURLs: []string{"https://travel0.example/"},
			SessionLifetime: 168, IdleSessionLifetime: 72})},
		{"connection, database", connectionDetailsOut(tenant.ConnectionDetails{Connection: tenant.Connection{
			ID: "con_0123456789abcdef", Name: "Username-Password-Authentication", Strategy: "auth0",
			Options:      []byte(`{"passwordPolicy":"good","password_complexity_options":{"min_length":8},"disable_signup":true,"brute_force_protection":true}`),
			ShowAsButton: true, Realms: []string{"Username-Password-Authentication"},
		}, EnabledClients: []string{client.ClientID}})},
		{"connection, oidc, in a list", connectionOut(tenant.Connection{
			ID: "con_0123456789abcdef", Name: "acme-oidc", DisplayName: "Acme SSO", Strategy: "oidc",
			Options:      []byte(`{"type":"back_channel","client_id":"abc","discovery_url":"https://idp.acme.example/.well-known/openid-configuration","scope":"openid profile email","connection_settings":{"pkce":"auto"},"token_endpoint_auth_method":"client_secret_post"}`),
			ShowAsButton: true, Realms: []string{"acme-oidc"}, Metadata: map[string]string{"customer": "acme"},
		})},
		{"user", userOut(tenant.UserProfile{User: tenant.User{
			ID: "auth0|0123456789abcdef01234567", Email: "ann@acme.example", EmailVerified: true, Name: "Ann Smith",
			GivenName: "Ann", FamilyName: "Smith", Nickname: "ann", Picture: "https://acme.example/ann.png", Blocked: &blocked,
			AppMetadata:  map[string]json.RawMessage{"plan": json.RawMessage(`"gold"`)},
			UserMetadata: map[string]json.RawMessage{"lang": json.RawMessage(`"fr"`)},
			CreatedAt:    time.Date(2023, 1, 25, 19, 0, 26, 187e6, time.UTC), UpdatedAt: time.Date(2023, 1, 26, 8, 0, 0, 0, time.UTC),
			LastLogin: time.Date(2023, 1, 26, 9, 30, 0, 5e6, time.UTC), LastPasswordReset: time.Date(2023, 1, 26, 8, 0, 0, 0, time.UTC),
			LoginsCount: 3,
		}, Connection: "Username-Password-Authentication", Provider: "auth0"})},
		{"user, minimal", userOut(tenant.UserProfile{User: tenant.User{
			ID: "oidc|acme-oidc|248289761001", CreatedAt: time.Date(2023, 1, 25, 19, 0, 26, 0, time.UTC),
			UpdatedAt: time.Date(2023, 1, 25, 19, 0, 26, 0, time.UTC),
		}, Connection: "acme-oidc", Provider: "oidc"})},
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
