package tenant

import (
	"context"
	"fmt"

	"github.com/orgauth/orgauth/internal/store"
)

// ManagementScopes are the scopes of the Management API (Auth0's spelling).
var ManagementScopes = []string{
	"create:clients", "read:clients", "update:clients", "delete:clients",
	"read:client_keys", "update:client_keys",
	"create:client_grants", "read:client_grants", "update:client_grants", "delete:client_grants",
	"create:resource_servers", "read:resource_servers", "update:resource_servers", "delete:resource_servers",
	"create:organizations", "read:organizations", "update:organizations", "delete:organizations",
	"create:organization_client_grants", "read:organization_client_grants", "delete:organization_client_grants",
	"read:tenant_settings", "update:tenant_settings",
	"create:signing_keys", "read:signing_keys", "update:signing_keys",
}

// ManagementAudience is the identifier of the Management API for an issuer (which ends with a slash).
func ManagementAudience(issuer string) string { return issuer + "api/v2/" }

// BootstrapResult says what Bootstrap did.
type BootstrapResult struct {
	Created      bool   // false: the store already had a Management API; nothing changed
	ClientID     string // the admin application, when Created
	ClientSecret string // its secret, when Created: show it once
}

// minBootstrapSecret is the shortest admin secret accepted from the environment.
const minBootstrapSecret = 32

// Bootstrap gives a store without a Management API one, with an admin application granted every
// Management scope; when the issuer changed since, the existing Management API moves to the new one. clientID and secret are used when not empty, generated otherwise. Safe when several
// instances start at once: exactly one creates, the others see Created false.
func (s *Service) Bootstrap(ctx context.Context, issuer, clientID, secret string) (BootstrapResult, error) {
	audience := ManagementAudience(issuer)
	if _, err := s.store.GetResourceServerByIdentifier(ctx, audience); err == nil {
		return BootstrapResult{}, nil
	}
	if clientID == "" {
		clientID = newClientID()
	} else if err := checkText("client_id", clientID, 1, MaxClientIDLength, true); err != nil {
		return BootstrapResult{}, fmt.Errorf("bootstrap client id: %w", err)
	}
	if secret == "" {
		secret = newClientSecret()
	} else if len(secret) < minBootstrapSecret {
		return BootstrapResult{}, fmt.Errorf("bootstrap client secret: at least %d characters are required", minBootstrapSecret)
	}
	now := s.now()
	scopes := make([]store.Scope, len(ManagementScopes))
	for i, sc := range ManagementScopes {
		scopes[i] = store.Scope{Value: sc}
	}
	b := store.Bootstrap{
		API: store.ResourceServer{
			ID: newResourceServerID(), Identifier: audience, Name: "Management API", Scopes: scopes,
			SigningAlg: DefaultSigningAlg, TokenLifetime: DefaultTokenLifetime, IsSystem: true,
			CreatedAt: now, UpdatedAt: now,
		},
		Client: store.Client{
			ClientID: clientID, Name: "orgauth admin", Description: "Created on first start; manages this tenant.",
			AppType: "non_interactive", GrantTypes: []string{"client_credentials"},
			TokenEndpointAuthMethod: "client_secret_post", SecretHash: s.secrets.hash(secret),
			CreatedAt: now, UpdatedAt: now,
		},
		Grant: store.ClientGrant{
			ID: newClientGrantID(), ClientID: clientID, Audience: audience, Scope: ManagementScopes,
			SubjectType: "client", CreatedAt: now, UpdatedAt: now,
		},
	}
	created, err := s.store.Bootstrap(ctx, b)
	s.changed() // also when an existing Management API moved to this issuer
	if err != nil {
		return BootstrapResult{}, fmt.Errorf("bootstrap: %w", err)
	}
	if !created {
		return BootstrapResult{}, nil
	}
	return BootstrapResult{Created: true, ClientID: clientID, ClientSecret: secret}, nil
}
