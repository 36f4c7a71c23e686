// Package keys keeps the tenant's access-token signing keys in the store, signs tokens with them and
// publishes their public halves as a JWKS.
//
// Each supported algorithm has one current key (signs new tokens), one next key (already published, becomes
// current on rotation) and up to MaxPrevious previous keys (still published until the tokens they signed
// have expired). Readers use an immutable snapshot behind an atomic pointer, so signing never takes a lock.
package keys

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/orgauth/orgauth/internal/kek"
	"github.com/orgauth/orgauth/internal/store"
)

// Supported signing algorithms.
const (
	RS256 = "RS256" // RSA-2048, PKCS#1 v1.5, SHA-256
	PS256 = "PS256" // RSA-2048, PSS with salt length = hash length, SHA-256
	ES256 = "ES256" // P-256, SHA-256
)

// Algorithms returns the supported signing algorithms, RS256 (the default of a new API) first.
func Algorithms() []string { return []string{RS256, PS256, ES256} }

// DefaultRetain is how long a retired key stays published: the longest token lifetime (30 days) plus clock skew.
const DefaultRetain = 30*24*time.Hour + 5*time.Minute

// MaxPrevious bounds the previous keys kept per algorithm, so that the JWKS stays small (about 50 KiB with
// every algorithm full, a twentieth of what resource servers accept) however fast keys are rotated.
// Retention alone would keep every key retired within DefaultRetain. Past the bound the oldest previous
// key goes first, even if tokens it signed are still alive: rotating more than MaxPrevious times within
// the longest token lifetime invalidates the oldest tokens. Daily rotation with 30-day tokens needs 31.
const MaxPrevious = 50

// ErrUnknownAlgorithm: Sign was asked for an algorithm that has no key.
var ErrUnknownAlgorithm = errors.New("unknown signing algorithm")

// KeyStore is the part of store.Store that the Manager uses.
type KeyStore interface {
	ListSigningKeys(ctx context.Context) ([]store.SigningKey, error)
	InsertSigningKey(ctx context.Context, k store.SigningKey) error
	RotateSigningKeys(ctx context.Context, alg string, newNext store.SigningKey, now time.Time) error
	DeletePreviousSigningKeys(ctx context.Context, retiredBefore time.Time) error
	TrimPreviousSigningKeys(ctx context.Context, keep int) error
	ResealSigningKeys(ctx context.Context, reseal func(store.SigningKey) ([]byte, error)) error
}

// Options configure a Manager. Zero values pick the defaults.
type Options struct {
	// KEK encrypts the private keys in the store (required). Keys stored in plaintext, by a version of
	// orgauth from before encryption, or under one of PreviousKEKs are encrypted under KEK when loaded.
	KEK          *kek.Key
	PreviousKEKs []*kek.Key

	Logger *slog.Logger     // default: discard
	Now    func() time.Time // default: time.Now
	Retain time.Duration    // how long a retired key stays published; default: DefaultRetain

	newKey func(alg string) (crypto.Signer, error) // default: newPrivateKey; tests make keys faster
}

// Manager signs access tokens and publishes the JWKS. It is safe for concurrent use.
type Manager struct {
	store  KeyStore
	kek    *kek.Key
	oldKEK []*kek.Key
	log    *slog.Logger
	now    func() time.Time
	retain time.Duration
	newKey func(alg string) (crypto.Signer, error)

	mu   sync.Mutex // serializes Reload and Rotate; readers only load snap
	snap atomic.Pointer[snapshot]

	signing chan struct{} // a slot per signature in progress, GOMAXPROCS slots
}

// Open loads the signing keys from st, creating a current and a next key for every algorithm that lacks
// one. Several instances may open the same store at once: the first insert wins and the others use its keys.
func Open(ctx context.Context, st KeyStore, opts Options) (*Manager, error) {
	if st == nil {
		return nil, errors.New("open signing keys: no store")
	}
	if opts.KEK == nil {
		return nil, errors.New("open signing keys: no key-encryption key")
	}
	if opts.Retain < 0 {
		return nil, fmt.Errorf("open signing keys: negative retention %s", opts.Retain)
	}
	m := &Manager{store: st, kek: opts.KEK, oldKEK: opts.PreviousKEKs, log: opts.Logger, now: opts.Now, retain: opts.Retain, newKey: opts.newKey,
		signing: make(chan struct{}, runtime.GOMAXPROCS(0))}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.newKey == nil {
		m.newKey = newPrivateKey
	}
	if m.retain == 0 {
		m.retain = DefaultRetain
	}
	if err := m.Reload(ctx); err != nil {
		return nil, fmt.Errorf("open signing keys: %w", err)
	}
	return m, nil
}

// Keys describes every published key, by algorithm, then current, next and previous, newest first.
func (m *Manager) Keys() []KeyInfo {
	rows := m.snap.Load().rows
	out := make([]KeyInfo, len(rows))
	copy(out, rows)
	return out
}

// JWKS returns the JSON Web Key Set of every published key. The caller must not modify it.
func (m *Manager) JWKS() []byte {
	return m.snap.Load().jwks
}

// KeySet returns the published keys, the set JWKS encodes, as an accesstoken.KeySource: the server verifies
// its own tokens with them, without fetching its JWKS. It never fails; the caller must not modify the set.
func (m *Manager) KeySet(context.Context) (jose.JSONWebKeySet, error) {
	return m.snap.Load().set, nil
}
