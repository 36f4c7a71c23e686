// Package server wires orgauth together: it opens the store, bootstraps the tenant, loads the signing
// keys, mounts the token endpoint and the Management API on one mux, and runs the HTTP server.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/orgauth/orgauth/accesstoken"
	"github.com/orgauth/orgauth/internal/admins"
	"github.com/orgauth/orgauth/internal/config"
	"github.com/orgauth/orgauth/internal/dashboard"
	"github.com/orgauth/orgauth/internal/keys"
	"github.com/orgauth/orgauth/internal/login"
	"github.com/orgauth/orgauth/internal/mgmt"
	"github.com/orgauth/orgauth/internal/oauth"
	"github.com/orgauth/orgauth/internal/password"
	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
	"github.com/orgauth/orgauth/internal/tenant"
)

// keyPruneInterval is how often signing keys are reloaded even when the store did not change, so that
// keys retired long ago leave the JWKS. Every change to the store reloads them at once. Records past
// their retention (expired invitations) are deleted as often (deleteExpired).
const keyPruneInterval = time.Hour

// Server is a ready orgauth: store open, tenant bootstrapped, keys loaded.
type Server struct {
	log     *slog.Logger
	store   store.Store
	tenant  *tenant.Service
	admins  *admins.Service
	keys    *keys.Manager
	handler http.Handler

	// Bootstrap says whether this start created the Management API and the admin application.
	Bootstrap tenant.BootstrapResult
}

// New opens everything cfg names and returns a Server ready to serve.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*Server, error) {
	// Before the store: a PostgreSQL instance without a key-encryption key must not even connect.
	kek, err := LoadKEK(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	st, err := OpenStore(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	s := &Server{log: log, store: st}
	if err := s.init(ctx, cfg, kek); err != nil {
		st.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) init(ctx context.Context, cfg config.Config, kek KEK) error {
	var err error
	// The keys first: the tenant offers them to the Management API (list, rotate).
	if s.keys, err = keys.Open(ctx, s.store, keys.Options{KEK: kek.Key, PreviousKEKs: kek.Previous, Logger: s.log}); err != nil {
		return kek.Forget(err)
	}
	// One password hasher for every login, so that its bound on concurrent hashes holds for the process.
	hasher, err := password.NewHasher(password.Options{})
	if err != nil {
		return fmt.Errorf("password hasher: %w", err)
	}
	// The same key-encryption key seals the signing keys and the connections' secrets.
	if s.tenant, err = tenant.Open(ctx, s.store, tenant.Options{Issuer: cfg.Issuer, Keys: s.keys, Passwords: hasher,
		KEK: kek.Key, PreviousKEKs: kek.Previous, Logger: s.log}); err != nil {
		return kek.Forget(fmt.Errorf("open tenant: %w", err))
	}
	if s.Bootstrap, err = s.tenant.Bootstrap(ctx, cfg.Issuer, cfg.BootstrapClientID, cfg.BootstrapClientSecret); err != nil {
		return err
	}
	// A variable set on a later start does nothing; say so, or people believe they changed the credentials.
	if set := setVars("ORGAUTH_BOOTSTRAP_CLIENT_ID", cfg.BootstrapClientID, "ORGAUTH_BOOTSTRAP_CLIENT_SECRET", cfg.BootstrapClientSecret); set != "" && !s.Bootstrap.Created {
		s.log.WarnContext(ctx, "bootstrap settings ignored: the store already has its admin application; they apply only to a store's first start", "ignored", set)
	}
	s.admins = admins.New(s.store, admins.Options{Hasher: hasher, Logger: s.log})
	if cfg.BootstrapAdminEmail != "" {
		created, err := s.admins.Bootstrap(ctx, cfg.BootstrapAdminEmail, cfg.BootstrapAdminPassword)
		if err != nil {
			return err
		}
		if !created {
			s.log.WarnContext(ctx, "bootstrap settings ignored: the store already has administrators; add more with orgauth admins add",
				"ignored", "ORGAUTH_BOOTSTRAP_ADMIN_EMAIL,ORGAUTH_BOOTSTRAP_ADMIN_PASSWORD")
		}
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", root(cfg.Issuer))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	userinfoTokens, err := accesstoken.New(cfg.Issuer, policy.UserinfoAudience(cfg.Issuer), accesstoken.WithKeys(s.keys.KeySet))
	if err != nil {
		return fmt.Errorf("userinfo token verifier: %w", err)
	}
	oauth.New(oauth.Config{Issuer: cfg.Issuer, View: s.tokenView, Signer: s.keys, People: s.tenant, UserinfoTokens: userinfoTokens,
		Logger: s.log}).Mount(mux)
	verifier, err := mgmt.NewVerifier(cfg.Issuer, s.keys.KeySet)
	if err != nil {
		return err
	}
	mgmt.New(mgmt.Config{Issuer: cfg.Issuer, Tenant: s.tenant, Verifier: verifier, Logger: s.log}).Mount(mux)
	dashboard.New(dashboard.Config{Issuer: cfg.Issuer, Tenant: s.tenant, Admins: s.admins, Logger: s.log}).Mount(mux)
	login.New(login.Config{Issuer: cfg.Issuer, Tenant: s.tenant, Snapshot: s.tenant.Directory().Snapshot, Logger: s.log,
		ReadIDTokenHint: func(token string) (login.IDTokenHint, error) {
			h, err := s.keys.ReadIDTokenHint(token)
			return login.IDTokenHint{Issuer: h.Issuer, Subject: h.Subject, SessionID: h.SessionID, Audience: h.Audience}, err
		}}).Mount(mux)
	s.handler = withCommon(mux, s.log)
	return nil
}

// setVars names, comma-separated, the variables of name/value pairs that are set.
func setVars(nameValues ...string) string {
	var set []string
	for i := 0; i+1 < len(nameValues); i += 2 {
		if nameValues[i+1] != "" {
			set = append(set, nameValues[i])
		}
	}
	return strings.Join(set, ",")
}

// root answers GET / (and only /): a browser goes on to the dashboard; a script reads where the
// discovery document is, in the body and in a Link header.
func root(issuer string) http.HandlerFunc {
	discovery := issuer + ".well-known/openid-configuration"
	body := "orgauth, an OAuth 2.0 authorization server.\n" +
		"  Dashboard:            " + issuer + "dashboard/\n" +
		"  OpenID configuration: " + discovery + "\n"
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/dashboard/")
		w.Header().Set("Link", "<"+discovery+`>; rel="service-desc"`)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusFound)
		io.WriteString(w, body)
	}
}

// OpenStore opens the store a --db value names, creating it when it does not exist: `orgauth serve`.
func OpenStore(ctx context.Context, db string) (store.Store, error) {
	if (config.Config{DB: db}).IsPostgres() {
		st, err := sqlstore.OpenPostgres(ctx, db)
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err) // the DSN may hold a password: not repeated here
		}
		return st, nil
	}
	db = config.SQLitePath(db)
	if dir := filepath.Dir(db); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	st, err := sqlstore.OpenSQLite(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", db, err)
	}
	return st, nil
}

