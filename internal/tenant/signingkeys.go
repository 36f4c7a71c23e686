package tenant

import (
	"context"
	"errors"
	"fmt"

	"github.com/orgauth/orgauth/internal/keys"
	"github.com/orgauth/orgauth/internal/store"
)

// SigningKey is the public description of one of the tenant's access-token signing keys.
type SigningKey = keys.KeyInfo

// The states of a signing key (SigningKey.State): each algorithm has one current key (signs new tokens),
// one next key (published, current after the next rotation) and previous keys (published until the
// tokens they signed have expired).
const (
	KeyCurrent  = store.KeyCurrent
	KeyNext     = store.KeyNext
	KeyPrevious = store.KeyPrevious
)

// SigningKeys is what the tenant uses of its signing keys, keys.Manager, given to Open.
type SigningKeys interface {
	// Keys describes every published key.
	Keys() []SigningKey
	// Rotate retires every algorithm's current key and promotes its next one.
	Rotate(ctx context.Context) error
}

var _ SigningKeys = (*keys.Manager)(nil)

// errNoSigningKeys: Open was given no SigningKeys, as in the command-line verbs that need none.
var errNoSigningKeys = errors.New("the tenant was opened without its signing keys")

// SigningKeys describes every published signing key, by algorithm, then current, next and previous,
// newest first; none when Open was given no keys.
func (s *Service) SigningKeys() []SigningKey {
	if s.keys == nil {
		return nil
	}
	return s.keys.Keys()
}

// RotateSigningKeys rotates every algorithm's signing keys: its next key, already published, becomes
// the current one, and a fresh next key is published.
func (s *Service) RotateSigningKeys(ctx context.Context) error {
	if s.keys == nil {
		return errNoSigningKeys
	}
	if err := s.keys.Rotate(ctx); err != nil {
		return fmt.Errorf("rotate signing keys: %w", err)
	}
	return nil
}
