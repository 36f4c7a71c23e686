package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/orgauth/orgauth/internal/store"
)

// ChangesChannel is the LISTEN/NOTIFY channel of tenant changes; the payload is the schema written to,
// since one database may hold several orgauth schemas.
const ChangesChannel = "orgauth_changes"

// defaultConnectTimeout bounds a connection attempt when the DSN sets no connect_timeout, so that an
// unreachable database fails requests promptly instead of when their deadline ends.
const defaultConnectTimeout = 5 * time.Second

// defaultWatchCheck is how long WatchChanges waits for a notification before it checks its connection.
const defaultWatchCheck = 30 * time.Second

// postgresDialect: concurrency rests on the database. Read-modify-write updates lock their row with
// SELECT … FOR UPDATE, operations that must happen once across instances (bootstrap, key rotation,
// migrations) take a transaction-scoped advisory lock per schema first, and unique and foreign keys turn
// races into ErrConflict and ErrNotFound. Write transactions are read committed whatever the server's
// default, so that a statement after a lock wait sees what the lock holder committed; their last
// statement notifies ChangesChannel. The version row stays locked only from that statement to the
// commit, and nothing else is locked after it, so concurrent writers queue there without deadlocking.
var postgresDialect = dialect{
	name:     "postgres",
	numbered: true,
	ddl: strings.NewReplacer(
		"{{seq}}", "bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "{{bigint}}", "bigint", "{{bool}}", "boolean",
		"{{bytes}}", "bytea", "{{time}}", "timestamptz", "{{strict}}", "", "{{strict_without_rowid}}", "",
		"{{false}}", "false", "{{on_update_cascade}}", " ON UPDATE CASCADE",
		"{{prefix_index}}", "CREATE INDEX organizations_name_pattern ON organizations (name text_pattern_ops);"),
	migrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer     PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`,
	legacy:    "migrations/legacy/postgres",
	readTx:    sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
	writeTx:   sql.TxOptions{Isolation: sql.LevelReadCommitted},
	forUpdate: " FOR UPDATE",
	lock:      "SELECT pg_advisory_xact_lock(?, hashtext(current_schema()))",
	bump: `WITH v AS (UPDATE tenant_version SET version = version + 1 WHERE id = 1 RETURNING version)
		SELECT version FROM v, pg_notify('` + ChangesChannel + `', current_schema())`,
	// LIKE with the pattern-ops index serves the prefix whatever the database's collation; the prefix's
	// own wildcard characters are escaped.
	prefix: func(col, p string) (string, []any) {
		return col + ` LIKE ? ESCAPE '\'`, []any{likeEscaper.Replace(p) + "%"}
	},
	holds:  storable,
	binary: ` COLLATE "C"`,
	metadataString: func(col, key, value string) (string, []any) {
		return "jsonb_typeof(" + col + "::jsonb -> ?::text) = 'string' AND (" + col + "::jsonb ->> ?::text) = ?",
			[]any{key, key, value}
	},
	sentinel: postgresSentinel,
	watch:    func(ctx context.Context, s *Store, onChange func()) error { return s.pg.watchChanges(ctx, s, onChange) },
}

// likeEscaper makes a string match itself in a LIKE pattern with ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// storable reports whether PostgreSQL can hold s in a text column: not with a NUL byte or invalid UTF-8
// (SQLSTATE 22021), which a request path may carry.
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// postgresSentinel: a failure to reach or keep talking to the server is store.ErrUnavailable, a violated
// unique key (SQLSTATE 23505) a conflict, a violated foreign key (23503) or a key no row can hold (22021,
// see storable; the tenant refuses such text before it writes it) a missing reference.
func postgresSentinel(err error) error {
	var pe *pgconn.PgError
	switch {
	case unavailable(err):
		return store.ErrUnavailable
	case !errors.As(err, &pe):
		return nil
	case pe.Code == "23505":
		return store.ErrConflict
	case pe.Code == "23503", pe.Code == "22021":
		return store.ErrNotFound
	}
	return nil
}

// unavailable reports whether err means the server could not be reached or the connection broke: the
// same request may succeed once the database is back. A cancelled or expired request context is not.
func unavailable(err error) bool {
	var (
		ce *pgconn.ConnectError
		ne net.Error
		pe *pgconn.PgError
	)
	switch {
	case errors.As(err, &ce): // whatever the cause, even a connect timeout
		return true
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// Checked before net.Error, which context.DeadlineExceeded implements.
		return false
	case errors.As(err, &ne), errors.Is(err, pgconn.ErrConnClosed), errors.Is(err, driver.ErrBadConn),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &pe):
		// Class 08: connection exception; 57P01-57P03: the server is shutting down or starting up;
		// 53300: too many connections.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" ||
			pe.Code == "53300"
	}
	return false
}

