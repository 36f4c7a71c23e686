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
}

type tenantFlagsJSON struct {
	AllowOrganizationNameInAuthenticationAPI bool `json:"allow_organization_name_in_authentication_api"`
}

func tenantSettingsOut(s tenant.TenantSettings) tenantSettingsJSON {
	return tenantSettingsJSON{
		Flags:                                    tenantFlagsJSON{AllowOrganizationNameInAuthenticationAPI: s.AllowOrganizationNameInAuthenticationAPI},
		AllowOrganizationNameInAuthenticationAPI: s.AllowOrganizationNameInAuthenticationAPI,
	}
}

// decodeTenantSettingsPatch accepts the flag in flags, at the top level, or in both with the same value.
func decodeTenantSettingsPatch(body []byte) (tenant.SettingsPatch, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.SettingsPatch{}, err
	}
	if err := o.allow("flags", orgNameFlag); err != nil {
		return tenant.SettingsPatch{}, err
	}
	top, err := o.boolField(orgNameFlag)
	if err != nil {
		return tenant.SettingsPatch{}, err
	}
	flags, err := o.objectField("flags")
	if err != nil || flags == nil {
		return tenant.SettingsPatch{AllowOrganizationNameInAuthenticationAPI: top}, err
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
	return tenant.SettingsPatch{AllowOrganizationNameInAuthenticationAPI: inFlags}, nil
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
