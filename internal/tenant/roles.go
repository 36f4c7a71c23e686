package tenant

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/orgauth/orgauth/internal/store"
)

// Roles (SPEC-users §8): named sets of permissions (scopes of APIs), held by users in the tenant
// (tenant roles) or as members of organizations (member roles).

// Role rules.
const (
	MaxRoles              = 1000 // per tenant
	MaxPermissionsPerRole = 1000
	MaxRolesPerUser       = 50 // tenant roles of one user
	MaxRolesPerMember     = 50 // roles of one user in one organization
	maxRoleNameLength     = 255
	maxRoleDescription    = 255
)

var (
	errRoleNotFound       = notFound("Role not found.", "inexistent_role")
	errRoleConflict       = &Error{Kind: KindConflict, Message: "The role already exists.", Code: "role_conflict", Property: "name"}
	errTooManyRoles       = conflict(fmt.Sprintf("A tenant cannot have more than %d roles.", MaxRoles), "too_many_roles")
	errTooManyPermissions = conflict(fmt.Sprintf("A role cannot have more than %d permissions.", MaxPermissionsPerRole), "too_many_permissions")
	errTooManyUserRoles   = conflict("No more roles can be assigned to this user.", "too_many_user_roles")
	errTooManyMemberRoles = conflict("No more roles can be assigned to this organization member.", "too_many_member_roles")
	errSystemPermission   = invalidMessage("permissions",
		"Permissions of the Management API cannot be granted to roles: it takes client-credentials tokens only.")
)

// RoleInput creates a role.
type RoleInput struct {
	Name        string
	Description *string
}

// RolePatch changes a role.
type RolePatch struct {
	Name        *string
	Description *string
}

// RolePermission is a permission of a role with what its API says of it now: the scope's description
// and the API's name (both empty when the API no longer defines the scope).
type RolePermission struct {
	Permission
	Description        string
	ResourceServerName string
}

func newRoleID() string { return "rol_" + randomAlphanumeric(16) }

func (s *Service) CreateRole(ctx context.Context, in RoleInput) (Role, error) {
	r := Role{ID: newRoleID(), Name: in.Name, CreatedAt: s.now()}
	r.UpdatedAt = r.CreatedAt
	if in.Description != nil {
		r.Description = *in.Description
	}
	if err := validateRole(RolePatch{Name: &r.Name, Description: &r.Description}); err != nil {
		return r, err
	}
	// The count is read before the write, not in its transaction: two concurrent creations at the
	// limit may both pass (the store's CreateRole takes no check).
	n, err := s.store.ListRoles(ctx, "", store.Page{Limit: 1, WantTotal: true})
	if err != nil {
		return r, fmt.Errorf("count roles: %w", err)
	}
	if n.Total >= MaxRoles {
		return r, errTooManyRoles
	}
	err = s.store.CreateRole(ctx, r)
	return r, storeError(err, nil, errRoleConflict, "create role")
}

func (s *Service) Role(ctx context.Context, id string) (Role, error) {
	r, err := s.store.GetRole(ctx, id)
	return r, storeError(err, errRoleNotFound, nil, "get role")
}

// Roles lists the roles whose name contains nameFilter, ignoring case ("" lists all), in creation order.
func (s *Service) Roles(ctx context.Context, nameFilter string, p store.Page) (store.List[Role], error) {
	l, err := s.store.ListRoles(ctx, nameFilter, p)
	return l, storeError(err, nil, nil, "list roles")
}

func (s *Service) UpdateRole(ctx context.Context, id string, in RolePatch) (Role, error) {
	if err := validateRole(in); err != nil { // the body first, as Auth0: 400 before 404
		return Role{}, err
	}
	r, err := s.store.UpdateRole(ctx, id, func(r *Role) error {
		if in.Name != nil {
			r.Name = *in.Name
		}
		if in.Description != nil {
			r.Description = *in.Description
		}
		r.UpdatedAt = s.now()
		return nil
	})
	return r, storeError(err, errRoleNotFound, errRoleConflict, "update role")
}

// DeleteRole deletes a role and removes it everywhere it is assigned: tenant roles, member roles and
// invitations.
func (s *Service) DeleteRole(ctx context.Context, id string) error {
	return storeError(s.store.DeleteRole(ctx, id), errRoleNotFound, nil, "delete role")
}

