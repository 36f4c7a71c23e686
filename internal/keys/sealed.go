package keys

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/orgauth/orgauth/internal/kek"
	"github.com/orgauth/orgauth/internal/store"
)

// sealedData is what a sealed private key is bound to: its kid and algorithm, so that the ciphertext of one
// row cannot pass for another's.
func sealedData(sk store.SigningKey) []byte {
	return []byte("orgauth signing key\x00" + sk.Alg + "\x00" + sk.KID)
}

// kekFor returns the given KEK of that id, or nil.
func (m *Manager) kekFor(id string) *kek.Key {
	if m.kek.ID() == id {
		return m.kek
	}
	for _, k := range m.oldKEK {
		if k.ID() == id {
			return k
		}
	}
	return nil
}

// wrongKEK is the refusal of a key sealed with none of the KEKs given.
func (m *Manager) wrongKEK(sk store.SigningKey, id string) error {
	given := []string{m.kek.ID()}
	for _, k := range m.oldKEK {
		given = append(given, k.ID())
	}
	return fmt.Errorf("signing key %s is encrypted with key-encryption key %s, but orgauth was given %s: %w",
		sk.KID, id, strings.Join(given, " and "), kek.ErrOtherKey)
}

// unseal decrypts a stored private key.
func (m *Manager) unseal(sk store.SigningKey) ([]byte, error) {
	id, sealed := kek.SealedWith(sk.PrivateKey)
	if !sealed {
		return nil, fmt.Errorf("signing key %s is not encrypted", sk.KID)
	}
	k := m.kekFor(id)
	if k == nil {
		return nil, m.wrongKEK(sk, id)
	}
	der, err := k.Open(sk.PrivateKey, sealedData(sk))
	if err != nil {
		return nil, fmt.Errorf("decrypt signing key %s: %w", sk.KID, err)
	}
	return der, nil
}

// reseal encrypts under m.kek, in one transaction, every stored key that is in plaintext (written before
// orgauth encrypted keys) or sealed with a previous KEK, and returns the keys as stored then. It writes
// nothing when every key is sealed with m.kek, and refuses, writing nothing, when one is sealed with a KEK
// it was not given.
func (m *Manager) reseal(ctx context.Context, stored []store.SigningKey) ([]store.SigningKey, error) {
	need := false
	for _, sk := range stored {
		switch id, sealed := kek.SealedWith(sk.PrivateKey); {
		case !sealed:
			need = true
		case m.kekFor(id) == nil:
			return nil, m.wrongKEK(sk, id)
		case id != m.kek.ID():
			need = true
		}
	}
	if !need {
		return stored, nil
	}
	var plain, rewrapped int
	err := m.store.ResealSigningKeys(ctx, func(sk store.SigningKey) ([]byte, error) {
		id, sealed := kek.SealedWith(sk.PrivateKey)
		if sealed && id == m.kek.ID() {
			return nil, nil
		}
		der := sk.PrivateKey
		if sealed {
			var err error
			if der, err = m.unseal(sk); err != nil {
				return nil, err
			}
			rewrapped++
		} else {
			plain++
		}
		return m.kek.Seal(der, sealedData(sk)), nil
	})
	if err != nil {
		return nil, fmt.Errorf("encrypt signing keys with key-encryption key %s: %w", m.kek.ID(), err)
	}
	m.log.LogAttrs(ctx, slog.LevelInfo, "encrypted signing keys with the key-encryption key",
		slog.String("kek", m.kek.ID()), slog.Int("plaintext", plain), slog.Int("from_previous_kek", rewrapped))
	if stored, err = m.store.ListSigningKeys(ctx); err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	return stored, nil
}
