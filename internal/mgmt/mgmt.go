// Package mgmt serves the Management API under /api/v2/, in Auth0's shapes so that Auth0's SDKs work
// against it unchanged. It is the wire face of the tenant package: it checks the bearer token and its
// scope, decodes bodies and query strings strictly, calls tenant, and encodes the answers. The rules
// themselves (what values are valid, cascades, limits) live in tenant, never here.
package mgmt

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/orgauth/orgauth/accesstoken"
	"github.com/orgauth/orgauth/internal/keys"
	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/tenant"
)

// Tenant is the set of tenant operations the Management API calls.
type Tenant interface {
	// IsManagementAPI reports whether identifier is the system resource server's: only tokens for it
	// are Management tokens.
	IsManagementAPI(ctx context.Context, identifier string) (bool, error)

	CreateResourceServer(ctx context.Context, in tenant.ResourceServerInput) (store.ResourceServer, error)
	ResourceServer(ctx context.Context, idOrIdentifier string) (store.ResourceServer, error)
	ResourceServers(ctx context.Context, p store.Page) (store.List[store.ResourceServer], error)
	UpdateResourceServer(ctx context.Context, idOrIdentifier string, in tenant.ResourceServerPatch) (store.ResourceServer, error)
	DeleteResourceServer(ctx context.Context, idOrIdentifier string) error

	CreateClient(ctx context.Context, in tenant.ClientInput) (store.Client, string, error)
	Client(ctx context.Context, clientID string) (store.Client, error)
	Clients(ctx context.Context, p store.Page) (store.List[store.Client], error)
	UpdateClient(ctx context.Context, clientID string, in tenant.ClientPatch) (store.Client, error)
	DeleteClient(ctx context.Context, clientID string) error
	RotateClientSecret(ctx context.Context, clientID string) (store.Client, string, error)
	CreateClientCredential(ctx context.Context, clientID string, in tenant.ClientCredentialInput) (store.ClientCredential, error)
	ClientCredentials(ctx context.Context, clientID string) ([]store.ClientCredential, error)
	ClientCredential(ctx context.Context, clientID, id string) (store.ClientCredential, error)
	UpdateClientCredential(ctx context.Context, clientID, id string, in tenant.ClientCredentialPatch) (store.ClientCredential, error)
	DeleteClientCredential(ctx context.Context, clientID, id string) error

	CreateClientGrant(ctx context.Context, in tenant.ClientGrantInput) (store.ClientGrant, error)
	ClientGrant(ctx context.Context, id string) (store.ClientGrant, error)
	ClientGrants(ctx context.Context, f store.ClientGrantFilter, p store.Page) (store.List[store.ClientGrant], error)
	UpdateClientGrant(ctx context.Context, id string, in tenant.ClientGrantPatch) (store.ClientGrant, error)
	DeleteClientGrant(ctx context.Context, id string) error
	ClientGrantOrganizations(ctx context.Context, grantID string, p store.Page) (store.List[store.Organization], error)

	CreateOrganization(ctx context.Context, in tenant.OrganizationInput) (store.Organization, error)
	Organization(ctx context.Context, id string) (store.Organization, error)
	OrganizationByName(ctx context.Context, name string) (store.Organization, error)
	Organizations(ctx context.Context, p store.Page) (store.List[store.Organization], error)
	UpdateOrganization(ctx context.Context, id string, in tenant.OrganizationPatch) (store.Organization, error)
	DeleteOrganization(ctx context.Context, id string) error

	AddOrganizationClientGrant(ctx context.Context, orgID, grantID string) (store.ClientGrant, error)
	OrganizationClientGrants(ctx context.Context, orgID string, f store.ClientGrantFilter, p store.Page) (store.List[store.ClientGrant], error)
	RemoveOrganizationClientGrant(ctx context.Context, orgID, grantID string) error

	Settings(ctx context.Context) (store.TenantSettings, error)
	UpdateSettings(ctx context.Context, in tenant.SettingsPatch) (store.TenantSettings, error)
}

// Keys lists and rotates the signing keys.
type Keys interface {
	Rotate(ctx context.Context) error
	Keys() []keys.KeyInfo
}

// Verifier checks a bearer token for the Management API (NewVerifier): signature, expiry, issuer and
// audience. Refusals wrap accesstoken.ErrInvalidToken; any other error is a server fault.
type Verifier interface {
	Verify(ctx context.Context, token string) (accesstoken.Claims, error)
}

var (
	_ Tenant   = (*tenant.Service)(nil)
	_ Keys     = (*keys.Manager)(nil)
	_ Verifier = (*accesstoken.Verifier)(nil)
)

// NewVerifier returns the verifier of Management tokens: accesstoken's, as resource servers use it, for
// tokens from issuer whose audience is the Management API's, checked against the server's own keys rather
// than its JWKS over HTTP.
func NewVerifier(issuer string, keys accesstoken.KeySource) (*accesstoken.Verifier, error) {
	v, err := accesstoken.New(issuer, tenant.ManagementAudience(issuer), accesstoken.WithKeys(keys))
	if err != nil {
		return nil, fmt.Errorf("management api token verifier: %w", err)
	}
	return v, nil
}

// Config is what the Management API needs.
type Config struct {
	Issuer   string // the public base URL with a trailing slash; the API's audience is Issuer + "api/v2/"
	Tenant   Tenant
	Keys     Keys
	Verifier Verifier
	Logger   *slog.Logger // nil: discard
}

// Handler serves the Management API; Mount puts its routes on a mux.
type Handler struct {
	issuer   string
	audience string
	tenant   Tenant
	keys     Keys
	verifier Verifier
	log      *slog.Logger
}

// New returns the Management API handler for cfg.
func New(cfg Config) *Handler {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{
		issuer:   cfg.Issuer,
		audience: tenant.ManagementAudience(cfg.Issuer),
		tenant:   cfg.Tenant,
		keys:     cfg.Keys,
		verifier: cfg.Verifier,
		log:      log,
	}
}
