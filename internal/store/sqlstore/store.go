package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

var _ store.Store = (*Store)(nil)

// dialect is what differs between the engines; the queries, the transactions and the migrations are
// written once over it. Queries use "?" placeholders and pass times as time.Time; the dialect turns
// them into what its driver wants.
type dialect struct {
	name string // "sqlite" or "postgres", the prefix of the store's errors

	// numbered: placeholders are $1, $2, ... rather than ?.
	numbered bool
	// microTimes: times are INTEGER Unix microseconds rather than timestamptz.
	microTimes bool
	// ddl fills in the migrations' {{placeholders}}: column types, table options, and the DDL the
	// dialect's queries need that the other engine does without (see migrations/0003_baseline.sql).
	ddl *strings.Replacer
	// migrationsTable creates the table that records the applied migrations, as each engine always had it.
	migrationsTable string
	// legacy is the folder of the engine's own migrations, versions 1 to baseline (see migrate.go).
	legacy string

	// readTx and writeTx begin the read and the write transactions.
	readTx, writeTx sql.TxOptions
	// forUpdate locks the row a read-modify-write reads, where writers do not hold the whole database.
	forUpdate string
	// lock takes a transaction-scoped lock named by its argument (a lockKey), so that operations that
	// must happen once across instances run one after the other; "" where write transactions are
	// serialized anyway.
	lock string
	// bump is a write transaction's last statement: it adds one to the tenant version and returns it,
	// and on PostgreSQL notifies ChangesChannel, delivered to listeners at commit.
	bump string
	// deferForeignKeys defers foreign key checks to the commit, for Bootstrap moving the Management API
	// to a new identifier with its grants; "" where the grants follow by ON UPDATE CASCADE.
	deferForeignKeys string
	// prefix is the condition that col starts with p, compared byte by byte, served by an index.
	prefix func(col, p string) (cond string, arg []any)
	// holds reports whether a text column can hold s; keys it cannot hold name nothing.
	holds func(s string) bool
	// binary is the collation clause after a text expression that makes it compare, sort and change case
	// byte by byte, lower() changing ASCII letters only: SQLite's default, PostgreSQL's "C".
	binary string
	// metadataString is the condition that the first-level key of the JSON object in col is a JSON
	// string equal to value.
	metadataString func(col, key, value string) (cond string, args []any)
	// sentinel returns the store sentinel that an engine error stands for (ErrConflict, ErrNotFound,
	// ErrUnavailable), or nil.
	sentinel func(err error) error
	// watch is WatchChanges.
	watch func(ctx context.Context, s *Store, onChange func()) error
}

// Store is a store.Store on SQLite (OpenSQLite) or PostgreSQL (OpenPostgres).
//
// Update and check functions passed to the store run inside its write transaction: they must not call
// the store themselves (on SQLite they would wait forever for the writer connection).
type Store struct {
	d         *dialect
	w, r      *sql.DB  // writes and reads: SQLite's single writer and its readers, or one PostgreSQL pool
	pg        *pgState // PostgreSQL only: the pgx pool and what WatchChanges needs
	committed atomic.Int64
}

// Close closes the connection pools: SQLite's readers before its writer, whose close, the last,
// folds the WAL into the database file.
func (s *Store) Close() error {
	var err error
	if s.r != s.w {
		err = s.r.Close()
	}
	err = errors.Join(err, s.w.Close())
	if s.pg != nil {
		s.pg.pool.Close()
	}
	return err
}

// conn is a pool or a transaction that takes the shared queries: it numbers the placeholders and
// encodes the times as the dialect wants.
type conn struct {
	d *dialect
	x interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	}
	changes *[]store.Change // in a write transaction: what it changed (Store.write records them)
}

// changed records, in a write transaction, that it changes the entries of kind named by keys.
func (c conn) changed(kind store.ChangeKind, keys ...string) {
	if c.changes == nil {
		panic("sqlstore: a change recorded outside a write transaction")
	}
	for _, k := range keys {
		*c.changes = append(*c.changes, store.Change{Kind: kind, Key: k})
	}
}

func (c conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.x.ExecContext(ctx, c.d.query(query), c.d.args(args)...)
}

func (c conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.x.QueryContext(ctx, c.d.query(query), c.d.args(args)...)
}

func (c conn) row(ctx context.Context, query string, args ...any) *sql.Row {
	return c.x.QueryRowContext(ctx, c.d.query(query), c.d.args(args)...)
}

// forUpdate is the locking clause of a read-modify-write's read, when lock.
func (c conn) forUpdate(lock bool) string {
	if lock {
		return c.d.forUpdate
	}
	return ""
}

