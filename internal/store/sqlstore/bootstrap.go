package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// Bootstrap creates the Management API, the admin client and its grant in one transaction, or moves the
// existing Management API to a new identifier; it refuses when an ordinary resource server has that
// identifier. The transaction first takes the bootstrap lock (on SQLite the write transaction holds the
// database's write lock from its first statement), so concurrent callers, in this process or another,
// run one after the other and each sees what the one before committed: exactly one creates.
func (s *Store) Bootstrap(ctx context.Context, b store.Bootstrap) (bool, error) {
	var created bool
	err := s.write(ctx, func(c conn) error {
		if err := lock(ctx, c, lockBootstrap); err != nil {
			return err
		}
		var system string
		err := c.row(ctx, "SELECT identifier FROM resource_servers WHERE is_system").Scan(&system)
		switch {
		case err == nil && system == b.API.Identifier:
			return nil
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return err
		}
		var taken string
		err = c.row(ctx, "SELECT id FROM resource_servers WHERE identifier = ?", b.API.Identifier).Scan(&taken)
		switch {
		case err == nil:
			return fmt.Errorf("resource server %s has the identifier %s: %w", taken, b.API.Identifier, store.ErrConflict)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if system != "" {
			return moveSystemAPI(ctx, c, system, b.API.Identifier, b.API.UpdatedAt)
		}
		if err := insertResourceServer(ctx, c, b.API); err != nil {
			return fmt.Errorf("resource server %s: %w", b.API.Identifier, err)
		}
		if err := insertClient(ctx, c, b.Client); err != nil {
			return fmt.Errorf("client %s: %w", b.Client.ClientID, err)
		}
		if err := insertClientGrant(ctx, c, b.Grant); err != nil {
			return fmt.Errorf("client grant %s: %w", b.Grant.ID, err)
		}
		created = true
		return nil
	})
	if err != nil {
		return false, s.fail(err, "bootstrap")
	}
	return created, nil
}

// moveSystemAPI gives the Management API a new identifier, and its grants the new audience: by ON
// UPDATE CASCADE where the schema has it, else by the second statement, the foreign key from grants to
// identifiers being checked at commit, when both sides agree again.
func moveSystemAPI(ctx context.Context, c conn, from, to string, now time.Time) error {
	if err := c.changedRows(ctx, store.ChangeAPI, "SELECT id FROM resource_servers WHERE identifier = ?", from); err != nil {
		return err
	}
	if err := c.changedRows(ctx, store.ChangeClientGrant, "SELECT id FROM client_grants WHERE audience = ?", from); err != nil {
		return err
	}
	if c.d.deferForeignKeys != "" {
		if _, err := c.exec(ctx, c.d.deferForeignKeys); err != nil {
			return err
		}
	}
	if _, err := c.exec(ctx, "UPDATE resource_servers SET identifier = ?, updated_at = ? WHERE identifier = ?",
		to, now, from); err != nil {
		return fmt.Errorf("move Management API from %s to %s: %w", from, to, err)
	}
	if _, err := c.exec(ctx, "UPDATE client_grants SET audience = ? WHERE audience = ?", to, from); err != nil {
		return fmt.Errorf("move Management API grants to %s: %w", to, err)
	}
	return nil
}
