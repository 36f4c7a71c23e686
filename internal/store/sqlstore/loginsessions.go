package sqlstore

import (
	"context"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// Login sessions, authorization codes and refresh tokens are written without bumping the tenant
// version (see quiet): single statements on the writer, or quiet transactions.

const loginSessionCols = `id_hash, user_id, connection_id, auth_time, last_seen, created_at, expires_at, idle_expires_at`

// CreateLoginSession stores a login session; ErrNotFound when its user does not exist, ErrConflict when
// its hash is taken.
func (s *Store) CreateLoginSession(ctx context.Context, ls store.LoginSession) error {
	_, err := s.writer().exec(ctx, "INSERT INTO login_sessions ("+loginSessionCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		ls.IDHash, ls.UserID, ls.ConnectionID, ls.AuthTime, ls.LastSeen, ls.CreatedAt, ls.ExpiresAt, ls.IdleExpiresAt)
	return s.fail(err, "create login session of user %s", ls.UserID)
}

// GetLoginSession finds the session with the hash that has expired at now neither absolutely nor idly:
// a session expires at its ExpiresAt and at its IdleExpiresAt.
func (s *Store) GetLoginSession(ctx context.Context, idHash []byte, now time.Time) (store.LoginSession, error) {
	var ls store.LoginSession
	err := s.reader().row(ctx, "SELECT "+loginSessionCols+` FROM login_sessions
		WHERE id_hash = ? AND expires_at > ? AND idle_expires_at > ?`, idHash, now, now).
		Scan(&ls.IDHash, &ls.UserID, &ls.ConnectionID, utc{&ls.AuthTime}, utc{&ls.LastSeen}, utc{&ls.CreatedAt},
			utc{&ls.ExpiresAt}, utc{&ls.IdleExpiresAt})
	return ls, s.fail(err, "get login session")
}

// TouchLoginSession records activity on a live session.
func (s *Store) TouchLoginSession(ctx context.Context, idHash []byte, now, idleExpiresAt time.Time) error {
	err := mustAffect(s.writer().exec(ctx, `UPDATE login_sessions SET last_seen = ?, idle_expires_at = ?
		WHERE id_hash = ? AND expires_at > ? AND idle_expires_at > ?`, now, idleExpiresAt, idHash, now, now))
	return s.fail(err, "touch login session")
}

// DeleteLoginSession deletes the session with the hash, if there is one.
func (s *Store) DeleteLoginSession(ctx context.Context, idHash []byte) error {
	_, err := s.writer().exec(ctx, "DELETE FROM login_sessions WHERE id_hash = ?", idHash)
	return s.fail(err, "delete login session")
}

// DeleteUserLoginSessions deletes every session of a user.
func (s *Store) DeleteUserLoginSessions(ctx context.Context, userID string) error {
	if !s.holds(userID) {
		return nil
	}
	_, err := s.writer().exec(ctx, "DELETE FROM login_sessions WHERE user_id = ?", userID)
	return s.fail(err, "delete login sessions of user %s", userID)
}

// DeleteExpiredLoginSessions deletes the sessions that GetLoginSession no longer returns at now.
func (s *Store) DeleteExpiredLoginSessions(ctx context.Context, now time.Time) error {
	_, err := s.writer().exec(ctx, "DELETE FROM login_sessions WHERE expires_at <= ? OR idle_expires_at <= ?", now, now)
	return s.fail(err, "delete expired login sessions")
}
