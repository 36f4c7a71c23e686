package oauth

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/orgauth/orgauth/internal/tenant"
)

// private_key_jwt client authentication (RFC 7523 §2.2, OpenID Connect Core §9; docs/compatibility.md#private-key-jwt-authentication).
const (
	methodPrivateKeyJWT  = "private_key_jwt"
	assertionType        = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	maxAssertionBytes    = 2048
	maxAssertionLifetime = 300 * time.Second
	assertionSkew        = 10 * time.Second
	maxAssertionField    = 64 // iss, sub and jti
)

// assertionAlgs are the algorithms a credential may have; none and HS* are never accepted.
var assertionAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.PS256}

// assertionClaims are the claims the rules look at.
type assertionClaims struct {
	jwt.Claims
}

// hasAssertion reports whether the request authenticates by client assertion.
func (t *tokenRequest) hasAssertion() bool {
	for _, name := range []string{"client_assertion", "client_assertion_type"} {
		if len(t.params[name]) > 0 || t.notStrings[name] { // a JSON value of another type is refused when read
			return true
		}
	}
	return false
}

// authenticateAssertion authenticates the client by private_key_jwt. Every failure is invalid_client
// with its reason logged; a secret sent as well is an invalid_request (one method per request).
func (h *Handler) authenticateAssertion(ctx context.Context, view View, req *tokenRequest) (*tenant.TokenClient, error) {
	secret, err := req.param("client_secret")
	if err != nil {
		return nil, err
	}
	if secret != "" {
		return nil, ErrInvalidRequest.WithDescription("client_assertion cannot be combined with client_secret")
	}
	assertion, err := req.param("client_assertion")
	if err != nil {
		return nil, err
	}
	typ, err := req.param("client_assertion_type")
	if err != nil {
		return nil, err
	}
	clientID, err := req.param("client_id")
	if err != nil {
		return nil, err
	}
	switch {
	case typ != assertionType:
		return nil, authFailed("client_assertion_type must be %s", assertionType)
	case assertion == "":
		return nil, authFailed("client_assertion is missing")
	case len(assertion) > maxAssertionBytes:
		return nil, authFailed("the assertion is longer than %d bytes", maxAssertionBytes)
	}
	tok, err := jwt.ParseSigned(assertion, assertionAlgs)
	if err != nil {
		return nil, authFailed("the assertion is not a JWS signed with RS256, RS384 or PS256: %v", err)
	}
	header := tok.Headers[0]
	var unverified assertionClaims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return nil, authFailed("the assertion's claims are malformed: %v", err)
	}
	sub := unverified.Subject
	switch {
	case sub == "" || unverified.Issuer != sub:
		return nil, authFailed("iss and sub must both be the client_id")
	case len(sub) > maxAssertionField:
		return nil, authFailed("sub is longer than %d characters", maxAssertionField)
	case clientID != "" && clientID != sub:
		return nil, authFailed("client_id differs from the assertion's sub")
	}
	client, ok := view.Client(sub)
	switch {
	case !ok:
		return nil, authFailed("unknown client")
	case len(client.Credentials) == 0:
		return nil, authFailed("the client does not authenticate with private_key_jwt")
	}
	now := h.now()
	cred, claims, err := verifyAssertion(tok, header, client.Credentials, now)
	if err != nil {
		return nil, err
	}
	if err := h.checkAssertionClaims(claims, now); err != nil {
		return nil, err
	}
	if !h.jtis.use(client.ClientID, claims.ID, claims.Expiry.Time().Add(assertionSkew), now) {
		return nil, authFailed("the assertion's jti was used before, or the replay cache is full")
	}
	h.log.InfoContext(ctx, "client authenticated", "client_id", client.ClientID, slog.Group("details",
		"token_endpoint_auth_method", methodPrivateKeyJWT,
		"token_endpoint_auth_signing_alg", cred.Alg,
		"token_endpoint_auth_signing_kid", cred.KID))
	return client, nil
}

