package sqlstore

import (
	"context"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// Sessions are written outside write, as single statements on the writer, so that signing in and out
// neither bumps the tenant version nor notifies: other processes have nothing to reload for a session.

// CreateSession stores a session; ErrNotFound when its admin does not exist, ErrConflict when its token
// hash is taken.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) error {
	_, err := s.writer().exec(ctx, `INSERT INTO admin_sessions (token_hash, admin_id, csrf_token, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?)`, sess.TokenHash, sess.AdminID, sess.CSRFToken, sess.CreatedAt, sess.ExpiresAt)
	return s.fail(err, "create session of admin %s", sess.AdminID)
}

// GetSession finds the session with the token hash that has not expired at now: a session expires at
// its ExpiresAt.
func (s *Store) GetSession(ctx context.Context, tokenHash []byte, now time.Time) (store.Session, error) {
	var sess store.Session
	err := s.reader().row(ctx, `SELECT token_hash, admin_id, csrf_token, created_at, expires_at
		FROM admin_sessions WHERE token_hash = ? AND expires_at > ?`, tokenHash, now).
		Scan(&sess.TokenHash, &sess.AdminID, &sess.CSRFToken, utc{&sess.CreatedAt}, utc{&sess.ExpiresAt})
	return sess, s.fail(err, "get session")
}

// DeleteSession deletes the session with the token hash, if there is one.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	_, err := s.writer().exec(ctx, "DELETE FROM admin_sessions WHERE token_hash = ?", tokenHash)
	return s.fail(err, "delete session")
}

// DeleteExpiredSessions deletes the sessions that GetSession no longer returns at now.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) error {
	_, err := s.writer().exec(ctx, "DELETE FROM admin_sessions WHERE expires_at <= ?", now)
	return s.fail(err, "delete expired sessions")
}
