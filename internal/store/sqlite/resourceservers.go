package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

const resourceServerCols = `id, identifier, name, scopes, signing_alg, token_lifetime, allow_offline_access, is_system,
	created_at, updated_at`

func scanResourceServer(sc sqlstore.Scanner) (store.ResourceServer, error) {
	var (
		rs               store.ResourceServer
		scopes           *string
		created, updated int64
	)
	if err := sc.Scan(&rs.ID, &rs.Identifier, &rs.Name, &scopes, &rs.SigningAlg, &rs.TokenLifetime,
		&rs.AllowOfflineAccess, &rs.IsSystem, &created, &updated); err != nil {
		return rs, err
	}
	var err error
	if rs.Scopes, err = sqlstore.DecodeScopes(scopes); err != nil {
		return rs, fmt.Errorf("decode scopes: %w", err)
	}
	rs.CreatedAt, rs.UpdatedAt = fromMicros(created), fromMicros(updated)
	return rs, nil
}

// getResourceServer reads the resource server whose column col (id or identifier) equals v.
func getResourceServer(ctx context.Context, q querier, col, v string) (store.ResourceServer, error) {
	rs, err := scanResourceServer(q.QueryRowContext(ctx,
		"SELECT "+resourceServerCols+" FROM resource_servers WHERE "+col+" = ?", v))
	return rs, classify(err)
}

func insertResourceServer(ctx context.Context, q querier, rs store.ResourceServer) error {
	scopes, err := sqlstore.EncodeScopes(rs.Scopes)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO resource_servers (`+resourceServerCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		rs.ID, rs.Identifier, rs.Name, scopes, rs.SigningAlg, rs.TokenLifetime, rs.AllowOfflineAccess,
		rs.IsSystem, toMicros(rs.CreatedAt), toMicros(rs.UpdatedAt))
	return classify(err)
}

// CreateResourceServer stores rs; ErrConflict when its id or identifier is taken.
func (s *Store) CreateResourceServer(ctx context.Context, rs store.ResourceServer) error {
	if err := s.write(ctx, func(tx *sql.Tx) error { return insertResourceServer(ctx, tx, rs) }); err != nil {
		return fmt.Errorf("sqlite: create resource server %s: %w", rs.Identifier, err)
	}
	return nil
}

// GetResourceServer finds a resource server by id.
func (s *Store) GetResourceServer(ctx context.Context, id string) (store.ResourceServer, error) {
	rs, err := getResourceServer(ctx, s.r, "id", id)
	if err != nil {
		return rs, fmt.Errorf("sqlite: get resource server %s: %w", id, err)
	}
	return rs, nil
}

// GetResourceServerByIdentifier finds a resource server by identifier (audience).
func (s *Store) GetResourceServerByIdentifier(ctx context.Context, identifier string) (store.ResourceServer, error) {
	rs, err := getResourceServer(ctx, s.r, "identifier", identifier)
	if err != nil {
		return rs, fmt.Errorf("sqlite: get resource server %s: %w", identifier, err)
	}
	return rs, nil
}

// GetSystemResourceServer finds the Management API.
func (s *Store) GetSystemResourceServer(ctx context.Context) (store.ResourceServer, error) {
	rs, err := scanResourceServer(s.r.QueryRowContext(ctx,
		"SELECT "+resourceServerCols+" FROM resource_servers WHERE is_system = 1 ORDER BY seq LIMIT 1"))
	if err := classify(err); err != nil {
		return rs, fmt.Errorf("sqlite: get the Management API: %w", err)
	}
	return rs, nil
}

// ListResourceServers lists resource servers in creation order.
func (s *Store) ListResourceServers(ctx context.Context, p store.Page) (store.List[store.ResourceServer], error) {
	var out store.List[store.ResourceServer]
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = list(ctx, tx, listSpec{cols: resourceServerCols, from: "resource_servers", seq: "seq"}, p, scanResourceServer)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("sqlite: list resource servers: %w", err)
	}
	return out, nil
}

// UpdateResourceServer applies fn to the stored resource server. Its id, identifier and creation time
// are kept whatever fn does.
func (s *Store) UpdateResourceServer(ctx context.Context, id string, fn func(*store.ResourceServer) error) (store.ResourceServer, error) {
	rs, err := update(ctx, s,
		func(q querier) (store.ResourceServer, error) { return getResourceServer(ctx, q, "id", id) },
		fn,
		func(q querier, rs store.ResourceServer) error {
			scopes, err := sqlstore.EncodeScopes(rs.Scopes)
			if err != nil {
				return err
			}
			_, err = q.ExecContext(ctx, `UPDATE resource_servers SET name = ?, scopes = ?, signing_alg = ?,
				token_lifetime = ?, allow_offline_access = ?, is_system = ?, updated_at = ? WHERE id = ?`,
				rs.Name, scopes, rs.SigningAlg, rs.TokenLifetime, rs.AllowOfflineAccess, rs.IsSystem,
				toMicros(rs.UpdatedAt), id)
			return classify(err)
		})
	if err != nil {
		return rs, fmt.Errorf("sqlite: update resource server %s: %w", id, err)
	}
	return rs, nil
}

// DeleteResourceServer deletes a resource server; foreign keys cascade to its client grants and their
// organization associations.
func (s *Store) DeleteResourceServer(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		return mustAffect(tx.ExecContext(ctx, "DELETE FROM resource_servers WHERE id = ?", id))
	})
	if err != nil {
		return fmt.Errorf("sqlite: delete resource server %s: %w", id, err)
	}
	return nil
}
