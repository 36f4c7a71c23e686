// Package policy decides every token orgauth issues: whether it may be issued, and everything it says.
// Decide (an application's client-credentials token) and DecideUser (a person's tokens, at a code's
// redemption or a refresh) are pure functions of the request and of a consistent view of the tenant
// (Tenant); they return the tokens to sign, which only this package can build, or the exact refusal.
// The signer (internal/keys) signs nothing else, so no other path can mint a token.
package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Usage is a client grant's organization_usage.
type Usage string

// The organization_usage values. UsageUnset behaves as UsageDeny.
const (
	UsageUnset   Usage = ""
	UsageDeny    Usage = "deny"
	UsageAllow   Usage = "allow"
	UsageRequire Usage = "require"
)

// Usages lists every Usage; the tests enumerate each one.
var Usages = []Usage{UsageUnset, UsageDeny, UsageAllow, UsageRequire}

// AdmitsOrganizations reports whether a grant with this usage may issue tokens for an organization:
// allow and require do; deny, unset and any value this package does not know do not.
func (u Usage) AdmitsOrganizations() bool { return u == UsageAllow || u == UsageRequire }

// GrantClientCredentials is the grant type (and default-organization flow) of machine-to-machine tokens.
const GrantClientCredentials = "client_credentials"

// Client is the authenticated application asking for a token.
type Client struct {
	ID         string
	GrantTypes []string
	// Public: the client cannot keep a credential (token_endpoint_auth_method none, or a spa or native
	// application), so it may not use client_credentials whatever its grant types say.
	Public bool
	// DefaultOrganization is the id of the organization used when a request names none, for the flows
	// listed in DefaultOrganizationFlows; "" when the client has none.
	DefaultOrganization      string
	DefaultOrganizationFlows []string
	// OrganizationUsage is the client's organization_usage for people's logins (deny, allow, require);
	// machine-to-machine tokens follow their client grant's instead.
	OrganizationUsage Usage
	// IDTokenLifetime is jwt_configuration.lifetime_in_seconds; 0 means DefaultIDTokenLifetime.
	IDTokenLifetime int
}

// API is a resource server: its identifier is the token's audience.
type API struct {
	Identifier    string
	SigningAlg    string // RS256, PS256 or ES256
	TokenLifetime int    // seconds
	// Scopes are the scopes the API defines.
	Scopes []string
	// AllowOfflineAccess: people's tokens for it may come with a refresh token.
	AllowOfflineAccess bool
	// EnforcePolicies: a person gets the requested scopes they hold a permission for, rather than every
	// requested scope the API defines.
	EnforcePolicies bool
	// TokenDialect is access_token, or access_token_authz (the permissions claim).
	TokenDialect string
	// System: the Management API, whose tokens only applications get (client credentials).
	System bool
}

// Grant is a client grant: the client may call the API with these scopes.
type Grant struct {
	ID                   string
	Usage                Usage
	AllowAnyOrganization bool
	Scopes               []string
}

// Organization is one of the provider's business customers.
type Organization struct {
	ID   string
	Name string // lowercase
}

// Tenant is a consistent view of the tenant's configuration at one moment. Its lookups are pure.
type Tenant interface {
	Issuer() string
	// OrganizationNamesAllowed is the tenant flag allow_organization_name_in_authentication_api.
	OrganizationNamesAllowed() bool
	API(audience string) (API, bool)
	ClientGrant(clientID, audience string) (Grant, bool)
	OrganizationByID(id string) (Organization, bool)
	OrganizationByName(lowercaseName string) (Organization, bool)
	// Associated reports whether an organization client grant links the grant with the organization.
	Associated(orgID, grantID string) bool
}

// Request is a client-credentials token request of an authenticated client.
type Request struct {
	Client       Client
	Audience     string
	Organization string   // the organization parameter as sent: an id (org_…) or a name; "" when absent
	Scopes       []string // requested; nil or empty asks for every granted scope
	Now          time.Time
}

