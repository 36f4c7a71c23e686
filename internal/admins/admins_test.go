package admins

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/password"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

const testPassword = "correct horse battery staple"

// fastParams keep the tests quick where the hash's cost is not what they check.
var fastParams = password.Params{MemoryKiB: 64, Time: 1, Threads: 1}

// newTestService is the Service over a temp-dir SQLite store, which it returns too. Its hasher has
// params (fastParams when zero) and waits a minute for a slot, so that a slow run never sees ErrBusy.
func newTestService(t *testing.T, params password.Params, now func() time.Time) (*sqlstore.Store, *Service) {
	t.Helper()
	if params == (password.Params{}) {
		params = fastParams
	}
	h, err := password.NewHasher(password.Options{Params: params, Wait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return newStoreService(t, Options{Hasher: h, Now: now})
}

func newStoreService(t *testing.T, opts Options) (*sqlstore.Store, *Service) {
	t.Helper()
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "orgauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, New(st, opts)
}

func TestCreateRules(t *testing.T) {
	ctx := context.Background()
	_, s := newTestService(t, password.Params{}, nil)
	if _, err := s.Create(ctx, "ada@example.com", testPassword); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, email, password string
		message, property     string
	}{
		{"fail/email taken, in another case", " ADA@example.com ", testPassword,
			"An administrator with this email already exists.", "email"},
		{"fail/not an email", "ada", testPassword, "Enter an email address such as admin@example.com.", "email"},
		{"fail/email with a display name", "Ada <ada2@example.com>", testPassword,
			"Payload validation error: 'String does not match pattern: ^[^<>]+$' on property email.", "email"},
		{"fail/email too short", "a@", testPassword,
			"Payload validation error: 'String is too short (2 chars), minimum 3' on property email.", "email"},
		{"fail/email too long", strings.Repeat("a", 250) + "@x.io", testPassword,
			"Payload validation error: 'String is too long (255 chars), maximum 254' on property email.", "email"},
		{"fail/email with a control character", "ada\x01@example.com", testPassword,
			"Payload validation error: 'String must not contain control characters' on property email.", "email"},
		{"fail/password too short", "bob@example.com", "short-pass", "The password must have at least 12 characters.", "password"},
		{"fail/password too long", "bob@example.com", strings.Repeat("p", 257), "The password must have at most 256 bytes.", "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Create(ctx, tt.email, tt.password)
			var e *Error
			if !errors.As(err, &e) || e.Message != tt.message || e.Property != tt.property {
				t.Fatalf("error %v, want %q on property %s", err, tt.message, tt.property)
			}
		})
	}
	t.Run("the taken email is ErrEmailTaken", func(t *testing.T) {
		if _, err := s.Create(ctx, "Ada@Example.com", testPassword); !errors.Is(err, ErrEmailTaken) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("the email is stored trimmed and lowercase, with a generated id", func(t *testing.T) {
		a, err := s.Create(ctx, "  Grace@Example.COM ", testPassword)
		if err != nil {
			t.Fatal(err)
		}
		if a.Email != "grace@example.com" || !strings.HasPrefix(a.ID, "adm_") || len(a.ID) != 20 {
			t.Errorf("admin %+v", a)
		}
	})
}

// TestCreateHashesWithPasswordDefaults: without a Hasher of its own, the Service hashes with package
// password's defaults (OWASP's minimum for argon2id), in PHC form.
func TestCreateHashesWithPasswordDefaults(t *testing.T) {
	ctx := context.Background()
	st, s := newStoreService(t, Options{})
	a, err := s.Create(ctx, "ada@example.com", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := st.GetAdmin(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(stored.PasswordHash, testPassword) {
		t.Errorf("password hash %q", stored.PasswordHash)
	}
	if _, err := s.SignIn(ctx, "ada@example.com", testPassword); err != nil {
		t.Fatal(err)
	}
}

func TestBootstrap(t *testing.T) {
	ctx := context.Background()
	t.Run("creates the first administrator, then nothing", func(t *testing.T) {
		_, s := newTestService(t, password.Params{}, nil)
		created, err := s.Bootstrap(ctx, "root@example.com", testPassword)
		if err != nil || !created {
			t.Fatalf("first = %v, %v", created, err)
		}
		created, err = s.Bootstrap(ctx, "other@example.com", testPassword)
		if err != nil || created {
			t.Fatalf("second = %v, %v", created, err)
		}
		if _, err := s.SignIn(ctx, "other@example.com", testPassword); !errors.Is(err, ErrWrongCredentials) {
			t.Fatalf("the second bootstrap created an account: %v", err)
		}
	})
	t.Run("instances starting together create one administrator", func(t *testing.T) {
		_, s := newTestService(t, password.Params{}, nil)
		var wg sync.WaitGroup
		results := make(chan bool, 4)
		for range 4 {
			wg.Go(func() {
				created, err := s.Bootstrap(ctx, "root@example.com", testPassword)
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
		_, s := newTestService(t, password.Params{}, nil)
		if _, err := s.Bootstrap(ctx, "root@example.com", "123"); err == nil || !strings.Contains(err.Error(), "at least 12") {
			t.Fatalf("err = %v", err)
		}
	})
}
