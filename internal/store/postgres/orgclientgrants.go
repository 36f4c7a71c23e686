package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

// Organization client grants reference organizations and client grants by seq; these helpers turn the
// public ids into seqs first.

// organizationSeq finds an organization's seq; lock adds FOR UPDATE, which serializes the changes to
// the organization's associations.
func organizationSeq(ctx context.Context, q querier, id string, lock bool) (int64, error) {
	var seq int64
	if err := q.QueryRow(ctx, "SELECT seq FROM organizations WHERE id = $1"+forUpdate(lock), id).Scan(&seq); err != nil {
		return 0, fmt.Errorf("organization %s: %w", id, classify(err))
	}
	return seq, nil
}

func clientGrantSeq(ctx context.Context, q querier, id string) (int64, error) {
	var seq int64
	if err := q.QueryRow(ctx, "SELECT seq FROM client_grants WHERE id = $1", id).Scan(&seq); err != nil {
		return 0, fmt.Errorf("client grant %s: %w", id, classify(err))
	}
	return seq, nil
}

// AddOrganizationClientGrant associates a grant with an organization. Inside the transaction it finds
// both (ErrNotFound) and locks the organization's row, so that concurrent adds to one organization, in
// any instance, take turns; then it refuses a second association (ErrConflict) and lets check judge the
// grant and the organization's current number of associations. An error from check aborts with nothing
// written; a nil check accepts.
func (s *Store) AddOrganizationClientGrant(ctx context.Context, orgID, grantID string, check func(g store.ClientGrant, count int) error) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		orgSeq, err := organizationSeq(ctx, tx, orgID, true)
		if err != nil {
			return err
		}
		var grantSeq int64
		g, err := scanClientGrant(sqlstore.WithSeq(
			tx.QueryRow(ctx, "SELECT g.seq, "+clientGrantCols+" FROM client_grants g WHERE g.id = $1", grantID), &grantSeq))
		if err != nil {
			return fmt.Errorf("client grant %s: %w", grantID, classify(err))
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM organization_client_grants
			WHERE org_seq = $1 AND grant_seq = $2)`, orgSeq, grantSeq).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return store.ErrConflict
		}
		if check != nil {
			var count int
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM organization_client_grants WHERE org_seq = $1",
				orgSeq).Scan(&count); err != nil {
				return err
			}
			if err := check(g, count); err != nil {
				return err
			}
		}
		// A grant deleted meanwhile fails the foreign key: ErrNotFound.
		_, err = tx.Exec(ctx, "INSERT INTO organization_client_grants (org_seq, grant_seq) VALUES ($1, $2)",
			orgSeq, grantSeq)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: add client grant %s to organization %s: %w", grantID, orgID, classify(err))
	}
	return nil
}

// RemoveOrganizationClientGrant deletes the association, if there is one. ErrNotFound when the
// organization does not exist; an unknown grant is just not associated.
func (s *Store) RemoveOrganizationClientGrant(ctx context.Context, orgID, grantID string) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		orgSeq, err := organizationSeq(ctx, tx, orgID, false)
		if err != nil || !storable(grantID) {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM organization_client_grants
			WHERE org_seq = $1 AND grant_seq = (SELECT seq FROM client_grants WHERE id = $2)`, orgSeq, grantID)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: remove client grant %s from organization %s: %w", grantID, orgID, classify(err))
	}
	return nil
}

// HasOrganizationClientGrant reports whether the grant is associated with the organization; unknown ids
// are simply not associated.
func (s *Store) HasOrganizationClientGrant(ctx context.Context, orgID, grantID string) (bool, error) {
	if !storable(orgID) || !storable(grantID) {
		return false, nil
	}
	var has bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM organization_client_grants a
		JOIN organizations o ON o.seq = a.org_seq
		JOIN client_grants g ON g.seq = a.grant_seq
		WHERE o.id = $1 AND g.id = $2)`, orgID, grantID).Scan(&has)
	if err != nil {
		return false, fmt.Errorf("postgres: has organization %s client grant %s: %w", orgID, grantID, classify(err))
	}
	return has, nil
}

// ListOrganizationClientGrants lists the grants associated with an organization that match f, in the
// grants' creation order. ErrNotFound when the organization does not exist.
func (s *Store) ListOrganizationClientGrants(ctx context.Context, orgID string, f store.ClientGrantFilter, p store.Page) (store.List[store.ClientGrant], error) {
	var out store.List[store.ClientGrant]
	err := s.read(ctx, func(tx pgx.Tx) error {
		orgSeq, err := organizationSeq(ctx, tx, orgID, false)
		if err != nil {
			return err
		}
		// Ordering on a.grant_seq (equal to g.seq) lets the primary key serve the order as well.
		spec := listSpec{
			cols: clientGrantCols,
			from: "organization_client_grants a JOIN client_grants g ON g.seq = a.grant_seq",
			seq:  "a.grant_seq",
		}
		spec.and("a.org_seq = " + spec.arg(orgSeq))
		filterClientGrants(&spec, f)
		out, err = list(ctx, tx, spec, p, scanClientGrant)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("postgres: list client grants of organization %s: %w", orgID, classify(err))
	}
	return out, nil
}

// ListClientGrantOrganizations lists the organizations a grant is associated with, in the
// organizations' creation order. ErrNotFound when the grant does not exist.
func (s *Store) ListClientGrantOrganizations(ctx context.Context, grantID string, p store.Page) (store.List[store.Organization], error) {
	var out store.List[store.Organization]
	err := s.read(ctx, func(tx pgx.Tx) error {
		grantSeq, err := clientGrantSeq(ctx, tx, grantID)
		if err != nil {
			return err
		}
		spec := listSpec{
			cols: organizationCols,
			from: "organization_client_grants a JOIN organizations o ON o.seq = a.org_seq",
			seq:  "a.org_seq",
		}
		spec.and("a.grant_seq = " + spec.arg(grantSeq))
		out, err = list(ctx, tx, spec, p, scanOrganization)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("postgres: list organizations of client grant %s: %w", grantID, classify(err))
	}
	return out, nil
}
