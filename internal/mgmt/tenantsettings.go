package mgmt

import (
	"net/http"

	"github.com/orgauth/orgauth/internal/tenant"
)

const orgNameFlag = "allow_organization_name_in_authentication_api"

// tenantSettingsJSON shows the flag both in flags and at the top level, the two places Auth0 accepts it.
type tenantSettingsJSON struct {
	Flags                                    tenantFlagsJSON `json:"flags"`
	AllowOrganizationNameInAuthenticationAPI bool            `json:"allow_organization_name_in_authentication_api"`
	DefaultRedirectionURI                    string          `json:"default_redirection_uri,omitempty"`
	AllowedLogoutURLs                        []string        `json:"allowed_logout_urls"`
	SessionLifetime                          int             `json:"session_lifetime"`      // hours
	IdleSessionLifetime                      int             `json:"idle_session_lifetime"` // hours
}

type tenantFlagsJSON struct {
	AllowOrganizationNameInAuthenticationAPI bool `json:"allow_organization_name_in_authentication_api"`
}

func tenantSettingsOut(s tenant.TenantSettings) tenantSettingsJSON {
	return tenantSettingsJSON{
		Flags:                                    tenantFlagsJSON{AllowOrganizationNameInAuthenticationAPI: s.AllowOrganizationNameInAuthenticationAPI},
		AllowOrganizationNameInAuthenticationAPI: s.AllowOrganizationNameInAuthenticationAPI,
		DefaultRedirectionURI:                    s.DefaultRedirectionURI,
		AllowedLogoutURLs:                        nonNil(s.AllowedLogoutURLs),
		SessionLifetime:                          s.SessionLifetime,
		IdleSessionLifetime:                      s.IdleSessionLifetime,
	}
}

// settingsFields are the settings of people's logins; null puts default_redirection_uri and
// allowed_logout_urls back to none.
var settingsFields = []string{"default_redirection_uri", "allowed_logout_urls", "session_lifetime", "idle_session_lifetime"}

func readSettingsFields(o object, p *tenant.SettingsPatch) error {
	var err error
	if o.null("default_redirection_uri") {
		p.DefaultRedirectionURI = new(string)
	} else if p.DefaultRedirectionURI, err = o.stringField("default_redirection_uri"); err != nil {
		return err
	}
	if o.null("allowed_logout_urls") {
		p.AllowedLogoutURLs = &[]string{}
	} else if p.AllowedLogoutURLs, err = o.stringsField("allowed_logout_urls"); err != nil {
		return err
	}
	if p.SessionLifetime, err = o.intField("session_lifetime"); err != nil {
		return err
	}
	p.IdleSessionLifetime, err = o.intField("idle_session_lifetime")
	return err
}

// decodeTenantSettingsPatch accepts the flag in flags, at the top level, or in both with the same value.
func decodeTenantSettingsPatch(body []byte) (tenant.SettingsPatch, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.SettingsPatch{}, err
	}
	if err := o.allow(append([]string{"flags", orgNameFlag}, settingsFields...)...); err != nil {
		return tenant.SettingsPatch{}, err
	}
	var p tenant.SettingsPatch
	if err := readSettingsFields(o, &p); err != nil {
		return p, err
	}
	top, err := o.boolField(orgNameFlag)
	if err != nil {
		return tenant.SettingsPatch{}, err
	}
	flags, err := o.objectField("flags")
	if err != nil || flags == nil {
		p.AllowOrganizationNameInAuthenticationAPI = top
		return p, err
	}
	if err := flags.allow(orgNameFlag); err != nil {
		return tenant.SettingsPatch{}, err
	}
	inFlags, err := flags.boolField(orgNameFlag)
	if err != nil {
		return tenant.SettingsPatch{}, err
	}
	if top != nil && inFlags != nil && *top != *inFlags {
		return tenant.SettingsPatch{}, payloadError(orgNameFlag, "Value differs from flags."+orgNameFlag)
	}
	if inFlags == nil {
		inFlags = top
	}
	p.AllowOrganizationNameInAuthenticationAPI = inFlags
	return p, nil
}

func (h *Handler) getTenantSettings(w http.ResponseWriter, r *http.Request) error {
	s, err := h.tenant.Settings(r.Context())
	return reply(w, http.StatusOK, s, err, tenantSettingsOut)
}

func (h *Handler) updateTenantSettings(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRequest(w, r, decodeTenantSettingsPatch)
	if err != nil {
		return err
	}
	s, err := h.tenant.UpdateSettings(r.Context(), in)
	return reply(w, http.StatusOK, s, err, tenantSettingsOut)
}
