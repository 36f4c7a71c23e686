package accesstoken

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const (
	// DefaultLeeway is the clock skew tolerated when checking exp, nbf and iat.
	DefaultLeeway = 30 * time.Second
	// MaxLeeway bounds WithLeeway: a larger leeway would keep expired tokens alive.
	MaxLeeway = 5 * time.Minute

	// maxTokenSize bounds the work spent on one token; real ones are under 2 KiB.
	maxTokenSize = 32 << 10
	// defaultHTTPTimeout bounds a key fetch made with the default HTTP client.
	defaultHTTPTimeout = 10 * time.Second
)

// algorithms are the only signature algorithms ever accepted; a key is further bound to its own.
var algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256}

// Verifier checks access tokens for one API (the audience) from one issuer. It is safe for concurrent use;
// build one at startup and share it.
type Verifier struct {
	issuer   string
	audience string
	leeway   time.Duration
	now      func() time.Time
	log      *slog.Logger
	keys     *keySet   // the issuer's keys fetched over HTTP, unless local is set
	local    KeySource // WithKeys
	client   bool      // WithHTTPClient was given
}

// An Option changes a Verifier's defaults.
type Option func(*Verifier) error

// WithHTTPClient sets the client that fetches the discovery document and the keys (default: one with a
// 10-second timeout).
func WithHTTPClient(c *http.Client) Option {
	return func(v *Verifier) error {
		if c == nil {
			return errors.New("WithHTTPClient: nil client")
		}
		v.keys.client, v.client = c, true
		return nil
	}
}

// A KeySource returns the issuer's current key set (see WithKeys).
type KeySource func(ctx context.Context) (jose.JSONWebKeySet, error)

// WithKeys makes the Verifier take the issuer's keys from keys instead of fetching them over HTTP: for a
// program that holds the issuer's keys itself, such as the issuer's own server or a test. keys is called for
// every token, without caching or rate limit, so it must be cheap; a key it stops returning is refused at
// once. The keys it returns are taken as the issuer's JWKS, by the same rules: a key is used only for the
// one algorithm it declares (RS256, PS256 or ES256), and a kid it returns twice names no key. An error from
// keys is not a refusal (see ErrInvalidToken). WithKeys cannot be combined with WithHTTPClient.
func WithKeys(keys KeySource) Option {
	return func(v *Verifier) error {
		if keys == nil {
			return errors.New("WithKeys: nil key source")
		}
		v.local = keys
		return nil
	}
}

// WithClock sets the clock used for expiry checks and key refetch limits (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(v *Verifier) error {
		if now == nil {
			return errors.New("WithClock: nil clock")
		}
		v.now = now
		return nil
	}
}

// WithLeeway sets the clock skew tolerated on exp, nbf and iat: from 0 to MaxLeeway (default DefaultLeeway).
func WithLeeway(d time.Duration) Option {
	return func(v *Verifier) error {
		if d < 0 || d > MaxLeeway {
			return fmt.Errorf("WithLeeway: %v is outside 0–%v", d, MaxLeeway)
		}
		v.leeway = d
		return nil
	}
}

// WithLogger sets where the Verifier reports key fetches and refused tokens (default: nowhere). Tokens
// are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(v *Verifier) error {
		if l == nil {
			return errors.New("WithLogger: nil logger")
		}
		v.log = l
		return nil
	}
}

// New returns a Verifier for tokens whose iss is issuer (exactly, e.g. "https://auth.example.com/") and
// whose aud contains audience (the API's identifier). It makes no request: the keys are fetched when the
// first token arrives.
func New(issuer, audience string, opts ...Option) (*Verifier, error) {
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("accesstoken: issuer %q: want an http(s) URL such as https://auth.example.com/", issuer)
	}
	if audience == "" {
		return nil, errors.New("accesstoken: audience is required")
	}
	v := &Verifier{
		issuer:   issuer,
		audience: audience,
		leeway:   DefaultLeeway,
		now:      time.Now,
		log:      slog.New(slog.DiscardHandler),
		keys: &keySet{
			issuer:       issuer,
			discoveryURL: strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration",
			client:       &http.Client{Timeout: defaultHTTPTimeout},
		},
	}
	for _, opt := range opts {
		if err := opt(v); err != nil {
			return nil, fmt.Errorf("accesstoken: %w", err)
		}
	}
	if v.local != nil && v.client {
		return nil, errors.New("accesstoken: WithKeys and WithHTTPClient exclude each other: the keys are fetched by one or the other")
	}
	v.keys.now, v.keys.log = v.now, v.log
	return v, nil
}

