package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/storetest"
)

func sqliteAt(t *testing.T, path string) *Store { return mustOpen(t, OpenSQLite, path) }

func TestSQLiteStore(t *testing.T) {
	// Creating the schema is most of what Open costs under the race detector, and the suite opens over a
	// hundred stores; each starts from a copy of one freshly migrated, empty database instead.
	template := filepath.Join(t.TempDir(), "template.db")
	if err := sqliteAt(t, template).Close(); err != nil {
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
		return sqliteAt(t, path)
	})
}

func TestReopenKeepsDataAndAppliesMigrationsOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orgauth.db")
	s := sqliteAt(t, path)
	o := store.Organization{ID: "org_0000000000000001", Name: "acme", DisplayName: "Acme"}
	if err := s.CreateOrganization(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	before := appliedMigrations(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = sqliteAt(t, path)
	defer s.Close()
	if after := appliedMigrations(t, s); !slices.Equal(after, before) {
		t.Errorf("migrations after reopening: %q, before: %q", after, before)
	}
	_, shared, err := sqliteDialect.migrations()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(before); n != len(shared) {
		t.Errorf("%d migrations recorded, want %d", n, len(shared))
	}
	if _, err := s.GetOrganization(t.Context(), o.ID); err != nil {
		t.Errorf("organization lost on reopening: %v", err)
	}
}

func TestSQLiteRefusesASchemaNewerThanItsMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orgauth.db")
	s := sqliteAt(t, path)
	if _, err := s.w.ExecContext(t.Context(), "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := OpenSQLite(t.Context(), path); err == nil {
		s.Close()
		t.Fatal("opened a database with a newer schema")
	}
}

func TestPragmas(t *testing.T) {
	s := sqliteAt(t, filepath.Join(t.TempDir(), "orgauth.db"))
	defer s.Close()
	tests := []struct {
		name   string
		pool   func(*Store) *sql.DB
		pragma string
		want   string
	}{
		{"journal mode is WAL", func(s *Store) *sql.DB { return s.r }, "journal_mode", "wal"},
		{"writer enforces foreign keys", func(s *Store) *sql.DB { return s.w }, "foreign_keys", "1"},
		{"readers enforce foreign keys", func(s *Store) *sql.DB { return s.r }, "foreign_keys", "1"},
		{"writer syncs at NORMAL", func(s *Store) *sql.DB { return s.w }, "synchronous", "1"},
		{"writer waits for locks", func(s *Store) *sql.DB { return s.w }, "busy_timeout", fmt.Sprint(busyTimeoutMillis)},
		{"readers wait for locks", func(s *Store) *sql.DB { return s.r }, "busy_timeout", fmt.Sprint(busyTimeoutMillis)},
		{"readers are read-only", func(s *Store) *sql.DB { return s.r }, "query_only", "1"},
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
	if s, err := OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "a?b.db")); err == nil {
		s.Close()
		t.Fatal("opened a path the driver would truncate")
	}
}

func TestNewFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orgauth.db")
	s, err := OpenSQLite(context.Background(), path)
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
	s := sqliteAt(t, path)
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
