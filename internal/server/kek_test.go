package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/config"
	"github.com/orgauth/orgauth/internal/kek"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

func kekConfig(db string) config.Config {
	return config.Config{Addr: "127.0.0.1:0", Issuer: "http://127.0.0.1:9/", DB: db,
		BootstrapClientID: adminID, BootstrapClientSecret: adminSecret, LogLevel: "info", LogFormat: "text"}
}

// startOnce opens a Server on cfg and closes it again, returning what it logged.
func startOnce(t *testing.T, cfg config.Config) (string, error) {
	t.Helper()
	var logs bytes.Buffer
	s, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	if err == nil {
		s.Close()
	}
	return logs.String(), err
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestSQLiteGeneratesAKeyEncryptionKeyBesideTheDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "orgauth.db")
	logs, err := startOnce(t, kekConfig(db))
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(db + ".kek")
	if err != nil {
		t.Fatalf("no key-encryption key beside the database: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s.kek has mode %v, want 0600", db, fi.Mode().Perm())
	}
	k, err := kek.Load(db + ".kek")
	if err != nil {
		t.Fatal(err)
	}
	if want := "generated a key-encryption key for the signing keys beside the database"; !strings.Contains(logs, want) ||
		!strings.Contains(logs, "file="+db+".kek") || !strings.Contains(logs, "kek="+k.ID()) {
		t.Errorf("start did not say it generated the key and where:\n%s", logs)
	}

	// What the database holds is sealed with that key, not PKCS#8.
	st, err := sqlstore.OpenSQLite(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored, err := st.ListSigningKeys(context.Background())
	if err != nil || len(stored) == 0 {
		t.Fatalf("list signing keys: %d, %v", len(stored), err)
	}
	for _, sk := range stored {
		if _, err := x509.ParsePKCS8PrivateKey(sk.PrivateKey); err == nil {
			t.Errorf("key %s is stored as plaintext PKCS#8", sk.KID)
		}
		if id, ok := kek.SealedWith(sk.PrivateKey); !ok || id != k.ID() {
			t.Errorf("key %s is not sealed with %s", sk.KID, k.ID())
		}
	}

	// The next start uses the same key.
	logs, err = startOnce(t, kekConfig(db))
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	if !strings.Contains(logs, "signing keys encrypted with the key-encryption key beside the database") {
		t.Errorf("restart logs:\n%s", logs)
	}
}

func TestACopiedDatabaseWithoutItsKeyEncryptionKeyCannotSign(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "orgauth.db")
	if _, err := startOnce(t, kekConfig(db)); err != nil {
		t.Fatal(err)
	}
	original, err := kek.Load(db + ".kek")
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlstore.OpenSQLite(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := st.ListSigningKeys(context.Background())
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	firstKID := stored[0].KID

	t.Run("without a key", func(t *testing.T) {
		stolen := filepath.Join(t.TempDir(), "copy.db")
		copyFile(t, db, stolen)
		logs, err := startOnce(t, kekConfig(stolen))
		generated := regexp.MustCompile(`generated a key-encryption key.* kek=([0-9a-f]{16})`).FindStringSubmatch(logs)
		if generated == nil {
			t.Fatalf("no key generated for the copy:\n%s", logs)
		}
		want := fmt.Sprintf("open signing keys: signing key %s is encrypted with key-encryption key %s, but orgauth was given %s: "+
			"sealed with another key-encryption key (no key-encryption key was beside the database: "+
			"put the one it was encrypted with at %s.kek, or give --key-encryption-key-file)", firstKID, original.ID(), generated[1], stolen)
		if err == nil || err.Error() != want {
			t.Fatalf("start on a copy:\n got %v\nwant %s", err, want)
		}
		if _, err := os.Stat(stolen + ".kek"); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the key generated for the copy was left beside it: %v", err)
		}
	})

	t.Run("with another key", func(t *testing.T) {
		stolen := filepath.Join(t.TempDir(), "copy.db")
		copyFile(t, db, stolen)
		raw := make([]byte, kek.Size)
		rand.Read(raw)
		other, err := kek.New(raw)
		if err != nil {
			t.Fatal(err)
		}
		cfg := kekConfig(stolen)
		cfg.KeyEncryptionKey = base64.StdEncoding.EncodeToString(raw)
		_, err = startOnce(t, cfg)
		want := fmt.Sprintf("open signing keys: signing key %s is encrypted with key-encryption key %s, but orgauth was given %s: sealed with another key-encryption key",
			firstKID, original.ID(), other.ID())
		if err == nil || err.Error() != want {
			t.Fatalf("start on a copy with another key:\n got %v\nwant %s", err, want)
		}
	})

	t.Run("with the right key it starts", func(t *testing.T) {
		stolen := filepath.Join(t.TempDir(), "copy.db")
		copyFile(t, db, stolen)
		cfg := kekConfig(stolen)
		cfg.KeyEncryptionKeyFile = db + ".kek"
		if _, err := startOnce(t, cfg); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPostgresWithoutAKeyEncryptionKeyRefusesToStart(t *testing.T) {
	dsn := os.Getenv("ORGAUTH_TEST_POSTGRES_DSN")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:1/none?sslmode=disable" // refused before connecting
	}
	_, err := startOnce(t, kekConfig(dsn))
	const want = "PostgreSQL needs a key-encryption key, the same for every instance: " +
		"give --key-encryption-key-file or ORGAUTH_KEY_ENCRYPTION_KEY (make one with: openssl rand -base64 32)"
	if !errors.Is(err, ErrNoKEK) || err.Error() != want {
		t.Fatalf("start on PostgreSQL without a key-encryption key: %v", err)
	}
}
