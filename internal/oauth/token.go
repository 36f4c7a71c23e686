package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/orgauth/orgauth/internal/logattr"
	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/tenant"
)

// grantHandler issues a token for one grant type, for a client the dispatcher has authenticated, from
// the view of the tenant the dispatcher took. It returns an *Error for a refusal; any other error is an
// internal fault.
type grantHandler interface {
	handle(ctx context.Context, view View, req *tokenRequest, client *tenant.TokenClient) (*tokenResponse, error)
}

// tokenResponse is a successful token answer (RFC 6749 §5.1).
type tokenResponse struct {
	accessToken  string
	idToken      string // "" when none was issued
	refreshToken string // "" when none was issued
	scope        string
	expiresIn    int64 // seconds
}

var errMethodNotAllowed = &Error{
	Code:        ErrInvalidRequest.Code,
	Description: "The token endpoint accepts only POST",
	Status:      http.StatusMethodNotAllowed,
}

// token serves POST /oauth/token.
func (h *Handler) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	req, err := parseTokenRequest(r)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	resp, err := h.exchange(r.Context(), req)
	if err != nil {
		h.fail(w, r, req, err)
		return
	}
	writeToken(w, resp)
}

func (h *Handler) tokenMethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", http.MethodPost)
	h.fail(w, r, nil, errMethodNotAllowed)
}

// exchange runs the steps every grant shares, then the grant's own.
func (h *Handler) exchange(ctx context.Context, req *tokenRequest) (*tokenResponse, error) {
	grantType, err := req.requiredParam("grant_type")
	if err != nil {
		return nil, err
	}
	grant, ok := h.grants[grantType]
	if !ok {
		return nil, ErrUnsupportedGrantType.WithDescription("Unsupported grant type: " + grantType)
	}
	view, err := h.view(ctx)
	if err != nil {
		return nil, fmt.Errorf("view the tenant: %w", err)
	}
	client, err := h.authenticate(ctx, view, req)
	if err != nil {
		return nil, err
	}
	return grant.handle(ctx, view, req, client)
}

// authenticate checks the client's secret, sent by client_secret_basic or client_secret_post, or lets
// a public client (token_endpoint_auth_method none) in with its client_id alone, for the grants of
// people's logins (which bind the code or the refresh token to it). Missing credentials fail
// authentication like wrong ones: RFC 6749 §5.2 names "no client authentication included" as
// invalid_client.
func (h *Handler) authenticate(ctx context.Context, view View, req *tokenRequest) (*tenant.TokenClient, error) {
	if req.hasAssertion() {
		return h.authenticateAssertion(ctx, view, req)
	}
	clientID, err := req.param("client_id")
	if err != nil {
		return nil, err
	}
	secret, err := req.param("client_secret")
	if err != nil {
		return nil, err
	}
	if clientID != "" && secret == "" && !req.basic {
		if c, ok := view.Client(clientID); ok && c.TokenEndpointAuthMethod == methodNone && publicGrant(req) {
			return c, nil
		}
	}
	if clientID == "" || secret == "" {
		return nil, ErrInvalidClient
	}
	client, ok := view.AuthenticateClient(clientID, secret)
	if !ok {
		return nil, authFailed("unknown client or wrong secret")
	}
	if err := checkSecretMethod(client.Client, req); err != nil {
		return nil, err
	}
	return client, nil
}

// publicGrant reports whether the request's grant is one a public client may use.
func publicGrant(req *tokenRequest) bool {
	g, _ := req.param("grant_type")
	return g == policy.GrantAuthorizationCode || g == policy.GrantRefreshToken
}

// fail logs err and answers it: an *Error as it is, anything else as server_error without its cause.
// req is nil when the request could not be parsed.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, req *tokenRequest, err error) {
	// Every value here is the client's choice: only a prefix of each reaches the log.
	attrs := []any{
		logattr.Untrusted("client_id", req.peek("client_id")),
		logattr.Untrusted("grant_type", req.peek("grant_type")),
		logattr.Untrusted("audience", req.peek("audience")),
		logattr.Untrusted("organization", req.peek("organization")),
	}
	if f, ok := errors.AsType[*authFailure](err); ok {
		attrs = append(attrs, "details", logattr.Prefix(f.reason, logattr.MaxText)) // it may quote the kid or the JWS
	} else if d, ok := errors.AsType[*detailed](err); ok {
		attrs = append(attrs, "details", logattr.Prefix(d.reason, logattr.MaxText))
	}
	e, ok := errors.AsType[*Error](err)
	if ok {
		h.log.InfoContext(r.Context(), "token request refused", append(attrs, "error", e.Code,
			"reason", logattr.Prefix(e.Description, logattr.MaxText))...)
	} else {
		h.log.ErrorContext(r.Context(), "token request failed", append(attrs, "err", err)...)
		e = ErrServerError
		if errors.Is(err, tenant.ErrUnavailable) {
			e = ErrTemporarilyUnavailable
		}
	}
	writeError(w, e, h.challenge)
}
