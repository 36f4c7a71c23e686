package dashboard

import (
	"net/http"

	"github.com/orgauth/orgauth/internal/admins"
	"github.com/orgauth/orgauth/internal/tenant"
)

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	set, err := h.tenant.Settings(r.Context())
	if err != nil {
		return err
	}
	h.page(w, r, s, http.StatusOK, "settings", view{Title: "Tenant settings", Section: "settings", Data: set})
	return nil
}

func (h *Handler) updateSettings(w http.ResponseWriter, r *http.Request, _ admins.Session) error {
	allowNames := r.PostForm.Get("allow_organization_name_in_authentication_api") != ""
	if _, err := h.tenant.UpdateSettings(r.Context(), tenant.SettingsPatch{AllowOrganizationNameInAuthenticationAPI: &allowNames}); err != nil {
		return err
	}
	return redirect(w, r, "/dashboard/settings", "saved")
}
