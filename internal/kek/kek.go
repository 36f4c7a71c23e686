// Package kek seals secrets kept in the store (signing keys; later connection secrets) under a
// key-encryption key (KEK) that lives outside it, so that a copy of the database alone reveals none of them.
//
// A KEK is 32 random bytes, written as standard base64 (`openssl rand -base64 32`). Sealing is AES-256-GCM
// with a random nonce; the caller's associated data (for a signing key, its kid and algorithm) binds a
// ciphertext to its row, so ciphertexts cannot be swapped between rows. A sealed value describes itself:
//
//	"kek1" | KEK id (8 bytes) | nonce (12 bytes) | ciphertext and GCM tag
//
// The prefix tells a sealed value from a legacy plaintext one (PKCS#8 DER starts with 0x30), and the id
// names the KEK it was sealed with, so a wrong KEK is reported as such rather than as corrupt data.
package kek

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Size is the length of a KEK in bytes (AES-256).
const Size = 32

const (
	magic     = "kek1"
	idSize    = 8
	nonceSize = 12
	overhead  = len(magic) + idSize + nonceSize + 16 // 16: the GCM tag
)

// ErrOtherKey: the value was sealed with another KEK than the one asked to open it.
var ErrOtherKey = errors.New("sealed with another key-encryption key")

// Key is a key-encryption key. It is safe for concurrent use; printing or logging it shows only its id.
type Key struct {
	id   [idSize]byte
	aead cipher.AEAD
}

// New makes a Key of raw, which must be Size bytes.
func New(raw []byte) (*Key, error) {
	if len(raw) != Size {
		return nil, fmt.Errorf("key-encryption key: %d bytes, want %d", len(raw), Size)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	k := &Key{aead: aead}
	// The id is a hash of the key under a label of its own: it names the key without revealing it.
	sum := sha256.Sum256(append([]byte("orgauth key-encryption key id\x00"), raw...))
	copy(k.id[:], sum[:])
	return k, nil
}

// Parse reads a KEK written as standard base64 of Size bytes; surrounding white space is ignored.
func Parse(text string) (*Key, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil {
		return nil, fmt.Errorf("key-encryption key: not base64 (make one with: openssl rand -base64 32)")
	}
	return New(raw)
}

// Load reads the KEK in the file at path.
func Load(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key-encryption key: %w", err)
	}
	k, err := Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// Create generates a KEK and writes it to a new file at path, readable by its owner only. It fails with
// an error wrapping fs.ErrExist if the file exists, so that it never replaces a KEK that sealed
// something; the file appears whole or not at all, so a concurrent Load never reads half a key.
func Create(path string) (*Key, error) {
	raw := make([]byte, Size)
	rand.Read(raw)
	k, err := New(raw)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create key-encryption key: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(raw) + "\n")
	if err = errors.Join(err, f.Chmod(0o600), f.Sync(), f.Close()); err != nil {
		return nil, fmt.Errorf("create key-encryption key %s: %w", path, err)
	}
	if err := os.Link(f.Name(), path); err != nil {
		return nil, fmt.Errorf("create key-encryption key: %w", err)
	}
	return k, nil
}

// ID names the key: 16 hex digits derived from it, safe to log and to store.
func (k *Key) ID() string { return hex.EncodeToString(k.id[:]) }

// String keeps the key out of any printed value.
func (k *Key) String() string { return "key-encryption key " + k.ID() }

// GoString keeps the key out of %#v.
func (k *Key) GoString() string { return k.String() }

// LogValue keeps the key out of logs.
func (k *Key) LogValue() slog.Value { return slog.StringValue(k.ID()) }

// Seal encrypts plaintext bound to aad.
func (k *Key) Seal(plaintext, aad []byte) []byte {
	out := make([]byte, 0, overhead+len(plaintext))
	out = append(out, magic...)
	out = append(out, k.id[:]...)
	nonce := make([]byte, nonceSize)
	rand.Read(nonce)
	out = append(out, nonce...)
	return k.aead.Seal(out, nonce, plaintext, aad)
}

// Open decrypts a value Seal made with this key and the same aad. It returns an error wrapping
// ErrOtherKey when another KEK sealed it.
func (k *Key) Open(sealed, aad []byte) ([]byte, error) {
	id, ok := SealedWith(sealed)
	if !ok {
		return nil, errors.New("open sealed value: not sealed")
	}
	if id != k.ID() {
		return nil, fmt.Errorf("open sealed value: %w %s, not %s", ErrOtherKey, id, k.ID())
	}
	body := sealed[len(magic)+idSize:]
	plain, err := k.aead.Open(nil, body[:nonceSize], body[nonceSize:], aad)
	if err != nil {
		return nil, errors.New("open sealed value: corrupt, or moved from another row")
	}
	return plain, nil
}

// SealedWith reports whether b is a sealed value and, if so, the id of the KEK that sealed it.
func SealedWith(b []byte) (id string, ok bool) {
	if len(b) < overhead || !bytes.HasPrefix(b, []byte(magic)) {
		return "", false
	}
	return hex.EncodeToString(b[len(magic) : len(magic)+idSize]), true
}