// Reason says why a request is refused.
type Reason int

// The refusals, in the order Decide checks them (docs/compatibility.md#order-of-checks, checks 9–15).
const (
	ReasonGrantTypeNotAllowed    Reason = iota + 1 // the client lacks the client_credentials grant type, or is public
	ReasonUnknownAudience                          // no API has the audience
	ReasonNoGrant                                  // the client has no grant for the API
	ReasonOrganizationNotAllowed                   // organization sent, the grant's usage does not admit one
	ReasonOrganizationRequired                     // the grant requires an organization, none applies
	ReasonOrganizationDenied                       // no such organization, or the grant may not act for it
	ReasonScopeNotGranted                          // scopes requested, none of them granted
)

// Refusal is the error Decide returns.
type Refusal struct {
	Reason       Reason
	Audience     string
	Organization string   // for ReasonOrganizationDenied: the organization as sent, or the default's id
	Scopes       []string // for ReasonScopeNotGranted: the scopes requested
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("refused (reason %d) for audience %q, organization %q", r.Reason, r.Audience, r.Organization)
}

// IsOrganizationID reports whether an organization value is an id; any other value is a name.
func IsOrganizationID(value string) bool { return strings.HasPrefix(value, "org_") }

// AccessToken is a token Decide decided to issue: everything the signer puts in it. Its fields are
// unexported, so only Decide makes one; the zero value is refused by the signer.
type AccessToken struct {
	issuer, subject, clientID, alg string
	audiences                      []string // the API first; with openid, the userinfo audience second
	scopes                         []string
	scope                          string // scopes joined by spaces
	grantType                      string // gty: client-credentials for machines, "" for people
	permissions                    []string
	hasPermissions                 bool // the permissions claim is sent, [] when empty
	organizationID                 string
	organizationName               string // set only when the tenant allows names
	issuedAt, expiresAt            time.Time
}

// Issuer is the iss claim.
func (t AccessToken) Issuer() string { return t.issuer }

// Subject is the sub claim: a person's user id, or a client id followed by "@clients" as Auth0 writes it.
func (t AccessToken) Subject() string { return t.subject }

// ClientID is the azp claim.
func (t AccessToken) ClientID() string { return t.clientID }

// Audience is the API's identifier, the first of Audiences.
func (t AccessToken) Audience() string { return t.audiences[0] }

// Audiences is the aud claim: one value, or the API and the userinfo endpoint's audience when a person's
// token was asked with openid.
func (t AccessToken) Audiences() []string { return t.audiences }

// Permissions is the permissions claim, sent when HasPermissions (the API's access_token_authz dialect).
func (t AccessToken) Permissions() []string { return t.permissions }

// HasPermissions reports whether the token carries the permissions claim.
func (t AccessToken) HasPermissions() bool { return t.hasPermissions }

// SigningAlg is the algorithm the API's tokens are signed with.
func (t AccessToken) SigningAlg() string { return t.alg }

// Scopes are the granted scopes, in the grant's order; the slice must not be changed.
func (t AccessToken) Scopes() []string { return t.scopes }

// Scope is the scope claim: the scopes separated by spaces.
func (t AccessToken) Scope() string { return t.scope }

// OrganizationID is the org_id claim; "" for a token without organization.
func (t AccessToken) OrganizationID() string { return t.organizationID }

// OrganizationName is the org_name claim; "" unless the tenant allows names and an organization applies.
func (t AccessToken) OrganizationName() string { return t.organizationName }

// IssuedAt is the iat claim.
func (t AccessToken) IssuedAt() time.Time { return t.issuedAt }

// ExpiresAt is the exp claim.
func (t AccessToken) ExpiresAt() time.Time { return t.expiresAt }

// Lifetime is the expires_in of the answer.
func (t AccessToken) Lifetime() time.Duration { return t.expiresAt.Sub(t.issuedAt) }

