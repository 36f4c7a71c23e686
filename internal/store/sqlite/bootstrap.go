package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/orgauth/orgauth/internal/store"
)

// Bootstrap creates the Management API, the admin client and its grant in one transaction, unless a
// resource server with the API's identifier already exists. The write transaction holds the database's
// write lock from its first statement, so concurrent callers, in this process or another, see each
// other's result and exactly one creates.
func (s *Store) Bootstrap(ctx context.Context, b store.Bootstrap) (bool, error) {
	var created bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM resource_servers WHERE identifier = ?)",
			b.API.Identifier).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return nil
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
