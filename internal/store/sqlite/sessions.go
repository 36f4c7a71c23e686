package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// Sessions are written on the writer connection but outside write, so that signing in and out does not
// bump the tenant version: other processes have nothing to reload for a session.

// CreateSession stores a session; ErrNotFound when its admin does not exist, ErrConflict when its token
// hash is taken.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO admin_sessions (token_hash, admin_id, csrf_token, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?)`,
		sess.TokenHash, sess.AdminID, sess.CSRFToken, toMicros(sess.CreatedAt), toMicros(sess.ExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlite: create session of admin %s: %w", sess.AdminID, classify(err))
	}
	return nil
}

// GetSession finds the session with the token hash that has not expired at now: a session expires at
// its ExpiresAt.
func (s *Store) GetSession(ctx context.Context, tokenHash []byte, now time.Time) (store.Session, error) {
	var (
		sess             store.Session
		created, expires int64
	)
	err := s.r.QueryRowContext(ctx, `SELECT token_hash, admin_id, csrf_token, created_at, expires_at
		FROM admin_sessions WHERE token_hash = ? AND expires_at > ?`, tokenHash, toMicros(now)).
		Scan(&sess.TokenHash, &sess.AdminID, &sess.CSRFToken, &created, &expires)
	if err != nil {
		return sess, fmt.Errorf("sqlite: get session: %w", classify(err))
	}
	sess.CreatedAt, sess.ExpiresAt = fromMicros(created), fromMicros(expires)
	return sess, nil
}

// DeleteSession deletes the session with the token hash, if there is one.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := s.w.ExecContext(ctx, "DELETE FROM admin_sessions WHERE token_hash = ?", tokenHash); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", classify(err))
	}
	return nil
}

// DeleteExpiredSessions deletes the sessions that GetSession no longer returns at now.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) error {
	if _, err := s.w.ExecContext(ctx, "DELETE FROM admin_sessions WHERE expires_at <= ?", toMicros(now)); err != nil {
		return fmt.Errorf("sqlite: delete expired sessions: %w", classify(err))
	}
	return nil
}
