// Package config reads orgauth's settings from flags and ORGAUTH_* environment variables
// (a flag beats its variable, which beats the default).
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// Config is what `orgauth serve` runs with.
type Config struct {
	Addr    string // listen address
	Issuer  string // public base URL, with a trailing slash
	DB      string // SQLite file path (plain or file:), or a postgres:// URL
	TLSCert string
	TLSKey  string

	// Used only when the store has no Management API yet; generated when empty.
	BootstrapClientID     string
	BootstrapClientSecret string

	// The dashboard's first administrator, created when the store has none.
	BootstrapAdminEmail    string
	BootstrapAdminPassword string

	LogLevel  string // debug, info, warn, error
	LogFormat string // text or json

	// The key-encryption key (package kek) that encrypts the signing keys in the store: a file holding it
	// in base64, or the base64 itself (environment only, so that it never shows in a process list).
	// Without either, a SQLite store gets one generated beside it (DB + ".kek"); PostgreSQL requires one.
	KeyEncryptionKeyFile string
	KeyEncryptionKey     string
	// PreviousKeyEncryptionKeyFile, while the key-encryption key is being changed, opens signing keys
	// still encrypted under the old one; they are re-encrypted under the new one at start.
	PreviousKeyEncryptionKeyFile string

	// PprofAddr, when set, serves net/http/pprof on its own listener (for profiling; keep it on loopback).
	PprofAddr string
}

// DefaultDB is the SQLite file used when --db is not given.
const DefaultDB = "data/orgauth.db"

// Load parses args (without the program and subcommand names) over the environment given by getenv.
func Load(args []string, getenv func(string) string) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	str := func(p *string, name, env, def, usage string) {
		if v := getenv(env); v != "" {
			def = v
		}
		fs.StringVar(p, name, def, usage+" (env "+env+")")
	}
	str(&c.Addr, "addr", "ORGAUTH_ADDR", "127.0.0.1:8080", "listen address")
	str(&c.Issuer, "issuer", "ORGAUTH_ISSUER", "", "public base URL with a trailing slash (default derived from addr and TLS)")
	str(&c.DB, "db", "ORGAUTH_DB", DefaultDB, "SQLite file path or postgres:// URL")
	str(&c.TLSCert, "tls-cert", "ORGAUTH_TLS_CERT", "", "TLS certificate file (PEM)")
	str(&c.TLSKey, "tls-key", "ORGAUTH_TLS_KEY", "", "TLS private key file (PEM)")
	str(&c.LogLevel, "log-level", "ORGAUTH_LOG_LEVEL", "info", "log level: debug, info, warn, error")
	str(&c.LogFormat, "log-format", "ORGAUTH_LOG_FORMAT", "text", "log format: text or json")
	str(&c.PprofAddr, "pprof-addr", "ORGAUTH_PPROF_ADDR", "", "serve net/http/pprof on this address (off when empty)")
	str(&c.KeyEncryptionKeyFile, "key-encryption-key-file", "ORGAUTH_KEY_ENCRYPTION_KEY_FILE", "", "file holding the key-encryption key of the signing keys, base64 (default: DB.kek beside a SQLite file; required with PostgreSQL)")
	str(&c.PreviousKeyEncryptionKeyFile, "previous-key-encryption-key-file", "ORGAUTH_PREVIOUS_KEY_ENCRYPTION_KEY_FILE", "", "while changing the key-encryption key: file holding the previous one")
	c.KeyEncryptionKey = getenv("ORGAUTH_KEY_ENCRYPTION_KEY")
	c.BootstrapClientID = getenv("ORGAUTH_BOOTSTRAP_CLIENT_ID")
	c.BootstrapClientSecret = getenv("ORGAUTH_BOOTSTRAP_CLIENT_SECRET")
	c.BootstrapAdminEmail = getenv("ORGAUTH_BOOTSTRAP_ADMIN_EMAIL")
	c.BootstrapAdminPassword = getenv("ORGAUTH_BOOTSTRAP_ADMIN_PASSWORD")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return c, &HelpRequest{Usage: usage(fs)}
	} else if err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if c.Issuer == "" {
		c.Issuer = DefaultIssuer(c.Addr, c.TLSCert != "")
	}
	return c, c.Validate()
}

