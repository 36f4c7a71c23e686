// Package admins is the authentication of the tenant's administrators, the people who sign in to the
// dashboard: creating them (and the first one, at a store's first start), checking their email and
// password, and their sign-in sessions. Passwords are hashed by package password, whose bound on
// concurrent hashes covers these sign-ins too. It works over the small Store it declares, the admin and
// session methods of store.Store; the tenant's rules (package tenant) are not its business, and the
// dashboard reaches it through an interface of its own.
package admins

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/orgauth/orgauth/internal/password"
	"github.com/orgauth/orgauth/internal/store"
)

// The rules of an administrator's account.
const (
	MinPasswordLength = 12  // characters
	MaxPasswordBytes  = 256 // bytes
	maxEmailLength    = 254 // characters (RFC 5321's longest path)
	// SessionLifetime is how long a dashboard sign-in lasts; the administrator signs in again after it.
	SessionLifetime = 12 * time.Hour
)

// Store is what the administrators' authentication reads and writes: the admin and session methods of
// store.Store that it uses.
type Store interface {
	// CreateAdmin: store.ErrConflict when the email is taken.
	CreateAdmin(ctx context.Context, a store.Admin) error
	GetAdmin(ctx context.Context, id string) (store.Admin, error)
	GetAdminByEmail(ctx context.Context, email string) (store.Admin, error)
	ListAdmins(ctx context.Context) ([]store.Admin, error)
	UpdateAdmin(ctx context.Context, id string, fn func(*store.Admin) error) (store.Admin, error)

	// CreateSession: store.ErrNotFound when the admin does not exist.
	CreateSession(ctx context.Context, s store.Session) error
	// GetSession: store.ErrNotFound when there is no such session or it expired.
	GetSession(ctx context.Context, tokenHash []byte, now time.Time) (store.Session, error)
	DeleteSession(ctx context.Context, tokenHash []byte) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) error
}

var _ Store = store.Store(nil)

// Hasher hashes and checks passwords: a *password.Hasher, shared with every other kind of login.
type Hasher interface {
	Hash(ctx context.Context, pw string) (string, error)
	// Verify reports whether pw matches hash, and whether hash is weaker than what Hash writes now.
	Verify(ctx context.Context, hash, pw string) (ok, rehash bool, err error)
	// VerifyUnknown costs what Verify costs, for an email that has no account.
	VerifyUnknown(ctx context.Context, pw string) error
}

var _ Hasher = (*password.Hasher)(nil)

// Service creates administrators, signs them in and keeps their sessions.
type Service struct {
	store  Store
	hasher Hasher
	log    *slog.Logger
	now    func() time.Time
}

// Options configure New; zero values pick defaults.
type Options struct {
	// Hasher hashes and checks the passwords; share one *password.Hasher between every kind of login, so
	// that its bound on concurrent hashes holds for the process. nil: one of its own, password's defaults.
	Hasher Hasher
	Logger *slog.Logger     // nil: discard
	Now    func() time.Time // nil: time.Now
}

// New returns the Service over st.
func New(st Store, opts Options) *Service {
	if opts.Hasher == nil {
		h, err := password.NewHasher(password.Options{})
		if err != nil {
			panic(err) // password's defaults are within its bounds
		}
		opts.Hasher = h
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	now := opts.Now
	return &Service{store: st, hasher: opts.Hasher, log: opts.Logger, now: func() time.Time { return now().UTC() }}
}

// Create adds an administrator who may sign in to the dashboard. A refusal is an *Error: ErrEmailTaken,
// or a broken rule on the email or the password.
func (s *Service) Create(ctx context.Context, email, pw string) (Admin, error) {
	email = normalizeEmail(email)
	a := Admin{ID: "adm_" + randomAlphanumeric(16), Email: email, CreatedAt: s.now()}
	a.UpdatedAt = a.CreatedAt
	if err := checkEmail(email); err != nil {
		return a, err
	}
	if err := checkPassword(pw); err != nil {
		return a, err
	}
	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return a, fmt.Errorf("create administrator: %w", err)
	}
	a.PasswordHash = hash
	if err := s.store.CreateAdmin(ctx, a); errors.Is(err, store.ErrConflict) {
		return a, ErrEmailTaken
	} else if err != nil {
		return a, fmt.Errorf("create administrator: %w", err)
	}
	s.log.InfoContext(ctx, "administrator created", "admin", a)
	return a, nil
}

// Bootstrap creates the first administrator when the store has none, so that a fresh deployment can
// sign in to the dashboard. It creates nothing when an administrator exists; when several instances
// start at once, one creates and the others see created false.
func (s *Service) Bootstrap(ctx context.Context, email, pw string) (created bool, err error) {
	admins, err := s.store.ListAdmins(ctx)
	if err != nil {
		return false, fmt.Errorf("bootstrap administrator: %w", err)
	}
	if len(admins) > 0 {
		return false, nil
	}
	if _, err := s.Create(ctx, email, pw); errors.Is(err, ErrEmailTaken) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("bootstrap administrator: %w", err)
	}
	return true, nil
}

func normalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// checkEmail accepts a bare address (no display name, no comments) of 3 to 254 characters, in the
// words the tenant's validation uses for any text.
func checkEmail(email string) error {
	n := utf8.RuneCountInString(email)
	switch {
	case !utf8.ValidString(email):
		return invalidEmail("String is not valid UTF-8")
	case n < 3:
		return invalidEmail(fmt.Sprintf("String is too short (%d chars), minimum 3", n))
	case n > maxEmailLength:
		return invalidEmail(fmt.Sprintf("String is too long (%d chars), maximum %d", n, maxEmailLength))
	case strings.IndexFunc(email, unicode.IsControl) >= 0:
		return invalidEmail("String must not contain control characters")
	case strings.ContainsAny(email, "<>"):
		return invalidEmail("String does not match pattern: ^[^<>]+$")
	}
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || addr.Name != "" {
		return &Error{Message: "Enter an email address such as admin@example.com.", Property: "email"}
	}
	return nil
}

func invalidEmail(rule string) *Error {
	return &Error{Message: fmt.Sprintf("Payload validation error: '%s' on property email.", rule), Property: "email"}
}

func checkPassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		return &Error{Message: fmt.Sprintf("The password must have at least %d characters.", MinPasswordLength), Property: "password"}
	}
	if len(pw) > MaxPasswordBytes {
		return &Error{Message: fmt.Sprintf("The password must have at most %d bytes.", MaxPasswordBytes), Property: "password"}
	}
	return nil
}

const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomAlphanumeric returns n characters drawn uniformly from letters and digits.
func randomAlphanumeric(n int) string {
	out := make([]byte, n)
	buf := make([]byte, 2*n)
	for i := 0; i < n; {
		rand.Read(buf)
		for _, b := range buf {
			// 248 = 4*62: reject the top bytes so every character is equally likely.
			if b >= 248 {
				continue
			}
			out[i] = alphanumeric[int(b)%len(alphanumeric)]
			if i++; i == n {
				break
			}
		}
	}
	return string(out)
}
