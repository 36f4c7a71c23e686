package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"
)

// The schema's history is one list of numbered migrations for both engines, in migrations/: version N
// is the same change on SQLite and PostgreSQL, written once, with {{placeholders}} for what the dialect
// fills in (column types, table options, and the little DDL one engine's queries need and the other's
// do without).
//
// The list starts at version 3, the baseline. Versions 1 to 3 were written per engine, and had drifted
// apart (SQLite's 2 added admins, sessions and the tenant version, PostgreSQL's 2 an index for the
// organization search, its 1 having created the rest); they stay in migrations/legacy/<engine>/, frozen,
// since they are what databases made until then recorded. Every database reaches version 3 with the
// same schema, modulo the dialect's placeholders (the test TestBaselineIsTheLegacySchema compares them):
//   - a new database runs 0003_baseline.sql, which creates that schema at once, and records version 3;
//   - a database at version 3 has it already;
//   - one at version 1 or 2 runs its engine's remaining legacy steps, exactly as before.
//
// From version 4 on, every database runs the same files. Each migration runs in one write transaction
// with the row that records it, after taking the migration lock, so a crash never leaves a half-applied
// version and instances opening one database at once apply each version exactly once.

//go:embed migrations
var migrationFiles embed.FS

// baseline is the first version of the shared list (see above).
const baseline = 3

// migration is one numbered schema change, a file named NNNN_name.sql.
type migration struct {
	Version int
	Name    string // the file name
	SQL     string
}

// loadMigrations reads the .sql files of dir in fsys in version order; versions start at first and leave
// no gap.
func loadMigrations(fsys fs.FS, dir string, first int) ([]migration, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	// Glob returns names sorted, and the zero-padded prefix sorts them by version.
	ms := make([]migration, 0, len(names))
	for i, name := range names {
		base := path.Base(name)
		prefix, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(prefix)
		if !ok || err != nil || v != first+i {
			return nil, fmt.Errorf("migration %s: want a name starting with version %04d_", base, first+i)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{Version: v, Name: base, SQL: string(b)})
	}
	return ms, nil
}

// migrations returns the dialect's legacy steps (versions 1 to baseline) and the shared list (baseline
// on), its placeholders filled in.
func (d *dialect) migrations() (legacy, shared []migration, err error) {
	if legacy, err = loadMigrations(migrationFiles, d.legacy, 1); err != nil {
		return nil, nil, err
	}
	if shared, err = loadMigrations(migrationFiles, "migrations", baseline); err != nil {
		return nil, nil, err
	}
	if len(legacy) != baseline || len(shared) == 0 {
		return nil, nil, fmt.Errorf("want %d legacy migrations and a baseline, have %d and %d", baseline, len(legacy), len(shared))
	}
	for i, m := range shared {
		shared[i].SQL = d.ddl.Replace(m.SQL)
		if _, rest, ok := strings.Cut(shared[i].SQL, "{{"); ok {
			name, _, _ := strings.Cut(rest, "}}")
			return nil, nil, fmt.Errorf("migration %s: %s does not fill in {{%s}}", m.Name, d.name, name)
		}
	}
	return legacy, shared, nil
}

// next picks the migration that follows version latest, if any.
func next(legacy, shared []migration, latest int) (migration, bool, error) {
	switch last := shared[len(shared)-1].Version; {
	case latest == 0:
		return shared[0], true, nil
	case latest < baseline:
		return legacy[latest], true, nil
	case latest < last:
		return shared[latest-baseline+1], true, nil
	case latest == last:
		return migration{}, false, nil
	default:
		return migration{}, false, fmt.Errorf("database schema version %d is newer than this program's %d", latest, last)
	}
}

// migrate applies the migrations the database has not seen, one transaction each.
func (s *Store) migrate(ctx context.Context) error {
	legacy, shared, err := s.d.migrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for {
		done, err := s.applyNext(ctx, legacy, shared)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if done {
			return nil
		}
	}
}

// applyNext applies the first migration the database lacks, and reports done when it lacks none.
func (s *Store) applyNext(ctx context.Context, legacy, shared []migration) (done bool, err error) {
	tx, err := s.w.BeginTx(ctx, &s.d.writeTx)
	if err != nil {
		return false, err
	}
	defer rollback(tx) // a no-op after Commit
	c := conn{d: s.d, x: tx}
	if err := lock(ctx, c, lockMigrate); err != nil {
		return false, err
	}
	if _, err := c.exec(ctx, s.d.migrationsTable); err != nil {
		return false, err
	}
	var latest int
	if err := c.row(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&latest); err != nil {
		return false, err
	}
	m, ok, err := next(legacy, shared, latest)
	if err != nil || !ok {
		return !ok, err
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("%s: %w", m.Name, err)
	}
	if _, err := c.exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.Version, m.Name, time.Now()); err != nil {
		return false, fmt.Errorf("%s: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("%s: %w", m.Name, err)
	}
	return false, nil
}
