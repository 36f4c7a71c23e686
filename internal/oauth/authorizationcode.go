package oauth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/tenant"
)

// authorizationCode redeems the code /authorize issued (RFC 6749 §4.1.3, PKCE RFC 7636): once, by the
// client it was issued to, with the same redirect_uri and, when a challenge was sent, the verifier.
// policy.DecideUser rules on the login as it stands now (the user not blocked, still a member of the
// organization), and the tokens it decided go out, with a refresh token when it says so.
type authorizationCode struct {
	people People
	signer Signer
	now    func() time.Time
}

func (g *authorizationCode) handle(ctx context.Context, view View, req *tokenRequest, client *tenant.TokenClient) (*tokenResponse, error) {
	code, err := req.requiredParam("code")
	if err != nil {
		return nil, err
	}
	redirectURI, err := req.requiredParam("redirect_uri")
	if err != nil {
		return nil, err
	}
	verifier, err := req.param("code_verifier")
	if err != nil {
		return nil, err
	}
	c, familyID, err := g.people.RedeemCode(ctx, code)
	switch {
	case errors.Is(err, tenant.ErrReused):
		return nil, errInvalidCode.withReason("the code was redeemed before: what it issued is revoked")
	case errors.Is(err, tenant.ErrLoginNotFound):
		return nil, errInvalidCode.withReason("unknown or expired code")
	case err != nil:
		return nil, fmt.Errorf("redeem code: %w", err)
	}
	switch {
	case c.ClientID != client.ClientID:
		return nil, errInvalidCode.withReason("the code was issued to another client")
	case c.RedirectURI != redirectURI:
		return nil, errInvalidCode.withReason("redirect_uri differs from the one sent to /authorize")
	case c.CodeChallenge != "" && !verifyPKCE(verifier, c.CodeChallenge):
		return nil, ErrInvalidGrant.WithDescription("Failed to verify code verifier")
	}
	r := policy.UserRequest{GrantType: policy.GrantAuthorizationCode, Client: client.Policy, Audience: c.Audience,
		Scopes: c.Scopes, Organization: c.OrganizationID, SessionID: tenant.SessionID(c.SessionIDHash), AuthTime: c.AuthTime,
		Nonce: c.Nonce, Now: g.now()}
	if err := userFacts(ctx, g.people, &r, c.UserID); err != nil {
		if errors.Is(err, tenant.ErrLoginNotFound) {
			return nil, errInvalidCode.withReason("the user no longer exists")
		}
		return nil, err
	}
	tokens, err := policy.DecideUser(view, r)
	if err != nil {
		return nil, userRefusal(err)
	}
	refresh := ""
	if tokens.Refresh {
		if refresh, err = g.people.StartRefreshTokens(ctx, client.Client, c, familyID, tokens.Access.Scopes()); err != nil {
			return nil, err
		}
	}
	return userTokens(g.signer, tokens, refresh)
}
