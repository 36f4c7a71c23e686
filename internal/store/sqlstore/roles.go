package sqlstore

import (
	"context"
	"strings"

	"github.com/orgauth/orgauth/internal/store"
)

// Roles, their permissions, and their assignments: tenant roles of users (user_roles) and roles of
// users in organizations (member_roles). All reference roles, users, organizations and APIs by seq, so
// deleting any of them removes what pointed at it, and the Management API moving to a new identifier
// moves nothing here.

func roleSeq(ctx context.Context, c conn, id string, lock bool) (int64, error) {
	return seqOf(ctx, c, "role", "roles", "id", id, lock)
}

// roleCols are qualified with r, the alias every query on roles uses.
const roleCols = `r.id, r.name, r.description, r.created_at, r.updated_at`

func scanRole(sc scanner) (store.Role, error) {
	var r store.Role
	err := sc.Scan(&r.ID, &r.Name, &r.Description, utc{&r.CreatedAt}, utc{&r.UpdatedAt})
	return r, err
}

func getRole(ctx context.Context, c conn, id string, lock bool) (store.Role, error) {
	return scanRole(c.row(ctx, "SELECT "+roleCols+" FROM roles r WHERE r.id = ?"+c.forUpdate(lock), id))
}

// CreateRole stores r; ErrConflict when its id or name is taken.
func (s *Store) CreateRole(ctx context.Context, r store.Role) error {
	err := s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, `INSERT INTO roles (id, name, name_lower, description, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`, r.ID, r.Name, strings.ToLower(r.Name), r.Description, r.CreatedAt, r.UpdatedAt)
		return err
	})
	return s.fail(err, "create role %s", r.ID)
}

// GetRole finds a role by id.
func (s *Store) GetRole(ctx context.Context, id string) (store.Role, error) {
	r, err := getRole(ctx, s.reader(), id, false)
	return r, s.fail(err, "get role %s", id)
}

// ListRoles lists the roles whose name contains nameFilter, both in lowercase (Go's, not the engines').
func (s *Store) ListRoles(ctx context.Context, nameFilter string, p store.Page) (store.List[store.Role], error) {
	var out store.List[store.Role]
	if !s.holds(nameFilter) {
		return out, nil
	}
	spec := listSpec{cols: roleCols, from: "roles r", seq: "r.seq"}
	if nameFilter != "" {
		spec.and(`r.name_lower LIKE ? ESCAPE '\'`, "%"+likeEscaper.Replace(strings.ToLower(nameFilter))+"%")
	}
	err := s.read(ctx, func(c conn) (err error) {
		out, err = list(ctx, c, spec, p, scanRole)
		return err
	})
	return out, s.fail(err, "list roles named like %q", nameFilter)
}

// UpdateRole applies fn to the stored role. Its id and creation time are kept whatever fn does.
func (s *Store) UpdateRole(ctx context.Context, id string, fn func(*store.Role) error) (store.Role, error) {
	r, err := update(ctx, s,
		func(c conn) (store.Role, error) { return getRole(ctx, c, id, true) },
		fn,
		func(c conn, r store.Role) error {
			_, err := c.exec(ctx, "UPDATE roles SET name = ?, name_lower = ?, description = ?, updated_at = ? WHERE id = ?",
				r.Name, strings.ToLower(r.Name), r.Description, r.UpdatedAt, id)
			return err
		})
	return r, s.fail(err, "update role %s", id)
}

// DeleteRole deletes a role; foreign keys remove its permissions and its assignments everywhere
// (tenant roles, member roles, invitations). ErrNotFound when there is no such role.
func (s *Store) DeleteRole(ctx context.Context, id string) error {
	err := s.write(ctx, func(c conn) error {
		return mustAffect(c.exec(ctx, "DELETE FROM roles WHERE id = ?", id))
	})
	return s.fail(err, "delete role %s", id)
}

// checkCount runs check, when there is one, with the count that query (a COUNT) returns.
func checkCount(ctx context.Context, c conn, check func(int) error, query string, args ...any) error {
	if check == nil {
		return nil
	}
	var n int
	if err := c.row(ctx, query, args...).Scan(&n); err != nil {
		return err
	}
	return check(n)
}

// AddRolePermissions adds permissions to a role in one transaction, which locks the role's row so that
// the count check sees every concurrent add.
func (s *Store) AddRolePermissions(ctx context.Context, roleID string, perms []store.Permission, check func(int) error) error {
	err := s.write(ctx, func(c conn) error {
		seq, err := roleSeq(ctx, c, roleID, true)
		if err != nil {
			return err
		}
		for _, p := range perms {
			api, err := seqOf(ctx, c, "resource server", "resource_servers", "identifier", p.ResourceServerIdentifier, false)
			if err != nil {
				return err
			}
			if _, err := c.exec(ctx, `INSERT INTO role_permissions (role_seq, api_seq, permission_name) VALUES (?, ?, ?)
				ON CONFLICT (role_seq, api_seq, permission_name) DO NOTHING`, seq, api, p.PermissionName); err != nil {
				return err
			}
		}
		return checkCount(ctx, c, check, "SELECT COUNT(*) FROM role_permissions WHERE role_seq = ?", seq)
	})
	return s.fail(err, "add permissions to role %s", roleID)
}

