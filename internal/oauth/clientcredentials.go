package oauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/logattr"
	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/store"
)

const grantClientCredentials = "client_credentials"

// clientCredentials issues tokens by the client-credentials grant (docs/compatibility.md#the-token-endpoint). It loads the facts,
// policy.Decide rules on them, and the refusal or the decision becomes the answer.
type clientCredentials struct {
	issuer string
	dir    Directory
	signer Signer
	now    func() time.Time
}

// clientCredentialsParams are the grant's own parameters.
type clientCredentialsParams struct {
	audience     string
	organization string   // "" when not sent
	scopes       []string // nil when not sent
}

func (g *clientCredentials) handle(ctx context.Context, req *tokenRequest, client store.Client) (*tokenResponse, error) {
	p, err := parseClientCredentials(req)
	if err != nil {
		return nil, err
	}
	facts, api, err := g.facts(ctx, client, p)
	if err != nil {
		return nil, err
	}
	d, err := policy.Decide(facts)
	if err != nil {
		return nil, refusalError(err, p.scopes)
	}
	scope := strings.Join(d.Scopes, " ")
	iat := g.now().Unix()
	claims := appendClaims(make([]byte, 0, 512), accessClaims{
		issuer:   g.issuer,
		clientID: client.ClientID,
		audience: api.Identifier,
		iat:      iat,
		exp:      iat + int64(api.TokenLifetime),
		scope:    scope,
		orgID:    d.OrganizationID,
		orgName:  d.OrganizationName,
	})
	token, err := g.signer.Sign(api.SigningAlg, claims)
	if err != nil {
		return nil, fmt.Errorf("sign access token for %q with %s: %w", api.Identifier, api.SigningAlg, err)
	}
	return &tokenResponse{accessToken: token, scope: scope, expiresIn: int64(api.TokenLifetime)}, nil
}

func parseClientCredentials(req *tokenRequest) (clientCredentialsParams, error) {
	var p clientCredentialsParams
	var err error
	if p.audience, err = req.requiredParam("audience"); err != nil {
		return p, err
	}
	if p.organization, err = req.param("organization"); err != nil {
		return p, err
	}
	scope, err := req.param("scope")
	if err != nil {
		return p, err
	}
	// Scopes are separated by spaces only (RFC 6749 §3.3); a tab is part of a (then unknown) scope.
	p.scopes = strings.FieldsFunc(scope, func(r rune) bool { return r == ' ' })
	return p, nil
}

// facts loads what policy.Decide needs. It returns the API too, whose settings shape the token.
func (g *clientCredentials) facts(ctx context.Context, client store.Client, p clientCredentialsParams) (policy.Request, store.ResourceServer, error) {
	settings, err := g.dir.Settings(ctx)
	if err != nil {
		return policy.Request{}, store.ResourceServer{}, fmt.Errorf("load tenant settings: %w", err)
	}
	r := policy.Request{
		Audience: p.audience,
		// A public client may have listed the grant before the rule that forbids it (docs/compatibility.md#applications-clients).
		ClientCredentialsAllowed: slices.Contains(client.GrantTypes, grantClientCredentials) && !client.IsPublic(),
		NamesAllowed:             settings.AllowOrganizationNameInAuthenticationAPI,
		Scopes:                   p.scopes,
	}
	api, err := g.dir.ResourceServerByIdentifier(ctx, p.audience)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return r, api, nil // no API, hence no grant
	case err != nil:
		return r, api, fmt.Errorf("load API %q: %w", logattr.Prefix(p.audience, logattr.MaxValue), err)
	}
	r.APIExists = true

	grant, err := g.dir.ClientGrantFor(ctx, client.ClientID, p.audience)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return r, api, nil // no grant, hence no association
	case err != nil:
		return r, api, fmt.Errorf("load client grant of %s for %q: %w", client.ClientID, logattr.Prefix(p.audience, logattr.MaxValue), err)
	}
	r.Grant = &policy.Grant{
		Usage:                policy.Usage(grant.OrganizationUsage),
		AllowAnyOrganization: grant.AllowAnyOrganization,
		Scopes:               grant.Scope,
	}

	if p.organization != "" {
		if r.Organization, err = g.organization(ctx, p.organization, grant.ID, r.NamesAllowed); err != nil {
			return r, api, err
		}
	}
	// The default only ever stands in for a missing parameter; whether it applies then (only when the
	// grant requires an organization) is Decide's rule.
	if def := client.DefaultOrganization; def != nil && p.organization == "" && slices.Contains(def.Flows, grantClientCredentials) {
		if r.DefaultOrganization, err = g.organization(ctx, def.OrganizationID, grant.ID, r.NamesAllowed); err != nil {
			return r, api, err
		}
	}
	return r, api, nil
}

// organization looks up an organization value: an id when it starts with org_, else a name compared in
// lowercase, looked up only when the tenant allows names.
func (g *clientCredentials) organization(ctx context.Context, value, grantID string, namesAllowed bool) (*policy.Organization, error) {
	o := &policy.Organization{Value: value}
	var org store.Organization
	var err error
	switch {
	case policy.IsOrganizationID(value):
		org, err = g.dir.OrganizationByID(ctx, value)
	case namesAllowed:
		org, err = g.dir.OrganizationByName(ctx, strings.ToLower(value))
	default:
		return o, nil
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return o, nil
	case err != nil:
		return nil, fmt.Errorf("load organization %q: %w", logattr.Prefix(value, logattr.MaxValue), err)
	}
	o.Found, o.ID, o.Name = true, org.ID, org.Name
	if o.Associated, err = g.dir.Associated(ctx, org.ID, grantID); err != nil {
		return nil, fmt.Errorf("load association of %s with %s: %w", org.ID, grantID, err)
	}
	return o, nil
}

// refusalError turns a refusal of policy.Decide into the answer docs/compatibility.md#order-of-checks gives for it.
func refusalError(err error, requested []string) error {
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
		return ErrInvalidScope.WithDescription("Client has not been granted scopes: " + strings.Join(requested, ", "))
	}
	return fmt.Errorf("decide: unknown refusal: %w", err)
}

// accessClaims are the claims of a client-credentials access token.
type accessClaims struct {
	issuer, clientID, audience, scope string
	iat, exp                          int64
	orgID, orgName                    string // "" when absent
}

// appendClaims appends the claims as a JSON object, with a fresh jti.
func appendClaims(dst []byte, c accessClaims) []byte {
	dst = append(dst, '{')
	dst = appendStringField(dst, "iss", c.issuer)
	dst = appendStringField(dst, "sub", c.clientID)
	dst = append(dst[:len(dst)-1], `@clients"`...) // sub is client_id@clients; the suffix needs no escaping
	dst = appendStringField(dst, "aud", c.audience)
	dst = appendIntField(dst, "iat", c.iat)
	dst = appendIntField(dst, "exp", c.exp)
	dst = appendStringField(dst, "scope", c.scope)
	dst = appendStringField(dst, "gty", "client-credentials")
	dst = appendStringField(dst, "azp", c.clientID)
	var jti [16]byte
	rand.Read(jti[:]) // never fails (crypto/rand, Go 1.24+)
	dst = appendFieldName(dst, "jti")
	dst = append(dst, '"')
	dst = base64.RawURLEncoding.AppendEncode(dst, jti[:])
	dst = append(dst, '"')
	if c.orgID != "" {
		dst = appendStringField(dst, "org_id", c.orgID)
	}
	if c.orgName != "" {
		dst = appendStringField(dst, "org_name", c.orgName)
	}
	return append(dst, '}')
}