func validateRole(p RolePatch) error {
	if p.Name != nil {
		if err := checkText("name", *p.Name, 1, maxRoleNameLength, false); err != nil {
			return err
		}
	}
	if p.Description != nil {
		if err := checkText("description", *p.Description, 0, maxRoleDescription, false); err != nil {
			return err
		}
	}
	return nil
}

// AddRolePermissions grants a role permissions; each must be a scope its API defines (not the
// Management API's). Those the role has already are left as they are.
func (s *Service) AddRolePermissions(ctx context.Context, roleID string, perms []Permission) error {
	if err := checkPermissions(perms); err != nil {
		return err
	}
	if _, err := s.Role(ctx, roleID); err != nil {
		return err
	}
	apis := map[string]store.ResourceServer{}
	for _, p := range perms {
		api, ok := apis[p.ResourceServerIdentifier]
		if !ok {
			var err error
			api, err = s.store.GetResourceServerByIdentifier(ctx, p.ResourceServerIdentifier)
			if errors.Is(err, store.ErrNotFound) {
				return invalidMessage("permissions",
					fmt.Sprintf("No resource server found by that identifier: %q.", p.ResourceServerIdentifier))
			}
			if err != nil {
				return fmt.Errorf("check permissions: %w", err)
			}
			apis[p.ResourceServerIdentifier] = api
		}
		if api.IsSystem {
			return errSystemPermission
		}
		if !slices.ContainsFunc(api.Scopes, func(sc store.Scope) bool { return sc.Value == p.PermissionName }) {
			return invalidMessage("permissions",
				fmt.Sprintf("Scope %q is not defined by the API %q.", p.PermissionName, api.Identifier))
		}
	}
	err := s.store.AddRolePermissions(ctx, roleID, perms, func(count int) error {
		if count > MaxPermissionsPerRole {
			return errTooManyPermissions
		}
		return nil
	})
	// The role and the APIs were checked above: a missing one now was deleted meanwhile.
	return storeError(err, errRoleNotFound, nil, "add role permissions")
}

// RemoveRolePermissions takes permissions from a role; those it does not have are no error.
func (s *Service) RemoveRolePermissions(ctx context.Context, roleID string, perms []Permission) error {
	if err := checkPermissions(perms); err != nil {
		return err
	}
	return storeError(s.store.RemoveRolePermissions(ctx, roleID, perms), errRoleNotFound, nil, "remove role permissions")
}

// RolePermissions lists a role's permissions in the order they were granted.
func (s *Service) RolePermissions(ctx context.Context, roleID string, p store.Page) (store.List[RolePermission], error) {
	l, err := s.store.ListRolePermissions(ctx, roleID, p)
	if err != nil {
		return store.List[RolePermission]{}, storeError(err, errRoleNotFound, nil, "list role permissions")
	}
	out := store.List[RolePermission]{Items: make([]RolePermission, len(l.Items)), Total: l.Total, Next: l.Next}
	apis := map[string]*store.ResourceServer{}
	for i, perm := range l.Items {
		out.Items[i].Permission = perm
		api, ok := apis[perm.ResourceServerIdentifier]
		if !ok {
			rs, err := s.store.GetResourceServerByIdentifier(ctx, perm.ResourceServerIdentifier)
			switch {
			case err == nil:
				api = &rs
			case !errors.Is(err, store.ErrNotFound): // deleted meanwhile: its permissions went with it
				return out, fmt.Errorf("list role permissions: %w", err)
			}
			apis[perm.ResourceServerIdentifier] = api
		}
		if api == nil {
			continue
		}
		out.Items[i].ResourceServerName = api.Name
		if j := slices.IndexFunc(api.Scopes, func(sc store.Scope) bool { return sc.Value == perm.PermissionName }); j >= 0 {
			out.Items[i].Description = api.Scopes[j].Description
		}
	}
	return out, nil
}

// checkPermissions checks the permissions a request names, before any lookup: at least one, each
// with an API identifier and a scope.
func checkPermissions(perms []Permission) error {
	if len(perms) == 0 {
		return invalid("permissions", "Array is too short (0), minimum 1")
	}
	for i, p := range perms {
		if err := checkText(fmt.Sprintf("permissions[%d].resource_server_identifier", i), p.ResourceServerIdentifier, 1, maxIdentifierLength, false); err != nil {
			return err
		}
		if err := checkScopeValue(fmt.Sprintf("permissions[%d].permission_name", i), p.PermissionName); err != nil {
			return err
		}
	}
	return nil
}

