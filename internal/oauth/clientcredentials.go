package oauth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/logattr"
	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/tenant"
)

// clientCredentials issues tokens by the client-credentials grant (docs/compatibility.md#the-token-endpoint):
// policy.Decide rules on the request against the request's view of the tenant, and the refusal or the
// decided token becomes the answer.
type clientCredentials struct {
	signer Signer
	now    func() time.Time
}

func (g *clientCredentials) handle(_ context.Context, view View, req *tokenRequest, client *tenant.TokenClient) (*tokenResponse, error) {
	r, err := parseClientCredentials(req)
	if err != nil {
		return nil, err
	}
	r.Client, r.Now = client.Policy, g.now()
	tok, err := policy.Decide(view, r)
	if err != nil {
		return nil, refusalError(err)
	}
	jwt, err := g.signer.SignAccessToken(tok)
	if err != nil {
		return nil, fmt.Errorf("sign access token for %q with %s: %w", logattr.Prefix(tok.Audience(), logattr.MaxValue), tok.SigningAlg(), err)
	}
	return &tokenResponse{accessToken: jwt, scope: tok.Scope(), expiresIn: int64(tok.Lifetime() / time.Second)}, nil
}

// parseClientCredentials reads the grant's own parameters.
func parseClientCredentials(req *tokenRequest) (policy.Request, error) {
	var r policy.Request
	var err error
	if r.Audience, err = req.requiredParam("audience"); err != nil {
		return r, err
	}
	if r.Organization, err = req.param("organization"); err != nil {
		return r, err
	}
	scope, err := req.param("scope")
	if err != nil {
		return r, err
	}
	// Scopes are separated by spaces only (RFC 6749 §3.3); a tab is part of a (then unknown) scope.
	r.Scopes = strings.FieldsFunc(scope, func(r rune) bool { return r == ' ' })
	return r, nil
}

// refusalError turns a refusal of policy.Decide into the answer docs/compatibility.md#order-of-checks gives for it.
func refusalError(err error) error {
	r, ok := errors.AsType[*policy.Refusal](err)
	if !ok {
		return fmt.Errorf("decide: %w", err)
	}
	switch r.Reason {
	case policy.ReasonGrantTypeNotAllowed:
		return ErrUnauthorizedClient.WithDescription("Grant type 'client_credentials' not allowed for the client.")
	case policy.ReasonUnknownAudience:
		return ErrAccessDenied.WithDescription("Service not enabled within domain: " + r.Audience)
	case policy.ReasonNoGrant:
		return ErrAccessDenied.WithDescription(`Client is not authorized to access "` + r.Audience +
			`". You need to create a "client-grant" associated to this API.`)
	case policy.ReasonOrganizationNotAllowed:
		return ErrInvalidRequest.WithDescription("parameter organization is not allowed for this client grant")
	case policy.ReasonOrganizationRequired:
		return ErrInvalidRequest.WithDescription("parameter organization is required for this client grant")
	case policy.ReasonOrganizationDenied:
		return ErrAccessDenied.WithDescription(`Client is not authorized to access "` + r.Audience +
			`" on behalf of organization "` + r.Organization + `"`)
	case policy.ReasonScopeNotGranted:
		return ErrInvalidScope.WithDescription("Client has not been granted scopes: " + strings.Join(r.Scopes, ", "))
	}
	return fmt.Errorf("decide: unknown refusal: %w", err)
}
