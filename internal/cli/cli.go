// Package cli is orgauth's command line: it picks the subcommand and turns its error into an exit code.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"

	"github.com/orgauth/orgauth/internal/config"
	"github.com/orgauth/orgauth/internal/server"
)

const usage = `orgauth: an authorization server for machine-to-machine access by organizations.

Usage:
  orgauth <command> [arguments]

Commands:
  serve                run the server; its first start creates the store
  admins add <email>   add a dashboard administrator to an existing store
  admins add-app       add an application that administers the tenant (prints its credentials once)
  keys rotate          rotate the signing keys of an existing store
  keys rewrap          re-encrypt the signing keys and connection secrets under a new key-encryption key
  bench                benchmark the token endpoint
  version              print orgauth's version
  help [command]       show this help, or a command's

'orgauth <command> -h' shows a command's flags; they may follow its arguments.
Exit codes: 0 success, 1 failure, 2 usage error.
`

// Main runs orgauth with args (without the program name) and returns the exit code: 0 on success
// (help included), 2 for a mistake on the command line, 1 for any other failure.
func Main(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	err := run(args, getenv, stdout, stderr)
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		hint := "orgauth help"
		if ue.cmd != "" {
			hint = "orgauth " + ue.cmd + " -h"
		}
		fmt.Fprintf(stderr, "orgauth: %v\nrun '%s' for usage\n", ue.err, hint)
		return 2
	default:
		fmt.Fprintf(stderr, "orgauth: %v\n", err)
		return 1
	}
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("", "a command is required")
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return serve(rest, getenv, stdout, stderr)
	case "admins":
		return adminsCmd(rest, getenv, os.Stdin, stdout)
	case "keys":
		return keysCmd(rest, getenv, stdout)
	case "bench":
		return benchCmd(rest, stdout, stderr)
	case "version", "--version":
		if len(rest) > 0 {
			return usagef("", "unexpected arguments: %s", strings.Join(rest, " "))
		}
		printVersion(stdout)
		return nil
	case "help", "-h", "-help", "--help":
		if len(rest) == 0 || isHelp(rest[0]) {
			fmt.Fprint(stdout, usage)
			return nil
		}
		// orgauth help keys rotate is orgauth keys rotate -h.
		return run(append(slices.Clone(rest), "-h"), getenv, stdout, stderr)
	default:
		return usagef("", "unknown command %q", cmd)
	}
}

// usageError is a mistake on the command line: exit code 2, and a pointer to cmd's help.
type usageError struct {
	cmd string // "serve", "keys rotate"…; "" for orgauth itself
	err error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, err: fmt.Errorf(format, args...)}
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

// parseFlags parses args with fs and returns the positional arguments: flags may come before, between
// or after them (orgauth admins add ann@x.test --db f.db), up to a "--". help reports -h.
func parseFlags(fs *flag.FlagSet, cmd string, args []string) (positional []string, help bool, err error) {
	fs.SetOutput(io.Discard)
	for {
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			return nil, true, nil
		} else if err != nil {
			return nil, false, &usageError{cmd: cmd, err: err}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, false, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(positional, rest...), false, nil
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
}

// parseStoreCommand parses the flags of a command that takes no arguments and works on the store *db
// names. done reports that it printed the command's help instead.
func parseStoreCommand(fs *flag.FlagSet, cmd, usage string, args []string, db *string, stdout io.Writer) (done bool, err error) {
	rest, help, err := parseFlags(fs, cmd, args)
	switch {
	case err != nil:
		return false, err
	case help:
		fmt.Fprint(stdout, helpText(usage, fs))
		return true, nil
	case len(rest) > 0:
		return false, usagef(cmd, "unexpected arguments: %s", strings.Join(rest, " "))
	}
	if err := config.CheckDB(*db); err != nil {
		return false, &usageError{cmd: cmd, err: err}
	}
	return false, nil
}

// helpText is a command's usage followed by its flags.
func helpText(head string, fs *flag.FlagSet) string {
	var b strings.Builder
	b.WriteString(head)
	b.WriteString("\nFlags:\n")
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	return b.String()
}

// dbFlag defines --db, defaulting to ORGAUTH_DB or DefaultDB, for the commands that use serve's store.
func dbFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	db := config.DefaultDB
	if v := getenv("ORGAUTH_DB"); v != "" {
		db = v
	}
	return fs.String("db", db, "SQLite file path (plain or file:) or postgres:// URL of the store orgauth serve created (env ORGAUTH_DB)")
}

// printVersion prints the module version and VCS revision the binary was built from, and its Go.
func printVersion(w io.Writer) {
	version, revision, when, modified := "(devel)", "", "", false
	goVersion := runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	fmt.Fprintf(w, "orgauth %s\n", version)
	switch {
	case revision == "":
		fmt.Fprintln(w, "revision unknown")
	case modified:
		fmt.Fprintf(w, "revision %s %s, with local changes\n", revision, when)
	default:
		fmt.Fprintf(w, "revision %s %s\n", revision, when)
	}
	fmt.Fprintf(w, "%s %s/%s\n", goVersion, runtime.GOOS, runtime.GOARCH)
}

func serve(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(args, getenv)
	var help *config.HelpRequest
	if errors.As(err, &help) {
		fmt.Fprint(stdout, help.Usage)
		return nil
	}
	if err != nil {
		return &usageError{cmd: "serve", err: err}
	}
	// Everything the server prints goes through one buffer, so that its lines keep their order; what it
	// prints for people is flushed at once.
	out := newBufferedWriter(stderr, logBufferSize, logFlushInterval)
	defer out.Close()
	log := newLogger(cfg, out)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := server.Run(ctx, cfg, log, flushingWriter{out}); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

const keysUsage = `usage: orgauth keys <command>

Commands:
  rotate   the next signing key of each algorithm, already published, starts signing
  rewrap   re-encrypt every signing key (in one transaction) and connection secret under a new key-encryption key

'orgauth keys <command> -h' shows a command's flags.
`

// keysCmd runs `orgauth keys …`.
func keysCmd(args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("keys", "keys needs a command: rotate or rewrap")
	}
	switch args[0] {
	case "rotate":
		return rotateKeys(args[1:], getenv, stdout)
	case "rewrap":
		return rewrapKeys(args[1:], getenv, stdout)
	case "-h", "-help", "--help", "help": // as isHelp
		fmt.Fprint(stdout, keysUsage)
		return nil
	default:
		return usagef("keys", "unknown keys command %q (want rotate or rewrap)", args[0])
	}
}

const rotateUsage = `usage: orgauth keys rotate [--db path] [--key-encryption-key-file file]

Rotates the signing keys of the store orgauth serve created (it refuses to create one): each
algorithm's next key, already published, starts signing; running servers follow within a second.
`

func rotateKeys(args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	cfg := storeFlags(fs, getenv)
	if done, err := parseStoreCommand(fs, "keys rotate", rotateUsage, args, &cfg.DB, stdout); done || err != nil {
		return err
	}
	ctx := context.Background()
	m, closeStore, err := openKeys(ctx, cfg, nil, stdout)
	if err != nil {
		return err
	}
	defer closeStore()
	if err := m.Rotate(ctx); err != nil {
		return fmt.Errorf("rotate signing keys: %w", err)
	}
	for _, k := range m.Keys() {
		fmt.Fprintf(stdout, "%-8s %-6s %s\n", k.State, k.Alg, k.KID)
	}
	fmt.Fprintln(stdout, "rotated: running servers sign with the new current keys within a second")
	return nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel)) // validated by config
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
