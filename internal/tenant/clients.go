package tenant

import (
	"context"
	"fmt"
	"slices"

	"github.com/orgauth/orgauth/internal/store"
)

// Application rules.
var (
	AppTypes                = []string{"non_interactive", "regular_web", "spa", "native"}
	TokenEndpointAuthMethod = []string{"client_secret_post", "client_secret_basic", "none"}
	// GrantTypes are the grant types an application may list (Auth0's names); orgauth's token endpoint
	// serves client_credentials, the others are for later flows.
	GrantTypes = []string{
		"client_credentials", "authorization_code", "implicit", "refresh_token", "password",
		"http://auth0.com/oauth/grant-type/password-realm", "urn:ietf:params:oauth:grant-type:device_code",
		"urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:openid:params:grant-type:ciba",
	}
	ClientOrganizationUsages    = []string{"deny", "allow", "require"}
	OrganizationRequireBehavior = []string{"no_prompt", "pre_login_prompt", "post_login_prompt"}
	// DefaultOrganizationFlows are the flows a default organization may apply to.
	DefaultOrganizationFlows = []string{"client_credentials"}
)

const maxGrantTypes = 20

// errPublicClientCredentials: a public client cannot keep a credential, so it may not get tokens that
// stand for itself (RFC 6749 §4.4 requires a confidential client).
var errPublicClientCredentials = invalid("grant_types",
	"A public client (token_endpoint_auth_method none, or app_type spa or native) cannot use the client_credentials grant")

var errClientNotFound = notFound("The client does not exist", "inexistent_client")

// CreateClient returns the new application and its secret, shown this once.
func (s *Service) CreateClient(ctx context.Context, in ClientInput) (store.Client, string, error) {
	c := withClientDefaults(store.Client{
		ClientID:                newClientID(),
		Name:                    in.Name,
		TokenEndpointAuthMethod: defaultAuthMethod(in.AppType),
		CreatedAt:               s.now(),
	})
	c.UpdatedAt = c.CreatedAt
	applyClientFields(&c, ClientPatch{
		Description: in.Description, AppType: in.AppType, GrantTypes: in.GrantTypes,
		TokenEndpointAuthMethod: in.TokenEndpointAuthMethod, DefaultOrganization: in.DefaultOrganization,
		OrganizationUsage: in.OrganizationUsage, OrganizationRequireBehavior: in.OrganizationRequireBehavior,
		ClientLoginFields: in.ClientLoginFields,
	})
	var creds []store.ClientCredential
	if in.PrivateKeyJWTCredentials != nil {
		var err error
		if creds, err = s.newCredentials(*in.PrivateKeyJWTCredentials); err != nil {
			return c, "", err
		}
		for _, cred := range creds {
			c.PrivateKeyJWTCredentials = append(c.PrivateKeyJWTCredentials, cred.ID)
		}
		if in.TokenEndpointAuthMethod == nil {
			c.TokenEndpointAuthMethod = ""
		}
	}
	if in.GrantTypes == nil {
		c.GrantTypes = defaultGrantTypes(c)
	}
	if err := validateClient(c); err != nil {
		return c, "", err
	}
	if err := s.checkDefaultOrganization(ctx, in.DefaultOrganization); err != nil { // after the body, as Auth0
		return c, "", err
	}
	var secret string
	var err error
	switch {
	case creds == nil && c.TokenEndpointAuthMethod == "none":
		err = s.store.CreateClient(ctx, c) // a public client has no secret
	case creds == nil:
		secret = newClientSecret()
		c.SecretHash = s.secrets.hash(secret)
		err = s.store.CreateClient(ctx, c)
	default:
		err = s.store.CreateClientWithCredentials(ctx, c, creds) // a key-only client has no secret
	}
	if err != nil {
		return c, "", storeError(err, errDefaultOrganizationMissing, nil, "create client")
	}
	return c, secret, nil
}

// defaultGrantTypes follows Auth0: a machine-to-machine application gets client_credentials only, and a
// public client never gets it.
func defaultGrantTypes(c store.Client) []string {
	interactive := []string{"authorization_code", "implicit", "refresh_token"}
	switch {
	case c.AppType == "non_interactive" && c.IsPublic():
		return []string{}
	case c.AppType == "non_interactive":
		return []string{"client_credentials"}
	case c.IsPublic():
		return interactive
	}
	return append(interactive, "client_credentials")
}

func (s *Service) Client(ctx context.Context, clientID string) (store.Client, error) {
	c, err := s.store.GetClient(ctx, clientID)
	fillClientDefaults(&c)
	return c, storeError(err, errClientNotFound, nil, "get client")
}

func (s *Service) Clients(ctx context.Context, p store.Page) (store.List[store.Client], error) {
	l, err := s.store.ListClients(ctx, p)
	for i := range l.Items {
		fillClientDefaults(&l.Items[i])
	}
	return l, storeError(err, nil, nil, "list clients")
}

func (s *Service) UpdateClient(ctx context.Context, clientID string, in ClientPatch) (store.Client, error) {
	if err := validateClientPatch(in); err != nil { // the body first, as Auth0: 400 before 404
		return store.Client{}, err
	}
	if err := s.checkDefaultOrganization(ctx, in.DefaultOrganization); err != nil {
		return store.Client{}, err
	}
	if err := s.keepAdministratorOnUpdate(ctx, clientID, in); err != nil {
		return store.Client{}, err
	}
	if in.PrivateKeyJWTCredentialIDs != nil {
		if err := s.checkCredentialReferences(ctx, clientID, *in.PrivateKeyJWTCredentialIDs); err != nil {
			return store.Client{}, err
		}
	}
	c, err := s.store.UpdateClient(ctx, clientID, func(c *store.Client) error {
		fillClientDefaults(c)
		applyClientFields(c, in)
		c.UpdatedAt = s.now()
		return validateClient(*c)
	})
	if err != nil {
		return c, storeError(err, errClientNotFound, nil, "update client")
	}
	return c, nil
}

