package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/admins"
	"github.com/orgauth/orgauth/internal/server"
)

func TestAdminsAdd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "orgauth.db")
	getenv := func(k string) string {
		if k == "ORGAUTH_DB" {
			return db
		}
		return ""
	}
	run := func(stdin string, args ...string) (string, error) {
		var out bytes.Buffer
		err := adminsCmd(args, getenv, strings.NewReader(stdin), &out)
		return out.String(), err
	}
	signIn := func(t *testing.T, email, password string) error {
		t.Helper()
		ctx := context.Background()
		st, err := server.OpenStore(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		_, err = admins.New(st, admins.Options{}).SignIn(ctx, email, password)
		return err
	}

	t.Run("fail/no store yet", func(t *testing.T) {
		_, err := run("", "add", "ada@example.com")
		want := "no store at " + db + ": orgauth serve creates one on its first start; pass --db (or set ORGAUTH_DB) to use an existing one"
		if err == nil || err.Error() != want {
			t.Fatalf("err = %v, want %s", err, want)
		}
	})
	// orgauth serve creates the store.
	st, err := server.OpenStore(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	t.Run("a generated password is printed once and signs in", func(t *testing.T) {
		out, err := run("", "add", "ada@example.com")
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out)
		if m == nil || !strings.Contains(out, "administrator ada@example.com added (adm_") {
			t.Fatalf("output:\n%s", out)
		}
		if err := signIn(t, "ada@example.com", m[1]); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("--password-stdin takes the first line and prints no password", func(t *testing.T) {
		out, err := run("correct horse battery staple\nrest\n", "add", "--password-stdin", "Grace@Example.com")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out, "password") {
			t.Fatalf("output shows a password:\n%s", out)
		}
		if err := signIn(t, "grace@example.com", "correct horse battery staple"); err != nil {
			t.Fatal(err)
		}
	})
	for name, tt := range map[string]struct {
		stdin string
		args  []string
		want  string
	}{
		"fail/email taken":           {"", []string{"add", "ada@example.com"}, "add administrator: An administrator with this email already exists. (property email)"},
		"fail/password too short":    {"short\n", []string{"add", "--password-stdin", "bob@example.com"}, "add administrator: The password must have at least 12 characters. (property password)"},
		"fail/empty stdin":           {"", []string{"add", "--password-stdin", "bob@example.com"}, "read password: stdin is empty"},
		"fail/no email":              {"", []string{"add"}, "an email is required"},
		"fail/unknown admins action": {"", []string{"remove", "ada@example.com"}, `unknown admins command "remove" (want add or add-app)`},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := run(tt.stdin, tt.args...); err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v, want %s", err, tt.want)
			}
		})
	}
}
