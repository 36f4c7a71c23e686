package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrate applies the migrations the schema has not seen, each in its own transaction together with the
// row that records it. Each transaction first takes the schema's migration lock, so instances starting
// at once queue, and each finds what the one before applied: every version is applied exactly once.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := sqlstore.LoadMigrations(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for {
		done, err := applyNext(ctx, pool, ms)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if done {
			return nil
		}
	}
}

// applyNext applies the first migration the schema lacks, and reports done when it lacks none.
func applyNext(ctx context.Context, pool *pgxpool.Pool, ms []sqlstore.Migration) (done bool, err error) {
	tx, err := pool.BeginTx(ctx, writeTx)
	if err != nil {
		return false, err
	}
	defer rollback(tx) // a no-op after Commit
	// Without a schema to create tables in, current_schema() is NULL and the lock below would be skipped.
	var schema *string
	if err := tx.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return false, err
	}
	if schema == nil {
		return false, fmt.Errorf("no schema of the search_path exists")
	}
	if err := lock(ctx, tx, lockMigrate); err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer     PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return false, err
	}
	var latest int
	if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&latest); err != nil {
		return false, err
	}
	switch {
	case latest > len(ms):
		return false, fmt.Errorf("schema %s version %d is newer than this program's %d", *schema, latest, len(ms))
	case latest == len(ms):
		return true, tx.Commit(ctx)
	}
	m := ms[latest]
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("%s: %w", m.Name, err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
		return false, fmt.Errorf("%s: %w", m.Name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("%s: %w", m.Name, err)
	}
	return false, nil
}
