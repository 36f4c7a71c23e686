package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

const resourceServerCols = `id, identifier, name, scopes, signing_alg, token_lifetime, allow_offline_access, is_system,
	created_at, updated_at`

func scanResourceServer(sc sqlstore.Scanner) (store.ResourceServer, error) {
	var (
		rs     store.ResourceServer
		scopes *string
	)
	if err := sc.Scan(&rs.ID, &rs.Identifier, &rs.Name, &scopes, &rs.SigningAlg, &rs.TokenLifetime,
		&rs.AllowOfflineAccess, &rs.IsSystem, &rs.CreatedAt, &rs.UpdatedAt); err != nil {
		return rs, err
	}
	var err error
	if rs.Scopes, err = sqlstore.DecodeScopes(scopes); err != nil {
		return rs, fmt.Errorf("decode scopes: %w", err)
	}
	rs.CreatedAt, rs.UpdatedAt = utc(rs.CreatedAt), utc(rs.UpdatedAt)
	return rs, nil
}

// getResourceServer reads the resource server whose column col (id or identifier) equals v; lock adds
// FOR UPDATE.
func getResourceServer(ctx context.Context, q querier, col, v string, lock bool) (store.ResourceServer, error) {
	return scanResourceServer(q.QueryRow(ctx,
		"SELECT "+resourceServerCols+" FROM resource_servers WHERE "+col+" = $1"+forUpdate(lock), v))
}

// forUpdate is the locking clause of a read-modify-write's read.
func forUpdate(lock bool) string {
	if lock {
		return " FOR UPDATE"
	}
	return ""
}

func insertResourceServer(ctx context.Context, q querier, rs store.ResourceServer) error {
	scopes, err := sqlstore.EncodeScopes(rs.Scopes)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `INSERT INTO resource_servers (`+resourceServerCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		rs.ID, rs.Identifier, rs.Name, scopes, rs.SigningAlg, rs.TokenLifetime, rs.AllowOfflineAccess,
		rs.IsSystem, rs.CreatedAt, rs.UpdatedAt)
	return err
}

// CreateResourceServer stores rs; ErrConflict when its id or identifier is taken.
func (s *Store) CreateResourceServer(ctx context.Context, rs store.ResourceServer) error {
	if err := s.write(ctx, func(tx pgx.Tx) error { return insertResourceServer(ctx, tx, rs) }); err != nil {
		return fmt.Errorf("postgres: create resource server %s: %w", rs.Identifier, classify(err))
	}
	return nil
}

// GetResourceServer finds a resource server by id.
func (s *Store) GetResourceServer(ctx context.Context, id string) (store.ResourceServer, error) {
	rs, err := getResourceServer(ctx, s.pool, "id", id, false)
	if err != nil {
		return rs, fmt.Errorf("postgres: get resource server %s: %w", id, classify(err))
	}
	return rs, nil
}

// GetResourceServerByIdentifier finds a resource server by identifier (audience).
func (s *Store) GetResourceServerByIdentifier(ctx context.Context, identifier string) (store.ResourceServer, error) {
	rs, err := getResourceServer(ctx, s.pool, "identifier", identifier, false)
	if err != nil {
		return rs, fmt.Errorf("postgres: get resource server %s: %w", identifier, classify(err))
	}
	return rs, nil
}

// GetSystemResourceServer finds the Management API.
func (s *Store) GetSystemResourceServer(ctx context.Context) (store.ResourceServer, error) {
	rs, err := scanResourceServer(s.pool.QueryRow(ctx,
		"SELECT "+resourceServerCols+" FROM resource_servers WHERE is_system ORDER BY seq LIMIT 1"))
	if err != nil {
		return rs, fmt.Errorf("postgres: get the Management API: %w", classify(err))
	}
	return rs, nil
}

// ListResourceServers lists resource servers in creation order.
func (s *Store) ListResourceServers(ctx context.Context, p store.Page) (store.List[store.ResourceServer], error) {
	var out store.List[store.ResourceServer]
	err := s.read(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = list(ctx, tx, listSpec{cols: resourceServerCols, from: "resource_servers", seq: "seq"}, p, scanResourceServer)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("postgres: list resource servers: %w", classify(err))
	}
	return out, nil
}

// UpdateResourceServer applies fn to the stored resource server. Its id, identifier and creation time
// are kept whatever fn does.
func (s *Store) UpdateResourceServer(ctx context.Context, id string, fn func(*store.ResourceServer) error) (store.ResourceServer, error) {
	rs, err := update(ctx, s,
		func(q querier) (store.ResourceServer, error) { return getResourceServer(ctx, q, "id", id, true) },
		fn,
		func(q querier, rs store.ResourceServer) error {
			scopes, err := sqlstore.EncodeScopes(rs.Scopes)
			if err != nil {
				return err
			}
			_, err = q.Exec(ctx, `UPDATE resource_servers SET name = $1, scopes = $2, signing_alg = $3,
				token_lifetime = $4, allow_offline_access = $5, is_system = $6, updated_at = $7 WHERE id = $8`,
				rs.Name, scopes, rs.SigningAlg, rs.TokenLifetime, rs.AllowOfflineAccess, rs.IsSystem, rs.UpdatedAt, id)
			return err
		})
	if err != nil {
		return rs, fmt.Errorf("postgres: update resource server %s: %w", id, classify(err))
	}
	return rs, nil
}

// DeleteResourceServer deletes a resource server; foreign keys cascade to its client grants and their
// organization associations.
func (s *Store) DeleteResourceServer(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		return mustAffect(tx.Exec(ctx, "DELETE FROM resource_servers WHERE id = $1", id))
	})
	if err != nil {
		return fmt.Errorf("postgres: delete resource server %s: %w", id, classify(err))
	}
	return nil
}