// DeleteClient deletes an application with its client grants and their organization associations.
func (s *Service) DeleteClient(ctx context.Context, clientID string) error {
	if err := s.keepAdministratorOnDelete(ctx, clientID); err != nil {
		return err
	}
	err := s.store.DeleteClient(ctx, clientID)
	if err != nil {
		return storeError(err, errClientNotFound, nil, "delete client")
	}
	return nil
}

// RotateClientSecret replaces the secret; the old one stops working at once.
func (s *Service) RotateClientSecret(ctx context.Context, clientID string) (store.Client, string, error) {
	secret := newClientSecret()
	c, err := s.store.UpdateClient(ctx, clientID, func(c *store.Client) error {
		if len(c.PrivateKeyJWTCredentials) > 0 {
			return errPrivateKeyJWTSecret
		}
		if err := rotateSecretAllowed(*c); err != nil {
			return err
		}
		fillClientDefaults(c)
		c.SecretHash = s.secrets.hash(secret)
		if c.TokenEndpointAuthMethod == "" {
			// Its last private_key_jwt credential was deleted: a new secret is its way back.
			c.TokenEndpointAuthMethod = "client_secret_post"
		}
		c.UpdatedAt = s.now()
		return nil
	})
	if err != nil {
		return c, "", storeError(err, errClientNotFound, nil, "rotate client secret")
	}
	return c, secret, nil
}

var errDefaultOrganizationMissing = invalidMessage("default_organization.organization_id",
	"The default organization does not exist.")

// checkDefaultOrganization checks a new default organization before the write (to answer 400, not 404);
// the store's foreign key closes the race with a concurrent delete.
func (s *Service) checkDefaultOrganization(ctx context.Context, d *store.DefaultOrganization) error {
	if d == nil {
		return nil
	}
	if err := validateDefaultOrganization(*d); err != nil {
		return err
	}
	_, err := s.store.GetOrganization(ctx, d.OrganizationID)
	return storeError(err, errDefaultOrganizationMissing, nil, fmt.Sprintf("check default organization %s", d.OrganizationID))
}

func applyClientFields(c *store.Client, in ClientPatch) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&c.Name, in.Name)
	set(&c.Description, in.Description)
	set(&c.AppType, in.AppType)
	set(&c.TokenEndpointAuthMethod, in.TokenEndpointAuthMethod)
	set(&c.OrganizationUsage, in.OrganizationUsage)
	set(&c.OrganizationRequireBehavior, in.OrganizationRequireBehavior)
	if in.GrantTypes != nil {
		c.GrantTypes = *in.GrantTypes
	}
	if in.DefaultOrganization != nil {
		d := *in.DefaultOrganization
		c.DefaultOrganization = &d
	}
	if in.ClearDefaultOrganization {
		c.DefaultOrganization = nil
	}
	if in.ClearAuthenticationMethods {
		c.PrivateKeyJWTCredentials = nil
	}
	if in.PrivateKeyJWTCredentialIDs != nil {
		c.PrivateKeyJWTCredentials = *in.PrivateKeyJWTCredentialIDs
		c.SecretHash = nil // the secret is refused from now on, and reverting needs a new one
	}
	if c.TokenEndpointAuthMethod == "none" {
		c.SecretHash = nil // a public client has no secret; becoming confidential again needs a new one
	}
	applyClientLoginFields(c, in.ClientLoginFields)
}

func validateClient(c store.Client) error {
	if err := checkText("name", c.Name, 1, 200, true); err != nil {
		return err
	}
	if err := checkText("description", c.Description, 0, 140, false); err != nil {
		return err
	}
	if c.AppType != "" {
		if err := checkEnum("app_type", c.AppType, AppTypes...); err != nil {
			return err
		}
	}
	if err := validateAuthenticationMethod(c); err != nil {
		return err
	}
	if len(c.GrantTypes) > maxGrantTypes {
		return invalid("grant_types", "Array is too long (%d), maximum %d", len(c.GrantTypes), maxGrantTypes)
	}
	for _, g := range c.GrantTypes {
		if err := checkEnum("grant_types", g, GrantTypes...); err != nil {
			return err
		}
	}
	if err := checkUnique("grant_types", c.GrantTypes); err != nil {
		return err
	}
	if c.IsPublic() && slices.Contains(c.GrantTypes, "client_credentials") {
		return errPublicClientCredentials
	}
	if c.OrganizationUsage != "" {
		if err := checkEnum("organization_usage", c.OrganizationUsage, ClientOrganizationUsages...); err != nil {
			return err
		}
	}
	if c.OrganizationRequireBehavior != "" {
		if err := checkEnum("organization_require_behavior", c.OrganizationRequireBehavior, OrganizationRequireBehavior...); err != nil {
			return err
		}
	}
	if c.DefaultOrganization != nil {
		if err := validateDefaultOrganization(*c.DefaultOrganization); err != nil {
			return err
		}
	}
	return validateClientLogin(c)
}

func validateDefaultOrganization(d store.DefaultOrganization) error {
	if d.OrganizationID == "" {
		return invalid("default_organization.organization_id", "Missing required property: organization_id")
	}
	if len(d.Flows) == 0 {
		return invalid("default_organization.flows", "Array is too short (0), minimum 1")
	}
	for _, f := range d.Flows {
		if err := checkEnum("default_organization.flows", f, DefaultOrganizationFlows...); err != nil {
			return err
		}
	}
	return checkUnique("default_organization.flows", d.Flows)
}
