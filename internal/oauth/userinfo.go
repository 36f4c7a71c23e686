package oauth

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/orgauth/orgauth/accesstoken"
	"github.com/orgauth/orgauth/internal/jsonappend"
	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/tenant"
)

// TokenVerifier verifies the access tokens sent to /userinfo: signature, issuer, expiry, and the
// audience ISSUER + "userinfo" (accesstoken.Verifier).
type TokenVerifier interface {
	Verify(ctx context.Context, token string) (accesstoken.Claims, error)
}

// userinfo serves GET and POST /userinfo (OpenID Connect Core §5.3): the claims of the person an
// access token with openid was issued to, by the scopes it grants. Any other token gets 401 with
// WWW-Authenticate: Bearer error="invalid_token".
func (h *Handler) userinfo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	invalid := func(reason string) {
		h.log.InfoContext(ctx, "userinfo refused", "reason", reason)
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		setTokenHeaders(w.Header())
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":"invalid_token","error_description":"The access token is invalid"}`))
	}
	token, ok := accesstoken.BearerToken(r)
	if !ok {
		invalid("no bearer token")
		return
	}
	c, err := h.userinfoTokens.Verify(ctx, token)
	switch {
	case err != nil:
		invalid(err.Error())
		return
	case !c.HasScope(policy.ScopeOpenID):
		invalid("the token does not grant openid")
		return
	}
	u, err := h.people.User(ctx, c.Subject)
	switch {
	case errors.Is(err, tenant.ErrLoginNotFound):
		invalid("the user no longer exists")
		return
	case err != nil:
		h.log.ErrorContext(ctx, "userinfo", "err", err)
		writeError(w, ErrServerError, h.challenge)
		return
	}
	b := jsonappend.StringField([]byte{'{'}, "sub", u.ID)
	optional := func(name, value string) {
		if value != "" {
			b = jsonappend.StringField(b, name, value)
		}
	}
	if slices.Contains(c.Scopes, policy.ScopeProfile) {
		optional("name", u.Name)
		optional("given_name", u.GivenName)
		optional("family_name", u.FamilyName)
		optional("nickname", u.Nickname)
		optional("picture", u.Picture)
		b = jsonappend.StringField(b, "updated_at", u.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	if slices.Contains(c.Scopes, policy.ScopeEmail) && u.Email != "" {
		b = jsonappend.StringField(b, "email", u.Email)
		b = jsonappend.FieldName(b, "email_verified")
		if u.EmailVerified {
			b = append(b, "true"...)
		} else {
			b = append(b, "false"...)
		}
	}
	b = append(b, '}')
	setTokenHeaders(w.Header())
	w.Write(b)
}
