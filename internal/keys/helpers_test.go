package keys

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/orgauth/orgauth/internal/kek"
	"github.com/orgauth/orgauth/internal/store"
)

const (
	testIssuer   = "https://auth.example.com/"
	testAudience = testIssuer + "api/v2/"
)

// testKEK encrypts the private keys of every test store.
var testKEK = newKEK()

func newKEK() *kek.Key {
	raw := make([]byte, kek.Size)
	rand.Read(raw)
	k, err := kek.New(raw)
	if err != nil {
		panic(err)
	}
	return k
}

// seedKeys generates one full key set for the whole test binary: RSA key generation is slow under -race.
var seedKeys = sync.OnceValues(func() ([]store.SigningKey, error) {
	st := &fakeStore{}
	if _, err := Open(context.Background(), st, Options{KEK: testKEK}); err != nil {
		return nil, err
	}
	return st.keys, nil
})

// seededStore returns a store that already holds a current and a next key for every algorithm.
func seededStore(t testing.TB) *fakeStore {
	t.Helper()
	keys, err := seedKeys()
	if err != nil {
		t.Fatalf("seed keys: %v", err)
	}
	return &fakeStore{keys: slices.Clone(keys)}
}

// clock is an injectable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func open(t testing.TB, st KeyStore, clk *clock) *Manager {
	t.Helper()
	m, err := Open(context.Background(), st, Options{KEK: testKEK, Now: clk.Now})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return m
}

// claimsAt returns access-token claims issued at now and valid for an hour; set overrides or adds claims
// (a nil value removes one).
func claimsAt(t testing.TB, now time.Time, set map[string]any) []byte {
	t.Helper()
	c := map[string]any{
		"iss":    testIssuer,
		"sub":    "abcdefghijklmnopqrstuvwxyz012345@clients",
		"aud":    testAudience,
		"iat":    now.Unix(),
		"exp":    now.Add(time.Hour).Unix(),
		"scope":  "read:clients create:organizations",
		"gty":    "client-credentials",
		"azp":    "abcdefghijklmnopqrstuvwxyz012345",
		"jti":    "0123456789abcdef",
		"org_id": "org_0123456789abcdef",
	}
	for k, v := range set {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sign(t testing.TB, m *Manager, alg string, claims []byte) string {
	t.Helper()
	tok, err := m.sign(alg, claims)
	if err != nil {
		t.Fatalf("Sign(%s): %v", alg, err)
	}
	return tok
}

// verifyWithJWKS checks token as an outside verifier would: it parses the published JWKS and picks the
// key by kid. It returns the verified claims.
func verifyWithJWKS(t testing.TB, jwks []byte, token string) map[string]any {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(jwks, &set); err != nil {
		t.Fatalf("parse JWKS: %v", err)
	}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256})
	if err != nil {
		t.Fatalf("parse token: %v", err)
	}
	h := tok.Headers[0]
	found := set.Key(h.KeyID)
	if len(found) != 1 {
		t.Fatalf("JWKS has %d keys with kid %q, want 1", len(found), h.KeyID)
	}
	if found[0].Algorithm != h.Algorithm {
		t.Fatalf("JWKS key %s is for %s, token uses %s", h.KeyID, found[0].Algorithm, h.Algorithm)
	}
	var claims map[string]any
	if err := tok.Claims(found[0], &claims); err != nil {
		t.Fatalf("verify token with JWKS key %s: %v", h.KeyID, err)
	}
	return claims
}

// kids returns the kids of the infos in state, by algorithm.
func kids(infos []KeyInfo, state string) map[string][]string {
	out := map[string][]string{}
	for _, k := range infos {
		if k.State == state {
			out[k.Alg] = append(out[k.Alg], k.KID)
		}
	}
	return out
}

func jwksKIDs(t testing.TB, jwks []byte) []string {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(jwks, &set); err != nil {
		t.Fatalf("parse JWKS: %v", err)
	}
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.KeyID)
	}
	return out
}

// unsealed returns the PKCS#8 private key of sk, sealed with testKEK.
func unsealed(t testing.TB, sk store.SigningKey) []byte {
	t.Helper()
	der, err := testKEK.Open(sk.PrivateKey, sealedData(sk))
	if err != nil {
		t.Fatal(err)
	}
	return der
}
