package sqlstore

import (
	"context"
	"fmt"

	"github.com/orgauth/orgauth/internal/store"
)

const resourceServerCols = `id, identifier, name, scopes, signing_alg, token_lifetime, allow_offline_access, is_system,
	enforce_policies, token_dialect, created_at, updated_at`

func scanResourceServer(sc scanner) (store.ResourceServer, error) {
	var (
		rs     store.ResourceServer
		scopes *string
	)
	if err := sc.Scan(&rs.ID, &rs.Identifier, &rs.Name, &scopes, &rs.SigningAlg, &rs.TokenLifetime,
		&rs.AllowOfflineAccess, &rs.IsSystem, &rs.EnforcePolicies, &rs.TokenDialect, utc{&rs.CreatedAt}, utc{&rs.UpdatedAt}); err != nil {
		return rs, err
	}
	var err error
	if rs.Scopes, err = decodeScopes(scopes); err != nil {
		return rs, fmt.Errorf("decode scopes: %w", err)
	}
	return rs, nil
}

// getResourceServer reads the resource server whose column col (id or identifier) equals v; lock locks
// its row.
func getResourceServer(ctx context.Context, c conn, col, v string, lock bool) (store.ResourceServer, error) {
	return scanResourceServer(c.row(ctx,
		"SELECT "+resourceServerCols+" FROM resource_servers WHERE "+col+" = ?"+c.forUpdate(lock), v))
}

func insertResourceServer(ctx context.Context, c conn, rs store.ResourceServer) error {
	scopes, err := encodeScopes(rs.Scopes)
	if err != nil {
		return err
	}
	_, err = c.exec(ctx, `INSERT INTO resource_servers (`+resourceServerCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		rs.ID, rs.Identifier, rs.Name, scopes, rs.SigningAlg, rs.TokenLifetime, rs.AllowOfflineAccess,
		rs.IsSystem, rs.EnforcePolicies, rs.TokenDialect, rs.CreatedAt, rs.UpdatedAt)
	c.changed(store.ChangeAPI, rs.ID)
	return err
}

// CreateResourceServer stores rs; ErrConflict when its id or identifier is taken.
func (s *Store) CreateResourceServer(ctx context.Context, rs store.ResourceServer) error {
	err := s.write(ctx, func(c conn) error { return insertResourceServer(ctx, c, rs) })
	return s.fail(err, "create resource server %s", rs.Identifier)
}

// GetResourceServer finds a resource server by id.
func (s *Store) GetResourceServer(ctx context.Context, id string) (store.ResourceServer, error) {
	rs, err := getResourceServer(ctx, s.reader(), "id", id, false)
	return rs, s.fail(err, "get resource server %s", id)
}

// GetResourceServerByIdentifier finds a resource server by identifier (audience).
func (s *Store) GetResourceServerByIdentifier(ctx context.Context, identifier string) (store.ResourceServer, error) {
	rs, err := getResourceServer(ctx, s.reader(), "identifier", identifier, false)
	return rs, s.fail(err, "get resource server %s", identifier)
}

// GetSystemResourceServer finds the Management API.
func (s *Store) GetSystemResourceServer(ctx context.Context) (store.ResourceServer, error) {
	rs, err := scanResourceServer(s.reader().row(ctx,
		"SELECT "+resourceServerCols+" FROM resource_servers WHERE is_system ORDER BY seq LIMIT 1"))
	return rs, s.fail(err, "get the Management API")
}

// ListResourceServers lists resource servers in creation order.
func (s *Store) ListResourceServers(ctx context.Context, p store.Page) (store.List[store.ResourceServer], error) {
	var out store.List[store.ResourceServer]
	err := s.read(ctx, func(c conn) (err error) {
		out, err = list(ctx, c, listSpec{cols: resourceServerCols, from: "resource_servers", seq: "seq"}, p, scanResourceServer)
		return err
	})
	return out, s.fail(err, "list resource servers")
}

// UpdateResourceServer applies fn to the stored resource server. Its id, identifier and creation time
// are kept whatever fn does.
func (s *Store) UpdateResourceServer(ctx context.Context, id string, fn func(*store.ResourceServer) error) (store.ResourceServer, error) {
	rs, err := update(ctx, s,
		func(c conn) (store.ResourceServer, error) { return getResourceServer(ctx, c, "id", id, true) },
		fn,
		func(c conn, rs store.ResourceServer) error {
			scopes, err := encodeScopes(rs.Scopes)
			if err != nil {
				return err
			}
			_, err = c.exec(ctx, `UPDATE resource_servers SET name = ?, scopes = ?, signing_alg = ?,
				token_lifetime = ?, allow_offline_access = ?, is_system = ?, enforce_policies = ?, token_dialect = ?,
				updated_at = ? WHERE id = ?`,
				rs.Name, scopes, rs.SigningAlg, rs.TokenLifetime, rs.AllowOfflineAccess, rs.IsSystem, rs.EnforcePolicies,
				rs.TokenDialect, rs.UpdatedAt, id)
			c.changed(store.ChangeAPI, id)
			return err
		})
	return rs, s.fail(err, "update resource server %s", id)
}

// DeleteResourceServer deletes a resource server; foreign keys cascade to its client grants and their
// organization associations, and to the role permissions of its scopes.
func (s *Store) DeleteResourceServer(ctx context.Context, id string) error {
	err := s.write(ctx, func(c conn) error {
		if err := c.changedRows(ctx, store.ChangeClientGrant,
			"SELECT g.id FROM client_grants g JOIN resource_servers r ON r.identifier = g.audience WHERE r.id = ?", id); err != nil {
			return err
		}
		c.changed(store.ChangeAPI, id)
		return mustAffect(c.exec(ctx, "DELETE FROM resource_servers WHERE id = ?", id))
	})
	return s.fail(err, "delete resource server %s", id)
}
