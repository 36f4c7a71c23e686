package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"strings"

	msqlite "modernc.org/sqlite" // also registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/orgauth/orgauth/internal/store"
)

// busyTimeoutMillis bounds how long a connection waits for another process's lock.
const busyTimeoutMillis = 5000

// sqliteDialect: times are Unix microseconds (PostgreSQL's precision too) in STRICT tables; writers
// queue for the one writer connection, whose BEGIN IMMEDIATE holds the database's write lock from the
// first statement, so neither row locks nor advisory locks are needed; other processes sharing the file
// are not notified of changes.
var sqliteDialect = dialect{
	name:       "sqlite",
	microTimes: true,
	ddl: strings.NewReplacer(
		"{{seq}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{bigint}}", "INTEGER", "{{bool}}", "INTEGER",
		"{{bytes}}", "BLOB", "{{time}}", "INTEGER", "{{strict}}", " STRICT", "{{strict_without_rowid}}", " STRICT, WITHOUT ROWID",
		"{{false}}", "0", "{{on_update_cascade}}", "", "{{prefix_index}}", ""),
	migrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`,
	legacy:           "migrations/legacy/sqlite",
	readTx:           sql.TxOptions{ReadOnly: true},
	bump:             "UPDATE tenant_version SET version = version + 1 WHERE id = 1 RETURNING version",
	deferForeignKeys: "PRAGMA defer_foreign_keys = ON",
	// The unique index on the column serves the range: text compares byte by byte (BINARY), and every
	// string that starts with p sorts below p followed by U+10FFFF, the largest character.
	prefix: func(col, p string) (string, []any) {
		return col + " >= ? AND " + col + " < ?", []any{p, p + "\U0010FFFF"}
	},
	holds: func(string) bool { return true },
	metadataString: func(col, key, value string) (string, []any) {
		path := `$."` + key + `"`
		return "json_type(" + col + ", ?) = 'text' AND json_extract(" + col + ", ?) = ?", []any{path, path, value}
	},
	sentinel: sqliteSentinel,
	watch: func(ctx context.Context, _ *Store, _ func()) error {
		<-ctx.Done()
		return ctx.Err()
	},
}

// sqliteSentinel reads SQLite's extended result code: a violated unique key is a conflict, a violated
// foreign key a missing reference, and a lock that another process held past the busy timeout means
// the store is unavailable for now.
func sqliteSentinel(err error) error {
	var se *msqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	switch code := se.Code(); {
	case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE, code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return store.ErrConflict
	case code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return store.ErrNotFound
	case code&0xff == sqlite3.SQLITE_BUSY, code&0xff == sqlite3.SQLITE_LOCKED:
		return store.ErrUnavailable
	}
	return nil
}

// OpenSQLite opens (creating if needed) the SQLite database at path and brings its schema up to date.
//
// The database runs in WAL mode with two pools: one connection for writes, so that writers queue in Go
// instead of failing with SQLITE_BUSY, and several read-only connections, which WAL lets read while the
// writer writes. Write transactions start with BEGIN IMMEDIATE, so a transaction that reads before it
// writes never has to upgrade its lock (which SQLite cannot wait for) when another process shares the file.
func OpenSQLite(ctx context.Context, path string) (*Store, error) {
	// The driver cuts the DSN at the first '?' to find its parameters; a path containing one would be
	// silently truncated.
	if path == "" || strings.Contains(path, "?") {
		return nil, fmt.Errorf("sqlite: open %q: path must be non-empty and must not contain '?'", path)
	}
	// The file holds signing keys: create it readable by its owner only (SQLite gives its WAL and
	// shared-memory files the same mode).
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	s, err := openSQLite(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return s, nil
}

func openSQLite(ctx context.Context, path string) (*Store, error) {
	pool := func(pragmas ...string) url.Values {
		v := url.Values{"_pragma": {fmt.Sprintf("busy_timeout(%d)", busyTimeoutMillis), "foreign_keys(1)"}}
		v["_pragma"] = append(v["_pragma"], pragmas...)
		return v
	}
	wq := pool("journal_mode(WAL)", "synchronous(NORMAL)")
	wq.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", path+"?"+wq.Encode())
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s := &Store{d: &sqliteDialect, w: w, r: w}
	// The first connection switches the file to WAL before any reader opens it.
	if err := w.PingContext(ctx); err != nil {
		return nil, errors.Join(err, w.Close())
	}
	if err := s.migrate(ctx); err != nil {
		return nil, errors.Join(err, w.Close())
	}
	if s.r, err = sql.Open("sqlite", path+"?"+pool("query_only(1)").Encode()); err != nil {
		return nil, errors.Join(err, w.Close())
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	s.r.SetMaxOpenConns(readers)
	s.r.SetMaxIdleConns(readers)
	if err := s.r.PingContext(ctx); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}
