package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/orgauth/orgauth/internal/config"
	"github.com/orgauth/orgauth/internal/server"
	"github.com/orgauth/orgauth/internal/tenant"
)

const adminsUsage = `usage: orgauth admins add [--db path] [--password-stdin] <email>

Adds a dashboard administrator. Without --password-stdin, orgauth generates a password and prints it once.
`

// admins runs `orgauth admins add`. With --password-stdin the password is the first line of stdin, so
// that it never shows on screen or in the shell history (printf '%s\n' "$PW" | orgauth admins add …).
func admins(args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "add-app" {
		return addAdminApp(args[1:], getenv, stdout)
	}
	if len(args) == 0 || args[0] != "add" {
		return errors.New(adminsUsage)
	}
	fs := flag.NewFlagSet("admins add", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	db := config.DefaultDB
	if v := getenv("ORGAUTH_DB"); v != "" {
		db = v
	}
	fs.StringVar(&db, "db", db, "SQLite file path or postgres:// URL (env ORGAUTH_DB)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 1 {
		return errors.New(adminsUsage)
	}
	email := fs.Arg(0)

	password := rand.Text()
	if *fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		if password = strings.TrimRight(line, "\r\n"); password == "" {
			return errors.New("read password: stdin is empty")
		}
	}

	ctx := context.Background()
	st, err := server.OpenStore(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	t, err := tenant.Open(ctx, st, tenant.Options{})
	if err != nil {
		return fmt.Errorf("open tenant: %w", err)
	}
	a, err := t.CreateAdmin(ctx, email, password)
	if err != nil {
		return fmt.Errorf("add administrator: %w", err)
	}
	fmt.Fprintf(stdout, "administrator %s added (%s)\n", a.Email, a.ID)
	if !*fromStdin {
		fmt.Fprintf(stdout, "password: %s\n(shown once: save it now; sign in at /dashboard/)\n", password)
	}
	return nil
}
