// Package oauth serves the OAuth 2.0 token endpoint (POST /oauth/token) and the discovery documents
// (/.well-known/openid-configuration, /.well-known/jwks.json).
//
// The dispatcher in token.go owns what every grant shares: parsing the request once, taking one view of
// the tenant, authenticating the client and writing the answer. Each grant type is one type in its own
// file; today that is client_credentials, whose decision is internal/policy's.
package oauth

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/tenant"
)

// View is the tenant as one token request sees it: a consistent state, read without I/O
// (tenant.Snapshot).
type View interface {
	policy.Tenant
	// AuthenticateClient returns the client when secret is its current secret (constant-time
	// comparison inside); false when the client is unknown or the secret is wrong.
	AuthenticateClient(clientID, secret string) (*tenant.TokenClient, bool)
	// Client returns a client without authenticating it (private_key_jwt verifies its assertion).
	Client(clientID string) (*tenant.TokenClient, bool)
}

// Signer signs what policy decided and publishes the keys.
type Signer interface {
	SignAccessToken(policy.AccessToken) (string, error)
	SignIDToken(policy.IDToken) (string, error)
	JWKS() []byte
}

// Config is what New needs. Issuer, View and Signer are required.
type Config struct {
	Issuer string // public base URL with a trailing slash
	// View returns the tenant's current state; an error (wrapping tenant.ErrUnavailable when the state
	// cannot be trusted) fails the request.
	View   func(context.Context) (View, error)
	Signer Signer
	// People serves the grants of people's logins (authorization_code, refresh_token) and /userinfo,
	// whose tokens UserinfoTokens verifies; without them, client_credentials alone is served.
	People         People
	UserinfoTokens TokenVerifier
	Logger         *slog.Logger     // nil discards
	Now            func() time.Time // nil: time.Now
}

// Handler serves the token endpoint and the discovery documents.
type Handler struct {
	view           func(context.Context) (View, error)
	people         People // nil: no people's logins
	userinfoTokens TokenVerifier
	signer         Signer
	log            *slog.Logger
	grants         map[string]grantHandler // by grant_type
	challenge      string                  // WWW-Authenticate value of 401 answers
	discovery      []byte                  // the openid-configuration document, fixed for the process
	issuer         string
	now            func() time.Time
	jtis           *jtiCache // jti of accepted client assertions, until they expire
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
	case cfg.View == nil:
		panic("oauth.New: View is nil")
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
		policy.GrantClientCredentials: &clientCredentials{signer: cfg.Signer, now: cfg.Now},
	}
	if cfg.People != nil && cfg.UserinfoTokens == nil {
		panic("oauth.New: People without UserinfoTokens")
	}
	if cfg.People != nil {
		grants[policy.GrantAuthorizationCode] = &authorizationCode{people: cfg.People, signer: cfg.Signer, now: cfg.Now}
		grants[policy.GrantRefreshToken] = &refreshToken{people: cfg.People, signer: cfg.Signer, now: cfg.Now}
	}
	return &Handler{
		view:           cfg.View,
		people:         cfg.People,
		userinfoTokens: cfg.UserinfoTokens,
		signer:         cfg.Signer,
		log:            cfg.Logger,
		grants:         grants,
		challenge:      `Basic realm=` + quotedString(cfg.Issuer),
		discovery:      discoveryDocument(cfg.Issuer, grants, cfg.People != nil),
		issuer:         cfg.Issuer,
		now:            cfg.Now,
		jtis:           newJTICache(maxJTIEntries, maxJTIBytes),
	}
}

// Mount registers the endpoints on mux.
func (h *Handler) Mount(mux *http.ServeMux) {
	mux.HandleFunc("POST /oauth/token", h.token)
	// Other methods get an OAuth-shaped 405 rather than the mux's plain-text one.
	mux.HandleFunc("/oauth/token", h.tokenMethodNotAllowed)
	mux.HandleFunc("GET /.well-known/openid-configuration", h.openIDConfiguration)
	mux.HandleFunc("GET /.well-known/jwks.json", h.jwks)
	if h.people != nil {
		mux.HandleFunc("GET /userinfo", h.userinfo)
		mux.HandleFunc("POST /userinfo", h.userinfo)
	}
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