// AssignUserRoles gives a user tenant roles (those it has already are left as they are); a user has at
// most MaxRolesPerUser.
func (s *Service) AssignUserRoles(ctx context.Context, userID string, roleIDs []string) error {
	if err := checkReferences("roles", roleIDs, 1, MaxRolesPerUser); err != nil {
		return err
	}
	if err := s.checkUser(ctx, userID); err != nil {
		return err
	}
	if err := s.checkRolesExist(ctx, roleIDs); err != nil {
		return err
	}
	err := s.store.AssignUserRoles(ctx, userID, roleIDs, func(count int) error {
		if count > MaxRolesPerUser {
			return errTooManyUserRoles
		}
		return nil
	})
	return storeError(err, errUnknownUser, nil, "assign user roles")
}

// RemoveUserRoles takes tenant roles from a user; roles the user does not have are no error.
func (s *Service) RemoveUserRoles(ctx context.Context, userID string, roleIDs []string) error {
	if err := checkReferences("roles", roleIDs, 1, MaxRolesPerUser); err != nil {
		return err
	}
	return storeError(s.store.RemoveUserRoles(ctx, userID, roleIDs), errUnknownUser, nil, "remove user roles")
}

// UserRoles lists a user's tenant roles in the roles' creation order.
func (s *Service) UserRoles(ctx context.Context, userID string, p store.Page) (store.List[Role], error) {
	l, err := s.store.ListUserRoles(ctx, userID, p)
	return l, storeError(err, errUnknownUser, nil, "list user roles")
}

// AssignMemberRoles gives a user roles in an organization (those it has there already are left as they
// are), at most MaxRolesPerMember. The user need not be a member yet, as Auth0's live service allows:
// the roles take effect once the user is one.
func (s *Service) AssignMemberRoles(ctx context.Context, orgID, userID string, roleIDs []string) error {
	if err := checkReferences("roles", roleIDs, 1, MaxRolesPerMember); err != nil {
		return err
	}
	if _, err := s.Organization(ctx, orgID); err != nil {
		return err
	}
	if err := s.checkUser(ctx, userID); err != nil {
		return err
	}
	if err := s.checkRolesExist(ctx, roleIDs); err != nil {
		return err
	}
	err := s.store.AssignMemberRoles(ctx, orgID, userID, roleIDs, func(count int) error {
		if count > MaxRolesPerMember {
			return errTooManyMemberRoles
		}
		return nil
	})
	return storeError(err, errUnknownUser, nil, "assign member roles")
}

// RemoveMemberRoles takes roles in an organization from a user; roles the user does not have there
// are no error.
func (s *Service) RemoveMemberRoles(ctx context.Context, orgID, userID string, roleIDs []string) error {
	if err := checkReferences("roles", roleIDs, 1, MaxRolesPerMember); err != nil {
		return err
	}
	if _, err := s.Organization(ctx, orgID); err != nil {
		return err
	}
	return storeError(s.store.RemoveMemberRoles(ctx, orgID, userID, roleIDs), errUnknownUser, nil, "remove member roles")
}

// MemberRoles lists a user's roles in an organization in the roles' creation order.
func (s *Service) MemberRoles(ctx context.Context, orgID, userID string, p store.Page) (store.List[Role], error) {
	if _, err := s.Organization(ctx, orgID); err != nil {
		return store.List[Role]{}, err
	}
	l, err := s.store.ListMemberRoles(ctx, orgID, userID, p)
	return l, storeError(err, errUnknownUser, nil, "list member roles")
}

// checkUser refuses an unknown user.
func (s *Service) checkUser(ctx context.Context, userID string) error {
	_, err := s.store.GetUser(ctx, userID)
	return storeError(err, errUnknownUser, nil, "get user")
}

// checkRolesExist refuses role ids of which any names no role, naming them all in the order given.
func (s *Service) checkRolesExist(ctx context.Context, roleIDs []string) error {
	var missing []string
	for _, id := range roleIDs {
		if slices.Contains(missing, id) {
			continue
		}
		_, err := s.store.GetRole(ctx, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			missing = append(missing, id)
		case err != nil:
			return fmt.Errorf("check roles: %w", err)
		}
	}
	if len(missing) > 0 {
		return invalidMessage("roles", "One or more of the specified roles do not exist: "+strings.Join(missing, ", "))
	}
	return nil
}
