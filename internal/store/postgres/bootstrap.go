package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orgauth/orgauth/internal/store"
)

// Bootstrap creates the Management API, the admin client and its grant in one transaction, or moves the
// existing Management API to a new identifier; it refuses when an ordinary resource server has that
// identifier. The transaction first takes the schema's bootstrap lock, so concurrent callers, in this
// instance or another, run one after the other and each sees what the one before committed: exactly one
// creates.
func (s *Store) Bootstrap(ctx context.Context, b store.Bootstrap) (bool, error) {
	var created bool
	err := s.write(ctx, func(tx pgx.Tx) error {
		if err := lock(ctx, tx, lockBootstrap); err != nil {
			return err
		}
		var system string
		err := tx.QueryRow(ctx, "SELECT identifier FROM resource_servers WHERE is_system").Scan(&system)
		switch {
		case err == nil && system == b.API.Identifier:
			return nil
		case err != nil && !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		var taken string
		err = tx.QueryRow(ctx, "SELECT id FROM resource_servers WHERE identifier = $1", b.API.Identifier).Scan(&taken)
		switch {
		case err == nil:
			return fmt.Errorf("resource server %s has the identifier %s: %w", taken, b.API.Identifier, store.ErrConflict)
		case !errors.Is(err, pgx.ErrNoRows):
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
		return false, fmt.Errorf("postgres: bootstrap: %w", classify(err))
	}
	return created, nil
}

// moveSystemAPI gives the Management API a new identifier; the grants' foreign key (ON UPDATE CASCADE)
// moves their audience along.
func moveSystemAPI(ctx context.Context, tx pgx.Tx, from, to string, now time.Time) error {
	if _, err := tx.Exec(ctx, "UPDATE resource_servers SET identifier = $1, updated_at = $2 WHERE identifier = $3",
		to, now, from); err != nil {
		return fmt.Errorf("move Management API from %s to %s: %w", from, to, err)
	}
	return nil
}
