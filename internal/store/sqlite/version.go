package sqlite

import (
	"context"
	"fmt"
)

// Version returns the tenant version, which every write transaction except a session's bumps.
func (s *Store) Version(ctx context.Context) (int64, error) {
	var v int64
	if err := s.r.QueryRowContext(ctx, "SELECT version FROM tenant_version WHERE id = 1").Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlite: tenant version: %w", err)
	}
	return v, nil
}

// WatchChanges blocks until ctx ends and returns its error: SQLite cannot notify another process of a
// commit, so processes sharing the file learn of changes by polling Version.
func (s *Store) WatchChanges(ctx context.Context, onChange func()) error {
	<-ctx.Done()
	return ctx.Err()
}

// OwnWrites reports whether this Store value committed every version in (after, through].
func (s *Store) OwnWrites(after, through int64) bool { return s.own.All(after, through) }