// RemoveRolePermissions removes permissions from a role; those it does not have are no error.
func (s *Store) RemoveRolePermissions(ctx context.Context, roleID string, perms []store.Permission) error {
	err := s.write(ctx, func(c conn) error {
		seq, err := roleSeq(ctx, c, roleID, false)
		if err != nil {
			return err
		}
		for _, p := range perms {
			if !s.holds(p.ResourceServerIdentifier, p.PermissionName) {
				continue
			}
			if _, err := c.exec(ctx, `DELETE FROM role_permissions WHERE role_seq = ?
				AND api_seq = (SELECT seq FROM resource_servers WHERE identifier = ?) AND permission_name = ?`,
				seq, p.ResourceServerIdentifier, p.PermissionName); err != nil {
				return err
			}
		}
		return nil
	})
	return s.fail(err, "remove permissions from role %s", roleID)
}

// ListRolePermissions lists a role's permissions in the order they were added.
func (s *Store) ListRolePermissions(ctx context.Context, roleID string, p store.Page) (store.List[store.Permission], error) {
	var out store.List[store.Permission]
	err := s.read(ctx, func(c conn) error {
		seq, err := roleSeq(ctx, c, roleID, false)
		if err != nil {
			return err
		}
		spec := listSpec{cols: "rs.identifier, rp.permission_name",
			from: "role_permissions rp JOIN resource_servers rs ON rs.seq = rp.api_seq", seq: "rp.seq"}
		spec.and("rp.role_seq = ?", seq)
		out, err = list(ctx, c, spec, p, func(sc scanner) (store.Permission, error) {
			var p store.Permission
			return p, sc.Scan(&p.ResourceServerIdentifier, &p.PermissionName)
		})
		return err
	})
	return out, s.fail(err, "list permissions of role %s", roleID)
}

// assignRoles inserts the roles into table for the row that cols/vals name (the user, or the
// organization and the user), leaving those it has; ErrNotFound when a role does not exist.
func assignRoles(ctx context.Context, c conn, table, cols string, vals []any, roleIDs []string) error {
	for _, id := range roleIDs {
		seq, err := roleSeq(ctx, c, id, false)
		if err != nil {
			return err
		}
		if _, err := c.exec(ctx, "INSERT INTO "+table+" ("+cols+", role_seq) VALUES ("+placeholders(len(vals)+1)+
			") ON CONFLICT ("+cols+", role_seq) DO NOTHING", append(vals[:len(vals):len(vals)], seq)...); err != nil {
			return err
		}
	}
	return nil
}

// removeRoles deletes the roles from table where cond (on its columns, with args) holds; unknown role
// ids name nothing.
func (s *Store) removeRoles(ctx context.Context, c conn, table, cond string, args []any, roleIDs []string) error {
	for _, id := range roleIDs {
		if !s.holds(id) {
			continue
		}
		if _, err := c.exec(ctx, "DELETE FROM "+table+" WHERE "+cond+" AND role_seq = (SELECT seq FROM roles WHERE id = ?)",
			append(args[:len(args):len(args)], id)...); err != nil {
			return err
		}
	}
	return nil
}

// AssignUserRoles gives a user tenant roles in one transaction, which locks the user's row so that the
// count check sees every concurrent assignment.
func (s *Store) AssignUserRoles(ctx context.Context, userID string, roleIDs []string, check func(int) error) error {
	err := s.write(ctx, func(c conn) error {
		seq, err := userSeq(ctx, c, userID, true)
		if err != nil {
			return err
		}
		if err := assignRoles(ctx, c, "user_roles", "user_seq", []any{seq}, roleIDs); err != nil {
			return err
		}
		return checkCount(ctx, c, check, "SELECT COUNT(*) FROM user_roles WHERE user_seq = ?", seq)
	})
	return s.fail(err, "assign roles to user %s", userID)
}

// RemoveUserRoles removes tenant roles from a user.
func (s *Store) RemoveUserRoles(ctx context.Context, userID string, roleIDs []string) error {
	err := s.write(ctx, func(c conn) error {
		seq, err := userSeq(ctx, c, userID, false)
		if err != nil {
			return err
		}
		return s.removeRoles(ctx, c, "user_roles", "user_seq = ?", []any{seq}, roleIDs)
	})
	return s.fail(err, "remove roles from user %s", userID)
}

