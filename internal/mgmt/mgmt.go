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
	"github.com/orgauth/orgauth/internal/tenant"
)

// Tenant is what the Management API calls: the tenant's operations, the audience of Management tokens,
// and the signing keys.
type Tenant interface {
	tenant.Operations
	// IsManagementAPI reports whether identifier is the system resource server's: only tokens for it
	// are Management tokens.
	IsManagementAPI(ctx context.Context, identifier string) (bool, error)
	SigningKeys() []tenant.SigningKey
	RotateSigningKeys(ctx context.Context) error
}

// Verifier checks a bearer token for the Management API (NewVerifier): signature, expiry, issuer and
// audience. Refusals wrap accesstoken.ErrInvalidToken; any other error is a server fault.
type Verifier interface {
	Verify(ctx context.Context, token string) (accesstoken.Claims, error)
}

var (
	_ Tenant   = (*tenant.Service)(nil)
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
	Verifier Verifier
	Logger   *slog.Logger // nil: discard
}

// Handler serves the Management API; Mount puts its routes on a mux.
type Handler struct {
	issuer   string
	audience string
	tenant   Tenant
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
		verifier: cfg.Verifier,
		log:      log,
	}
}
