// Package sqlite is the embedded store.Store backend, on the pure-Go modernc.org/sqlite driver.
//
// The database runs in WAL mode with two pools: one connection for writes, so that writers queue in Go
// instead of failing with SQLITE_BUSY, and several read-only connections, which WAL lets read while the
// writer writes. Write transactions start with BEGIN IMMEDIATE, so a transaction that reads before it
// writes never has to upgrade its lock (which SQLite cannot wait for) when another process shares the file.
//
// Update and check functions passed to the store run inside the write transaction: they must not call
// the store themselves, or they wait forever for the writer connection.
package sqlite

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

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

var _ store.Store = (*Store)(nil)

// busyTimeoutMillis bounds how long a connection waits for another process's lock.
const busyTimeoutMillis = 5000

// Store is a store.Store on one SQLite database file.
type Store struct {
	w   *sql.DB // the single writer connection
	r   *sql.DB // read-only connections
	own sqlstore.OwnVersions
}

// Open opens (creating if needed) the database at path and brings its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
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
	common := url.Values{}
	common.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMillis))
	common.Add("_pragma", "foreign_keys(1)")

	wq := cloneValues(common)
	wq.Set("_txlock", "immediate")
	wq.Add("_pragma", "journal_mode(WAL)")
	wq.Add("_pragma", "synchronous(NORMAL)")
	w, err := sql.Open("sqlite", path+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// The first connection switches the file to WAL before any reader opens it.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	rq := cloneValues(common)
	rq.Add("_pragma", "query_only(1)")
	r, err := sql.Open("sqlite", path+"?"+rq.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return &Store{w: w, r: r}, nil
}

// Close closes both connection pools.
func (s *Store) Close() error {
	return errors.Join(s.r.Close(), s.w.Close())
}

func cloneValues(v url.Values) url.Values {
	c := make(url.Values, len(v))
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

// querier is what reads and writes need from either a pool or a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// write runs fn in a write transaction (BEGIN IMMEDIATE) and commits when fn returns nil. It bumps the
// tenant version in the same transaction, so whoever sees the new version also sees what fn wrote; an
// error from fn rolls both back. Every write except a session's goes through here.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", classify(err))
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, rollback(tx))
	}
	var version int64
	if err := tx.QueryRowContext(ctx, "UPDATE tenant_version SET version = version + 1 WHERE id = 1 RETURNING version").Scan(&version); err != nil {
		return errors.Join(fmt.Errorf("bump tenant version: %w", err), rollback(tx))
	}
	// The single writer connection serializes commits already: recording the version under the same
	// lock costs nothing.
	if err := s.own.Commit(version, tx.Commit); err != nil {
		return fmt.Errorf("commit: %w", classify(err))
	}
	return nil
}

// read runs fn in a read transaction, so that the queries fn makes see one snapshot.
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin: %w", classify(err))
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, rollback(tx))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", classify(err))
	}
	return nil
}

func rollback(tx *sql.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}

// update runs the read-modify-write of an Update method in one write transaction: load reads the row,
// fn changes it, save writes it back. An error from fn aborts before anything is written.
func update[T any](ctx context.Context, s *Store, load func(querier) (T, error), fn func(*T) error, save func(querier, T) error) (T, error) {
	var out T
	err := s.write(ctx, func(tx *sql.Tx) error {
		v, err := load(tx)
		if err != nil {
			return err
		}
		if err := fn(&v); err != nil {
			return err
		}
		if err := save(tx, v); err != nil {
			return err
		}
		// Read back, so the caller gets exactly what a later Get returns.
		out, err = load(tx)
		return err
	})
	return out, err
}
