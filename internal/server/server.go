// Package server wires orgauth together: it opens the store, bootstraps the tenant, loads the signing
// keys, mounts the token endpoint and the Management API on one mux, and runs the HTTP server.
package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/orgauth/orgauth/internal/config"
	"github.com/orgauth/orgauth/internal/dashboard"
	"github.com/orgauth/orgauth/internal/keys"
	"github.com/orgauth/orgauth/internal/mgmt"
	"github.com/orgauth/orgauth/internal/oauth"
	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/postgres"
	"github.com/orgauth/orgauth/internal/store/sqlite"
	"github.com/orgauth/orgauth/internal/tenant"
)

// keyPruneInterval is how often signing keys are reloaded even when the store did not change, so that
// keys retired long ago leave the JWKS. Every change to the store reloads them at once.
const keyPruneInterval = time.Hour

// Server is a ready orgauth: store open, tenant bootstrapped, keys loaded.
type Server struct {
	log     *slog.Logger
	store   store.Store
	tenant  *tenant.Service
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
	if s.tenant, err = tenant.Open(ctx, s.store, tenant.Options{Logger: s.log}); err != nil {
		return fmt.Errorf("open tenant: %w", err)
	}
	if s.Bootstrap, err = s.tenant.Bootstrap(ctx, cfg.Issuer, cfg.BootstrapClientID, cfg.BootstrapClientSecret); err != nil {
		return err
	}
	if cfg.BootstrapAdminEmail != "" {
		if _, err := s.tenant.BootstrapAdmin(ctx, cfg.BootstrapAdminEmail, cfg.BootstrapAdminPassword); err != nil {
			return err
		}
	}
	if s.keys, err = keys.Open(ctx, s.store, keys.Options{KEK: kek.Key, PreviousKEKs: kek.Previous, Logger: s.log}); err != nil {
		return kek.forget(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	oauth.New(oauth.Config{Issuer: cfg.Issuer, Directory: s.tenant.Directory(), Signer: s.keys, Logger: s.log}).Mount(mux)
	mgmt.New(mgmt.Config{Issuer: cfg.Issuer, Tenant: s.tenant, Keys: s.keys, Verifier: s.keys, Logger: s.log}).Mount(mux)
	dashboard.New(dashboard.Config{Issuer: cfg.Issuer, Tenant: s.tenant, Logger: s.log}).Mount(mux)
	s.handler = withCommon(mux, s.log)
	return nil
}

// OpenStore opens the store a --db value names.
func OpenStore(ctx context.Context, db string) (store.Store, error) {
	if (config.Config{DB: db}).IsPostgres() {
		st, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err) // the DSN may hold a password: not repeated here
		}
		return st, nil
	}
	if dir := filepath.Dir(db); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", db, err)
	}
	return st, nil
}

// Handler serves every route.
func (s *Server) Handler() http.Handler { return s.handler }

// Tenant is the tenant service, for commands that run beside the server (and tests).
func (s *Server) Tenant() *tenant.Service { return s.tenant }

// Watch keeps this instance coherent with the store until ctx ends: a change made by another instance
// (or by `orgauth keys rotate`) invalidates the token endpoint's cache and reloads the signing keys
// within tenant.DefaultPollInterval, and the cache is not trusted while the store is unreachable.
func (s *Server) Watch(ctx context.Context) {
	go s.tenant.Watch(ctx, tenant.WatchOptions{OnChange: s.reloadKeys})
	t := time.NewTicker(keyPruneInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.reloadKeys(ctx)
		}
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
		Addr:              cfg.Addr,
		Handler:           s.Handler(),
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

	serveErr := make(chan error, 1)
	go func() {
		log.Info("orgauth listening", "addr", cfg.Addr, "issuer", cfg.Issuer, "db", cfg.DBForLogs(), "tls", cfg.TLSCert != "")
		if cfg.TLSCert != "" {
			serveErr <- hs.ListenAndServeTLS(cfg.TLSCert, cfg.TLSKey)
		} else {
			serveErr <- hs.ListenAndServe()
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