// lookup returns the key kid names, from the key source or from the issuer.
func (v *Verifier) lookup(ctx context.Context, kid string) (publicKey, error) {
	if v.local == nil {
		return v.keys.lookup(ctx, kid)
	}
	set, err := v.local(ctx)
	if err != nil {
		return publicKey{}, fmt.Errorf("accesstoken: signing keys: %w", err)
	}
	key, ok := usableKeys(set.Keys)[kid]
	if !ok {
		return publicKey{}, refuse(ErrUnknownKey, fmt.Errorf("kid %q", clip(kid, maxQuotedValue)))
	}
	return key, nil
}

// Verify checks token and returns its claims. It refuses, with an error wrapping ErrInvalidToken, a token
// that is malformed, not signed by one of the issuer's keys with that key's algorithm, from another
// issuer, not for this audience, without exp, expired, not yet valid (nbf) or issued in the future (iat).
// Any other error means the token could not be checked now (see ErrInvalidToken).
func (v *Verifier) Verify(ctx context.Context, token string) (Claims, error) {
	if len(token) > maxTokenSize {
		return Claims{}, refuse(ErrTooLarge, nil)
	}
	tok, err := jwt.ParseSigned(token, algorithms)
	if err != nil {
		// The parser's errors quote the header, which the sender chose: a prefix only.
		return Claims{}, refuse(ErrMalformed, errors.New(clip(err.Error(), maxQuotedText)))
	}
	header := tok.Headers[0] // a compact JWS has exactly one
	if header.KeyID == "" {
		return Claims{}, refuse(ErrMalformed, errors.New("no kid in the header"))
	}
	key, err := v.lookup(ctx, header.KeyID)
	if err != nil {
		return Claims{}, err
	}
	// A key signs with one algorithm only: an RS256 key must not vouch for a PS256 signature.
	if header.Algorithm != string(key.alg) {
		return Claims{}, refuse(ErrAlgorithm, fmt.Errorf("alg %s, key %s is for %s", header.Algorithm, header.KeyID, key.alg))
	}
	var std jwt.Claims
	var priv privateClaims
	if err := tok.Claims(key.public, &std, &priv); err != nil {
		if errors.Is(err, jose.ErrCryptoFailure) {
			return Claims{}, refuse(ErrSignature, err)
		}
		return Claims{}, refuse(ErrMalformed, err)
	}
	if err := v.validate(std); err != nil {
		return Claims{}, err
	}
	return newClaims(std, priv), nil
}

// validate checks the registered claims; every check always runs.
func (v *Verifier) validate(c jwt.Claims) error {
	if c.Issuer != v.issuer {
		return refuse(ErrIssuer, fmt.Errorf("iss %q", c.Issuer))
	}
	if !c.Audience.Contains(v.audience) {
		return refuse(ErrAudience, fmt.Errorf("aud %q", []string(c.Audience)))
	}
	now := v.now()
	if c.Expiry == nil {
		return refuse(ErrNoExpiry, nil)
	}
	// RFC 7519 §4.1.4: the token must not be accepted on or after exp.
	if exp := c.Expiry.Time(); !now.Add(-v.leeway).Before(exp) {
		return refuse(ErrExpired, fmt.Errorf("exp %s", exp.UTC().Format(time.RFC3339)))
	}
	if c.NotBefore != nil && now.Add(v.leeway).Before(c.NotBefore.Time()) {
		return refuse(ErrNotYetValid, fmt.Errorf("nbf %s", c.NotBefore.Time().UTC().Format(time.RFC3339)))
	}
	if c.IssuedAt != nil && now.Add(v.leeway).Before(c.IssuedAt.Time()) {
		return refuse(ErrIssuedInFuture, fmt.Errorf("iat %s", c.IssuedAt.Time().UTC().Format(time.RFC3339)))
	}
	return nil
}
