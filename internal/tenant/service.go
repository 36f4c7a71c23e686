// Package tenant holds the tenant's operations, written once: validation, cascades through the store, and
// the token endpoint's immutable Snapshot of the configuration, which the Directory keeps current by
// following the store's record of what every write changed. The Management API and the dashboard both
// call Service; neither writes a rule of its own.
package tenant

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/orgauth/orgauth/internal/kek"
	"github.com/orgauth/orgauth/internal/password"
	"github.com/orgauth/orgauth/internal/store"
)

// Service is the tenant's operations.
type Service struct {
	store   store.Store
	dir     *Directory
	secrets secretHasher
	keys    SigningKeys // Options.Keys, may be nil
	hasher  *password.Hasher
	log     *slog.Logger
	now     func() time.Time
	issuer  string   // Options.Issuer
	kek     *kek.Key // Options.KEK, may be nil
	oldKEKs []*kek.Key
}

// Options configure Open; zero values pick defaults.
type Options struct {
	// Issuer is the tenant's public base URL, the iss claim of its tokens; with none, the tenant's
	// snapshots cannot issue tokens.
	Issuer string
	// Keys are the tenant's signing keys, which SigningKeys and RotateSigningKeys offer to the faces;
	// without them (the command-line verbs) the first lists none and the second fails.
	Keys SigningKeys
	// Passwords hashes the passwords of database users; nil makes one with password's defaults. The
	// server gives every kind of login the same one, so its bound on concurrent hashes holds.
	Passwords *password.Hasher
	// KEK seals the secrets of connections (an OIDC connection's client_secret) in the store; without
	// it (the command-line verbs) a connection with a secret cannot be stored, nor its secret read.
	// PreviousKEKs open secrets sealed under a key being replaced, which Open seals again under KEK.
	KEK          *kek.Key
	PreviousKEKs []*kek.Key
	Logger       *slog.Logger
	Now          func() time.Time
}

// secretKeyName names the tenant secret that keys the client-secret hashes.
const secretKeyName = "client_secret_hmac"

// Open builds the Service over st, loading (or creating once) the tenant's secret-hashing key.
func Open(ctx context.Context, st store.Store, opts Options) (*Service, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	generated := make([]byte, 32)
	rand.Read(generated)
	key, err := st.TenantSecret(ctx, secretKeyName, generated)
	if err != nil {
		return nil, fmt.Errorf("load client secret key: %w", err)
	}
	if opts.Passwords == nil {
		if opts.Passwords, err = password.NewHasher(password.Options{}); err != nil {
			return nil, fmt.Errorf("password hasher: %w", err)
		}
	}
	s := &Service{store: st, secrets: newSecretHasher(key), keys: opts.Keys, hasher: opts.Passwords, log: opts.Logger,
		now: func() time.Time { return opts.Now().UTC() }, issuer: opts.Issuer, kek: opts.KEK, oldKEKs: opts.PreviousKEKs}
	s.dir = newDirectory(st, opts.Issuer, s.secrets)
	if err := s.dir.catchUp(ctx, 0); err != nil {
		return nil, err
	}
	if err := s.resealConnectionSecrets(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Directory keeps the token endpoint's snapshot of this tenant.
func (s *Service) Directory() *Directory { return s.dir }

// storeError turns a store sentinel into the refusal the user sees; other errors pass through wrapped.
func storeError(err error, notFoundErr, conflictErr *Error, op string) error {
	switch {
	case err == nil:
		return nil
	case notFoundErr != nil && errors.Is(err, store.ErrNotFound):
		return notFoundErr
	case conflictErr != nil && errors.Is(err, store.ErrConflict):
		return conflictErr
	case errors.Is(err, store.ErrInvalidCursor):
		return invalidMessage("from", "The 'from' parameter is not a valid checkpoint.")
	}
	return fmt.Errorf("%s: %w", op, err)
}

func (s *Service) Settings(ctx context.Context) (store.TenantSettings, error) {
	set, err := s.store.GetTenantSettings(ctx)
	if err != nil {
		return set, fmt.Errorf("get tenant settings: %w", err)
	}
	return set, nil
}

func (s *Service) UpdateSettings(ctx context.Context, in SettingsPatch) (store.TenantSettings, error) {
	if err := validateSettingsPatch(in); err != nil {
		return store.TenantSettings{}, err
	}
	set, err := s.store.UpdateTenantSettings(ctx, func(t *store.TenantSettings) error {
		if in.AllowOrganizationNameInAuthenticationAPI != nil {
			t.AllowOrganizationNameInAuthenticationAPI = *in.AllowOrganizationNameInAuthenticationAPI
		}
		applySettingsPatch(t, in)
		return validateSettings(*t)
	})
	if err != nil {
		return set, fmt.Errorf("update tenant settings: %w", err)
	}
	return set, nil
}
