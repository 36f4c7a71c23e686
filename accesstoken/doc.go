// Package accesstoken protects an API with access tokens issued by orgauth (or Auth0): it verifies a
// bearer token's signature, issuer, audience and lifetime, and checks that the organization a request is
// about is the token's org_id.
//
// A Verifier is built from the issuer URL and the API's identifier (the audience). It finds the issuer's
// signing keys through /.well-known/openid-configuration, caches them, and fetches them again when a token
// names a key it does not know, at most once every 10 seconds, so forged tokens cannot make it hammer the
// issuer. It accepts RS256, PS256 and ES256 signatures, each only from a published key made for that
// algorithm: never "none", never HMAC.
//
// Issuer, audience, expiry and signature are always checked; nothing turns them off. Only the clock-skew
// leeway (30 seconds by default) can be tuned, within MaxLeeway. A program that holds the issuer's keys
// itself (orgauth's own server checking Management API tokens, a test) gives them with WithKeys instead.
//
// Every refusal matches ErrInvalidToken with errors.Is, and one reason: ErrMalformed, ErrExpired,
// ErrAudience and so on. Any other error means the token could not be checked now.
//
// Require turns a Verifier into net/http middleware that answers 401 or 403 with an RFC 6750
// WWW-Authenticate header, and hands the verified Claims to the handler through the request context
// (FromContext).
//
// accesstoken is its own module, github.com/orgauth/orgauth/accesstoken: it requires go-jose alone and
// Go 1.24 or later.
package accesstoken
