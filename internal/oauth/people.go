package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/tenant"
)

// People is what the grants of people's logins (authorization_code, refresh_token) need of the tenant
// (tenant.Service).
type People interface {
	RedeemCode(ctx context.Context, code string) (tenant.AuthorizationCode, string, error)
	User(ctx context.Context, id string) (tenant.User, error)
	IsMember(ctx context.Context, orgID, userID string) (bool, error)
	UserPermissions(ctx context.Context, userID, orgID, audience string) ([]string, error)
	StartRefreshTokens(ctx context.Context, c tenant.Client, code tenant.AuthorizationCode, familyID string, scopes []string) (string, error)
	UseRefreshToken(ctx context.Context, c tenant.Client, token string) (tenant.RefreshToken, string, error)
	RevokeRefreshTokens(ctx context.Context, familyID string) error
}

// userFacts are the facts of a login that policy.DecideUser decides on, read from the store at the
// moment of the exchange: the user, whether they are still a member, their permissions.
func userFacts(ctx context.Context, people People, r *policy.UserRequest, userID string) error {
	u, err := people.User(ctx, userID)
	if err != nil {
		return err
	}
	r.User = policy.User{ID: u.ID, Blocked: u.Blocked != nil && *u.Blocked, Profile: policy.Profile{
		Name: u.Name, GivenName: u.GivenName, FamilyName: u.FamilyName, Nickname: u.Nickname, Picture: u.Picture,
		UpdatedAt: u.UpdatedAt, Email: u.Email, EmailVerified: u.EmailVerified}}
	if r.Organization != "" {
		if r.Member, err = people.IsMember(ctx, r.Organization, u.ID); err != nil {
			return fmt.Errorf("membership: %w", err)
		}
	}
	if r.Audience != "" {
		if r.Permissions, err = people.UserPermissions(ctx, u.ID, r.Organization, r.Audience); err != nil {
			return fmt.Errorf("permissions: %w", err)
		}
	}
	return nil
}

// userTokens signs what DecideUser decided and makes the answer; refresh is the refresh token, if any.
func userTokens(signer Signer, u policy.UserTokens, refresh string) (*tokenResponse, error) {
	access, err := signer.SignAccessToken(u.Access)
	if err != nil {
		return nil, fmt.Errorf("sign access token: %w", err)
	}
	resp := &tokenResponse{accessToken: access, scope: u.Access.Scope(), expiresIn: int64(u.Access.Lifetime() / time.Second),
		refreshToken: refresh}
	if u.ID.Valid() {
		if resp.idToken, err = signer.SignIDToken(u.ID); err != nil {
			return nil, fmt.Errorf("sign ID token: %w", err)
		}
	}
	return resp, nil
}

// errInvalidCode is the one answer to a code that is unknown, expired, used, another client's, or
// sent with another redirect_uri.
var errInvalidCode = ErrInvalidGrant.WithDescription("Invalid authorization code")

// errInvalidRefreshToken is the one answer to a refresh token that is unknown, revoked, expired, used,
// or whose login no longer holds (SPEC-users §11: 403).
var errInvalidRefreshToken = &Error{Code: ErrInvalidGrant.Code, Description: "Unknown or invalid refresh token.", Status: http.StatusForbidden}

// userRefusal words a refusal of policy.DecideUser at a code's redemption.
func userRefusal(err error) error {
	r, ok := errors.AsType[*policy.Refusal](err)
	if !ok {
		return fmt.Errorf("decide: %w", err)
	}
	switch r.Reason {
	case policy.ReasonGrantTypeNotAllowed:
		return ErrUnauthorizedClient.WithDescription("Grant type 'authorization_code' not allowed for the client.")
	case policy.ReasonUserBlocked:
		return ErrInvalidGrant.WithDescription("user is blocked")
	case policy.ReasonUnknownAudience:
		return ErrInvalidGrant.WithDescription("Service not found: " + r.Audience)
	case policy.ReasonNotMember:
		return ErrInvalidGrant.WithDescription("user is not a member of the organization")
	}
	return ErrInvalidGrant.WithDescription("the organization of the login is no longer available")
}
