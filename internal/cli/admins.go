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

	"github.com/orgauth/orgauth/internal/admins"
	"github.com/orgauth/orgauth/internal/config"
	"github.com/orgauth/orgauth/internal/server"
)

const adminsUsage = `usage: orgauth admins <command>

Commands:
  add <email>   add a dashboard administrator
  add-app       add an application that administers the tenant (prints its credentials once)

'orgauth admins <command> -h' shows a command's flags.
`

const adminsAddUsage = `usage: orgauth admins add [--db path] [--password-stdin] <email>

Adds a dashboard administrator to the store orgauth serve created (it refuses to create one).
Without --password-stdin, orgauth generates a password and prints it once.
`

// adminsCmd runs `orgauth admins …`.
func adminsCmd(args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("admins", "admins needs a command: add or add-app")
	}
	switch args[0] {
	case "add":
		return adminsAdd(args[1:], getenv, stdin, stdout)
	case "add-app":
		return addAdminApp(args[1:], getenv, stdout)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, adminsUsage)
		return nil
	default:
		return usagef("admins", "unknown admins command %q (want add or add-app)", args[0])
	}
}

// adminsAdd runs `orgauth admins add`. With --password-stdin the password is the first line of stdin, so
// that it never shows on screen or in the shell history (printf '%s\n' "$PW" | orgauth admins add …).
func adminsAdd(args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("admins add", flag.ContinueOnError)
	db := dbFlag(fs, getenv)
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	rest, help, err := parseFlags(fs, "admins add", args)
	switch {
	case err != nil:
		return err
	case help:
		fmt.Fprint(stdout, helpText(adminsAddUsage, fs))
		return nil
	case len(rest) == 0:
		return usagef("admins add", "an email is required")
	case len(rest) > 1:
		return usagef("admins add", "one email only, got %d", len(rest))
	}
	if err := config.CheckDB(*db); err != nil {
		return &usageError{cmd: "admins add", err: err}
	}
	email := rest[0]

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
	st, err := server.OpenExistingStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	a, err := admins.New(st, admins.Options{}).Create(ctx, email, password)
	if err != nil {
		return fmt.Errorf("add administrator: %w", err)
	}
	fmt.Fprintf(stdout, "administrator %s added (%s)\n", a.Email, a.ID)
	if !*fromStdin {
		fmt.Fprintf(stdout, "password: %s\n(shown once: save it now; sign in at /dashboard/)\n", password)
	}
	return nil
}
