package mgmt

import (
	"net/http"

	"github.com/orgauth/orgauth/internal/tenant"
)

// enabledConnectionJSON is a connection enabled for an organization, as Auth0 shows it;
// is_signup_enabled only for the database connection.
type enabledConnectionJSON struct {
	ConnectionID            string                   `json:"connection_id"`
	AssignMembershipOnLogin bool                     `json:"assign_membership_on_login"`
	ShowAsButton            bool                     `json:"show_as_button"`
	IsSignupEnabled         *bool                    `json:"is_signup_enabled,omitempty"`
	Connection              enabledConnectionRefJSON `json:"connection"`
}

type enabledConnectionRefJSON struct {
	Name     string `json:"name"`
	Strategy string `json:"strategy"`
}

func enabledConnectionOut(e tenant.EnabledConnection) enabledConnectionJSON {
	out := enabledConnectionJSON{
		ConnectionID:            e.ConnectionID,
		AssignMembershipOnLogin: e.AssignMembershipOnLogin,
		ShowAsButton:            e.ShowAsButton,
		Connection:              enabledConnectionRefJSON{Name: e.Connection.Name, Strategy: e.Connection.Strategy},
	}
	if e.IsDatabase() {
		signup := e.IsSignupEnabled
		out.IsSignupEnabled = &signup
	}
	return out
}

var enabledConnectionFlags = []string{"assign_membership_on_login", "is_signup_enabled", "show_as_button"}

// decodeEnabledConnectionCreate decodes POST /organizations/{id}/enabled_connections.
func decodeEnabledConnectionCreate(body []byte) (tenant.OrganizationConnectionInput, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.OrganizationConnectionInput{}, err
	}
	if err := o.allow(append([]string{"connection_id"}, enabledConnectionFlags...)...); err != nil {
		return tenant.OrganizationConnectionInput{}, err
	}
	var in tenant.OrganizationConnectionInput
	if in.ConnectionID, err = o.requiredString("connection_id"); err != nil {
		return in, err
	}
	p, err := readEnabledConnectionFlags(o)
	in.AssignMembershipOnLogin, in.IsSignupEnabled, in.ShowAsButton = p.AssignMembershipOnLogin, p.IsSignupEnabled, p.ShowAsButton
	return in, err
}

// decodeEnabledConnectionPatch decodes PATCH /organizations/{id}/enabled_connections/{connection_id}:
// the three booleans only.
func decodeEnabledConnectionPatch(body []byte) (tenant.OrganizationConnectionPatch, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.OrganizationConnectionPatch{}, err
	}
	if err := o.allow(enabledConnectionFlags...); err != nil {
		return tenant.OrganizationConnectionPatch{}, err
	}
	return readEnabledConnectionFlags(o)
}

func readEnabledConnectionFlags(o object) (tenant.OrganizationConnectionPatch, error) {
	var p tenant.OrganizationConnectionPatch
	var err error
	if p.AssignMembershipOnLogin, err = o.boolField("assign_membership_on_login"); err != nil {
		return p, err
	}
	if p.IsSignupEnabled, err = o.boolField("is_signup_enabled"); err != nil {
		return p, err
	}
	p.ShowAsButton, err = o.boolField("show_as_button")
	return p, err
}

func (h *Handler) addEnabledConnection(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRequest(w, r, decodeEnabledConnectionCreate)
	if err != nil {
		return err
	}
	e, err := h.tenant.AddOrganizationConnection(r.Context(), r.PathValue("id"), in)
	return reply(w, http.StatusCreated, e, err, enabledConnectionOut)
}

// listEnabledConnections serves GET /organizations/{id}/enabled_connections (routed by
// organizationSubresource), in offset pages. With include_totals, limit is the number of items
// returned, as on Auth0's live service.
func (h *Handler) listEnabledConnections(w http.ResponseWriter, r *http.Request) error {
	_, p, err := parseListQuery(r, offsetPaging)
	if err != nil {
		return err
	}
	l, err := h.tenant.OrganizationConnections(r.Context(), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	items := mapSlice(l.Items, enabledConnectionOut)
	if !p.WantTotal {
		writeJSON(w, http.StatusOK, items)
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]any{"enabled_connections": items, "start": p.Offset, "limit": len(items), "total": l.Total})
	return nil
}

func (h *Handler) getEnabledConnection(w http.ResponseWriter, r *http.Request) error {
	e, err := h.tenant.OrganizationConnection(r.Context(), r.PathValue("id"), r.PathValue("connection_id"))
	return reply(w, http.StatusOK, e, err, enabledConnectionOut)
}

func (h *Handler) updateEnabledConnection(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRequest(w, r, decodeEnabledConnectionPatch)
	if err != nil {
		return err
	}
	e, err := h.tenant.UpdateOrganizationConnection(r.Context(), r.PathValue("id"), r.PathValue("connection_id"), in)
	return reply(w, http.StatusOK, e, err, enabledConnectionOut)
}

func (h *Handler) removeEnabledConnection(w http.ResponseWriter, r *http.Request) error {
	if err := h.tenant.RemoveOrganizationConnection(r.Context(), r.PathValue("id"), r.PathValue("connection_id")); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}
