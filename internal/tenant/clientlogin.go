package tenant

import (
	"net/url"
	"slices"
	"strings"

	"github.com/orgauth/orgauth/internal/store"
)

// An application's settings for people's logins (SPEC-users §10, §11): where /authorize may redirect
// (callbacks) and logout may return (allowed_logout_urls), where an invitation starts a login
// (initiate_login_uri), how the organization prompt finds an organization, the ID token's lifetime, and
// its refresh tokens.

// Client login rules.
var (
	OrganizationDiscoveryMethods = []string{"email", "organization_name"}
	RefreshTokenRotationTypes    = []string{"rotating", "non-rotating"}
	RefreshTokenExpirationTypes  = []string{"expiring", "non-expiring"}
)

const (
	// DefaultIDTokenLifetime is jwt_configuration.lifetime_in_seconds when none is set.
	DefaultIDTokenLifetime = 3600
	maxIDTokenLifetime     = 2592000
	maxRedirectURIs        = 100
	maxRedirectURILength   = 2048
	maxRefreshTokenLife    = 31557600 // a year of 365.25 days
	maxRefreshTokenLeeway  = 60
)

var (
	errPublicRefreshTokens = invalid("refresh_token",
		"A public client (token_endpoint_auth_method none, or app_type spa or native) must use rotating refresh tokens that expire: rotation_type rotating, expiration_type expiring, infinite_token_lifetime false")
	errPublicClientSecret = invalidMessage("token_endpoint_auth_method",
		"The client is public (token_endpoint_auth_method none): it has no client secret to rotate.")
)

// withClientDefaults gives a new application the defaults of the login settings.
func withClientDefaults(c store.Client) store.Client {
	c.IDTokenLifetime = DefaultIDTokenLifetime
	c.OrganizationDiscoveryMethods = []string{"email"}
	c.RefreshToken = store.DefaultRefreshTokenConfig()
	return c
}

// fillClientDefaults gives the login settings that an application stored without them (one created
// before they existed, had the migration not set them) their defaults.
func fillClientDefaults(c *store.Client) {
	if c.IDTokenLifetime == 0 {
		c.IDTokenLifetime = DefaultIDTokenLifetime
	}
	if len(c.OrganizationDiscoveryMethods) == 0 {
		c.OrganizationDiscoveryMethods = []string{"email"}
	}
	if c.RefreshToken.RotationType == "" || c.RefreshToken.ExpirationType == "" {
		c.RefreshToken = store.DefaultRefreshTokenConfig()
	}
}

func applyClientLoginFields(c *store.Client, f ClientLoginFields) {
	if f.Callbacks != nil {
		c.Callbacks = *f.Callbacks
	}
	if f.AllowedLogoutURLs != nil {
		c.AllowedLogoutURLs = *f.AllowedLogoutURLs
	}
	if f.InitiateLoginURI != nil {
		c.InitiateLoginURI = *f.InitiateLoginURI
	}
	if f.OrganizationDiscoveryMethods != nil {
		c.OrganizationDiscoveryMethods = *f.OrganizationDiscoveryMethods
	}
	if f.IDTokenLifetime != nil {
		c.IDTokenLifetime = *f.IDTokenLifetime
	}
	if f.ClearRefreshToken {
		c.RefreshToken = store.DefaultRefreshTokenConfig()
	}
	if r := f.RefreshToken; r != nil {
		rt := &c.RefreshToken
		setString := func(dst *string, src *string) {
			if src != nil {
				*dst = *src
			}
		}
		setInt := func(dst *int, src *int) {
			if src != nil {
				*dst = *src
			}
		}
		setBool := func(dst *bool, src *bool) {
			if src != nil {
				*dst = *src
			}
		}
		setString(&rt.RotationType, r.RotationType)
		setString(&rt.ExpirationType, r.ExpirationType)
		setInt(&rt.Leeway, r.Leeway)
		setInt(&rt.TokenLifetime, r.TokenLifetime)
		setInt(&rt.IdleTokenLifetime, r.IdleTokenLifetime)
		setBool(&rt.InfiniteTokenLifetime, r.InfiniteTokenLifetime)
		setBool(&rt.InfiniteIdleTokenLifetime, r.InfiniteIdleTokenLifetime)
	}
}

