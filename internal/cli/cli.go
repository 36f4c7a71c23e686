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
	"syscall"

	"github.com/orgauth/orgauth/internal/config"
	"github.com/orgauth/orgauth/internal/server"
)

const usage = `orgauth: an authorization server for machine-to-machine access by organizations.

Usage:
  orgauth serve [flags]        run the server (orgauth serve -h lists the flags)
  orgauth admins add <email>   add a dashboard administrator (orgauth admins add -h for the flags)
  orgauth admins add-app       add an application that administers the tenant (prints its credentials once)
  orgauth keys rotate [--db]   rotate the signing keys (the next key, already published, starts signing)
  orgauth keys rewrap --new-key-encryption-key-file <file> [--db]
                               re-encrypt the signing keys under a new key-encryption key
  orgauth bench [flags]        benchmark the token endpoint (orgauth bench -h lists the flags)
  orgauth help                 show this help
`

// Main runs orgauth with args (without the program name) and returns the exit code.
func Main(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(args[1:], getenv, stderr)
	case "admins":
		err = admins(args[1:], getenv, os.Stdin, stdout)
	case "bench":
		err = benchCmd(args[1:], stdout, stderr)
	case "keys":
		switch {
		case len(args) >= 2 && args[1] == "rotate":
			err = rotateKeys(args[2:], getenv, stdout)
		case len(args) >= 2 && args[1] == "rewrap":
			err = rewrapKeys(args[2:], getenv, stdout)
		default:
			fmt.Fprint(stderr, usage)
			return 2
		}
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "orgauth: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "orgauth: %v\n", err)
		return 1
	}
	return 0
}

func serve(args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := config.Load(args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stderr, err)
		return nil
	}
	if err != nil {
		return err
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

func rotateKeys(args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	cfg := storeFlags(fs, getenv)
	if err := fs.Parse(args); err != nil {
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
