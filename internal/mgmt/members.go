package mgmt

import (
	"net/http"

	"github.com/orgauth/orgauth/internal/tenant"
)

// memberJSON is an organization member as Auth0 lists it; roles only when fields names them.
type memberJSON struct {
	UserID  string          `json:"user_id"`
	Email   string          `json:"email,omitempty"`
	Picture string          `json:"picture,omitempty"`
	Name    string          `json:"name,omitempty"`
	Roles   *[]roleNameJSON `json:"roles,omitempty"`
}

// roleNameJSON is a role as a member's list shows it.
type roleNameJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func memberOut(m tenant.OrganizationMember) memberJSON {
	out := memberJSON{UserID: m.User.ID, Email: m.User.Email, Picture: m.User.Picture, Name: m.User.Name}
	if m.Roles != nil {
		roles := mapSlice(m.Roles, func(r tenant.Role) roleNameJSON { return roleNameJSON{ID: r.ID, Name: r.Name} })
		out.Roles = &roles
	}
	return out
}

// userOrganizationJSON is an organization in a user's list of organizations.
type userOrganizationJSON struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	DisplayName string        `json:"display_name,omitempty"`
	Branding    *brandingJSON `json:"branding,omitempty"`
}

func userOrganizationOut(uo tenant.UserOrganization) userOrganizationJSON {
	o := organizationOut(uo.Organization)
	return userOrganizationJSON{ID: o.ID, Name: o.Name, DisplayName: o.DisplayName, Branding: o.Branding}
}

// decodeMembers decodes {"members": ["<user id>", …]}, the body of POST and DELETE
// /organizations/{id}/members.
func decodeMembers(body []byte) ([]string, error) {
	o, err := parseBody(body)
	if err != nil {
		return nil, err
	}
	if err := o.allow("members"); err != nil {
		return nil, err
	}
	ids, err := o.stringsField("members")
	if err != nil {
		return nil, err
	}
	if ids == nil {
		return nil, o.missing("members")
	}
	return *ids, nil
}

func (h *Handler) addOrganizationMembers(w http.ResponseWriter, r *http.Request) error {
	ids, err := decodeRequest(w, r, decodeMembers)
	if err != nil {
		return err
	}
	if _, err := h.tenant.AddOrganizationMembers(r.Context(), r.PathValue("id"), ids); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}

func (h *Handler) removeOrganizationMembers(w http.ResponseWriter, r *http.Request) error {
	ids, err := decodeRequest(w, r, decodeMembers)
	if err != nil {
		return err
	}
	if err := h.tenant.RemoveOrganizationMembers(r.Context(), r.PathValue("id"), ids); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}

// listOrganizationMembers serves GET /organizations/{id}/members (routed by organizationSubresource):
// offset or checkpoint pages, fields and include_fields; a member's roles only when fields names them,
// which also needs read:organization_member_roles.
func (h *Handler) listOrganizationMembers(w http.ResponseWriter, r *http.Request) error {
	q, p, err := parseListQuery(r, checkpointPaging)
	if err != nil {
		return err
	}
	sel, err := parseFields(q)
	if err != nil {
		return err
	}
	withRoles := sel.asks("roles")
	if withRoles {
		if err := requireScope(r, "read:organization_member_roles"); err != nil {
			return err
		}
	}
	l, err := h.tenant.OrganizationMembers(r.Context(), r.PathValue("id"), p, withRoles)
	return replyList(w, p, "members", l, err, func(m tenant.OrganizationMember) any { return sel.apply(memberOut(m)) })
}

// listUserOrganizations serves GET /users/{id}/organizations, in offset pages.
func (h *Handler) listUserOrganizations(w http.ResponseWriter, r *http.Request) error {
	_, p, err := parseListQuery(r, offsetPaging)
	if err != nil {
		return err
	}
	l, err := h.tenant.UserMemberships(r.Context(), r.PathValue("id"), p)
	return replyList(w, p, "organizations", l, err, userOrganizationOut)
}
