package oauth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/tenant"
)

// refreshToken uses a refresh token (RFC 6749 §6): the client's own, live, not used before (a used one
// revokes its whole family), with a scope that may only narrow. At each use policy.DecideUser rules on
// the login as it stands now: a user blocked or no longer a member revokes the family. Permissions are
// read again, and a rotating client gets a new refresh token.
type refreshToken struct {
	people People
	signer Signer
	now    func() time.Time
}

func (g *refreshToken) handle(ctx context.Context, view View, req *tokenRequest, client *tenant.TokenClient) (*tokenResponse, error) {
	token, err := req.requiredParam("refresh_token")
	if err != nil {
		return nil, err
	}
	scope, err := req.param("scope")
	if err != nil {
		return nil, err
	}
	if !slices.Contains(client.GrantTypes, policy.GrantRefreshToken) {
		return nil, ErrUnauthorizedClient.WithDescription("Grant type 'refresh_token' not allowed for the client.")
	}
	used, next, err := g.people.UseRefreshToken(ctx, client.Client, token)
	var reuse *tenant.ReuseError
	switch {
	case errors.As(err, &reuse):
		return nil, errInvalidRefreshToken.withReason(fmt.Sprintf("ferrt: token %d of family %s reused, latest %d: family revoked",
			reuse.TokenCounter, reuse.FamilyID, reuse.LatestCounter))
	case errors.Is(err, tenant.ErrLoginNotFound):
		return nil, errInvalidRefreshToken.withReason("unknown, revoked or expired refresh token")
	case err != nil:
		return nil, fmt.Errorf("use refresh token: %w", err)
	}
	scopes := used.Scopes
	if scope != "" {
		scopes = strings.FieldsFunc(scope, func(r rune) bool { return r == ' ' })
		for _, s := range scopes {
			if !slices.Contains(used.Scopes, s) {
				return nil, ErrInvalidScope.WithDescription("The scope may only narrow that of the refresh token: " + s)
			}
		}
	}
	r := policy.UserRequest{GrantType: policy.GrantRefreshToken, Client: client.Policy, Audience: used.Audience,
		Scopes: scopes, Organization: used.OrganizationID, SessionID: tenant.SessionID(used.SessionIDHash), AuthTime: used.CreatedAt, Now: g.now()}
	err = userFacts(ctx, g.people, &r, used.UserID)
	var tokens policy.UserTokens
	if err == nil {
		tokens, err = policy.DecideUser(view, r)
	}
	if err != nil {
		if _, refused := errors.AsType[*policy.Refusal](err); refused || errors.Is(err, tenant.ErrLoginNotFound) {
			if rerr := g.people.RevokeRefreshTokens(ctx, used.FamilyID); rerr != nil {
				return nil, fmt.Errorf("revoke refresh tokens after a refusal: %w", rerr)
			}
			return nil, errInvalidRefreshToken.withReason("the login no longer holds: " + err.Error())
		}
		return nil, err
	}
	return userTokens(g.signer, tokens, next)
}
