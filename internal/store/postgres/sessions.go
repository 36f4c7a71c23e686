package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// Sessions are written outside write, as single statements, so that signing in and out neither bumps the
// tenant version nor notifies: other instances have nothing to reload for a session.

// CreateSession stores a session; ErrNotFound when its admin does not exist, ErrConflict when its token
// hash is taken.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO admin_sessions (token_hash, admin_id, csrf_token, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, sess.TokenHash, sess.AdminID, sess.CSRFToken, sess.CreatedAt, sess.ExpiresAt)
	if err != nil {
		return fmt.Errorf("postgres: create session of admin %s: %w", sess.AdminID, classify(err))
	}
	return nil
}

// GetSession finds the session with the token hash that has not expired at now: a session expires at
// its ExpiresAt.
func (s *Store) GetSession(ctx context.Context, tokenHash []byte, now time.Time) (store.Session, error) {
	var sess store.Session
	err := s.pool.QueryRow(ctx, `SELECT token_hash, admin_id, csrf_token, created_at, expires_at
		FROM admin_sessions WHERE token_hash = $1 AND expires_at > $2`, tokenHash, now).
		Scan(&sess.TokenHash, &sess.AdminID, &sess.CSRFToken, &sess.CreatedAt, &sess.ExpiresAt)
	if err != nil {
		return sess, fmt.Errorf("postgres: get session: %w", classify(err))
	}
	sess.CreatedAt, sess.ExpiresAt = utc(sess.CreatedAt), utc(sess.ExpiresAt)
	return sess, nil
}

// DeleteSession deletes the session with the token hash, if there is one.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := s.pool.Exec(ctx, "DELETE FROM admin_sessions WHERE token_hash = $1", tokenHash); err != nil {
		return fmt.Errorf("postgres: delete session: %w", classify(err))
	}
	return nil
}

// DeleteExpiredSessions deletes the sessions that GetSession no longer returns at now.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) error {
	if _, err := s.pool.Exec(ctx, "DELETE FROM admin_sessions WHERE expires_at <= $1", now); err != nil {
		return fmt.Errorf("postgres: delete expired sessions: %w", classify(err))
	}
	return nil
}
