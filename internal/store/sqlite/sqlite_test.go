package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
	"github.com/orgauth/orgauth/internal/store/storetest"
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	return s
}

func TestStore(t *testing.T) {
	// Creating the schema is most of what Open costs under the race detector, and the suite opens over a
	// hundred stores; each starts from a copy of one freshly migrated, empty database instead.
	template := filepath.Join(t.TempDir(), "template.db")
	if err := open(t, template).Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(template + "-wal"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("closing did not fold the WAL into the database file: %v", err)
	}
	empty, err := os.ReadFile(template)
	if err != nil {
		t.Fatal(err)
	}
	storetest.Run(t, func(t *testing.T) store.Store {
		path := filepath.Join(t.TempDir(), "orgauth.db")
		if err := os.WriteFile(path, empty, 0o600); err != nil {
			t.Fatal(err)
		}
		return open(t, path)
	})
}

func TestReopenKeepsDataAndAppliesMigrationsOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orgauth.db")
	s := open(t, path)
	o := store.Organization{ID: "org_0000000000000001", Name: "acme", DisplayName: "Acme"}
	if err := s.CreateOrganization(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	before := appliedMigrations(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path)
	defer s.Close()
	if after := appliedMigrations(t, s); after != before {
		t.Errorf("migrations after reopening:\n%s\nbefore:\n%s", after, before)
	}
	ms, err := sqlstore.LoadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(before, "\n"); n != len(ms) {
		t.Errorf("%d migrations recorded, want %d", n, len(ms))
	}
	if _, err := s.GetOrganization(t.Context(), o.ID); err != nil {
		t.Errorf("organization lost on reopening: %v", err)
	}
}

// appliedMigrations lists the recorded migrations, one "version name applied_at" line each.
func appliedMigrations(t *testing.T, s *Store) string {
	t.Helper()
	rows, err := s.r.QueryContext(t.Context(), "SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var (
			version, appliedAt int64
			name               string
		)
		if err := rows.Scan(&version, &name, &appliedAt); err != nil {
			t.Fatal(err)
		}
		b.WriteString(strings.Join([]string{fmt.Sprint(version), name, fmt.Sprint(appliedAt)}, " ") + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestOpenRefusesASchemaNewerThanItsMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orgauth.db")
	s := open(t, path)
	if _, err := s.w.ExecContext(t.Context(), "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(t.Context(), path); err == nil {
		s.Close()
		t.Fatal("opened a database with a newer schema")
	}
}

func TestPragmas(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "orgauth.db"))
	defer s.Close()
	tests := []struct {
		name   string
		pool   func(*Store) querier
		pragma string
		want   string
	}{
		{"journal mode is WAL", func(s *Store) querier { return s.r }, "journal_mode", "wal"},
		{"writer enforces foreign keys", func(s *Store) querier { return s.w }, "foreign_keys", "1"},
		{"readers enforce foreign keys", func(s *Store) querier { return s.r }, "foreign_keys", "1"},
		{"writer syncs at NORMAL", func(s *Store) querier { return s.w }, "synchronous", "1"},
		{"writer waits for locks", func(s *Store) querier { return s.w }, "busy_timeout", fmt.Sprint(busyTimeoutMillis)},
		{"readers wait for locks", func(s *Store) querier { return s.r }, "busy_timeout", fmt.Sprint(busyTimeoutMillis)},
		{"readers are read-only", func(s *Store) querier { return s.r }, "query_only", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			if err := tt.pool(s).QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
			}
		})
	}
}

func TestOpenRefusesAPathWithAQuestionMark(t *testing.T) {
	if s, err := Open(t.Context(), filepath.Join(t.TempDir(), "a?b.db")); err == nil {
		s.Close()
		t.Fatal("opened a path the driver would truncate")
	}
}

func TestNewFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orgauth.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(p), mode)
		}
	}
}

func TestALockHeldByAnotherProcessPastTheBusyTimeoutIsUnavailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orgauth.db")
	s := open(t, path)
	defer s.Close()
	ctx := t.Context()
	// The writer pool is one connection, so the shorter timeout sticks; it keeps the test fast.
	if _, err := s.w.ExecContext(ctx, "PRAGMA busy_timeout = 50"); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite", path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.BeginTx(ctx, nil) // takes the write lock, as another process would
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	err = s.CreateOrganization(ctx, store.Organization{ID: "org_0000000000000001", Name: "acme", DisplayName: "Acme"})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("error = %v, want %v", err, store.ErrUnavailable)
	}
}
