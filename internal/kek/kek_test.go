package kek

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func newKey(t *testing.T) *Key {
	t.Helper()
	k, err := Create(filepath.Join(t.TempDir(), "kek"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := newKey(t)
	secret := []byte("a private key")
	aad := []byte("row 1")
	sealed := k.Seal(secret, aad)

	if bytes.Contains(sealed, secret) {
		t.Fatal("sealed value holds the plaintext")
	}
	if id, ok := SealedWith(sealed); !ok || id != k.ID() {
		t.Fatalf("SealedWith = %q, %v; want %q, true", id, ok, k.ID())
	}
	if again := k.Seal(secret, aad); bytes.Equal(again, sealed) {
		t.Error("sealing twice gives the same bytes: the nonce is not random")
	}
	got, err := k.Open(sealed, aad)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}

	t.Run("refuses another row's associated data", func(t *testing.T) {
		_, err := k.Open(sealed, []byte("row 2"))
		if err == nil || err.Error() != "open sealed value: corrupt, or moved from another row" {
			t.Fatalf("Open with other aad: %v", err)
		}
	})
	t.Run("refuses a tampered value", func(t *testing.T) {
		bad := bytes.Clone(sealed)
		bad[len(bad)-1] ^= 1
		if _, err := k.Open(bad, aad); err == nil || err.Error() != "open sealed value: corrupt, or moved from another row" {
			t.Fatalf("Open tampered: %v", err)
		}
	})
	t.Run("names both keys when another key sealed the value", func(t *testing.T) {
		other := newKey(t)
		_, err := other.Open(sealed, aad)
		if !errors.Is(err, ErrOtherKey) {
			t.Fatalf("Open with another key: %v", err)
		}
		want := fmt.Sprintf("open sealed value: sealed with another key-encryption key %s, not %s", k.ID(), other.ID())
		if err.Error() != want {
			t.Fatalf("Open with another key:\n got %s\nwant %s", err, want)
		}
	})
	t.Run("refuses a plaintext value", func(t *testing.T) {
		if _, ok := SealedWith([]byte{0x30, 0x82, 0x04, 0xbd}); ok {
			t.Fatal("PKCS#8 DER taken for a sealed value")
		}
		if _, err := k.Open([]byte("0\x82 plaintext PKCS#8 ....................."), aad); err == nil || err.Error() != "open sealed value: not sealed" {
			t.Fatalf("Open plaintext: %v", err)
		}
	})
}

func TestCreateAndLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orgauth.db.kek")
	k, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("KEK file mode %v, want 0600", fi.Mode().Perm())
	}
	loaded, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.ID() != k.ID() {
		t.Errorf("loaded key %s, created %s", loaded.ID(), k.ID())
	}
	if _, err := Create(path); err == nil || !errors.Is(err, os.ErrExist) {
		t.Errorf("Create over an existing KEK: %v, want it refused", err)
	}
	if again, _ := Load(path); again.ID() != k.ID() {
		t.Error("a refused Create changed the KEK file")
	}
}

func TestParse(t *testing.T) {
	raw := bytes.Repeat([]byte{7}, Size)
	k, err := Parse(" " + base64.StdEncoding.EncodeToString(raw) + "\n")
	if err != nil {
		t.Fatal(err)
	}
	same, _ := New(raw)
	if k.ID() != same.ID() || len(k.ID()) != 16 {
		t.Errorf("ID %q, want 16 hex digits equal to %q", k.ID(), same.ID())
	}
	for _, tc := range []struct{ name, text, want string }{
		{"not base64", "not a key!", "key-encryption key: not base64 (make one with: openssl rand -base64 32)"},
		{"too short", base64.StdEncoding.EncodeToString(raw[:16]), "key-encryption key: 16 bytes, want 32"},
		{"empty", "", "key-encryption key: 0 bytes, want 32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse(tc.text); err == nil || err.Error() != tc.want {
				t.Fatalf("Parse: %v, want %s", err, tc.want)
			}
		})
	}
}

func TestKeyNeverPrinted(t *testing.T) {
	raw := bytes.Repeat([]byte{0xab}, Size)
	k, _ := New(raw)
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("kek", "kek", k)
	printed := fmt.Sprintf("%v %+v %#v %s", k, k, k, k) + logged.String()
	for _, form := range []string{base64.StdEncoding.EncodeToString(raw), string(raw), "abababab"} {
		if strings.Contains(printed, form) {
			t.Fatalf("the key shows in %q", printed)
		}
	}
	if !strings.Contains(printed, k.ID()) {
		t.Fatalf("the key's id does not show in %q", printed)
	}
}

func TestConcurrentCreateKeepsOneKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orgauth.db.kek")
	keys := make([]*Key, 8)
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() { keys[i], errs[i] = Create(path) })
	}
	wg.Wait()
	var won *Key
	for i, err := range errs {
		switch {
		case err == nil && won == nil:
			won = keys[i]
		case err == nil:
			t.Fatal("two Creates both succeeded")
		case !errors.Is(err, os.ErrExist):
			t.Fatalf("Create: %v", err)
		}
	}
	loaded, err := Load(path)
	if err != nil || won == nil || loaded.ID() != won.ID() {
		t.Fatalf("file holds %v (%v), the winner made %v", loaded, err, won)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}
