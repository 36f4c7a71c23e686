package sqlstore

import (
	"context"
	"fmt"

	"github.com/orgauth/orgauth/internal/store"
)

// Organization client grants reference organizations and client grants by seq; these helpers turn the
// public ids into seqs first.

// organizationSeq finds an organization's seq; lock locks its row, which serializes the changes to the
// organization's associations.
func organizationSeq(ctx context.Context, c conn, id string, lock bool) (int64, error) {
	var seq int64
	if err := c.row(ctx, "SELECT seq FROM organizations WHERE id = ?"+c.forUpdate(lock), id).Scan(&seq); err != nil {
		return 0, fmt.Errorf("organization %s: %w", id, err)
	}
	return seq, nil
}

func clientGrantSeq(ctx context.Context, c conn, id string) (int64, error) {
	var seq int64
	if err := c.row(ctx, "SELECT seq FROM client_grants WHERE id = ?", id).Scan(&seq); err != nil {
		return 0, fmt.Errorf("client grant %s: %w", id, err)
	}
	return seq, nil
}

// AddOrganizationClientGrant associates a grant with an organization. Inside the transaction it finds
// both (ErrNotFound) and locks the organization's row, so that concurrent adds to one organization, in
// any instance, take turns; then it refuses a second association (ErrConflict) and lets check judge the
// grant and the organization's current number of associations. An error from check aborts with nothing
// written; a nil check accepts.
func (s *Store) AddOrganizationClientGrant(ctx context.Context, orgID, grantID string, check func(g store.ClientGrant, count int) error) error {
	err := s.write(ctx, func(c conn) error {
		orgSeq, err := organizationSeq(ctx, c, orgID, true)
		if err != nil {
			return err
		}
		var grantSeq int64
		g, err := scanClientGrant(withSeq(
			c.row(ctx, "SELECT g.seq, "+clientGrantCols+" FROM client_grants g WHERE g.id = ?", grantID), &grantSeq))
		if err != nil {
			return fmt.Errorf("client grant %s: %w", grantID, err)
		}
		var exists bool
		if err := c.row(ctx, `SELECT EXISTS (SELECT 1 FROM organization_client_grants
			WHERE org_seq = ? AND grant_seq = ?)`, orgSeq, grantSeq).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return store.ErrConflict
		}
		if check != nil {
			var count int
			if err := c.row(ctx, "SELECT COUNT(*) FROM organization_client_grants WHERE org_seq = ?", orgSeq).Scan(&count); err != nil {
				return err
			}
			if err := check(g, count); err != nil {
				return err
			}
		}
		// A grant deleted meanwhile fails the foreign key: ErrNotFound.
		_, err = c.exec(ctx, "INSERT INTO organization_client_grants (org_seq, grant_seq) VALUES (?, ?)", orgSeq, grantSeq)
		c.changed(store.ChangeOrganization, orgID)
		return err
	})
	return s.fail(err, "add client grant %s to organization %s", grantID, orgID)
}

// RemoveOrganizationClientGrant deletes the association, if there is one. ErrNotFound when the
// organization does not exist; an unknown grant is just not associated.
func (s *Store) RemoveOrganizationClientGrant(ctx context.Context, orgID, grantID string) error {
	err := s.write(ctx, func(c conn) error {
		orgSeq, err := organizationSeq(ctx, c, orgID, false)
		if err != nil || !s.holds(grantID) {
			return err
		}
		_, err = c.exec(ctx, `DELETE FROM organization_client_grants
			WHERE org_seq = ? AND grant_seq = (SELECT seq FROM client_grants WHERE id = ?)`, orgSeq, grantID)
		c.changed(store.ChangeOrganization, orgID)
		return err
	})
	return s.fail(err, "remove client grant %s from organization %s", grantID, orgID)
}

// HasOrganizationClientGrant reports whether the grant is associated with the organization; unknown ids
// are simply not associated.
func (s *Store) HasOrganizationClientGrant(ctx context.Context, orgID, grantID string) (bool, error) {
	if !s.holds(orgID, grantID) {
		return false, nil
	}
	var has bool
	err := s.reader().row(ctx, `SELECT EXISTS (SELECT 1 FROM organization_client_grants a
		JOIN organizations o ON o.seq = a.org_seq
		JOIN client_grants g ON g.seq = a.grant_seq
		WHERE o.id = ? AND g.id = ?)`, orgID, grantID).Scan(&has)
	return has, s.fail(err, "has organization %s client grant %s", orgID, grantID)
}

// ListOrganizationClientGrants lists the grants associated with an organization that match f, in the
// grants' creation order. ErrNotFound when the organization does not exist.
func (s *Store) ListOrganizationClientGrants(ctx context.Context, orgID string, f store.ClientGrantFilter, p store.Page) (store.List[store.ClientGrant], error) {
	var out store.List[store.ClientGrant]
	err := s.read(ctx, func(c conn) error {
		orgSeq, err := organizationSeq(ctx, c, orgID, false)
		if err != nil {
			return err
		}
		// Ordering on a.grant_seq (equal to g.seq) lets the primary key serve the order as well.
		spec := listSpec{
			cols: clientGrantCols,
			from: "organization_client_grants a JOIN client_grants g ON g.seq = a.grant_seq",
			seq:  "a.grant_seq",
		}
		spec.and("a.org_seq = ?", orgSeq)
		s.filterClientGrants(&spec, f)
		out, err = list(ctx, c, spec, p, scanClientGrant)
		return err
	})
	return out, s.fail(err, "list client grants of organization %s", orgID)
}

// ListClientGrantOrganizations lists the organizations a grant is associated with, in the
// organizations' creation order. ErrNotFound when the grant does not exist.
func (s *Store) ListClientGrantOrganizations(ctx context.Context, grantID string, p store.Page) (store.List[store.Organization], error) {
	var out store.List[store.Organization]
	err := s.read(ctx, func(c conn) error {
		grantSeq, err := clientGrantSeq(ctx, c, grantID)
		if err != nil {
			return err
		}
		spec := listSpec{
			cols: organizationCols,
			from: "organization_client_grants a JOIN organizations o ON o.seq = a.org_seq",
			seq:  "a.org_seq",
		}
		spec.and("a.grant_seq = ?", grantSeq)
		out, err = list(ctx, c, spec, p, scanOrganization)
		return err
	})
	return out, s.fail(err, "list organizations of client grant %s", grantID)
}

// EachOrganizationClientGrant calls fn with every association, in one read transaction.
func (s *Store) EachOrganizationClientGrant(ctx context.Context, fn func(orgID, grantID string) error) error {
	err := s.read(ctx, func(c conn) error {
		rows, err := c.query(ctx, `SELECT o.id, g.id FROM organization_client_grants a
			JOIN organizations o ON o.seq = a.org_seq JOIN client_grants g ON g.seq = a.grant_seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var orgID, grantID string
			if err := rows.Scan(&orgID, &grantID); err != nil {
				return err
			}
			if err := fn(orgID, grantID); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return s.fail(err, "list every organization client grant")
}
