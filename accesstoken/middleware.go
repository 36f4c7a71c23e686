package accesstoken

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
)

// A Requirement is one condition Require checks on a verified token: build it with Scopes or Organization
// (Require panics on the zero Requirement).
type Requirement struct {
	check func(*http.Request, Claims) *denial
}

// denial is a 403 answer: the token is valid but may not do this.
type denial struct {
	description string
	scope       string // the scopes required, for WWW-Authenticate; empty when scopes are not the problem
}

// Scopes requires that the token grant every one of scopes.
func Scopes(scopes ...string) Requirement {
	scopes = append([]string(nil), scopes...)
	return Requirement{check: func(_ *http.Request, c Claims) *denial {
		for _, s := range scopes {
			if !c.HasScope(s) {
				return &denial{
					description: "Insufficient scope; expected all of: " + strings.Join(scopes, " "),
					scope:       strings.Join(scopes, " "),
				}
			}
		}
		return nil
	}}
}

// Organization requires that the token act for the organization the request is about, as named by
// organizationID (e.g. func(r *http.Request) string { return r.PathValue("org_id") }): its org_id must
// equal that value exactly. A token without org_id, or a request naming no organization, is refused.
//
// r.PathValue is set only for handlers registered on the http.ServeMux, so wrap each route's handler, not
// the whole mux. A mismatch is answered 403 insufficient_scope: the token is valid but lacks the privilege
// of acting for this organization. Organization panics when organizationID is nil.
func Organization(organizationID func(*http.Request) string) Requirement {
	if organizationID == nil {
		panic("accesstoken.Organization: nil function")
	}
	return Requirement{check: func(r *http.Request, c Claims) *denial {
		want := organizationID(r)
		switch {
		case c.OrganizationID == "":
			return &denial{description: "The token is not for an organization"}
		case want == "" || c.OrganizationID != want:
			return &denial{description: "The token is for another organization"}
		}
		return nil
	}}
}

// Require returns middleware that passes a request on only when it carries a valid bearer token (in the
// Authorization header) meeting every requirement, checked in order; the handler reads the token's claims
// with FromContext. Otherwise it answers, with an RFC 6750 WWW-Authenticate header whose realm is the
// audience and a small JSON body:
//   - 401 without error code when there is no bearer token;
//   - 401 invalid_token when the token is refused;
//   - 403 insufficient_scope when a requirement is not met (with the scope attribute for Scopes);
//   - 503 when the issuer's keys cannot be fetched.
func (v *Verifier) Require(reqs ...Requirement) func(http.Handler) http.Handler {
	reqs = slices.Clone(reqs)
	for _, req := range reqs {
		if req.check == nil {
			panic("accesstoken.Require: a Requirement must come from Scopes or Organization")
		}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, ok := BearerToken(r)
			if !ok {
				v.challenge(w, http.StatusUnauthorized, "", "Missing bearer token", "")
				return
			}
			claims, err := v.Verify(r.Context(), token)
			var refused *refusal
			switch {
			case errors.As(err, &refused):
				v.log.DebugContext(r.Context(), "accesstoken: token refused", "error", err)
				v.challenge(w, http.StatusUnauthorized, "invalid_token", refused.reason, "")
				return
			case err != nil:
				// The failed fetch was logged once, at WARN; this is every request it affects.
				v.log.DebugContext(r.Context(), "accesstoken: cannot verify token", "error", err)
				w.Header().Set("Retry-After", "10")
				writeError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "The API cannot verify tokens now")
				return
			}
			for _, req := range reqs {
				if d := req.check(r, claims); d != nil {
					v.log.DebugContext(r.Context(), "accesstoken: token denied", "client_id", claims.ClientID,
						"org_id", claims.OrganizationID, "reason", d.description)
					v.challenge(w, http.StatusForbidden, "insufficient_scope", d.description, d.scope)
					return
				}
			}
			next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), claims)))
		})
	}
}

// BearerToken returns the token of an "Authorization: Bearer <token>" header, the scheme in any case, for
// code that calls Verify itself. ok is false when the request carries no bearer credentials at all (no
// header, or another scheme), which RFC 6750 §3.1 answers without an error code; a Bearer header with an
// empty or odd value, or several Authorization headers (then token is ""), is returned as is, for Verify to
// refuse as malformed.
func BearerToken(r *http.Request) (token string, ok bool) {
	h := r.Header.Values("Authorization")
	if len(h) == 0 {
		return "", false
	}
	scheme, token, _ := strings.Cut(h[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	if len(h) > 1 {
		return "", true // several credentials: refused as malformed
	}
	return strings.TrimSpace(token), true
}

// challenge writes an error answer with its WWW-Authenticate header (RFC 6750 §3).
func (v *Verifier) challenge(w http.ResponseWriter, status int, code, description, scope string) {
	var b strings.Builder
	b.WriteString("Bearer realm=")
	b.WriteString(quote(v.audience))
	if code != "" {
		b.WriteString(", error=" + quote(code) + ", error_description=" + quote(description))
	}
	if scope != "" {
		b.WriteString(", scope=" + quote(scope))
	}
	w.Header().Set("WWW-Authenticate", b.String())
	writeError(w, status, code, description)
}

// quote makes s an HTTP quoted-string: backslash before " and \, and no control characters.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range []byte(s) {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func writeError(w http.ResponseWriter, status int, code, description string) {
	body, _ := json.Marshal(struct {
		Error       string `json:"error,omitempty"`
		Description string `json:"error_description"`
	}{code, description}) // two strings always marshal
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

type contextKey struct{}

// NewContext returns ctx carrying claims, as Require hands them to its handler; tests of handlers use it.
func NewContext(ctx context.Context, claims Claims) context.Context {
	return context.WithValue(ctx, contextKey{}, claims)
}

// FromContext returns the claims of the token Require verified for this request; ok is false outside
// Require.
func FromContext(ctx context.Context) (claims Claims, ok bool) {
	claims, ok = ctx.Value(contextKey{}).(Claims)
	return claims, ok
}
