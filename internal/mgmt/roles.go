package mgmt

import (
	"net/http"

	"github.com/orgauth/orgauth/internal/tenant"
)

// roleJSON is a role as Auth0 shows it; description is left out when empty.
type roleJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

func roleOut(r tenant.Role) roleJSON {
	return roleJSON{ID: r.ID, Name: r.Name, Description: r.Description}
}

// rolePermissionJSON is a permission of a role, with what its API says of it.
type rolePermissionJSON struct {
	PermissionName           string `json:"permission_name"`
	Description              string `json:"description"`
	ResourceServerName       string `json:"resource_server_name"`
	ResourceServerIdentifier string `json:"resource_server_identifier"`
}

func rolePermissionOut(p tenant.RolePermission) rolePermissionJSON {
	return rolePermissionJSON{
		PermissionName: p.PermissionName, Description: p.Description,
		ResourceServerName: p.ResourceServerName, ResourceServerIdentifier: p.ResourceServerIdentifier,
	}
}

// decodeRoleCreate decodes POST /roles. The organization-owned roles of Auth0's Early Access (type,
// owner_id) are unknown properties here.
func decodeRoleCreate(body []byte) (tenant.RoleInput, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.RoleInput{}, err
	}
	if err := o.allow("name", "description"); err != nil {
		return tenant.RoleInput{}, err
	}
	var in tenant.RoleInput
	if in.Name, err = o.requiredString("name"); err != nil {
		return in, err
	}
	in.Description, err = o.stringField("description")
	return in, err
}

// decodeRolePatch decodes PATCH /roles/{id}.
func decodeRolePatch(body []byte) (tenant.RolePatch, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.RolePatch{}, err
	}
	if err := o.allow("name", "description"); err != nil {
		return tenant.RolePatch{}, err
	}
	var p tenant.RolePatch
	if p.Name, err = o.stringField("name"); err != nil {
		return p, err
	}
	p.Description, err = o.stringField("description")
	return p, err
}

// decodeRolePermissions decodes {"permissions": [{"resource_server_identifier", "permission_name"}]},
// the body of POST and DELETE /roles/{id}/permissions.
func decodeRolePermissions(body []byte) ([]tenant.Permission, error) {
	o, err := parseBody(body)
	if err != nil {
		return nil, err
	}
	if err := o.allow("permissions"); err != nil {
		return nil, err
	}
	items, err := o.objectsField("permissions")
	if err != nil {
		return nil, err
	}
	if items == nil {
		return nil, o.missing("permissions")
	}
	perms := make([]tenant.Permission, 0, len(*items))
	for _, item := range *items {
		if err := item.allow("resource_server_identifier", "permission_name"); err != nil {
			return nil, err
		}
		var p tenant.Permission
		if p.ResourceServerIdentifier, err = item.requiredString("resource_server_identifier"); err != nil {
			return nil, err
		}
		if p.PermissionName, err = item.requiredString("permission_name"); err != nil {
			return nil, err
		}
		perms = append(perms, p)
	}
	return perms, nil
}

// decodeRoleIDs decodes {"roles": ["rol_…", …]}, the body that assigns roles to a user or a member and
// takes them away.
func decodeRoleIDs(body []byte) ([]string, error) {
	o, err := parseBody(body)
	if err != nil {
		return nil, err
	}
	if err := o.allow("roles"); err != nil {
		return nil, err
	}
	ids, err := o.stringsField("roles")
	if err != nil {
		return nil, err
	}
	if ids == nil {
		return nil, o.missing("roles")
	}
	return *ids, nil
}

// createRole answers 200, not 201, as Auth0 does.
func (h *Handler) createRole(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRequest(w, r, decodeRoleCreate)
	if err != nil {
		return err
	}
	role, err := h.tenant.CreateRole(r.Context(), in)
	return reply(w, http.StatusOK, role, err, roleOut)
}

func (h *Handler) listRoles(w http.ResponseWriter, r *http.Request) error {
	q, p, err := parseListQuery(r, offsetPaging)
	if err != nil {
		return err
	}
	l, err := h.tenant.Roles(r.Context(), q.Get("name_filter"), p)
	return replyList(w, p, "roles", l, err, roleOut)
}