// GrantType is the gty claim; "" when absent (people's tokens).
func (t AccessToken) GrantType() string { return t.grantType }

// Valid reports whether a decision of this package made t: the signer refuses anything else.
func (t AccessToken) Valid() bool {
	return len(t.audiences) > 0 && t.subject != "" && t.clientID != "" && t.alg != "" && t.issuer != ""
}

// Decide applies the rules of docs/compatibility.md#order-of-checks from the grant type on, in order,
// and returns the token to issue or a *Refusal.
func Decide(t Tenant, r Request) (AccessToken, error) {
	refuse := func(reason Reason, org string) (AccessToken, error) {
		return AccessToken{}, &Refusal{Reason: reason, Audience: r.Audience, Organization: org}
	}
	if !slices.Contains(r.Client.GrantTypes, GrantClientCredentials) || r.Client.Public {
		return refuse(ReasonGrantTypeNotAllowed, "")
	}
	api, ok := t.API(r.Audience)
	if !ok {
		return refuse(ReasonUnknownAudience, "")
	}
	g, ok := t.ClientGrant(r.Client.ID, api.Identifier)
	if !ok {
		return refuse(ReasonNoGrant, "")
	}

	// The organization the token is for: the parameter when sent; otherwise the client's default
	// organization for this flow, but only when the grant requires an organization.
	org := r.Organization
	if !g.Usage.AdmitsOrganizations() {
		if org != "" {
			return refuse(ReasonOrganizationNotAllowed, "")
		}
	} else if org == "" && g.Usage == UsageRequire && slices.Contains(r.Client.DefaultOrganizationFlows, GrantClientCredentials) {
		org = r.Client.DefaultOrganization
	}
	if org == "" && g.Usage == UsageRequire {
		return refuse(ReasonOrganizationRequired, "")
	}

	namesAllowed := t.OrganizationNamesAllowed()
	tok := AccessToken{
		issuer:    t.Issuer(),
		subject:   r.Client.ID + "@clients",
		clientID:  r.Client.ID,
		audiences: []string{api.Identifier},
		alg:       api.SigningAlg,
		grantType: "client-credentials",
		issuedAt:  r.Now,
		expiresAt: r.Now.Add(time.Duration(api.TokenLifetime) * time.Second),
	}
	if org != "" {
		// Not found and not linked look the same, so a client cannot probe which organizations exist.
		o, found := lookupOrganization(t, org, namesAllowed)
		if !found || !(g.AllowAnyOrganization || t.Associated(o.ID, g.ID)) {
			return refuse(ReasonOrganizationDenied, org)
		}
		tok.organizationID = o.ID
		if namesAllowed {
			tok.organizationName = o.Name
		}
	}

	scopes, ok := narrow(g.Scopes, r.Scopes)
	if !ok {
		return AccessToken{}, &Refusal{Reason: ReasonScopeNotGranted, Audience: r.Audience, Scopes: r.Scopes}
	}
	tok.scopes, tok.scope = scopes, strings.Join(scopes, " ")
	return tok, nil
}

// lookupOrganization finds an organization by id (a value starting with org_), or by name compared in
// lowercase when the tenant allows names.
func lookupOrganization(t Tenant, value string, namesAllowed bool) (Organization, bool) {
	switch {
	case IsOrganizationID(value):
		return t.OrganizationByID(value)
	case namesAllowed:
		return t.OrganizationByName(strings.ToLower(value))
	}
	return Organization{}, false
}

// narrow returns the granted scopes that were requested, in the grant's order; all of them when none
// were requested. ok is false when scopes were requested and none is granted.
func narrow(granted, requested []string) (scopes []string, ok bool) {
	if len(requested) == 0 {
		return granted, true
	}
	for _, s := range granted {
		if slices.Contains(requested, s) {
			scopes = append(scopes, s)
		}
	}
	return scopes, len(scopes) > 0
}
