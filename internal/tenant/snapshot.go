package tenant

import (
	"slices"

	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/store"
)

// Snapshot is the tenant's configuration as the token endpoint needs it, at one moment: the clients and
// their credentials, the APIs, the client grants, the organizations and their associations, and the
// settings. It is immutable, so every lookup of one request reads the same state of the tenant, without
// a lock or a round trip to the store; a write to the tenant makes the next Snapshot (Directory).
//
// Lookups of what does not exist cost nothing and keep nothing: a flood of made-up ids cannot grow it.
type Snapshot struct {
	version  int64 // the store version it reflects
	issuer   string
	secrets  secretHasher
	settings store.TenantSettings
	apis     map[string]policy.API // by identifier; APIs are few, so a change replaces the map
	// managementAPI is the identifier of the system API, the Management API; "" before Bootstrap.
	managementAPI string
	clients       cowMap[*TokenClient] // by client id
	grants        cowMap[grantRef]     // by grant id
	orgs          cowMap[*orgEntry]    // by id
	orgNames      cowMap[string]       // organization id by name
}

var _ policy.Tenant = (*Snapshot)(nil)

// TokenClient is an application as the token endpoint sees it.
type TokenClient struct {
	store.Client
	// Policy is what policy.Decide needs to know of the client.
	Policy policy.Client
	// Credentials are the keys its private_key_jwt configuration references, in creation order.
	Credentials []store.ClientCredential
	grants      map[string]policy.Grant // the client's grants by audience
}

// grantRef says whose a grant is, and for which API.
type grantRef struct{ clientID, audience string }

// orgEntry is an organization and the ids of the client grants associated with it, sorted.
type orgEntry struct {
	org    policy.Organization
	grants []string
}

// Version is the store version the snapshot reflects.
func (s *Snapshot) Version() int64 { return s.version }

// Issuer is the tenant's issuer: the iss claim of its tokens.
func (s *Snapshot) Issuer() string { return s.issuer }

// OrganizationNamesAllowed is the tenant flag allow_organization_name_in_authentication_api.
func (s *Snapshot) OrganizationNamesAllowed() bool {
	return s.settings.AllowOrganizationNameInAuthenticationAPI
}

// AllowedLogoutURLs are the tenant's allowed logout URLs (GET /v2/logout without client_id).
func (s *Snapshot) AllowedLogoutURLs() []string { return s.settings.AllowedLogoutURLs }

// API finds an API by its identifier, the audience of its tokens.
func (s *Snapshot) API(audience string) (policy.API, bool) {
	a, ok := s.apis[audience]
	return a, ok
}

// ClientGrant finds the grant of a client for an API.
func (s *Snapshot) ClientGrant(clientID, audience string) (policy.Grant, bool) {
	c, ok := s.clients.get(clientID)
	if !ok {
		return policy.Grant{}, false
	}
	g, ok := c.grants[audience]
	return g, ok
}

// OrganizationByID finds an organization by id.
func (s *Snapshot) OrganizationByID(id string) (policy.Organization, bool) {
	o, ok := s.orgs.get(id)
	if !ok {
		return policy.Organization{}, false
	}
	return o.org, true
}

// OrganizationByName finds an organization by its lowercase name.
func (s *Snapshot) OrganizationByName(name string) (policy.Organization, bool) {
	id, ok := s.orgNames.get(name)
	if !ok {
		return policy.Organization{}, false
	}
	return s.OrganizationByID(id)
}

// Associated reports whether an organization client grant links the grant with the organization.
func (s *Snapshot) Associated(orgID, grantID string) bool {
	o, ok := s.orgs.get(orgID)
	if !ok {
		return false
	}
	_, found := slices.BinarySearch(o.grants, grantID)
	return found
}

// Client finds an application by client id, without authenticating it.
func (s *Snapshot) Client(clientID string) (*TokenClient, bool) {
	return s.clients.get(clientID)
}

// AuthenticateClient returns the application when secret is its current secret, compared in constant
// time; false when the client is unknown or the secret is wrong.
func (s *Snapshot) AuthenticateClient(clientID, secret string) (*TokenClient, bool) {
	c, ok := s.clients.get(clientID)
	if !ok || !s.secrets.verify(c.SecretHash, secret) {
		return nil, false
	}
	return c, true
}

// newTokenClient builds the token endpoint's view of a client: creds are all of its credentials, grants
// all of its client grants.
func newTokenClient(c store.Client, creds []store.ClientCredential, grants []store.ClientGrant) *TokenClient {
	tc := &TokenClient{Client: c, Policy: policy.Client{ID: c.ClientID, GrantTypes: c.GrantTypes, Public: c.IsPublic(),
		OrganizationUsage: policy.Usage(c.OrganizationUsage), IDTokenLifetime: c.IDTokenLifetime}}
	if d := c.DefaultOrganization; d != nil {
		tc.Policy.DefaultOrganization, tc.Policy.DefaultOrganizationFlows = d.OrganizationID, d.Flows
	}
	for _, cred := range creds {
		if slices.Contains(c.PrivateKeyJWTCredentials, cred.ID) {
			tc.Credentials = append(tc.Credentials, cred)
		}
	}
	tc.grants = make(map[string]policy.Grant, len(grants))
	for _, g := range grants {
		tc.grants[g.Audience] = policyGrant(g)
	}
	return tc
}

func policyGrant(g store.ClientGrant) policy.Grant {
	return policy.Grant{ID: g.ID, Usage: policy.Usage(g.OrganizationUsage), AllowAnyOrganization: g.AllowAnyOrganization, Scopes: g.Scope}
}

func policyAPI(rs store.ResourceServer) policy.API {
	a := policy.API{Identifier: rs.Identifier, SigningAlg: rs.SigningAlg, TokenLifetime: rs.TokenLifetime,
		AllowOfflineAccess: rs.AllowOfflineAccess, EnforcePolicies: rs.EnforcePolicies, TokenDialect: rs.TokenDialect,
		System: rs.IsSystem}
	for _, sc := range rs.Scopes {
		a.Scopes = append(a.Scopes, sc.Value)
	}
	return a
}
