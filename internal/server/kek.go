package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/orgauth/orgauth/internal/config"
	"github.com/orgauth/orgauth/internal/kek"
)

// ErrNoKEK: a PostgreSQL store was given no key-encryption key.
var ErrNoKEK = errors.New("PostgreSQL needs a key-encryption key, the same for every instance: " +
	"give --key-encryption-key-file or ORGAUTH_KEY_ENCRYPTION_KEY (make one with: openssl rand -base64 32)")

// KEK is the key-encryption key of the signing keys and where it came from.
type KEK struct {
	Key       *kek.Key
	Previous  []*kek.Key // while the key-encryption key is being changed
	Generated string     // the file this start generated the key into, or ""
}

// LoadKEK finds the key-encryption key cfg names: ORGAUTH_KEY_ENCRYPTION_KEY, else the file of
// --key-encryption-key-file, else, for SQLite, DB + ".kek", generated (0600) when missing. PostgreSQL
// instances must share one key, so there none given is ErrNoKEK.
func LoadKEK(ctx context.Context, cfg config.Config, log *slog.Logger) (KEK, error) {
	var out KEK
	var err error
	switch {
	case cfg.KeyEncryptionKey != "":
		if out.Key, err = kek.Parse(cfg.KeyEncryptionKey); err != nil {
			return KEK{}, fmt.Errorf("ORGAUTH_KEY_ENCRYPTION_KEY: %w", err)
		}
		log.InfoContext(ctx, "signing keys encrypted with the key-encryption key from ORGAUTH_KEY_ENCRYPTION_KEY", "kek", out.Key)
	case cfg.KeyEncryptionKeyFile != "":
		if out.Key, err = kek.Load(cfg.KeyEncryptionKeyFile); err != nil {
			return KEK{}, err
		}
		log.InfoContext(ctx, "signing keys encrypted with the key-encryption key from a file", "kek", out.Key, "file", cfg.KeyEncryptionKeyFile)
	case cfg.IsPostgres():
		return KEK{}, ErrNoKEK
	default:
		path := config.SQLitePath(cfg.DB) + ".kek"
		if out.Key, err = kek.Load(path); errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return KEK{}, fmt.Errorf("create key-encryption key: %w", err)
			}
			out.Key, err = kek.Create(path)
			if err == nil {
				out.Generated = path
			} else if errors.Is(err, os.ErrExist) { // another instance on this file made it first
				out.Key, err = kek.Load(path)
			}
		}
		if err != nil {
			return KEK{}, err
		}
		if out.Generated != "" {
			log.WarnContext(ctx, "generated a key-encryption key for the signing keys beside the database: "+
				"back it up apart from the database, which is useless without it",
				"kek", out.Key, "file", path)
		} else {
			log.InfoContext(ctx, "signing keys encrypted with the key-encryption key beside the database", "kek", out.Key, "file", path)
		}
	}
	if cfg.PreviousKeyEncryptionKeyFile != "" {
		prev, err := kek.Load(cfg.PreviousKeyEncryptionKeyFile)
		if err != nil {
			return KEK{}, fmt.Errorf("previous %w", err)
		}
		out.Previous = []*kek.Key{prev}
	}
	return out, nil
}

// Forget removes the key this start generated, when the store turns out to hold keys encrypted under
// another one: the database was copied or moved without its key-encryption key, and a new key beside it
// would only hide that at the next start.
func (k KEK) Forget(err error) error {
	if k.Generated == "" || !errors.Is(err, kek.ErrOtherKey) {
		return err
	}
	os.Remove(k.Generated)
	return fmt.Errorf("%w (no key-encryption key was beside the database: put the one it was encrypted with at %s, or give --key-encryption-key-file)", err, k.Generated)
}
