package tenant

import "github.com/orgauth/orgauth/internal/store"

// The tenant settings of people's logins (SPEC-users §11): where an invitation's URL starts when its
// application has no initiate_login_uri, where logout may return without an application, and how long a
// login session lasts.

// Session lifetimes, in hours.
const (
	DefaultSessionLifetime     = 168
	DefaultIdleSessionLifetime = 72
	MaxSessionLifetime         = 8760 // a year
)

func applySettingsPatch(t *store.TenantSettings, in SettingsPatch) {
	if in.DefaultRedirectionURI != nil {
		t.DefaultRedirectionURI = *in.DefaultRedirectionURI
	}
	if in.AllowedLogoutURLs != nil {
		t.AllowedLogoutURLs = *in.AllowedLogoutURLs
	}
	if in.SessionLifetime != nil {
		t.SessionLifetime = *in.SessionLifetime
	}
	if in.IdleSessionLifetime != nil {
		t.IdleSessionLifetime = *in.IdleSessionLifetime
	}
}

// validateSettingsPatch checks each setting given on its own.
func validateSettingsPatch(in SettingsPatch) error {
	if in.DefaultRedirectionURI != nil && *in.DefaultRedirectionURI != "" {
		if err := checkPublicHTTPSURL("default_redirection_uri", *in.DefaultRedirectionURI); err != nil {
			return err
		}
	}
	if in.AllowedLogoutURLs != nil {
		if err := checkRedirectURIs("allowed_logout_urls", *in.AllowedLogoutURLs); err != nil {
			return err
		}
	}
	for _, h := range []struct {
		property string
		value    *int
	}{{"session_lifetime", in.SessionLifetime}, {"idle_session_lifetime", in.IdleSessionLifetime}} {
		if h.value != nil && (*h.value < 1 || *h.value > MaxSessionLifetime) {
			return invalid(h.property, "Value %d is outside 1..%d", *h.value, MaxSessionLifetime)
		}
	}
	return nil
}

// validateSettings checks the settings as a change leaves them: a session idles out no later than it ends.
func validateSettings(t store.TenantSettings) error {
	if t.IdleSessionLifetime > t.SessionLifetime {
		return invalid("idle_session_lifetime", "Value %d is greater than session_lifetime (%d)", t.IdleSessionLifetime, t.SessionLifetime)
	}
	return nil
}
