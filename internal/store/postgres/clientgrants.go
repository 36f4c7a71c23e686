package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

// clientGrantCols are qualified with g, the alias every query on client_grants uses, so that joins
// with organization_client_grants can share them.
const clientGrantCols = `g.id, g.client_id, g.audience, g.scope, g.organization_usage, g.allow_any_organization,
	g.subject_type, g.created_at, g.updated_at`

func scanClientGrant(sc sqlstore.Scanner) (store.ClientGrant, error) {
	var (
		g     store.ClientGrant
		scope *string
	)
	if err := sc.Scan(&g.ID, &g.ClientID, &g.Audience, &scope, &g.OrganizationUsage, &g.AllowAnyOrganization,
		&g.SubjectType, &g.CreatedAt, &g.UpdatedAt); err != nil {
		return g, err
	}
	var err error
	if g.Scope, err = sqlstore.DecodeStrings(scope); err != nil {
		return g, fmt.Errorf("decode scope: %w", err)
	}
	g.CreatedAt, g.UpdatedAt = utc(g.CreatedAt), utc(g.UpdatedAt)
	return g, nil
}

func getClientGrant(ctx context.Context, q querier, id string, lock bool) (store.ClientGrant, error) {
	return scanClientGrant(q.QueryRow(ctx, "SELECT "+clientGrantCols+" FROM client_grants g WHERE g.id = $1"+forUpdate(lock), id))
}

func insertClientGrant(ctx context.Context, q querier, g store.ClientGrant) error {
	scope, err := sqlstore.EncodeStrings(g.Scope)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `INSERT INTO client_grants (id, client_id, audience, scope, organization_usage,
		allow_any_organization, subject_type, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		g.ID, g.ClientID, g.Audience, scope, g.OrganizationUsage, g.AllowAnyOrganization, g.SubjectType,
		g.CreatedAt, g.UpdatedAt)
	return err
}

// filterClientGrants adds the conditions of f on the client_grants alias g. Values no row can hold
// match nothing.
func filterClientGrants(spec *listSpec, f store.ClientGrantFilter) {
	equals := func(col, v string) {
		if storable(v) {
			spec.and(col + " = " + spec.arg(v))
		} else {
			spec.and("FALSE")
		}
	}
	if f.Audience != "" {
		equals("g.audience", f.Audience)
	}
	if f.ClientID != "" {
		equals("g.client_id", f.ClientID)
	}
	if f.AllowAnyOrganization != nil {
		spec.and("g.allow_any_organization = " + spec.arg(*f.AllowAnyOrganization))
	}
	if len(f.GrantIDs) > 0 {
		spec.and("g.id = ANY(" + spec.arg(slices.DeleteFunc(slices.Clone(f.GrantIDs), func(id string) bool { return !storable(id) })) + ")")
	}
}

// CreateClientGrant stores g; ErrConflict when its id is taken or the client already has a grant for
// the audience, ErrNotFound when the client or the audience does not exist.
func (s *Store) CreateClientGrant(ctx context.Context, g store.ClientGrant) error {
	if err := s.write(ctx, func(tx pgx.Tx) error { return insertClientGrant(ctx, tx, g) }); err != nil {
		return fmt.Errorf("postgres: create client grant %s: %w", g.ID, classify(err))
	}
	return nil
}

// GetClientGrant finds a client grant by id.
func (s *Store) GetClientGrant(ctx context.Context, id string) (store.ClientGrant, error) {
	g, err := getClientGrant(ctx, s.pool, id, false)
	if err != nil {
		return g, fmt.Errorf("postgres: get client grant %s: %w", id, classify(err))
	}
	return g, nil
}

// GetClientGrantByClientAudience finds the grant of a client for an audience.
func (s *Store) GetClientGrantByClientAudience(ctx context.Context, clientID, audience string) (store.ClientGrant, error) {
	g, err := scanClientGrant(s.pool.QueryRow(ctx,
		"SELECT "+clientGrantCols+" FROM client_grants g WHERE g.client_id = $1 AND g.audience = $2", clientID, audience))
	if err != nil {
		return g, fmt.Errorf("postgres: get client grant of %s for %s: %w", clientID, audience, classify(err))
	}
	return g, nil
}

// ListClientGrants lists the client grants that match f, in creation order.
func (s *Store) ListClientGrants(ctx context.Context, f store.ClientGrantFilter, p store.Page) (store.List[store.ClientGrant], error) {
	spec := listSpec{cols: clientGrantCols, from: "client_grants g", seq: "g.seq"}
	filterClientGrants(&spec, f)
	var out store.List[store.ClientGrant]
	err := s.read(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = list(ctx, tx, spec, p, scanClientGrant)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("postgres: list client grants: %w", classify(err))
	}
	return out, nil
}

// UpdateClientGrant applies fn to the stored grant. Its id, client, audience and creation time are
// kept whatever fn does.
func (s *Store) UpdateClientGrant(ctx context.Context, id string, fn func(*store.ClientGrant) error) (store.ClientGrant, error) {
	g, err := update(ctx, s,
		func(q querier) (store.ClientGrant, error) { return getClientGrant(ctx, q, id, true) },
		fn,
		func(q querier, g store.ClientGrant) error {
			scope, err := sqlstore.EncodeStrings(g.Scope)
			if err != nil {
				return err
			}
			_, err = q.Exec(ctx, `UPDATE client_grants SET scope = $1, organization_usage = $2,
				allow_any_organization = $3, subject_type = $4, updated_at = $5 WHERE id = $6`,
				scope, g.OrganizationUsage, g.AllowAnyOrganization, g.SubjectType, g.UpdatedAt, id)
			return err
		})
	if err != nil {
		return g, fmt.Errorf("postgres: update client grant %s: %w", id, classify(err))
	}
	return g, nil
}

// DeleteClientGrant deletes a grant; foreign keys cascade to its organization associations.
// ErrNotFound when there is no such grant.
func (s *Store) DeleteClientGrant(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		return mustAffect(tx.Exec(ctx, "DELETE FROM client_grants WHERE id = $1", id))
	})
	if err != nil {
		return fmt.Errorf("postgres: delete client grant %s: %w", id, classify(err))
	}
	return nil
}
