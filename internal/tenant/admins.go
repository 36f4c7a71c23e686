package tenant

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/orgauth/orgauth/internal/store"
)

// Administrator rules.
const (
	MinAdminPasswordLength = 12
	maxAdminPasswordLength = 256
	maxEmailLength         = 254
	// SessionLifetime is how long a dashboard sign-in lasts; the administrator signs in again after it.
	SessionLifetime = 12 * time.Hour
)

var (
	// ErrWrongCredentials is the one answer to an unknown email or a wrong password, so that sign-in does
	// not reveal which accounts exist.
	ErrWrongCredentials = &Error{Kind: KindInvalid, Message: "Wrong email or password."}
	// ErrSessionNotFound: the session token is unknown, signed out or expired.
	ErrSessionNotFound = notFound("The session does not exist or has expired.", "")

	errAdminConflict = &Error{Kind: KindConflict, Message: "An administrator with this email already exists.",
		Code: "admin_conflict", Property: "email"}
)

// AdminSession is a signed-in administrator.
type AdminSession struct {
	Token   string // the cookie value; set by SignIn only, the store keeps its SHA-256
	Admin   store.Admin
	Session store.Session
}

// LogValue keeps the token, the CSRF token and the password hash out of logs.
func (a AdminSession) LogValue() slog.Value {
	return slog.GroupValue(slog.String("admin_id", a.Admin.ID), slog.Time("expires_at", a.Session.ExpiresAt))
}

// CreateAdmin adds a tenant administrator who may sign in to the dashboard.
func (s *Service) CreateAdmin(ctx context.Context, email, password string) (store.Admin, error) {
	email = normalizeEmail(email)
	a := store.Admin{ID: "adm_" + randomAlphanumeric(16), Email: email, CreatedAt: s.now()}
	a.UpdatedAt = a.CreatedAt
	if err := checkEmail(email); err != nil {
		return a, err
	}
	if err := checkPassword(password); err != nil {
		return a, err
	}
	a.PasswordHash = hashPassword(password)
	if err := s.store.CreateAdmin(ctx, a); err != nil {
		return a, storeError(err, nil, errAdminConflict, "create administrator")
	}
	s.log.InfoContext(ctx, "administrator created", "admin", a)
	return a, nil
}

// BootstrapAdmin creates the first administrator when the store has none, so that a fresh deployment
// can sign in to the dashboard. It creates nothing when an administrator exists; when several instances
// start at once, one creates and the others see created false.
func (s *Service) BootstrapAdmin(ctx context.Context, email, password string) (created bool, err error) {
	admins, err := s.store.ListAdmins(ctx)
	if err != nil {
		return false, fmt.Errorf("bootstrap administrator: %w", err)
	}
	if len(admins) > 0 {
		return false, nil
	}
	if _, err := s.CreateAdmin(ctx, email, password); err != nil {
		if e, ok := AsError(err); ok && e == errAdminConflict {
			return false, nil
		}
		return false, fmt.Errorf("bootstrap administrator: %w", err)
	}
	return true, nil
}

// SignIn checks an administrator's email and password and starts a session. Every refusal is
// ErrWrongCredentials, and an unknown email costs the same hashing time as a wrong password.
func (s *Service) SignIn(ctx context.Context, email, password string) (AdminSession, error) {
	a, err := s.store.GetAdminByEmail(ctx, normalizeEmail(email))
	switch {
	case errors.Is(err, store.ErrNotFound):
		spendHashTime(password)
		return AdminSession{}, ErrWrongCredentials
	case err != nil:
		return AdminSession{}, fmt.Errorf("sign in: %w", err)
	}
	if ok, err := verifyPassword(a.PasswordHash, password); err != nil {
		return AdminSession{}, fmt.Errorf("sign in %s: %w", a.ID, err)
	} else if !ok {
		return AdminSession{}, ErrWrongCredentials
	}
	now := s.now()
	// Sign-ins are rare, so they are a fine moment to sweep sessions nobody will use again.
	if err := s.store.DeleteExpiredSessions(ctx, now); err != nil {
		s.log.WarnContext(ctx, "delete expired sessions", "error", err)
	}
	token := randomToken()
	sess := store.Session{
		TokenHash: sessionHash(token),
		AdminID:   a.ID,
		CSRFToken: randomToken(),
		CreatedAt: now,
		ExpiresAt: now.Add(SessionLifetime),
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return AdminSession{}, fmt.Errorf("sign in %s: create session: %w", a.ID, err)
	}
	return AdminSession{Token: token, Admin: a, Session: sess}, nil
}

// AdminSession finds the live session a token belongs to; ErrSessionNotFound when there is none.
func (s *Service) AdminSession(ctx context.Context, token string) (AdminSession, error) {
	if token == "" {
		return AdminSession{}, ErrSessionNotFound
	}
	sess, err := s.store.GetSession(ctx, sessionHash(token), s.now())
	if err != nil {
		return AdminSession{}, storeError(err, ErrSessionNotFound, nil, "get session")
	}
	a, err := s.store.GetAdmin(ctx, sess.AdminID)
	if err != nil {
		return AdminSession{}, storeError(err, ErrSessionNotFound, nil, "get session administrator")
	}
	return AdminSession{Admin: a, Session: sess}, nil
}

// SignOut ends the session a token belongs to; an unknown token is no error.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if err := s.store.DeleteSession(ctx, sessionHash(token)); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	return nil
}

func normalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// checkEmail accepts a bare address (no display name, no comments) of at most 254 characters.
func checkEmail(email string) error {
	if err := checkText("email", email, 3, maxEmailLength, true); err != nil {
		return err
	}
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || addr.Name != "" {
		return invalidMessage("email", "Enter an email address such as admin@example.com.")
	}
	return nil
}

func checkPassword(password string) error {
	if n := utf8.RuneCountInString(password); n < MinAdminPasswordLength {
		return invalidMessage("password", fmt.Sprintf("The password must have at least %d characters.", MinAdminPasswordLength))
	}
	if len(password) > maxAdminPasswordLength {
		return invalidMessage("password", fmt.Sprintf("The password must have at most %d bytes.", maxAdminPasswordLength))
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

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane). Stored hashes carry
// their parameters, so raising these later keeps old hashes verifiable.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// hashPassword returns the argon2id hash of password in PHC string format.
func hashPassword(password string) string {
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// spendHashTime costs what verifying a password costs.
func spendHashTime(password string) {
	argon2.IDKey([]byte(password), make([]byte, argonSaltLen), argonTime, argonMemory, argonThreads, argonKeyLen)
}

// Bounds on the parameters read from a stored hash, so that a corrupt row cannot make one sign-in
// allocate gigabytes.
const (
	maxArgonMemory  = 1 << 20 // KiB: 1 GiB
	maxArgonTime    = 16
	maxArgonThreads = 16
)

// verifyPassword compares password with a PHC argon2id hash in constant time. A malformed hash is an error.
func verifyPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return false, errors.New("password hash: not an argon2id PHC string")
	}
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil {
		return false, fmt.Errorf("password hash parameters: %w", err)
	}
	if memory == 0 || memory > maxArgonMemory || passes == 0 || passes > maxArgonTime || threads == 0 || threads > maxArgonThreads {
		return false, fmt.Errorf("password hash parameters out of range: %s", parts[3])
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("password hash salt: %w", err)
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false, errors.New("password hash: bad key")
	}
	got := argon2.IDKey([]byte(password), salt, passes, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