func (h *Handler) getRole(w http.ResponseWriter, r *http.Request) error {
	role, err := h.tenant.Role(r.Context(), r.PathValue("id"))
	return reply(w, http.StatusOK, role, err, roleOut)
}

func (h *Handler) updateRole(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRequest(w, r, decodeRolePatch)
	if err != nil {
		return err
	}
	role, err := h.tenant.UpdateRole(r.Context(), r.PathValue("id"), in)
	return reply(w, http.StatusOK, role, err, roleOut)
}

// deleteRole answers 200 {}, as Auth0 does.
func (h *Handler) deleteRole(w http.ResponseWriter, r *http.Request) error {
	if err := h.tenant.DeleteRole(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct{}{})
	return nil
}

// addRolePermissions answers 201 {}, as Auth0 does.
func (h *Handler) addRolePermissions(w http.ResponseWriter, r *http.Request) error {
	perms, err := decodeRequest(w, r, decodeRolePermissions)
	if err != nil {
		return err
	}
	if err := h.tenant.AddRolePermissions(r.Context(), r.PathValue("id"), perms); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, struct{}{})
	return nil
}

func (h *Handler) removeRolePermissions(w http.ResponseWriter, r *http.Request) error {
	perms, err := decodeRequest(w, r, decodeRolePermissions)
	if err != nil {
		return err
	}
	if err := h.tenant.RemoveRolePermissions(r.Context(), r.PathValue("id"), perms); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}

func (h *Handler) listRolePermissions(w http.ResponseWriter, r *http.Request) error {
	_, p, err := parseListQuery(r, offsetPaging)
	if err != nil {
		return err
	}
	l, err := h.tenant.RolePermissions(r.Context(), r.PathValue("id"), p)
	return replyList(w, p, "permissions", l, err, rolePermissionOut)
}

// listUserRoles serves GET /users/{id}/roles, which needs read:roles besides the route's read:users.
func (h *Handler) listUserRoles(w http.ResponseWriter, r *http.Request) error {
	if err := requireScope(r, "read:roles"); err != nil {
		return err
	}
	_, p, err := parseListQuery(r, offsetPaging)
	if err != nil {
		return err
	}
	l, err := h.tenant.UserRoles(r.Context(), r.PathValue("id"), p)
	return replyList(w, p, "roles", l, err, roleOut)
}

func (h *Handler) assignUserRoles(w http.ResponseWriter, r *http.Request) error {
	ids, err := decodeRequest(w, r, decodeRoleIDs)
	if err != nil {
		return err
	}
	if err := h.tenant.AssignUserRoles(r.Context(), r.PathValue("id"), ids); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}

func (h *Handler) removeUserRoles(w http.ResponseWriter, r *http.Request) error {
	ids, err := decodeRequest(w, r, decodeRoleIDs)
	if err != nil {
		return err
	}
	if err := h.tenant.RemoveUserRoles(r.Context(), r.PathValue("id"), ids); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}

func (h *Handler) assignMemberRoles(w http.ResponseWriter, r *http.Request) error {
	ids, err := decodeRequest(w, r, decodeRoleIDs)
	if err != nil {
		return err
	}
	if err := h.tenant.AssignMemberRoles(r.Context(), r.PathValue("id"), r.PathValue("user_id"), ids); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}

func (h *Handler) removeMemberRoles(w http.ResponseWriter, r *http.Request) error {
	ids, err := decodeRequest(w, r, decodeRoleIDs)
	if err != nil {
		return err
	}
	if err := h.tenant.RemoveMemberRoles(r.Context(), r.PathValue("id"), r.PathValue("user_id"), ids); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}

func (h *Handler) listMemberRoles(w http.ResponseWriter, r *http.Request) error {
	_, p, err := parseListQuery(r, offsetPaging)
	if err != nil {
		return err
	}
	l, err := h.tenant.MemberRoles(r.Context(), r.PathValue("id"), r.PathValue("user_id"), p)
	return replyList(w, p, "roles", l, err, roleOut)
}
