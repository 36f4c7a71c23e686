package admins

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"

	"github.com/orgauth/orgauth/internal/store"
)

// Session is a signed-in administrator.
type Session struct {
	Token   string // the cookie value; set by SignIn only, the store keeps its SHA-256
	Admin   Admin
	Session StoredSession
}

// LogValue keeps the token, the CSRF token and the password hash out of logs.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("admin_id", s.Admin.ID), slog.Time("expires_at", s.Session.ExpiresAt))
}

// SignIn checks an administrator's email and password and starts a session. A refusal is
// ErrWrongCredentials, whether the email is unknown or the password wrong, and an unknown email costs
// the same hashing as a known one; ErrBusy when the password could not be checked now. A sign-in whose
// stored hash is weaker than the hasher's parameters stores a new hash of the password.
func (s *Service) SignIn(ctx context.Context, email, pw string) (Session, error) {
	a, err := s.store.GetAdminByEmail(ctx, normalizeEmail(email))
	switch {
	case errors.Is(err, store.ErrNotFound):
		if err := s.hasher.VerifyUnknown(ctx, pw); err != nil {
			return Session{}, fmt.Errorf("sign in: %w", err)
		}
		return Session{}, ErrWrongCredentials
	case err != nil:
		return Session{}, fmt.Errorf("sign in: %w", err)
	}
	ok, rehash, err := s.hasher.Verify(ctx, a.PasswordHash, pw)
	if err != nil {
		return Session{}, fmt.Errorf("sign in %s: %w", a.ID, err)
	}
	if !ok {
		return Session{}, ErrWrongCredentials
	}
	if rehash {
		s.rehash(ctx, a, pw)
	}
	now := s.now()
	// Sign-ins are rare, so they are a fine moment to sweep sessions nobody will use again.
	if err := s.store.DeleteExpiredSessions(ctx, now); err != nil {
		s.log.WarnContext(ctx, "delete expired sessions", "error", err)
	}
	token := randomToken()
	sess := StoredSession{
		TokenHash: sessionHash(token),
		AdminID:   a.ID,
		CSRFToken: randomToken(),
		CreatedAt: now,
		ExpiresAt: now.Add(SessionLifetime),
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return Session{}, fmt.Errorf("sign in %s: create session: %w", a.ID, err)
	}
	return Session{Token: token, Admin: a, Session: sess}, nil
}

// errHashChanged stops a re-hash when the stored hash changed since the sign-in read it.
var errHashChanged = errors.New("the password hash changed meanwhile")

// rehash replaces a's stored hash, which pw just matched, with one under the hasher's parameters. It is
// best effort: the sign-in goes on whatever happens, and the next one tries again.
func (s *Service) rehash(ctx context.Context, a Admin, pw string) {
	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		s.log.WarnContext(ctx, "re-hash administrator password", "admin", a, "error", err)
		return
	}
	_, err = s.store.UpdateAdmin(ctx, a.ID, func(x *store.Admin) error {
		if x.PasswordHash != a.PasswordHash {
			return errHashChanged
		}
		x.PasswordHash = hash
		x.UpdatedAt = s.now()
		return nil
	})
	switch {
	case err == nil:
		s.log.InfoContext(ctx, "administrator password re-hashed", "admin", a)
	case !errors.Is(err, errHashChanged) && !errors.Is(err, store.ErrNotFound):
		s.log.WarnContext(ctx, "re-hash administrator password", "admin", a, "error", err)
	}
}

// Session finds the live session a token belongs to; ErrSessionNotFound when there is none.
func (s *Service) Session(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, ErrSessionNotFound
	}
	sess, err := s.store.GetSession(ctx, sessionHash(token), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return Session{}, ErrSessionNotFound
	} else if err != nil {
		return Session{}, fmt.Errorf("get session: %w", err)
	}
	a, err := s.store.GetAdmin(ctx, sess.AdminID)
	if errors.Is(err, store.ErrNotFound) {
		return Session{}, ErrSessionNotFound
	} else if err != nil {
		return Session{}, fmt.Errorf("get session administrator: %w", err)
	}
	return Session{Admin: a, Session: sess}, nil
}

// SignOut ends the session a token belongs to; an unknown token is no error.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if err := s.store.DeleteSession(ctx, sessionHash(token)); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	return nil
}

// randomToken is 256 random bits, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sessionHash is what the store keeps of a session token: the token is random, so a plain hash suffices.
func sessionHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
