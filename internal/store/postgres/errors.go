package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/orgauth/orgauth/internal/store"
)

// classify adds the store sentinel that err stands for: no row is a missing entity, a violated unique key
// (SQLSTATE 23505) a conflict, a violated foreign key (23503) or a key no row can hold (22021) a missing
// reference, and a failure to reach
// or keep talking to the server store.ErrUnavailable. Errors already classified, and others, pass
// through unchanged.
func classify(err error) error {
	var pe *pgconn.PgError
	switch {
	case err == nil, errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrUnavailable):
		return err
	case errors.Is(err, pgx.ErrNoRows):
		return store.ErrNotFound
	case unavailable(err):
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	case errors.As(err, &pe) && pe.Code == "23505":
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	case errors.As(err, &pe) && pe.Code == "23503":
		return fmt.Errorf("%w: %w", store.ErrNotFound, err)
	case errors.As(err, &pe) && pe.Code == "22021":
		// Text that PostgreSQL cannot hold (see storable): as a key it names nothing. The tenant refuses
		// such text before it writes it.
		return fmt.Errorf("%w: %w", store.ErrNotFound, err)
	}
	return err
}

// storable reports whether PostgreSQL can hold s in a text column: not with a NUL byte or invalid UTF-8
// (SQLSTATE 22021), which a request path may carry. Where a key that matches nothing is no error, such
// keys are answered without asking the database.
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
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
	case errors.As(err, &ne), errors.Is(err, pgconn.ErrConnClosed), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &pe):
		// Class 08: connection exception; 57P01-57P03: the server is shutting down or starting up;
		// 53300: too many connections.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" ||
			pe.Code == "53300"
	}
	return false
}

// mustAffect turns a statement that changed no row into store.ErrNotFound.
func mustAffect(tag pgconn.CommandTag, err error) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}