// OpenExistingStore is OpenStore for the commands that work on a store serve made (admins add, keys
// rotate): run from the wrong directory, they must not create an empty store there and change it.
func OpenExistingStore(ctx context.Context, db string) (store.Store, error) {
	if path := config.SQLitePath(db); path != "" {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("open store %s: %w", path, err)
		}
		if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no store at %s: orgauth serve creates one on its first start; pass --db (or set ORGAUTH_DB) to use an existing one", abs)
		} else if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	return OpenStore(ctx, db)
}

// Handler serves every route.
func (s *Server) Handler() http.Handler { return s.handler }

// Tenant is the tenant service, for commands that run beside the server (and tests).
func (s *Server) Tenant() *tenant.Service { return s.tenant }

// tokenView gives each token request the tenant's current snapshot.
func (s *Server) tokenView(ctx context.Context) (oauth.View, error) {
	snap, err := s.tenant.Directory().Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return snap, nil
}

// Watch keeps this instance coherent with the store until ctx ends: a change made by another instance
// (or by `orgauth keys rotate`) reaches the token endpoint's snapshot and the signing keys within
// tenant.DefaultPollInterval, and the snapshot is not served while the store is unreachable. Every
// keyPruneInterval it also prunes what people's logins left behind, and it deletes long-expired
// invitations at once and then as often.
func (s *Server) Watch(ctx context.Context) {
	go s.tenant.Watch(ctx, tenant.WatchOptions{OnChange: s.reloadKeys})
	s.deleteExpired(ctx)
	t := time.NewTicker(keyPruneInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.reloadKeys(ctx)
			if err := s.tenant.PruneLogins(ctx); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "prune what people's logins left behind", "error", err)
			}
			s.deleteExpired(ctx)
		}
	}
}

// deleteExpired deletes the records past their retention: invitations expired more than
// tenant.InvitationRetention ago. Every instance does it; the deletions are idempotent.
func (s *Server) deleteExpired(ctx context.Context) {
	if err := s.tenant.DeleteExpiredInvitations(ctx); err != nil && ctx.Err() == nil {
		s.log.ErrorContext(ctx, "delete expired invitations", "error", err)
	}
}

func (s *Server) reloadKeys(ctx context.Context) {
	if err := s.keys.Reload(ctx); err != nil && ctx.Err() == nil {
		s.log.ErrorContext(ctx, "reload signing keys", "error", err)
	}
}

// Close closes the store.
func (s *Server) Close() error { return s.store.Close() }

// Run serves until ctx ends (SIGINT/SIGTERM in `orgauth serve`), then stops accepting, lets in-flight
// requests finish for up to shutdownTimeout and closes the store. Bootstrap credentials, when this start
// created them, are written once to out.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer) error {
	// What can fail at start fails before the store is opened (and, on a first start, bootstrapped):
	// the certificate, then the address.
	var tlsConfig *tls.Config
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("load TLS certificate and key (--tls-cert, --tls-key): %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("%w (is another server running? choose another address with --addr)", err)
	}
	defer ln.Close() // Shutdown closes it too; this covers the returns before Serve

	s, err := New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	if b := s.Bootstrap; b.Created && cfg.BootstrapClientSecret == "" {
		fmt.Fprintf(out, "\n"+
			"  orgauth created its admin application. Save these credentials now: they are not shown again.\n"+
			"    client_id:     %s\n"+
			"    client_secret: %s\n"+
			"    audience:      %s\n\n", b.ClientID, b.ClientSecret, tenant.ManagementAudience(cfg.Issuer))
	}

	hs := &http.Server{
		Handler:           s.Handler(),
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	watchCtx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	go s.Watch(watchCtx)
	if cfg.PprofAddr != "" {
		go servePprof(watchCtx, cfg.PprofAddr, log)
	}

	// The socket is bound: connections wait in its backlog until Serve takes them, so "listening" is true.
	log.Info("orgauth listening", "addr", ln.Addr().String(), "issuer", cfg.Issuer, "db", cfg.DBForLogs(), "tls", tlsConfig != nil)
	serveErr := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			serveErr <- hs.ServeTLS(ln, "", "")
		} else {
			serveErr <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

const shutdownTimeout = 5 * time.Second