// query numbers the ? placeholders of q when the dialect wants $n. The queries hold no ? otherwise.
func (d *dialect) query(q string) string {
	if !d.numbered || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for _, part := range strings.SplitAfter(q, "?") {
		if p, ok := strings.CutSuffix(part, "?"); ok {
			n++
			part = p + "$" + strconv.Itoa(n)
		}
		b.WriteString(part)
	}
	return b.String()
}

// args encodes the times among args as the dialect stores them, in a copy: args may be the caller's.
func (d *dialect) args(args []any) []any {
	if !d.microTimes {
		return args
	}
	out := make([]any, len(args))
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			a = t.UnixMicro()
		}
		out[i] = a
	}
	return out
}

// changedRows records as changed the entries of kind whose keys query selects: the rows a statement
// about to run cascades to.
func (c conn) changedRows(ctx context.Context, kind store.ChangeKind, query string, args ...any) error {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			return err
		}
		c.changed(kind, key)
	}
	return rows.Err()
}

func (s *Store) reader() conn { return conn{d: s.d, x: s.r} }
func (s *Store) writer() conn { return conn{d: s.d, x: s.w} }

// write runs fn in a write transaction and commits when fn returns nil. Every write of tenant data
// goes through here; sessions and what a person's login leaves behind (see quiet), and migrations
// (before the store serves), are the only other writes. The transaction bumps the tenant
// version and records, with that version, what fn changed (conn.changed; a row of kind none when it
// changed nothing a reader copies), so whoever sees the new version also sees what fn wrote and what
// it changed, and an error from fn rolls all of it back. The commits of write transactions are
// serialized (by SQLite's single writer, or by the tenant version's row on PostgreSQL), so versions
// are consecutive, in commit order.
func (s *Store) write(ctx context.Context, fn func(c conn) error) error {
	tx, err := s.w.BeginTx(ctx, &s.d.writeTx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	var changes []store.Change
	c := conn{d: s.d, x: tx, changes: &changes}
	if err := fn(c); err != nil {
		return errors.Join(err, rollback(tx))
	}
	var version int64
	if err := c.row(ctx, s.d.bump).Scan(&version); err != nil {
		return errors.Join(fmt.Errorf("bump tenant version: %w", err), rollback(tx))
	}
	if err := recordChanges(ctx, c, version, changes); err != nil {
		return errors.Join(fmt.Errorf("record changes: %w", err), rollback(tx))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for { // the highest version committed: concurrent writers may return out of order
		old := s.committed.Load()
		if version <= old || s.committed.CompareAndSwap(old, version) {
			return nil
		}
	}
}

// quiet runs fn in a write transaction that neither bumps the tenant version nor records changes, and
// commits when fn returns nil: the writes of login sessions, authorization codes, refresh tokens and
// users' login records. They are frequent and concern one user, whom no instance keeps a copy of, so
// they must not wake every instance's watcher, nor queue behind the tenant version's row on PostgreSQL.
// A single statement of that kind needs no transaction: it runs on s.writer().
func (s *Store) quiet(ctx context.Context, fn func(c conn) error) error {
	tx, err := s.w.BeginTx(ctx, &s.d.writeTx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(conn{d: s.d, x: tx}); err != nil {
		return errors.Join(err, rollback(tx))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// changesKept is how many versions' changes the store keeps; a reader further behind reads the whole
// tenant. pruneEvery spreads the pruning over the writes.
const (
	changesKept = 50_000
	pruneEvery  = 256
)

// recordChanges inserts the changes of the transaction that commits version, each entry once, and
// prunes the old ones now and then.
func recordChanges(ctx context.Context, c conn, version int64, changes []store.Change) error {
	if len(changes) == 0 {
		changes = []store.Change{{Kind: changeNone}}
	}
	seen := make(map[store.Change]bool, len(changes))
	for _, ch := range changes {
		if seen[ch] {
			continue
		}
		seen[ch] = true
		if _, err := c.exec(ctx, "INSERT INTO tenant_changes (version, kind, key) VALUES (?, ?, ?)", version, string(ch.Kind), ch.Key); err != nil {
			return err
		}
	}
	if version%pruneEvery == 0 {
		if _, err := c.exec(ctx, "DELETE FROM tenant_changes WHERE version <= ?", version-changesKept); err != nil {
			return err
		}
	}
	return nil
}

// changeNone marks a version that changed nothing a reader copies.
const changeNone store.ChangeKind = "none"

// Changes returns the changes after version after (see store.Store), read in one transaction with the
// version they lead to.
func (s *Store) Changes(ctx context.Context, after int64, limit int) (store.ChangeSet, error) {
	var out store.ChangeSet
	err := s.read(ctx, func(c conn) error {
		if err := c.row(ctx, "SELECT version FROM tenant_version WHERE id = 1").Scan(&out.Through); err != nil {
			return err
		}
		if out.Through-after > int64(limit) {
			return fmt.Errorf("%d versions written since %d: %w", out.Through-after, after, store.ErrChangesGone)
		}
		rows, err := c.query(ctx, "SELECT version, kind, key FROM tenant_changes WHERE version > ? AND version <= ? ORDER BY version",
			after, out.Through)
		if err != nil {
			return err
		}
		defer rows.Close()
		versions := int64(0)
		for last := after; rows.Next(); {
			var ch store.Change
			if err := rows.Scan(&ch.Version, &ch.Kind, &ch.Key); err != nil {
				return err
			}
			if ch.Version != last {
				versions, last = versions+1, ch.Version
			}
			if ch.Kind != changeNone {
				out.Items = append(out.Items, ch)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if versions != out.Through-after {
			return fmt.Errorf("%d of the versions %d to %d have no changes recorded: %w",
				out.Through-after-versions, after+1, out.Through, store.ErrChangesGone)
		}
		return nil
	})
	return out, s.fail(err, "changes after version %d", after)
}

// Committed returns the highest version committed through this Store value.
func (s *Store) Committed() int64 { return s.committed.Load() }

// read runs fn in a read-only transaction, so that the queries fn makes (a page and its total, an id
// lookup and a list) see one snapshot.
func (s *Store) read(ctx context.Context, fn func(c conn) error) error {
	tx, err := s.r.BeginTx(ctx, &s.d.readTx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(conn{d: s.d, x: tx}); err != nil {
		return errors.Join(err, rollback(tx))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// rollback ends a failed transaction. database/sql has rolled back already when the transaction's
// context ended.
func rollback(tx *sql.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}

// update runs the read-modify-write of an Update method in one write transaction: load reads the row
// (and locks it, where the dialect locks rows), fn changes it, save writes it back. An error from fn
// aborts before anything is written.
func update[T any](ctx context.Context, s *Store, load func(c conn) (T, error), fn func(*T) error, save func(c conn, v T) error) (T, error) {
	var out T
	err := s.write(ctx, func(c conn) error {
		v, err := load(c)
		if err != nil {
			return err
		}
		if err := fn(&v); err != nil {
			return err
		}
		if err := save(c, v); err != nil {
			return err
		}
		// Read back, so the caller gets exactly what a later Get returns.
		out, err = load(c)
		return err
	})
	return out, err
}

// lockKey names a transaction-scoped lock per operation (and, on PostgreSQL, per schema).
type lockKey int32

const (
	lockMigrate lockKey = iota + 0x6f610001 // "oa" + n: unlikely to collide with another application's keys
	lockBootstrap
	lockRotateKeys
)

// lock takes the lock k for the rest of the transaction c. Statements after it see every transaction
// that held the lock before as committed.
func lock(ctx context.Context, c conn, k lockKey) error {
	if c.d.lock == "" {
		return nil
	}
	if _, err := c.exec(ctx, c.d.lock, int32(k)); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	return nil
}

// fail names the engine and the operation, and adds the store sentinel that err stands for.
func (s *Store) fail(err error, format string, args ...any) error {
	return s.d.fail(err, format, args...)
}

// fail names the engine and the operation, and adds the store sentinel that err stands for: no row is
// a missing entity, and the dialect reads its engine's errors. Errors already classified, and others,
// keep their meaning.
func (d *dialect) fail(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	op := fmt.Sprintf(format, args...)
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrUnavailable):
	case errors.Is(err, sql.ErrNoRows):
		err = fmt.Errorf("%w: %w", store.ErrNotFound, err)
	default:
		if sentinel := d.sentinel(err); sentinel != nil {
			err = fmt.Errorf("%w: %w", sentinel, err)
		}
	}
	return fmt.Errorf("%s: %s: %w", d.name, op, err)
}

// mustAffect turns a statement that changed no row into store.ErrNotFound.
func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// holds reports whether every key can be held by a text column; a key that cannot names nothing.
func (s *Store) holds(keys ...string) bool {
	for _, k := range keys {
		if !s.d.holds(k) {
			return false
		}
	}
	return true
}

// Version returns the tenant version, which every write transaction bumps.
func (s *Store) Version(ctx context.Context) (int64, error) {
	var v int64
	err := s.reader().row(ctx, "SELECT version FROM tenant_version WHERE id = 1").Scan(&v)
	return v, s.fail(err, "tenant version")
}

// WatchChanges calls onChange after other processes' writes: on PostgreSQL as they are notified; on
// SQLite, which cannot notify another process of a commit, never: it blocks until ctx ends and returns
// its error, and processes sharing the file learn of changes by polling Version.
func (s *Store) WatchChanges(ctx context.Context, onChange func()) error {
	return s.d.watch(ctx, s, onChange)
}
