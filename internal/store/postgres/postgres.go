// Package postgres is the store.Store backend on PostgreSQL (or a PostgreSQL-compatible database), for
// several orgauth instances sharing one tenant.
//
// Concurrency rests on the database: read-modify-write updates lock their row with SELECT … FOR UPDATE,
// operations that must happen once across instances (bootstrap, key rotation, migrations) take a
// transaction-scoped advisory lock first, and unique and foreign keys turn races into ErrConflict and
// ErrNotFound. Every write transaction except a session's ends by bumping the tenant version and
// notifying the channel ChangesChannel, which PostgreSQL delivers to listeners at commit.
//
// Tables are found through the connection's search_path, so a DSN such as
// "postgres://host/db?search_path=orgauth" keeps them in their own schema, which must exist. Errors that
// mean the database cannot be reached wrap store.ErrUnavailable.
//
// Update and check functions passed to the store run inside its transaction and hold a pool connection
// and row locks while they run: they must not call the store themselves.
package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

var _ store.Store = (*Store)(nil)

// ChangesChannel is the LISTEN/NOTIFY channel of tenant changes; the payload is the schema written to,
// since one database may hold several orgauth schemas.
const ChangesChannel = "orgauth_changes"

// defaultConnectTimeout bounds a connection attempt when the DSN sets no connect_timeout, so that an
// unreachable database fails requests promptly instead of when their deadline ends.
const defaultConnectTimeout = 5 * time.Second

// defaultWatchCheck is how long WatchChanges waits for a notification before it checks its connection.
const defaultWatchCheck = 30 * time.Second

// Store is a store.Store on a PostgreSQL connection pool.
type Store struct {
	pool       *pgxpool.Pool
	conn       *pgx.ConnConfig // for WatchChanges' own connection
	watchCheck time.Duration
	// id names this Store value in its change notifications, so that its watcher learns which versions
	// it committed as soon as the notification arrives, without racing the writer.
	id  string
	own sqlstore.OwnVersions
}

// Open connects to the database that dsn names (a postgres:// URL or keyword/value string; pool_max_conns
// and the other pgxpool parameters are honoured) and brings its schema up to date.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse DSN: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", classify(err))
	}
	s := &Store{pool: pool, conn: cfg.ConnConfig, watchCheck: defaultWatchCheck, id: rand.Text()}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", classify(err))
	}
	return s, nil
}

// Close closes the pool, waiting for connections in use to be returned.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// querier is what reads and writes need from either the pool or a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// writeTx is read committed whatever the server's default, so that a statement after a lock wait sees
// what the lock holder committed.
var writeTx = pgx.TxOptions{IsoLevel: pgx.ReadCommitted}

// write runs fn in a transaction and commits when fn returns nil. Its last statement bumps the tenant
// version and notifies ChangesChannel (with changePayload), so whoever sees the new version also sees
// what fn wrote, and an error from fn rolls all of it back. The version row stays locked only from that statement to the
// commit, and nothing else is locked after it, so concurrent writers queue there without deadlocking.
// Every write except a session's goes through here.
func (s *Store) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	var version int64
	err := s.inTx(ctx, writeTx, func(tx pgx.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `UPDATE tenant_version SET version = version + 1 WHERE id = 1
			RETURNING version, pg_notify($1, $2 || ' ' || version || ' ' || current_schema())`,
			ChangesChannel, s.id).Scan(&version, nil); err != nil {
			return fmt.Errorf("bump tenant version: %w", err)
		}
		return nil
	})
	if err == nil {
		// Usually recorded already: the change notification arrives at commit (see WatchChanges). A
		// version check that races both only invalidates more than it had to.
		s.own.Add(version)
	}
	return err
}

// read runs fn in a read-only repeatable-read transaction, so that the queries fn makes (a page and
// its total, an id lookup and a list) see one snapshot.
func (s *Store) read(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return s.inTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

func (s *Store) inTx(ctx context.Context, opts pgx.TxOptions, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, rollback(tx))
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// rollback ends a failed transaction. It does not use the caller's context: when that has ended, the
// rollback must still run (pgx closes a connection whose rollback is cancelled).
func rollback(tx pgx.Tx) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tx.Rollback(ctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}

// lockKey names a transaction-scoped advisory lock per operation and schema: the operation is the first
// key, a hash of the current schema the second, so schemas sharing a database do not wait for each other.
type lockKey int32

const (
	lockMigrate lockKey = iota + 0x6f610001 // "oa" + n: unlikely to collide with another application's keys
	lockBootstrap
	lockRotateKeys
)

// lock takes the advisory lock k for the rest of tx. Statements after it see every transaction that
// held the lock before as committed.
func lock(ctx context.Context, tx pgx.Tx, k lockKey) error {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))", int32(k)); err != nil {
		return fmt.Errorf("advisory lock: %w", err)
	}
	return nil
}

// update runs the read-modify-write of an Update method in one write transaction: load reads the row
// and locks it (FOR UPDATE), fn changes it, save writes it back. An error from fn aborts before anything
// is written.
func update[T any](ctx context.Context, s *Store, load func(querier) (T, error), fn func(*T) error, save func(querier, T) error) (T, error) {
	var out T
	err := s.write(ctx, func(tx pgx.Tx) error {
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
