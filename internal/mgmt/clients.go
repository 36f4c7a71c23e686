package mgmt

import (
	"net/http"

	"github.com/orgauth/orgauth/internal/tenant"
)

// clientJSON is an application as Auth0 shows it. ClientSecret is set only in the answers of create and
// rotate-secret: orgauth keeps only a hash of the secret (docs/compatibility.md#applications-clients).
type clientJSON struct {
	ClientID                    string                   `json:"client_id"`
	ClientSecret                string                   `json:"client_secret,omitempty"`
	Name                        string                   `json:"name"`
	Description                 string                   `json:"description,omitempty"`
	AppType                     string                   `json:"app_type,omitempty"`
	GrantTypes                  []string                 `json:"grant_types"`
	TokenEndpointAuthMethod     string                   `json:"token_endpoint_auth_method,omitempty"`
	DefaultOrganization         *defaultOrganizationJSON `json:"default_organization,omitempty"`
	OrganizationUsage           string                   `json:"organization_usage,omitempty"`
	OrganizationRequireBehavior string                   `json:"organization_require_behavior,omitempty"`
	ClientAuthenticationMethods *clientAuthMethodsJSON   `json:"client_authentication_methods,omitempty"`

	// People's logins (SPEC-users §10, §11).
	Callbacks                    []string              `json:"callbacks"`
	AllowedLogoutURLs            []string              `json:"allowed_logout_urls"`
	InitiateLoginURI             string                `json:"initiate_login_uri,omitempty"`
	OrganizationDiscoveryMethods []string              `json:"organization_discovery_methods,omitempty"`
	OIDCConformant               bool                  `json:"oidc_conformant"`
	JWTConfiguration             *jwtConfigurationJSON `json:"jwt_configuration,omitempty"`
	RefreshToken                 *refreshTokenJSON     `json:"refresh_token,omitempty"`
}

type jwtConfigurationJSON struct {
	LifetimeInSeconds int `json:"lifetime_in_seconds"`
}

type refreshTokenJSON struct {
	RotationType              string `json:"rotation_type"`
	ExpirationType            string `json:"expiration_type"`
	Leeway                    int    `json:"leeway"`
	TokenLifetime             int    `json:"token_lifetime"`
	IdleTokenLifetime         int    `json:"idle_token_lifetime"`
	InfiniteTokenLifetime     bool   `json:"infinite_token_lifetime"`
	InfiniteIdleTokenLifetime bool   `json:"infinite_idle_token_lifetime"`
}

type defaultOrganizationJSON struct {
	OrganizationID string   `json:"organization_id"`
	Flows          []string `json:"flows"`
}

func clientOut(c tenant.Client) clientJSON {
	out := clientJSON{
		ClientID:                     c.ClientID,
		Name:                         c.Name,
		Description:                  c.Description,
		AppType:                      c.AppType,
		GrantTypes:                   nonNil(c.GrantTypes),
		TokenEndpointAuthMethod:      c.TokenEndpointAuthMethod,
		OrganizationUsage:            c.OrganizationUsage,
		OrganizationRequireBehavior:  c.OrganizationRequireBehavior,
		ClientAuthenticationMethods:  clientAuthMethodsOut(c),
		Callbacks:                    nonNil(c.Callbacks),
		AllowedLogoutURLs:            nonNil(c.AllowedLogoutURLs),
		InitiateLoginURI:             c.InitiateLoginURI,
		OrganizationDiscoveryMethods: c.OrganizationDiscoveryMethods,
		OIDCConformant:               true,
	}
	if c.IDTokenLifetime > 0 {
		out.JWTConfiguration = &jwtConfigurationJSON{LifetimeInSeconds: c.IDTokenLifetime}
	}
	if rt := c.RefreshToken; rt.RotationType != "" {
		out.RefreshToken = &refreshTokenJSON{
			RotationType: rt.RotationType, ExpirationType: rt.ExpirationType, Leeway: rt.Leeway,
			TokenLifetime: rt.TokenLifetime, IdleTokenLifetime: rt.IdleTokenLifetime,
			InfiniteTokenLifetime: rt.InfiniteTokenLifetime, InfiniteIdleTokenLifetime: rt.InfiniteIdleTokenLifetime,
		}
	}
	if d := c.DefaultOrganization; d != nil {
		out.DefaultOrganization = &defaultOrganizationJSON{OrganizationID: d.OrganizationID, Flows: nonNil(d.Flows)}
	}
	return out
}

// clientWithSecret is the answer of create and rotate-secret, the only ones that show the secret.
func clientWithSecret(c tenant.Client, secret string) clientJSON {
	out := clientOut(c)
	out.ClientSecret = secret
	return out
}

var clientFields = []string{
	"name", "description", "app_type", "grant_types", "token_endpoint_auth_method",
	"default_organization", "organization_usage", "organization_require_behavior", "client_authentication_methods",
	"callbacks", "allowed_logout_urls", "initiate_login_uri", "organization_discovery_methods", "jwt_configuration",
	"refresh_token", "oidc_conformant",
}

