package admins

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/orgauth/orgauth/internal/password"
	"github.com/orgauth/orgauth/internal/store"
)

func TestSignIn(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	st, s := newTestService(t, password.Params{}, func() time.Time { return now })
	a, err := s.Create(ctx, "ada@example.com", testPassword)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("fail/wrong password", func(t *testing.T) {
		if _, err := s.SignIn(ctx, "ada@example.com", "wrong password!"); !errors.Is(err, ErrWrongCredentials) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("fail/unknown email gets the same answer", func(t *testing.T) {
		if _, err := s.SignIn(ctx, "nobody@example.com", testPassword); !errors.Is(err, ErrWrongCredentials) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("fail/empty token is no session", func(t *testing.T) {
		if _, err := s.Session(ctx, ""); !errors.Is(err, ErrSessionNotFound) {
			t.Fatalf("err = %v", err)
		}
	})

	var session Session
	t.Run("the right password starts a session whose token only the caller has", func(t *testing.T) {
		session, err = s.SignIn(ctx, " ADA@example.com", testPassword)
		if err != nil {
			t.Fatal(err)
		}
		if len(session.Token) != 43 || session.Admin.ID != a.ID || len(session.Session.CSRFToken) != 43 {
			t.Fatalf("session %+v", session)
		}
		if !session.Session.ExpiresAt.Equal(now.Add(SessionLifetime)) {
			t.Errorf("expires at %v", session.Session.ExpiresAt)
		}
		stored, err := st.GetSession(ctx, sessionHash(session.Token), now)
		if err != nil {
			t.Fatal(err)
		}
		if string(stored.TokenHash) == session.Token {
			t.Error("the store holds the token itself")
		}
	})
	t.Run("the token finds the session and its administrator", func(t *testing.T) {
		got, err := s.Session(ctx, session.Token)
		if err != nil {
			t.Fatal(err)
		}
		if got.Admin.Email != "ada@example.com" || got.Session.CSRFToken != session.Session.CSRFToken || got.Token != "" {
			t.Fatalf("session %+v", got)
		}
	})
	t.Run("fail/another token finds nothing", func(t *testing.T) {
		if _, err := s.Session(ctx, randomToken()); !errors.Is(err, ErrSessionNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("the session ends after its lifetime", func(t *testing.T) {
		now = now.Add(SessionLifetime + time.Second)
		defer func() { now = now.Add(-SessionLifetime - time.Second) }()
		if _, err := s.Session(ctx, session.Token); !errors.Is(err, ErrSessionNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("signing out ends the session; twice is no error", func(t *testing.T) {
		if err := s.SignOut(ctx, session.Token); err != nil {
			t.Fatal(err)
		}
		if err := s.SignOut(ctx, session.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, session.Token); !errors.Is(err, ErrSessionNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a deleted administrator's session ends", func(t *testing.T) {
		s2, err := s.SignIn(ctx, "ada@example.com", testPassword)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteAdmin(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, s2.Token); !errors.Is(err, ErrSessionNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
}

// oldHashPassword is how package tenant hashed administrators' passwords before this package took them
// over (tenant/admins.go, hashPassword), kept verbatim to check that those hashes still sign in.
func oldHashPassword(password string) string {
	const (
		argonMemory  = 19 * 1024 // KiB
		argonTime    = 2
		argonThreads = 1
		argonSaltLen = 16
		argonKeyLen  = 32
	)
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// oldHash is testPassword's hash as package tenant wrote it (the dashboard's test fixture, made then).
const oldHash = "$argon2id$v=19$m=19456,t=2,p=1$38jOjMsSa4lv+6CEcn1TAw$jeb++K+UHf0yqvQoRcA6amrGkoaqhvmE1RAVK1DfNMo"

// putAdmin stores an administrator with a password hash made elsewhere.
func putAdmin(t *testing.T, st store.Store, email, hash string) Admin {
	t.Helper()
	now := time.Now().UTC()
	a := Admin{ID: "adm_" + randomAlphanumeric(16), Email: email, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := st.CreateAdmin(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func storedHash(t *testing.T, st store.Store, id string) string {
	t.Helper()
	a, err := st.GetAdmin(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a.PasswordHash
}

// TestOldHashesSignIn: the hashes package tenant wrote are argon2id PHC strings of the same form
// package password reads, so they sign in as they are; with password's defaults, which are tenant's
// old parameters, they are kept.
func TestOldHashesSignIn(t *testing.T) {
	ctx := context.Background()
	st, s := newStoreService(t, Options{}) // password's defaults
	for name, hash := range map[string]string{
		"a hash stored by the old code":   oldHash,
		"a hash made now by the old code": oldHashPassword(testPassword),
	} {
		t.Run(name, func(t *testing.T) {
			a := putAdmin(t, st, strings.ReplaceAll(name, " ", "-")+"@example.com", hash)
			if _, err := s.SignIn(ctx, a.Email, testPassword); err != nil {
				t.Fatalf("sign in with an old hash: %v", err)
			}
			if _, err := s.SignIn(ctx, a.Email, testPassword+"!"); !errors.Is(err, ErrWrongCredentials) {
				t.Fatalf("wrong password: %v", err)
			}
			if got := storedHash(t, st, a.ID); got != hash {
				t.Errorf("the hash was rewritten although its parameters are the hasher's: %q", got)
			}
		})
	}
}

// TestSignInRehashesWeakerHash: when the hasher's parameters are raised, an old hash is replaced by one
// under the new parameters at the next successful sign-in, and signs in still.
func TestSignInRehashesWeakerHash(t *testing.T) {
	ctx := context.Background()
	stronger := password.Params{MemoryKiB: 20480, Time: 2, Threads: 1}
	st, s := newTestService(t, stronger, nil)
	a := putAdmin(t, st, "ada@example.com", oldHashPassword(testPassword))
	t.Run("a wrong password changes nothing", func(t *testing.T) {
		if _, err := s.SignIn(ctx, a.Email, "wrong password!"); !errors.Is(err, ErrWrongCredentials) {
			t.Fatalf("err = %v", err)
		}
		if got := storedHash(t, st, a.ID); got != a.PasswordHash {
			t.Fatalf("hash rewritten on a failed sign-in: %q", got)
		}
	})
	t.Run("the right password signs in and re-hashes", func(t *testing.T) {
		if _, err := s.SignIn(ctx, a.Email, testPassword); err != nil {
			t.Fatal(err)
		}
		got := storedHash(t, st, a.ID)
		if !strings.HasPrefix(got, "$argon2id$v=19$m=20480,t=2,p=1$") {
			t.Fatalf("hash after sign-in %q, want the hasher's parameters", got)
		}
		if _, err := s.SignIn(ctx, a.Email, testPassword); err != nil {
			t.Fatalf("sign in with the new hash: %v", err)
		}
		if again := storedHash(t, st, a.ID); again != got {
			t.Errorf("a hash under the hasher's parameters was rewritten")
		}
	})
}

func TestSignInMalformedHashIsAFault(t *testing.T) {
	ctx := context.Background()
	st, s := newTestService(t, password.Params{}, nil)
	a := putAdmin(t, st, "ada@example.com", "$2a$10$abcdefghijklmnopqrstuuYzXWS3D2Vb8MZzZbd9P1FPJ6W7uo2g2")
	_, err := s.SignIn(ctx, a.Email, testPassword)
	if !errors.Is(err, password.ErrMalformedHash) || errors.Is(err, ErrWrongCredentials) {
		t.Fatalf("err = %v, want the malformed hash as a server fault", err)
	}
}

// busyHasher is a hasher with no slot free: every hash gives up.
type busyHasher struct{}

func (busyHasher) Hash(context.Context, string) (string, error) { return "", password.ErrBusy }
func (busyHasher) Verify(context.Context, string, string) (bool, bool, error) {
	return false, false, password.ErrBusy
}
func (busyHasher) VerifyUnknown(context.Context, string) error { return password.ErrBusy }

// TestBusyHasher: when no password can be hashed now, sign-in and creation say so with ErrBusy, for a
// known email as for an unknown one, and start nothing.
func TestBusyHasher(t *testing.T) {
	ctx := context.Background()
	st, s := newStoreService(t, Options{Hasher: busyHasher{}})
	a := putAdmin(t, st, "ada@example.com", oldHash)
	for _, email := range []string{a.Email, "nobody@example.com"} {
		t.Run("sign-in of "+email, func(t *testing.T) {
			sess, err := s.SignIn(ctx, email, testPassword)
			if !errors.Is(err, ErrBusy) || errors.Is(err, ErrWrongCredentials) || sess.Token != "" {
				t.Fatalf("SignIn = %+v, %v; want ErrBusy", sess, err)
			}
		})
	}
	t.Run("creation", func(t *testing.T) {
		if _, err := s.Create(ctx, "grace@example.com", testPassword); !errors.Is(err, ErrBusy) {
			t.Fatalf("err = %v, want ErrBusy", err)
		}
		if _, err := st.GetAdminByEmail(ctx, "grace@example.com"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("an administrator was stored: %v", err)
		}
	})
}
