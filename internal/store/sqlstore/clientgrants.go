package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/orgauth/orgauth/internal/store"
)

// clientGrantCols are qualified with g, the alias every query on client_grants uses, so that joins
// with organization_client_grants can share them.
const clientGrantCols = `g.id, g.client_id, g.audience, g.scope, g.organization_usage, g.allow_any_organization,
	g.subject_type, g.created_at, g.updated_at`

func scanClientGrant(sc scanner) (store.ClientGrant, error) {
	var (
		g     store.ClientGrant
		scope *string
	)
	if err := sc.Scan(&g.ID, &g.ClientID, &g.Audience, &scope, &g.OrganizationUsage, &g.AllowAnyOrganization,
		&g.SubjectType, utc{&g.CreatedAt}, utc{&g.UpdatedAt}); err != nil {
		return g, err
	}
	var err error
	if g.Scope, err = decodeStrings(scope); err != nil {
		return g, fmt.Errorf("decode scope: %w", err)
	}
	return g, nil
}

// getClientGrant reads a client grant; lock locks its row.
func getClientGrant(ctx context.Context, c conn, id string, lock bool) (store.ClientGrant, error) {
	return scanClientGrant(c.row(ctx, "SELECT "+clientGrantCols+" FROM client_grants g WHERE g.id = ?"+c.forUpdate(lock), id))
}

func insertClientGrant(ctx context.Context, c conn, g store.ClientGrant) error {
	scope, err := encodeStrings(g.Scope)
	if err != nil {
		return err
	}
	_, err = c.exec(ctx, `INSERT INTO client_grants (id, client_id, audience, scope, organization_usage,
		allow_any_organization, subject_type, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.ID, g.ClientID, g.Audience, scope, g.OrganizationUsage, g.AllowAnyOrganization, g.SubjectType,
		g.CreatedAt, g.UpdatedAt)
	c.changed(store.ChangeClientGrant, g.ID)
	return err
}

// filterClientGrants adds the conditions of f on the client_grants alias g. Values no row can hold
// match nothing.
func (s *Store) filterClientGrants(spec *listSpec, f store.ClientGrantFilter) {
	equals := func(col, v string) {
		if s.holds(v) {
			spec.and(col+" = ?", v)
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
		spec.and("g.allow_any_organization = ?", *f.AllowAnyOrganization)
	}
	if len(f.GrantIDs) > 0 {
		var ids []any
		for _, id := range f.GrantIDs {
			if s.holds(id) {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			spec.and("FALSE")
		} else {
			spec.and("g.id IN (?"+strings.Repeat(", ?", len(ids)-1)+")", ids...)
		}
	}
}

// CreateClientGrant stores g; ErrConflict when its id is taken or the client already has a grant for
// the audience, ErrNotFound when the client or the audience does not exist.
func (s *Store) CreateClientGrant(ctx context.Context, g store.ClientGrant) error {
	err := s.write(ctx, func(c conn) error { return insertClientGrant(ctx, c, g) })
	return s.fail(err, "create client grant %s", g.ID)
}

// GetClientGrant finds a client grant by id.
func (s *Store) GetClientGrant(ctx context.Context, id string) (store.ClientGrant, error) {
	g, err := getClientGrant(ctx, s.reader(), id, false)
	return g, s.fail(err, "get client grant %s", id)
}

// GetClientGrantByClientAudience finds the grant of a client for an audience.
func (s *Store) GetClientGrantByClientAudience(ctx context.Context, clientID, audience string) (store.ClientGrant, error) {
	g, err := scanClientGrant(s.reader().row(ctx,
		"SELECT "+clientGrantCols+" FROM client_grants g WHERE g.client_id = ? AND g.audience = ?", clientID, audience))
	return g, s.fail(err, "get client grant of %s for %s", clientID, audience)
}

// ListClientGrants lists the client grants that match f, in creation order.
func (s *Store) ListClientGrants(ctx context.Context, f store.ClientGrantFilter, p store.Page) (store.List[store.ClientGrant], error) {
	spec := listSpec{cols: clientGrantCols, from: "client_grants g", seq: "g.seq"}
	s.filterClientGrants(&spec, f)
	var out store.List[store.ClientGrant]
	err := s.read(ctx, func(c conn) (err error) {
		out, err = list(ctx, c, spec, p, scanClientGrant)
		return err
	})
	return out, s.fail(err, "list client grants")
}

// UpdateClientGrant applies fn to the stored grant. Its id, client, audience and creation time are
// kept whatever fn does.
func (s *Store) UpdateClientGrant(ctx context.Context, id string, fn func(*store.ClientGrant) error) (store.ClientGrant, error) {
	g, err := update(ctx, s,
		func(c conn) (store.ClientGrant, error) { return getClientGrant(ctx, c, id, true) },
		fn,
		func(c conn, g store.ClientGrant) error {
			scope, err := encodeStrings(g.Scope)
			if err != nil {
				return err
			}
			_, err = c.exec(ctx, `UPDATE client_grants SET scope = ?, organization_usage = ?,
				allow_any_organization = ?, subject_type = ?, updated_at = ? WHERE id = ?`,
				scope, g.OrganizationUsage, g.AllowAnyOrganization, g.SubjectType, g.UpdatedAt, id)
			c.changed(store.ChangeClientGrant, id)
			return err
		})
	return g, s.fail(err, "update client grant %s", id)
}

// DeleteClientGrant deletes a grant; foreign keys cascade to its organization associations.
// ErrNotFound when there is no such grant.
func (s *Store) DeleteClientGrant(ctx context.Context, id string) error {
	err := s.write(ctx, func(c conn) error {
		c.changed(store.ChangeClientGrant, id)
		return mustAffect(c.exec(ctx, "DELETE FROM client_grants WHERE id = ?", id))
	})
	return s.fail(err, "delete client grant %s", id)
}
