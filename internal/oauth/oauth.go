// Package oauth serves the OAuth 2.0 token endpoint (POST /oauth/token) and the discovery documents
// (/.well-known/openid-configuration, /.well-known/jwks.json).
//
// The dispatcher in token.go owns what every grant shares: parsing the request once, authenticating the
// client and writing the answer. Each grant type is one type in its own file; today that is
// client_credentials, whose decision is internal/policy's.
package oauth

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// Directory is the token endpoint's view of the tenant, served from memory in steady state.
type Directory interface {
	// AuthenticateClient returns the client when secret is its current secret (constant-time keyed-hash
	// comparison inside); store.ErrNotFound wrapped when the client is unknown or the secret is wrong.
	AuthenticateClient(ctx context.Context, clientID, secret string) (store.Client, error)
	ResourceServerByIdentifier(ctx context.Context, audience string) (store.ResourceServer, error) // ErrNotFound
	ClientGrantFor(ctx context.Context, clientID, audience string) (store.ClientGrant, error)      // ErrNotFound
	OrganizationByID(ctx context.Context, id string) (store.Organization, error)                   // ErrNotFound
	OrganizationByName(ctx context.Context, lowercaseName string) (store.Organization, error)      // ErrNotFound
	Associated(ctx context.Context, orgID, grantID string) (bool, error)
	Settings(ctx context.Context) (store.TenantSettings, error)
	// ClientForAssertion returns a client and the credentials its private_key_jwt references (none when it
	// does not use it); store.ErrNotFound wrapped when the client is unknown.
	ClientForAssertion(ctx context.Context, clientID string) (store.Client, []store.ClientCredential, error)
}

// Signer signs access tokens: compact JWS of the JSON claims with the alg's current key.
type Signer interface {
	Sign(alg string, claims []byte) (string, error)
	JWKS() []byte
}

// Config is what New needs. Issuer, Directory and Signer are required.
type Config struct {
	Issuer    string // public base URL with a trailing slash; the iss claim
	Directory Directory
	Signer    Signer
	Logger    *slog.Logger     // nil discards
	Now       func() time.Time // nil: time.Now
}

// Handler serves the token endpoint and the discovery documents.
type Handler struct {
	dir       Directory
	signer    Signer
	log       *slog.Logger
	grants    map[string]grantHandler // by grant_type
	challenge string                  // WWW-Authenticate value of 401 answers
	discovery []byte                  // the openid-configuration document, fixed for the process
	issuer    string
	now       func() time.Time
	jtis      *jtiCache // jti of accepted client assertions, until they expire
}

// The replay cache's bounds: an assertion lives at most 310 s, so these allow some 300 assertions a
// second for the whole tenant.
const (
	maxJTIEntries = 100_000
	maxJTIBytes   = 16 << 20
)

// New builds a Handler. It panics when a required field is missing, as that is a wiring mistake.
func New(cfg Config) *Handler {
	switch {
	case !strings.HasSuffix(cfg.Issuer, "/"):
		panic("oauth.New: Issuer must end with a slash")
	case cfg.Directory == nil:
		panic("oauth.New: Directory is nil")
	case cfg.Signer == nil:
		panic("oauth.New: Signer is nil")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	grants := map[string]grantHandler{
		grantClientCredentials: &clientCredentials{
			issuer: cfg.Issuer,
			dir:    cfg.Directory,
			signer: cfg.Signer,
			now:    cfg.Now,
		},
	}
	return &Handler{
		dir:       cfg.Directory,
		signer:    cfg.Signer,
		log:       cfg.Logger,
		grants:    grants,
		challenge: `Basic realm=` + quotedString(cfg.Issuer),
		discovery: discoveryDocument(cfg.Issuer, grants),
		issuer:    cfg.Issuer,
		now:       cfg.Now,
		jtis:      newJTICache(maxJTIEntries, maxJTIBytes),
	}
}

// Mount registers the endpoints on mux.
func (h *Handler) Mount(mux *http.ServeMux) {
	mux.HandleFunc("POST /oauth/token", h.token)
	// Other methods get an OAuth-shaped 405 rather than the mux's plain-text one.
	mux.HandleFunc("/oauth/token", h.tokenMethodNotAllowed)
	mux.HandleFunc("GET /.well-known/openid-configuration", h.openIDConfiguration)
	mux.HandleFunc("GET /.well-known/jwks.json", h.jwks)
}

// quotedString renders s as an RFC 9110 quoted-string.
func quotedString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}
