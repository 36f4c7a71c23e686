package sqlite

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
// identifier. The write transaction holds the database's write lock from its first statement, so
// concurrent callers, in this process or another, see each other's result and exactly one creates.
func (s *Store) Bootstrap(ctx context.Context, b store.Bootstrap) (bool, error) {
	var created bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		var system string
		err := tx.QueryRowContext(ctx, "SELECT identifier FROM resource_servers WHERE is_system = 1").Scan(&system)
		switch {
		case err == nil && system == b.API.Identifier:
			return nil
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return err
		}
		var taken string
		err = tx.QueryRowContext(ctx, "SELECT id FROM resource_servers WHERE identifier = ?", b.API.Identifier).Scan(&taken)
		switch {
		case err == nil:
			return fmt.Errorf("resource server %s has the identifier %s: %w", taken, b.API.Identifier, store.ErrConflict)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if system != "" {
			return moveSystemAPI(ctx, tx, system, b.API.Identifier, b.API.UpdatedAt)
		}
		if err := insertResourceServer(ctx, tx, b.API); err != nil {
			return fmt.Errorf("resource server %s: %w", b.API.Identifier, err)
		}
		if err := insertClient(ctx, tx, b.Client); err != nil {
			return fmt.Errorf("client %s: %w", b.Client.ClientID, err)
		}
		if err := insertClientGrant(ctx, tx, b.Grant); err != nil {
			return fmt.Errorf("client grant %s: %w", b.Grant.ID, err)
		}
		created = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("sqlite: bootstrap: %w", err)
	}
	return created, nil
}

// moveSystemAPI gives the Management API a new identifier, and its grants the new audience. The foreign
// key from grants to identifiers is checked at commit, when both sides agree again.
func moveSystemAPI(ctx context.Context, tx *sql.Tx, from, to string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, "PRAGMA defer_foreign_keys = ON"); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE resource_servers SET identifier = ?, updated_at = ? WHERE identifier = ?",
		to, toMicros(now), from); err != nil {
		return fmt.Errorf("move Management API from %s to %s: %w", from, to, classify(err))
	}
	if _, err := tx.ExecContext(ctx, "UPDATE client_grants SET audience = ? WHERE audience = ?", to, from); err != nil {
		return fmt.Errorf("move Management API grants to %s: %w", to, err)
	}
	return nil
}
