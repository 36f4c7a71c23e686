package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/config"
	"github.com/orgauth/orgauth/internal/kek"
	"github.com/orgauth/orgauth/internal/server"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

func TestKeysRewrap(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "orgauth.db")
	cfg := config.Config{Addr: "127.0.0.1:0", Issuer: "http://127.0.0.1:9/", DB: db, LogLevel: "info", LogFormat: "text"}
	s, err := server.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	old, err := kek.Load(db + ".kek")
	if err != nil {
		t.Fatal(err)
	}
	newFile := filepath.Join(dir, "new.kek")
	newer, err := kek.Create(newFile)
	if err != nil {
		t.Fatal(err)
	}
	noEnv := func(string) string { return "" }

	var out, errOut bytes.Buffer
	if code := Main([]string{"keys", "rewrap", "--db", db, "--new-key-encryption-key-file", newFile}, noEnv, &out, &errOut); code != 0 {
		t.Fatalf("keys rewrap: exit %d: %s", code, errOut.String())
	}
	if want := fmt.Sprintf("rewrapped: the 6 signing keys are encrypted with key-encryption key %s; start every instance with it (%s)\n", newer.ID(), newFile); !strings.HasSuffix(out.String(), want) {
		t.Errorf("keys rewrap said:\n%s\nwant it to end with:\n%s", out.String(), want)
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
	for _, sk := range stored {
		if id, _ := kek.SealedWith(sk.PrivateKey); id != newer.ID() {
			t.Errorf("key %s sealed with %q after rewrap, want %s", sk.KID, id, newer.ID())
		}
	}

	out.Reset()
	errOut.Reset()
	if code := Main([]string{"keys", "rotate", "--db", db}, noEnv, &out, &errOut); code != 1 {
		t.Fatalf("keys rotate with the old key-encryption key: exit %d", code)
	}
	want := fmt.Sprintf("orgauth: open signing keys: signing key %s is encrypted with key-encryption key %s, but orgauth was given %s: sealed with another key-encryption key\n",
		stored[0].KID, newer.ID(), old.ID())
	if errOut.String() != want {
		t.Errorf("keys rotate with the old key-encryption key said:\n%s\nwant:\n%s", errOut.String(), want)
	}
	env := map[string]string{"ORGAUTH_KEY_ENCRYPTION_KEY_FILE": newFile}
	if code := Main([]string{"keys", "rotate", "--db", db}, func(k string) string { return env[k] }, &out, &errOut); code != 0 {
		t.Fatalf("keys rotate with the new key-encryption key: exit %d: %s", code, errOut.String())
	}
	cfg.KeyEncryptionKeyFile = newFile
	if s, err = server.New(context.Background(), cfg, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("serve with the new key-encryption key: %v", err)
	}
	s.Close()
}

func TestKeysRewrapNeedsTheNewKey(t *testing.T) {
	var out, errOut bytes.Buffer
	code := Main([]string{"keys", "rewrap", "--db", filepath.Join(t.TempDir(), "orgauth.db")}, func(string) string { return "" }, &out, &errOut)
	if code != 2 || errOut.String() != "orgauth: --new-key-encryption-key-file is required\nrun 'orgauth keys rewrap -h' for usage\n" {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}

// A database moved without its key-encryption key: keys rotate refuses, says where the key belongs, and
// leaves no new key beside the database to hide the mistake next time.
func TestKeysRotateOnADatabaseMovedWithoutItsKEK(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "orgauth.db")
	cfg := config.Config{Addr: "127.0.0.1:0", Issuer: "http://127.0.0.1:9/", DB: db, LogLevel: "info", LogFormat: "text"}
	s, err := server.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	moved := filepath.Join(t.TempDir(), "orgauth.db")
	data, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(moved, data, 0o600); err != nil {
		t.Fatal(err)
	}

	var out, errOut bytes.Buffer
	code := Main([]string{"keys", "rotate", "--db", moved}, func(string) string { return "" }, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "put the one it was encrypted with at "+moved+".kek") {
		t.Fatalf("keys rotate: exit %d: %s", code, errOut.String())
	}
	if _, err := os.Stat(moved + ".kek"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a key-encryption key was left beside the moved database: %v", err)
	}
}
