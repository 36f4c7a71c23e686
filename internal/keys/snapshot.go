package keys

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/orgauth/orgauth/internal/store"
)

// KeyInfo is the public description of a signing key.
type KeyInfo struct {
	KID       string
	Alg       string
	State     string // store.KeyCurrent, store.KeyNext or store.KeyPrevious
	CreatedAt time.Time
	RetiredAt time.Time // zero unless State is store.KeyPrevious
}

func (a KeyInfo) equal(b KeyInfo) bool {
	return a.KID == b.KID && a.Alg == b.Alg && a.State == b.State &&
		a.CreatedAt.Equal(b.CreatedAt) && a.RetiredAt.Equal(b.RetiredAt)
}

// snapshot is one immutable view of the published keys.
type snapshot struct {
	rows    []KeyInfo              // in publishing order
	keys    map[string]*signingKey // every published key, by kid
	current map[string]*signingKey // the signing key, by algorithm
	set     jose.JSONWebKeySet     // the public keys
	jwks    []byte                 // set, encoded
}

// buildSnapshot makes the snapshot for the stored keys, decrypting with unseal the private keys it has not
// parsed yet. It returns prev itself when nothing changed and reuses prev's parsed keys, so a periodic
// reload costs one store read.
func buildSnapshot(stored []store.SigningKey, prev *snapshot, unseal func(store.SigningKey) ([]byte, error)) (*snapshot, error) {
	stored = slices.Clone(stored)
	slices.SortFunc(stored, compareKeys)
	rows := make([]KeyInfo, len(stored))
	for i, sk := range stored {
		rows[i] = KeyInfo{KID: sk.KID, Alg: sk.Alg, State: sk.State, CreatedAt: sk.CreatedAt, RetiredAt: sk.RetiredAt}
	}
	if prev != nil && slices.EqualFunc(rows, prev.rows, KeyInfo.equal) {
		return prev, nil
	}

	s := &snapshot{
		rows:    rows,
		keys:    make(map[string]*signingKey, len(stored)),
		current: make(map[string]*signingKey, len(Algorithms())),
	}
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(stored))}
	for _, sk := range stored {
		if _, dup := s.keys[sk.KID]; dup {
			return nil, fmt.Errorf("key %s is stored twice", sk.KID)
		}
		k, err := reuseOrParse(sk, prev, unseal)
		if err != nil {
			return nil, err
		}
		s.keys[k.kid] = k
		switch sk.State {
		case store.KeyCurrent:
			if _, dup := s.current[sk.Alg]; dup {
				return nil, fmt.Errorf("%s has more than one current key", sk.Alg)
			}
			s.current[sk.Alg] = k
		case store.KeyNext, store.KeyPrevious:
		default:
			return nil, fmt.Errorf("key %s: unknown state %q", sk.KID, sk.State)
		}
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.public, KeyID: k.kid, Algorithm: k.alg, Use: "sig"})
	}
	for _, alg := range Algorithms() {
		if s.current[alg] == nil {
			return nil, fmt.Errorf("%s has no current key", alg)
		}
	}
	jwks, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("encode JWKS: %w", err)
	}
	s.set, s.jwks = set, jwks
	return s, nil
}

func reuseOrParse(sk store.SigningKey, prev *snapshot, unseal func(store.SigningKey) ([]byte, error)) (*signingKey, error) {
	if prev != nil {
		if k := prev.keys[sk.KID]; k != nil && k.alg == sk.Alg {
			return k, nil
		}
	}
	der, err := unseal(sk)
	if err != nil {
		return nil, err
	}
	return parseKey(sk, der)
}

// compareKeys orders keys by algorithm, then current, next, previous, then newest first.
func compareKeys(a, b store.SigningKey) int {
	return cmp.Or(
		cmp.Compare(algRank(a.Alg), algRank(b.Alg)),
		cmp.Compare(stateRank(a.State), stateRank(b.State)),
		b.CreatedAt.Compare(a.CreatedAt),
		cmp.Compare(a.KID, b.KID),
	)
}

func algRank(alg string) int {
	switch alg {
	case RS256:
		return 0
	case PS256:
		return 1
	case ES256:
		return 2
	default:
		return 3
	}
}

func stateRank(state string) int {
	switch state {
	case store.KeyCurrent:
		return 0
	case store.KeyNext:
		return 1
	default:
		return 2
	}
}