// validateClientLoginPatch checks each login setting a patch gives on its own, before any lookup.
func validateClientLoginPatch(f ClientLoginFields) error {
	if f.Callbacks != nil {
		if err := checkRedirectURIs("callbacks", *f.Callbacks); err != nil {
			return err
		}
	}
	if f.AllowedLogoutURLs != nil {
		if err := checkRedirectURIs("allowed_logout_urls", *f.AllowedLogoutURLs); err != nil {
			return err
		}
	}
	if f.InitiateLoginURI != nil && *f.InitiateLoginURI != "" {
		if err := checkPublicHTTPSURL("initiate_login_uri", *f.InitiateLoginURI); err != nil {
			return err
		}
	}
	if f.OrganizationDiscoveryMethods != nil {
		methods := *f.OrganizationDiscoveryMethods
		if len(methods) == 0 {
			return invalid("organization_discovery_methods", "Array is too short (0), minimum 1")
		}
		for _, m := range methods {
			if err := checkEnum("organization_discovery_methods", m, OrganizationDiscoveryMethods...); err != nil {
				return err
			}
		}
		if err := checkUnique("organization_discovery_methods", methods); err != nil {
			return err
		}
	}
	if f.IDTokenLifetime != nil && (*f.IDTokenLifetime < 1 || *f.IDTokenLifetime > maxIDTokenLifetime) {
		return invalid("jwt_configuration.lifetime_in_seconds", "Value %d is outside 1..%d", *f.IDTokenLifetime, maxIDTokenLifetime)
	}
	if r := f.RefreshToken; r != nil {
		if r.RotationType != nil {
			if err := checkEnum("refresh_token.rotation_type", *r.RotationType, RefreshTokenRotationTypes...); err != nil {
				return err
			}
		}
		if r.ExpirationType != nil {
			if err := checkEnum("refresh_token.expiration_type", *r.ExpirationType, RefreshTokenExpirationTypes...); err != nil {
				return err
			}
		}
		for _, n := range []struct {
			property string
			value    *int
			min, max int
		}{
			{"refresh_token.leeway", r.Leeway, 0, maxRefreshTokenLeeway},
			{"refresh_token.token_lifetime", r.TokenLifetime, 1, maxRefreshTokenLife},
			{"refresh_token.idle_token_lifetime", r.IdleTokenLifetime, 1, maxRefreshTokenLife},
		} {
			if n.value != nil && (*n.value < n.min || *n.value > n.max) {
				return invalid(n.property, "Value %d is outside %d..%d", *n.value, n.min, n.max)
			}
		}
	}
	return nil
}

// validateClientLogin checks the login settings of an application as a change leaves them, including
// the rules that tie them to the rest of it (a public client's refresh tokens).
func validateClientLogin(c store.Client) error {
	rt := c.RefreshToken
	err := validateClientLoginPatch(ClientLoginFields{
		Callbacks: &c.Callbacks, AllowedLogoutURLs: &c.AllowedLogoutURLs, InitiateLoginURI: &c.InitiateLoginURI,
		OrganizationDiscoveryMethods: &c.OrganizationDiscoveryMethods, IDTokenLifetime: &c.IDTokenLifetime,
		RefreshToken: &RefreshTokenPatch{RotationType: &rt.RotationType, ExpirationType: &rt.ExpirationType,
			Leeway: &rt.Leeway, TokenLifetime: &rt.TokenLifetime, IdleTokenLifetime: &rt.IdleTokenLifetime},
	})
	if err != nil {
		return err
	}
	if rt.ExpirationType == "expiring" && !rt.InfiniteTokenLifetime && !rt.InfiniteIdleTokenLifetime &&
		rt.IdleTokenLifetime > rt.TokenLifetime {
		return invalid("refresh_token.idle_token_lifetime", "Value %d is greater than token_lifetime (%d)", rt.IdleTokenLifetime, rt.TokenLifetime)
	}
	if c.IsPublic() && (rt.RotationType != "rotating" || rt.ExpirationType != "expiring" || rt.InfiniteTokenLifetime) {
		return errPublicRefreshTokens
	}
	return nil
}

// checkRedirectURIs checks callbacks or logout URLs: at most 100, unique, each an exact URI (matched
// without wildcards or normalisation).
func checkRedirectURIs(property string, uris []string) error {
	if len(uris) > maxRedirectURIs {
		return invalid(property, "Array is too long (%d), maximum %d", len(uris), maxRedirectURIs)
	}
	for _, u := range uris {
		if err := checkRedirectURI(property, u); err != nil {
			return err
		}
	}
	return checkUnique(property, uris)
}

// checkRedirectURI: an absolute URI without a fragment, user information or wildcard, that is https,
// http to this machine (localhost or a loopback address, RFC 8252 §7.3), or a private-use scheme with
// a dot, as native applications register (RFC 8252 §7.1: com.example.app:/callback).
func checkRedirectURI(property, value string) error {
	if err := checkText(property, value, 1, maxRedirectURILength, false); err != nil {
		return err
	}
	u, err := url.Parse(value)
	ok := err == nil && u.IsAbs() && u.Fragment == "" && !strings.Contains(value, "#") && u.User == nil &&
		!strings.Contains(value, "*")
	if ok {
		switch {
		case u.Scheme == "https":
			ok = u.Host != ""
		case u.Scheme == "http":
			ok = u.Host != "" && loopbackHost(u.Hostname())
		default:
			ok = strings.Contains(u.Scheme, ".")
		}
	}
	if !ok {
		return invalid(property, "Object didn't pass validation for format redirect-uri (https, http to localhost, "+
			"or an app's own scheme such as com.example.app:/callback; no wildcards or fragments): %s", value)
	}
	return nil
}

// checkPublicHTTPSURL: an absolute https URL whose host is not this machine.
func checkPublicHTTPSURL(property, value string) error {
	if err := checkHTTPSURL(property, value); err != nil {
		return err
	}
	u, _ := url.Parse(value)
	if loopbackHost(u.Hostname()) || strings.HasSuffix(u.Hostname(), ".localhost") {
		return invalid(property, "Object didn't pass validation for format absolute-https-uri (not localhost): %s", value)
	}
	return nil
}

// rotateSecretAllowed refuses rotate-secret for a client that cannot have a secret.
func rotateSecretAllowed(c store.Client) error {
	if c.TokenEndpointAuthMethod == "none" {
		return errPublicClientSecret
	}
	return nil
}

// defaultAuthMethod is the token_endpoint_auth_method of a new application that sets none: none for a
// single-page or native application (public, as in Auth0), client_secret_post otherwise.
func defaultAuthMethod(appType *string) string {
	if appType != nil && slices.Contains([]string{"spa", "native"}, *appType) {
		return "none"
	}
	return "client_secret_post"
}
