package oauth

import (
	"fmt"

	"github.com/orgauth/orgauth/internal/tenant"
)

// Client authentication methods (token_endpoint_auth_method and OpenID Connect Core §9).
const (
	methodSecretBasic = "client_secret_basic"
	methodSecretPost  = "client_secret_post"
	methodNone        = "none"
)

// authFailure is a failed client authentication. It answers as ErrInvalidClient, "Client authentication
// failed", whatever the reason, so that a caller learns nothing about the client; the reason goes to the
// log's details.
type authFailure struct{ reason string }

func (f *authFailure) Error() string { return "client authentication failed: " + f.reason }

// Unwrap makes errors.As find ErrInvalidClient, which is what the answer shows.
func (f *authFailure) Unwrap() error { return ErrInvalidClient }

func authFailed(format string, args ...any) error {
	return &authFailure{reason: fmt.Sprintf(format, args...)}
}

// secretMethod says how the request sent the client secret: client_secret_basic, client_secret_post, or
// "" when it sent one both ways (RFC 6749 §2.3: a client uses one method per request).
func (t *tokenRequest) secretMethod() string {
	body := t.params["client_secret"]
	if t.basic {
		body = body[:len(body)-1] // the Basic password is the last value
	}
	inBody := false
	for _, v := range body {
		inBody = inBody || v != ""
	}
	switch {
	case t.basic && inBody:
		return ""
	case t.basic:
		return methodSecretBasic
	}
	return methodSecretPost
}

// checkSecretMethod enforces the client's token_endpoint_auth_method on a request that authenticated
// with the client's secret: the secret must come the way the client is registered to send it, and a
// public client (none) has no credentials at all.
func checkSecretMethod(c tenant.Client, req *tokenRequest) error {
	used := req.secretMethod()
	switch {
	case len(c.PrivateKeyJWTCredentials) > 0:
		return authFailed("the client authenticates with private_key_jwt, the request sent a secret")
	case c.TokenEndpointAuthMethod == methodNone:
		return authFailed("the client is public (token_endpoint_auth_method none) and has no credentials")
	case used == "":
		return authFailed("the request sent the secret both in HTTP Basic and in the body")
	case used != c.TokenEndpointAuthMethod:
		return authFailed("the client authenticates with %s, the request used %s", c.TokenEndpointAuthMethod, used)
	}
	return nil
}
