package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

// clientGrantCols are qualified with g, the alias every query on client_grants uses, so that joins
// with organization_client_grants can share them.
const clientGrantCols = `g.id, g.client_id, g.audience, g.scope, g.organization_usage, g.allow_any_organization,
	g.subject_type, g.created_at, g.updated_at`

func scanClientGrant(sc sqlstore.Scanner) (store.ClientGrant, error) {
	var (
		g                store.ClientGrant
		scope            *string
		created, updated int64
	)
	if err := sc.Scan(&g.ID, &g.ClientID, &g.Audience, &scope, &g.OrganizationUsage, &g.AllowAnyOrganization,
		&g.SubjectType, &created, &updated); err != nil {
		return g, err
	}
	var err error
	if g.Scope, err = sqlstore.DecodeStrings(scope); err != nil {
		return g, fmt.Errorf("decode scope: %w", err)
	}
	g.CreatedAt, g.UpdatedAt = fromMicros(created), fromMicros(updated)
	return g, nil
}

func getClientGrant(ctx context.Context, q querier, id string) (store.ClientGrant, error) {
	g, err := scanClientGrant(q.QueryRowContext(ctx, "SELECT "+clientGrantCols+" FROM client_grants g WHERE g.id = ?", id))
	return g, classify(err)
}

func insertClientGrant(ctx context.Context, q querier, g store.ClientGrant) error {
	scope, err := sqlstore.EncodeStrings(g.Scope)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO client_grants (id, client_id, audience, scope, organization_usage,
		allow_any_organization, subject_type, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.ID, g.ClientID, g.Audience, scope, g.OrganizationUsage, g.AllowAnyOrganization, g.SubjectType,
		toMicros(g.CreatedAt), toMicros(g.UpdatedAt))
	return classify(err)
}

// filterClientGrants adds the conditions of f on the client_grants alias g.
func filterClientGrants(spec *listSpec, f store.ClientGrantFilter) {
	if f.Audience != "" {
		spec.and("g.audience = ?", f.Audience)
	}
	if f.ClientID != "" {
		spec.and("g.client_id = ?", f.ClientID)
	}
	if f.AllowAnyOrganization != nil {
		spec.and("g.allow_any_organization = ?", *f.AllowAnyOrganization)
	}
	if len(f.GrantIDs) > 0 {
		args := make([]any, len(f.GrantIDs))
		for i, id := range f.GrantIDs {
			args[i] = id
		}
		spec.and("g.id IN (?"+strings.Repeat(", ?", len(args)-1)+")", args...)
	}
}

// CreateClientGrant stores g; ErrConflict when its id is taken or the client already has a grant for
// the audience, ErrNotFound when the client or the audience does not exist.
func (s *Store) CreateClientGrant(ctx context.Context, g store.ClientGrant) error {
	if err := s.write(ctx, func(tx *sql.Tx) error { return insertClientGrant(ctx, tx, g) }); err != nil {
		return fmt.Errorf("sqlite: create client grant %s: %w", g.ID, err)
	}
	return nil
}

// GetClientGrant finds a client grant by id.
func (s *Store) GetClientGrant(ctx context.Context, id string) (store.ClientGrant, error) {
	g, err := getClientGrant(ctx, s.r, id)
	if err != nil {
		return g, fmt.Errorf("sqlite: get client grant %s: %w", id, err)
	}
	return g, nil
}

// GetClientGrantByClientAudience finds the grant of a client for an audience.
func (s *Store) GetClientGrantByClientAudience(ctx context.Context, clientID, audience string) (store.ClientGrant, error) {
	g, err := scanClientGrant(s.r.QueryRowContext(ctx,
		"SELECT "+clientGrantCols+" FROM client_grants g WHERE g.client_id = ? AND g.audience = ?", clientID, audience))
	if err != nil {
		return g, fmt.Errorf("sqlite: get client grant of %s for %s: %w", clientID, audience, classify(err))
	}
	return g, nil
}

// ListClientGrants lists the client grants that match f, in creation order.
func (s *Store) ListClientGrants(ctx context.Context, f store.ClientGrantFilter, p store.Page) (store.List[store.ClientGrant], error) {
	spec := listSpec{cols: clientGrantCols, from: "client_grants g", seq: "g.seq"}
	filterClientGrants(&spec, f)
	var out store.List[store.ClientGrant]
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = list(ctx, tx, spec, p, scanClientGrant)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("sqlite: list client grants: %w", err)
	}
	return out, nil
}

// UpdateClientGrant applies fn to the stored grant. Its id, client, audience and creation time are
// kept whatever fn does.
func (s *Store) UpdateClientGrant(ctx context.Context, id string, fn func(*store.ClientGrant) error) (store.ClientGrant, error) {
	g, err := update(ctx, s,
		func(q querier) (store.ClientGrant, error) { return getClientGrant(ctx, q, id) },
		fn,
		func(q querier, g store.ClientGrant) error {
			scope, err := sqlstore.EncodeStrings(g.Scope)
			if err != nil {
				return err
			}
			_, err = q.ExecContext(ctx, `UPDATE client_grants SET scope = ?, organization_usage = ?,
				allow_any_organization = ?, subject_type = ?, updated_at = ? WHERE id = ?`,
				scope, g.OrganizationUsage, g.AllowAnyOrganization, g.SubjectType, toMicros(g.UpdatedAt), id)
			return classify(err)
		})
	if err != nil {
		return g, fmt.Errorf("sqlite: update client grant %s: %w", id, err)
	}
	return g, nil
}

// DeleteClientGrant deletes a grant; foreign keys cascade to its organization associations.
// ErrNotFound when there is no such grant.
func (s *Store) DeleteClientGrant(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		return mustAffect(tx.ExecContext(ctx, "DELETE FROM client_grants WHERE id = ?", id))
	})
	if err != nil {
		return fmt.Errorf("sqlite: delete client grant %s: %w", id, err)
	}
	return nil
}