// pgState is what a PostgreSQL store holds besides its database/sql pool: the pgx pool under it, whose
// DSN parameters (pool_max_conns, ...) it honours, and what WatchChanges needs.
type pgState struct {
	pool       *pgxpool.Pool
	listen     *pgx.ConnConfig // for WatchChanges' own connection
	watchCheck time.Duration
}

// OpenPostgres connects to the database that dsn names (a postgres:// URL or keyword/value string;
// pool_max_conns and the other pgxpool parameters are honoured) and brings its schema up to date.
//
// Tables are found through the connection's search_path, so a DSN such as
// "postgres://host/db?search_path=orgauth" keeps them in their own schema, which must exist. Errors
// that mean the database cannot be reached wrap store.ErrUnavailable.
//
// Queries go through database/sql on pgx's stdlib driver, over a pgx pool. WatchChanges listens on a
// plain pgx connection of its own: a listening connection is held for as long as the watch lasts and
// must never go back to a pool with its LISTEN in place, and only pgx can wait for notifications.
func OpenPostgres(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse DSN: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, postgresDialect.fail(err, "open")
	}
	db := stdlib.OpenDBFromPool(pool)
	s := &Store{d: &postgresDialect, w: db, r: db,
		pg: &pgState{pool: pool, listen: cfg.ConnConfig, watchCheck: defaultWatchCheck}}
	// Without a schema to create tables in, current_schema() is NULL and the advisory locks, keyed on
	// it, would be skipped.
	var schema *string
	err = s.reader().row(ctx, "SELECT current_schema()").Scan(&schema)
	if err == nil && schema == nil {
		err = errors.New("no schema of the search_path exists")
	}
	if err == nil {
		err = s.migrate(ctx)
	}
	if err != nil {
		return nil, errors.Join(s.fail(err, "open"), s.Close())
	}
	return s, nil
}

// watchChanges listens on ChangesChannel on a connection of its own (outside the pool) and calls
// onChange for each notification of a write to this store's schema, including its own writes. It also
// calls onChange once as soon as it listens, so that a caller that reconnects after an error catches up
// on what it missed meanwhile. When no notification comes for a while it checks that the connection
// still works, so a silently dropped connection is noticed too.
//
// It returns ctx's error when ctx ends, and otherwise the error that broke the connection, which wraps
// store.ErrUnavailable when the database cannot be reached: the caller reconnects by calling again.
func (pg *pgState) watchChanges(ctx context.Context, s *Store, onChange func()) error {
	err := pg.watch(ctx, onChange)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return s.fail(err, "watch changes")
}

func (pg *pgState) watch(ctx context.Context, onChange func()) error {
	conn, err := pgx.ConnectConfig(ctx, pg.listen.Copy())
	if err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn.Close(ctx)
	}()
	var schema *string
	if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return err
	}
	if schema == nil {
		return errors.New("no schema of the search_path exists")
	}
	if _, err := conn.Exec(ctx, "LISTEN "+ChangesChannel); err != nil {
		return err
	}
	onChange()
	for {
		wait, cancel := context.WithTimeout(ctx, pg.watchCheck)
		n, err := conn.WaitForNotification(wait)
		cancel()
		switch {
		case err == nil:
			if changedSchema(n.Payload) == *schema {
				onChange()
			}
		case ctx.Err() != nil:
			return ctx.Err()
		case pgconn.Timeout(err):
			// Quiet for a while: a round trip tells a quiet database from a dead connection.
			check, cancel := context.WithTimeout(ctx, pg.watchCheck)
			err := conn.Ping(check)
			cancel()
			if err != nil {
				return fmt.Errorf("check connection: %w", err)
			}
		default:
			return err
		}
	}
}

// changedSchema reads the schema of a change notification: the bare schema, or "<store id> <version>
// <schema>", which earlier versions sent (instances of both may share a database while one replaces
// the other).
func changedSchema(payload string) string {
	id, rest, ok := strings.Cut(payload, " ")
	if !ok || id == "" {
		return payload
	}
	v, schema, ok := strings.Cut(rest, " ")
	if !ok || v == "" || strings.Trim(v, "0123456789") != "" {
		return payload
	}
	return schema
}
