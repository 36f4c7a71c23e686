package tenant

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

const adminPassword = "correct horse battery staple"

func TestCreateAdminRules(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	if _, err := s.CreateAdmin(ctx, "ada@example.com", adminPassword); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, email, password string
		kind                  Kind
		property              string
	}{
		{"fail/email taken, in another case", " ADA@example.com ", adminPassword, KindConflict, "email"},
		{"fail/not an email", "ada", adminPassword, KindInvalid, "email"},
		{"fail/email with a display name", "Ada <ada2@example.com>", adminPassword, KindInvalid, "email"},
		{"fail/password too short", "bob@example.com", "short-pass", KindInvalid, "password"},
		{"fail/password too long", "bob@example.com", strings.Repeat("p", 257), KindInvalid, "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateAdmin(ctx, tt.email, tt.password)
			e, ok := AsError(err)
			if !ok || e.Kind != tt.kind || e.Property != tt.property {
				t.Fatalf("error %v, want kind %d on property %s", err, tt.kind, tt.property)
			}
		})
	}
	t.Run("the email is stored trimmed and lowercase, the password as an argon2id PHC string", func(t *testing.T) {
		a, err := s.CreateAdmin(ctx, "  Grace@Example.COM ", adminPassword)
		if err != nil {
			t.Fatal(err)
		}
		if a.Email != "grace@example.com" || !strings.HasPrefix(a.ID, "adm_") || len(a.ID) != 20 {
			t.Errorf("admin %+v", a)
		}
		if !strings.HasPrefix(a.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(a.PasswordHash, adminPassword) {
			t.Errorf("password hash %q", a.PasswordHash)
		}
	})
}

func TestPasswordHashes(t *testing.T) {
	h := hashPassword(adminPassword)
	t.Run("the right password verifies", func(t *testing.T) {
		if ok, err := verifyPassword(h, adminPassword); !ok || err != nil {
			t.Fatalf("verify = %v, %v", ok, err)
		}
	})
	t.Run("a wrong password does not", func(t *testing.T) {
		if ok, err := verifyPassword(h, adminPassword+"!"); ok || err != nil {
			t.Fatalf("verify = %v, %v", ok, err)
		}
	})
	t.Run("two hashes of one password differ by their salt", func(t *testing.T) {
		if hashPassword(adminPassword) == h {
			t.Fatal("same hash twice")
		}
	})
	for name, bad := range map[string]string{
		"fail/bcrypt hash":         "$2a$10$abcdefghijklmnopqrstuuYzXWS3D2Vb8MZzZbd9P1FPJ6W7uo2g2",
		"fail/argon2i":             strings.Replace(h, "argon2id", "argon2i", 1),
		"fail/huge memory":         strings.Replace(h, "m=19456", "m=4194304", 1),
		"fail/zero passes":         strings.Replace(h, "t=2", "t=0", 1),
		"fail/salt not base64":     strings.Replace(h, "$m=19456,t=2,p=1$", "$m=19456,t=2,p=1$!!", 1),
		"fail/parameters garbled":  strings.Replace(h, "m=19456,t=2,p=1", "m=x", 1),
		"fail/other argon version": strings.Replace(h, "v=19", "v=16", 1),
	} {
		t.Run(name, func(t *testing.T) {
			if ok, err := verifyPassword(bad, adminPassword); ok || err == nil {
				t.Fatalf("verify = %v, %v; want an error", ok, err)
			}
		})
	}
}

func TestSignIn(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	st, s := newClockedService(t, func() time.Time { return now })
	a, err := s.CreateAdmin(ctx, "ada@example.com", adminPassword)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("fail/wrong password", func(t *testing.T) {
		if _, err := s.SignIn(ctx, "ada@example.com", "wrong password!"); !errors.Is(err, ErrWrongCredentials) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("fail/unknown email gets the same answer", func(t *testing.T) {
		if _, err := s.SignIn(ctx, "nobody@example.com", adminPassword); !errors.Is(err, ErrWrongCredentials) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("fail/empty token is no session", func(t *testing.T) {
		if _, err := s.AdminSession(ctx, ""); !errors.Is(err, ErrSessionNotFound) {
			t.Fatalf("err = %v", err)
		}
	})

	var session AdminSession
	t.Run("the right password starts a session whose token only the caller has", func(t *testing.T) {
		session, err = s.SignIn(ctx, " ADA@example.com", adminPassword)
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
		got, err := s.AdminSession(ctx, session.Token)
		if err != nil {
			t.Fatal(err)
		}
		if got.Admin.Email != "ada@example.com" || got.Session.CSRFToken != session.Session.CSRFToken || got.Token != "" {
			t.Fatalf("session %+v", got)
		}
	})
	t.Run("fail/another token finds nothing", func(t *testing.T) {
		if _, err := s.AdminSession(ctx, randomToken()); !errors.Is(err, ErrSessionNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("the session ends after its lifetime", func(t *testing.T) {
		now = now.Add(SessionLifetime + time.Second)
		defer func() { now = now.Add(-SessionLifetime - time.Second) }()
		if _, err := s.AdminSession(ctx, session.Token); !errors.Is(err, ErrSessionNotFound) {
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
		if _, err := s.AdminSession(ctx, session.Token); !errors.Is(err, ErrSessionNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a deleted administrator's session ends", func(t *testing.T) {
		s2, err := s.SignIn(ctx, "ada@example.com", adminPassword)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteAdmin(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AdminSession(ctx, s2.Token); !errors.Is(err, ErrSessionNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestBootstrapAdmin(t *testing.T) {
	ctx := context.Background()
	t.Run("creates the first administrator, then nothing", func(t *testing.T) {
		s := newService(t)
		created, err := s.BootstrapAdmin(ctx, "root@example.com", adminPassword)
		if err != nil || !created {
			t.Fatalf("first = %v, %v", created, err)
		}
		created, err = s.BootstrapAdmin(ctx, "other@example.com", adminPassword)
		if err != nil || created {
			t.Fatalf("second = %v, %v", created, err)
		}
		if _, err := s.SignIn(ctx, "other@example.com", adminPassword); !errors.Is(err, ErrWrongCredentials) {
			t.Fatalf("the second bootstrap created an account: %v", err)
		}
	})
	t.Run("instances starting together create one administrator", func(t *testing.T) {
		s := newService(t)
		var wg sync.WaitGroup
		results := make(chan bool, 4)
		for range 4 {
			wg.Go(func() {
				created, err := s.BootstrapAdmin(ctx, "root@example.com", adminPassword)
				if err != nil {
					t.Error(err)
				}
				results <- created
			})
		}
		wg.Wait()
		close(results)
		n := 0
		for created := range results {
			if created {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d instances created the administrator, want 1", n)
		}
	})
	t.Run("fail/a weak password is refused", func(t *testing.T) {
		s := newService(t)
		if _, err := s.BootstrapAdmin(ctx, "root@example.com", "123"); err == nil || !strings.Contains(err.Error(), "at least 12") {
			t.Fatalf("err = %v", err)
		}
	})
}

// newClockedService is newService with a clock, returning the store too.
func newClockedService(t *testing.T, now func() time.Time) (store.Store, *Service) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "orgauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := Open(ctx, st, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return st, s
}
