package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// Organization members reference organizations and users by seq; their own seq is the join order.

// addMember makes the user a member of the organization unless it is one; added reports whether it
// was not.
func addMember(ctx context.Context, c conn, orgSeq, userSeq int64, joinedAt time.Time) (added bool, err error) {
	res, err := c.exec(ctx, `INSERT INTO organization_members (org_seq, user_seq, joined_at) VALUES (?, ?, ?)
		ON CONFLICT (org_seq, user_seq) DO NOTHING`, orgSeq, userSeq, joinedAt)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// AddOrganizationMembers adds the users to the organization in one transaction: every user must exist,
// or no one is added. Concurrent adds of one member insert it once.
func (s *Store) AddOrganizationMembers(ctx context.Context, orgID string, userIDs []string, joinedAt time.Time) ([]string, error) {
	var added []string
	err := s.write(ctx, func(c conn) error {
		orgSeq, err := organizationSeq(ctx, c, orgID, false)
		if err != nil {
			return err
		}
		for _, id := range userIDs {
			seq, err := userSeq(ctx, c, id, false)
			if err != nil {
				return err
			}
			ok, err := addMember(ctx, c, orgSeq, seq, joinedAt)
			if err != nil {
				return err
			}
			if ok {
				added = append(added, id)
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.fail(err, "add members to organization %s", orgID)
	}
	return added, nil
}

// RemoveOrganizationMembers removes members in one transaction: each membership, the member's roles in
// the organization, and the refresh tokens issued to the member with the organization, revoked at now.
// Users who are not members are left as they are (roles assigned to them ahead of a membership stay).
func (s *Store) RemoveOrganizationMembers(ctx context.Context, orgID string, userIDs []string, now time.Time) error {
	err := s.write(ctx, func(c conn) error {
		orgSeq, err := organizationSeq(ctx, c, orgID, false)
		if err != nil {
			return err
		}
		for _, id := range userIDs {
			if !s.holds(id) {
				continue
			}
			seq, err := userSeq(ctx, c, id, false)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			} else if err != nil {
				return err
			}
			res, err := c.exec(ctx, "DELETE FROM organization_members WHERE org_seq = ? AND user_seq = ?", orgSeq, seq)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				continue
			}
			if _, err := c.exec(ctx, "DELETE FROM member_roles WHERE org_seq = ? AND user_seq = ?", orgSeq, seq); err != nil {
				return err
			}
			if err := revokeFamilies(ctx, c, now, "user_id = ? AND organization_id = ?", id, orgID); err != nil {
				return err
			}
		}
		return nil
	})
	return s.fail(err, "remove members from organization %s", orgID)
}

// ListOrganizationMembers lists an organization's members in join order.
func (s *Store) ListOrganizationMembers(ctx context.Context, orgID string, p store.Page) (store.List[store.Member], error) {
	var out store.List[store.Member]
	err := s.read(ctx, func(c conn) error {
		orgSeq, err := organizationSeq(ctx, c, orgID, false)
		if err != nil {
			return err
		}
		spec := listSpec{cols: userCols + ", m.joined_at", from: "organization_members m JOIN users u ON u.seq = m.user_seq", seq: "m.seq"}
		spec.and("m.org_seq = ?", orgSeq)
		out, err = list(ctx, c, spec, p, func(sc scanner) (store.Member, error) {
			var m store.Member
			u, err := scanUser(withExtra(sc, utc{&m.JoinedAt}))
			m.User = u
			return m, err
		})
		return err
	})
	return out, s.fail(err, "list members of organization %s", orgID)
}

// ListUserOrganizations lists the organizations a user is a member of, in join order.
func (s *Store) ListUserOrganizations(ctx context.Context, userID string, p store.Page) (store.List[store.UserOrganization], error) {
	var out store.List[store.UserOrganization]
	err := s.read(ctx, func(c conn) error {
		seq, err := userSeq(ctx, c, userID, false)
		if err != nil {
			return err
		}
		spec := listSpec{cols: organizationCols + ", m.joined_at", from: "organization_members m JOIN organizations o ON o.seq = m.org_seq", seq: "m.seq"}
		spec.and("m.user_seq = ?", seq)
		out, err = list(ctx, c, spec, p, func(sc scanner) (store.UserOrganization, error) {
			var uo store.UserOrganization
			o, err := scanOrganization(withExtra(sc, utc{&uo.JoinedAt}))
			uo.Organization = o
			return uo, err
		})
		return err
	})
	return out, s.fail(err, "list organizations of user %s", userID)
}

// IsOrganizationMember reports whether the user is a member of the organization.
func (s *Store) IsOrganizationMember(ctx context.Context, orgID, userID string) (bool, error) {
	if !s.holds(orgID, userID) {
		return false, nil
	}
	var is bool
	err := s.reader().row(ctx, `SELECT EXISTS (SELECT 1 FROM organization_members m
		JOIN organizations o ON o.seq = m.org_seq
		JOIN users u ON u.seq = m.user_seq
		WHERE o.id = ? AND u.id = ?)`, orgID, userID).Scan(&is)
	return is, s.fail(err, "is user %s a member of organization %s", userID, orgID)
}