func decodeClientCreate(body []byte) (tenant.ClientInput, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.ClientInput{}, err
	}
	if err := o.allow(clientFields...); err != nil {
		return tenant.ClientInput{}, err
	}
	name, err := o.requiredString("name")
	if err != nil {
		return tenant.ClientInput{}, err
	}
	p, err := readClientFields(o)
	if err != nil {
		return tenant.ClientInput{}, err
	}
	creds, err := readCredentialsCreate(o)
	if err != nil {
		return tenant.ClientInput{}, err
	}
	// A null default_organization set p.ClearDefaultOrganization; on create that is the default anyway.
	return tenant.ClientInput{
		PrivateKeyJWTCredentials:    creds,
		Name:                        name,
		Description:                 p.Description,
		AppType:                     p.AppType,
		GrantTypes:                  p.GrantTypes,
		TokenEndpointAuthMethod:     p.TokenEndpointAuthMethod,
		DefaultOrganization:         p.DefaultOrganization,
		OrganizationUsage:           p.OrganizationUsage,
		OrganizationRequireBehavior: p.OrganizationRequireBehavior,
		ClientLoginFields:           p.ClientLoginFields,
	}, nil
}

func decodeClientPatch(body []byte) (tenant.ClientPatch, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.ClientPatch{}, err
	}
	if err := o.allow(clientFields...); err != nil {
		return tenant.ClientPatch{}, err
	}
	name, err := o.stringField("name")
	if err != nil {
		return tenant.ClientPatch{}, err
	}
	p, err := readClientFields(o)
	if err != nil {
		return tenant.ClientPatch{}, err
	}
	p.Name = name
	if o.null("client_authentication_methods") {
		p.ClearAuthenticationMethods = true
	} else if p.PrivateKeyJWTCredentialIDs, err = readCredentialRefs(o); err != nil {
		return tenant.ClientPatch{}, err
	}
	return p, nil
}

// readClientFields reads every property but name, whose presence rule differs between create and update.
func readClientFields(o object) (tenant.ClientPatch, error) {
	var p tenant.ClientPatch
	var err error
	if p.Description, err = o.stringField("description"); err != nil {
		return p, err
	}
	if p.AppType, err = o.stringField("app_type"); err != nil {
		return p, err
	}
	if p.GrantTypes, err = o.stringsField("grant_types"); err != nil {
		return p, err
	}
	if o.null("token_endpoint_auth_method") {
		p.TokenEndpointAuthMethod = new(string) // null: no method, as private_key_jwt requires
	} else if p.TokenEndpointAuthMethod, err = o.stringField("token_endpoint_auth_method"); err != nil {
		return p, err
	}
	if o.null("default_organization") {
		p.ClearDefaultOrganization = true
	} else if p.DefaultOrganization, err = readDefaultOrganization(o); err != nil {
		return p, err
	}
	if p.OrganizationUsage, err = o.stringField("organization_usage"); err != nil {
		return p, err
	}
	if p.OrganizationRequireBehavior, err = o.stringField("organization_require_behavior"); err != nil {
		return p, err
	}
	p.ClientLoginFields, err = readClientLoginFields(o)
	return p, err
}

func readDefaultOrganization(o object) (*tenant.DefaultOrganization, error) {
	d, err := o.objectField("default_organization")
	if d == nil || err != nil {
		return nil, err
	}
	if err := d.allow("organization_id", "flows"); err != nil {
		return nil, err
	}
	orgID, err := d.requiredString("organization_id")
	if err != nil {
		return nil, err
	}
	flows, err := d.stringsField("flows")
	if err != nil {
		return nil, err
	}
	if flows == nil {
		return nil, d.missing("flows")
	}
	return &tenant.DefaultOrganization{OrganizationID: orgID, Flows: *flows}, nil
}

func (h *Handler) createClient(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRequest(w, r, decodeClientCreate)
	if err != nil {
		return err
	}
	c, secret, err := h.tenant.CreateClient(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, clientWithSecret(c, secret))
	return nil
}

func (h *Handler) listClients(w http.ResponseWriter, r *http.Request) error {
	_, p, err := parseListQuery(r, offsetPaging)
	if err != nil {
		return err
	}
	l, err := h.tenant.Clients(r.Context(), p)
	return replyList(w, p, "clients", l, err, clientOut)
}

func (h *Handler) getClient(w http.ResponseWriter, r *http.Request) error {
	c, err := h.tenant.Client(r.Context(), r.PathValue("id"))
	return reply(w, http.StatusOK, c, err, clientOut)
}

func (h *Handler) updateClient(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRequest(w, r, decodeClientPatch)
	if err != nil {
		return err
	}
	c, err := h.tenant.UpdateClient(r.Context(), r.PathValue("id"), in)
	return reply(w, http.StatusOK, c, err, clientOut)
}

func (h *Handler) deleteClient(w http.ResponseWriter, r *http.Request) error {
	if err := h.tenant.DeleteClient(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}

// rotateClientSecret takes no body (the SDK sends none); one that is sent is ignored.
func (h *Handler) rotateClientSecret(w http.ResponseWriter, r *http.Request) error {
	c, secret, err := h.tenant.RotateClientSecret(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, clientWithSecret(c, secret))
	return nil
}

// nonNil makes an absent list [] on the wire rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
