package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/orgauth/orgauth/internal/config"
	"github.com/orgauth/orgauth/internal/kek"
	"github.com/orgauth/orgauth/internal/keys"
	"github.com/orgauth/orgauth/internal/server"
	"github.com/orgauth/orgauth/internal/tenant"
)

// storeFlags are the flags of the key commands that say where the store and its key-encryption key are,
// with the same names and variables as orgauth serve.
func storeFlags(fs *flag.FlagSet, getenv func(string) string) *config.Config {
	c := &config.Config{DB: config.DefaultDB}
	str := func(p *string, name, env, usage string) {
		if v := getenv(env); v != "" {
			*p = v
		}
		fs.StringVar(p, name, *p, usage+" (env "+env+")")
	}
	str(&c.DB, "db", "ORGAUTH_DB", "SQLite file path (plain or file:) or postgres:// URL of the store orgauth serve created")
	str(&c.KeyEncryptionKeyFile, "key-encryption-key-file", "ORGAUTH_KEY_ENCRYPTION_KEY_FILE", "file holding the key-encryption key, base64 (default: DB.kek beside a SQLite file)")
	c.KeyEncryptionKey = getenv("ORGAUTH_KEY_ENCRYPTION_KEY")
	return c
}

// openKeys opens the store and the signing keys of cfg; newKEK, when set, becomes the key-encryption
// key, the one cfg names then opening keys still encrypted under it.
func openKeys(ctx context.Context, cfg *config.Config, newKEK *kek.Key, log io.Writer) (*keys.Manager, func() error, error) {
	if cfg.KeyEncryptionKeyFile != "" && cfg.KeyEncryptionKey != "" {
		return nil, nil, errors.New("--key-encryption-key-file and ORGAUTH_KEY_ENCRYPTION_KEY: give one, not both")
	}
	logger := slog.New(slog.NewTextHandler(log, nil))
	st, err := server.OpenExistingStore(ctx, cfg.DB) // first, so that no key-encryption key is made for a missing store
	if err != nil {
		return nil, nil, err
	}
	k, err := server.LoadKEK(ctx, *cfg, logger)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	opts := keys.Options{KEK: k.Key, Logger: logger}
	if newKEK != nil {
		opts.KEK, opts.PreviousKEKs = newKEK, []*kek.Key{k.Key}
	}
	m, err := keys.Open(ctx, st, opts)
	if err == nil && newKEK != nil {
		// The connections' secrets are sealed under the same key: opening the tenant with the new one seals
		// them again under it, connection by connection.
		_, err = tenant.Open(ctx, st, tenant.Options{KEK: opts.KEK, PreviousKEKs: opts.PreviousKEKs, Logger: logger})
	}
	if err != nil {
		st.Close()
		return nil, nil, k.Forget(err)
	}
	return m, st.Close, nil
}

const rewrapUsage = `usage: orgauth keys rewrap --new-key-encryption-key-file file [--db path] [--key-encryption-key-file file]

Re-encrypts every signing key of the store under a new key-encryption key, in one transaction, and
then the connections' secrets, connection by connection; then start every instance with the new key.
`

// rewrapKeys re-encrypts every signing key under a new key-encryption key, in one transaction.
func rewrapKeys(args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("keys rewrap", flag.ContinueOnError)
	cfg := storeFlags(fs, getenv)
	var newFile string
	fs.StringVar(&newFile, "new-key-encryption-key-file", "", "file holding the new key-encryption key, base64 (make one with: openssl rand -base64 32)")
	if done, err := parseStoreCommand(fs, "keys rewrap", rewrapUsage, args, &cfg.DB, stdout); done || err != nil {
		return err
	}
	if newFile == "" {
		return usagef("keys rewrap", "--new-key-encryption-key-file is required")
	}
	newKEK, err := kek.Load(newFile)
	if err != nil {
		return err
	}
	m, closeStore, err := openKeys(context.Background(), cfg, newKEK, stdout)
	if err != nil {
		return fmt.Errorf("rewrap signing keys: %w", err)
	}
	defer closeStore()
	fmt.Fprintf(stdout, "rewrapped: the %d signing keys are encrypted with key-encryption key %s; start every instance with it (%s)\n",
		len(m.Keys()), newKEK.ID(), newFile)
	return nil
}
