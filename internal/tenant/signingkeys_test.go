package tenant

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"

	"github.com/orgauth/orgauth/internal/kek"
	"github.com/orgauth/orgauth/internal/keys"
)

func TestSigningKeysThroughTheTenant(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	raw := make([]byte, kek.Size)
	rand.Read(raw)
	key, err := kek.New(raw)
	if err != nil {
		t.Fatal(err)
	}
	m, err := keys.Open(ctx, st, keys.Options{KEK: key})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, st, Options{Keys: m})
	if err != nil {
		t.Fatal(err)
	}

	current := func() map[string]string {
		kids := map[string]string{}
		for _, k := range s.SigningKeys() {
			if k.State == KeyCurrent {
				kids[k.Alg] = k.KID
			}
		}
		return kids
	}
	before := current()
	if len(before) != len(keys.Algorithms()) {
		t.Fatalf("current keys %v, want one per algorithm %v", before, keys.Algorithms())
	}
	if err := s.RotateSigningKeys(ctx); err != nil {
		t.Fatal(err)
	}
	after := current()
	for alg, kid := range before {
		if after[alg] == kid || after[alg] == "" {
			t.Errorf("%s: current key %q before the rotation, %q after", alg, kid, after[alg])
		}
	}
}

// failingKeys is SigningKeys whose rotation fails with err.
type failingKeys struct{ err error }

func (failingKeys) Keys() []SigningKey             { return nil }
func (k failingKeys) Rotate(context.Context) error { return k.err }

func TestSigningKeysFaults(t *testing.T) {
	ctx := context.Background()
	t.Run("a tenant opened without keys lists none and cannot rotate", func(t *testing.T) {
		s := newService(t)
		if got := s.SigningKeys(); got != nil {
			t.Errorf("SigningKeys = %v, want none", got)
		}
		if err := s.RotateSigningKeys(ctx); err == nil {
			t.Error("RotateSigningKeys succeeded without keys")
		} else if _, ok := AsError(err); ok {
			t.Errorf("RotateSigningKeys = %v, a refusal; want a server fault", err)
		}
	})
	t.Run("an unreachable store stays recognizable", func(t *testing.T) {
		s, err := Open(ctx, openSQLite(t), Options{Keys: failingKeys{fmt.Errorf("dial: %w", ErrUnavailable)}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RotateSigningKeys(ctx); !errors.Is(err, ErrUnavailable) {
			t.Errorf("RotateSigningKeys = %v, want it to wrap ErrUnavailable", err)
		}
	})
}
