package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Version returns the tenant version, which every write transaction except a session's bumps.
func (s *Store) Version(ctx context.Context) (int64, error) {
	var v int64
	if err := s.pool.QueryRow(ctx, "SELECT version FROM tenant_version WHERE id = 1").Scan(&v); err != nil {
		return 0, fmt.Errorf("postgres: tenant version: %w", classify(err))
	}
	return v, nil
}

// OwnWrites reports whether this Store value committed every version in (after, through].
func (s *Store) OwnWrites(after, through int64) bool { return s.own.All(after, through) }

// WatchChanges listens on ChangesChannel on a connection of its own (outside the pool) and calls
// onChange for each notification of a write to this store's schema, including its own writes. It also
// calls onChange once as soon as it listens, so that a caller that reconnects after an error catches up
// on what it missed meanwhile. When no notification comes for a while it checks that the connection
// still works, so a silently dropped connection is noticed too.
//
// It returns ctx's error when ctx ends, and otherwise the error that broke the connection, which wraps
// store.ErrUnavailable when the database cannot be reached: the caller reconnects by calling again.
func (s *Store) WatchChanges(ctx context.Context, onChange func()) error {
	err := s.watch(ctx, onChange)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("postgres: watch changes: %w", classify(err))
}

func (s *Store) watch(ctx context.Context, onChange func()) error {
	conn, err := pgx.ConnectConfig(ctx, s.conn.Copy())
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
		wait, cancel := context.WithTimeout(ctx, s.watchCheck)
		n, err := conn.WaitForNotification(wait)
		cancel()
		switch {
		case err == nil:
			writer, version, changed := parseChangePayload(n.Payload)
			if changed != *schema {
				continue
			}
			if writer == s.id {
				s.own.Add(version) // the notification comes at commit, maybe before write returns
			}
			onChange()
		case ctx.Err() != nil:
			return ctx.Err()
		case pgconn.Timeout(err):
			// Quiet for a while: a round trip tells a quiet database from a dead connection.
			check, cancel := context.WithTimeout(ctx, s.watchCheck)
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

// parseChangePayload reads a change notification: "<store id> <version> <schema>", or the bare schema
// that versions before store ids sent.
func parseChangePayload(payload string) (writer string, version int64, schema string) {
	writer, rest, ok := strings.Cut(payload, " ")
	if !ok {
		return "", 0, payload
	}
	v, schema, ok := strings.Cut(rest, " ")
	if !ok {
		return "", 0, payload
	}
	version, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return "", 0, payload
	}
	return writer, version, schema
}