// ListUserRoles lists a user's tenant roles in the roles' creation order.
func (s *Store) ListUserRoles(ctx context.Context, userID string, p store.Page) (store.List[store.Role], error) {
	var out store.List[store.Role]
	err := s.read(ctx, func(c conn) error {
		seq, err := userSeq(ctx, c, userID, false)
		if err != nil {
			return err
		}
		spec := listSpec{cols: roleCols, from: "user_roles a JOIN roles r ON r.seq = a.role_seq", seq: "a.role_seq"}
		spec.and("a.user_seq = ?", seq)
		out, err = list(ctx, c, spec, p, scanRole)
		return err
	})
	return out, s.fail(err, "list roles of user %s", userID)
}

// memberSeqs finds the seqs of an organization and a user; lock locks the user's row.
func memberSeqs(ctx context.Context, c conn, orgID, userID string, lock bool) (org, user int64, err error) {
	if org, err = organizationSeq(ctx, c, orgID, false); err != nil {
		return 0, 0, err
	}
	user, err = userSeq(ctx, c, userID, lock)
	return org, user, err
}

// AssignMemberRoles gives a user roles in an organization in one transaction, which locks the user's
// row so that the count check sees every concurrent assignment.
func (s *Store) AssignMemberRoles(ctx context.Context, orgID, userID string, roleIDs []string, check func(int) error) error {
	err := s.write(ctx, func(c conn) error {
		org, user, err := memberSeqs(ctx, c, orgID, userID, true)
		if err != nil {
			return err
		}
		if err := assignRoles(ctx, c, "member_roles", "org_seq, user_seq", []any{org, user}, roleIDs); err != nil {
			return err
		}
		return checkCount(ctx, c, check, "SELECT COUNT(*) FROM member_roles WHERE org_seq = ? AND user_seq = ?", org, user)
	})
	return s.fail(err, "assign roles to user %s in organization %s", userID, orgID)
}

// RemoveMemberRoles removes roles of a user in an organization.
func (s *Store) RemoveMemberRoles(ctx context.Context, orgID, userID string, roleIDs []string) error {
	err := s.write(ctx, func(c conn) error {
		org, user, err := memberSeqs(ctx, c, orgID, userID, false)
		if err != nil {
			return err
		}
		return s.removeRoles(ctx, c, "member_roles", "org_seq = ? AND user_seq = ?", []any{org, user}, roleIDs)
	})
	return s.fail(err, "remove roles from user %s in organization %s", userID, orgID)
}

// ListMemberRoles lists a user's roles in an organization in the roles' creation order.
func (s *Store) ListMemberRoles(ctx context.Context, orgID, userID string, p store.Page) (store.List[store.Role], error) {
	var out store.List[store.Role]
	err := s.read(ctx, func(c conn) error {
		org, user, err := memberSeqs(ctx, c, orgID, userID, false)
		if err != nil {
			return err
		}
		spec := listSpec{cols: roleCols, from: "member_roles a JOIN roles r ON r.seq = a.role_seq", seq: "a.role_seq"}
		spec.and("a.org_seq = ? AND a.user_seq = ?", org, user)
		out, err = list(ctx, c, spec, p, scanRole)
		return err
	})
	return out, s.fail(err, "list roles of user %s in organization %s", userID, orgID)
}

// UserPermissions returns the user's permissions for an API: those of its roles as a member of the
// organization (a membership required), or of its tenant roles when orgID is "". One query, by the
// primary keys of the assignment tables.
func (s *Store) UserPermissions(ctx context.Context, userID, orgID, audience string) ([]string, error) {
	if !s.holds(userID, orgID, audience) {
		return nil, nil
	}
	query, args := `SELECT DISTINCT rp.permission_name FROM users u
		JOIN user_roles a ON a.user_seq = u.seq
		JOIN role_permissions rp ON rp.role_seq = a.role_seq
		JOIN resource_servers rs ON rs.seq = rp.api_seq
		WHERE u.id = ? AND rs.identifier = ? ORDER BY rp.permission_name`, []any{userID, audience}
	if orgID != "" {
		query, args = `SELECT DISTINCT rp.permission_name FROM users u
			JOIN organization_members m ON m.user_seq = u.seq
			JOIN organizations o ON o.seq = m.org_seq
			JOIN member_roles a ON a.org_seq = m.org_seq AND a.user_seq = m.user_seq
			JOIN role_permissions rp ON rp.role_seq = a.role_seq
			JOIN resource_servers rs ON rs.seq = rp.api_seq
			WHERE u.id = ? AND o.id = ? AND rs.identifier = ? ORDER BY rp.permission_name`, []any{userID, orgID, audience}
	}
	rows, err := s.reader().query(ctx, query, args...)
	if err != nil {
		return nil, s.fail(err, "permissions of user %s", userID)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, s.fail(err, "permissions of user %s", userID)
		}
		out = append(out, p)
	}
	return out, s.fail(rows.Err(), "permissions of user %s", userID)
}