// verifyAssertion finds the credential that signed the assertion: the one its kid names, else each
// referenced credential in turn. The credential's alg must be the header's, and it must be unexpired.
func verifyAssertion(tok *jwt.JSONWebToken, header jose.Header, creds []tenant.ClientCredential, now time.Time) (tenant.ClientCredential, assertionClaims, error) {
	var claims assertionClaims
	if header.KeyID != "" {
		i := slices.IndexFunc(creds, func(c tenant.ClientCredential) bool { return c.KID == header.KeyID })
		if i < 0 {
			return tenant.ClientCredential{}, claims, authFailed("kid %q names no credential of the client", header.KeyID)
		}
		creds = creds[i : i+1]
	}
	var reason string
	for _, c := range creds {
		switch {
		case c.Alg != header.Algorithm:
			reason = fmt.Sprintf("alg %s differs from the credential's %s", header.Algorithm, c.Alg)
			continue
		case !c.ExpiresAt.IsZero() && !now.Before(c.ExpiresAt):
			reason = fmt.Sprintf("the credential %s expired at %s", c.ID, c.ExpiresAt.Format(time.RFC3339))
			continue
		}
		key, err := tenant.CredentialKey(c)
		if err != nil {
			return tenant.ClientCredential{}, claims, err
		}
		if err := tok.Claims(key, &claims); err == nil {
			return c, claims, nil
		}
		reason = "the signature does not verify"
	}
	if header.KeyID == "" && len(creds) > 1 {
		reason = fmt.Sprintf("no unexpired %s credential of the client verifies the signature", header.Algorithm)
	}
	return tenant.ClientCredential{}, claims, authFailed("%s", reason)
}

// checkAssertionClaims applies the rules on jti, aud and the times of a verified assertion.
func (h *Handler) checkAssertionClaims(c assertionClaims, now time.Time) error {
	switch {
	case c.ID == "":
		return authFailed("jti is missing")
	case len(c.ID) > maxAssertionField:
		return authFailed("jti is longer than %d characters", maxAssertionField)
	case !slices.Contains(c.Audience, h.issuer) && !slices.Contains(c.Audience, h.issuer+"oauth/token"):
		return authFailed("aud must be %s or %soauth/token", h.issuer, h.issuer)
	case c.Expiry == nil:
		return authFailed("exp is missing")
	}
	exp := c.Expiry.Time()
	switch {
	case !now.Before(exp.Add(assertionSkew)):
		return authFailed("the assertion expired")
	case c.IssuedAt != nil && c.IssuedAt.Time().After(now.Add(assertionSkew)):
		return authFailed("iat is in the future")
	case c.NotBefore != nil && c.NotBefore.Time().After(now.Add(assertionSkew)):
		return authFailed("nbf is in the future")
	case c.IssuedAt != nil && exp.Sub(c.IssuedAt.Time()) > maxAssertionLifetime:
		return authFailed("exp - iat exceeds %d seconds", int(maxAssertionLifetime.Seconds()))
	case c.IssuedAt == nil && exp.Sub(now) > maxAssertionLifetime:
		return authFailed("exp is more than %d seconds away", int(maxAssertionLifetime.Seconds()))
	}
	return nil
}

// jtiCache remembers the jti of each accepted assertion, per client, until the assertion's exp plus
// the skew, so that an assertion is accepted once. It is bounded in entries and in bytes; when full of
// live entries it refuses new assertions rather than forget one that could then be replayed. Only
// assertions whose signature verified reach it.
type jtiCache struct {
	mu         sync.Mutex
	until      map[string]time.Time // client_id + "\x00" + jti
	bytes      int
	maxEntries int
	maxBytes   int
	swept      time.Time
}

// jtiEntryOverhead approximates a map entry's memory beside its key.
const jtiEntryOverhead = 64

func newJTICache(maxEntries, maxBytes int) *jtiCache {
	return &jtiCache{until: map[string]time.Time{}, maxEntries: maxEntries, maxBytes: maxBytes}
}

// use records the jti and reports true, or reports false when it is still remembered or the cache is
// full.
func (c *jtiCache) use(clientID, jti string, until, now time.Time) bool {
	key := clientID + "\x00" + jti
	c.mu.Lock()
	defer c.mu.Unlock()
	if u, ok := c.until[key]; ok {
		if now.Before(u) {
			return false
		}
		c.remove(key)
	}
	size := len(key) + jtiEntryOverhead
	if len(c.until) >= c.maxEntries || c.bytes+size > c.maxBytes {
		if !now.Before(c.swept.Add(time.Second)) || c.swept.After(now) {
			c.sweep(now)
		}
		if len(c.until) >= c.maxEntries || c.bytes+size > c.maxBytes {
			return false
		}
	}
	c.until[key] = until
	c.bytes += size
	return true
}

func (c *jtiCache) remove(key string) {
	delete(c.until, key)
	c.bytes -= len(key) + jtiEntryOverhead
}

// sweep forgets the expired entries; at most once a second, as it walks them all.
func (c *jtiCache) sweep(now time.Time) {
	c.swept = now
	for k, u := range c.until {
		if !now.Before(u) {
			c.remove(k)
		}
	}
}
