package tenant

import "github.com/orgauth/orgauth/internal/store"

// The inputs of the tenant's operations. A nil pointer means "not given": on create the default applies,
// on update the field keeps its value. The Management API turns JSON null into the documented default
// before calling, except where a Clear field says "remove".

// ResourceServerInput creates an API.
type ResourceServerInput struct {
	Identifier         string
	Name               *string
	Scopes             *[]store.Scope
	SigningAlg         *string
	TokenLifetime      *int
	AllowOfflineAccess *bool
	EnforcePolicies    *bool
	TokenDialect       *string
}

// ResourceServerPatch changes an API; the identifier is immutable.
type ResourceServerPatch struct {
	Name               *string
	Scopes             *[]store.Scope
	SigningAlg         *string
	TokenLifetime      *int
	AllowOfflineAccess *bool
	EnforcePolicies    *bool
	TokenDialect       *string
}

// ClientInput creates an application.
type ClientInput struct {
	Name                        string
	Description                 *string
	AppType                     *string
	GrantTypes                  *[]string
	TokenEndpointAuthMethod     *string
	DefaultOrganization         *store.DefaultOrganization
	OrganizationUsage           *string
	OrganizationRequireBehavior *string
	// PrivateKeyJWTCredentials configures private_key_jwt with these new credentials (one or two); the
	// application then has no client secret.
	PrivateKeyJWTCredentials *[]ClientCredentialInput
	ClientLoginFields
}

// ClientLoginFields are an application's settings for people's logins (SPEC-users §10, §11); nil keeps
// the value (on create: the default).
type ClientLoginFields struct {
	Callbacks                    *[]string
	AllowedLogoutURLs            *[]string
	InitiateLoginURI             *string
	OrganizationDiscoveryMethods *[]string
	IDTokenLifetime              *int // jwt_configuration.lifetime_in_seconds
	// RefreshToken's given fields replace the application's; ClearRefreshToken (JSON null) puts the
	// defaults back first.
	RefreshToken      *RefreshTokenPatch
	ClearRefreshToken bool
}

// RefreshTokenPatch changes fields of an application's refresh_token configuration.
type RefreshTokenPatch struct {
	RotationType              *string
	ExpirationType            *string
	Leeway                    *int
	TokenLifetime             *int
	IdleTokenLifetime         *int
	InfiniteTokenLifetime     *bool
	InfiniteIdleTokenLifetime *bool
}

// ClientPatch changes an application.
type ClientPatch struct {
	Name                        *string
	Description                 *string
	AppType                     *string
	GrantTypes                  *[]string
	TokenEndpointAuthMethod     *string
	DefaultOrganization         *store.DefaultOrganization
	ClearDefaultOrganization    bool // JSON null: remove the default organization
	OrganizationUsage           *string
	OrganizationRequireBehavior *string
	// PrivateKeyJWTCredentialIDs, when not nil, are the credentials private_key_jwt references from now
	// on; configuring it removes the client secret. ClearAuthenticationMethods (JSON null) removes it.
	PrivateKeyJWTCredentialIDs *[]string
	ClearAuthenticationMethods bool
	ClientLoginFields
}

// ClientGrantInput creates a client grant.
type ClientGrantInput struct {
	ClientID             string
	Audience             string
	Scope                []string
	OrganizationUsage    *string // nil: unset, which behaves as deny
	AllowAnyOrganization *bool
	SubjectType          *string
}

// ClientGrantPatch changes a client grant; only these three fields may change.
type ClientGrantPatch struct {
	Scope                *[]string
	OrganizationUsage    *string // "" puts it back to unset
	AllowAnyOrganization *bool
}

// OrganizationInput creates an organization.
type OrganizationInput struct {
	Name        string
	DisplayName *string
	Branding    *store.Branding
	Metadata    map[string]string
}

// OrganizationPatch changes an organization.
type OrganizationPatch struct {
	Name          *string
	DisplayName   *string
	Branding      *store.Branding
	ClearBranding bool // JSON null: remove the branding
	// Metadata, when not nil, replaces the organization's metadata (JSON null clears it: pass an empty map).
	Metadata map[string]string
}

// SettingsPatch changes the tenant settings.
type SettingsPatch struct {
	AllowOrganizationNameInAuthenticationAPI *bool
	DefaultRedirectionURI                    *string   // "" removes it
	AllowedLogoutURLs                        *[]string // replaces the list
	SessionLifetime                          *int      // hours
	IdleSessionLifetime                      *int      // hours
}
