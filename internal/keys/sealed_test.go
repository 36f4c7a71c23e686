package keys

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/orgauth/orgauth/internal/kek"
	"github.com/orgauth/orgauth/internal/store"
)

func TestPrivateKeysAreEncrypted(t *testing.T) {
	st := &fakeStore{keys: slices.Clone(mustSeed(t))}
	for _, sk := range st.keys {
		if _, err := x509.ParsePKCS8PrivateKey(sk.PrivateKey); err == nil {
			t.Errorf("key %s is stored as plaintext PKCS#8", sk.KID)
		}
		if id, ok := kek.SealedWith(sk.PrivateKey); !ok || id != testKEK.ID() {
			t.Errorf("key %s: sealed with %q (%v), want %s", sk.KID, id, ok, testKEK.ID())
		}
	}
}

func TestOpenRefusesAnotherKEK(t *testing.T) {
	st := seededStore(t)
	other := newKEK()
	_, err := Open(context.Background(), st, Options{KEK: other})
	want := fmt.Sprintf("open signing keys: signing key %s is encrypted with key-encryption key %s, but orgauth was given %s: %s",
		st.keys[0].KID, testKEK.ID(), other.ID(), kek.ErrOtherKey)
	if err == nil || err.Error() != want {
		t.Fatalf("Open with another KEK:\n got %v\nwant %s", err, want)
	}
	if !errors.Is(err, kek.ErrOtherKey) {
		t.Errorf("error %v does not wrap kek.ErrOtherKey", err)
	}
	if _, err := Open(context.Background(), st, Options{}); err == nil || err.Error() != "open signing keys: no key-encryption key" {
		t.Fatalf("Open without a KEK: %v", err)
	}
}

func TestOpenRefusesASwappedCiphertext(t *testing.T) {
	st := seededStore(t)
	st.keys[0].PrivateKey, st.keys[1].PrivateKey = st.keys[1].PrivateKey, st.keys[0].PrivateKey
	_, err := Open(context.Background(), st, Options{KEK: testKEK})
	want := fmt.Sprintf("open signing keys: load signing keys: decrypt signing key %s: open sealed value: corrupt, or moved from another row", st.keys[0].KID)
	if err == nil || err.Error() != want {
		t.Fatalf("Open with swapped ciphertexts:\n got %v\nwant %s", err, want)
	}
}

func TestPlaintextKeysAreEncryptedAtOpen(t *testing.T) {
	st := seededStore(t)
	for i, sk := range st.keys {
		st.keys[i].PrivateKey = unsealed(t, sk) // as a version before encryption stored them
	}
	clk := newClock()
	before := make([]string, len(st.keys))
	for i, sk := range st.keys {
		before[i] = sk.KID
	}
	m := open(t, st, clk)
	for _, sk := range st.keys {
		if id, ok := kek.SealedWith(sk.PrivateKey); !ok || id != testKEK.ID() {
			t.Errorf("key %s not encrypted at open", sk.KID)
		}
	}
	if got := kidsOf(st.keys); !slices.Equal(got, before) {
		t.Errorf("keys changed: %v, want %v", got, before)
	}
	token := sign(t, m, RS256, claimsAt(t, clk.Now(), nil))
	if _, err := verify(open(t, st, clk), token, testIssuer, testAudience); err != nil {
		t.Errorf("a restart cannot verify a token: %v", err)
	}
}

func TestRewrapUnderANewKEK(t *testing.T) {
	st := seededStore(t)
	clk := newClock()
	token := sign(t, open(t, st, clk), ES256, claimsAt(t, clk.Now(), nil))
	newer := newKEK()
	m, err := Open(context.Background(), st, Options{KEK: newer, PreviousKEKs: []*kek.Key{testKEK}, Now: clk.Now})
	if err != nil {
		t.Fatalf("Open with the new KEK and the previous one: %v", err)
	}
	for _, sk := range st.keys {
		if id, _ := kek.SealedWith(sk.PrivateKey); id != newer.ID() {
			t.Errorf("key %s sealed with %s after rewrap, want %s", sk.KID, id, newer.ID())
		}
	}
	if _, err := verify(m, token, testIssuer, testAudience); err != nil {
		t.Errorf("token signed before the rewrap: %v", err)
	}
	if _, err := Open(context.Background(), st, Options{KEK: newer, Now: clk.Now}); err != nil {
		t.Errorf("Open with the new KEK alone: %v", err)
	}
	if _, err := Open(context.Background(), st, Options{KEK: testKEK, Now: clk.Now}); !errors.Is(err, kek.ErrOtherKey) {
		t.Errorf("Open with the old KEK after rewrap: %v, want it refused", err)
	}
}

func mustSeed(t *testing.T) []store.SigningKey {
	t.Helper()
	keys, err := seedKeys()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func kidsOf(keys []store.SigningKey) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.KID)
	}
	return out
}
