package mgmt

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/orgauth/orgauth/accesstoken"
)

// scopeAliases maps the spellings without underscores, which orgauth also accepts (docs/compatibility.md#management-api-tokens-and-scopes),
// to the Auth0 scope names.
var scopeAliases = map[string]string{
	"create:organizationclientgrants": "create:organization_client_grants",
	"read:organizationclientgrants":   "read:organization_client_grants",
	"delete:organizationclientgrants": "delete:organization_client_grants",
}

// handlerFunc is an endpoint: it writes its success answer itself and returns any refusal or fault,
// which authorize renders.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// authorize wraps an endpoint with the bearer-token check: a token for the Management API audience,
// carrying at least one of scopes.
func (h *Handler) authorize(scopes []string, next handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		granted, err := h.checkToken(r, scopes)
		if err != nil {
			var e *Error
			if errors.As(err, &e) && e.StatusCode == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="`+h.audience+`"`)
			}
			h.writeError(w, r, err)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), grantedScopesKey{}, granted))
		if err := next(w, r); err != nil {
			h.writeError(w, r, err)
		}
	})
}

// checkToken checks the request's token and returns the scopes it grants.
func (h *Handler) checkToken(r *http.Request, scopes []string) ([]string, error) {
	if len(r.Header.Values("Authorization")) == 0 {
		return nil, unauthorized("Missing authentication")
	}
	// Auth0 tells a header it cannot read (another scheme, no token, several) from a token it refuses.
	token, ok := accesstoken.BearerToken(r)
	if !ok || token == "" || strings.ContainsAny(token, " \t") {
		return nil, unauthorized("Bad HTTP authentication header format")
	}
	claims, err := h.verifier.Verify(r.Context(), token)
	if errors.Is(err, accesstoken.ErrInvalidToken) {
		h.log.InfoContext(r.Context(), "management api token refused", slog.Any("error", err))
		return nil, unauthorized("Invalid token")
	}
	if err != nil {
		return nil, err
	}
	// The Management API is for applications: a person's token (decided by policy.DecideUser, which
	// refuses this audience anyway) is never taken for one, whatever it says.
	if claims.GrantType != "client-credentials" || !strings.HasSuffix(claims.Subject, "@clients") {
		h.log.WarnContext(r.Context(), "management api token refused: not an application's", slog.String("sub", claims.Subject))
		return nil, unauthorized("Invalid token")
	}
	// The audience must be the system resource server's identifier, not only the string the issuer
	// implies: an ordinary API that came to hold that string (an issuer change that start-up should
	// have refused) must never have its tokens taken for Management tokens.
	system, err := h.tenant.IsManagementAPI(r.Context(), h.audience)
	if err != nil {
		return nil, err
	}
	if !system {
		h.log.ErrorContext(r.Context(), "management api token refused: its audience is not the Management API",
			slog.String("audience", h.audience))
		return nil, unauthorized("Invalid token")
	}
	if !hasAnyScope(claims.Scopes, scopes) {
		return nil, insufficientScope(scopes)
	}
	return claims.Scopes, nil
}

func insufficientScope(scopes []string) *Error {
	return &Error{
		StatusCode: http.StatusForbidden,
		Message:    "Insufficient scope; expected any of: " + strings.Join(scopes, ",") + ".",
		ErrorCode:  "insufficient_scope",
	}
}

// grantedScopesKey keys, in a request's context, the scopes its token grants: the few endpoints whose
// scope depends on the body (PATCH /users/{id}) look there after decoding it.
type grantedScopesKey struct{}

// requireScope refuses the request unless its token grants one of scopes.
func requireScope(r *http.Request, scopes ...string) error {
	granted, _ := r.Context().Value(grantedScopesKey{}).([]string)
	if !hasAnyScope(granted, scopes) {
		return insufficientScope(scopes)
	}
	return nil
}

func unauthorized(message string) *Error {
	return &Error{StatusCode: http.StatusUnauthorized, Message: message}
}

// hasAnyScope reports whether granted, read with its aliases, holds one of required.
func hasAnyScope(granted, required []string) bool {
	for _, g := range granted {
		if canonical, ok := scopeAliases[g]; ok {
			g = canonical
		}
		if slices.Contains(required, g) {
			return true
		}
	}
	return false
}