// HelpRequest is Load's answer to -h: not a failure, the text to show.
type HelpRequest struct{ Usage string }

func (h *HelpRequest) Error() string { return "help requested" }

// Is makes a HelpRequest errors.Is flag.ErrHelp.
func (h *HelpRequest) Is(target error) bool { return target == flag.ErrHelp }

// DefaultIssuer derives the public URL from the listen address: an unspecified host becomes localhost.
func DefaultIssuer(addr string, tls bool) string {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return scheme + "://" + addr + "/"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/"
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: %w", c.Addr, err))
	}
	if u, err := url.Parse(c.Issuer); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		!strings.HasSuffix(c.Issuer, "/") || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("--issuer %q: want an http(s) URL ending with a slash, e.g. https://auth.example.com/", c.Issuer))
	}
	if c.PprofAddr != "" {
		if _, _, err := net.SplitHostPort(c.PprofAddr); err != nil {
			errs = append(errs, fmt.Errorf("--pprof-addr %q: %w", c.PprofAddr, err))
		}
	}
	if err := CheckDB(c.DB); err != nil {
		errs = append(errs, err)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	if (c.BootstrapAdminEmail == "") != (c.BootstrapAdminPassword == "") {
		errs = append(errs, errors.New("ORGAUTH_BOOTSTRAP_ADMIN_EMAIL and ORGAUTH_BOOTSTRAP_ADMIN_PASSWORD go together"))
	}
	if c.KeyEncryptionKeyFile != "" && c.KeyEncryptionKey != "" {
		errs = append(errs, errors.New("--key-encryption-key-file and ORGAUTH_KEY_ENCRYPTION_KEY: give one, not both"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q: want text or json", c.LogFormat))
	}
	return errors.Join(errs...)
}

// DBForLogs is DB with any password in a PostgreSQL URL masked.
func (c Config) DBForLogs() string {
	if !c.IsPostgres() {
		return c.DB
	}
	u, err := url.Parse(c.DB)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return u.Redacted()
}

// IsPostgres reports whether DB names a PostgreSQL database.
func (c Config) IsPostgres() bool {
	return strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://")
}

// dbScheme matches a URL scheme at the start of a --db value; a Windows drive (C:\) has no "//".
var dbScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// CheckDB refuses a --db value that names no store orgauth can open, rather than taking mysql://… for a
// file name. The value itself is not repeated: it may hold a password.
func CheckDB(db string) error {
	switch {
	case db == "":
		return errors.New("--db: empty")
	case (Config{DB: db}).IsPostgres():
		return nil
	case strings.HasPrefix(db, "file:"):
		if SQLitePath(db) == "" {
			return fmt.Errorf("--db %q: no file path after the file: prefix", db)
		}
		return nil
	case dbScheme.MatchString(db):
		return fmt.Errorf("--db: unsupported scheme %q; supported: a SQLite file path (plain or file:), postgres://, postgresql://",
			dbScheme.FindString(db))
	}
	return nil
}

// SQLitePath is the file a --db value names (file:PATH and file:///PATH are PATH), or "" for PostgreSQL.
func SQLitePath(db string) string {
	if (Config{DB: db}).IsPostgres() {
		return ""
	}
	if rest, ok := strings.CutPrefix(db, "file://"); ok {
		return rest
	}
	return strings.TrimPrefix(db, "file:")
}

func usage(fs *flag.FlagSet) string {
	var b strings.Builder
	b.WriteString(`usage: orgauth serve [flags]

Runs the server. The first start on an empty store creates the Management API and an admin
application, and prints the application's credentials once.

Flags (a flag beats its environment variable):
`)
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	b.WriteString(`
Environment read only when the store lacks what they create (ignored otherwise, with a warning):
  ORGAUTH_BOOTSTRAP_CLIENT_ID, ORGAUTH_BOOTSTRAP_CLIENT_SECRET
        the admin application's credentials (generated when unset; the secret needs 32+ characters)
  ORGAUTH_BOOTSTRAP_ADMIN_EMAIL, ORGAUTH_BOOTSTRAP_ADMIN_PASSWORD
        the first dashboard administrator, when the store has none (the password needs 12+ characters)
`)
	return b.String()
}
